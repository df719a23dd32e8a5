"""Quarters and dates as people write them, parsed to the warehouse's first-day-of-quarter.

Accepted quarters: ``2024Q3``, ``2024-Q3``, ``2024 Q3``, ``Q3 2024``, ``III кв. 2024``,
``3 кв 2024``, ``III квартал 2024 г.``, and any date inside the quarter (``31.12.2024``,
``2024-12-31``). Years (``2025``, ``2025 г.``) are accepted where a period may be a year.
Parsing runs once per distinct text and is mapped back, so a million rows with forty
distinct quarters cost forty parses.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}
_Q = r"(?P<q>[1-4]|I{1,3}|IV)"
_Y = r"(?P<y>(?:19|20)\d\d)"
_YEAR_SUFFIX = r"(?:\s*(?:г|р|рік|год|року|year)\.?)?"
_QUARTER_WORD = r"(?:кв|квартал|кварт|qtr|quarter)\.?"
QUARTER_PATTERNS = [
    re.compile(rf"^{_Y}\s*[-/ ]?\s*[QqКк]{_Q}$"),
    re.compile(rf"^[QqКк]{_Q}\s*[-/ ]?\s*{_Y}$"),
    re.compile(rf"^{_Q}\s*-?\s*(?:й\s*|ий\s*)?{_QUARTER_WORD}\s*{_Y}{_YEAR_SUFFIX}$", re.I),
    re.compile(rf"^{_Y}{_YEAR_SUFFIX}\s*,?\s*{_Q}\s*-?\s*(?:й\s*)?{_QUARTER_WORD}$", re.I),
]
DATE_PATTERNS = [
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?:\s*(?:г|р)\.?)?$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"),
]
YEAR_PATTERN = re.compile(rf"^{_Y}{_YEAR_SUFFIX}$", re.I)


def _clean(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", str(text)).strip()


def parse_date(text: str) -> dt.date | None:
    """A calendar date from ``31.12.2024``, ``2024-12-31`` or ``31/12/2024``; None if not one."""
    value = _clean(text)
    for pattern in DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def parse_quarter(text: str) -> dt.date | None:
    """The first day of the quarter ``text`` names (or contains); None if it names none."""
    value = _clean(text)
    for pattern in QUARTER_PATTERNS:
        match = pattern.match(value)
        if match:
            q = match["q"].upper()
            number = ROMAN[q] if q in ROMAN else int(q)
            return dt.date(int(match["y"]), 3 * number - 2, 1)
    day = parse_date(value)
    return quarter_start(day) if day else None


def parse_period(text: str) -> tuple[str, dt.date] | None:
    """A target period: ``("year", 2025-01-01)`` for a year, ``("quarter", start)`` otherwise."""
    value = _clean(text)
    match = YEAR_PATTERN.match(value)
    if match:
        return "year", dt.date(int(match["y"]), 1, 1)
    start = parse_quarter(value)
    return ("quarter", start) if start else None


def looks_like_quarter(text: object) -> bool:
    """True for a column header that names a quarter (the wide layout of statistics offices)."""
    return text is not None and any(p.match(_clean(str(text))) for p in QUARTER_PATTERNS)


def map_unique(values: pd.Series, parse) -> pd.Series:
    """Apply ``parse`` once per distinct non-empty value; empty cells stay missing."""
    distinct = values.dropna().unique()
    lookup = {v: parse(v) for v in distinct}
    return values.map(lookup)


def current_quarter(today: dt.date | None = None) -> dt.date:
    return quarter_start(today or dt.date.today())
