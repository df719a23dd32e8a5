"""DOCX writer (python-docx): the same content as the PDF, editable by the department."""

from __future__ import annotations

import io
from pathlib import Path

from analytics.i18n import fmt_date, t
from analytics.i18n.cells import format_cell
from analytics.reports.content import ReportContent, Table

NUMERIC = {"int", "num1", "num2", "pct", "signed", "pct_change", "year"}


def _add_table(document, table: Table, lang: str) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document.add_heading(table.title, level=2)
    grid = document.add_table(rows=1, cols=len(table.headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(grid.rows[0].cells, table.headers, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
            run.font.size = Pt(7)
    for values in table.frame.itertuples(index=False):
        cells = grid.add_row().cells
        for cell, value, kind in zip(cells, values, table.kinds, strict=True):
            cell.text = format_cell(value, kind, lang)
            paragraph = cell.paragraphs[0]
            if kind in NUMERIC:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for run in paragraph.runs:
                run.font.size = Pt(7)


def write_docx(content: ReportContent, path: Path | str | io.BufferedIOBase) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    lang = content.lang
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    document.core_properties.title = content.title
    document.core_properties.author = t("report.author", lang)
    document.core_properties.language = lang
    normal = document.styles["Normal"]
    normal.font.size = Pt(10)

    title = document.add_heading(content.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (
        content.subtitle,
        content.scope,
        t("report.generated", lang, date=fmt_date(content.generated_on, lang)),
    ):
        paragraph = document.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if content.simulated_notice:
        notice = document.add_paragraph()
        run = notice.add_run(content.simulated_notice)
        run.bold = True
        run.font.color.rgb = RGBColor(0x9B, 0x2C, 0x2C)
    document.add_page_break()

    for block in content.sections:
        document.add_heading(block.heading, level=1)
        for text in block.paragraphs:
            document.add_paragraph(text)
        for text in block.bullets:
            document.add_paragraph(text, style="List Bullet")
        for table in block.tables:
            _add_table(document, table, lang)
        for chart in block.charts:
            document.add_picture(io.BytesIO(chart.png), width=Cm(24))
    document.save(path if not isinstance(path, Path) else str(path))
