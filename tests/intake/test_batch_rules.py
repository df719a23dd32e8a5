"""The warehouse's data tests guard imports too: validation runs them on the staged batch
(the file's rows merged over the stored rows of their keys), so a rule is written once,
in SQL, and a file is refused for exactly what ``check`` would report after loading it."""

from __future__ import annotations

import datetime as dt

import duckdb

from analytics.intake import read_file, validate
from analytics.warehouse import run_data_tests
from analytics.warehouse.build import build
from tests.fixtures.make_fixtures import GOOD_PARKS

PARK = GOOD_PARKS[0]


def _failed(con) -> dict[str, list[tuple]]:
    return {
        r.name: [tuple(row) for row in r.bad_rows.itertuples(index=False)]
        for r in run_data_tests(con)
        if not r.passed
    }


def _issues(con, text: str, kind: str | None = None) -> list[tuple]:
    report = validate(con, read_file(text.encode(), "file.csv", kind=kind), "ru")
    return [(i.key, i.row, i.column) for i in report.issues]


def test_the_new_data_tests_find_bad_mart_rows(db):
    con = duckdb.connect(str(db))
    assert _failed(con) == {}
    con.execute("UPDATE raw_park SET founded_on = DATE '1985-03-01' WHERE park_id = ?", [PARK])
    con.execute("UPDATE raw_region_quarter SET value = -value WHERE quarter = DATE '2022-01-01'")
    build(con)
    failed = _failed(con)
    assert set(failed) == {"dates", "negative_statistics"}
    assert [(r[1], r[3], r[5]) for r in failed["dates"]] == [(PARK, "founded_on", "before_1990")]
    assert all(r[5] == "negative" and r[4] < 0 for r in failed["negative_statistics"])
    con.close()


def test_a_file_is_refused_for_what_check_would_report_after_loading_it(db):
    """Free area typed as the whole leasable area: validation refuses it by the rule of
    area_consistency.sql; loaded past validation, ``check`` fails on the same row."""
    con = duckdb.connect(str(db))
    leasable = con.execute(
        "SELECT leasable_area_ha FROM park WHERE park_id = ?", [PARK]
    ).fetchall()[0][0]
    # Only the free area: the occupied area comes from the stored report (the staged batch).
    text = f"park_id;quarter;area_free_ha\n{PARK};2022Q1;{leasable}\n"
    assert _issues(con, text) == [("intake.error.area_sum_not_leasable", 2, "area_free_ha")]
    con.execute(
        "UPDATE raw_park_quarter SET area_free_ha = ? WHERE park_id = ? AND quarter = ?",
        [leasable, PARK, dt.date(2022, 1, 1)],
    )
    build(con)
    bad = _failed(con)["area_consistency"]
    assert [(r[0], r[1].date(), r[2]) for r in bad] == [
        (PARK, dt.date(2022, 1, 1), "occupied_free_not_leasable")
    ]
    con.close()


def test_stored_values_the_file_does_not_touch_are_not_its_fault(db):
    """A registry file without dates for a park whose stored founding date breaks the
    rule (an old warehouse): the file is not refused for it."""
    con = duckdb.connect(str(db))
    con.execute("UPDATE raw_park SET founded_on = DATE '1985-03-01' WHERE park_id = ?", [PARK])
    build(con)
    row = con.execute(
        "SELECT name_ru, park_type, status, ownership, region_code, municipality_code "
        "FROM park WHERE park_id = ?",
        [PARK],
    ).fetchall()[0]
    header = "park_id;name_ru;park_type;status;ownership;region_code;municipality_code"
    text = f"{header}\n{PARK};{';'.join(row)}\n"
    assert _issues(con, text, kind="park") == []
    with_date = f"{header};founded_on\n{PARK};{';'.join(row)};01.03.1985\n"
    assert _issues(con, with_date, kind="park") == [
        ("intake.error.date_too_early", 2, "founded_on")
    ]
    con.close()


def test_the_rules_use_validations_day_not_the_clock(db):
    con = duckdb.connect(str(db))
    text = f"park_id;quarter;reported_on\n{PARK};2022Q1;15.05.2022\n"
    read = read_file(text.encode(), "file.csv")
    on_time = validate(con, read, "en", today=dt.date(2022, 6, 1))
    early = validate(con, read, "en", today=dt.date(2022, 5, 1))
    assert [i.key for i in on_time.issues] == []
    assert [i.key for i in early.issues] == ["intake.error.date_in_future"]
    con.close()
