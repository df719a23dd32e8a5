"""Fillable templates: headers in the user's language, a sheet explaining every column and
how corrections work (a blank cell keeps the stored value; the clearing marker empties it),
drop-down lists where a column takes fixed values. Filled with warehouse data, a template
is also the export format, so export → import round-trips.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from analytics.i18n import check_language, fmt_quarter, t, unit_label
from analytics.intake.clearing import MARKER_KEY, clear_markers
from analytics.intake.columns import (
    ENUM_FIELDS,
    KINDS,
    ColumnSpec,
    header_label,
    kind_spec,
    label_entity,
)
from analytics.intake.validate import current_rows_sql
from analytics.spreadsheet import neutralise, neutralise_frame


def _entity(kind: str) -> str:
    return label_entity(kind)


def column_guide(kind: str, lang: str, currency: str | None = None) -> pd.DataFrame:
    """One row per column: header, code, required, unit (money in ``currency``, an ISO code;
    None: several currencies), allowed values, example."""
    rows = []
    for col in kind_spec(kind).columns:
        allowed = ""
        if col.dtype == "enum":
            allowed = ", ".join(t(f"intake.value.{col.name}.{c}", lang) for c in col.allowed)
        elif col.dtype in {"quarter", "period", "date"}:
            allowed = t(f"intake.template.format_{col.dtype}", lang)
        elif col.dtype == "ref":
            allowed = t(f"intake.template.ref_{col.ref}", lang)
        elif col.dtype == "bool":
            allowed = t("intake.template.format_bool", lang)
        rows.append(
            {
                t("intake.template.h_header", lang): header_label(col.name, lang, _entity(kind)),
                t("intake.template.h_code", lang): col.name,
                t("intake.template.h_required", lang): t(
                    "intake.template.yes" if col.required else "intake.template.no", lang
                ),
                t("intake.template.h_unit", lang): unit_label(col.unit, lang, currency)
                if col.unit
                else "",
                t("intake.template.h_allowed", lang): allowed,
                t("intake.template.h_example", lang): col.example,
            }
        )
    return pd.DataFrame(rows)


def guide_rules(lang: str) -> list[str]:
    """How to fill the template in, for its guide sheet: blank cells keep stored values,
    the clearing marker (every language's word listed) empties one, one row per key."""
    marker = t(MARKER_KEY, lang)
    others = ", ".join(
        t("intake.quoted", lang, text=word) for word in clear_markers() if word != marker.lower()
    )
    return [
        t("intake.template.rule_blank", lang),
        t("intake.template.rule_clear", lang, marker=marker, others=others),
        t("intake.template.rule_repeat", lang),
    ]


def _display(col: ColumnSpec, value, lang: str):
    """A stored value as a template cell: enums in words, quarters as users write them."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if col.dtype == "enum":
        return t(f"intake.value.{col.name}.{value}", lang)
    if col.dtype == "quarter":
        return fmt_quarter(pd.Timestamp(value).date(), lang)
    if col.dtype == "date":
        return pd.Timestamp(value).date()
    return value


def export_frame(con: duckdb.DuckDBPyConnection, kind: str, lang: str) -> pd.DataFrame:
    """The latest stored rows of ``kind`` laid out as its template (headers in ``lang``)."""
    spec = kind_spec(kind)
    stored = {r[0] for r in con.execute(f"DESCRIBE raw_{kind}").fetchall()}
    # A column that only instructs the import (create_municipality) is not stored: blank.
    cols = [c.name for c in spec.columns if c.name in stored]
    frame = con.execute(
        f"SELECT {', '.join(cols)} FROM ({current_rows_sql(kind)}) ORDER BY {', '.join(spec.keys)}"
    ).df()
    frame = frame.reindex(columns=[c.name for c in spec.columns])
    if kind == "park_target":
        frame["period_start"] = [
            str(pd.Timestamp(d).year) if p == "year" else fmt_quarter(pd.Timestamp(d).date(), lang)
            for d, p in zip(frame["period_start"], frame["period_type"], strict=True)
        ]
    out = pd.DataFrame(index=frame.index)
    for col in spec.columns:
        values = frame[col.name].astype(object)
        if not (kind == "park_target" and col.name == "period_start"):
            values = values.map(lambda v, c=col: _display(c, v, lang))
        out[header_label(col.name, lang, _entity(kind))] = values
    return out


def write_template(
    path: str | Path,
    kind: str,
    lang: str,
    *,
    data: pd.DataFrame | None = None,
    currency: str | None = None,
) -> Path:
    """Write an .xlsx (with guide sheet and drop-downs) or a .csv template for ``kind``;
    ``currency``: the ISO code money is reported in (the guide's units name it)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    check_language(lang)
    path = Path(path)
    headers = [header_label(c.name, lang, _entity(kind)) for c in kind_spec(kind).columns]
    frame = data if data is not None else pd.DataFrame(columns=headers)
    if path.suffix.lower() == ".csv":
        sep, decimal = (",", ".") if lang == "en" else (";", ",")
        neutralise_frame(frame).to_csv(
            path, sep=sep, decimal=decimal, index=False, encoding="utf-8-sig"
        )
        return path
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"template must be .xlsx or .csv; got {path.name}")
    _write_xlsx(path, kind, lang, frame, currency)
    return path


def _write_xlsx(
    path: Path, kind: str, lang: str, frame: pd.DataFrame, currency: str | None
) -> None:
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = t("intake.template.data_sheet", lang)
    sheet.append([neutralise(h) for h in frame.columns])
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    last = max(len(frame) + 1, 1000)
    for idx, col in enumerate(kind_spec(kind).columns, start=1):
        letter = sheet.cell(row=1, column=idx).column_letter
        sheet.column_dimensions[letter].width = max(14, min(40, len(str(frame.columns[idx - 1]))))
        if col.dtype == "enum":
            options = ",".join(
                t(f"intake.value.{col.name}.{c}", lang) for c in ENUM_FIELDS[col.name]
            )
            check = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
            check.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(check)
    guide = book.create_sheet(t("intake.template.guide_sheet", lang))
    table = column_guide(kind, lang, currency)
    guide.append(list(table.columns))
    for row in table.itertuples(index=False):
        guide.append([neutralise(v) for v in row])
    guide.append([])
    guide.append([t("intake.template.rules_title", lang)])
    for rule in guide_rules(lang):
        guide.append([rule])
    for letter, width in zip("ABCDEF", (40, 28, 12, 18, 50, 24), strict=True):
        guide.column_dimensions[letter].width = width
    book.save(path)


def _cell(value):
    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()  # numpy scalar → Python
    return neutralise(value)


def template_bytes(
    kind: str,
    lang: str,
    suffix: str,
    *,
    data: pd.DataFrame | None = None,
    currency: str | None = None,
) -> bytes:
    """:func:`write_template` as bytes (a download): ``suffix`` .xlsx or .csv."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"template{suffix}"
        return write_template(path, kind, lang, data=data, currency=currency).read_bytes()
