"""Loading a validated file as a revision: all or nothing, in one DuckDB transaction.

A plan compares each row of the file with the latest stored revision of its key, cell by
cell: a blank cell, a column the file lacks or a cell right of a short row's end means "not
in this file" and the stored value is carried into the new revision; only the clearing
marker (analytics.intake.clearing) empties a stored value. New keys are inserted, changed
rows are appended as whole merged rows under a new source (the old values stay in
``raw_*``, staging shows the newest, and history compares consecutive revisions), unchanged
rows are not written again. A file that changes nothing — the same file again, by checksum
or by content — writes nothing at all. The raw rows, the source, the import log and the
rebuilt marts are committed together, so a refused, failed or killed import leaves the
database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics.errors import Count, UserError
from analytics.intake.columns import NAMED_KINDS, kind_spec
from analytics.intake.history import NUMERIC_TYPES
from analytics.intake.preview import EditConflict, EditConflicts
from analytics.intake.validate import (
    DateParam,
    Issue,
    ValidationReport,
    current_rows_sql,
    key_value_sql,
)
from analytics.warehouse.build import build
from analytics.warehouse.mirror import local_copy, writer_lock

# Tests set this to hold an import inside its transaction so they can kill the process there.
PAUSE_ENV = "PARKS_INTAKE_PAUSE_SECONDS"


@dataclass(frozen=True)
class ValueCounts:
    """What a file does to single values (cells of the warehouse's rows, keys aside).

    ``new``: a value where there was none (a new row's filled cells, or an empty stored
    cell filled); ``changed``: a stored value replaced by another; ``cleared``: a stored
    value emptied by the clearing marker; ``unchanged``: a value the file states as stored;
    ``kept``: a stored value the file leaves as it is (blank cell, missing column, short
    row: "not in this file")."""

    new: int = 0
    changed: int = 0
    cleared: int = 0
    unchanged: int = 0
    kept: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ImportPlan:
    """What committing would do, decided here so that the preview shows exactly what a
    commit writes. ``rows`` holds the rows to write, merged cell by cell with the stored
    revision, with ``_status`` (new | updated) and ``_row`` (the file's row); row counts
    cover the whole file. ``cells`` lists every value a commit changes in a stored row
    (``_row``, the key columns, ``column_name``, ``change`` new | changed | cleared, ``old``
    and ``new`` as text, ``numeric``, ``tenfold``); ``new_keys`` the rows that add a key
    (``_row`` and the key columns). ``report`` carries the plan's own warnings too (a
    cleared value, a change of more than tenfold). ``base_source_id`` is the newest batch
    the plan was made against: a commit after another import refuses."""

    report: ValidationReport
    rows: pa.Table
    inserted: int
    updated: int
    unchanged: int
    same_file_source_id: int | None
    values: ValueCounts = ValueCounts()
    cells: pa.Table | None = None
    new_keys: pa.Table | None = None
    base_source_id: int | None = None
    validated: ValidationReport | None = field(default=None, repr=False)

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
    values: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _raw_types(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, str]:
    """Column → DuckDB type of ``raw_<kind>``, without source_id, in table order."""
    return {
        r[0]: str(r[1])
        for r in con.execute(f"DESCRIBE raw_{kind}").fetchall()
        if r[0] != "source_id"
    }


_NAMES = ("name_ru", "name_uk", "name_en")


def _merged_sql(kind: str, column: str, names: set[str]) -> str:
    """A value column as a commit stores it: the file's value where its cell has one, the
    stored revision's where the cell is blank or the file lacks the column, NULL where the
    cell holds the clearing marker."""
    if kind in NAMED_KINDS and column in _NAMES:
        # A park (region, municipality) named in one language keeps that name in the others
        # until translated.
        own = [f"f.{column}"] if column in names else []
        others = [f"f.{n}" for n in _NAMES if n in names]
        return f"coalesce({', '.join([*own, f'c.{column}', *others])})"
    if column not in names:
        return f"c.{column}"
    value = f"coalesce(f.{column}, c.{column})"
    if f"clear__{column}" in names:
        return f"CASE WHEN f.clear__{column} THEN NULL ELSE {value} END"
    return value


def _cell_sql(column: str, names: set[str], numeric: bool) -> str:
    """One value of a stored row as a struct: what the file does to it, old and new text,
    and whether a changed number moves by more than a factor of ten."""
    stated = f"f.{column}" if column in names else "NULL"
    cleared = f"f.clear__{column}" if f"clear__{column}" in names else "false"
    old = f"c.{column}"
    change = (
        f"CASE WHEN {cleared} THEN (CASE WHEN {old} IS NULL THEN 'unchanged' ELSE 'cleared' END) "
        f"WHEN {stated} IS NULL THEN (CASE WHEN {old} IS NULL THEN 'empty' ELSE 'kept' END) "
        f"WHEN {old} IS NULL THEN 'new' "
        f"WHEN {stated} = {old} THEN 'unchanged' ELSE 'changed' END"
    )
    tenfold = "false"
    if numeric and column in names:
        tenfold = (
            f"coalesce({stated} <> {old} AND {stated} <> 0 AND {old} <> 0 "
            f"AND (abs({stated}) > 10 * abs({old}) OR 10 * abs({stated}) < abs({old})), false) "
            f"AND NOT {cleared}"
        )
    new = f"CASE WHEN {cleared} THEN NULL ELSE coalesce({stated}, {old}) END"
    return (
        f"{{'change': {change}, 'old': CAST({old} AS VARCHAR), "
        f"'new': CAST({new} AS VARCHAR), 'tenfold': {tenfold}}} AS {column}"
    )


def plan_import(con: duckdb.DuckDBPyConnection, report: ValidationReport) -> ImportPlan:
    """Compare a validated file with the warehouse, cell by cell; write nothing.

    Every kind is merged the same way, driven by its key columns: a row whose key is stored
    keeps each stored value its file does not state (blank cell, missing column, short row)
    and loses one only to the clearing marker.
    """
    kind = report.read.kind
    spec = kind_spec(kind)
    types = _raw_types(con, kind)
    columns = list(types)
    names = set(report.typed.column_names)
    same = con.execute(
        "SELECT max(source_id) FROM source WHERE checksum = ? AND kind = ?",
        [report.read.checksum, kind],
    ).fetchall()[0][0]
    base = con.execute("SELECT max(source_id) FROM source").fetchall()[0][0]
    if not report.ok:
        empty = pa.table({c: pa.array([], pa.string()) for c in [*columns, "_status"]})
        return ImportPlan(report, empty, 0, 0, 0, same, base_source_id=base, validated=report)
    keys = list(spec.keys)
    value_columns = [c for c in columns if c not in keys]
    key_values = {k: key_value_sql(kind, k, names) for k in keys}
    join = " AND ".join(f"c.{k} = {key_values[k]}" for k in keys)
    merged = {c: _merged_sql(kind, c, names) for c in value_columns}
    values = ", ".join(f"{key_values.get(c) or merged[c]} AS {c}" for c in columns)
    compare = " AND ".join(f"{merged[c]} IS NOT DISTINCT FROM c.{c}" for c in value_columns)
    sql = f"""
        SELECT {values}, f._row AS _row,
               CASE WHEN c.{keys[0]} IS NULL THEN 'new'
                    WHEN {compare} THEN 'unchanged' ELSE 'updated' END AS _status
        FROM typed f LEFT JOIN ({current_rows_sql(kind)}) c ON {join}
    """
    con.register("typed", report.typed)
    try:
        rows = con.sql(sql).to_arrow_table()
        counts = _count_status(rows)
        cells, stored_counts = (
            _cells(con, kind, keys, key_values, join, names, types)
            if counts.get("new", 0) < rows.num_rows
            else (None, {})
        )
    finally:
        con.unregister("typed")
    changed = rows
    if counts.get("unchanged", 0):  # a first import is all new: no copy of a million rows
        changed = rows.filter(pc.not_equal(rows.column("_status"), "unchanged"))
    added = changed
    if counts.get("updated", 0):
        added = changed.filter(pc.equal(changed.column("_status"), "new"))
    new_values = sum(added.num_rows - added.column(c).null_count for c in value_columns)
    value_counts = ValueCounts(
        new=new_values + stored_counts.get("new", 0),
        changed=stored_counts.get("changed", 0),
        cleared=stored_counts.get("cleared", 0),
        unchanged=stored_counts.get("unchanged", 0),
        kept=stored_counts.get("kept", 0),
    )
    cells = cells if cells is not None else _no_cells(keys, added)
    return ImportPlan(
        _with_plan_warnings(report, cells),
        changed,
        counts.get("new", 0),
        counts.get("updated", 0),
        counts.get("unchanged", 0),
        same,
        value_counts,
        cells,
        added.select(["_row", *keys]),
        base,
        report,
    )


def _cells(con, kind, keys, key_values, join, names, types) -> tuple[pa.Table, dict[str, int]]:
    """Every value of the file's stored rows: the changed ones listed, all counted."""
    value_columns = [c for c in types if c not in keys]
    structs = ", ".join(
        _cell_sql(c, names, types[c].startswith(NUMERIC_TYPES)) for c in value_columns
    )
    key_sel = ", ".join(f"{key_values[k]} AS {k}" for k in keys)
    numeric = ", ".join(f"'{c}'" for c in value_columns if types[c].startswith(NUMERIC_TYPES))
    order = ", ".join(f"'{c}'" for c in value_columns)
    long = f"""
        SELECT _row, {", ".join(keys)}, column_name, cell.change AS change, cell.old AS old,
               cell.new AS new, column_name IN ({numeric or "NULL"}) AS numeric,
               cell.tenfold AS tenfold
        FROM (UNPIVOT (SELECT f._row, {key_sel}, {structs}
                       FROM typed f JOIN ({current_rows_sql(kind)}) c ON {join})
              ON {", ".join(value_columns)} INTO NAME column_name VALUE cell)
    """
    counts = dict(con.execute(f"SELECT change, count(*) FROM ({long}) GROUP BY ALL").fetchall())
    cells = con.sql(
        f"SELECT * FROM ({long}) WHERE change IN ('new', 'changed', 'cleared') "
        # a row of a period-wide table holds several records: the key orders them, else two
        # previews of one file (here, or on a server) list its cells in different orders
        f"ORDER BY _row, list_position([{order}], column_name), {', '.join(keys)}"
    ).to_arrow_table()
    return cells, counts


def _no_cells(keys: list[str], rows: pa.Table) -> pa.Table:
    """An empty cell list with the key columns' types (a file of new rows only)."""
    fields = [pa.field("_row", pa.int64())]
    fields += [rows.schema.field(k) for k in keys]
    fields += [pa.field(n, pa.string()) for n in ("column_name", "change", "old", "new")]
    fields += [pa.field("numeric", pa.bool_()), pa.field("tenfold", pa.bool_())]
    return pa.schema(fields).empty_table()


def _with_plan_warnings(report: ValidationReport, cells: pa.Table) -> ValidationReport:
    """The report with a warning for each stored value the commit would clear and each
    number it would change more than tenfold: both need the editor's acceptance."""
    flagged = cells.filter(
        pc.or_(pc.equal(cells.column("change"), "cleared"), cells.column("tenfold"))
    )
    if not flagged.num_rows:
        return report
    read = report.read
    entity = {"region_quarter": "region", "municipality_quarter": "municipality"}.get(
        read.kind, "park"
    )
    dates = {c.name for c in kind_spec(read.kind).columns if c.dtype == "date"}
    extra = []
    for cell in flagged.to_pylist():
        column = cell["column_name"]
        header = read.headers.get(column) or column
        old = _param(cell["old"], cell["numeric"], column in dates)
        if cell["change"] == "cleared":
            key, params = "intake.warning.clearing", {"old": old}
        else:
            new = _param(cell["new"], cell["numeric"], False)
            key, params = "intake.warning.tenfold_change", {"old": old, "new": new}
        extra.append(
            Issue(
                read.file_name,
                read.detected.sheet,
                cell["_row"],
                header,
                None,
                "warning",
                key,
                {**params, "field": column},
                entity=entity,
            )
        )
    issues = sorted(
        (*report.issues, *extra), key=lambda i: (i.row is not None, i.row or 0, i.severity)
    )
    return replace(report, issues=tuple(issues))


def _param(text: str | None, numeric: bool, date: bool) -> Any:
    """A stored value as a message parameter: numbers and dates as values the message
    formats for its language, other values as stored."""
    if text is None:
        return "–"
    if date:
        return DateParam(dt.date.fromisoformat(text[:10]))
    return float(text) if numeric else text


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
        values=plan.values.to_dict(),
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

    Refuses (UserError) a plan with errors, or with warnings (the plan's own among them:
    clearing, tenfold changes) unless ``accept_warnings``, or one made before another
    import changed the warehouse (its preview would no longer be what is written). A plan
    without changes is a no-op that writes nothing.
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
    con.execute("BEGIN TRANSACTION")
    try:
        writer_lock(con)  # a server: one import at a time, so the check below holds
        newest = con.execute("SELECT max(source_id) FROM source").fetchall()[0][0]
        if newest != plan.base_source_id:
            plan = _rebased(con, plan)
            report = plan.report
        if plan.changes == 0:  # another import already wrote what this file says
            con.execute("COMMIT")
            return _summary(plan, None, dry_run=False)
        columns = [c for c in plan.rows.column_names if not c.startswith("_")]
        col_list = ", ".join(columns)
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
        values = plan.values
        con.execute(
            "INSERT INTO import_log (source_id, kind, file_name, sheet, checksum, detected, "
            "rows_read, inserted, updated, unchanged, warnings, imported_by, values_new, "
            "values_changed, values_cleared, values_unchanged, values_kept) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                values.new,
                values.changed,
                values.cleared,
                values.unchanged,
                values.kept,
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


def _rebased(con: duckdb.DuckDBPyConnection, plan: ImportPlan) -> ImportPlan:
    """The plan made again against the data as they are now, inside the commit's
    transaction, after another import landed since the preview: what the other import
    changed elsewhere is kept, and the commit writes this file's values over the data as
    they are. Refused when the other import changed a value this file states
    (intake.edit_conflict names each: as previewed, theirs, yours), or when the plan now
    has errors or warnings the editor has not seen (intake.plan_outdated)."""
    if plan.validated is None:
        raise UserError("intake.plan_outdated")
    with local_copy(con) as engine:  # a server: the plan is made on DuckDB (its copy)
        fresh = plan_import(engine, plan.validated)
    conflicts = _conflicts(plan, fresh)
    if conflicts:
        raise UserError(
            "intake.edit_conflict",
            n=Count(len(conflicts)),
            cells=EditConflicts(plan.kind, tuple(conflicts)),
        )
    if fresh.report.errors or len(fresh.report.warnings) > len(plan.report.warnings):
        raise UserError("intake.plan_outdated")
    return fresh


def _conflicts(plan: ImportPlan, fresh: ImportPlan) -> list[EditConflict]:
    """The values this file states that changed in the warehouse between ``plan`` and
    ``fresh``. A value the file changes is compared with the old value its preview showed;
    one it stated as stored (so absent from the preview's list) or adds to a new record was,
    at the preview, equal to the file's value or empty."""
    keys = list(kind_spec(plan.kind).keys)

    def ident(cell: dict[str, Any]) -> tuple:
        return tuple(cell[k] for k in keys), cell["column_name"]

    seen = {ident(c): c for c in _rows(plan.cells)}
    created = {tuple(r[k] for k in keys) for r in _rows(plan.new_keys)}
    out = []
    for cell in _rows(fresh.cells):
        at = ident(cell)
        if at in seen:
            previewed = seen[at]["old"]
        elif at[0] in created:
            previewed = None
        else:
            previewed = cell["new"]
        if previewed != cell["old"]:
            yours = None if cell["change"] == "cleared" else cell["new"]
            key = {k: cell[k] for k in keys}
            out.append(
                EditConflict(
                    key, cell["column_name"], cell["numeric"], previewed, cell["old"], yours
                )
            )
    return out


def _rows(table: pa.Table | None) -> list[dict[str, Any]]:
    return [] if table is None else table.to_pylist()


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
