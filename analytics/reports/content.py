"""What a report is made of, independent of the file format: parts (each starting on a new
page) of sections with paragraphs, typed tables and charts.

The builders (``document``, ``profiles``, ``annex``, ``policy``, ``charts``) produce these
and the writers (``pdf``, ``docx``, ``xlsx``) lay them out; both sides import this module
and nothing of each other, so the PDF, DOCX and XLSX of a report always carry the same
numbers.

A report is: the brief (page 1), one page per park, the annex tables, the methods and the
sources. The writers put a running header (``ReportContent.header``), a footer with the data
stamp (``ReportContent.stamp``) and page numbers on every page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from analytics.i18n import fmt_number, t
from analytics.i18n.cells import CellKind, format_cell, is_missing

# A report's cells: the project's cell kinds, "signed1" (a change of money or area, with a
# sign and one decimal) and "points" (a change of a share in percentage points: occupancy
# +0.8 p.p., which would read wrongly as a percentage).
ReportKind = CellKind | Literal["signed1", "points"]
_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
NUMERIC_KINDS = frozenset(
    {"int", "num1", "num2", "pct", "signed", "signed1", "pct_change", "year", "points"}
)


def with_sign(text: str, number: float) -> str:
    """``text`` (``number`` formatted) with a "+" when the number is positive."""
    # no "+" on a change that rounds to zero ("0,0", not "+0,0")
    return ("+" + text) if number > 0 and any(c in "123456789" for c in text) else text


def tidy_sentence(text: str) -> str:
    """One full stop where a sentence ends on an abbreviation ("млн руб.." -> "млн руб.")."""
    return _DOUBLE_STOP.sub(".", text)


def cell_text(value, kind: ReportKind, lang: str) -> str:
    """A cell as text in ``lang``: the one cell formatter, plus the report's own kinds."""
    if kind not in ("signed1", "points"):
        return format_cell(value, kind, lang)
    if is_missing(value):
        return format_cell(value, "num1", lang)
    if kind == "signed1":
        return with_sign(fmt_number(float(value), lang, 1), float(value))
    number = float(value) * 100
    text = with_sign(fmt_number(number, lang, 1), number)
    return f"{text}\xa0{t('brief.unit.points', lang)}"


@dataclass(frozen=True)
class Table:
    """A table with typed values: ``frame`` columns in order, ``kinds`` says how each is
    formatted (analytics.i18n.cells); ``row_kinds``, when given, one tuple of kinds per row
    (a table of indicators whose rows have different units)."""

    key: str  # short identifier (tests, XLSX sheet names)
    title: str
    headers: tuple[str, ...]
    kinds: tuple[ReportKind, ...]
    frame: pd.DataFrame
    # per row: "" or "alert" (behind, no report) / "warning" (incomplete, late) for shading
    row_flags: tuple[str, ...] = ()
    row_kinds: tuple[tuple[ReportKind, ...], ...] = ()
    sheet: str = ""  # the XLSX sheet name (<= 31 characters); "" = no sheet of its own
    widths: tuple[float, ...] = ()  # relative column widths in documents ("" = by kind)

    def kind(self, row: int, col: int) -> ReportKind:
        return self.row_kinds[row][col] if self.row_kinds else self.kinds[col]


@dataclass(frozen=True)
class Panel:
    """One plot of a chart: values by category, drawn as vertical bars, horizontal bars (one
    per park) or a line; a missing value is a gap, never a zero."""

    title: str
    categories: tuple[str, ...]  # what each value is of (park names, quarters in words)
    values: tuple[float, ...]
    style: Literal["bar", "hbar", "line"]
    ticks: tuple[str, ...] = ()  # short category labels ("II\n2024"); () = the categories
    percent: bool = False  # values are shares, drawn on a 0-100 % axis
    guide: float | None = None  # a reference line (budget efficiency 1 = paid back)


@dataclass(frozen=True)
class Chart:
    """A chart as data: each writer draws it its own way (PDF: vector graphics, DOCX: a PNG,
    XLSX: a native Excel chart over ``data``), all from these same numbers."""

    key: str
    title: str
    panels: tuple[Panel, ...]
    data: pd.DataFrame  # the plotted numbers: first column the category, then series
    kind: Literal["bar", "line"]
    headers: tuple[str, ...] = ()  # translated headers of ``data``'s columns
    kinds: tuple[ReportKind, ...] = ()  # their kinds (number formats in XLSX)
    axis_title: str = ""  # the value axis, translated, with its unit
    sheet: str = ""  # the XLSX sheet name; "" = not in the workbook
    width_cm: float = 17.0  # drawn size in documents
    height_cm: float = 6.0


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()  # small print after the tables (how to read them)
    level: int = 1  # 1: a heading of its own, 2: a small heading inside a page
    # charts before tables (a park profile: the picture, then its numbers)
    charts_first: bool = False


@dataclass(frozen=True)
class Part:
    """Sections that start on a new page: the brief, one park's profile, the annex."""

    key: str  # "brief", "park", "annex", "methods"
    heading: str
    sections: tuple[Section, ...]
    intro: tuple[str, ...] = ()  # lines under the heading (the brief's scope and quarter)
    landscape: bool = False
    fit_one_page: bool = False  # laid out tighter, expected on one page


@dataclass(frozen=True)
class SignOff:
    """The block the department fills in: labels, each followed by a line to write on."""

    heading: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class ReportContent:
    lang: str
    title: str
    subtitle: str
    scope: str
    generated_on: dt.date
    simulated_notice: str | None
    parts: tuple[Part, ...] = field(default_factory=tuple)
    header: str = ""  # running header: title, region, quarter
    stamp: str = ""  # footer: the data stamp, and "simulated" when the data are
    sign_off: SignOff | None = None  # at the end of the brief
    page_label: str = "{page} / {pages}"  # page numbers, {page} and {pages} filled in
    workbook_tables: tuple[Table, ...] = ()  # tables only the XLSX carries

    @property
    def sections(self) -> tuple[Section, ...]:
        return tuple(section for part in self.parts for section in part.sections)

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def charts(self) -> list[Chart]:
        return [chart for section in self.sections for chart in section.charts]

    def part(self, key: str) -> Part:
        return next(part for part in self.parts if part.key == key)


def table(
    key: str,
    title: str,
    columns: Sequence[tuple[str, str, ReportKind]],
    frame: pd.DataFrame,
    sheet: str = "",
) -> Table:
    """A Table of ``frame``'s columns: ``columns`` are (frame column, header, kind) triples."""
    data = frame[[c for c, _, _ in columns]].reset_index(drop=True)
    return Table(
        key,
        title,
        tuple(h for _, h, _ in columns),
        tuple(k for *_, k in columns),
        data,
        sheet=sheet,
    )
