"""The demo's invented geography: one country, 4 districts, 15 regions, ~120 municipalities.

Every name is built from made-up roots (Зарн-, Велт-, Мирал-, Тарв- ...) and Russian-looking
suffixes, with Ukrainian and English forms, so no name is a real place. Regions are the cells
of a jittered 5 x 3 grid over lon 30-60, lat 48-58: the grid's vertices (corners and edge
midpoints of every cell) are shifted a little, neighbouring cells share them, so the cells
tile the country without gaps. Municipalities lie well inside their region's cell (the
jitter can never move a cell edge past them), which lets a map draw region shapes from
:func:`region_polygons` alone, offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

COUNTRY = {
    "code": "XD",
    "name_ru": "Демонстрационная республика",
    "name_uk": "Демонстраційна республіка",
    "name_en": "Demo Republic",
    "currency": "RUB",
}

DISTRICTS = pd.DataFrame(
    [
        ("XD-W", "Западный округ", "Західний округ", "Western District"),
        ("XD-S", "Южный округ", "Південний округ", "Southern District"),
        ("XD-C", "Центральный округ", "Центральний округ", "Central District"),
        ("XD-E", "Восточный округ", "Східний округ", "Eastern District"),
    ],
    columns=["code", "name_ru", "name_uk", "name_en"],
).assign(country_code="XD")[["code", "country_code", "name_ru", "name_uk", "name_en"]]

LON_RANGE = (30.0, 60.0)
LAT_RANGE = (48.0, 58.0)
GRID_COLUMNS = 5
GRID_ROWS = 3
# Vertex jitter as a share of half a cell; municipalities keep a wider margin from the edges.
VERTEX_JITTER = 0.2
MUNICIPALITY_SPREAD = 0.33  # municipalities within +-33% of a cell's size around its centre
MUNICIPALITIES_PER_REGION = (6, 10)

# Invented roots (ru, uk, en). Checked against real towns: none of the root + suffix
# combinations below names a real place we know of.
ROOTS: tuple[tuple[str, str, str], ...] = (
    ("Зарн", "Зарн", "Zarn"),
    ("Велт", "Велт", "Velt"),
    ("Мирал", "Мирал", "Miral"),
    ("Тарв", "Тарв", "Tarv"),
    ("Брезн", "Брезн", "Brezn"),
    ("Ольхм", "Ольхм", "Olkhm"),
    ("Хотар", "Хотар", "Khotar"),
    ("Лумар", "Лумар", "Lumar"),
    ("Дрост", "Дрост", "Drost"),
    ("Свирл", "Свирл", "Svirl"),
    ("Кевр", "Кевр", "Kevr"),
    ("Пелм", "Пелм", "Pelm"),
    ("Сторн", "Сторн", "Storn"),
    ("Тулм", "Тулм", "Tulm"),
    ("Вескор", "Вескор", "Veskor"),
    ("Гравл", "Гравл", "Gravl"),
    ("Ирвен", "Ірвен", "Irven"),
    ("Корзел", "Корзел", "Korzel"),
    ("Ламбр", "Ламбр", "Lambr"),
    ("Мезвин", "Мезвин", "Mezvin"),
    ("Нордал", "Нордал", "Nordal"),
    ("Орвист", "Орвіст", "Orvist"),
    ("Прунт", "Прунт", "Prunt"),
    ("Рескол", "Рескол", "Reskol"),
    ("Сальвер", "Сальвер", "Salver"),
    ("Тервол", "Тервол", "Tervol"),
    ("Ульмар", "Ульмар", "Ulmar"),
    ("Фарвин", "Фарвін", "Farvin"),
    ("Хорвел", "Хорвел", "Khorvel"),
    ("Цинвар", "Цінвар", "Tsinvar"),
    ("Шервал", "Шервал", "Sherval"),
    ("Эльдрин", "Ельдрін", "Eldrin"),
    ("Юргал", "Юргал", "Yurgal"),
    ("Ясвен", "Ясвен", "Yasven"),
    ("Бурвел", "Бурвел", "Burvel"),
)

# Regional centres: (centre ru, uk, en suffix, region adjective ru, uk) after the root.
CENTRE_FORMS: tuple[tuple[str, str, str, str, str], ...] = (
    ("овск", "овськ", "ovsk", "овская", "овська"),
    ("оград", "оград", "ograd", "оградская", "оградська"),
    ("ополь", "опіль", "opol", "опольская", "опільська"),
    ("огорск", "огірськ", "ogorsk", "огорская", "огірська"),
)
# Other municipalities: town-like suffixes (ru, uk, en).
TOWN_SUFFIXES: tuple[tuple[str, str, str], ...] = (
    ("ино", "ине", "ino"),
    ("овка", "івка", "ovka"),
    ("ево", "еве", "evo"),
    ("ов", "ів", "ov"),
    ("ница", "ниця", "nitsa"),
    ("яр", "яр", "yar"),
    ("ище", "ище", "ishche"),
)


def _district_of(col: int, row: int) -> str:
    """Districts group grid cells: west, south, centre and east (row 0 is the south)."""
    if row == 0:
        return "XD-S" if col <= 2 else "XD-E"
    if col <= 1:
        return "XD-W"
    return "XD-C" if col <= 3 else "XD-E"


@dataclass(frozen=True)
class Geography:
    """Regions and municipalities with names and coordinates (degrees, WGS84)."""

    region: pd.DataFrame  # columns of raw_region (without source_id) plus grid_col, grid_row
    municipality: pd.DataFrame  # columns of raw_municipality (without source_id)
    vertices: np.ndarray  # (2*rows+1, 2*cols+1, 2) jittered grid vertices: lon, lat


def _cell_size() -> tuple[float, float]:
    return (
        (LON_RANGE[1] - LON_RANGE[0]) / GRID_COLUMNS,
        (LAT_RANGE[1] - LAT_RANGE[0]) / GRID_ROWS,
    )


def _jittered_vertices(rng: np.random.Generator) -> np.ndarray:
    """Cell corners and edge midpoints of the grid, each moved by up to 20% of half a cell."""
    width, height = _cell_size()
    lons = np.linspace(LON_RANGE[0], LON_RANGE[1], 2 * GRID_COLUMNS + 1)
    lats = np.linspace(LAT_RANGE[0], LAT_RANGE[1], 2 * GRID_ROWS + 1)
    grid = np.stack(np.meshgrid(lons, lats), axis=-1)  # [lat index, lon index, (lon, lat)]
    shift = rng.uniform(-1, 1, size=grid.shape) * VERTEX_JITTER
    shift[..., 0] *= width / 2
    shift[..., 1] *= height / 2
    return grid + shift


def _cell_ring(vertices: np.ndarray, col: int, row: int) -> list[list[float]]:
    """The closed counter-clockwise ring of 8 shared vertices around one cell."""
    i0, j0 = 2 * row, 2 * col
    path = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0)]
    return [[round(float(c), 5) for c in vertices[i0 + di, j0 + dj]] for di, dj in path]


def inside_region(geography: Geography, col: int, row: int, lon: float, lat: float) -> bool:
    """Whether (lon, lat) lies inside the region cell (col, row) (ray casting)."""
    ring = _cell_ring(geography.vertices, col, row)
    inside = False
    for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def build_geography(rng: np.random.Generator) -> Geography:
    """Regions, municipalities and grid vertices drawn from ``rng`` (consumed in a fixed order)."""
    vertices = _jittered_vertices(rng)
    width, height = _cell_size()
    root_order = rng.permutation(len(ROOTS))
    region_roots = root_order[: GRID_COLUMNS * GRID_ROWS]
    # Non-centre towns use every root (region roots too: towns echo the region's name).
    # A root ending in the suffix's first letter would double it (Зарн + ница): skipped.
    town_names = [
        (r, s)
        for r in range(len(ROOTS))
        for s in range(len(TOWN_SUFFIXES))
        if ROOTS[r][0][-1] != TOWN_SUFFIXES[s][0][0]
    ]
    town_order = rng.permutation(len(town_names))
    regions, municipalities = [], []
    next_town = 0
    for index in range(GRID_COLUMNS * GRID_ROWS):
        row, col = divmod(index, GRID_COLUMNS)
        code = f"XD-{index + 1:02d}"
        root = ROOTS[region_roots[index]]
        form = CENTRE_FORMS[index % len(CENTRE_FORMS)]
        centre_lon = LON_RANGE[0] + (col + 0.5) * width
        centre_lat = LAT_RANGE[0] + (row + 0.5) * height
        regions.append(
            {
                "region_code": code,
                "country_code": COUNTRY["code"],
                "district_code": _district_of(col, row),
                "name_ru": f"{root[0]}{form[3]} область",
                "name_uk": f"{root[1]}{form[4]} область",
                "name_en": f"{root[2]}{form[2]} Region",
                "latitude": round(centre_lat, 4),
                "longitude": round(centre_lon, 4),
                "grid_col": col,
                "grid_row": row,
            }
        )
        count = int(rng.integers(MUNICIPALITIES_PER_REGION[0], MUNICIPALITIES_PER_REGION[1] + 1))
        offsets = rng.uniform(-MUNICIPALITY_SPREAD, MUNICIPALITY_SPREAD, size=(count, 2))
        offsets[0] *= 0.5  # the regional centre sits near the middle of its region
        for k in range(count):
            if k == 0:
                names = (f"{root[0]}{form[0]}", f"{root[1]}{form[1]}", f"{root[2]}{form[2]}")
            else:
                r, s = town_names[town_order[next_town]]
                next_town += 1
                names = tuple(ROOTS[r][lang] + TOWN_SUFFIXES[s][lang] for lang in range(3))
            municipalities.append(
                {
                    "municipality_code": f"{code}-{k + 1:03d}",
                    "region_code": code,
                    "name_ru": names[0],
                    "name_uk": names[1],
                    "name_en": names[2],
                    "kind": "urban_district" if k == 0 else "municipal_district",
                    "is_regional_centre": k == 0,
                    "latitude": round(centre_lat + offsets[k, 1] * height, 4),
                    "longitude": round(centre_lon + offsets[k, 0] * width, 4),
                }
            )
    return Geography(pd.DataFrame(regions), pd.DataFrame(municipalities), vertices)


def region_polygons(seed: int) -> dict[str, Any]:
    """Region shapes as a GeoJSON FeatureCollection (one Polygon per region, lon/lat degrees).

    The same seed gives the same shapes as :func:`analytics.demo.generator.generate`, which
    draws the geography first from ``numpy.random.default_rng(seed)``.
    """
    geography = build_geography(np.random.default_rng(seed))
    features = []
    for region in geography.region.itertuples():
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": region.region_code,
                    "name_ru": region.name_ru,
                    "name_uk": region.name_uk,
                    "name_en": region.name_en,
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        _cell_ring(geography.vertices, region.grid_col, region.grid_row)
                    ],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
