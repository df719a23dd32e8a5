"""Opening the warehouse: one DuckDB file, its schema kept current by versioned migrations.

Migrations are ``migrations/NNN_description.sql`` files applied in order, each in its own
transaction, and recorded in ``schema_version``. A file written by a newer version of the
program is refused with a clear message rather than half-understood.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "warehouse.duckdb"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    path: Path


def default_db_path() -> Path:
    """The warehouse file: PARKS_DB if set, else data/warehouse.duckdb in the project."""
    return Path(os.environ.get("PARKS_DB") or DEFAULT_DB_PATH)


def migrations() -> list[Migration]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must look like 001_name.sql: {path.name}")
        found.append(Migration(int(match[1]), match[2].replace("_", " "), path))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise ValueError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def latest_version() -> int:
    return len(migrations())


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of an open database (0 for an empty file)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations; return the number applied. Refuses a newer schema."""
    current = schema_version(con)
    supported = latest_version()
    if current > supported:
        raise UserError("warehouse.newer_schema", found=current, supported=supported)
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    pending = [m for m in migrations() if m.version > current]
    for migration in pending:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.path.read_text(encoding="utf-8"))
            con.execute(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [migration.version, migration.description],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return len(pending)


def connect(
    path: Path | str | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, upgrading an older schema first.

    A read-only open of an outdated file upgrades it through a short read-write
    connection, then reopens read-only. A missing file is an error in read-only mode.
    """
    db_path = Path(path) if path is not None else default_db_path()
    if read_only and not db_path.exists():
        raise UserError("warehouse.missing", path=str(db_path))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        raise UserError("warehouse.cannot_open", path=str(db_path), reason=str(exc)) from exc
    current = schema_version(con)
    if current > latest_version():
        con.close()
        raise UserError("warehouse.newer_schema", found=current, supported=latest_version())
    if current < latest_version():
        if read_only:
            con.close()
            with duckdb.connect(str(db_path)) as writer:
                migrate(writer)
            return duckdb.connect(str(db_path), read_only=True)
        migrate(con)
    return con
