"""A calendar quarter as a value: the one place that parses, orders, shifts and names quarters.

The warehouse stores a quarter as the DATE of its first day; everything above it speaks
:class:`Quarter`. Conversions happen at the edges: :meth:`Quarter.of` for a date read from
SQL, the vectorised :func:`quarter_index` / :func:`quarter_start_series` for whole columns,
:meth:`Quarter.parse` for text people write, :attr:`Quarter.label` (``"2025Q4"``) for URLs,
the command line and JSON, and :meth:`Quarter.text` for the words a reader sees.

Text accepted by :meth:`Quarter.parse` (the intake grammar): ``2024Q3``, ``2024-Q3``,
``2024 Q3``, ``2024_Q3``, ``Q3 2024``, ``2024К3``, ``III кв. 2024``, ``3 кв 2024``,
``III квартал 2024 г.``, ``2024 г. 3 кв.`` and any date inside the quarter (``31.12.2024``,
``2024-12-31``, ``31/12/2024``).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.messages import t

ROMAN = ("I", "II", "III", "IV")
_ROMAN_NUMBER = {r: i + 1 for i, r in enumerate(ROMAN)}
# Regex fragments, shared with the intake's year grammar (analytics/intake/periods.py).
YEAR_SUFFIX = r"(?:\s*(?:г|р|рік|год|року|year)\.?)?"
_Q = r"(?P<q>[1-4]|I{1,3}|IV)"
_Y = r"(?P<y>\d{4})"
_SEP = r"\s*[-_/. ]?\s*"
_LETTER = r"[QqКк]\s*"
_QUARTER_WORD = r"(?:кв|квартал|кварт|qtr|quarter)\.?"
QUARTER_PATTERNS = (
    re.compile(rf"^{_Y}{_SEP}{_LETTER}{_Q}$"),
    re.compile(rf"^{_LETTER}{_Q}{_SEP}{_Y}$"),
    re.compile(rf"^{_Q}\s*-?\s*(?:й\s*|ий\s*)?{_QUARTER_WORD}\s*{_Y}{YEAR_SUFFIX}$", re.I),
    re.compile(rf"^{_Y}{YEAR_SUFFIX}\s*,?\s*{_Q}\s*-?\s*(?:й\s*)?{_QUARTER_WORD}$", re.I),
)
DATE_PATTERNS = (
    re.compile(r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})(?:\s*(?:г|р)\.?)?$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"),
)
# numpy counts months from 1970-01; a quarter index is (year * 12 + month - 1) // 3.
_EPOCH_MONTHS = 1970 * 12


def clean_text(text: object) -> str:
    """``text`` with runs of spaces (also no-break and narrow no-break) as one space, stripped."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", str(text)).strip()


def parse_date(text: str) -> dt.date | None:
    """A calendar date from ``31.12.2024``, ``2024-12-31`` or ``31/12/2024``; None if not one."""
    value = clean_text(text)
    for pattern in DATE_PATTERNS:
        match = pattern.match(value)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def looks_like_quarter(text: object) -> bool:
    """True for text that names a quarter (not a date): a wide table's column header."""
    return text is not None and any(p.match(clean_text(text)) for p in QUARTER_PATTERNS)


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: ``Quarter(2025, 4)`` is October-December 2025.

    Frozen, hashable and ordered by time. ``q`` is 1..4; ``year`` lies in 1..9999 (the range
    of :class:`datetime.date`, so :attr:`start` and :attr:`end` always exist).
    """

    year: int
    q: int

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or isinstance(self.q, bool):
            raise TypeError("a quarter's year and number are integers")
        year, q = operator.index(self.year), operator.index(self.q)
        if not 1 <= q <= 4:
            raise ValueError(f"a quarter's number is 1 to 4; got {q}")
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            raise ValueError(f"a quarter's year is {dt.MINYEAR} to {dt.MAXYEAR}; got {year}")
        # numpy integers become plain ints, so equal quarters hash and print alike.
        object.__setattr__(self, "year", int(year))
        object.__setattr__(self, "q", int(q))

    # -- making one
    @classmethod
    def parse(cls, text: str, *, dates: bool = True) -> Quarter:
        """The quarter ``text`` names (or, with ``dates``, the one containing the date it
        writes). Raises ValueError for text that names no quarter."""
        quarter = cls.try_parse(text, dates=dates)
        if quarter is None:
            raise ValueError(f"not a quarter: {text!r} (write it as 2025Q4 or IV кв. 2025)")
        return quarter

    @classmethod
    def try_parse(cls, text: str, *, dates: bool = True) -> Quarter | None:
        """As :meth:`parse`, but None for text that names no quarter."""
        value = clean_text(text)
        for pattern in QUARTER_PATTERNS:
            match = pattern.match(value)
            if match:
                q = match["q"].upper()
                try:
                    return cls(int(match["y"]), _ROMAN_NUMBER.get(q) or int(q))
                except ValueError:
                    return None
        day = parse_date(value) if dates else None
        return cls.of(day) if day is not None and day.year >= dt.MINYEAR else None

    @classmethod
    def of(cls, value: Quarter | dt.date | pd.Timestamp | np.datetime64) -> Quarter:
        """The quarter containing a date, datetime, pandas Timestamp or numpy datetime64."""
        if isinstance(value, Quarter):
            return value
        if isinstance(value, np.datetime64):
            value = pd.Timestamp(value)
        if isinstance(value, dt.date) and value is not pd.NaT:
            return cls(value.year, (value.month - 1) // 3 + 1)
        raise TypeError(
            f"Quarter.of takes a date, Timestamp or datetime64, not {value!r}"
            + (" (text goes to Quarter.parse)" if isinstance(value, str) else "")
        )

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        """The quarter of :attr:`index` ``index`` (year * 4 + q - 1)."""
        year, rest = divmod(operator.index(index), 4)
        return cls(year, rest + 1)

    @classmethod
    def current(cls, today: dt.date | None = None) -> Quarter:
        """The quarter containing ``today`` (default: the system's date)."""
        return cls.of(today if today is not None else dt.date.today())

    # -- reading one
    @property
    def index(self) -> int:
        """Quarters as consecutive integers, to count and step: year * 4 + q - 1."""
        return self.year * 4 + self.q - 1

    @property
    def start(self) -> dt.date:
        """The first day (how the warehouse stores the quarter)."""
        return dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day."""
        if self.q == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.q + 1, 1) - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """``"2025Q4"``: the quarter in URLs, on the command line and in JSON."""
        return f"{self.year}Q{self.q}"

    def text(self, lang: str) -> str:
        """The quarter as a reader writes it: "IV кв. 2025" (ru, uk), "Q4 2025" (en)."""
        return t("quarter.label", lang, roman=ROMAN[self.q - 1], q=self.q, year=self.year)

    def __str__(self) -> str:
        return self.label

    # -- arithmetic
    def shift(self, quarters: int) -> Quarter:
        """The quarter ``quarters`` later (negative: earlier)."""
        return Quarter.from_index(self.index + operator.index(quarters))

    def __add__(self, quarters: Any) -> Quarter:
        if isinstance(quarters, (Quarter, bool)):
            return NotImplemented
        try:
            return self.shift(quarters)
        except TypeError:
            return NotImplemented

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        """``Quarter - Quarter``: quarters between them (int); ``Quarter - n``: n earlier."""
        if isinstance(other, Quarter):
            return self.index - other.index
        if isinstance(other, bool):
            return NotImplemented
        try:
            return self.shift(-operator.index(other))
        except TypeError:
            return NotImplemented


# ---------------------------------------------------------------------------------------
# Whole columns at the SQL boundary (DATE columns arrive as datetime64 or as datetime.date)


def _months(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Months since year 0 (year * 12 + month - 1) and a mask of missing values."""
    if isinstance(getattr(values, "dtype", None), pd.DatetimeTZDtype):  # wall-clock dates
        values = (
            values.dt.tz_localize(None)
            if isinstance(values, pd.Series)
            else values.tz_localize(None)
        )
    array = np.asarray(values)
    if array.dtype.kind != "M":
        array = pd.to_datetime(pd.Series(array.ravel())).to_numpy()  # datetime.date objects
    missing = np.isnat(array)
    months = array.astype("datetime64[M]").astype(np.int64) + _EPOCH_MONTHS
    return np.where(missing, 0, months), missing


def _like(values: Any, result: np.ndarray) -> Any:
    if isinstance(values, pd.Series):
        return pd.Series(result, index=values.index, name=values.name)
    return result


def quarter_index(values: Any) -> Any:
    """Quarter indexes (year * 4 + q - 1, as :attr:`Quarter.index`) of a column of dates.

    Takes a Series, Index or array of dates, Timestamps or datetime64; returns a Series on the
    same index for a Series, a numpy array otherwise: int64, or float64 with NaN where a date
    is missing.
    """
    months, missing = _months(values)
    index = months // 3
    if missing.any():
        index = np.where(missing, np.nan, index)
    return _like(values, index)


def _month_starts(months: np.ndarray, missing: np.ndarray) -> np.ndarray:
    starts = (months - _EPOCH_MONTHS).astype("datetime64[M]").astype("datetime64[ns]")
    starts[missing] = np.datetime64("NaT")
    return starts


def _like_dates(values: Any, dates: np.ndarray) -> Any:
    if isinstance(values, pd.Series):
        return pd.Series(dates, index=values.index, name=values.name)
    return pd.DatetimeIndex(dates)


def quarter_start_series(values: Any) -> Any:
    """The first day of the quarter containing each date (datetime64[ns]; NaT stays NaT).

    A Series in gives a Series on the same index, anything else a DatetimeIndex.
    """
    months, missing = _months(values)
    return _like_dates(values, _month_starts(months - months % 3, missing))


def quarter_end_series(values: Any) -> Any:
    """The last day of the quarter containing each date, as :func:`quarter_start_series`."""
    months, missing = _months(values)
    next_start = _month_starts(months - months % 3 + 3, missing)
    return _like_dates(values, next_start - np.timedelta64(1, "D"))


def index_to_start(indexes: Any) -> pd.DatetimeIndex:
    """The first days of the quarters with these indexes (the inverse of :func:`quarter_index`)."""
    months = np.asarray(indexes, dtype=np.int64) * 3 - _EPOCH_MONTHS
    return pd.DatetimeIndex(months.astype("datetime64[M]").astype("datetime64[ns]"))
