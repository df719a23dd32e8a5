"""A tiny warehouse built through the real layers (raw -> staging -> marts) for KPI tests.

Every number in it is chosen by hand so tests can work out expected KPIs on paper.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.warehouse import append_raw, build, connect, register_source

REGION = "R1"


def _park(park_id: str, **fields) -> dict:
    row = {
        "park_id": park_id,
        "name_ru": f"Парк {park_id}",
        "name_uk": f"Парк {park_id}",
        "name_en": f"Park {park_id}",
        "park_type": "industrial_park",
        "status": "operating",
        "ownership": "public",
        "region_code": REGION,
        "municipality_code": "M1",
        "total_area_ha": 20.0,
        "leasable_area_ha": 10.0,
        "founded_on": dt.date(2020, 1, 1),
        "first_resident_on": dt.date(2021, 1, 15),
    }
    row.update(fields)
    return row


def build_tiny(path, parks, quarters, targets=(), region_stats=(), municipal_stats=(), **source):
    """parks: dicts of overrides per park (must contain park_id); quarters: raw_park_quarter
    rows; targets: raw_park_target rows; *_stats: long rows (code, quarter, indicator, value)."""
    con = connect(path)
    con.execute("INSERT INTO country VALUES ('XD', 'Демо', 'Демо', 'Demo', 'RUB')")
    con.execute("INSERT INTO district VALUES ('D1', 'XD', 'Округ', 'Округ', 'District')")
    fields = {"kind": "test", "producer": "test", "title": "tiny", "checksum": "0"}
    fields["simulated"] = source.get("simulated", True)
    src = register_source(con, **fields)
    region = {
        "region_code": REGION,
        "country_code": "XD",
        "district_code": "D1",
        "name_ru": "Северная область",
        "name_uk": "Північна область",
        "name_en": "Northern Region",
    }
    append_raw(con, "region", pd.DataFrame([region]), src)
    muni = {"region_code": REGION, "name_ru": "Город", "name_uk": "Місто", "name_en": "Town"}
    append_raw(con, "municipality", pd.DataFrame([{"municipality_code": "M1", **muni}]), src)
    append_raw(con, "park", pd.DataFrame([_park(**p) for p in parks]), src)
    append_raw(con, "park_quarter", pd.DataFrame(list(quarters)), src)
    if targets:
        append_raw(con, "park_target", pd.DataFrame(list(targets)), src)
    if region_stats:
        cols = ["region_code", "quarter", "indicator", "value"]
        append_raw(con, "region_quarter", pd.DataFrame(list(region_stats), columns=cols), src)
    if municipal_stats:
        cols = ["municipality_code", "quarter", "indicator", "value"]
        frame = pd.DataFrame(list(municipal_stats), columns=cols)
        append_raw(con, "municipality_quarter", frame, src)
    build(con)
    return con
