"""What is in a warehouse: schema version, sources, periods covered and row counts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.warehouse.connection import schema_version

MARTS = (
    "region",
    "municipality",
    "park",
    "park_quarter",
    "park_target",
    "region_quarter",
    "municipality_quarter",
    "region_year",
    "municipality_year",
)
_PERIOD_COLUMN = {
    "park_quarter": "quarter",
    "region_quarter": "quarter",
    "municipality_quarter": "quarter",
    "park_target": "period_start",
    "region_year": "year",
    "municipality_year": "year",
}


@dataclass(frozen=True)
class WarehouseInfo:
    schema_version: int
    sources: pd.DataFrame  # one row per source: id, kind, producer, title, loaded_at, simulated
    # one row per mart: table, rows, first_period, last_period (first days of quarters, or
    # years as integers where frequency is "year")
    tables: pd.DataFrame

    @property
    def simulated(self) -> bool:
        """True when any loaded batch is simulated (the app then shows the demo banner)."""
        return bool(self.sources["simulated"].any()) if len(self.sources) else False


def _mart_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()[0]
    )


def warehouse_info(con: duckdb.DuckDBPyConnection) -> WarehouseInfo:
    sources = con.execute(
        "SELECT source_id, kind, producer, title, licence, loaded_at, simulated"
        " FROM source ORDER BY source_id"
    ).df()
    rows = []
    for mart in MARTS:
        if not _mart_exists(con, mart):
            rows.append(
                {"table": mart, "rows": 0, "first_period": None, "last_period": None}
                | {"frequency": _frequency(mart)}
            )
            continue
        period = _PERIOD_COLUMN.get(mart)
        if period:
            n, first, last = con.execute(
                f"SELECT count(*), min({period}), max({period}) FROM {mart}"
            ).fetchone()
        else:
            n, first, last = con.execute(f"SELECT count(*), NULL, NULL FROM {mart}").fetchone()
        rows.append(
            {"table": mart, "rows": n, "first_period": first, "last_period": last}
            | {"frequency": _frequency(mart)}
        )
    return WarehouseInfo(schema_version(con), sources, pd.DataFrame(rows))


def _frequency(mart: str) -> str:
    return "year" if mart.endswith("_year") else "quarter"


def content_checksum(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """A table's row count and a sha256 of its contents, the same for the same rows on any
    engine and in any order: each row is written out by Python (``repr`` of the values the
    driver returns: str, int, float by its shortest exact digits, date, datetime, bool,
    None; both engines' drivers return these same types) and the rows are sorted before
    hashing. A value that changed type (1 and 1.0) counts as changed."""
    cursor = con.execute(f"SELECT * FROM {table}")
    names = [d[0] for d in cursor.description]
    rows = sorted(map(repr, cursor.fetchall()))
    digest = hashlib.sha256(repr(names).encode())
    for row in rows:
        digest.update(row.encode())
        digest.update(b"\n")
    return len(rows), digest.hexdigest()
