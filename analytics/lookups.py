"""Small look-ups the app, the reports and the command line share: names of regions,
municipalities, parks and indicators in a language, indicator units, the money's currency,
the quarters with park reports, the loaded batches and imports, and the data's stamp.

Each is one query on the marts; callers cache them (the app by the data stamp).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from analytics.i18n import check_language

REFERENCE_SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources.yml"


def data_stamp(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(newest batch id, number of batches): changes with every import, so it keys caches."""
    newest, batches = con.execute(
        "SELECT coalesce(max(source_id), 0), count(*) FROM source"
    ).fetchone()
    return int(newest), int(batches)


def region_names(con: duckdb.DuckDBPyConnection, lang: str) -> dict[str, str]:
    """Region code -> name in ``lang``, in alphabetical order of the names."""
    name = f"name_{check_language(lang)}"
    return dict(con.execute(f"SELECT code, {name} FROM region ORDER BY {name}").fetchall())


def municipality_names(con: duckdb.DuckDBPyConnection, lang: str) -> dict[str, str]:
    """Municipality code -> name in ``lang``, by code."""
    name = f"name_{check_language(lang)}"
    return dict(con.execute(f"SELECT code, {name} FROM municipality ORDER BY code").fetchall())


def municipalities(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The municipality mart: one row per municipality (peer groups are built from it)."""
    return con.execute("SELECT * FROM municipality ORDER BY code").df()


def parks_by_name(con: duckdb.DuckDBPyConnection, lang: str) -> pd.DataFrame:
    """Parks with their ``name`` in ``lang`` and the dates that can start a treatment
    (registered_on, opened_on, closed_on), in alphabetical order of the names."""
    name = f"name_{check_language(lang)}"
    return con.execute(
        f"SELECT park_id, {name} AS name, park_type, municipality_code, region_code,"
        " registered_on, opened_on, closed_on FROM park ORDER BY name"
    ).df()


def park_region(con: duckdb.DuckDBPyConnection, park_id: str) -> str | None:
    """The region code of a park (None for an unknown park)."""
    row = con.execute("SELECT region_code FROM park WHERE park_id = ?", [park_id]).fetchone()
    return row[0] if row else None


def indicator_names(
    con: duckdb.DuckDBPyConnection, lang: str, entity: str = "park"
) -> dict[str, str]:
    """Indicator code -> name in ``lang`` for one level (park, municipality, region)."""
    name = f"name_{check_language(lang)}"
    rows = con.execute(f"SELECT code, {name} FROM indicator WHERE entity = ?", [entity])
    return dict(rows.fetchall())


def indicator_units(con: duckdb.DuckDBPyConnection, entity: str = "park") -> dict[str, str]:
    """Indicator code -> unit code of the catalogue (share, persons, mln_currency ...)."""
    rows = con.execute("SELECT code, unit FROM indicator WHERE entity = ?", [entity])
    return dict(rows.fetchall())


def currency(con: duckdb.DuckDBPyConnection, region: str | None = None) -> str | None:
    """The ISO 4217 code of the money of a region (None: all regions), when it is one
    currency; None when the regions use several."""
    sql = "SELECT DISTINCT c.currency FROM region r JOIN country c ON c.code = r.country_code"
    rows = con.execute(sql + (" WHERE r.code = ?" if region else ""), [region] if region else [])
    found = [r[0] for r in rows.fetchall()]
    return found[0] if len(found) == 1 else None


def report_quarters(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    """Quarters with park reports (their first days), oldest first."""
    rows = con.execute("SELECT DISTINCT quarter FROM park_quarter ORDER BY 1").fetchall()
    return [r[0] for r in rows]


def sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every loaded batch with its origin and licence (the ``source`` table)."""
    return con.execute(
        "SELECT source_id, kind, producer, title, published, url, licence, file_name,"
        " simulated, loaded_at, loaded_by FROM source ORDER BY source_id"
    ).df()


def import_log(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Committed imports, newest first, with what each did to rows and to single values
    (values_*: empty for imports made before the warehouse counted them)."""
    return con.execute(
        "SELECT import_id, source_id, kind, file_name, sheet, rows_read, inserted, updated,"
        " unchanged, values_new, values_changed, values_cleared, values_kept, warnings,"
        " imported_by, imported_at FROM import_log"
        " ORDER BY import_id DESC"
    ).df()


def reference_sources(path: Path = REFERENCE_SOURCES) -> list[dict]:
    """The public reference data sets the estimators are validated on (data/sources.yml)."""
    if not path.exists():
        return []
    return yaml.safe_load(path.read_text(encoding="utf-8")).get("reference_data", [])
