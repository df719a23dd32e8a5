"""DOCX writer (python-docx): the same parts as the PDF, editable by the department.

Page numbers ("page N of M" as Word fields), a running header and a footer with the data
stamp on every page, headings kept with the next paragraph, table header rows repeated on
each page and rows never split, the brief and park pages in portrait and the annex in
landscape (sections of their own), and a sign-off block under the brief. Text is Arial, the
font every office suite has or substitutes with the same metrics (Liberation Sans).
"""

from __future__ import annotations

import io
from pathlib import Path

from analytics.i18n import t
from analytics.reports import charts
from analytics.reports.content import NUMERIC_KINDS, Part, ReportContent, Section, Table, cell_text

NUMERIC = NUMERIC_KINDS
FONT = "Arial"
GREY, RED = "4A5568", "9B2C2C"
SHADES = {"alert": "FED7D7", "warning": "FEFCBF"}
MARGINS_CM = {"left_margin": 2.0, "right_margin": 1.5, "top_margin": 2.0, "bottom_margin": 1.9}


def _element(tag: str, **attrs):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    node = OxmlElement(tag)
    for name, value in attrs.items():
        node.set(qn(f"w:{name}"), value)
    return node


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that the reader's software fills in."""
    run = paragraph.add_run()
    run._r.append(_element("w:fldChar", fldCharType="begin"))
    instruction = _element("w:instrText")
    instruction.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instruction.text = f" {code} "
    run._r.append(instruction)
    run._r.append(_element("w:fldChar", fldCharType="separate"))
    paragraph.add_run("1")
    paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="end"))


def _border(paragraph, side: str) -> None:
    borders = _element("w:pBdr")
    borders.append(_element(f"w:{side}", val="single", sz="4", space="1", color="A0AEC0"))
    paragraph._p.get_or_add_pPr().append(borders)


def _small(paragraph, size: float, colour: str = GREY) -> None:
    from docx.shared import Pt, RGBColor

    for run in paragraph.runs:
        run.font.size = Pt(size)
        run.font.color.rgb = RGBColor.from_string(colour)


def _header_footer(section, content: ReportContent) -> None:
    from docx.enum.text import WD_TAB_ALIGNMENT

    # each section its own: the landscape pages' page number sits at their right margin
    section.header.is_linked_to_previous = False
    section.footer.is_linked_to_previous = False
    header = section.header.paragraphs[0]
    header.text = content.header
    _small(header, 7.5)
    _border(header, "bottom")
    footer = section.footer.paragraphs[0]
    footer.text = ""
    _border(footer, "top")
    width = section.page_width - section.left_margin - section.right_margin
    footer.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(content.stamp + "\t")
    before, _, rest = content.page_label.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    footer.add_run(before)
    _field(footer, "PAGE")
    footer.add_run(middle)
    _field(footer, "NUMPAGES")
    footer.add_run(after)
    _small(footer, 7)


def _orient(section, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Cm(29.7), Cm(21.0)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side, value in MARGINS_CM.items():
        setattr(section, side, Cm(value))


def _styles(document, size: float) -> None:
    from docx.shared import Pt, RGBColor

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(size)
    normal.paragraph_format.space_after = Pt(3)
    for name, points in (("Title", 15), ("Heading 1", 13), ("Heading 2", 10.5), ("Heading 3", 10)):
        style = document.styles[name]
        fonts = style.element.rPr.rFonts if style.element.rPr is not None else None
        if fonts is not None:  # the template's theme fonts would override the name below
            for attribute in list(fonts.attrib):
                if attribute.endswith("Theme"):
                    del fonts.attrib[attribute]
        style.font.name = FONT
        style.font.size = Pt(points)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0x1A, 0x20, 0x2C)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(8 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(3)
    document.styles["Title"].paragraph_format.space_after = Pt(4)
    bullet = document.styles["List Bullet"]
    bullet.font.name = FONT
    bullet.paragraph_format.space_after = Pt(2)


def _widths(table: Table, total_cm: float, lang: str, size: float) -> list[float]:
    """Column widths in cm: the table's shares, each column at least as wide as its longest
    header word and its longest word or number (measured in DejaVu Sans, which runs a few
    per cent wider than Arial, so the estimate errs on the safe side)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from analytics.reports.pdf import FONT as DEJAVU
    from analytics.reports.pdf import FONT_BOLD as DEJAVU_BOLD
    from analytics.reports.pdf import register_fonts

    register_fonts()
    shares = list(table.widths) or [2.0 if k == "text" else 1.0 for k in table.kinds]
    widths = [total_cm * s / sum(shares) for s in shares]
    points_per_cm = 72 / 2.54
    least = []
    for col, header in enumerate(table.headers):
        found = [stringWidth(w, DEJAVU_BOLD, size) for w in header.split()]
        for r, value in enumerate(table.frame.iloc[:, col]):
            kind = table.kind(r, col)
            text = cell_text(value, kind, lang)
            parts = [text] if kind in NUMERIC else text.split()
            found += [stringWidth(part, DEJAVU, size) for part in parts]
        least.append(0.95 * max(found, default=0.0) / points_per_cm + 0.3)
    spare = sum(max(0.0, w - m) for w, m in zip(widths, least, strict=True))
    need = sum(max(0.0, m - w) for w, m in zip(widths, least, strict=True))
    if need and spare:
        take = min(need, spare)
        widths = [
            w + (m - w) * take / need if w < m else w - (w - m) * take / spare
            for w, m in zip(widths, least, strict=True)
        ]
    return widths


def _shade(cell, colour: str) -> None:
    cell._tc.get_or_add_tcPr().append(_element("w:shd", val="clear", color="auto", fill=colour))


def _add_table(document, table: Table, lang: str, size: float, keep: bool, total_cm: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    headed = any(table.headers)
    grid = document.add_table(rows=1 if headed else 0, cols=len(table.kinds))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.LEFT
    grid.autofit = False
    right = [
        table.kinds[c] in NUMERIC
        or any(table.kind(r, c) in NUMERIC for r in range(len(table.frame)))
        for c in range(len(table.kinds))
    ]
    if headed:
        row = grid.rows[0]
        row._tr.get_or_add_trPr().append(_element("w:tblHeader"))  # repeated on each page
        for cell, header, r in zip(row.cells, table.headers, right, strict=True):
            cell.text = header
            _shade(cell, "EDF2F7")
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if r else WD_ALIGN_PARAGRAPH.LEFT
            for run in paragraph.runs:
                run.bold = True
    for r, values in enumerate(table.frame.itertuples(index=False)):
        cells = grid.add_row().cells
        for c, (cell, value) in enumerate(zip(cells, values, strict=True)):
            cell.text = cell_text(value, table.kind(r, c), lang)
            if right[c]:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if not headed and c % 2 == 0:
                _shade(cell, "F7FAFC")
        flag = table.row_flags[r] if r < len(table.row_flags) else ""
        if flag in SHADES:
            for cell in cells:
                _shade(cell, SHADES[flag])
    last = len(grid.rows) - 1
    widths = _widths(table, total_cm, lang, size)
    # a fixed layout with the grid's own widths: Word and LibreOffice both honour these
    grid._tbl.tblPr.append(_element("w:tblLayout", type="fixed"))
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Cm(width)
    for i, row in enumerate(grid.rows):
        row._tr.get_or_add_trPr().append(_element("w:cantSplit"))
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                # short tables stay on one page; long ones keep the header with a first row
                paragraph.paragraph_format.keep_with_next = (keep and i < last) or i == 0
                for run in paragraph.runs:
                    run.font.size = Pt(size)


def _section(document, block: Section, lang: str, size: float, keep: bool, width_cm: float) -> None:
    from docx.shared import Cm

    document.add_heading(block.heading, level=3 if block.level == 2 else 2)
    for text in block.paragraphs:
        document.add_paragraph(text)
    for text in block.bullets:
        document.add_paragraph(text, style="List Bullet")

    def add_charts() -> None:
        for chart in block.charts:
            paragraph = document.add_paragraph()
            paragraph.add_run().add_picture(
                io.BytesIO(charts.render_png(chart, lang)), width=Cm(min(chart.width_cm, width_cm))
            )

    def add_tables() -> None:
        for table in block.tables:
            if table.title and table.title != block.heading and block.level == 1:
                document.add_heading(table.title, level=3)
            _add_table(document, table, lang, size - 1.5, keep, width_cm)
            if not keep:  # room between a table and the next; a one-page part has none to spare
                document.add_paragraph().paragraph_format.space_after = 0

    if block.charts_first:
        add_charts()
        add_tables()
    else:
        add_tables()
        add_charts()
    from docx.shared import Pt

    for note in block.notes:
        paragraph = document.add_paragraph(note)
        paragraph.paragraph_format.space_before = Pt(2)
        _small(paragraph, size - 2)


def _sign_off(document, content: ReportContent, width_cm: float) -> None:
    """Each label with a line to write on (a tab with an underscore leader, so that the
    document's tables stay the report's tables)."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
    from docx.shared import Cm, Pt

    sign = content.sign_off
    if sign is None:
        return
    document.add_heading(sign.heading, level=3)
    for label in sign.labels:
        paragraph = document.add_paragraph(f"{label}\t\t")
        stops = paragraph.paragraph_format.tab_stops
        stops.add_tab_stop(Cm(0.3 * width_cm))
        stops.add_tab_stop(Cm(0.75 * width_cm), WD_TAB_ALIGNMENT.LEFT, WD_TAB_LEADER.LINES)
        paragraph.paragraph_format.space_before = Pt(10)
        paragraph.paragraph_format.keep_with_next = label != sign.labels[-1]


def _part(document, part: Part, content: ReportContent, first: bool, new_section: bool) -> None:
    from docx.shared import Pt, RGBColor

    size = 10.0 if part.key == "brief" else 9.0
    heading = document.add_heading(part.heading, level=1)
    heading.paragraph_format.page_break_before = not first and not new_section
    heading.paragraph_format.space_before = Pt(0)
    for line in part.intro:
        paragraph = document.add_paragraph(line)
        if line == content.simulated_notice:
            for run in paragraph.runs:
                run.bold = True
                run.font.color.rgb = RGBColor.from_string(RED)
    section = document.sections[-1]
    width_cm = (section.page_width - section.left_margin - section.right_margin) / 360000
    for block in part.sections:
        _section(document, block, content.lang, size, part.fit_one_page, width_cm)
    if part.key == "brief":
        _sign_off(document, content, width_cm)


def write_docx(content: ReportContent, path: Path | str | io.BufferedIOBase) -> None:
    from docx import Document
    from docx.enum.section import WD_SECTION

    lang = content.lang
    document = Document()
    _styles(document, 10.0)
    document.core_properties.title = content.title
    document.core_properties.subject = content.header
    document.core_properties.author = t("report.author", lang)
    document.core_properties.language = lang
    section = document.sections[0]
    _orient(section, False)
    _header_footer(section, content)
    landscape = False
    for i, part in enumerate(content.parts):
        new_section = i > 0 and part.landscape != landscape
        if new_section:
            section = document.add_section(WD_SECTION.NEW_PAGE)
            _orient(section, part.landscape)
            _header_footer(section, content)
            landscape = part.landscape
        _part(document, part, content, i == 0, new_section)
    if not content.parts:
        document.add_heading(content.title, level=1)
    document.save(path if not isinstance(path, Path) else str(path))
