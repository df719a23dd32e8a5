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
import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal, format_percent, get_currency_symbol

LANGUAGES: tuple[str, ...] = ("ru", "uk", "en")
DEFAULT_LANGUAGE = "ru"
BABEL_LOCALES = {"ru": "ru_RU", "uk": "uk_UA", "en": "en_GB"}
CATALOG_DIR = Path(__file__).with_name("catalog")
ROMAN_QUARTERS = ("I", "II", "III", "IV")
# libyaml's loader parses the catalogue ~10x faster than the pure-Python one (every command
# and app start reads it); PyYAML wheels ship it, the fallback keeps plain installs working.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalog() -> dict[str, dict[str, str]]:
    """All messages, merged from every catalogue file; a key defined twice is an error."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOG_DIR.glob("*.yml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}
        for key, texts in entries.items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice (again in {path.name})")
            merged[key] = texts
    return merged


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return lang


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``params`` substituted. Unknown keys raise KeyError."""
    check_language(lang)
    text = catalog()[key][lang]
    return text.format(**params) if params else text


def has_key(key: str) -> bool:
    return key in catalog()


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


def fmt_quarter(value: dt.date | tuple[int, int], lang: str) -> str:
    """A quarter as users write it: "III кв. 2024" in ru/uk, "Q3 2024" in en.

    ``value`` is the first day of the quarter (how the warehouse stores quarters)
    or a ``(year, quarter)`` pair.
    """
    if isinstance(value, tuple):
        year, quarter = value
    else:
        year, quarter = value.year, (value.month - 1) // 3 + 1
    return t("quarter.label", lang, roman=ROMAN_QUARTERS[quarter - 1], q=quarter, year=year)


def unit_label(unit: str, lang: str, currency: str | None = None) -> str:
    """A unit code from the indicator catalogue in words ("млн ₽", "persons", "га").

    ``currency`` is an ISO 4217 code; without one, money units say "currency units".
    """
    symbol = (
        get_currency_symbol(currency, locale=BABEL_LOCALES[check_language(lang)])
        if currency
        else t("unit.currency_units", lang)
    )
    return t(f"unit.{unit}", lang, currency=symbol)
