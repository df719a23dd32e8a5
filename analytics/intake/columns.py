"""What each kind of file holds: columns, types, units, allowed values and header aliases.

Header aliases come from two places: the indicator catalogue (its ru/uk/en names) for
indicator columns, and the intake message catalogue (``intake.col.<name>`` and
``intake.alias.<name>``, ``|``-separated) for keys and registry fields. Headers are compared
after :func:`normalise_header`, so case, ``ё``, punctuation and a trailing unit do not matter.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

import pandas as pd

from analytics.i18n import LANGUAGES, catalog, t
from analytics.warehouse.build import indicator_catalogue

Kind = Literal[
    "park",
    "park_quarter",
    "park_target",
    "region_quarter",
    "municipality_quarter",
    "region",
    "municipality",
]
KINDS: tuple[str, ...] = (
    "park",
    "park_quarter",
    "park_target",
    "region_quarter",
    "municipality_quarter",
    "region",
    "municipality",
)
# Registry kinds whose rows carry names in ru/uk/en: a row needs one of them, and a name given
# in one language stands in for the others until translated.
NAMED_KINDS = frozenset({"park", "region", "municipality"})
DType = Literal["text", "number", "date", "quarter", "period", "enum", "ref", "bool"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an import file. ``unit`` is a unit code of the indicator catalogue."""

    name: str
    dtype: DType
    required: bool = False
    nonnegative: bool = False
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    example: str = ""
    # Values outside this range are accepted with a warning (plausibility, not validity).
    plausible: tuple[float, float] | None = None
    # Warn when the value moves by more than a factor of 10 against the previous quarter.
    jump_check: bool = False
    # For dtype "ref": what the value points at (park, region, municipality, indicator).
    ref: str | None = None


@dataclass(frozen=True)
class KindSpec:
    kind: str
    keys: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


PARK_TYPES = ("industrial_park", "technopark", "sez", "industrial_site")
PARK_STATUSES = ("project", "under_construction", "operating", "closed")
OWNERSHIPS = ("public", "private", "public_private")
PERIOD_TYPES = ("year", "quarter")
# Municipality types: a city, a district (raion, municipal district), a community (hromada,
# municipal or urban okrug), a settlement (village, urban-type settlement).
MUNICIPALITY_TYPES = ("city", "district", "community", "settlement")
REGION_TYPES = ("oblast", "krai", "republic", "city", "autonomous_okrug", "autonomous_oblast")
ENUM_FIELDS = {
    "park_type": PARK_TYPES,
    "status": PARK_STATUSES,
    "ownership": OWNERSHIPS,
    "period_type": PERIOD_TYPES,
    "kind": MUNICIPALITY_TYPES,
    "region_type": REGION_TYPES,
}
# Plausible ranges (warnings): monthly wage in the country's currency, quarterly money
# flows in millions. Wide on purpose: they catch unit slips (roubles typed as thousands).
WAGE_RANGE = (1_000.0, 1_000_000.0)
MONEY_RANGE = (0.0, 100_000.0)


@cache
def catalogue() -> pd.DataFrame:
    """The indicator catalogue, parsed once per process (the seed is read-only at run time)."""
    return indicator_catalogue()


# Levels at the end of a quarter move slowly; a tenfold jump is a unit slip. Quarterly flows
# (investment, taxes, subsidies) are lumpy by nature and are not checked this way.
STOCKS = frozenset(
    {"jobs_total", "avg_wage", "residents_count", "area_occupied_ha", "investment_cumulative"}
)


def _park_indicator_columns() -> tuple[ColumnSpec, ...]:
    cat = catalogue()
    reported = cat[(cat.entity == "park") & (cat.kind == "reported")]
    columns = []
    for row in reported.itertuples():
        if row.code in {"investment_total", "taxes_total"}:
            continue  # sums the warehouse computes; a file's own total is ignored
        plausible = None
        if row.code == "avg_wage":
            plausible = WAGE_RANGE
        elif row.unit == "mln_currency":
            plausible = MONEY_RANGE
        columns.append(
            ColumnSpec(
                row.code,
                "number",
                nonnegative=True,
                unit=row.unit,
                example=_EXAMPLES.get(row.code, "10"),
                plausible=plausible,
                jump_check=row.code in STOCKS,
            )
        )
    return tuple(columns)


_EXAMPLES = {
    "investment_own": "125,4",
    "investment_cumulative": "3 250,0",
    "jobs_total": "640",
    "jobs_created": "35",
    "avg_wage": "68 500",
    "residents_count": "18",
    "residents_new": "2",
    "residents_left": "0",
    "area_occupied_ha": "42,5",
    "area_free_ha": "17,5",
}


@cache
def kind_spec(kind: str) -> KindSpec:
    """The column specification of an import kind; ValueError names the allowed kinds."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    park_id = ColumnSpec("park_id", "ref", required=True, ref="park", example="P001")
    quarter = ColumnSpec("quarter", "quarter", required=True, example="2024Q3")
    if kind == "park":
        area = {"dtype": "number", "nonnegative": True, "unit": "ha"}
        columns = (
            ColumnSpec("park_id", "text", required=True, example="P001"),
            ColumnSpec("name_ru", "text", example="Технопарк «Северный»"),
            ColumnSpec("name_uk", "text", example="Технопарк «Північний»"),
            ColumnSpec("name_en", "text", example="Northern Technopark"),
            ColumnSpec(
                "park_type", "enum", required=True, allowed=PARK_TYPES, example="technopark"
            ),
            # 006: a registry row states what its source states; status, ownership and the
            # municipality may be unknown (blank), never filled in by guess.
            ColumnSpec("status", "enum", allowed=PARK_STATUSES, example="operating"),
            ColumnSpec("ownership", "enum", allowed=OWNERSHIPS, example="public"),
            ColumnSpec("region_code", "ref", required=True, ref="region", example="UA-09"),
            ColumnSpec("municipality_code", "ref", ref="municipality", example="Попасна"),
            ColumnSpec("latitude", "number", example="55,75"),
            ColumnSpec("longitude", "number", example="37,62"),
            ColumnSpec("total_area_ha", example="120", **area),
            ColumnSpec("leasable_area_ha", example="95", **area),
            ColumnSpec("founded_on", "date", example="01.03.2019"),
            ColumnSpec("registered_on", "date", example="15.06.2019"),
            ColumnSpec("first_resident_on", "date", example="01.02.2020"),
            ColumnSpec("closed_on", "date", example=""),
            # Migration 005 (statutory monitoring): legal milestones and physical parameters.
            ColumnSpec("management_company_on", "date", example="01.09.2019"),
            ColumnSpec("operating_on", "date", example="01.03.2020"),
            ColumnSpec("excluded_on", "date", example=""),
            ColumnSpec("exclusion_reason", "text", example=""),
            ColumnSpec("production_area_ha", example="70", **area),
            ColumnSpec("electricity_mw", "number", nonnegative=True, example="25"),
            ColumnSpec("gas_m3_per_hour", "number", nonnegative=True, example="15 000"),
            ColumnSpec("water_m3_per_day", "number", nonnegative=True, example="8 000"),
            ColumnSpec("in_register", "bool", example="так"),
            ColumnSpec("source_document", "text", example="Луганська ОДА, 2021"),
            # Not stored: "yes" creates the row's municipality when the registry lacks it.
            ColumnSpec("create_municipality", "bool", example=""),
        )
        return KindSpec(kind, ("park_id",), columns)
    if kind in {"region", "municipality"}:
        return _registry_spec(kind)
    if kind == "park_quarter":
        columns = (
            park_id,
            quarter,
            *_park_indicator_columns(),
            ColumnSpec("reported_on", "date", example="20.10.2024"),
        )
        return KindSpec(kind, ("park_id", "quarter"), columns)
    if kind == "park_target":
        columns = (
            park_id,
            ColumnSpec(
                "indicator", "ref", required=True, ref="park_indicator", example="jobs_total"
            ),
            ColumnSpec("period_type", "enum", allowed=PERIOD_TYPES, example="year"),
            ColumnSpec("period_start", "period", required=True, example="2025"),
            ColumnSpec("target_value", "number", required=True, example="700"),
            ColumnSpec("document", "text", example="Дорожная карта 2023–2027"),
        )
        return KindSpec(kind, ("park_id", "indicator", "period_type", "period_start"), columns)
    area = "region" if kind == "region_quarter" else "municipality"
    columns = (
        ColumnSpec(f"{area}_code", "ref", required=True, ref=area, example="R01"),
        quarter,
        ColumnSpec("indicator", "ref", required=True, ref="area_indicator", example="population"),
        ColumnSpec("value", "number", required=True, example="1 234 567"),
    )
    return KindSpec(kind, (f"{area}_code", "quarter", "indicator"), columns)


def _registry_spec(kind: str) -> KindSpec:
    """Regions and municipalities: codes, the official statistical code, names, type, place,
    population on a date."""
    names = (
        ColumnSpec("name_ru", "text", example="Попасная"),
        ColumnSpec("name_uk", "text", example="Попасна"),
        ColumnSpec("name_en", "text", example="Popasna"),
    )
    place = (
        ColumnSpec("latitude", "number", example="48,63"),
        ColumnSpec("longitude", "number", example="38,38"),
        ColumnSpec("population", "number", nonnegative=True, unit="persons", example="19 000"),
        ColumnSpec("population_on", "date", example="01.01.2022"),
    )
    if kind == "region":
        columns = (
            ColumnSpec("region_code", "text", required=True, example="UA-09"),
            ColumnSpec("country_code", "text", example="UA"),
            ColumnSpec("stat_code", "text", example="UA44000000000018893"),
            *names,
            ColumnSpec("region_type", "enum", allowed=REGION_TYPES, example="oblast"),
            *place,
        )
        return KindSpec(kind, ("region_code",), columns)
    columns = (
        ColumnSpec("municipality_code", "text", required=True, example="UA-09-POPASNA"),
        ColumnSpec("stat_code", "text", example=""),
        *names,
        ColumnSpec("region_code", "ref", required=True, ref="region", example="Луганська область"),
        ColumnSpec("parent_code", "text", example=""),
        ColumnSpec("kind", "enum", allowed=MUNICIPALITY_TYPES, example="city"),
        *place,
    )
    return KindSpec(kind, ("municipality_code",), columns)


def area_indicators() -> tuple[str, ...]:
    cat = catalogue()
    return tuple(cat[(cat.entity == "region") & (cat.kind == "reported")].code)


def park_indicators() -> tuple[str, ...]:
    cat = catalogue()
    return tuple(cat[(cat.entity == "park") & (cat.kind == "reported")].code)


_SPACES = re.compile(r"[^0-9a-zа-яіїєґ']+")
_TRAILING_UNIT = re.compile(r"(,[^,]*|\([^()]*\))\s*$")


def normalise_header(text: object) -> str:
    """Lower case, ``ё``→``е``, apostrophes unified, punctuation collapsed to single spaces."""
    value = str(text).lower().replace("ё", "е").replace("’", "'").replace("ʼ", "'")
    value = value.replace("`", "'")
    return _SPACES.sub(" ", value).strip()


def label_entity(kind: str) -> str:
    """The entity whose indicator names label a kind's columns (a region file's "population"
    is headed as the regional indicator is named)."""
    if kind in {"region_quarter", "region"}:
        return "region"
    if kind in {"municipality_quarter", "municipality"}:
        return "municipality"
    return "park"


def header_label(name: str, lang: str, entity: str = "park") -> str:
    """The display header of a column in ``lang`` (indicator names come from the catalogue)."""
    key = f"intake.col.{name}"
    if key in catalog():
        return t(key, lang)
    return _indicator_names().get((entity, name, lang), name)


@cache
def _indicator_names() -> dict[tuple[str, str, str], str]:
    """(entity, code, lang) → the indicator's name: a dict, not a frame filter per header."""
    names = {}
    for row in catalogue().itertuples():
        for lang in LANGUAGES:
            names.setdefault((row.entity, row.code, lang), str(getattr(row, f"name_{lang}")))
    return names


@cache
def header_aliases(kind: str) -> dict[str, tuple[str, str]]:
    """Normalised header → (column name, language or "code") for every column of ``kind``.

    For region/municipality statistics the area indicators' names are included too (a
    table with one column per indicator is melted to the long form by the reader).
    """
    spec = kind_spec(kind)
    aliases: dict[str, tuple[str, str]] = {}

    def add(text: str, name: str, lang: str) -> None:
        norm = normalise_header(text)
        if norm and norm not in aliases:
            aliases[norm] = (name, lang)

    names = list(spec.names)
    if kind in {"region_quarter", "municipality_quarter"}:
        names += list(area_indicators())
    labels = label_entity(kind)
    for name in names:
        add(name, name, "code")
        for lang in LANGUAGES:
            add(header_label(name, lang, labels), name, lang)
            alias_key = f"intake.alias.{name}"
            if alias_key in catalog():
                for alias in t(alias_key, lang).split("|"):
                    add(alias, name, lang)
    return aliases


def match_header(text: object, kind: str) -> tuple[str, str] | None:
    """(column name, language) for a header cell, or None when it names no column."""
    if text is None:
        return None
    aliases = header_aliases(kind)
    norm = normalise_header(text)
    if norm in aliases:
        return aliases[norm]
    stripped = normalise_header(_TRAILING_UNIT.sub("", str(text)))
    return aliases.get(stripped) if stripped else None


def suggest_header(text: object, kind: str, lang: str) -> str | None:
    """The closest known header in ``lang`` for an unrecognised one ("did you mean")."""
    aliases = header_aliases(kind)
    close = difflib.get_close_matches(normalise_header(text), list(aliases), n=1, cutoff=0.7)
    if not close:
        return None
    name, _ = aliases[close[0]]
    return header_label(name, lang, label_entity(kind))


@cache
def enum_lookup(field: str) -> dict[str, str]:
    """Normalised code or translated label → code, for an enumerated registry field (also
    the ``|``-separated words of ``intake.value_alias.<field>.<code>`` where there are)."""
    lookup = {}
    for code in ENUM_FIELDS[field]:
        lookup[normalise_header(code)] = code
        for lang in LANGUAGES:
            lookup[normalise_header(t(f"intake.value.{field}.{code}", lang))] = code
            alias = f"intake.value_alias.{field}.{code}"
            if alias in catalog():
                for word in t(alias, lang).split("|"):
                    lookup.setdefault(normalise_header(word), code)
    return lookup


_TRUE = frozenset({"yes", "y", "true", "1", "да", "д", "так", "т", "+", "x", "х", "v", "✓"})
_FALSE = frozenset({"no", "n", "false", "0", "нет", "н", "ні", "не"})


def parse_bool(text: str) -> bool | None:
    """Yes/no as people type it in ru/uk/en ("да", "так", "yes", "1", "x"); None otherwise."""
    value = str(text).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None
