"""The quarterly review on a hand-made warehouse: statuses, target paths, late reports, findings."""

import datetime as dt

import pytest

from analytics.kpi.review import quarterly_review
from tests.kpi.tiny import build_tiny

Q4_23, Q2_24, Q4_24 = dt.date(2023, 10, 1), dt.date(2024, 4, 1), dt.date(2024, 10, 1)


def _row(park_id, quarter, jobs, reported_on=None, **more):
    row = {"park_id": park_id, "quarter": quarter, "jobs_total": jobs, "reported_on": reported_on}
    row.update(more)
    return row


def _target(park_id, value, indicator="jobs_total", year=2024):
    return {
        "park_id": park_id,
        "indicator": indicator,
        "period_type": "year",
        "period_start": dt.date(year, 1, 1),
        "target_value": value,
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    parks = [
        {"park_id": "A"},
        {"park_id": "B"},
        {"park_id": "C"},
        {"park_id": "D"},
        # E: a project never founded: not due to report
        {"park_id": "E", "status": "project", "founded_on": None, "first_resident_on": None},
        # F: opened 2021, occupancy 1 / 10 = 10 % at the end of 2024 (3.96 years later)
        {"park_id": "F", "first_resident_on": dt.date(2021, 1, 15)},
    ]
    quarters = [
        _row("A", Q4_23, 40.0),
        _row("A", Q2_24, 70.0),  # path: 40 + (100 - 40) * 2/4 = 70 -> on track
        _row("A", Q4_24, 120.0, dt.date(2025, 1, 25)),  # 120 >= 100; due 30 Jan -> on time
        _row("B", Q4_23, 40.0),
        _row("B", Q2_24, 69.0),  # 69 < 70 -> behind in Q2
        _row("B", Q4_24, 80.0, dt.date(2025, 2, 10)),  # 80 < 100 -> behind; 11 days late
        _row("C", Q4_23, 10.0),  # reported before, silent in Q4 2024 -> no report
        _row("D", Q4_24, 5.0, dt.date(2025, 1, 30)),  # no target; due date itself is on time
        _row("F", Q4_24, 5.0, dt.date(2025, 1, 2), area_occupied_ha=1.0, area_free_ha=9.0),
    ]
    targets = [_target("A", 100.0), _target("B", 100.0), _target("C", 50.0)]
    path = tmp_path_factory.mktemp("review") / "w.duckdb"
    build_tiny(path, parks, quarters, targets).close()
    return path


def test_statuses_at_year_end(warehouse):
    from analytics.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        review = quarterly_review(con, "2024Q4")
    status = dict(zip(review.parks["park_id"], review.parks["status"], strict=True))
    assert status == {
        "A": "on_track",
        "B": "behind",
        "C": "no_report",
        "D": "no_target",
        "F": "no_target",
    }
    late = review.late_reports.set_index("park_id")
    assert late.loc["B", "report_state"] == "late" and late.loc["B", "days_late"] == 11
    assert late.loc["C", "report_state"] == "missing"
    assert set(late.index) == {"B", "C"}
    texts = [f.text("en") for f in review.findings]
    assert "Behind their roadmap targets: 1 of 2 parks with targets (Park B)." in texts
    assert 'Target for "Jobs at residents" met by 1 of 2 parks.' in texts
    assert "Parks without a report for Q4 2024: 1 (Park C)." in texts
    assert any(
        t.startswith("Parks below 20% occupancy 2 years after opening: 1 (Park F)") for t in texts
    )
    assert any("more than 30 days" in t and "(Park B)" in t for t in texts)


def test_path_within_the_year(warehouse):
    from analytics.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        review = quarterly_review(con, "2024Q2")
    targets = review.targets.set_index("park_id")
    # expected in Q2: 40 + (100 - 40) * 2 / 4 = 70 for A and B
    assert targets.loc["A", "expected"] == pytest.approx(70.0)
    assert bool(targets.loc["A", "met"]) and not bool(targets.loc["B", "met"])
    assert review.parks_with_status("behind") == ["B"]
    # C (reported before) and D, F (operating since 2020) have no Q2 report -> no_report
    assert review.parks_with_status("no_report") == ["C", "D", "F"]
    assert any("Идут по плану к цели" in f.text("ru") for f in review.findings)


def test_comparison_with_previous_quarter_and_year(warehouse):
    from analytics.warehouse import connect

    with connect(warehouse, read_only=True) as con:
        review = quarterly_review(con, "2024Q4")
    jobs = review.comparison.query("indicator == 'jobs_total'").set_index("park_id")
    # A: 120 now, no Q3 report, 40 a year earlier -> +200 %
    assert jobs.loc["A", "value"] == 120
    assert jobs.loc["A", "change_year_pct"] == pytest.approx(2.0)
    assert jobs.loc["A", "target_value"] == 100


def test_review_command_prints_statuses_and_findings(warehouse):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "review", "--quarter", "2024Q4", "--lang", "ru"]
        + ["--db", str(warehouse)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "IV кв. 2024" in proc.stdout and "отстаёт" in proc.stdout
    assert "Демонстрационные данные" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "review", "--quarter", "2024Q9"]
        + ["--db", str(warehouse)],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "2025Q2" in bad.stderr


def test_a_blank_target_value_makes_the_report_incomplete_not_on_track(tmp_path):
    from analytics.warehouse import connect

    q4 = _row("G", Q4_24, None, dt.date(2025, 1, 10), residents_count=12.0)
    targets = [_target("G", 100.0), _target("G", 10.0, indicator="residents_count")]
    build_tiny(tmp_path / "w.duckdb", [{"park_id": "G"}], [q4], targets).close()
    with connect(tmp_path / "w.duckdb", read_only=True) as con:
        review = quarterly_review(con, "2024Q4")
    # residents 12 >= 10 is met, jobs blank cannot be checked -> incomplete, not on track
    assert review.parks_with_status("incomplete") == ["G"]
    assert "Parks whose report left a target indicator blank: 1 (Park G)." in [
        f.text("en") for f in review.findings
    ]
