"""The one cell formatter: how a typed value in a table reads in the user's locale.

Screens (the app's tables and metric tiles) and documents (PDF, DOCX) format every cell
here, so a value reads the same on a page and in a report: a count with the locale's
grouping, money with one decimal, a share as a percentage, a year without grouping. XLSX
keeps numbers as numbers and gives each kind a number format of its own
(``analytics.reports.xlsx``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, get_args

import pandas as pd

from analytics.i18n import fmt_date, fmt_number, fmt_percent
from analytics.spreadsheet import neutralise

CellKind = Literal[
    "text", "code", "int", "num1", "num2", "pct", "date", "signed", "pct_change", "year"
]
CELL_KINDS: tuple[str, ...] = get_args(CellKind)
MISSING = "–"

# The display kind of an indicator's unit (analytics/warehouse/seeds/indicators.yml); money
# and areas not listed here take one decimal.
UNIT_KINDS: dict[str, CellKind] = {
    "share": "pct",
    "persons": "int",
    "firms": "int",
    "year": "year",
    "currency_per_month": "int",
    "mln_currency_per_job": "num2",  # 0.55 mln per job would round to 0.6 with one decimal
    "ratio": "num2",
    "persons_per_ha": "num2",
    "mln_currency_per_ha": "num2",
}


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pd.NA (scalars only)."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _signed(text: str, value: float) -> str:
    return ("+" if value > 0 else "") + text


def format_cell(value: Any, kind: CellKind, lang: str) -> str:
    """A typed value as text in ``lang``; a missing value as an en dash."""
    if is_missing(value):
        return MISSING
    if kind in ("text", "code"):  # code: a short identifier, given a narrow column
        # Neutralised: the app table's own CSV download and copy do not guard against
        # spreadsheet formulas, and documents are copied into spreadsheets too.
        return neutralise(str(value))
    if kind == "date":
        return fmt_date(pd.Timestamp(value).date(), lang)
    if kind == "year":  # no digit grouping: 2025, not 2 025
        return str(int(value))
    number = float(value)
    if kind == "int":
        return fmt_number(number, lang, 0)
    if kind == "num1":
        return fmt_number(number, lang, 1)
    if kind == "num2":
        return fmt_number(number, lang, 2)
    if kind == "pct":
        return fmt_percent(number, lang, 1)
    if kind == "signed":
        return _signed(fmt_number(number, lang, 0), number)
    if kind == "pct_change":
        return _signed(fmt_percent(number, lang, 1), number)
    raise ValueError(f"cell kind must be one of {', '.join(CELL_KINDS)}; got {kind!r}")


def unit_kind(unit: str) -> CellKind:
    """The display kind of an indicator unit (money and areas with one decimal)."""
    return UNIT_KINDS.get(unit, "num1")


def display_frame(
    frame: pd.DataFrame, columns: Iterable[tuple[str, str, CellKind]], lang: str
) -> pd.DataFrame:
    """``frame`` as text for a screen table: ``columns`` are (column, header, kind) triples.

    Numbers become text in the user's locale because a browser table would show them in the
    browser's (often English) format."""
    return pd.DataFrame(
        {
            header: [format_cell(v, kind, lang) for v in frame[column]]
            for column, header, kind in columns
        }
    )
