"""Validation before anything is written: every problem at once, with its row and column.

The file's text columns are typed and checked in DuckDB over whole columns (numbers with
decimal commas, thousands spaces), and codes, quarters and dates are parsed once per
distinct value, so a million rows cost about as much as their distinct values. Nothing
is written to the database: the typed rows travel in the report as an Arrow table.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.i18n import check_language, fmt_number, fmt_quarter, t
from analytics.intake.columns import (
    ENUM_FIELDS,
    ColumnSpec,
    area_indicators,
    catalogue,
    enum_lookup,
    header_label,
    kind_spec,
    normalise_header,
    park_indicators,
    suggest_header,
)
from analytics.intake.periods import (
    current_quarter,
    parse_date,
    parse_period,
    parse_quarter,
)
from analytics.intake.readers import ReadResult

Severity = str  # "error" | "warning"
# Excel on a ru/uk machine turns "12,3" typed into a '.'-decimal file into a date ("12.мар").
_EXCEL_DATE_HINT = (
    r"^\d{1,2}[./ -](янв|фев|мар|апр|май|мая|июн|июл|авг|сен|окт|ноя|дек|січ|лют|бер|кві|тра|"
    r"чер|лип|сер|вер|жов|лис|гру|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
)
_FORMULA_START = ("=", "+", "@")


@dataclass(frozen=True)
class Issue:
    """One problem: where it is (file, sheet, row, column as headed in the file), the bad
    value, ``error`` or ``warning``, and a message key of the catalogue with its params."""

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
        return text

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "severity": self.severity,
            "key": self.key,
            "message": self.message(lang),
        }


def _fmt_param(value: Any, lang: str) -> Any:
    if isinstance(value, dt.date):
        return fmt_quarter(value, lang) if value.day == 1 and value.month % 3 == 1 else value
    if isinstance(value, float):
        return fmt_number(value, lang, 0 if value.is_integer() else 2)
    return value


@dataclass(frozen=True)
class ValidationReport:
    """All problems of a read file, and its rows typed for loading (when there are none)."""

    read: ReadResult
    issues: tuple[Issue, ...]
    typed: pa.Table  # canonical typed columns + _row

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
    """SQL dropping spaces, no-break spaces and apostrophes (thousands) and a typographic minus."""
    chars = _SPACE_CHARS.replace("'", "''")
    return f"replace(regexp_replace({column}, '[{chars}]', '', 'g'), '−', '-')"


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


def _parse_enum(field_name: str):
    lookup = enum_lookup(field_name)
    return lambda text: lookup.get(normalise_header(text))


def _mapping(values: pd.Series, parse) -> pd.DataFrame:
    distinct = pd.Series(values.dropna().unique(), dtype=object)
    parsed = distinct.map(parse)
    return pd.DataFrame({"raw": distinct.astype(str), "val": parsed})


# ---------------------------------------------------------------- the checks


def validate(
    con: duckdb.DuckDBPyConnection,
    read: ReadResult,
    lang: str,
    *,
    today: dt.date | None = None,
) -> ValidationReport:
    """Check a read file against its kind's rules and the warehouse; write nothing.

    ``lang`` is the language of "did you mean" names; messages themselves are rendered
    per language by :meth:`Issue.message`.
    """
    check_language(lang)
    ctx = _Context(con, read, lang, today or dt.date.today())
    ctx.structure()
    typed = ctx.type_columns()
    ctx.rules(typed)
    issues = sorted(ctx.issues, key=lambda i: (i.row is not None, i.row or 0, i.severity))
    return ValidationReport(read, tuple(issues), typed)


class _Context:
    def __init__(self, con, read: ReadResult, lang: str, today: dt.date) -> None:
        self.con = con
        self.read = read
        self.lang = lang
        self.today = today
        self.spec = kind_spec(read.kind)
        self.entity = {"region_quarter": "region", "municipality_quarter": "municipality"}.get(
            read.kind, "park"
        )
        self.frame = read.table.to_pandas()
        self.issues: list[Issue] = []
        self.lookups: dict[str, _Lookup] = {}

    # -- helpers
    def add(self, row, column, value, severity, key, suggestion=None, **params) -> None:
        self.issues.append(
            Issue(
                self.read.file_name,
                self.read.detected.sheet,
                None if row is None or pd.isna(row) else int(row),
                column,
                None
                if value is None or (not isinstance(value, str) and pd.isna(value))
                else str(value),
                severity,
                key,
                params,
                suggestion,
                self.entity,
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
            self.lookups[ref] = _Lookup(_reference(self.con, ref), self.lang)
        return self.lookups[ref]

    def bad_rows(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

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
        present = set(self.frame.columns)
        for col in self.spec.columns:
            if col.required and col.name not in present:
                self.add(None, None, None, "error", "intake.error.missing_column", field=col.name)
        if self.read.kind == "park" and not present & {"name_ru", "name_uk", "name_en"}:
            self.add(None, None, None, "error", "intake.error.missing_column", field="name_ru")
        if self.read.rows == 0:
            self.add(None, None, None, "error", "intake.error.no_rows")

    # -- typing
    def type_columns(self) -> pa.Table:
        frame = self.frame
        decimal = self.read.detected.decimal
        selects, joins, cleans, numbers = ["t._row"], [], [], []
        maps: dict[str, pd.DataFrame] = {}
        has_col = "_col" in frame
        if has_col:
            selects.append("t._col")
        for col in self.spec.columns:
            if col.name not in frame:
                continue
            quoted = f't."{col.name}"'
            selects.append(f"{quoted} AS raw__{col.name}")
            if col.dtype == "number":
                cleans.append(f"{clean_number_sql(quoted)} AS c__{col.name}")
                selects.append(f"{number_sql(f'c__{col.name}', decimal)} AS {col.name}")
                numbers.append(col.name)
            elif col.dtype == "text":
                selects.append(f"{quoted} AS {col.name}")
            else:
                maps[col.name] = self._map_for(col, frame[col.name])
                alias = f"m_{col.name}"
                joins.append(f"LEFT JOIN map_{col.name} {alias} ON {quoted} = {alias}.raw")
                if col.dtype == "period":
                    selects.append(f"{alias}.val.ptype AS period_type_parsed")
                    selects.append(f"{alias}.val.pstart AS {col.name}")
                else:
                    selects.append(f"{alias}.val AS {col.name}")
        # Three small levels (clean text, cast, drop non-finite) keep DuckDB's plans small.
        cleaned = ", ".join(["t.*", *cleans])
        inner = (
            f"SELECT {', '.join(selects)} FROM (SELECT {cleaned} FROM read_table t) t "
            f"{' '.join(joins)}"
        )
        finite = ", ".join(f"CASE WHEN isfinite({n}) THEN {n} END AS {n}" for n in numbers)
        replace_clause = f" REPLACE ({finite})" if numbers else ""
        sql = f"SELECT *{replace_clause} FROM ({inner}) ORDER BY _row"
        self.con.register("read_table", self.read.table)
        try:
            for name, mapping in maps.items():
                self.con.register(f"map_{name}", mapping)
            typed = self.con.sql(sql).to_arrow_table()
        finally:
            self.con.unregister("read_table")
            for name in maps:
                self.con.unregister(f"map_{name}")
        return typed

    def _map_for(self, col: ColumnSpec, values: pd.Series) -> pd.DataFrame:
        if col.dtype == "ref":
            return _mapping(values, self.lookup(col.ref).code)
        if col.dtype == "quarter":
            mapping = _mapping(values, parse_quarter)
        elif col.dtype == "date":
            mapping = _mapping(values, parse_date)
        elif col.dtype == "enum":
            mapping = _mapping(values, _parse_enum(col.name))
        else:  # period
            parsed = _mapping(values, parse_period)
            ptype = parsed["val"].map(lambda v: v[0] if v else None)
            pstart = parsed["val"].map(lambda v: v[1] if v else None)
            return pd.DataFrame(
                {
                    "raw": parsed["raw"],
                    "val": [
                        {"ptype": a, "pstart": b} if a else None
                        for a, b in zip(ptype, pstart, strict=True)
                    ],
                }
            )
        if col.dtype in {"quarter", "date"}:
            mapping["val"] = pd.to_datetime(mapping["val"]).dt.date
        return mapping

    # -- rules
    def rules(self, typed: pa.Table) -> None:
        self.con.register("typed", typed)
        try:
            self._cell_types(typed)
            self._ranges(typed)
            self._duplicates()
            self._future(typed)
            kind = self.read.kind
            if kind == "park_quarter":
                self._areas()
            if kind == "park":
                self._registry(typed)
            if kind == "park_target":
                self._periods(typed)
            if kind in {"park_quarter", "region_quarter", "municipality_quarter"}:
                self._jumps(typed)
        finally:
            self.con.unregister("typed")

    def _cell_types(self, typed: pa.Table) -> None:
        names = set(typed.column_names)
        col_sel = "_col" if "_col" in names else "NULL AS _col"
        for col in self.spec.columns:
            if col.name not in names:
                continue
            raw = f"raw__{col.name}"
            if col.required:
                for r in self.bad_rows(
                    f"SELECT _row, {col_sel} FROM typed WHERE {raw} IS NULL OR trim({raw}) = ''"
                ).itertuples():
                    self.add(
                        r._1,
                        self.cell_header(col.name, r._2),
                        None,
                        "error",
                        "intake.error.required",
                    )
            if col.dtype == "text":
                self._formulas(col)
                continue
            rows = self.bad_rows(
                f"SELECT _row, {col_sel}, {raw} AS raw FROM typed "
                f"WHERE {raw} IS NOT NULL AND trim({raw}) <> '' AND {col.name} IS NULL"
            )
            for r in rows.itertuples():
                self._type_issue(col, r._1, self.cell_header(col.name, r._2), r.raw)

    def _type_issue(self, col: ColumnSpec, row, column, raw: str) -> None:
        import re

        if raw.startswith(_FORMULA_START):
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

    def _formulas(self, col: ColumnSpec) -> None:
        # Text that a spreadsheet would execute when the data are exported again.
        rows = self.bad_rows(
            f"SELECT _row, {col.name} AS v FROM typed "
            f"WHERE left({col.name}, 1) IN ('=', '+', '@') "
            f"   OR (left({col.name}, 1) = '-' AND NOT regexp_matches({col.name}, '^-[0-9 ]'))"
        )
        for r in rows.itertuples():
            self.add(r._1, self.header(col.name), r.v, "error", "intake.error.formula")

    def _ranges(self, typed: pa.Table) -> None:
        names = set(typed.column_names)
        col_sel = "_col" if "_col" in names else "NULL AS _col"
        for col in self.spec.columns:
            if col.dtype != "number" or col.name not in names:
                continue
            if col.nonnegative:
                for r in self.bad_rows(
                    f"SELECT _row, {col_sel}, raw__{col.name} AS raw FROM typed WHERE {col.name} < 0"
                ).itertuples():
                    self.add(
                        r._1,
                        self.cell_header(col.name, r._2),
                        r.raw,
                        "error",
                        "intake.error.negative",
                    )
            if col.plausible:
                low, high = col.plausible
                for r in self.bad_rows(
                    f"SELECT _row, {col_sel}, raw__{col.name} AS raw FROM typed "
                    f"WHERE {col.name} >= 0 AND ({col.name} < ? OR {col.name} > ?)",
                    [low, high],
                ).itertuples():
                    self.add(
                        r._1,
                        self.cell_header(col.name, r._2),
                        r.raw,
                        "warning",
                        "intake.warning.implausible",
                        low=low,
                        high=high,
                    )
        if self.read.kind == "park":
            for name, bound in (("latitude", 90.0), ("longitude", 180.0)):
                if name not in names:
                    continue
                for r in self.bad_rows(
                    f"SELECT _row, raw__{name} AS raw FROM typed WHERE abs({name}) > ?", [bound]
                ).itertuples():
                    self.add(
                        r._1,
                        self.header(name),
                        r.raw,
                        "error",
                        "intake.error.out_of_range",
                        low=-bound,
                        high=bound,
                    )

    def _duplicates(self) -> None:
        keys = [k for k in self.spec.keys if k != "period_type"]
        if self.read.kind == "park_target":
            keys = ["park_id", "indicator", "period_start"]
        if not all(k in self.frame for k in keys):
            return
        where = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        cols = ", ".join(keys)
        rows = self.bad_rows(
            f"SELECT _row, first_row FROM (SELECT _row, min(_row) OVER (PARTITION BY {cols}) "
            f"AS first_row FROM typed WHERE {where}) WHERE _row <> first_row"
        )
        for r in rows.itertuples():
            self.add(
                r._1, None, None, "error", "intake.error.duplicate", first_row=int(r.first_row)
            )

    def _future(self, typed: pa.Table) -> None:
        if "quarter" not in typed.column_names:
            return
        now = current_quarter(self.today)
        rows = self.bad_rows("SELECT _row, raw__quarter AS raw FROM typed WHERE quarter > ?", [now])
        for r in rows.itertuples():
            self.add(
                r._1,
                self.header("quarter"),
                r.raw,
                "error",
                "intake.error.future_quarter",
                current=now,
            )

    def _areas(self) -> None:
        if not {"area_occupied_ha", "park_id"} <= set(self.frame.columns):
            return
        parks = self.lookup_frame("park")
        self.con.register("park_ref", parks)
        try:
            rows = self.bad_rows(
                "SELECT _row, raw__area_occupied_ha AS raw, p.leasable_area_ha AS leasable "
                "FROM typed JOIN park_ref p ON typed.park_id = p.code "
                "WHERE area_occupied_ha > p.leasable_area_ha + 1e-9"
            )
            for r in rows.itertuples():
                self.add(
                    r._1,
                    self.header("area_occupied_ha"),
                    r.raw,
                    "error",
                    "intake.error.occupied_gt_leasable",
                    leasable=float(r.leasable),
                )
        finally:
            self.con.unregister("park_ref")

    def lookup_frame(self, ref: str) -> pd.DataFrame:
        return _reference(self.con, ref)

    def _registry(self, typed: pa.Table) -> None:
        names = set(typed.column_names)
        if not names & {"name_ru", "name_uk", "name_en"}:
            return
        present = [n for n in ("name_ru", "name_uk", "name_en") if n in names]
        cond = " AND ".join(f"({n} IS NULL OR trim({n}) = '')" for n in present)
        for r in self.bad_rows(f"SELECT _row FROM typed WHERE {cond}").itertuples():
            self.add(r._1, None, None, "error", "intake.error.name_missing")
        if {"leasable_area_ha", "total_area_ha"} <= names:
            for r in self.bad_rows(
                "SELECT _row, raw__leasable_area_ha AS raw, total_area_ha AS total FROM typed "
                "WHERE leasable_area_ha > total_area_ha + 1e-9"
            ).itertuples():
                self.add(
                    r._1,
                    self.header("leasable_area_ha"),
                    r.raw,
                    "error",
                    "intake.error.leasable_gt_total",
                    total=float(r.total),
                )
        if {"founded_on", "first_resident_on"} <= names:
            for r in self.bad_rows(
                "SELECT _row, raw__first_resident_on AS raw, raw__founded_on AS founded "
                "FROM typed WHERE first_resident_on < founded_on"
            ).itertuples():
                self.add(
                    r._1,
                    self.header("first_resident_on"),
                    r.raw,
                    "error",
                    "intake.error.opened_before_founded",
                    founded=r.founded,
                )
        if {"municipality_code", "region_code"} <= names:
            self.con.register("municipality_ref", self.lookup_frame("municipality"))
            try:
                for r in self.bad_rows(
                    "SELECT _row, raw__municipality_code AS raw, typed.region_code AS region "
                    "FROM typed JOIN municipality_ref m ON typed.municipality_code = m.code "
                    "WHERE m.region_code <> typed.region_code"
                ).itertuples():
                    self.add(
                        r._1,
                        self.header("municipality_code"),
                        r.raw,
                        "error",
                        "intake.error.municipality_not_in_region",
                        region=r.region,
                    )
            finally:
                self.con.unregister("municipality_ref")

    def _periods(self, typed: pa.Table) -> None:
        names = set(typed.column_names)
        if not {"period_type", "period_type_parsed"} <= names:
            return
        for r in self.bad_rows(
            "SELECT _row, raw__period_start AS raw, period_type AS ptype FROM typed "
            "WHERE period_type IS NOT NULL AND period_type_parsed IS NOT NULL "
            "AND period_type <> period_type_parsed"
        ).itertuples():
            self.add(
                r._1,
                self.header("period_start"),
                r.raw,
                "error",
                "intake.error.period_type_mismatch",
                period_type=t(f"intake.value.period_type.{r.ptype}", self.lang),
            )

    def _jumps(self, typed: pa.Table) -> None:
        """Warn when a value moves by more than 10x against the previous quarter, looking at
        the file and, for quarters the file does not hold, at the warehouse."""
        names = set(typed.column_names)
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
        key_cols = ", ".join(keys)
        cols = ", ".join([*keys, *measures])
        col_sel = "_col" if "_col" in names else "NULL::VARCHAR AS _col"
        lags = ", ".join(
            f"lag({m}) OVER w AS prev__{m}, lag(quarter) OVER w AS prevq"
            if i == 0
            else f"lag({m}) OVER w AS prev__{m}"
            for i, m in enumerate(measures)
        )
        checks = " UNION ALL ".join(
            f"SELECT _row, _col, '{m}' AS measure, {m} AS v, prev__{m} AS prev, prevq "
            f"FROM lagged WHERE _row IS NOT NULL AND prevq = quarter - INTERVAL 3 MONTH "
            f"AND {m} > 0 AND prev__{m} > 0 AND ({m} > 10 * prev__{m} OR {m} * 10 < prev__{m})"
            for m in measures
        )
        sql = f"""
            WITH file_rows AS (
                SELECT _row, {col_sel}, {cols} FROM typed
                WHERE {" AND ".join(f"{k} IS NOT NULL" for k in keys)}
            ),
            stored AS (
                SELECT NULL::BIGINT AS _row, NULL::VARCHAR AS _col, {cols}
                FROM ({current_rows_sql(kind)}) s
                WHERE ({", ".join(partition)}) IN (SELECT ({", ".join(partition)}) FROM file_rows)
                  AND NOT EXISTS (SELECT 1 FROM file_rows f WHERE
                      {" AND ".join(f"f.{k} = s.{k}" for k in keys)})
            ),
            lagged AS MATERIALIZED (
                SELECT *, {lags} FROM (SELECT * FROM file_rows UNION ALL SELECT * FROM stored)
                WINDOW w AS (PARTITION BY {", ".join(partition)} ORDER BY quarter)
            )
            {checks}
        """
        del key_cols
        for r in self.bad_rows(sql).itertuples():
            self.add(
                r._1,
                self.cell_header(r.measure, r._2),
                None,
                "warning",
                "intake.warning.jump",
                current=float(r.v),
                previous=float(r.prev),
                previous_quarter=r.prevq,
            )
