"""KPI cards and the park card against independent DuckDB SQL on the demo warehouse."""

import duckdb
import pandas as pd
import pytest

from analytics.kpi import formulas
from analytics.kpi.cards import review_cards, status_counts
from analytics.kpi.park_card import filter_registry, park_card, series_with_targets
from analytics.kpi.review import quarterly_review

# Like-for-like totals written directly in SQL: the parks of the region that reported the
# KPI in both quarters (the review's expected parks include every park that reported).
LIKE_FOR_LIKE = """
    SELECT sum(a.{col}) AS now, sum(b.{col}) AS then, count(*) AS n
    FROM park_quarter a JOIN park_quarter b USING (park_id) JOIN park p USING (park_id)
    WHERE a.quarter = DATE '{q}' AND b.quarter = DATE '{then}'
      AND a.{col} IS NOT NULL AND b.{col} IS NOT NULL {region}
"""
OCCUPANCY = """
    SELECT sum(a.area_occupied_ha) / sum(p.leasable_area_ha) AS now,
           sum(b.area_occupied_ha) / sum(p.leasable_area_ha) AS then, count(*) AS n
    FROM park_quarter a JOIN park_quarter b USING (park_id) JOIN park p USING (park_id)
    WHERE a.quarter = DATE '{q}' AND b.quarter = DATE '{then}'
      AND a.area_occupied_ha IS NOT NULL AND b.area_occupied_ha IS NOT NULL
      AND p.leasable_area_ha > 0 {region}
"""


@pytest.fixture(scope="module")
def con(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as connection:
        yield connection


@pytest.mark.parametrize(("quarter", "region"), [("2025Q4", None), ("2024Q2", "XD-10")])
def test_cards_match_sql_like_for_like(con, quarter, region):
    kpis = formulas.park_kpis(con, None, None, region)
    review = quarterly_review(con, quarter, region, kpis)
    cards = {c.code: c for c in review_cards(review, kpis)}
    q = formulas.parse_quarter(quarter)
    where = f"AND p.region_code = '{region}'" if region else ""
    for code in ("jobs_total", "residents_count", "taxes_total"):
        (value,) = con.execute(
            f"SELECT sum(q.{code}) FROM park_quarter q JOIN park p USING (park_id)"
            f" WHERE q.quarter = DATE '{q}' {where}"
        ).fetchone()
        assert cards[code].value == pytest.approx(value, rel=1e-12)
        prev = formulas.shift_quarter(q, -1)
        now, then, n = con.execute(
            LIKE_FOR_LIKE.format(col=code, q=q, then=prev, region=where)
        ).fetchone()
        assert cards[code].change_previous == pytest.approx(now - then, abs=1e-9)
        assert cards[code].parks_previous == n
        year = formulas.shift_quarter(q, -4)
        now, then, n = con.execute(
            LIKE_FOR_LIKE.format(col=code, q=q, then=year, region=where)
        ).fetchone()
        assert cards[code].change_year == pytest.approx(now / then - 1, rel=1e-12)
        assert cards[code].parks_year == n
    now, then, _ = con.execute(
        OCCUPANCY.format(q=q, then=formulas.shift_quarter(q, -1), region=where)
    ).fetchone()
    assert cards["occupancy_rate"].change_previous == pytest.approx(now - then, abs=1e-12)


def test_card_targets_count_the_checked_targets(con):
    kpis = formulas.park_kpis(con)
    review = quarterly_review(con, "2025Q4", None, kpis)
    jobs = review_cards(review, kpis)[0]
    checked = review.targets[(review.targets["indicator"] == "jobs_total")]
    checked = checked[checked["checked"]]
    assert jobs.targets_checked == len(checked)
    # Q4: annual targets are judged at their full value, so the expected total is plain SQL
    (expected,) = con.execute(
        "SELECT sum(target_value) FROM park_target WHERE indicator = 'jobs_total'"
        " AND period_type = 'year' AND period_start = DATE '2025-01-01'"
        " AND park_id IN (SELECT park_id FROM park_quarter WHERE quarter = DATE '2025-10-01'"
        " AND jobs_total IS NOT NULL)"
    ).fetchone()
    assert jobs.target_expected == pytest.approx(expected)
    assert sum(status_counts(review).values()) == len(review.parks)


def test_filter_registry_matches_sql(con):
    parks = formulas.load_parks(con)
    chosen = filter_registry(parks, park_types=["technopark", "sez"], ownerships=["public"])
    (n,) = con.execute(
        "SELECT count(*) FROM park WHERE park_type IN ('technopark', 'sez')"
        " AND ownership = 'public'"
    ).fetchone()
    assert len(chosen) == n
    assert len(filter_registry(parks)) == len(parks)


def test_park_card_latest_values_and_targets(con):
    card = park_card(con, "XD-P001")
    quarter, efficiency = con.execute(
        "SELECT max(quarter), sum(taxes_total) / sum(coalesce(subsidies, 0)"
        " + coalesce(infrastructure_spending, 0) + coalesce(investment_budget, 0))"
        " FROM park_quarter WHERE park_id = 'XD-P001'"
    ).fetchone()
    assert card.latest_quarter == quarter
    assert card.budget_efficiency == pytest.approx(efficiency, rel=1e-9)
    series = series_with_targets(card, "residents_count")
    targets = con.execute(
        "SELECT period_start, target_value FROM park_target"
        " WHERE park_id = 'XD-P001' AND indicator = 'residents_count'"
    ).df()
    marked = series.dropna(subset=["target"]).set_index("quarter")["target"]
    for start, value in targets.itertuples(index=False):
        assert marked[pd.Timestamp(start.year, 10, 1)] == value


def test_unknown_park_is_a_user_error(con):
    from analytics.errors import UserError

    with pytest.raises(UserError):
        park_card(con, "XD-NOPE")
