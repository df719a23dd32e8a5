"""Fresh real-country warehouses (init --country), one per test, and a helper to import."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from analytics.intake import commit_import, plan_import, read_file, validate
from analytics.registries.init import init_warehouse


@pytest.fixture(scope="session")
def _empty_ua(tmp_path_factory):
    return init_warehouse(tmp_path_factory.mktemp("ua") / "ua.duckdb", "UA").path


@pytest.fixture(scope="session")
def _empty_ru(tmp_path_factory):
    return init_warehouse(tmp_path_factory.mktemp("ru") / "ru.duckdb", "RU").path


@pytest.fixture
def ua_db(_empty_ua, tmp_path):
    target = tmp_path / "ua.duckdb"
    shutil.copy(_empty_ua, target)
    return target


@pytest.fixture
def ru_db(_empty_ru, tmp_path):
    target = tmp_path / "ru.duckdb"
    shutil.copy(_empty_ru, target)
    return target


def load(db, path, *, kind=None, lang="en", commit=True, accept_warnings=False, **options):
    """Read, validate and (when it has no errors) commit a file; the validation report and
    the summary (None when not committed)."""
    con = duckdb.connect(str(db))
    try:
        report = validate(con, read_file(path, kind=kind), lang, **options)
        summary = None
        if commit and report.ok and (accept_warnings or not report.warnings):
            summary = commit_import(
                con, plan_import(con, report), user="test", accept_warnings=accept_warnings
            )
        return report, summary
    finally:
        con.close()


def rows(db, sql, params=()):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()
