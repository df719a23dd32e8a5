"""PDF writer (ReportLab): title page, then sections with paragraphs, tables and charts.

Cyrillic needs a font that has it: DejaVu Sans is embedded, found in data/fonts/, in Debian's
fonts-dejavu-core, or in the copy matplotlib ships (a runtime requirement), in that order.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from analytics.errors import UserError
from analytics.i18n import fmt_date, t
from analytics.i18n.cells import format_cell
from analytics.reports.content import ReportContent, Table

PROJECT_FONTS = Path(__file__).resolve().parents[2] / "data" / "fonts"
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
NUMERIC = {"int", "num1", "num2", "pct", "signed", "pct_change", "year"}


def _font_dirs() -> list[Path]:
    dirs = [PROJECT_FONTS, SYSTEM_FONTS]
    try:
        import matplotlib

        dirs.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf")
    except ImportError:  # pragma: no cover - matplotlib is a runtime requirement
        pass
    return dirs


@cache
def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) with ReportLab once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for folder in _font_dirs():
        regular, bold = folder / f"{FONT}.ttf", folder / f"{FONT_BOLD}.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
            return FONT, FONT_BOLD
    raise UserError("report.no_font", folders=", ".join(str(d) for d in _font_dirs()))


def _styles():
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet

    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=FONT, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle(
            "title", parent=base["Title"], fontName=FONT_BOLD, fontSize=22, leading=28
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontSize=14, leading=18, alignment=1, spaceAfter=10
        ),
        "h1": ParagraphStyle(
            "h1", parent=base["Heading1"], fontName=FONT_BOLD, fontSize=14, spaceAfter=6
        ),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=FONT_BOLD, fontSize=10.5),
        "body": body,
        "notice": ParagraphStyle(
            "notice",
            parent=body,
            textColor="#9b2c2c",
            borderColor="#9b2c2c",
            borderWidth=1,
            borderPadding=6,
            spaceBefore=16,
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=7, leading=8.5),
        "head": ParagraphStyle("head", parent=body, fontName=FONT_BOLD, fontSize=7, leading=8.5),
    }


def _pdf_table(table: Table, lang: str, styles, width: float):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable

    header = [Paragraph(escape(h), styles["head"]) for h in table.headers]
    rows = [header]
    for values in table.frame.itertuples(index=False):
        rows.append(
            [
                Paragraph(escape(format_cell(v, k, lang)), styles["cell"])
                for v, k in zip(values, table.kinds, strict=True)
            ]
        )
    # Text columns get twice the room of number columns.
    shares = [2.0 if k == "text" else 1.0 for k in table.kinds]
    widths = [width * s / sum(shares) for s in shares]
    grid = RLTable(rows, colWidths=widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#a0aec0")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#edf2f7")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [
        ("ALIGN", (i, 1), (i, -1), "RIGHT") for i, k in enumerate(table.kinds) if k in NUMERIC
    ]
    shades = {"alert": colors.HexColor("#fed7d7"), "warning": colors.HexColor("#fefcbf")}
    for i, flag in enumerate(table.row_flags, start=1):
        if flag in shades:
            style.append(("BACKGROUND", (0, i), (-1, i), shades[flag]))
    grid.setStyle(TableStyle(style))
    return grid


def write_pdf(content: ReportContent, path: Path | str | io.BufferedIOBase) -> None:
    """Write ``content`` as an A4 landscape PDF with DejaVu Sans embedded."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )

    register_fonts()
    styles = _styles()
    lang = content.lang
    page = landscape(A4)
    margin = 1.5 * cm
    width = page[0] - 2 * margin
    doc = SimpleDocTemplate(
        path if not isinstance(path, Path) else str(path),
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=content.title,
        author=t("report.author", lang),
        lang=lang,
    )
    story = [
        Spacer(1, 4 * cm),
        Paragraph(escape(content.title), styles["title"]),
        Paragraph(escape(content.subtitle), styles["subtitle"]),
        Paragraph(escape(content.scope), styles["subtitle"]),
        Paragraph(
            escape(t("report.generated", lang, date=fmt_date(content.generated_on, lang))),
            styles["subtitle"],
        ),
    ]
    if content.simulated_notice:
        story.append(Paragraph(escape(content.simulated_notice), styles["notice"]))
    story.append(PageBreak())
    for section in content.sections:
        block = [Paragraph(escape(section.heading), styles["h1"])]
        block += [Paragraph(escape(p), styles["body"]) for p in section.paragraphs]
        block += [Paragraph("• " + escape(b), styles["body"]) for b in section.bullets]
        story.append(KeepTogether(block[:2]))
        story.extend(block[2:])
        for table in section.tables:
            story.append(Spacer(1, 6))
            story.append(Paragraph(escape(table.title), styles["h2"]))
            story.append(_pdf_table(table, lang, styles, width))
        for chart in section.charts:
            image = Image(io.BytesIO(chart.png))
            scale = min(0.8 * width / image.imageWidth, 9 * cm / image.imageHeight)
            image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
            story.append(Spacer(1, 6))
            story.append(image)
        story.append(Spacer(1, 10))

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 7)
        text = f"{content.title} — {content.subtitle} — {document.page}"
        canvas.drawString(margin, 0.8 * cm, text)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
