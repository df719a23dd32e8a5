"""PDF writer (ReportLab): the brief on page 1, a page per park, the annex on landscape
pages, methods and sources; a running header, a footer with the data stamp and "page N of
M" on every page; headings kept with what follows them.

Cyrillic needs a font that has it: DejaVu Sans is embedded, found in data/fonts/, in Debian's
fonts-dejavu-core, or in the copy matplotlib ships (a runtime requirement), in that order.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from analytics.errors import UserError
from analytics.i18n import t
from analytics.reports import vector
from analytics.reports.content import NUMERIC_KINDS, Part, ReportContent, Section, Table, cell_text

PROJECT_FONTS = Path(__file__).resolve().parents[2] / "data" / "fonts"
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
NUMERIC = NUMERIC_KINDS
CM = 72 / 2.54
# Page geometry (points). The header and footer sit inside the top and bottom margins.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 2.0 * CM, 1.5 * CM, 2.0 * CM, 1.9 * CM
HEADER_Y, FOOTER_Y = 1.25 * CM, 1.0 * CM  # from the top and the bottom edge
SHADES = {"alert": "#fed7d7", "warning": "#fefcbf"}


def _font_dirs(with_matplotlib: bool = True) -> list[Path]:
    dirs = [PROJECT_FONTS, SYSTEM_FONTS]
    if with_matplotlib:  # its import costs a fifth of a second: looked at last
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

    found = [d for d in _font_dirs(False) if (d / f"{FONT}.ttf").exists()] or _font_dirs()
    for folder in found:
        regular, bold = folder / f"{FONT}.ttf", folder / f"{FONT_BOLD}.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
            return FONT, FONT_BOLD
    raise UserError("report.no_font", folders=", ".join(str(d) for d in _font_dirs()))


def _styles(size: float) -> dict:
    """Paragraph styles for body text of ``size`` points (10 on the brief, 9 elsewhere)."""
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=size, leading=size * 1.25, spaceAfter=size * 0.25
    )
    heading = {"fontName": FONT_BOLD, "keepWithNext": 1}
    cell = size - 1.5
    return {
        "title": ParagraphStyle(
            "title", parent=body, fontSize=15, leading=18, spaceAfter=3, **heading
        ),
        "intro": ParagraphStyle("intro", parent=body, spaceAfter=1),
        "h1": ParagraphStyle(
            "h1", parent=body, fontSize=12.5, leading=15, spaceBefore=6, spaceAfter=4, **heading
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontSize=size + 0.5,
            leading=(size + 0.5) * 1.2,
            spaceBefore=size * 0.55,
            spaceAfter=2,
            **heading,
        ),
        "table_title": ParagraphStyle(
            "table_title", parent=body, fontSize=size - 0.5, spaceBefore=4, spaceAfter=2, **heading
        ),
        "body": body,
        "bullet": ParagraphStyle(
            "bullet", parent=body, leftIndent=10, bulletIndent=0, spaceAfter=size * 0.2
        ),
        "note": ParagraphStyle(
            "note",
            parent=body,
            fontSize=size - 2,
            leading=(size - 2) * 1.2,
            textColor="#4a5568",
            spaceBefore=2,
        ),
        "notice": ParagraphStyle(
            "notice",
            parent=body,
            fontSize=size - 1,
            leading=(size - 1) * 1.2,
            textColor="#9b2c2c",
            spaceBefore=2,
            spaceAfter=4,
        ),
        "cell": ParagraphStyle(
            "cell", parent=body, fontSize=cell, leading=cell * 1.2, spaceAfter=0
        ),
        "cell_right": ParagraphStyle(
            "cell_right", parent=body, fontSize=cell, leading=cell * 1.2, spaceAfter=0, alignment=2
        ),
        "head": ParagraphStyle(
            "head", parent=body, fontName=FONT_BOLD, fontSize=cell, leading=cell * 1.2, spaceAfter=0
        ),
        "head_right": ParagraphStyle(
            "head_right",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=cell,
            leading=cell * 1.2,
            spaceAfter=0,
            alignment=2,
        ),
    }


def _widths(
    table: Table, width: float, texts: list[list[str]], right: list[bool], size: float
) -> list[float]:
    """Column widths: the table's own shares (else text columns twice number columns), each
    column at least as wide as its longest header word and its longest number, so that no
    word breaks inside and no number wraps."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    shares = list(table.widths) or [2.0 if k == "text" else 1.0 for k in table.kinds]
    padding = 7.0
    least = []
    for col, header in enumerate(table.headers):
        words = [stringWidth(w, FONT_BOLD, size) for w in header.split()] or [0.0]
        cells = [row[col] for row in texts]
        # numbers stay on one line; text may wrap at spaces. Only the longest few by
        # characters are measured (a wide letter does not outweigh three narrow ones).
        pieces = cells if right[col] else [w for c in cells for w in c.split()]
        longest = sorted(set(pieces), key=len, reverse=True)[:4]
        found = [stringWidth(p, FONT, size) for p in longest]
        least.append(max([*words, *found, 0.0]) + padding)
    widths = [width * s / sum(shares) for s in shares]
    for _ in range(len(widths)):  # give the narrow columns their least, from the others
        short = [i for i, w in enumerate(widths) if w < least[i] - 0.01]
        if not short:
            break
        need = sum(least[i] - widths[i] for i in short)
        spare = {
            i: widths[i] - least[i]
            for i in range(len(widths))
            if i not in short and widths[i] > least[i]
        }
        room = sum(spare.values())
        if room <= 0:
            break
        take = min(need, room)
        for i in short:
            widths[i] += (least[i] - widths[i]) * take / need
        for i, extra in spare.items():
            widths[i] -= extra * take / room
    return widths


def _pdf_table(table: Table, lang: str, styles, width: float):
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RLTable

    def numeric(col: int) -> bool:
        return table.kinds[col] in NUMERIC or any(
            table.kind(r, col) in NUMERIC for r in range(len(table.frame))
        )

    right = [numeric(c) for c in range(len(table.headers))]
    texts = [
        [cell_text(v, table.kind(r, c), lang) for c, v in enumerate(values)]
        for r, values in enumerate(table.frame.itertuples(index=False))
    ]
    widths = _widths(table, width, texts, right, styles["cell"].fontSize)
    rows = []
    headed = any(table.headers)
    if headed:
        rows.append(
            [
                Paragraph(escape(h), styles["head_right" if r else "head"])
                for h, r in zip(table.headers, right, strict=True)
            ]
        )
    size = styles["cell"].fontSize
    room = [w - 6.5 for w in widths]  # less the cell padding
    for values in texts:
        # a cell that fits on one line is a plain string, drawn by the table itself: many
        # times cheaper than a Paragraph, which only text that wraps needs
        rows.append(
            [
                v if stringWidth(v, FONT, size) <= room[c]
                else Paragraph(escape(v), styles["cell_right" if right[c] else "cell"])
                for c, v in enumerate(values)
            ]
        )  # fmt: skip
    grid = RLTable(rows, colWidths=widths, repeatRows=1 if headed else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#a0aec0")),
        ("FONT", (0, 0), (-1, -1), FONT, size, styles["cell"].leading),
        *[("ALIGN", (c, 0), (c, -1), "RIGHT") for c, r in enumerate(right) if r],
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if headed:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#edf2f7")))
    first = 1 if headed else 0
    for i, flag in enumerate(table.row_flags, start=first):
        if flag in SHADES:
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor(SHADES[flag])))
    if not headed:  # a facts table: labels in grey
        style += [
            ("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#f7fafc"))
            for c in range(0, len(table.headers), 2)
        ]
    grid.setStyle(TableStyle(style))
    return grid


def _section(section: Section, lang: str, styles, width: float) -> list:
    from reportlab.platypus import Paragraph, Spacer

    heading = styles["h2" if section.level == 2 else "h1"]
    story = [Paragraph(escape(section.heading), heading)]
    story += [Paragraph(escape(p), styles["body"]) for p in section.paragraphs]
    story += [Paragraph(escape(b), styles["bullet"], bulletText="•") for b in section.bullets]
    charts = [vector.drawing(c, width, lang, FONT) for c in section.charts]
    tables = []
    for table in section.tables:
        if table.title and table.title != section.heading and section.level == 1:
            tables.append(Paragraph(escape(table.title), styles["table_title"]))
        tables.append(_pdf_table(table, lang, styles, width))
        tables.append(Spacer(1, 3))
    story += (charts + tables) if section.charts_first else (tables + charts)
    story += [Paragraph(escape(n), styles["note"]) for n in section.notes]
    return story


def _sign_off(content: ReportContent, styles, width: float) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, TableStyle
    from reportlab.platypus import Table as RLTable

    sign = content.sign_off
    if sign is None:
        return []
    rows = [[Paragraph(escape(label), styles["cell"]), ""] for label in sign.labels]
    grid = RLTable(
        rows,
        colWidths=[0.3 * width, 0.45 * width],
        rowHeights=[0.75 * CM] * len(rows),
        hAlign="LEFT",
    )
    grid.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    # on the brief's page, which is kept in one frame: no KeepTogether needed (nor allowed)
    return [Spacer(1, 6), Paragraph(escape(sign.heading), styles["h2"]), grid]


def _part(part: Part, content: ReportContent, frame_width: float, frame_height: float) -> list:
    """One part's flowables; a part meant for one page shrinks to it if it would overflow
    (a long list of parks on an all-regions brief) rather than spill a few lines over."""
    from reportlab.platypus import KeepInFrame, Paragraph

    lang = content.lang
    size = 10.0 if part.key == "brief" else 9.0
    styles = _styles(size)
    story = [Paragraph(escape(part.heading), styles["title"])]
    for line in part.intro:
        notice = line == content.simulated_notice
        story.append(Paragraph(escape(line), styles["notice" if notice else "intro"]))
    for section in part.sections:
        story += _section(section, lang, styles, frame_width)
    if part.key == "brief":
        story += _sign_off(content, styles, frame_width)
    if part.fit_one_page:
        return [KeepInFrame(frame_width, frame_height, story, mode="shrink")]
    return story


class _Doc:
    """Page templates (portrait and landscape A4) with the running header and footer."""

    def __init__(self, content: ReportContent, target):
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

        self.content = content
        self.doc = BaseDocTemplate(
            target,
            pagesize=A4,
            leftMargin=MARGIN_LEFT,
            rightMargin=MARGIN_RIGHT,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            title=content.title,
            author=t("report.author", content.lang),
            subject=content.header,
            lang=content.lang,
        )
        templates = []
        self.frames = {}
        for name, size in (("portrait", A4), ("landscape", landscape(A4))):
            w = size[0] - MARGIN_LEFT - MARGIN_RIGHT
            h = size[1] - MARGIN_TOP - MARGIN_BOTTOM
            frame = Frame(
                MARGIN_LEFT,
                MARGIN_BOTTOM,
                w,
                h,
                id=name,
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )
            self.frames[name] = (w, h)
            templates.append(
                PageTemplate(id=name, frames=[frame], pagesize=size, onPage=self.decorate)
            )
        self.doc.addPageTemplates(templates)

    def decorate(self, canvas, document) -> None:
        """Header and footer (the page count is drawn later, by the canvas)."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        width, height = canvas._pagesize
        right = width - MARGIN_RIGHT
        canvas.saveState()
        canvas.setStrokeColorRGB(0.6, 0.65, 0.7)
        canvas.setLineWidth(0.4)
        size = 7.5
        text = self.content.header
        while stringWidth(text, FONT, size) > right - MARGIN_LEFT and size > 5:
            size -= 0.25
        canvas.setFont(FONT, size)
        canvas.setFillColorRGB(0.29, 0.33, 0.41)
        canvas.drawString(MARGIN_LEFT, height - HEADER_Y, text)
        canvas.line(MARGIN_LEFT, height - HEADER_Y - 3, right, height - HEADER_Y - 3)
        canvas.line(MARGIN_LEFT, FOOTER_Y + 9, right, FOOTER_Y + 9)
        stamp = self.content.stamp
        size = 7
        room = right - MARGIN_LEFT - 3 * CM  # the page number's room
        while stringWidth(stamp, FONT, size) > room and size > 5:
            size -= 0.25
        canvas.setFont(FONT, size)
        canvas.drawString(MARGIN_LEFT, FOOTER_Y, stamp)
        canvas.restoreState()


def _numbered_canvas(label: str):
    """A canvas class that writes "page N of M" once the page count is known."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                width = self._pagesize[0]
                self.saveState()
                self.setFont(FONT, 7)
                self.setFillColorRGB(0.29, 0.33, 0.41)
                self.drawRightString(
                    width - MARGIN_RIGHT, FOOTER_Y, label.format(page=self._pageNumber, pages=total)
                )
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def write_pdf(content: ReportContent, path: Path | str | io.BufferedIOBase) -> None:
    """Write ``content`` as an A4 PDF with DejaVu Sans embedded."""
    from reportlab.platypus import NextPageTemplate, PageBreak

    register_fonts()
    target = path if not isinstance(path, Path) else str(path)
    doc = _Doc(content, target)
    story: list = []
    current = "portrait"
    for i, part in enumerate(content.parts):
        orientation = "landscape" if part.landscape else "portrait"
        if i:
            if orientation != current:
                story.append(NextPageTemplate(orientation))
            story.append(PageBreak())
        current = orientation
        story += _part(part, content, *doc.frames[orientation])
    if not story:  # no parts: a page with the title
        from reportlab.platypus import Paragraph

        story = [Paragraph(escape(content.title), _styles(10)["title"])]
    doc.doc.build(story, canvasmaker=_numbered_canvas(content.page_label))
