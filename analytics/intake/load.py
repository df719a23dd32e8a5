"""Loading a validated file as a revision: all or nothing, in one DuckDB transaction.

A plan compares each row of the file with the latest stored revision of its key: new keys
are inserted, changed rows are appended under a new source (the old values stay in
``raw_*``, staging shows the newest), unchanged rows are not written again. A file that
changes nothing — the same file again, by checksum or by content — writes nothing at all.
The raw rows, the source, the import log and the rebuilt marts are committed together, so
a killed process leaves the database exactly as it was.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from analytics.errors import UserError
from analytics.intake.columns import NAMED_KINDS, kind_spec
from analytics.intake.validate import ValidationReport, current_rows_sql
from analytics.warehouse.build import build

# Tests set this to hold an import inside its transaction so they can kill the process there.
PAUSE_ENV = "PARKS_INTAKE_PAUSE_SECONDS"


@dataclass(frozen=True)
class ImportPlan:
    """What committing would do. ``rows`` holds the rows to write with ``_status``
    (new | updated); counts cover the whole file."""

    report: ValidationReport
    rows: pa.Table
    inserted: int
    updated: int
    unchanged: int
    same_file_source_id: int | None

    @property
    def kind(self) -> str:
        return self.report.read.kind

    @property
    def changes(self) -> int:
        return self.inserted + self.updated


@dataclass(frozen=True)
class ImportSummary:
    file_name: str
    kind: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    warnings: int
    errors: int
    source_id: int | None
    noop: bool
    dry_run: bool
    same_file_source_id: int | None
    detected: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _raw_columns(con: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE raw_{kind}").fetchall() if r[0] != "source_id"]


def _value_sql(kind: str, column: str, present: set[str]) -> str:
    """The value to store: the file's when it has the column, else the stored revision's."""
    if kind in NAMED_KINDS and column in {"name_ru", "name_uk", "name_en"}:
        # A park (region, municipality) named in one language keeps that name in the others
        # until translated.
        names = [f"f.{n}" for n in ("name_ru", "name_uk", "name_en") if n in present]
        own = [f"f.{column}"] if column in present else []
        return f"coalesce({', '.join([*own, f'c.{column}', *names])})"
    if kind == "park_target" and column == "period_type":
        parts = [f"f.{p}" for p in ("period_type", "period_type_parsed") if p in present]
        return f"coalesce({', '.join(parts)})"
    if column in present:
        return f"f.{column}"
    return f"c.{column}"


def plan_import(con: duckdb.DuckDBPyConnection, report: ValidationReport) -> ImportPlan:
    """Compare a validated file with the warehouse; write nothing."""
    kind = report.read.kind
    spec = kind_spec(kind)
    columns = _raw_columns(con, kind)
    present = set(report.typed.column_names)
    same = con.execute(
        "SELECT max(source_id) FROM source WHERE checksum = ? AND kind = ?",
        [report.read.checksum, kind],
    ).fetchall()[0][0]
    if not report.ok:
        empty = pa.table({c: pa.array([], pa.string()) for c in [*columns, "_status"]})
        return ImportPlan(report, empty, 0, 0, 0, same)
    keys = list(spec.keys)
    key_values = {k: _value_sql(kind, k, present) for k in keys}
    join = " AND ".join(f"c.{k} = {key_values[k]}" for k in keys)
    values = ", ".join(f"{_value_sql(kind, c, present)} AS {c}" for c in columns)
    compare = " AND ".join(
        f"{_value_sql(kind, c, present)} IS NOT DISTINCT FROM c.{c}"
        for c in columns
        if c not in keys
    )
    first_key = keys[0]
    sql = f"""
        SELECT {values},
               CASE WHEN c.{first_key} IS NULL THEN 'new'
                    WHEN {compare} THEN 'unchanged' ELSE 'updated' END AS _status
        FROM typed f LEFT JOIN ({current_rows_sql(kind)}) c ON {join}
    """
    con.register("typed", report.typed)
    try:
        rows = con.sql(sql).to_arrow_table()
    finally:
        con.unregister("typed")
    status = rows.column("_status").to_pylist() if rows.num_rows < 1000 else None
    counts = _count_status(rows) if status is None else {s: status.count(s) for s in set(status)}
    changed = rows
    if counts.get("unchanged", 0):  # a first import is all new: no copy of a million rows
        changed = rows.filter(pa.compute.not_equal(rows.column("_status"), "unchanged"))
    return ImportPlan(
        report,
        changed,
        counts.get("new", 0),
        counts.get("updated", 0),
        counts.get("unchanged", 0),
        same,
    )


def _count_status(rows: pa.Table) -> dict[str, int]:
    counts = pa.compute.value_counts(rows.column("_status"))
    return {c["values"].as_py(): c["counts"].as_py() for c in counts}


def _summary(plan: ImportPlan, source_id: int | None, *, dry_run: bool) -> ImportSummary:
    read = plan.report.read
    return ImportSummary(
        file_name=read.file_name,
        kind=read.kind,
        rows_read=read.rows,
        inserted=plan.inserted,
        updated=plan.updated,
        unchanged=plan.unchanged,
        warnings=len(plan.report.warnings),
        errors=len(plan.report.errors),
        source_id=source_id,
        noop=plan.report.ok and plan.changes == 0,
        dry_run=dry_run,
        same_file_source_id=plan.same_file_source_id,
        detected=read.detected.to_dict(),
    )


def dry_run_summary(plan: ImportPlan) -> ImportSummary:
    """The summary a commit would give, without writing."""
    return _summary(plan, None, dry_run=True)


def commit_import(
    con: duckdb.DuckDBPyConnection,
    plan: ImportPlan,
    *,
    user: str,
    accept_warnings: bool = False,
    user_verified: bool | None = None,
    os_user: str | None = None,
) -> ImportSummary:
    """Write the plan's new and changed rows under a new source, recorded as ``user``.

    The source also records whether ``user`` was checked against the account's password
    and, for the command line, the operating-system user who ran it.

    Refuses (UserError) a plan with errors, or with warnings unless ``accept_warnings``.
    A plan without changes is a no-op that writes nothing.
    """
    report = plan.report
    if not user or not user.strip():
        raise UserError("intake.user_required")
    if report.errors:
        raise UserError("intake.has_errors", n=len(report.errors))
    if report.warnings and not accept_warnings:
        raise UserError("intake.warnings_need_flag", n=len(report.warnings))
    if plan.changes == 0:
        return _summary(plan, None, dry_run=False)
    read = report.read
    kind = read.kind
    columns = [c for c in plan.rows.column_names if c != "_status"]
    col_list = ", ".join(columns)
    con.execute("BEGIN TRANSACTION")
    try:
        source_id = con.execute(
            "INSERT INTO source (kind, producer, title, file_name, checksum, simulated, "
            "loaded_by, user_verified, os_user) VALUES (?, ?, ?, ?, ?, false, ?, ?, ?) "
            "RETURNING source_id",
            [kind, user, read.file_name, read.file_name, read.checksum, user]
            + [user_verified, os_user],
        ).fetchall()[0][0]
        con.register("plan_rows", plan.rows)
        try:
            con.execute(
                f"INSERT INTO raw_{kind} ({col_list}, source_id) "
                f"SELECT {col_list}, ? FROM plan_rows",
                [source_id],
            )
        finally:
            con.unregister("plan_rows")
        _insert_companions(con, report.companions, source_id)
        con.execute(
            "INSERT INTO import_log (source_id, kind, file_name, sheet, checksum, detected, "
            "rows_read, inserted, updated, unchanged, warnings, imported_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source_id,
                kind,
                read.file_name,
                read.detected.sheet,
                read.checksum,
                json.dumps(read.detected.to_dict(), ensure_ascii=False),
                read.rows,
                plan.inserted,
                plan.updated,
                plan.unchanged,
                len(report.warnings),
                user,
            ],
        )
        _pause_for_tests()
        # Only this kind's staging view and marts (and marts reading them) can change.
        build(con, transaction=False, tables=[kind, *(table for table, _ in report.companions)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return _summary(plan, source_id, dry_run=False)


def _insert_companions(con: duckdb.DuckDBPyConnection, companions, source_id: int) -> None:
    """Rows of other raw tables the file implies (the municipalities a park registry file
    creates), in the same transaction and under the same source as the file's own rows."""
    for table, rows in companions:
        names = ", ".join(rows.column_names)
        con.register("companion_rows", rows)
        try:
            con.execute(
                f"INSERT INTO raw_{table} ({names}, source_id) "
                f"SELECT {names}, ? FROM companion_rows",
                [source_id],
            )
        finally:
            con.unregister("companion_rows")


def _pause_for_tests() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        print("intake: paused inside the import transaction", file=sys.stderr, flush=True)
        time.sleep(float(seconds))
