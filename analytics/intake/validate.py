"""Validation before anything is written: every problem at once, with its row and column.

The file's text columns are typed over whole columns: numbers by Arrow's cast, or where a
column has decimal commas, thousands spaces or typos, by one order-keeping DuckDB query;
codes, quarters and dates are parsed once per distinct value (Arrow dictionaries), so a
million rows cost about as much as their distinct values. The data tests (queries that
return bad rows) all run as one UNION ALL query, plus one window query for tenfold jumps.
Nothing is written to the database: the typed rows travel in the report as an Arrow table.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.i18n import check_language, fmt_date, fmt_number, fmt_quarter, t
from analytics.intake.clearing import clear_mask
from analytics.intake.columns import (
    ENUM_FIELDS,
    NAMED_KINDS,
    ColumnSpec,
    area_indicators,
    catalogue,
    enum_lookup,
    header_label,
    kind_spec,
    label_entity,
    normalise_header,
    park_indicators,
    parse_bool,
    suggest_header,
)
from analytics.intake.periods import current_quarter, parse_date, parse_period, parse_quarter
from analytics.intake.plausibility import Day, PlausibilityChecks
from analytics.intake.readers import ReadResult
from analytics.quarter import Quarter
from analytics.registries.intake import finish_typing, region_lookup
from analytics.spreadsheet import looks_like_formula

Severity = str  # "error" | "warning" | "info" (a notice: nothing to fix, nothing refused)
# Excel on a ru/uk machine turns "12,3" typed into a '.'-decimal file into a date ("12.мар").
_EXCEL_DATE_HINT = (
    r"^\d{1,2}[./ -](янв|фев|мар|апр|май|мая|июн|июл|авг|сен|окт|ноя|дек|січ|лют|бер|кві|тра|"
    r"чер|лип|сер|вер|жов|лис|гру|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
# The reader's errors for a file that ends inside its last row.
CUT_OFF_KEYS = ("intake.error.cut_off", "intake.error.cut_off_quote")


def _formula_sql(column: str) -> str:
    """SQL for :func:`analytics.spreadsheet.looks_like_formula` (cells are trimmed here):
    a leading =, +, -, @ unless the text is wholly a signed number."""
    return (
        f"(regexp_matches({column}, '^[=+@-]') "
        f"AND NOT regexp_full_match({column}, '[-+][0-9 \u00a0\u202f]*([.,][0-9]+)?\\s*%?'))"
    )


@dataclass(frozen=True)
class Issue:
    """One problem: where it is (file, sheet, row, column as headed in the file), the bad
    value, ``error`` or ``warning``, and a message key of the catalogue with its params.
    ``row`` is the row as Excel numbers it; ``line`` is set only where a text editor would
    number it otherwise (a CSV with line breaks inside quoted cells above the row)."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    severity: Severity
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    suggestion: str | None = None
    entity: str = "park"
    line: int | None = None

    def message(self, lang: str) -> str:
        check_language(lang)
        params = {k: _fmt_param(v, lang) for k, v in self.params.items()}
        if "field" in params:
            params["label"] = header_label(self.params["field"], lang, self.entity)
            del params["field"]
        params.setdefault("column", self.column or "")
        params.setdefault("value", self.value if self.value is not None else "")
        text = t(self.key, lang, **params)
        if self.suggestion:
            text += " " + t("intake.did_you_mean", lang, suggestion=self.suggestion)
        if self.line is not None:
            text += " " + t("intake.where.line", lang, row=self.row, line=self.line)
        return text

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "severity": self.severity,
            "key": self.key,
            "message": self.message(lang),
        }


@dataclass(frozen=True)
class DateParam:
    """A calendar date as a message parameter: shown as the reader's locale writes dates
    (a bare date on a quarter's first day would read as that quarter)."""

    value: dt.date


def _fmt_param(value: Any, lang: str) -> Any:
    if isinstance(value, (DateParam, Day)):
        return fmt_date(value.value, lang)
    if isinstance(value, dt.date):
        return fmt_quarter(value, lang) if Quarter.of(value).start == value else value
    if isinstance(value, float):
        return fmt_number(value, lang, 0 if value.is_integer() else 2)
    if isinstance(value, tuple):  # names, each quoted as the language quotes
        return ", ".join(t("intake.quoted", lang, text=v) for v in value)
    return value


@dataclass(frozen=True)
class ValidationReport:
    """All problems of a read file, and its rows typed for loading (when there are none)."""

    read: ReadResult
    issues: tuple[Issue, ...]
    typed: pa.Table  # canonical typed columns + _row
    # Rows of other raw tables the file implies, loaded with it under the same source:
    # (raw table without "raw_", rows) — the municipalities a park file creates.
    companions: tuple[tuple[str, pa.Table], ...] = ()

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def messages(self, lang: str) -> list[str]:
        return [_locate(i, lang) + i.message(lang) for i in self.issues]


def _locate(issue: Issue, lang: str) -> str:
    parts = [issue.file]
    if issue.sheet:
        parts.append(t("intake.where.sheet", lang, sheet=issue.sheet))
    if issue.row is not None:
        parts.append(t("intake.where.row", lang, row=issue.row))
    if issue.column:
        parts.append(t("intake.where.column", lang, column=issue.column))
    return ", ".join(parts) + ": "


# ---------------------------------------------------------------- reference data


def key_value_sql(kind: str, column: str, names: set[str], alias: str = "f") -> str:
    """SQL of a key column's value in the typed file rows ``alias``: targets may leave the
    period type to the period itself ("2025" is a year)."""
    if kind == "park_target" and column == "period_type":
        parts = [f"{alias}.{p}" for p in ("period_type", "period_type_parsed") if p in names]
        return f"coalesce({', '.join(parts)})" if parts else "NULL::VARCHAR"
    return f"{alias}.{column}"


def current_rows_sql(kind: str) -> str:
    """The latest revision of each key in ``raw_<kind>`` (what staging shows), from raw."""
    keys = ", ".join(kind_spec(kind).keys)
    return f"SELECT * FROM raw_{kind} QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY source_id DESC) = 1"


def _reference(con: duckdb.DuckDBPyConnection, ref: str) -> pd.DataFrame:
    """code, display names (ru/uk/en) and extras of the things a file may point at."""
    if ref == "park":
        return con.execute(
            f"SELECT park_id AS code, name_ru, name_uk, name_en, region_code, leasable_area_ha "
            f"FROM ({current_rows_sql('park')})"
        ).df()
    if ref in {"region", "municipality"}:
        extra = ", region_code" if ref == "municipality" else ""
        return con.execute(
            f"SELECT {ref}_code AS code, name_ru, name_uk, name_en{extra} FROM raw_{ref} "
            f"QUALIFY row_number() OVER (PARTITION BY {ref}_code ORDER BY source_id DESC) = 1"
        ).df()
    cat = catalogue()
    entity, codes = ("park", park_indicators()) if ref == "park_indicator" else ("region", None)
    codes = codes or area_indicators()
    rows = cat[(cat.entity == entity) & cat.code.isin(codes)]
    return rows[["code", "name_ru", "name_uk", "name_en"]].reset_index(drop=True)


class _Lookup:
    """Codes and names (any language) → code, with "did you mean" for near misses."""

    def __init__(self, reference: pd.DataFrame, lang: str) -> None:
        self.to_code: dict[str, str] = {}
        self.display: dict[str, str] = {}
        for row in reference.itertuples():
            code = str(row.code)
            self.to_code.setdefault(normalise_header(code), code)
            for name in (row.name_ru, row.name_uk, row.name_en):
                if isinstance(name, str):
                    self.to_code.setdefault(normalise_header(name), code)
            name = getattr(row, f"name_{lang}")
            self.display[code] = f"{name} ({code})" if isinstance(name, str) else code

    def code(self, text: str) -> str | None:
        return self.to_code.get(normalise_header(text))

    def suggest(self, text: str) -> str | None:
        close = difflib.get_close_matches(normalise_header(text), self.to_code, n=1, cutoff=0.6)
        return self.display[self.to_code[close[0]]] if close else None


# ---------------------------------------------------------------- typing


_SPACE_CHARS = " \t\u00a0\u202f'"


def clean_number_sql(column: str) -> str:
    """SQL dropping spaces, no-break spaces and apostrophes (thousands) and a typographic minus.

    A separator between digits must split them into thousands ("1 234 567,5"); anything else
    ("12 3", often a line break typed inside a number, or "1 2") is no number (NULL), rather
    than the digits glued together."""
    chars = _SPACE_CHARS.replace("'", "''")
    text = f"trim(replace({column}, '−', '-'), ' \t\u00a0\u202f')"
    separated = f"regexp_matches({text}, '[0-9][{chars}]+[0-9]')"
    grouped = f"regexp_full_match({text}, '-?[0-9]{{1,3}}([{chars}][0-9]{{3}})+([.,][0-9]*)?')"
    cleaned = f"regexp_replace({text}, '[{chars}]', '', 'g')"
    return f"CASE WHEN {separated} AND NOT {grouped} THEN NULL ELSE {cleaned} END"


def number_sql(s: str, decimal: str) -> str:
    """SQL turning cleaned text ``s`` into DOUBLE: decimal comma or point (the last of ``,``
    and ``.`` is the decimal sign when both appear); NULL when it is no finite number."""
    comma_thousands = "true" if decimal == "." else "false"
    cleaned = (
        f"CASE WHEN NOT contains({s}, ',') THEN {s} "
        f"WHEN contains({s}, '.') THEN "
        f"  CASE WHEN regexp_full_match({s}, '-?[0-9.]*,[0-9]*') "
        f"       THEN replace(replace({s}, '.', ''), ',', '.') ELSE replace({s}, ',', '') END "
        f"WHEN {comma_thousands} AND regexp_full_match({s}, '-?[0-9]{{1,3}}(,[0-9]{{3}})+') "
        f"  THEN replace({s}, ',', '') "
        f"ELSE replace({s}, ',', '.') END"
    )
    return f"TRY_CAST({cleaned} AS DOUBLE)"


def _cast_sql(name: str, decimal: str) -> str:
    """``number_sql`` with fast paths: most cells are plain numbers DuckDB casts at once (or,
    in a decimal-comma file, after swapping the comma). CASE evaluates the cleaning only for
    the rest (COALESCE would evaluate it for every row). Same results, checked on 300,000
    fuzzed strings of digits, signs, separators and spaces."""
    q = f'"{name}"'
    swapped = f"TRY_CAST(replace({q}, ',', '.') AS DOUBLE)"
    comma = (
        f"WHEN NOT contains({q}, '.') AND {swapped} IS NOT NULL THEN {swapped} "
        if decimal == ","
        else ""
    )
    return (
        f"CASE WHEN TRY_CAST({q} AS DOUBLE) IS NOT NULL THEN TRY_CAST({q} AS DOUBLE) "
        f"{comma}ELSE {number_sql(clean_number_sql(q), decimal)} END"
    )


def _arrow_number(column: pa.ChunkedArray, decimal: str = ".") -> pa.ChunkedArray | None:
    """The column as finite doubles when Arrow can cast every cell, else None. In a
    decimal-comma file a column without any ``.`` is cast with its commas as points (what
    the DuckDB path does with such cells)."""
    try:
        values = pc.cast(column, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if decimal != "," or pc.any(pc.match_substring(column, ".")).as_py():
            return None
        try:
            values = pc.cast(pc.replace_substring(column, ",", "."), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    finite = pc.is_finite(values)
    if not pc.all(finite).as_py():
        values = pc.if_else(finite, values, pa.scalar(None, pa.float64()))
    return values


def _parse_enum(field_name: str):
    lookup = enum_lookup(field_name)
    return lambda text: lookup.get(normalise_header(text))


# ---------------------------------------------------------------- the checks


def validate(
    con: duckdb.DuckDBPyConnection,
    read: ReadResult,
    lang: str,
    *,
    today: dt.date | None = None,
    create_municipalities: bool = False,
) -> ValidationReport:
    """Check a read file against its kind's rules and the warehouse; write nothing.

    ``lang`` is the language of "did you mean" names; messages themselves are rendered
    per language by :meth:`Issue.message`. ``create_municipalities``: a park file's unknown
    municipality (named within a known region) is created with it, one notice each.
    """
    check_language(lang)
    ctx = _Context(con, read, lang, today or dt.date.today())
    ctx.create_municipalities = create_municipalities
    ctx.structure()
    typed = finish_typing(ctx, ctx.type_columns())
    ctx.rules(typed)
    if ctx.repeats:  # a row repeated exactly is loaded once
        repeated = pa.array(sorted(ctx.repeats), pa.int64())
        typed = typed.filter(pc.invert(pc.is_in(typed.column("_row"), value_set=repeated)))
    issues = sorted(ctx.issues, key=lambda i: (i.row is not None, i.row or 0, i.severity))
    return ValidationReport(read, tuple(issues), typed, tuple(ctx.companions))


@dataclass(frozen=True)
class _Check:
    """One data test: a SELECT returning the bad rows as (_row, _col, value, num, txt), and
    what to make of each. All checks of a file run as one UNION ALL query."""

    sql: str
    emit: Callable[[tuple], None]
    params: tuple = ()


class _Context(PlausibilityChecks):
    def __init__(self, con, read: ReadResult, lang: str, today: dt.date) -> None:
        self.con = con
        self.read = read
        self.lang = lang
        self.today = today
        self.spec = kind_spec(read.kind)
        self.entity = label_entity(read.kind)
        self.create_municipalities = False
        self.companions: list[tuple[str, pa.Table]] = []
        self.present = set(read.table.column_names)
        self.issues: list[Issue] = []
        self.lookups: dict[str, _Lookup] = {}
        self.typed: pa.Table | None = None  # set by rules()
        # Required columns a short row ends before, by row: reported once per row.
        self.cut_off: dict[int, set[str]] = {}
        # Rows that repeat an earlier row exactly (same key, same values): loaded once.
        self.repeats: set[int] = set()
        self.short_by_row: dict[int, Any] = {}
        # Columns the warehouse cannot leave empty (NOT NULL in raw_<kind>): no clearing.
        self.not_null = {
            r[0]
            for r in con.execute(f"DESCRIBE raw_{read.kind}").fetchall()
            if r[2] == "NO" and r[0] != "source_id"
        }

    # -- helpers
    def add(self, row, column, value, severity, key, suggestion=None, **params) -> None:
        line = None if row is None else self.read.line_of(int(row))
        self.issues.append(
            Issue(
                self.read.file_name,
                self.read.detected.sheet,
                None if row is None else int(row),
                column,
                None if value is None else str(value),
                severity,
                key,
                params,
                suggestion,
                self.entity,
                None if line == row else line,
            )
        )

    def header(self, name: str) -> str:
        return self.read.headers.get(name) or header_label(name, self.lang, self.entity)

    def cell_header(self, name: str, row_col: Any) -> str:
        if isinstance(row_col, str) and row_col and name == "value":
            return row_col
        return self.header(name)

    def lookup(self, ref: str) -> _Lookup:
        if ref not in self.lookups:
            reference = _reference(self.con, ref)
            # Regions answer to the names statistics offices print (registries.aliases).
            make = region_lookup if ref == "region" else _Lookup
            self.lookups[ref] = make(reference, self.lang)
        return self.lookups[ref]

    # -- structure: headers, missing columns, empty files
    def structure(self) -> None:
        for issue in self.read.issues:
            suggestion = None
            if issue.key == "intake.unknown_column":
                suggestion = suggest_header(issue.column, self.read.kind, self.lang)
            self.add(
                issue.row,
                issue.column,
                issue.value,
                issue.severity,
                issue.key,
                suggestion,
                **issue.params,
            )
        self.short_rows()
        # A key column the file lacks is an error; another required column only matters for
        # rows that add a new key (checked in rules): for stored keys, "not in this file".
        for col in self.spec.columns:
            if col.required and col.name in self.spec.keys and col.name not in self.present:
                self.add(None, None, None, "error", "intake.error.missing_column", field=col.name)
        if self.read.rows == 0 and not any(i.severity == "error" for i in self.issues):
            # unless the reader said why it read none (a table of the wrong frequency)
            self.add(None, None, None, "error", "intake.error.no_rows")

    def short_rows(self) -> None:
        """Short rows are reported where a cell they lack is needed: a row that ends before
        a key (or, adding a new key, before another required column) gets one error naming
        the columns and the likely cause, instead of "empty cell" per column (see
        ``_required_issue``). Rows that lack only other trailing cells are normal (1C and
        Excel drop them): those cells are "not in this file". A row the reader found cut
        off (the file ends inside it) is refused by the reader's own error alone."""
        self.short_by_row = {short.row: short for short in self.read.short_rows}
        for issue in self.read.issues:
            if issue.key in CUT_OFF_KEYS and issue.row is not None:
                self.cut_off[issue.row] = set(self.spec.names)

    def _short_row_issue(self, row: int) -> None:
        short = self.short_by_row[row]
        required = {c.name for c in self.spec.columns if c.required}
        missing = [name for name in short.beyond if name in required]
        self.cut_off[row] = set(missing)
        self.add(
            row,
            None,
            None,
            "error",
            "intake.error.short_row",
            cells=short.cells,
            columns=short.columns,
            missing=tuple(self.header(name) for name in missing),
        )

    # -- typing
    def type_columns(self) -> pa.Table:
        """The file's columns typed, beside their text (``raw__<name>``), in row order.

        Numbers are cast by DuckDB in one order-preserving projection; codes, quarters,
        dates and enums are parsed once per distinct text (Arrow dictionary encoding) and
        taken back to the rows, so no join and no sort touches the million rows.
        """
        table = self.read.table
        rows = table.column("_row")
        if table.num_rows > 1 and not pc.all(pc.greater_equal(rows[1:], rows[:-1])).as_py():
            table = table.take(pc.sort_indices(rows))  # stable: melted tables keep their order
        columns: dict[str, Any] = {"_row": table.column("_row")}
        if "_col" in self.present:
            columns["_col"] = table.column("_col")
        numbers = self._numbers(table)
        for col in self.spec.columns:
            if col.name not in self.present:
                continue
            raw = table.column(col.name)
            columns[f"raw__{col.name}"] = raw
            if col.dtype == "number":
                columns[col.name] = numbers.column(col.name)
            elif col.dtype == "text":
                columns[col.name] = raw
            elif col.dtype == "period":
                parsed = _parse_distinct(raw, parse_period)
                columns["period_type_parsed"] = pa.array(
                    [v[0] if v else None for v in parsed.dictionary], pa.string()
                ).take(parsed.indices)
                columns[col.name] = pa.array(
                    [v[1] if v else None for v in parsed.dictionary], pa.date32()
                ).take(parsed.indices)
            else:
                parse, out_type = self._parser(col)
                parsed = _parse_distinct(raw, parse)
                columns[col.name] = pa.array(parsed.dictionary, out_type).take(parsed.indices)
        self._mark_clearing(columns)
        return pa.table(columns)

    def _mark_clearing(self, columns: dict[str, Any]) -> None:
        """Cells holding the clearing marker become empty, flagged in ``clear__<name>``
        (a column only where the file has a marker). A marker is no number, date or code,
        so outside text columns only a column with cells that did not type can hold one:
        a file of plain values costs one null count per column."""
        for col in self.spec.columns:
            raw = columns.get(f"raw__{col.name}")
            if raw is None:
                continue
            typed = columns[col.name]
            if col.dtype != "text" and typed.null_count == raw.null_count:
                continue
            mask = clear_mask(raw)
            if not pc.any(mask).as_py():
                continue
            empty = pa.scalar(None, raw.type)
            columns[f"raw__{col.name}"] = pc.if_else(mask, empty, raw)
            if col.dtype == "text":
                columns[col.name] = columns[f"raw__{col.name}"]
            columns[f"clear__{col.name}"] = mask

    def _numbers(self, table: pa.Table) -> pa.Table:
        names = [
            c.name for c in self.spec.columns if c.dtype == "number" and c.name in self.present
        ]
        if not names or table.num_rows == 0:
            return pa.table({n: pa.array([None] * table.num_rows, pa.float64()) for n in names})
        # Arrow's cast reads a column of plain numbers at once and refuses any column with
        # one cell it cannot read; where it reads, it agrees with the DuckDB path (checked on
        # fuzzed text). The other columns (decimal commas, thousands spaces, typos) go there.
        decimal = self.read.detected.decimal
        cast = {n: _arrow_number(table.column(n), decimal) for n in names}
        rest = [n for n in names if cast[n] is None]
        if rest:
            inner = ", ".join(f"{_cast_sql(n, decimal)} AS v__{n}" for n in rest)
            outer = ", ".join(f"CASE WHEN isfinite(v__{n}) THEN v__{n} END AS {n}" for n in rest)
            view = f"read_table_{id(self)}"
            self.con.register(view, table.select(rest))
            try:
                # No ORDER BY: a projection keeps the scan's order (preserve_insertion_order).
                typed = self.con.sql(
                    f"SELECT {outer} FROM (SELECT {inner} FROM {view})"
                ).to_arrow_table()
            finally:
                self.con.unregister(view)
            cast.update({n: typed.column(n) for n in rest})
        return pa.table({n: cast[n] for n in names})

    def _parser(self, col: ColumnSpec) -> tuple[Callable[[str], Any], pa.DataType]:
        if col.dtype == "ref":
            return self.lookup(col.ref).code, pa.string()
        if col.dtype == "quarter":
            return parse_quarter, pa.date32()
        if col.dtype == "date":
            return parse_date, pa.date32()
        if col.dtype == "bool":
            return parse_bool, pa.bool_()
        return _parse_enum(col.name), pa.string()

    # -- rules
    def rules(self, typed: pa.Table) -> None:
        names = set(typed.column_names)
        kind = self.read.kind
        checks = [*self._cell_checks(names), *self._range_checks(names)]
        checks += [*self._clearing_checks(names), *self._new_row_checks(names)]
        checks += [*self._duplicate_checks(names), *self._future_checks(names)]
        if kind in NAMED_KINDS:
            checks += self._registry_checks(names)
        if kind == "park_target":
            checks += self._period_checks(names)
        view = f"typed_{id(self)}"
        self.typed = typed
        positions = pa.array(np.arange(typed.num_rows, dtype=np.int64))
        self.con.register(view, typed.append_column("_i", positions))
        try:
            self._run(checks, view)
            self.batch_rules(names, view)
            if kind == "park_quarter":
                self.flow_checks(names, view)
            if kind == "park":
                self.lookalike_names()
            if kind in {"park_quarter", "region_quarter", "municipality_quarter"}:
                self._jumps(names, view)
        finally:
            self.con.unregister(view)

    def raw_at(self, name: str, position: float) -> str | None:
        """The file's text of column ``name`` in typed row ``position``."""
        return self.typed.column(f"raw__{name}")[int(position)].as_py()

    def _run(self, checks: list[_Check], view: str) -> None:
        """All checks in one query; rows come back per check in file order."""
        if not checks:
            return
        union = " UNION ALL ".join(
            f"SELECT {i} AS check_no, * FROM ({c.sql.replace('{typed}', view)})"
            for i, c in enumerate(checks)
        )
        params = [p for c in checks for p in c.params]
        sql = (
            "SELECT check_no, _row, _col, value, num, txt FROM ("
            f"{union}) ORDER BY check_no, _row, _col NULLS FIRST"
        )
        for row in self.con.execute(sql, params).fetchall():
            checks[row[0]].emit(row[1:])

    def _col_sel(self, names: set[str]) -> str:
        return "_col" if "_col" in names else "NULL::VARCHAR AS _col"

    def _cell_checks(self, names: set[str]) -> list[_Check]:
        # The reader strips every cell (all Unicode spaces), so an empty cell is '' or NULL.
        checks = []
        col_sel = self._col_sel(names)
        for col in self.spec.columns:
            if col.name not in names:
                continue
            raw = f"raw__{col.name}"
            if col.required:
                # A key needs its cell in every row (a marker there is refused by the clearing
                # checks); another required column only in rows that add a new key.
                if col.name in self.spec.keys:
                    only = f" AND NOT clear__{col.name}" if f"clear__{col.name}" in names else ""
                elif self._keys_present(names):
                    only = f" AND NOT {self._stored_sql(names)}"
                else:
                    continue  # the missing key is the error; which rows are new is unknown
                checks.append(
                    _Check(
                        f"SELECT _row, {col_sel}, NULL::VARCHAR AS value, NULL::DOUBLE AS num, "
                        f"NULL::VARCHAR AS txt FROM {{typed}} t "
                        f"WHERE ({raw} IS NULL OR {raw} = ''){only}",
                        lambda r, col=col: self._required_issue(col, r),
                    )
                )
            if col.dtype == "text":
                # Text that a spreadsheet would execute when the data are exported again.
                checks.append(
                    _Check(
                        f"SELECT _row, NULL::VARCHAR AS _col, {col.name} AS value, "
                        f"NULL::DOUBLE AS num, NULL::VARCHAR AS txt FROM {{typed}} "
                        f"WHERE {_formula_sql(col.name)}",
                        lambda r, col=col: self.add(
                            r[0], self.header(col.name), r[2], "error", "intake.error.formula"
                        ),
                    )
                )
                continue
            checks.append(
                _Check(
                    f"SELECT _row, {col_sel}, {raw} AS value, NULL::DOUBLE AS num, "
                    f"NULL::VARCHAR AS txt FROM {{typed}} "
                    f"WHERE {col.name} IS NULL AND {raw} <> ''",
                    lambda r, col=col: self._type_issue(
                        col, r[0], self.cell_header(col.name, r[1]), r[2]
                    ),
                )
            )
        return checks

    def _keys_present(self, names: set[str]) -> bool:
        """Whether the file has every key column (a target's period type may be implied)."""
        return all(k in names for k in self.spec.keys if k != "period_type")

    def _stored_sql(self, names: set[str], alias: str = "t") -> str:
        """SQL true where the file row ``alias``'s key is stored already: the row corrects
        a stored one instead of adding a new one."""
        kind = self.read.kind
        match = " AND ".join(
            f"s.{k} = {key_value_sql(kind, k, names, alias)}" for k in self.spec.keys
        )
        return f"EXISTS (SELECT 1 FROM ({current_rows_sql(kind)}) s WHERE {match})"

    def _clearing_checks(self, names: set[str]) -> list[_Check]:
        """A clearing marker may not empty a key, nor a stored value the warehouse needs
        (NOT NULL in raw_<kind>). In a row that adds a new key there is nothing to clear:
        the marker is an empty cell there."""
        checks = []
        for col in self.spec.columns:
            if f"clear__{col.name}" not in names:
                continue
            if col.name in self.spec.keys:
                key, where = "intake.error.cannot_clear_key", ""
            elif col.name in self.not_null and self._keys_present(names):
                key, where = "intake.error.cannot_clear", f" AND {self._stored_sql(names)}"
            else:
                continue
            checks.append(
                _Check(
                    f"SELECT _row, {self._col_sel(names)}, NULL::VARCHAR AS value, "
                    f"NULL::DOUBLE AS num, NULL::VARCHAR AS txt FROM {{typed}} t "
                    f"WHERE clear__{col.name}{where}",
                    lambda r, col=col, key=key: self.add(
                        r[0], self.cell_header(col.name, r[1]), None, "error", key, field=col.name
                    ),
                )
            )
        return checks

    def _new_row_checks(self, names: set[str]) -> list[_Check]:
        """A required column the file lacks: an error in each row that adds a new key (a row
        correcting a stored key keeps the stored value). A new park (region, municipality)
        needs a name too."""
        missing = [
            c.name
            for c in self.spec.columns
            if c.required and c.name not in self.spec.keys and c.name not in names
        ]
        no_name = self.read.kind in NAMED_KINDS and not names & {"name_ru", "name_uk", "name_en"}
        if not (missing or no_name) or not self._keys_present(names):
            return []
        select = (
            "SELECT _row, NULL::VARCHAR AS _col, NULL::VARCHAR AS value, NULL::DOUBLE AS num, "
            f"NULL::VARCHAR AS txt FROM {{typed}} t WHERE NOT {self._stored_sql(names)}"
        )
        checks = [
            _Check(
                select,
                lambda r, name=name: self.add(
                    r[0], None, None, "error", "intake.error.missing_column_new_row", field=name
                ),
            )
            for name in missing
        ]
        if no_name:
            checks.append(
                _Check(
                    select,
                    lambda r: self.add(r[0], None, None, "error", "intake.error.name_missing"),
                )
            )
        return checks

    def _required_issue(self, col: ColumnSpec, r: tuple) -> None:
        if col.name in self.cut_off.get(r[0], ()):
            return  # the row's short_row (or cut-off) error names this column already
        short = self.short_by_row.get(r[0])
        if short is not None and col.name in short.beyond:
            self._short_row_issue(r[0])
            return
        self.add(r[0], self.cell_header(col.name, r[1]), None, "error", "intake.error.required")

    def _type_issue(self, col: ColumnSpec, row, column, raw: str) -> None:
        if looks_like_formula(raw):
            self.add(row, column, raw, "error", "intake.error.formula")
        elif col.dtype == "number" and re.match(_EXCEL_DATE_HINT, raw.lower()):
            self.add(row, column, raw, "error", "intake.error.number_became_date")
        elif col.dtype == "number":
            self.add(row, column, raw, "error", "intake.error.not_a_number")
        elif col.dtype == "date":
            self.add(row, column, raw, "error", "intake.error.not_a_date")
        elif col.dtype == "quarter":
            self.add(row, column, raw, "error", "intake.error.not_a_quarter")
        elif col.dtype == "period":
            self.add(row, column, raw, "error", "intake.error.not_a_period")
        elif col.dtype == "bool":
            self.add(row, column, raw, "error", "registries.error.not_yes_no")
        elif col.dtype == "enum":
            allowed = ", ".join(
                t(f"intake.value.{col.name}.{code}", self.lang) for code in ENUM_FIELDS[col.name]
            )
            self.add(row, column, raw, "error", "intake.error.not_allowed", allowed=allowed)
        else:
            lookup = self.lookup(col.ref)
            self.add(
                row, column, raw, "error", f"intake.error.unknown_{col.ref}", lookup.suggest(raw)
            )

    def _range_checks(self, names: set[str]) -> list[_Check]:
        checks = []
        col_sel = self._col_sel(names)
        for col in self.spec.columns:
            if col.dtype != "number" or col.name not in names:
                continue
            # The file's text is looked up by position (``_i`` in ``num``) for the few bad
            # rows: reading the text column in the query would convert all of it.
            select = (
                f"SELECT _row, {col_sel}, NULL::VARCHAR AS value, _i::DOUBLE AS num, "
                f"NULL::VARCHAR AS txt FROM {{typed}}"
            )
            if col.nonnegative:
                checks.append(
                    _Check(
                        f"{select} WHERE {col.name} < 0",
                        lambda r, col=col: self.add(
                            r[0],
                            self.cell_header(col.name, r[1]),
                            self.raw_at(col.name, r[3]),
                            "error",
                            "intake.error.negative",
                        ),
                    )
                )
            if col.plausible:
                low, high = col.plausible
                checks.append(
                    _Check(
                        f"{select} WHERE {col.name} >= 0 AND ({col.name} < ? OR {col.name} > ?)",
                        lambda r, col=col, low=low, high=high: self.add(
                            r[0],
                            self.cell_header(col.name, r[1]),
                            self.raw_at(col.name, r[3]),
                            "warning",
                            "intake.warning.implausible",
                            low=low,
                            high=high,
                        ),
                        (low, high),
                    )
                )
        if self.read.kind in NAMED_KINDS:
            for name, bound in (("latitude", 90.0), ("longitude", 180.0)):
                if name not in names:
                    continue
                checks.append(
                    _Check(
                        f"SELECT _row, NULL::VARCHAR AS _col, raw__{name} AS value, "
                        f"NULL::DOUBLE AS num, NULL::VARCHAR AS txt FROM {{typed}} "
                        f"WHERE abs({name}) > ?",
                        lambda r, name=name, bound=bound: self.add(
                            r[0],
                            self.header(name),
                            r[2],
                            "error",
                            "intake.error.out_of_range",
                            low=-bound,
                            high=bound,
                        ),
                        (bound,),
                    )
                )
        return checks

    def _duplicate_checks(self, names: set[str]) -> list[_Check]:
        keys = [k for k in self.spec.keys if k != "period_type"]
        if self.read.kind == "park_target":
            keys = ["park_id", "indicator", "period_start"]
        if not all(k in self.present for k in keys):
            return []
        where = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        cols = ", ".join(keys)
        # Typed values, so "1 234" and "1234" are the same value; the text is not compared.
        values = sorted(n for n in names if not n.startswith(("raw__", "_")) and n not in keys)
        differing = ", ".join(
            f"CASE WHEN f.{n} IS DISTINCT FROM o.{n} THEN '{n}' END" for n in values
        )
        differing = f"concat_ws(',', {differing})" if values else "''"
        # A hash aggregate finds the (usually no) repeated keys; only their rows are joined.
        sql = (
            f"SELECT f._row, NULL::VARCHAR AS _col, NULL::VARCHAR AS value, "
            f"d.first_row::DOUBLE AS num, {differing} AS txt "
            f"FROM (SELECT * FROM {{typed}} WHERE {where}) f "
            f"JOIN (SELECT {cols}, min(_row) AS first_row FROM {{typed}} WHERE {where} "
            f"      GROUP BY ALL HAVING count(*) > 1) d USING ({cols}) "
            f"JOIN {{typed}} o ON o._row = d.first_row "
            f"WHERE f._row <> d.first_row"
        )
        return [_Check(sql, self._duplicate_issue)]

    def _duplicate_issue(self, r: tuple) -> None:
        """A repeated key: refused when the rows differ (which one is meant?), loaded once
        with a note when they are the same row twice (a copy-paste, a double export)."""
        row, first_row, differing = r[0], int(r[3]), r[4]
        if not differing:
            self.repeats.add(int(row))
            self.add(row, None, None, "info", "intake.note.repeated_row", first_row=first_row)
            return
        columns = dict.fromkeys(
            {"period_type_parsed": "period_start"}.get(n, n.removeprefix("clear__"))
            for n in differing.split(",")
        )
        headers = tuple(self.header(n) for n in columns if n in self.spec.names)
        self.add(
            row, None, None, "error", "intake.error.duplicate", first_row=first_row, columns=headers
        )

    def _future_checks(self, names: set[str]) -> list[_Check]:
        if "quarter" not in names:
            return []
        now = current_quarter(self.today)
        return [
            _Check(
                "SELECT _row, NULL::VARCHAR AS _col, raw__quarter AS value, NULL::DOUBLE AS num, "
                "NULL::VARCHAR AS txt FROM {typed} WHERE quarter > ?",
                lambda r: self.add(
                    r[0],
                    self.header("quarter"),
                    r[2],
                    "error",
                    "intake.error.future_quarter",
                    current=now,
                ),
                (now,),
            )
        ]

    def _registry_checks(self, names: set[str]) -> list[_Check]:
        present = [n for n in ("name_ru", "name_uk", "name_en") if n in names]
        if not present:
            return []
        none = "NULL::VARCHAR AS _col"
        cond = " AND ".join(f"({n} IS NULL OR trim({n}) = '')" for n in present)
        # A stored park (region, municipality) keeps its names when the file leaves them blank.
        if self._keys_present(names):
            cond += f" AND NOT {self._stored_sql(names)}"
        checks = [
            _Check(
                f"SELECT _row, {none}, NULL::VARCHAR AS value, NULL::DOUBLE AS num, "
                f"NULL::VARCHAR AS txt FROM {{typed}} t WHERE {cond}",
                lambda r: self.add(r[0], None, None, "error", "intake.error.name_missing"),
            )
        ]
        if {"leasable_area_ha", "total_area_ha"} <= names:
            checks.append(
                _Check(
                    f"SELECT _row, {none}, raw__leasable_area_ha AS value, "
                    f"total_area_ha AS num, NULL::VARCHAR AS txt FROM {{typed}} "
                    f"WHERE leasable_area_ha > total_area_ha + 1e-9",
                    lambda r: self.add(
                        r[0],
                        self.header("leasable_area_ha"),
                        r[2],
                        "error",
                        "intake.error.leasable_gt_total",
                        total=float(r[3]),
                    ),
                )
            )
        if {"founded_on", "first_resident_on"} <= names:
            checks.append(
                _Check(
                    f"SELECT _row, {none}, raw__first_resident_on AS value, NULL::DOUBLE AS num, "
                    f"raw__founded_on AS txt FROM {{typed}} WHERE first_resident_on < founded_on",
                    lambda r: self.add(
                        r[0],
                        self.header("first_resident_on"),
                        r[2],
                        "error",
                        "intake.error.opened_before_founded",
                        founded=r[4],
                    ),
                )
            )
        if {"municipality_code", "region_code"} <= names and self.read.kind == "park":
            municipalities = (
                "SELECT municipality_code AS code, region_code FROM raw_municipality "
                "QUALIFY row_number() OVER (PARTITION BY municipality_code "
                "ORDER BY source_id DESC) = 1"
            )
            checks.append(
                _Check(
                    f"SELECT _row, {none}, raw__municipality_code AS value, NULL::DOUBLE AS num, "
                    f"t.region_code AS txt FROM {{typed}} t "
                    f"JOIN ({municipalities}) m ON t.municipality_code = m.code "
                    f"WHERE m.region_code <> t.region_code",
                    lambda r: self.add(
                        r[0],
                        self.header("municipality_code"),
                        r[2],
                        "error",
                        "intake.error.municipality_not_in_region",
                        region=r[4],
                    ),
                )
            )
        return checks

    def _period_checks(self, names: set[str]) -> list[_Check]:
        if not {"period_type", "period_type_parsed"} <= names:
            return []
        return [
            _Check(
                "SELECT _row, NULL::VARCHAR AS _col, raw__period_start AS value, "
                "NULL::DOUBLE AS num, period_type AS txt FROM {typed} "
                "WHERE period_type IS NOT NULL AND period_type_parsed IS NOT NULL "
                "AND period_type <> period_type_parsed",
                lambda r: self.add(
                    r[0],
                    self.header("period_start"),
                    r[2],
                    "error",
                    "intake.error.period_type_mismatch",
                    period_type=t(f"intake.value.period_type.{r[4]}", self.lang),
                ),
            )
        ]

    def _jumps(self, names: set[str], view: str) -> None:
        """Warn when a value moves by more than 10x against the previous quarter, looking at
        the file and, for quarters the file does not hold, at the warehouse. One window
        query; a row comes back once with every measure, and each jump is reported."""
        kind = self.read.kind
        if kind == "park_quarter":
            partition = ["park_id"]
            measures = [c.name for c in self.spec.columns if c.jump_check and c.name in names]
        else:
            partition = [self.spec.keys[0], "indicator"]
            measures = ["value"] if "value" in names else []
        keys = [*partition, "quarter"]
        if not measures or not all(k in names for k in keys):
            return
        cols = ", ".join([*keys, *measures])
        col_sel = self._col_sel(names)
        lags = ", ".join(f"lag({m}) OVER w AS prev__{m}" for m in measures)
        jumped = " OR ".join(
            f"({m} > 0 AND prev__{m} > 0 AND ({m} > 10 * prev__{m} OR {m} * 10 < prev__{m}))"
            for m in measures
        )
        values = ", ".join(f"{m}, prev__{m}" for m in measures)
        sql = f"""
            WITH file_rows AS (
                SELECT _row, {col_sel}, {cols} FROM {view}
                WHERE {" AND ".join(f"{k} IS NOT NULL" for k in keys)}
            ),
            stored AS (
                SELECT NULL::BIGINT AS _row, NULL::VARCHAR AS _col, {cols}
                FROM ({current_rows_sql(kind)}) s
                WHERE ({", ".join(partition)}) IN (SELECT ({", ".join(partition)}) FROM file_rows)
                  AND NOT EXISTS (SELECT 1 FROM file_rows f WHERE
                      {" AND ".join(f"f.{k} = s.{k}" for k in keys)})
            ),
            lagged AS (
                SELECT *, {lags}, lag(quarter) OVER w AS prevq
                FROM (SELECT * FROM file_rows UNION ALL SELECT * FROM stored)
                WINDOW w AS (PARTITION BY {", ".join(partition)} ORDER BY quarter)
            )
            SELECT _row, _col, prevq, {values} FROM lagged
            WHERE _row IS NOT NULL AND prevq = quarter - INTERVAL 3 MONTH AND ({jumped})
            ORDER BY _row, _col NULLS FIRST
        """
        found = self.con.execute(sql).fetchall()
        # Reported per measure, then per row, as the checks above (the report sorts by row).
        for i, m in enumerate(measures):
            for r in found:
                v, prev = r[3 + 2 * i], r[4 + 2 * i]
                if v is None or prev is None or not (v > 0 and prev > 0):
                    continue
                if v > 10 * prev or v * 10 < prev:
                    self.add(
                        r[0],
                        self.cell_header(m, r[1]),
                        None,
                        "warning",
                        "intake.warning.jump",
                        current=float(v),
                        previous=float(prev),
                        previous_quarter=r[2],
                    )


def _parse_distinct(values: pa.ChunkedArray, parse: Callable[[str], Any]) -> _Parsed:
    """``parse`` applied once per distinct text: a dictionary array whose dictionary holds the
    parsed values (a Python list) and whose indices point rows at them (nulls stay null)."""
    encoded = values.combine_chunks().dictionary_encode()
    parsed = [parse(text) for text in encoded.dictionary.to_pylist()]
    return _Parsed(parsed, encoded.indices)


@dataclass(frozen=True)
class _Parsed:
    dictionary: list
    indices: pa.Array
