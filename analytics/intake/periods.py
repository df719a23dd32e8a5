"""Periods as people write them, parsed to the warehouse's first-day-of-quarter.

Quarters follow the one grammar of :class:`analytics.quarter.Quarter` (``2024Q3``, ``Q3 2024``,
``III кв. 2024``, ``3 кв 2024``, ``III квартал 2024 г.``, or any date inside the quarter such
as ``31.12.2024``). Years (``2025``, ``2025 г.``) are accepted where a period may be a year.
Validation parses once per distinct text (analytics/intake/validate.py), so a million rows
with forty distinct quarters cost forty parses.
"""

from __future__ import annotations

import datetime as dt
import re

from analytics.quarter import YEAR_SUFFIX, Quarter, clean_text, looks_like_quarter, parse_date

__all__ = [
    "current_quarter",
    "looks_like_quarter",
    "parse_date",
    "parse_period",
    "parse_quarter",
]

# A bare year reads as a target year only in the range of plausible reporting years.
YEAR_PATTERN = re.compile(rf"^(?P<y>(?:19|20)\d\d){YEAR_SUFFIX}$", re.I)


def parse_quarter(text: str) -> dt.date | None:
    """The first day of the quarter ``text`` names (or contains); None if it names none."""
    quarter = Quarter.try_parse(text)
    return quarter.start if quarter else None


def parse_period(text: str) -> tuple[str, dt.date] | None:
    """A target period: ``("year", 2025-01-01)`` for a year, ``("quarter", start)`` otherwise."""
    value = clean_text(text)
    match = YEAR_PATTERN.match(value)
    if match:
        return "year", dt.date(int(match["y"]), 1, 1)
    start = parse_quarter(value)
    return ("quarter", start) if start else None


def current_quarter(today: dt.date | None = None) -> dt.date:
    """The first day of the quarter containing ``today`` (default: the system's date)."""
    return Quarter.current(today).start
