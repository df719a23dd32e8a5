"""Data tests return the rows that break a rule; `check` prints them and exits non-zero."""

import datetime as dt
import shutil
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from analytics.warehouse import append_raw, build, connect, register_source, run_data_tests

Q = dt.date(2024, 7, 1)


def _tiny_warehouse(path, **quarter_overrides):
    """One country, region, municipality, park and park quarter, built through the real layers."""
    con = connect(path)
    con.execute("INSERT INTO country VALUES ('XD', 'Д', 'Д', 'D', 'RUB')")
    con.execute("INSERT INTO district VALUES ('D1', 'XD', 'о', 'о', 'd')")
    src = register_source(
        con, kind="test", producer="test", title="tiny", checksum="0", simulated=True
    )
    append_raw(
        con,
        "region",
        pd.DataFrame(
            [
                {
                    "region_code": "R1",
                    "country_code": "XD",
                    "district_code": "D1",
                    "name_ru": "Р",
                    "name_uk": "Р",
                    "name_en": "R",
                }
            ]
        ),
        src,
    )
    append_raw(
        con,
        "municipality",
        pd.DataFrame(
            [
                {
                    "municipality_code": "M1",
                    "region_code": "R1",
                    "name_ru": "М",
                    "name_uk": "М",
                    "name_en": "M",
                }
            ]
        ),
        src,
    )
    append_raw(
        con,
        "park",
        pd.DataFrame(
            [
                {
                    "park_id": "P1",
                    "name_ru": "П",
                    "name_uk": "П",
                    "name_en": "P",
                    "park_type": "technopark",
                    "status": "operating",
                    "ownership": "public",
                    "region_code": "R1",
                    "municipality_code": "M1",
                    "total_area_ha": 20.0,
                    "leasable_area_ha": 15.0,
                    "founded_on": dt.date(2020, 1, 1),
                }
            ]
        ),
        src,
    )
    row = {
        "park_id": "P1",
        "quarter": Q,
        "jobs_total": 120.0,
        "area_occupied_ha": 10.0,
        "area_free_ha": 5.0,
        "residents_count": 4.0,
    }
    row.update(quarter_overrides)
    append_raw(con, "park_quarter", pd.DataFrame([row]), src)
    build(con)
    return con


def test_clean_warehouse_passes_every_test(tmp_path):
    with _tiny_warehouse(tmp_path / "w.duckdb") as con:
        failed = [r.name for r in run_data_tests(con) if not r.passed]
    assert failed == []


@pytest.mark.parametrize(
    ("override", "failing_test"),
    [
        ({"jobs_total": -5.0}, "negative_values"),
        ({"area_occupied_ha": 16.0, "area_free_ha": 0.0}, "area_consistency"),
        ({"area_free_ha": 2.0}, "area_consistency"),  # 10 + 2 != 15
        ({"quarter": dt.date(2024, 8, 1)}, "periods"),
        ({"quarter": dt.date(2099, 1, 1)}, "periods"),
        ({"park_id": "NOPE"}, "orphans"),
    ],
)
def test_each_rule_catches_its_bad_row(tmp_path, override, failing_test):
    with _tiny_warehouse(tmp_path / "w.duckdb", **override) as con:
        results = {r.name: r for r in run_data_tests(con)}
    assert not results[failing_test].passed
    others = [n for n, r in results.items() if not r.passed and n != failing_test]
    assert others in ([], ["orphans"], ["area_consistency"])  # an orphan quarter has no park area


def test_duplicate_rows_in_a_mart_are_reported(tmp_path):
    with _tiny_warehouse(tmp_path / "w.duckdb") as con:
        con.execute("INSERT INTO park_quarter SELECT * FROM park_quarter")
        bad = {r.name: r.bad_rows for r in run_data_tests(con)}["unique_keys"]
    assert bad["mart"].tolist() == ["park_quarter"]


def test_check_command_prints_the_offending_row_and_fails(tmp_path):
    path = tmp_path / "w.duckdb"
    _tiny_warehouse(path, jobs_total=-5.0).close()
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "check", "--db", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "FAIL  negative_values" in proc.stdout
    assert "P1" in proc.stdout and "jobs_total" in proc.stdout and "-5.0" in proc.stdout
    assert "Data tests failed: 1 of" in proc.stderr


def test_check_command_passes_on_clean_data(tmp_path):
    path = tmp_path / "w.duckdb"
    _tiny_warehouse(path).close()
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "ru", "check", "--db", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Все проверки данных пройдены" in proc.stdout


def test_demo_passes_check_and_a_corrupted_demo_row_is_printed(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    command = [sys.executable, "-m", "analytics", "--lang", "en", "check", "--db", str(path)]
    assert subprocess.run(command, capture_output=True, text=True).returncode == 0
    with duckdb.connect(str(path)) as con:
        park_id, quarter = con.execute(
            "SELECT park_id, quarter FROM park_quarter WHERE jobs_total > 0 ORDER BY park_id, quarter LIMIT 1"
        ).fetchone()
        con.execute(
            "UPDATE park_quarter SET jobs_total = -7 WHERE park_id = ? AND quarter = ?",
            [park_id, quarter],
        )
    proc = subprocess.run(command, capture_output=True, text=True)
    assert proc.returncode == 1
    bad_line = next(line for line in proc.stdout.splitlines() if "jobs_total" in line)
    assert park_id in bad_line and str(quarter) in bad_line and "-7" in bad_line


def test_every_data_test_and_problem_code_is_said_in_every_language():
    """`check` reads check.rule.<test> and check.problem.<code>: a new SQL test or code
    without its catalogue entry would end `check` in a KeyError (seen with dates.sql)."""
    import re

    from analytics.i18n import has_key
    from analytics.warehouse.checks import TESTS_DIR, data_test_names

    missing = [n for n in data_test_names() if not has_key(f"check.rule.{n}")]
    codes = set()
    for path in TESTS_DIR.glob("*.sql"):
        sql = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r"'([a-z0-9_]+)' AS problem", sql))
        codes |= set(re.findall(r"(?:THEN|ELSE) '([a-z0-9_]+)'", sql))
    missing += [c for c in sorted(codes) if not has_key(f"check.problem.{c}")]
    assert codes and not missing, missing
