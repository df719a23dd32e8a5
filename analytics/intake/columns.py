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

Kind = Literal["park", "park_quarter", "park_target", "region_quarter", "municipality_quarter"]
KINDS: tuple[str, ...] = (
    "park",
    "park_quarter",
    "park_target",
    "region_quarter",
    "municipality_quarter",
)
DType = Literal["text", "number", "date", "quarter", "period", "enum", "ref"]


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
ENUM_FIELDS = {
    "park_type": PARK_TYPES,
    "status": PARK_STATUSES,
    "ownership": OWNERSHIPS,
    "period_type": PERIOD_TYPES,
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
            ColumnSpec("status", "enum", required=True, allowed=PARK_STATUSES, example="operating"),
            ColumnSpec("ownership", "enum", required=True, allowed=OWNERSHIPS, example="public"),
            ColumnSpec("region_code", "ref", required=True, ref="region", example="R01"),
            ColumnSpec(
                "municipality_code", "ref", required=True, ref="municipality", example="M0101"
            ),
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
        )
        return KindSpec(kind, ("park_id",), columns)
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
    entity = "municipality" if kind == "municipality_quarter" else "region"
    aliases: dict[str, tuple[str, str]] = {}

    def add(text: str, name: str, lang: str) -> None:
        norm = normalise_header(text)
        if norm and norm not in aliases:
            aliases[norm] = (name, lang)

    names = list(spec.names)
    if kind in {"region_quarter", "municipality_quarter"}:
        names += list(area_indicators())
    label_entity = entity if kind in {"region_quarter", "municipality_quarter"} else "park"
    for name in names:
        add(name, name, "code")
        for lang in LANGUAGES:
            add(header_label(name, lang, label_entity), name, lang)
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
    entity = {"region_quarter": "region", "municipality_quarter": "municipality"}.get(kind, "park")
    return header_label(name, lang, entity)


@cache
def enum_lookup(field: str) -> dict[str, str]:
    """Normalised code or translated label → code, for an enumerated registry field."""
    lookup = {}
    for code in ENUM_FIELDS[field]:
        lookup[normalise_header(code)] = code
        for lang in LANGUAGES:
            lookup[normalise_header(t(f"intake.value.{field}.{code}", lang))] = code
    return lookup
