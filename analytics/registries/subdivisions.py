"""First-level subdivisions of Russia and Ukraine as the region registry holds them.

Codes are ISO 3166-2 (pycountry, which ships the Debian iso-codes tables); the official
statistical code of each country's classifier (OKATO for Russia, KATOTTH for Ukraine), the
Russian official names and the type come from ``data/registries/*.csv``, each with its source
in ``data/sources.yml``. Names in other languages are pycountry's translations; where a
translation is missing the official name in the country's own language stands in (never a
name we made up; also where two subdivisions share one translation, a slip of the
catalogue), and ``name_en`` is the ISO 3166-2 romanisation.
"""

from __future__ import annotations

import csv
import gettext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pycountry

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "registries"
COUNTRIES: tuple[str, ...] = ("RU", "UA")
# ISO 4217 currency each country's values are stated in.
CURRENCIES = {"RU": "RUB", "UA": "UAH"}
# The language a country's official names are written in.
OWN_LANGUAGE = {"RU": "ru", "UA": "uk"}
UA_TYPES = {"Region": "oblast", "City": "city", "Republic": "republic"}
REGION_COLUMNS = [
    "region_code",
    "country_code",
    "stat_code",
    "region_type",
    "name_ru",
    "name_uk",
    "name_en",
]


@dataclass(frozen=True)
class Country:
    code: str
    name_ru: str
    name_uk: str
    name_en: str
    currency: str


@cache
def _translation(lang: str, domain: str = "iso3166-2") -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang])


def translated(name: str, lang: str, domain: str = "iso3166-2") -> str | None:
    """pycountry's translation of an ISO name, or None when its catalogue has none."""
    text = _translation(lang, domain).gettext(name)
    return text if text != name else None


def english_name(iso_name: str) -> str:
    """The ISO 3166-2 romanised name in reading order: ISO lists "Tatarstan, Respublika" to
    sort by the proper name; a reader expects "Respublika Tatarstan"."""
    if ", " in iso_name:
        proper, kind = iso_name.split(", ", 1)
        return f"{kind} {proper}"
    return iso_name


def country(code: str) -> Country:
    """The country row (names from pycountry's ISO 3166-1 tables and translations)."""
    check_country(code)
    iso = pycountry.countries.get(alpha_2=code)
    names = {lang: translated(iso.name, lang, "iso3166-1") or iso.name for lang in ("ru", "uk")}
    return Country(code, names["ru"], names["uk"], iso.name, CURRENCIES[code])


def check_country(code: str) -> str:
    if code not in COUNTRIES:
        raise ValueError(f"country must be one of {', '.join(COUNTRIES)}; got {code!r}")
    return code


def _read(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def ru_table() -> dict[str, dict[str, str]]:
    """data/registries/ru_regions.csv by ISO code: okato, oktmo, type, federal district,
    official Russian name, the FIAS/KLADR short name."""
    return {row["iso_code"]: row for row in _read("ru_regions.csv")}


@cache
def ua_table() -> dict[str, dict[str, str]]:
    """data/registries/ua_regions.csv by ISO code: KATOTTH code, category, Ukrainian name."""
    return {row["iso_code"]: row for row in _read("ua_regions.csv")}


@cache
def _subdivisions(code: str) -> pd.DataFrame:
    rows = []
    own = ru_table() if code == "RU" else ua_table()
    for sub in sorted(pycountry.subdivisions.get(country_code=code), key=lambda s: s.code):
        if sub.parent_code is not None:
            continue  # first level only
        extra = own[sub.code]
        if code == "RU":
            names = {"ru": extra["name_ru"], "uk": translated(sub.name, "uk")}
            stat_code, region_type = extra["okato"], extra["region_type"]
        else:
            names = {"uk": extra["name_uk"], "ru": translated(sub.name, "ru")}
            stat_code, region_type = extra["katotth"], UA_TYPES[sub.type]
        official = names[OWN_LANGUAGE[code]]
        rows.append(
            {
                "region_code": sub.code,
                "country_code": code,
                "stat_code": stat_code,
                "region_type": region_type,
                "name_ru": names["ru"] or official,
                "name_uk": names["uk"] or official,
                "name_en": english_name(sub.name),
            }
        )
    frame = pd.DataFrame(rows, columns=REGION_COLUMNS)
    # pycountry's catalogues have slips (its Ukrainian file names both Krasnodar and
    # Krasnoyarsk krai "Краснодарський край"): a translation two subdivisions share is not
    # trusted, and the official name in the country's own language stands in.
    official = frame[f"name_{OWN_LANGUAGE[code]}"]
    for lang in ("ru", "uk"):
        shared = frame[f"name_{lang}"].duplicated(keep=False)
        frame.loc[shared, f"name_{lang}"] = official[shared]
    return frame


def subdivisions(code: str) -> pd.DataFrame:
    """The country's first-level subdivisions, one row each (columns REGION_COLUMNS)."""
    return _subdivisions(check_country(code)).copy()


def all_subdivisions() -> pd.DataFrame:
    """Both countries' subdivisions, for recognising names of regions outside a registry."""
    return pd.concat([subdivisions(c) for c in COUNTRIES], ignore_index=True)
