"""Copying a whole warehouse between a DuckDB file and a PostgreSQL server (either way, or
file to file): every table with its revision history, accounts and logs, then staging views
and marts rebuilt on the target from its own copy of the raw tables.

All or nothing: the target changes in one transaction, and before it commits every copied
table and every rebuilt mart is compared with the source (row count and a content checksum
computed in Python, the same for the same rows on any engine); any difference rolls the
whole copy back. The source is read in one snapshot, so an import landing meanwhile is
either entirely in the copy or not at all. A target that already holds data is refused
unless ``replace`` says to replace it.
"""

from __future__ import annotations

import graphlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from psycopg import sql as pgsql

from analytics.errors import Count, UserError
from analytics.warehouse.build import SQL_DIR, build
from analytics.warehouse.connection import connect
from analytics.warehouse.info import content_checksum
from analytics.warehouse.postgres import PgConnection
from analytics.warehouse.server_url import is_server_url, shown

BATCH_ROWS = 50_000
# Filled by every open of a warehouse, whatever it holds: not a sign that the target has data.
ALWAYS_FILLED = frozenset({"schema_version", "indicator", "build_stamp"})
# DuckDB's names of the column types -> Arrow's, for batches written into a DuckDB file.
_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "FLOAT": pa.float32(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "SMALLINT": pa.int16(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "BLOB": pa.binary(),
}


@dataclass(frozen=True)
class TableCopy:
    name: str
    rows: int


@dataclass(frozen=True)
class CopyResult:
    source: str  # as shown to a user (a server URL without its password)
    target: str
    tables: tuple[TableCopy, ...]  # copied, in the order they were written
    marts: tuple[TableCopy, ...]  # rebuilt on the target
    skipped: tuple[str, ...]  # tables of the source this program does not know

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def mart_names() -> frozenset[str]:
    """The tables a build writes (one per SQL file of sql/marts) and its stamp."""
    return frozenset({p.stem for p in (SQL_DIR / "marts").glob("*.sql")} | {"build_stamp"})


def copy_warehouse(source: Path | str, target: Path | str, *, replace: bool = False) -> CopyResult:
    """Copy the warehouse at ``source`` into ``target`` (files or ``postgresql://`` URLs)."""
    if _same(source, target):
        raise UserError("warehouse.copy.same", path=shown(source))
    with connect(source, read_only=True) as src:
        begin_snapshot(src)
        try:
            if is_server_url(target):
                copied = _into_server(src, str(target), replace)
            else:
                copied = _into_file(src, Path(target), replace)
        finally:
            src.execute("ROLLBACK")  # the read-only snapshot
    tables, marts, skipped = copied
    return CopyResult(shown(source), shown(target), tables, marts, skipped)


Copied = tuple[tuple[TableCopy, ...], tuple[TableCopy, ...], tuple[str, ...]]


def _into_server(src: Any, url: str, replace: bool) -> Copied:
    """One transaction on the server: its rows are deleted and the source's written."""
    with connect(url) as dst:
        if not replace:
            _refuse_if_holding(src, dst, url)
        dst.execute("BEGIN TRANSACTION")
        try:
            copied = _fill(src, dst, url)
            dst.execute("COMMIT")
        except BaseException:
            dst.execute("ROLLBACK")
            raise
    return copied


def _into_file(src: Any, path: Path, replace: bool) -> Copied:
    """A new file beside the target, moved over it once complete and checked (``os.replace``
    is atomic). DuckDB could not do it in place: it refuses to delete a row whose foreign keys
    it deleted earlier in the same transaction."""
    if path.exists() and not replace:
        with connect(path, read_only=True) as dst:
            _refuse_if_holding(src, dst, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.copy")
    _remove_file(temporary)
    try:
        with connect(temporary) as dst:
            dst.execute("BEGIN TRANSACTION")
            try:
                copied = _fill(src, dst, path)
                dst.execute("COMMIT")
            except BaseException:
                dst.execute("ROLLBACK")
                raise
            dst.execute("CHECKPOINT")
        # A write-ahead log of the old file must not be replayed onto the new one.
        Path(f"{path}.wal").unlink(missing_ok=True)
        os.replace(temporary, path)
    finally:
        _remove_file(temporary)
    return copied


def _remove_file(path: Path) -> None:
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


def _copied_tables(src: Any, dst: Any) -> tuple[list[str], tuple[str, ...]]:
    """The tables to copy in the order to write them, and the source's tables this program
    does not know (left out)."""
    source_tables = base_tables(src)
    marts = mart_names()
    order = [t for t in write_order(dst) if t in source_tables and t not in marts]
    return order, tuple(sorted(source_tables - set(order) - marts))


def _refuse_if_holding(src: Any, dst: Any, target: Path | str) -> None:
    order, _ = _copied_tables(src, dst)
    holding = [t for t in order if t not in ALWAYS_FILLED and _has_rows(dst, t)]
    if holding:
        raise UserError(
            "warehouse.copy.target_not_empty",
            target=shown(target),
            tables=", ".join(holding[:5]) + (" …" if len(holding) > 5 else ""),
        )


def _fill(src: Any, dst: Any, target: Path | str) -> Copied:
    """Within the target's open transaction: replace its rows with the source's, rebuild
    staging and marts, and check every table against the source."""
    order, skipped = _copied_tables(src, dst)
    for table in reversed(order):
        dst.execute(f"DELETE FROM {table}")
    copied = tuple(TableCopy(t, copy_rows(src, dst, t)) for t in order)
    _advance_sequences(dst)
    build(dst, transaction=False)
    marts = sorted(mart_names() - {"build_stamp"})
    rebuilt = tuple(TableCopy(m, _count(dst, m)) for m in marts)
    _verify(src, dst, [*order, *marts], target)
    return copied, rebuilt, skipped


def _same(source: Path | str, target: Path | str) -> bool:
    if is_server_url(source) or is_server_url(target):
        return str(source) == str(target)
    return os.path.abspath(source) == os.path.abspath(target)


def begin_snapshot(con: Any) -> None:
    """Read every table of the source as of one moment."""
    if isinstance(con, PgConnection):
        con.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    else:
        con.execute("BEGIN TRANSACTION")


# ---------------------------------------------------------------------------- the catalogue


def base_tables(con: Any) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    ).fetchall()
    return {r[0] for r in rows}


def write_order(con: Any) -> list[str]:
    """The target's tables, each after the tables its foreign keys point at."""
    edges = con.execute(
        "SELECT fk.table_name, pk.table_name"
        " FROM information_schema.referential_constraints rc"
        " JOIN information_schema.table_constraints fk ON fk.constraint_name = rc.constraint_name"
        " JOIN information_schema.table_constraints pk"
        "   ON pk.constraint_name = rc.unique_constraint_name"
    ).fetchall()
    graph: dict[str, set[str]] = {t: set() for t in sorted(base_tables(con))}
    for child, parent in edges:
        if child in graph and parent in graph and child != parent:
            graph[child].add(parent)
    return list(graphlib.TopologicalSorter(graph).static_order())


def _columns(con: Any, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _has_rows(con: Any, table: str) -> bool:
    return con.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None


def _count(con: Any, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# ---------------------------------------------------------------------------- rows


def copy_rows(src: Any, dst: Any, table: str) -> int:
    """Stream ``table``'s rows from ``src`` into ``dst`` (the columns both have, by name)."""
    source_columns = {name for name, _ in _columns(src, table)}
    columns = [(n, kind) for n, kind in _columns(dst, table) if n in source_columns]
    names = [n for n, _ in columns]
    total = 0
    for batch in _read(src, table, names):
        _write(dst, table, columns, batch)
        total += len(batch)
    return total


def _quoted(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _read(con: Any, table: str, names: list[str]) -> Iterator[list[tuple]]:
    select = f"SELECT {_quoted(names)} FROM {table}"
    if isinstance(con, PgConnection):
        yield from _read_server(con, select)
        return
    result = con.execute(select)
    while batch := result.fetchmany(BATCH_ROWS):
        yield batch


def _read_server(con: PgConnection, select: str) -> Iterator[list[tuple]]:
    with con.raw.cursor() as cursor:
        cursor.execute(f"{select} LIMIT 0")
        types = [d.type_code for d in cursor.description]
        with cursor.copy(f"COPY ({select}) TO STDOUT") as copy:
            copy.set_types(types)
            batch = []
            for row in copy.rows():
                batch.append(row)
                if len(batch) >= BATCH_ROWS:
                    yield batch
                    batch = []
            if batch:
                yield batch


def _write(con: Any, table: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None:
    if not rows:
        return
    names = [n for n, _ in columns]
    if isinstance(con, PgConnection):
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, names))
        )
        with con.raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    values = list(zip(*rows, strict=True))
    batch = pa.table(
        {
            name: pa.array(list(column), type=_ARROW_TYPES.get(kind))
            for (name, kind), column in zip(columns, values, strict=True)
        }
    )
    con.register("copy_batch", batch)
    try:
        con.execute(
            f"INSERT INTO {table} ({_quoted(names)}) SELECT {_quoted(names)} FROM copy_batch"
        )
    finally:
        con.unregister("copy_batch")


_NEXTVAL = re.compile(r"nextval\('([^']+)'")


def _advance_sequences(con: Any) -> None:
    """Each sequence behind a column default continues past the copied values (a copied
    source_id 40 must not be handed out again by the next import)."""
    defaults = con.execute(
        "SELECT table_name, column_name, column_default FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND column_default LIKE 'nextval%'"
    ).fetchall()
    for table, column, default in defaults:
        found = _NEXTVAL.search(default)
        top = con.execute(f'SELECT max("{column}") FROM {table}').fetchone()[0]
        if found is None or top is None:
            continue
        sequence = found[1]
        if isinstance(con, PgConnection):
            con.execute(f"SELECT setval('{sequence}', {int(top)})")
            continue
        # DuckDB cannot set a sequence (nor replace one a default uses): draw it forward.
        drawn = con.execute(f"SELECT nextval('{sequence}')").fetchone()[0]
        if drawn <= top:
            con.execute(f"SELECT max(nextval('{sequence}')) FROM range({int(top - drawn)})")


# ---------------------------------------------------------------------------- verifying


def _verify(src: Any, dst: Any, tables: list[str], target: Path | str) -> None:
    for table in tables:
        expected, found = content_checksum(src, table), content_checksum(dst, table)
        if expected != found:
            raise UserError(
                "warehouse.copy.mismatch",
                table=table,
                target=shown(target),
                source_rows=Count(expected[0]),
                target_rows=Count(found[0]),
            )
