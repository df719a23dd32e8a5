"""Data tests: SQL queries over the marts that return the rows breaking a rule (dbt style).

A test passes when its query returns nothing. Each file in ``sql/tests`` is one test; its
first comment line says what it guards.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

TESTS_DIR = Path(__file__).with_name("sql") / "tests"


@dataclass(frozen=True)
class DataTestResult:
    name: str
    rule: str
    bad_rows: pd.DataFrame

    @property
    def passed(self) -> bool:
        return self.bad_rows.empty


def _rule(sql: str) -> str:
    """The leading comment block of a test file, joined into one sentence."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.lstrip("- ").strip())
    return " ".join(lines)


def run_data_tests(con: duckdb.DuckDBPyConnection) -> list[DataTestResult]:
    results = []
    for path in sorted(TESTS_DIR.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        bad = con.execute(sql).df()
        results.append(DataTestResult(path.stem, _rule(sql), bad))
    return results
