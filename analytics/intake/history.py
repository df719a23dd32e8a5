"""Revisions: every value a key ever had, who loaded it, when and from which file."""

from __future__ import annotations

import math
from decimal import Decimal

import duckdb
import pandas as pd

from analytics.i18n import fmt_number, t
from analytics.intake.columns import kind_spec

_NULL = "<NULL>"
# Which raw tables hold the history of a park, a region or a municipality.
TARGETS = {
    "park": (("park", "park_id"), ("park_quarter", "park_id"), ("park_target", "park_id")),
    "region": (("region", "region_code"), ("region_quarter", "region_code")),
    "municipality": (
        ("municipality", "municipality_code"),
        ("municipality_quarter", "municipality_code"),
    ),
}


# DuckDB types whose values are numbers (shown in the reader's locale, not as stored text).
NUMERIC_TYPES = ("DOUBLE", "FLOAT", "REAL", "INTEGER", "BIGINT", "SMALLINT", "HUGEINT", "DECIMAL")


def _revisions_sql(con: duckdb.DuckDBPyConnection, kind: str, key_col: str) -> str:
    keys = [k for k in kind_spec(kind).keys if k != key_col]
    described = [
        (r[0], str(r[1]))
        for r in con.execute(f"DESCRIBE raw_{kind}").fetchall()
        if r[0] not in {"source_id", key_col, *keys}
    ]
    columns = [name for name, _ in described]
    numeric = [name for name, kind_ in described if kind_.startswith(NUMERIC_TYPES)]
    numeric_sql = ", ".join(f"'{c}'" for c in numeric) or "NULL"
    row_key = " || ' ' || ".join(f"CAST({k} AS VARCHAR)" for k in keys) if keys else "''"
    # UNPIVOT drops NULLs, but "value removed" is a revision too: carry them as a marker.
    casts = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '{_NULL}') AS {c}" for c in columns)
    # An unpivot as a lateral VALUES list, which DuckDB and PostgreSQL both run.
    pairs = ", ".join(f"('{c}', b.{c})" for c in columns)
    return f"""
        WITH base AS (
            SELECT source_id, {row_key} AS row_key, {casts}
            FROM raw_{kind} WHERE {key_col} = ?
        ),
        long AS (
            SELECT b.source_id, b.row_key, v.column_name, v.value
            FROM base AS b CROSS JOIN LATERAL (VALUES {pairs}) AS v (column_name, value)
        ),
        lagged AS (
            SELECT source_id, row_key, column_name, nullif(value, '{_NULL}') AS value,
                   nullif(lag(value) OVER w, '{_NULL}') AS old, row_number() OVER w AS n
            FROM long WINDOW w AS (PARTITION BY row_key, column_name ORDER BY source_id)
        )
        SELECT s.loaded_at, coalesce(s.loaded_by, s.producer) AS loaded_by,
               s.os_user, s.user_verified,
               coalesce(s.file_name, s.title) AS file_name, l.source_id,
               '{kind}' AS kind, l.row_key, l.column_name, l.old, l.value AS new,
               CASE WHEN l.old IS NULL THEN 'new' WHEN l.value IS NULL THEN 'cleared'
                    ELSE 'changed' END AS change,
               l.column_name IN ({numeric_sql}) AS numeric
        FROM lagged l JOIN source s USING (source_id)
        WHERE l.n > 1 AND l.old IS DISTINCT FROM l.value
    """


def revisions(con: duckdb.DuckDBPyConnection, target: str, code: str) -> pd.DataFrame:
    """Changed values of a park (registry, quarters, targets), a region or a municipality:
    one row per changed cell with loaded_at, loaded_by, file_name, source_id, kind,
    row_key (quarter, indicator...), column_name, old and new (as text), change (new: a
    value where there was none; changed; cleared: the value was emptied, which an import
    does only for a cell holding the clearing marker), numeric (whether the column holds
    numbers; :func:`value_text` shows them in the reader's locale), plus os_user and
    user_verified (who ran a command-line import; whether loaded_by's password was
    checked)."""
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}; got {target!r}")
    parts = [_revisions_sql(con, kind, key) for kind, key in TARGETS[target]]
    sql = " UNION ALL ".join(f"({p})" for p in parts)
    return con.execute(
        f"SELECT * FROM ({sql}) ORDER BY source_id, kind, row_key, column_name", [code] * len(parts)
    ).df()


def value_text(value: str | None, numeric: bool, lang: str) -> str:
    """A stored value as a reader expects it: numbers in the locale ("1 234", "12,5") without
    the float's ".0", other values as stored, a removed value as a dash."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if not numeric:
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return str(value)
    exponent = Decimal(str(value)).normalize().as_tuple().exponent
    decimals = min(6, max(0, -int(exponent)))  # as many as the stored value has, up to six
    return fmt_number(number, lang, decimals)


def new_value_text(value: str | None, numeric: bool, lang: str) -> str:
    """A revision's new value as a reader expects it; an emptied value says "cleared"."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return t("intake.history.cleared", lang)
    return value_text(value, numeric, lang)
