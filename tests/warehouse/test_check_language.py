"""`python -m analytics check` speaks the user's language: each data test's description and
the problems its offending rows name come from the catalogue (checks.yml), not the SQL."""

from __future__ import annotations

import duckdb
import pytest

from analytics.cli import main
from analytics.i18n import LANGUAGES, t
from analytics.registries.init import init_warehouse
from analytics.warehouse import build
from analytics.warehouse.checks import TESTS_DIR, _rule, data_test_names


@pytest.fixture
def ru_db(tmp_path):
    return init_warehouse(tmp_path / "ru.duckdb", "RU").path


def test_every_data_test_is_described_in_every_language():
    for name in data_test_names():
        texts = {lang: t(f"check.rule.{name}", lang) for lang in LANGUAGES}
        assert all(texts.values()) and len(set(texts.values())) == 3, name
        # the English text says what the SQL file's own comment says
        english = _rule((TESTS_DIR / f"{name}.sql").read_text(encoding="utf-8"))
        assert texts["en"].split()[:4] == english.split()[:4], name


def test_check_prints_each_description_in_ukrainian(ru_db, capsys):
    assert main(["--lang", "uk", "check", "--db", str(ru_db)]) == 0
    out = capsys.readouterr().out
    for name in data_test_names():
        assert f"{t('check.passed', 'uk')}  {name}: {t(f'check.rule.{name}', 'uk')}" in out
        assert t(f"check.rule.{name}", "en") not in out
    assert "Occupied area never exceeds" not in out


def test_a_failing_check_names_its_problem_in_ukrainian(ru_db, capsys):
    con = duckdb.connect(str(ru_db))
    try:  # a value for a day that starts no quarter, as no import would store it
        con.execute(
            "INSERT INTO raw_region_quarter VALUES (1, 'RU-MOW', DATE '2023-02-01', 'population', 1)"
        )
        build(con)
    finally:
        con.close()
    assert main(["--lang", "uk", "check", "--db", str(ru_db)]) == 1
    captured = capsys.readouterr()
    line = f"{t('check.failed', 'uk')}  periods: {t('check.rule.periods', 'uk')}"
    assert line in captured.out
    assert "не перший день кварталу" in captured.out and "not_quarter_start" not in captured.out
    assert t("check.summary_failed", "uk", failed=1, total=len(data_test_names())) in captured.err
