"""XLSX writer (XlsxWriter): a sheet with the report's text, then one sheet per table (its
name from the catalogue, within Excel's 31 characters) with translated headers and units,
typed numbers with a number format per column (per cell where a table's rows differ:
the headline), shares and probabilities as percentages; each chart on a sheet of its own as
a native Excel chart over its data, with translated axis titles.

Text always goes through ``write_string`` after intake's ``neutralise`` (a leading apostrophe
before ``=``, ``+``, ``-``, ``@``), so a park name such as ``=HYPERLINK(...)`` stays text in
Excel, in LibreOffice and in a CSV saved from the sheet (formula injection).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from analytics.i18n import fmt_date, t
from analytics.i18n.cells import is_missing
from analytics.reports.content import Chart, ReportContent, Table
from analytics.spreadsheet import neutralise

NUMBER_FORMATS = {
    "int": "#,##0",
    "num1": "#,##0.0",
    "num2": "#,##0.00",
    "pct": "0.0%",
    "signed": "+#,##0;-#,##0;0",
    "signed1": "+#,##0.0;-#,##0.0;0.0",
    "pct_change": "+0.0%;-0.0%;0.0%",
    "date": "yyyy-mm-dd",
    "year": "0",
}
SHEET_LIMIT = 31  # characters, Excel's limit
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, used: set[str]) -> str:
    """``name`` as a sheet name: characters Excel refuses replaced, cut at a word within 31
    characters if a translation is longer, made unique with a number."""
    base = _BAD_SHEET_CHARS.sub(" ", name).strip() or "Sheet"
    if len(base) > SHEET_LIMIT:
        base = base[:SHEET_LIMIT].rsplit(" ", 1)[0].rstrip(" ,;")
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" {n}"
        candidate, n = base[: SHEET_LIMIT - len(suffix)].rstrip() + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _formats(book, lang: str) -> dict:
    formats = {kind: book.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()}
    points = t("brief.unit.points", lang).replace('"', "")
    formats["points"] = book.add_format(
        {"num_format": f'+0.0" {points}";-0.0" {points}";0.0" {points}"'}
    )
    formats["title"] = book.add_format({"bold": True, "font_size": 14})
    formats["header"] = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EDF2F7", "border": 1}
    )
    formats["notice"] = book.add_format({"bold": True, "font_color": "#9B2C2C"})
    formats["heading"] = book.add_format({"bold": True})
    formats["wrap"] = book.add_format({"text_wrap": True, "valign": "top"})
    return formats


def _write_value(sheet, row: int, col: int, value, kind: str, formats) -> None:
    if is_missing(value):
        sheet.write_blank(row, col, None)
    elif kind in ("text", "code"):
        sheet.write_string(row, col, neutralise(str(value)))
    elif kind == "date":
        sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), formats["date"])
    elif kind == "points":  # a difference of shares, shown in percentage points
        sheet.write_number(row, col, float(value) * 100, formats["points"])
    else:
        sheet.write_number(row, col, float(value), formats[kind])


def _write_table(book, table: Table, formats, used: set[str]) -> None:
    sheet = book.add_worksheet(sheet_name(table.sheet, used))
    sheet.write_string(0, 0, table.title, formats["title"])
    for col, header in enumerate(table.headers):
        sheet.write_string(2, col, header, formats["header"])
        sheet.set_column(col, col, 30 if table.kinds[col] == "text" else 16)
    sheet.set_row(2, 45)
    for r, values in enumerate(table.frame.itertuples(index=False)):
        for col, value in enumerate(values):
            _write_value(sheet, r + 3, col, value, table.kind(r, col), formats)
    sheet.freeze_panes(3, 1)
    if len(table.frame):
        sheet.autofilter(2, 0, 2 + len(table.frame), len(table.headers) - 1)


def _write_chart(book, chart: Chart, formats, used: set[str]) -> None:
    sheet = book.add_worksheet(sheet_name(chart.sheet, used))
    sheet.write_string(0, 0, chart.title, formats["title"])
    data = chart.data.reset_index(drop=True)
    kinds = chart.kinds or ("text", *["num2"] * (len(data.columns) - 1))
    headers = chart.headers or tuple(str(c) for c in data.columns)
    for col, header in enumerate(headers):
        sheet.write_string(2, col, header, formats["header"])
        sheet.set_column(col, col, 30 if col == 0 else 16)
        for r, value in enumerate(data.iloc[:, col], start=3):
            _write_value(sheet, r, col, value, kinds[col], formats)
    sheet.set_row(2, 45)
    if not len(data):
        return
    excel = book.add_chart({"type": "bar" if chart.kind == "bar" else "line"})
    last = 2 + len(data)
    excel.add_series(
        {
            "name": headers[1],
            "categories": [sheet.name, 3, 0, last, 0],
            "values": [sheet.name, 3, 1, last, 1],
        }
    )
    excel.set_title({"name": chart.title, "name_font": {"size": 12}})
    # a bar chart's value axis is its x axis
    value_axis, category_axis = (
        (excel.set_x_axis, excel.set_y_axis)
        if chart.kind == "bar"
        else (excel.set_y_axis, excel.set_x_axis)
    )
    number_format = NUMBER_FORMATS.get(kinds[1], "#,##0.0")
    value_axis({"name": chart.axis_title or headers[1], "num_format": number_format})
    category_axis({"name": headers[0]})
    excel.set_legend({"none": True})
    excel.set_size({"width": 900, "height": max(360, 20 * len(data) + 120)})
    sheet.insert_chart(2, len(headers) + 1, excel)


def _text_lines(content: ReportContent, formats) -> list[tuple[str, object]]:
    lang = content.lang
    lines = [
        (content.title, formats["title"]),
        (content.scope, None),
        (content.subtitle, None),
        (t("report.generated", lang, date=fmt_date(content.generated_on, lang)), None),
        (content.stamp, None),
    ]
    if content.simulated_notice:
        lines.append((content.simulated_notice, formats["notice"]))
    for part in content.parts:
        lines += [("", None), (part.heading, formats["title"])]
        lines += [(line, None) for line in part.intro if line != content.simulated_notice]
        for block in part.sections:
            lines.append((block.heading, formats["heading"]))
            lines += [(p, None) for p in block.paragraphs]
            lines += [(f"• {b}", None) for b in block.bullets]
            lines += [(n, None) for n in block.notes]
    return lines


def write_xlsx(content: ReportContent, path: Path | str | io.BufferedIOBase) -> None:
    import xlsxwriter

    lang = content.lang
    target = path if not isinstance(path, Path) else str(path)
    book = xlsxwriter.Workbook(target, {"in_memory": True, "nan_inf_to_errors": False})
    book.set_properties(
        {"title": content.title, "subject": content.header, "author": t("report.author", lang)}
    )
    formats = _formats(book, lang)
    used: set[str] = set()

    summary = book.add_worksheet(sheet_name(t("brief.sheet.summary", lang), used))
    summary.set_column(0, 0, 140, formats["wrap"])
    for row, (text, fmt) in enumerate(_text_lines(content, formats)):
        if fmt is None:
            summary.write_string(row, 0, neutralise(text))
        else:
            summary.write_string(row, 0, neutralise(text), fmt)
    for table in [*content.tables(), *content.workbook_tables]:
        if table.sheet:
            _write_table(book, table, formats, used)
    for chart in content.charts():
        if chart.sheet:
            _write_chart(book, chart, formats, used)
    book.close()
