"""What a report is made of, independent of the file format: sections of paragraphs, typed
tables and charts.

The builders (``document``, ``policy``, ``charts``) produce these and the writers (``pdf``,
``docx``, ``xlsx``) lay them out; both sides import this module and nothing of each other,
so the PDF, DOCX and XLSX of a report always carry the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from analytics.i18n.cells import CellKind


@dataclass(frozen=True)
class Table:
    """A table with typed values: ``frame`` columns in order, ``kinds`` says how each is
    formatted (analytics.i18n.cells)."""

    key: str  # short identifier (sheet names, tests)
    title: str
    headers: tuple[str, ...]
    kinds: tuple[CellKind, ...]
    frame: pd.DataFrame
    # per row: "" or "alert" (behind, no report) / "warning" (incomplete, late) for shading
    row_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    png: bytes
    data: pd.DataFrame  # the plotted numbers: first column the category, then series
    kind: Literal["bar", "line"]


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


@dataclass(frozen=True)
class ReportContent:
    lang: str
    title: str
    subtitle: str
    scope: str
    generated_on: dt.date
    simulated_notice: str | None
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def charts(self) -> list[Chart]:
        return [chart for section in self.sections for chart in section.charts]


def table(
    key: str, title: str, columns: Sequence[tuple[str, str, CellKind]], frame: pd.DataFrame
) -> Table:
    """A Table of ``frame``'s columns: ``columns`` are (frame column, header, kind) triples."""
    data = frame[[c for c, _, _ in columns]].reset_index(drop=True)
    return Table(key, title, tuple(h for _, h, _ in columns), tuple(k for *_, k in columns), data)
