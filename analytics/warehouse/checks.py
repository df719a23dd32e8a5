"""Data tests: SQL queries over the marts that return the rows breaking a rule (dbt style).

A test passes when its query returns nothing. Each file in ``sql/tests`` is one test; its
first comment says what it guards (for whoever reads the SQL). What the user reads is the
catalogue's ``check.rule.<test>`` in their language, and a ``problem`` column's codes are
shown as ``check.problem.<code>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from analytics.i18n import has_key, t

TESTS_DIR = Path(__file__).with_name("sql") / "tests"


@dataclass(frozen=True)
class DataTestResult:
    name: str
    rule: str  # the SQL file's leading comment (English, for developers)
    bad_rows: pd.DataFrame

    @property
    def passed(self) -> bool:
        return self.bad_rows.empty

    def description(self, lang: str) -> str:
        """What the test guards, in ``lang`` (the catalogue's ``check.rule.<name>``)."""
        return t(f"check.rule.{self.name}", lang)

    def bad_rows_in(self, lang: str) -> pd.DataFrame:
        """The offending rows with their ``problem`` codes said in ``lang``."""
        if "problem" not in self.bad_rows.columns:
            return self.bad_rows
        return self.bad_rows.assign(
            problem=self.bad_rows["problem"].map(lambda c: _problem(c, lang))
        )


def _problem(code: object, lang: str) -> object:
    key = f"check.problem.{code}"
    return t(key, lang) if has_key(key) else code


def _rule(sql: str) -> str:
    """The leading comment block of a test file, joined into one sentence."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.lstrip("- ").strip())
    return " ".join(lines)


def data_test_names() -> list[str]:
    """The data tests, in the order they run (the names of their SQL files)."""
    return [path.stem for path in sorted(TESTS_DIR.glob("*.sql"))]


def run_data_tests(con: duckdb.DuckDBPyConnection) -> list[DataTestResult]:
    results = []
    for name in data_test_names():
        sql = (TESTS_DIR / f"{name}.sql").read_text(encoding="utf-8")
        bad = con.execute(sql).df()
        results.append(DataTestResult(name, _rule(sql), bad))
    return results
