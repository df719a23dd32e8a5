"""What region and municipality references need beyond a code lookup, applied to a file's
typed columns by validation (:func:`finish_typing`):

* a park row's municipality named by name is looked up *within the row's region* (the same
  name recurs across regions), and, where the file asks for it (``--create-municipalities``
  or a "create municipality" column saying yes), an unknown one is created from the row, with
  a notice per new municipality, never silently;
* a region file without a country column takes the warehouse's country (``init``);
* a municipality file's parent must be a municipality of the warehouse or of the file;
* in regional statistics, rows naming a known territory the registry does not hold (a
  Rosstat table lists Crimea, Sevastopol and the four territories of 2022, which ISO
  3166-2:RU does not) are left out, with one warning naming them all;
* in area statistics, an annual indicator's period is a year, stored as its 1 January, and
  only for a year that is over.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyarrow as pa

from analytics.intake.columns import catalogue
from analytics.intake.periods import YEAR_PATTERN
from analytics.quarter import clean_text
from analytics.registries.aliases import MunicipalityLookup, RegionLookup, municipality_key

_PREFIX = re.compile(
    r"^\s*(?P<word>г\.|г |город|м\.|м |місто|смт|пгт|с\.|село|селище)\s*", re.IGNORECASE
)
_PREFIX_KIND = {
    "г.": "city",
    "г ": "city",
    "город": "city",
    "м.": "city",
    "м ": "city",
    "місто": "city",
    "смт": "settlement",
    "пгт": "settlement",
    "с.": "settlement",
    "село": "settlement",
    "селище": "settlement",
}
MUNICIPALITY_COLUMNS = (
    "municipality_code",
    "region_code",
    "name_ru",
    "name_uk",
    "name_en",
    "kind",
)


def region_lookup(reference, lang: str) -> RegionLookup:
    return RegionLookup(reference, lang)


def finish_typing(ctx: Any, typed: pa.Table) -> pa.Table:
    """The typed table after the checks this module owns (see the module docstring)."""
    kind = ctx.read.kind
    if kind == "park" and "municipality_code" in typed.column_names:
        return _park_municipalities(ctx, typed)
    if kind == "region" and "country_code" not in typed.column_names:
        return _region_country(ctx, typed)
    if kind == "municipality" and "parent_code" in typed.column_names:
        _check_parents(ctx, typed)
    if kind == "region_quarter" and "region_code" in typed.column_names:
        typed = _outside_registry(ctx, typed)
    if kind in {"region_quarter", "municipality_quarter"}:
        typed = _annual_periods(ctx, typed)
    return typed


def _municipality_lookup(ctx: Any) -> MunicipalityLookup:
    reference = ctx.con.execute(
        "SELECT municipality_code AS code, region_code, name_ru, name_uk, name_en "
        "FROM raw_municipality QUALIFY row_number() OVER "
        "(PARTITION BY municipality_code ORDER BY source_id DESC) = 1"
    ).df()
    return MunicipalityLookup(reference, ctx.lang)


def _park_municipalities(ctx: Any, typed: pa.Table) -> pa.Table:
    lookup = _municipality_lookup(ctx)
    raw = typed.column("raw__municipality_code").to_pylist()
    regions = (
        typed.column("region_code").to_pylist()
        if "region_code" in typed.column_names
        else [None] * typed.num_rows
    )
    asked = (
        typed.column("create_municipality").to_pylist()
        if "create_municipality" in typed.column_names
        else [None] * typed.num_rows
    )
    rows = typed.column("_row").to_pylist()
    codes = list(typed.column("municipality_code").to_pylist())
    taken = set(lookup.codes.values())
    created: dict[tuple[str, str], dict[str, Any]] = {}
    for i, text in enumerate(raw):
        if text in (None, "") or regions[i] is None:
            continue
        found = lookup.code(text, regions[i])
        if found is not None:
            codes[i] = found  # the region's own municipality of that name wins
            continue
        if not (ctx.create_municipalities or asked[i]):
            continue
        key = (regions[i], municipality_key(text))
        if key not in created:
            created[key] = _new_municipality(text, regions[i], taken)
            taken.add(created[key]["municipality_code"])
            new = created[key]
            ctx.add(
                rows[i],
                ctx.header("municipality_code"),
                text,
                "info",
                "registries.municipality.created",
                code=new["municipality_code"],
                name=new[f"name_{new['lang']}"],
                region=regions[i],
            )
        codes[i] = created[key]["municipality_code"]
    index = typed.column_names.index("municipality_code")
    typed = typed.set_column(index, "municipality_code", pa.array(codes, pa.string()))
    if created:
        ctx.companions.append(("municipality", _companion_table(created.values())))
    return typed


def _new_municipality(text: str, region: str, taken: set[str]) -> dict[str, Any]:
    """A municipality made from how the file names it: "м. Попасна" is the city Попасна."""
    match = _PREFIX.match(text)
    kind = _PREFIX_KIND.get(match["word"].lower()) if match else None
    name = text[match.end() :].strip() if match else text.strip()
    lowered = name.lower()
    if kind is None and "громада" in lowered:
        kind = "community"
    elif kind is None and ("район" in lowered or "district" in lowered):
        kind = "district"
    lang = "uk" if re.search("[іїєґІЇЄҐ]", name) else "ru" if re.search("[а-яА-Я]", name) else "en"
    stem = "-".join(w.upper() for w in re.findall(r"[\w']+", name)) or "M"
    code, n = f"{region}-{stem}", 2
    while code in taken:
        code, n = f"{region}-{stem}-{n}", n + 1
    row = {"municipality_code": code, "region_code": region, "kind": kind, "lang": lang}
    row.update({f"name_{other}": name for other in ("ru", "uk", "en")})
    return row


def _companion_table(rows) -> pa.Table:
    columns = {c: pa.array([r[c] for r in rows], pa.string()) for c in MUNICIPALITY_COLUMNS}
    return pa.table(columns)


def _region_country(ctx: Any, typed: pa.Table) -> pa.Table:
    found = ctx.con.execute("SELECT country_code FROM warehouse_country").fetchall()
    if len(found) != 1:
        ctx.add(None, None, None, "error", "intake.error.missing_column", field="country_code")
        return typed
    country = pa.array([found[0][0]] * typed.num_rows, pa.string())
    return typed.append_column("country_code", country)


def _check_parents(ctx: Any, typed: pa.Table) -> None:
    sql = "SELECT municipality_code FROM raw_municipality"
    stored = {r[0] for r in ctx.con.execute(sql).fetchall()}
    own = set(typed.column("municipality_code").to_pylist())
    known = stored | own
    for row, parent in zip(
        typed.column("_row").to_pylist(), typed.column("parent_code").to_pylist(), strict=True
    ):
        if parent not in (None, "") and parent not in known:
            ctx.add(
                row,
                ctx.header("parent_code"),
                parent,
                "error",
                "registries.error.unknown_parent",
            )


def _outside_registry(ctx: Any, typed: pa.Table) -> pa.Table:
    lookup = ctx.lookup("region")
    raw = typed.column("raw__region_code").to_pylist()
    codes = typed.column("region_code").to_pylist()
    rows = typed.column("_row").to_pylist()
    outside: dict[str, int] = {}  # the name as the file prints it -> its first row
    keep = []
    for i, text in enumerate(raw):
        known = codes[i] is None and text not in (None, "") and lookup.outside(text)
        keep.append(not known)
        if known:
            outside.setdefault(text, rows[i])
    if not outside:
        return typed
    ctx.add(
        min(outside.values()),
        ctx.header("region_code"),
        None,
        "warning",
        "registries.warning.outside_registry",
        names=tuple(outside),
        values=keep.count(False),
    )
    return typed.filter(pa.array(keep))


def annual_indicators(entity: str) -> frozenset[str]:
    """Area indicators of frequency 'year' (values for a calendar year)."""
    cat = catalogue()
    return frozenset(cat[(cat.entity == entity) & (cat.frequency == "year")].code)


def _annual_periods(ctx: Any, typed: pa.Table) -> pa.Table:
    """An annual indicator's period is a year ("2024", "2024 г."), kept as its 1 January; a
    quarter is refused for it, and so is the year still running."""
    if not {"indicator", "quarter"} <= set(typed.column_names):
        return typed
    entity = "region" if ctx.read.kind == "region_quarter" else "municipality"
    annual = annual_indicators(entity)
    indicators = typed.column("indicator").to_pylist()
    if annual.isdisjoint(indicators):
        return typed
    raw = typed.column("raw__quarter").to_pylist()
    quarters = typed.column("quarter").to_pylist()
    rows = typed.column("_row").to_pylist()
    cols = typed.column("_col").to_pylist() if "_col" in typed.column_names else None
    for i, code in enumerate(indicators):
        if code not in annual or raw[i] in (None, ""):
            continue
        column = (cols[i] if cols and cols[i] else None) or ctx.header("quarter")
        match = YEAR_PATTERN.match(clean_text(str(raw[i])))
        if match is None:
            if quarters[i] is not None:  # a quarter (else validation says it is no period)
                ctx.add(rows[i], column, raw[i], "error", "stat.error.year_expected", field=code)
            continue
        year = int(match["y"])
        if year == ctx.today.year:  # later years are refused as quarters in the future
            ctx.add(rows[i], column, year, "error", "stat.error.year_not_over", field=code)
        quarters[i] = dt.date(year, 1, 1)
    index = typed.column_names.index("quarter")
    return typed.set_column(index, "quarter", pa.array(quarters, pa.date32()))
