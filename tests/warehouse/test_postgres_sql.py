"""The DuckDB -> PostgreSQL translation of the warehouse's SQL (no server needed): every SQL
file translates without loss, and the statements DuckDB has and PostgreSQL lacks are rewritten
into ones that do the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics.warehouse.postgres import to_postgres
from analytics.warehouse.server_url import is_server_url, redacted

WAREHOUSE = Path(__file__).resolve().parents[2] / "analytics" / "warehouse"
SQL_FILES = sorted(
    [*WAREHOUSE.glob("migrations/*.sql"), *WAREHOUSE.glob("sql/*/*.sql")],
    key=lambda p: p.relative_to(WAREHOUSE).as_posix(),
)


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.relative_to(WAREHOUSE).as_posix())
def test_every_sql_file_translates(path):
    # sqlglot raises on anything it would have to drop or approximate (ErrorLevel.RAISE)
    statements = to_postgres(path.read_text(encoding="utf-8"))
    assert statements
    joined = re.sub(r"/\*.*?\*/", "", " ".join(statements)).upper()  # not the comments
    for duckdb_only in ("QUALIFY", "UNPIVOT", "GROUP BY ALL", "OR REPLACE TABLE", "DOUBLE,"):
        assert duckdb_only not in joined


def test_placeholders_become_psycopg_ones_and_percent_signs_are_kept():
    (sql,) = to_postgres("SELECT * FROM park WHERE park_id = ? AND name_en LIKE '%park%'", True)
    assert sql == "SELECT * FROM park WHERE park_id = %s AND name_en LIKE '%%park%%'"
    (plain,) = to_postgres("SELECT * FROM park WHERE name_en LIKE '%park%'")
    assert plain.endswith("LIKE '%park%'")  # no parameters: psycopg reads no placeholders


def test_create_or_replace_table_is_drop_then_create():
    assert to_postgres("CREATE OR REPLACE TABLE t AS SELECT 1 AS x") == (
        "DROP TABLE IF EXISTS t",
        "CREATE TABLE t AS SELECT 1 AS x",
    )


def test_newest_row_per_key_keeps_the_columns_of_the_table():
    (_, view) = to_postgres(
        "CREATE OR REPLACE VIEW v AS SELECT * FROM raw_park"
        " QUALIFY row_number() OVER (PARTITION BY park_id ORDER BY source_id DESC) = 1"
    )
    assert view == (
        "CREATE VIEW v AS SELECT DISTINCT ON (park_id) * FROM raw_park"
        " ORDER BY park_id, source_id DESC NULLS LAST"
    )


def test_duckdb_only_statements():
    assert to_postgres("CHECKPOINT") == ()
    assert "pg_attribute" in to_postgres("DESCRIBE main.park")[0]
    assert "'park'::regclass" in to_postgres("DESCRIBE main.park")[0]
    assert to_postgres("SELECT * FROM main.park") == ("SELECT * FROM park",)
    assert to_postgres("SELECT x FROM (SELECT 1 AS x)") == (
        "SELECT x FROM (SELECT 1 AS x) AS _sub1",
    )
    assert to_postgres("SELECT make_date(2024, 1, 1)") == ("SELECT MAKE_DATE(2024, 1, 1)",)


def test_server_urls_and_their_passwords():
    assert is_server_url("postgresql://u@h:5432/db") and is_server_url("postgres://h/db")
    assert not is_server_url("data/warehouse.duckdb") and not is_server_url(None)
    assert redacted("postgresql://ivanova:s3cret@db.local:5432/parks") == (
        "postgresql://ivanova:***@db.local:5432/parks"
    )
    assert redacted("postgresql://ivanova@db.local/parks") == "postgresql://ivanova@db.local/parks"
