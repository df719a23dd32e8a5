"""The review names exactly the targets the demo generator made parks miss (truth_target_miss),
checked against the generator's truth table, not against our own output."""

import pytest

from analytics.kpi.review import quarterly_review
from analytics.warehouse import connect


@pytest.mark.parametrize(("quarter", "year"), [("2025Q4", 2025), ("2023Q4", 2023)])
def test_review_names_the_parks_the_generator_made_miss(demo_db, quarter, year):
    with connect(demo_db, read_only=True) as con:
        truth = con.execute(
            "SELECT park_id, indicator FROM truth_target_miss WHERE year(period_start) = ?",
            [year],
        ).df()
        review = quarterly_review(con, quarter)
    assert len(truth) > 0
    assert review.parks_with_status("behind") == sorted(set(truth["park_id"]))
    checked = review.targets[review.targets["checked"]]
    missed = checked[~checked["met"].astype(bool)]
    assert set(zip(missed["park_id"], missed["indicator"], strict=True)) == set(
        zip(truth["park_id"], truth["indicator"], strict=True)
    )
    behind_finding = next(f for f in review.findings if f.code == "behind")
    assert set(behind_finding.parks) == set(truth["park_id"])


def test_review_of_one_region_keeps_to_its_parks(demo_db):
    with connect(demo_db, read_only=True) as con:
        region = con.execute(
            "SELECT region_code FROM park GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
        review = quarterly_review(con, "2025Q2", region=region)
        parks = set(
            con.execute("SELECT park_id FROM park WHERE region_code = ?", [region]).df()["park_id"]
        )
    assert set(review.parks["park_id"]) <= parks
    assert review.simulated
