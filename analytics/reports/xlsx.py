"""XLSX writer (XlsxWriter): one sheet per table with typed numbers and number formats, the
charts as native Excel charts over their data, and a summary sheet with the text.

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
from analytics.intake.export import neutralise
from analytics.reports.content import Chart, ReportContent, Table

NUMBER_FORMATS = {
    "int": "#,##0",
    "num1": "#,##0.0",
    "num2": "#,##0.00",
    "pct": "0.0%",
    "signed": "+#,##0;-#,##0;0",
    "pct_change": "+0.0%;-0.0%;0.0%",
    "date": "yyyy-mm-dd",
    "year": "0",
}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", title)[:28].strip() or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    return name


def _write_value(sheet, row: int, col: int, value, kind: str, formats) -> None:
    if is_missing(value):
        sheet.write_blank(row, col, None)
    elif kind in ("text", "code"):
        sheet.write_string(row, col, neutralise(str(value)))
    elif kind == "date":
        sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), formats["date"])
    else:
        sheet.write_number(row, col, float(value), formats[kind])


def _write_table(book, table: Table, formats, used: set[str]) -> None:
    sheet = book.add_worksheet(_sheet_name(table.title, used))
    sheet.write_string(0, 0, table.title, formats["title"])
    for col, header in enumerate(table.headers):
        sheet.write_string(2, col, header, formats["header"])
        sheet.set_column(col, col, 28 if table.kinds[col] == "text" else 14)
    for r, values in enumerate(table.frame.itertuples(index=False), start=3):
        for col, (value, kind) in enumerate(zip(values, table.kinds, strict=True)):
            _write_value(sheet, r, col, value, kind, formats)
    sheet.freeze_panes(3, 1)
    if len(table.frame):
        sheet.autofilter(2, 0, 2 + len(table.frame), len(table.headers) - 1)


def _write_chart(book, chart: Chart, formats, used: set[str]) -> None:
    sheet = book.add_worksheet(_sheet_name(chart.title, used))
    sheet.write_string(0, 0, chart.title, formats["title"])
    data = chart.data.reset_index(drop=True)
    for col, name in enumerate(data.columns):
        sheet.write_string(2, col, str(name), formats["header"])
        for r, value in enumerate(data[name], start=3):
            kind = "text" if col == 0 else "num2"
            _write_value(sheet, r, col, value, kind, formats)
    sheet.set_column(0, 0, 30)
    if not len(data):
        return
    excel = book.add_chart({"type": "bar" if chart.kind == "bar" else "line"})
    last = 2 + len(data)
    excel.add_series(
        {
            "name": str(data.columns[1]),
            "categories": [sheet.name, 3, 0, last, 0],
            "values": [sheet.name, 3, 1, last, 1],
        }
    )
    excel.set_title({"name": chart.title})
    excel.set_legend({"none": True})
    excel.set_size({"width": 900, "height": max(320, 18 * len(data))})
    sheet.insert_chart(2, len(data.columns) + 1, excel)


def write_xlsx(content: ReportContent, path: Path | str | io.BufferedIOBase) -> None:
    import xlsxwriter

    lang = content.lang
    target = path if not isinstance(path, Path) else str(path)
    book = xlsxwriter.Workbook(target, {"in_memory": True, "nan_inf_to_errors": False})
    book.set_properties({"title": content.title, "author": t("report.author", lang)})
    formats = {kind: book.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()}
    formats["title"] = book.add_format({"bold": True, "font_size": 14})
    formats["header"] = book.add_format({"bold": True, "text_wrap": True, "bg_color": "#EDF2F7"})
    formats["notice"] = book.add_format({"bold": True, "font_color": "#9B2C2C"})
    formats["wrap"] = book.add_format({"text_wrap": True, "valign": "top"})
    used: set[str] = set()

    summary = book.add_worksheet(_sheet_name(t("report.sheet.summary", lang), used))
    summary.set_column(0, 0, 140, formats["wrap"])
    lines = [
        (content.title, formats["title"]),
        (content.subtitle, None),
        (content.scope, None),
        (t("report.generated", lang, date=fmt_date(content.generated_on, lang)), None),
    ]
    if content.simulated_notice:
        lines.append((content.simulated_notice, formats["notice"]))
    for block in content.sections:
        lines.append(("", None))
        lines.append((block.heading, formats["header"]))
        lines += [(p, None) for p in block.paragraphs]
        lines += [(f"• {b}", None) for b in block.bullets]
    for row, (text, fmt) in enumerate(lines):
        if fmt is None:
            summary.write_string(row, 0, neutralise(text))
        else:
            summary.write_string(row, 0, neutralise(text), fmt)
    for table in content.tables():
        _write_table(book, table, formats, used)
    for chart in content.charts():
        _write_chart(book, chart, formats, used)
    book.close()
