"""Translation catalogue (ru, uk, en) and locale formatting of numbers, dates and quarters.

Messages live in ``catalog/*.yml``, one file per part of the product, each key
holding its ``ru``, ``uk`` and ``en`` text with ``{placeholders}`` for values.
Values are formatted by the caller with :func:`fmt_number`, :func:`fmt_date` or
:func:`fmt_quarter` so that every number reaches the user in their locale.
The OS has no ru/uk locales; Babel carries its own CLDR data.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import os

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal, format_percent

from analytics.messages import (
    CATALOG_DIR,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    YAML_LOADER,
    catalog,
    check_language,
    has_key,
    t,
)
from analytics.quarter import Quarter

# The catalogue itself lives in analytics/messages.py (below the Quarter type, which puts
# itself into words); these names are re-exported so callers import everything from here.
__all__ = [
    "CATALOG_DIR",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "YAML_LOADER",
    "catalog",
    "check_language",
    "currency_word",
    "fmt_date",
    "fmt_minutes",
    "fmt_number",
    "fmt_percent",
    "fmt_period",
    "fmt_quarter",
    "fmt_time",
    "has_key",
    "language_from_env",
    "t",
    "unit_label",
]

BABEL_LOCALES = {"ru": "ru_RU", "uk": "uk_UA", "en": "en_GB"}


def language_from_env(default: str = "en") -> str:
    """Language for command-line output: PARKS_LANG, else the locale in LANG, else ``default``."""
    for var in ("PARKS_LANG", "LANG"):
        value = os.environ.get(var, "")[:2].lower()
        if value in LANGUAGES:
            return value
    return default


def fmt_number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """A number with the locale's grouping and decimal signs; missing values as an en dash."""
    if value is None or value != value:  # NaN
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=BABEL_LOCALES[check_language(lang)])


def fmt_percent(share: float | None, lang: str, decimals: int = 1) -> str:
    """A share (0.25) as a percentage in the locale (25,0 %)."""
    if share is None or share != share:
        return "–"
    locale = BABEL_LOCALES[check_language(lang)]
    # Keep the locale's own pattern (ru/uk put a no-break space before %), set the decimals.
    pattern = Locale.parse(locale).percent_formats[None].pattern
    pattern = pattern.replace("#,##0", "#,##0" + ("." + "0" * decimals if decimals > 0 else ""), 1)
    return format_percent(share, format=pattern, locale=locale)


def fmt_date(value: dt.date | None, lang: str, style: str = "medium") -> str:
    if value is None:
        return "–"
    return format_date(value, format=style, locale=BABEL_LOCALES[check_language(lang)])


def fmt_time(value: dt.datetime, lang: str, tz: dt.tzinfo | None = None) -> str:
    """A moment as a clock time in the locale ("14:35"), in ``tz`` (default: this machine's
    zone). ``value`` must carry its zone."""
    zone = tz or dt.datetime.now().astimezone().tzinfo
    return format_time(
        value, format="short", tzinfo=zone, locale=BABEL_LOCALES[check_language(lang)]
    )


def fmt_minutes(value: dt.timedelta, lang: str, *, ahead: bool = False) -> str:
    """A duration in whole minutes, rounded up ("15 минут"); ``ahead`` says it as time to
    come ("через 15 минут", "in 15 minutes")."""
    minutes = max(1, math.ceil(value.total_seconds() / 60))
    return format_timedelta(
        dt.timedelta(minutes=minutes),
        granularity="minute",
        threshold=10**9,  # always minutes, never "2 hours" for 90 minutes
        add_direction=ahead,
        locale=BABEL_LOCALES[check_language(lang)],
    )


def fmt_quarter(value: Quarter | dt.date | tuple[int, int], lang: str) -> str:
    """A quarter as users write it: "III кв. 2024" in ru/uk, "Q3 2024" in en.

    ``value`` is a :class:`Quarter`, a date inside the quarter (the warehouse stores quarters
    as their first day) or a ``(year, quarter)`` pair. The words are :meth:`Quarter.text`.
    """
    quarter = Quarter(*value) if isinstance(value, tuple) else Quarter.of(value)
    return quarter.text(lang)


def currency_word(currency: str | None, lang: str) -> str:
    """The one word for a currency in ``lang`` (catalogue ``currency.<ISO code>``: "руб.",
    "грн", "RUB"); ``None`` (money of several currencies): "currency units". A code the
    catalogue does not know stays as its ISO code."""
    key = f"currency.{currency}" if currency else "currency.any"
    return t(key, lang) if has_key(key) else str(currency)


def unit_label(unit: str, lang: str, currency: str | None = None) -> str:
    """A unit code from the indicator catalogue in words ("млн руб.", "persons", "га");
    money in ``currency`` (an ISO 4217 code, None for several currencies)."""
    return t(f"unit.{unit}", lang, currency=currency_word(currency, lang))


def fmt_period(value: Quarter | dt.date | int, frequency: str, lang: str) -> str:
    """A period of an indicator of ``frequency`` (the catalogue's ``quarter`` or ``year``):
    a quarter as :func:`fmt_quarter` writes it, a year as "2024 г." / "2024 р." / "2024".

    ``value`` is a date inside the period (the warehouse keeps a year as its 1 January), a
    :class:`Quarter`, or a year as an integer."""
    if frequency == "year":
        year = int(value) if isinstance(value, numbers.Integral) else Quarter.of(value).year
        return t("period.year", lang, year=str(year))
    if frequency != "quarter":
        raise ValueError(f"frequency must be 'quarter' or 'year'; got {frequency!r}")
    return fmt_quarter(value, lang)
