"""The same data in every format users send loads to identical warehouse contents, equal to
the values the demo generator produced (the reference comes from the generator, not from
the importer)."""

from pathlib import Path

import duckdb
import pytest

from analytics.intake import commit_import, plan_import, read_file, validate
from analytics.warehouse.build import build
from tests.fixtures.make_fixtures import GOOD_PARKS, GOOD_QUARTERS

GOOD = Path(__file__).parents[1] / "fixtures" / "good"
PARK_FILES = [
    ("park_quarter_cp1251_semicolon.csv", {"encoding": "cp1251", "delimiter": ";", "decimal": ","}),
    (
        "park_quarter_utf8_bom.csv",
        {"encoding": "utf-8-sig", "delimiter": ",", "header_language": "en"},
    ),
    ("park_quarter_ru.xlsx", {"format": "xlsx", "header_language": "ru"}),
    # Park names typed on two lines (Alt+Enter) and saved by Excel: quoted, with a line break.
    (
        "park_quarter_excel_line_breaks.csv",
        {"encoding": "cp1251", "delimiter": ";", "decimal": ","},
    ),
    # A 1C export: rows end at their last filled cell (the wage, empty in some rows, is last).
    ("park_quarter_1c_short_rows.csv", {"encoding": "cp1251", "delimiter": ";", "decimal": ","}),
    ("park_quarter_uk.xlsx", {"format": "xlsx", "header_language": "uk"}),
]
REGION_FILES = [
    ("region_quarter_long.csv", {"layout": "long"}),
    ("region_quarter_stat_office.xlsx", {"layout": "period_wide", "indicator": "population"}),
    ("region_quarter_stat_office.csv", {"layout": "period_wide", "encoding": "cp1251"}),
]
PQ_WHERE = "park_id IN ? AND quarter BETWEEN ? AND ?"
RQ_WHERE = "indicator = 'population' AND quarter BETWEEN ? AND ?"


# Report columns added by migration 005 after the fixtures were made: the files lack them.
ADDED_AFTER_FIXTURES = (
    "residents_revenue, residents_revenue_cumulative, high_productivity_jobs,"
    " residents_relocated, jobs_at_relocated_firms, jobs_moved_in, net_jobs"
)


def _mart(con, table: str, where: str, params: list) -> list[tuple]:
    skip = f", {ADDED_AFTER_FIXTURES}" if table == "park_quarter" else ""
    return con.execute(
        f"SELECT * EXCLUDE (source_id{skip}) FROM {table} WHERE {where} ORDER BY ALL", params
    ).fetchall()


def _load(db: Path, name: str, delete_sql: str, params: list):
    con = duckdb.connect(str(db))
    try:
        con.execute(delete_sql, params)
        build(con)
        read = read_file(GOOD / name)
        report = validate(con, read, "ru")
        assert report.issues == (), report.messages("en")
        summary = commit_import(con, plan_import(con, report), user="tester")
        return read, summary, con
    except BaseException:
        con.close()
        raise


@pytest.mark.parametrize(("name", "expected"), PARK_FILES, ids=[f[0] for f in PARK_FILES])
def test_park_quarter_formats_load_to_the_generated_values(intake_demo_db, db, name, expected):
    params = [list(GOOD_PARKS), *GOOD_QUARTERS]
    with duckdb.connect(str(intake_demo_db), read_only=True) as ref:
        reference = _mart(ref, "park_quarter", PQ_WHERE, params)
    read, summary, con = _load(db, name, f"DELETE FROM raw_park_quarter WHERE {PQ_WHERE}", params)
    with con:
        assert _mart(con, "park_quarter", PQ_WHERE, params) == reference
    assert summary.inserted == len(reference) and summary.updated == 0
    detected = read.detected.to_dict()
    assert {k: detected[k] for k in expected} == expected


@pytest.mark.parametrize(("name", "expected"), REGION_FILES, ids=[f[0] for f in REGION_FILES])
def test_statistics_long_and_wide_load_to_the_generated_values(intake_demo_db, db, name, expected):
    params = list(GOOD_QUARTERS)
    with duckdb.connect(str(intake_demo_db), read_only=True) as ref:
        reference = _mart(ref, "region_quarter", RQ_WHERE, params)
    read, summary, con = _load(db, name, f"DELETE FROM raw_region_quarter WHERE {RQ_WHERE}", params)
    with con:
        assert _mart(con, "region_quarter", RQ_WHERE, params) == reference
    assert summary.inserted == len(reference)
    detected = read.detected.to_dict()
    assert {k: detected[k] for k in expected} == expected
