"""Region and municipality names as statistics offices and ministries print them.

A name is reduced to a *key*: lower case, ``ё`` as ``е``, punctuation and dashes as spaces,
the abbreviations of official forms written out ("обл." → область, "Респ" → республика,
"АО" → автономный округ, "АР" → автономна республіка), the words that only say "city" dropped
("г.", "город федерального значения", "м.", "місто"), and the words sorted (each once), so that
"Кемеровская обл.", "КЕМЕРОВСКАЯ ОБЛАСТЬ" and "область Кемеровская" are one key.

Every subdivision's names (official, in ru/uk/en, and the short forms FIAS/KLADR use) give
its keys, each in full, without a parenthesis, and by its parts: "Республика Татарстан
(Татарстан)" also answers to "Республика Татарстан" and "Татарстан", "Кемеровская область -
Кузбасс" to "Кемеровская область" and "Кузбасс", an oblast also to its adjective alone
("Вінницька", as Ukrstat's tables print it). No alias is written by hand except the few
short forms in ``data/registries/region_aliases.csv``, each with its source.

The registry follows ISO 3166-2. The territories article 65 of Russia's constitution lists
and ISO 3166-2:RU does not (``data/registries/ru_outside_iso.csv``: Республика Крым,
Севастополь and the four of 2022) are known by those names as territories outside a
registry that lacks them, as are the subdivisions of the other country: a statistics table's
rows for them are left out (registries.intake), never taken for a registry region.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from analytics.registries.subdivisions import DATA_DIR, all_subdivisions, ru_table

_NOT_WORD = re.compile(r"[^0-9a-zа-яіїєґ']+")
_PARENTHESIS = re.compile(r"\(([^()]*)\)")
_DASH = re.compile(r"\s+[-–—]\s+|[–—]")
_CITY_PHRASES = (
    "город федерального значения",
    "місто зі спеціальним статусом",
    "місто з особливим статусом",
)
# Abbreviations written out; a word maps to the words it stands for.
_EXPAND = {
    "обл": ("область",),
    "кр": ("край",),
    "респ": ("республика",),
    "ао": ("автономный", "округ"),
    "аобл": ("автономная", "область"),
    "авт": ("автономный",),
    "ар": ("автономна", "республіка"),
    "аср": ("автономна", "республіка"),
}
# Words that only say the place is a city (region level: Moscow, Kyiv, Sevastopol).
_CITY_WORDS = frozenset({"г", "гор", "город", "м", "міс", "місто", "city", "of"})
# Municipality level: words naming the settlement's kind, not the place.
_SETTLEMENT_WORDS = _CITY_WORDS | frozenset(
    {"пгт", "смт", "с", "село", "селище", "рп", "town", "village", "settlement"}
)


def _words(text: object) -> list[str]:
    value = str(text).lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    value = value.replace("`", "'")
    for phrase in _CITY_PHRASES:
        value = value.replace(phrase, " ")
    words = []
    for word in _NOT_WORD.sub(" ", value).split():
        words.extend(_EXPAND.get(word, (word,)))
    return words


def place_key(text: object, drop: frozenset[str] = _CITY_WORDS) -> str:
    """The key a region name is compared by (see the module docstring)."""
    words = [w for w in _words(text) if w not in drop and w != "'"]
    return " ".join(sorted(set(words)))  # "… округ - Югра АО" repeats "автономный округ"


def municipality_key(text: object) -> str:
    """The key of a municipality name: as :func:`place_key`, also without "пгт", "смт"..."""
    return place_key(text, _SETTLEMENT_WORDS)


def name_forms(name: str) -> Iterator[str]:
    """A name, the name without its parentheses, each parenthesis, and its dash-joined parts
    ("Чувашская Республика - Чувашия" → "Чувашская Республика", "Чувашия")."""
    if not isinstance(name, str) or not name.strip():
        return
    yield name
    bare = _PARENTHESIS.sub(" ", name).strip()
    yield bare
    yield from (inner.strip() for inner in _PARENTHESIS.findall(name))
    parts = [p.strip() for p in _DASH.split(bare) if p.strip()]
    if len(parts) > 1:
        yield from parts
    # Ukrstat's tables print oblasts by their adjective alone ("Вінницька", "Луганська").
    for part in parts:
        if part.endswith(" область"):
            yield part[: -len(" область")]


@cache
def _extra_aliases() -> tuple[tuple[str, str], ...]:
    with (DATA_DIR / "region_aliases.csv").open(encoding="utf-8", newline="") as handle:
        rows = [(r["iso_code"], r["alias"]) for r in csv.DictReader(handle)]
    rows += [(code, row["kladr_name"]) for code, row in ru_table().items()]
    return tuple(rows)


def shipped_names(code: str) -> list[str]:
    """Every name the shipped registries know for a subdivision code (ISO 3166-2)."""
    table = _known()
    names = list(table.get(code, ()))
    names += [alias for iso, alias in _extra_aliases() if iso == code]
    return names


@cache
def outside_iso_names() -> tuple[str, ...]:
    """Territories Rosstat's tables list that ISO 3166-2:RU does not (see the docstring)."""
    with (DATA_DIR / "ru_outside_iso.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(row["name_ru"] for row in csv.DictReader(handle))


@cache
def _known() -> dict[str, tuple[str, ...]]:
    frame = all_subdivisions()
    return {row.region_code: (row.name_ru, row.name_uk, row.name_en) for row in frame.itertuples()}


def _keys(names: Iterable[str]) -> set[str]:
    return {key for name in names for form in name_forms(name) if (key := place_key(form))}


@dataclass
class RegionLookup:
    """Codes and names (any language, any printed form) → region code of the registry,
    with the nearest registry name suggested when none fits, and the subdivisions the file
    may name that the registry does not hold (``outside``)."""

    reference: pd.DataFrame  # code, name_ru, name_uk, name_en of the registry's regions
    lang: str
    to_code: dict[str, str] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)
    display: dict[str, str] = field(default_factory=dict)
    outside_codes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        codes = {str(c): str(c) for c in self.reference["code"]}
        self.codes = {str(c).lower(): str(c) for c in codes}
        for row in self.reference.itertuples():
            code = str(row.code)
            names = [n for n in (row.name_ru, row.name_uk, row.name_en) if isinstance(n, str)]
            for key in _keys([*names, *shipped_names(code)]):
                self._add(key, code)
            name = getattr(row, f"name_{self.lang}")
            self.display[code] = f"{name} ({code})" if isinstance(name, str) else code
        for code, _ in _known().items():
            if code in codes:
                continue
            for key in _keys(shipped_names(code)):
                if key not in self.to_code:
                    self.outside_codes.setdefault(key, code)
        for name in outside_iso_names():
            for key in _keys([name]):
                if key not in self.to_code:
                    self.outside_codes.setdefault(key, name)

    def _add(self, key: str, code: str) -> None:
        known = self.to_code.get(key)
        if known is not None and known != code:
            self.ambiguous.add(key)
        self.to_code.setdefault(key, code)

    def code(self, text: str) -> str | None:
        """The registry code ``text`` names, or None (unknown or ambiguous)."""
        exact = self.codes.get(str(text).strip().lower())
        if exact:
            return exact
        key = place_key(text)
        return None if key in self.ambiguous else self.to_code.get(key)

    def outside(self, text: str) -> str | None:
        """The code (or, for a territory outside ISO 3166-2, the name) of a known territory
        ``text`` names that the registry does not hold."""
        return None if self.code(text) else self.outside_codes.get(place_key(text))

    def suggest(self, text: str) -> str | None:
        close = difflib.get_close_matches(place_key(text), self.to_code, n=1, cutoff=0.6)
        return self.display[self.to_code[close[0]]] if close else None


class MunicipalityLookup:
    """Municipality codes, and names within their region (the same name recurs in many
    regions: "Первомайский район" is only one place once the region is known)."""

    def __init__(self, reference: pd.DataFrame, lang: str) -> None:
        self.codes = {str(c).lower(): str(c) for c in reference["code"]}
        self.scoped: dict[tuple[str, str], str] = {}
        self.ambiguous: set[tuple[str, str]] = set()
        self.display: dict[str, str] = {}
        for row in reference.itertuples():
            code = str(row.code)
            for name in (row.name_ru, row.name_uk, row.name_en):
                if not isinstance(name, str):
                    continue
                for form in name_forms(name):
                    scoped = (str(row.region_code), municipality_key(form))
                    if self.scoped.setdefault(scoped, code) != code:
                        self.ambiguous.add(scoped)
            name = getattr(row, f"name_{lang}")
            self.display[code] = f"{name} ({code})" if isinstance(name, str) else code

    def code(self, text: str, region: str | None) -> str | None:
        exact = self.codes.get(str(text).strip().lower())
        if exact or region is None:
            return exact
        scoped = (region, municipality_key(text))
        return None if scoped in self.ambiguous else self.scoped.get(scoped)

    def suggest(self, text: str, region: str | None) -> str | None:
        keys = {k: c for (r, k), c in self.scoped.items() if region is None or r == region}
        close = difflib.get_close_matches(municipality_key(text), keys, n=1, cutoff=0.6)
        return self.display[keys[close[0]]] if close else None
