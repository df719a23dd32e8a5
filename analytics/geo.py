"""Region outlines and point locations for maps drawn offline.

Outlines live in ``region_shape`` (migration 004): one GeoJSON geometry per region and loaded
batch, the newest batch's outline being the current one, so a statistics office's
boundaries loaded later replace the demo's invented cells. Everything a map needs comes from
the warehouse: no tiles, no topojson, nothing from the internet.

Coordinates are WGS 84 degrees (longitude, latitude), as GeoJSON orders them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from analytics.errors import UserError

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
SHAPE_KIND = "region_shape"
# Plotly's map zoom: 0 shows 360 degrees of longitude in 512 px; each step halves the span.
_TILE_PIXELS = 512


@dataclass(frozen=True)
class MapView:
    """Where a map looks: centre (degrees) and plotly/MapLibre zoom level."""

    lat: float
    lon: float
    zoom: float


# ---------------------------------------------------------------------------------- reading


def region_shapes(
    con: duckdb.DuckDBPyConnection, regions: Iterable[str] | None = None
) -> dict[str, Any]:
    """The current outline of each region as a GeoJSON FeatureCollection.

    Each feature has ``id`` and ``properties.code`` = the region code and the region's
    names (``name_ru``, ``name_uk``, ``name_en``). Regions without an outline are absent;
    ``regions`` restricts to those codes.
    """
    sql = (
        "SELECT s.region_code, s.geometry, r.name_ru, r.name_uk, r.name_en"
        " FROM region_shape s JOIN region r ON r.code = s.region_code"
        " QUALIFY row_number() OVER (PARTITION BY s.region_code ORDER BY s.source_id DESC) = 1"
        " ORDER BY s.region_code"
    )
    rows = con.execute(sql).fetchall()
    wanted = None if regions is None else set(regions)
    features = [
        {
            "type": "Feature",
            "id": code,
            "properties": {"code": code, "name_ru": ru, "name_uk": uk, "name_en": en},
            "geometry": json.loads(geometry),
        }
        for code, geometry, ru, uk, en in rows
        if wanted is None or code in wanted
    ]
    return {"type": "FeatureCollection", "features": features}


def park_points(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    """Parks with coordinates: park_id, names, park_type, status, region_code, latitude,
    longitude (degrees). Parks without coordinates are left out."""
    sql = (
        "SELECT park_id, name_ru, name_uk, name_en, park_type, status, region_code,"
        " municipality_code, latitude, longitude FROM park"
        " WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    )
    params: list[object] = []
    if region:
        sql += " AND region_code = ?"
        params.append(region)
    return con.execute(sql + " ORDER BY park_id", params).df()


def area_points(con: duckdb.DuckDBPyConnection, level: str) -> pd.DataFrame:
    """Region centres (``level="region"``) or municipalities (``"municipality"``) with
    coordinates: code, region_code, names, latitude, longitude — the fallback of a map
    for areas without outlines."""
    if level == "region":
        sql = "SELECT code, code AS region_code, name_ru, name_uk, name_en, latitude, longitude FROM region"
    elif level == "municipality":
        sql = (
            "SELECT code, region_code, name_ru, name_uk, name_en, latitude, longitude"
            " FROM municipality"
        )
    else:
        raise ValueError(f"level must be one of region, municipality; got {level!r}")
    return con.execute(
        f"SELECT * FROM ({sql}) WHERE latitude IS NOT NULL AND longitude IS NOT NULL ORDER BY code"
    ).df()


def region_indicator(
    con: duckdb.DuckDBPyConnection, indicator: str, quarter: dt.date
) -> pd.DataFrame:
    """One region indicator of the catalogue for every region in a quarter: region_code,
    value (NaN where missing), in the indicator's own unit.

    Statistics come from ``region_quarter``, an annual indicator's from ``region_year`` for
    the year the quarter is in; the parks' shares of regional jobs and investment (derived
    KPIs) from :func:`analytics.kpi.formulas.region_kpis`.
    """
    from analytics.kpi.formulas import REGION_KPIS, region_kpis

    regions = con.execute("SELECT code AS region_code FROM region ORDER BY code").df()
    if indicator in REGION_KPIS:
        kpis = region_kpis(con, quarter, quarter)
        values = kpis[["region_code", indicator]].rename(columns={indicator: "value"})
    else:
        frequency = _frequency(con, indicator)
        sql = (
            "SELECT region_code, value FROM region_quarter WHERE indicator = ? AND quarter = ?"
            if frequency == "quarter"
            else "SELECT region_code, value FROM region_year WHERE indicator = ? AND year = ?"
        )
        period = quarter if frequency == "quarter" else quarter.year
        values = con.execute(sql, [indicator, period]).df()
    out = regions.merge(values, on="region_code", how="left")
    out["value"] = out["value"].astype(float)
    return out


def _frequency(con: duckdb.DuckDBPyConnection, indicator: str) -> str:
    """A region indicator's frequency (quarter, year); UserError for an unknown one."""
    found = con.execute(
        "SELECT frequency FROM indicator WHERE entity = 'region' AND code = ?", [indicator]
    ).fetchall()
    if not found:
        raise UserError("explore.unknown_indicator", indicator=indicator, level="region")
    return found[0][0]


def region_series(con: duckdb.DuckDBPyConnection, indicator: str, region: str) -> pd.DataFrame:
    """A region statistic over time: ``quarter`` (the period's first day: a quarter's, or an
    annual indicator's year's 1 January) and ``value``, in order."""
    if _frequency(con, indicator) == "quarter":
        sql = (
            "SELECT quarter, value FROM region_quarter WHERE indicator = ? AND region_code = ?"
            " ORDER BY quarter"
        )
    else:
        sql = (
            "SELECT make_date(year, 1, 1) AS quarter, value FROM region_year"
            " WHERE indicator = ? AND region_code = ? ORDER BY year"
        )
    return con.execute(sql, [indicator, region]).df()


# ---------------------------------------------------------------------------------- views


def _positions(geometry: Mapping[str, Any]) -> Iterable[tuple[float, float]]:
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else list(geometry["coordinates"])
    )
    for polygon in polygons:
        for ring in polygon:
            for lon, lat, *_ in ring:
                yield float(lon), float(lat)


def bounds(shapes: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """(lon_min, lat_min, lon_max, lat_max) of a FeatureCollection; None when it is empty."""
    points = [p for f in shapes.get("features", []) for p in _positions(f["geometry"])]
    if not points:
        return None
    lons, lats = zip(*points, strict=True)
    return min(lons), min(lats), max(lons), max(lats)


def map_view(
    box: tuple[float, float, float, float], width_px: int = 700, height_px: int = 450
) -> MapView:
    """Centre and zoom that fit a (lon_min, lat_min, lon_max, lat_max) box in a map of the
    given size, with a small margin (Web Mercator, as MapLibre draws)."""
    lon_min, lat_min, lon_max, lat_max = box
    lon_span = max(lon_max - lon_min, 1e-3) * 1.15
    y_min, y_max = _mercator_y(lat_min), _mercator_y(lat_max)
    y_span = max(y_max - y_min, 1e-5) * 1.15
    zoom_x = math.log2(width_px / _TILE_PIXELS * 360.0 / lon_span)
    zoom_y = math.log2(height_px / _TILE_PIXELS * 2 * math.pi / y_span)
    centre_lat = _mercator_lat((y_min + y_max) / 2)
    return MapView(centre_lat, (lon_min + lon_max) / 2, max(0.0, min(zoom_x, zoom_y)))


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _mercator_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def outline(feature: Mapping[str, Any]) -> tuple[list[float | None], list[float | None]]:
    """The rings of a feature as longitude and latitude lists, rings separated by None
    (how plotly draws several lines in one trace)."""
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else list(geometry["coordinates"])
    )
    lons: list[float | None] = []
    lats: list[float | None] = []
    for polygon in polygons:
        for ring in polygon:
            lons.extend(float(p[0]) for p in ring)
            lats.extend(float(p[1]) for p in ring)
            lons.append(None)
            lats.append(None)
    return lons, lats


# ---------------------------------------------------------------------------------- writing


def _check_ring(ring: Any, code: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise UserError("geo.bad_geometry", code=code)
    for position in ring:
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise UserError("geo.bad_geometry", code=code)
        lon, lat = position[0], position[1]
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)):
            raise UserError("geo.bad_geometry", code=code)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise UserError("geo.out_of_range", code=code, lon=lon, lat=lat)
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise UserError("geo.ring_not_closed", code=code)


def _check_geometry(geometry: Any, code: str) -> dict[str, Any]:
    if not isinstance(geometry, Mapping) or geometry.get("type") not in GEOMETRY_TYPES:
        kind = geometry.get("type") if isinstance(geometry, Mapping) else type(geometry).__name__
        raise UserError(
            "geo.bad_type", code=code, type=str(kind), allowed=", ".join(GEOMETRY_TYPES)
        )
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise UserError("geo.bad_geometry", code=code)
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise UserError("geo.bad_geometry", code=code)
        for ring in polygon:
            _check_ring(ring, code)
    return {"type": geometry["type"], "coordinates": coordinates}


def _feature_code(feature: Mapping[str, Any]) -> str | None:
    properties = feature.get("properties") or {}
    for key in ("code", "region_code"):
        if properties.get(key):
            return str(properties[key])
    return str(feature["id"]) if feature.get("id") else None


def shape_rows(con: duckdb.DuckDBPyConnection, shapes: Mapping[str, Any]) -> pd.DataFrame:
    """Check a FeatureCollection of region outlines and return its rows (region_code,
    geometry as GeoJSON text). Every feature names a known region in ``properties.code``
    (or ``region_code``, or the feature ``id``) and has a closed Polygon or MultiPolygon in
    lon/lat degrees; anything else is refused with the feature it concerns."""
    if not isinstance(shapes, Mapping) or shapes.get("type") != "FeatureCollection":
        raise UserError("geo.not_feature_collection")
    features = shapes.get("features") or []
    if not features:
        raise UserError("geo.no_features")
    # raw_region, not the region mart: the demo loader stores outlines before marts are built.
    known = {r[0] for r in con.execute("SELECT DISTINCT region_code FROM raw_region").fetchall()}
    rows, seen = [], set()
    for index, feature in enumerate(features, start=1):
        code = _feature_code(feature) if isinstance(feature, Mapping) else None
        if code is None:
            raise UserError("geo.no_code", n=index)
        if code not in known:
            raise UserError("geo.unknown_region", code=code)
        if code in seen:
            raise UserError("geo.duplicate_region", code=code)
        seen.add(code)
        geometry = _check_geometry(feature.get("geometry"), code)
        rows.append({"region_code": code, "geometry": json.dumps(geometry, separators=(",", ":"))})
    return pd.DataFrame(rows)


def store_region_shapes(
    con: duckdb.DuckDBPyConnection, shapes: Mapping[str, Any], source_id: int
) -> int:
    """Append checked outlines under an existing batch ``source_id``; returns the row count."""
    rows = shape_rows(con, shapes).assign(source_id=source_id)
    con.register("shape_rows", rows)
    try:
        con.execute(
            "INSERT INTO region_shape (source_id, region_code, geometry)"
            " SELECT source_id, region_code, geometry FROM shape_rows"
        )
    finally:
        con.unregister("shape_rows")
    return len(rows)


def load_region_shapes(
    con: duckdb.DuckDBPyConnection,
    shapes: Mapping[str, Any],
    *,
    producer: str,
    title: str,
    licence: str | None = None,
    url: str | None = None,
    published: dt.date | None = None,
    file_name: str | None = None,
    loaded_by: str | None = None,
) -> int:
    """Load outlines of real regions as a new batch with its origin; returns its source_id.

    All or nothing: the source row and the outlines commit together. The new outlines
    replace older ones of the same regions (newest batch wins)."""
    rows = shape_rows(con, shapes)  # check before writing anything
    checksum = hashlib.sha256(
        json.dumps(shapes, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    con.execute("BEGIN TRANSACTION")
    try:
        source_id = con.execute(
            "INSERT INTO source (kind, producer, title, published, url, licence, file_name,"
            " checksum, simulated, loaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, false, ?)"
            " RETURNING source_id",
            [SHAPE_KIND, producer, title, published, url, licence, file_name, checksum, loaded_by],
        ).fetchone()[0]
        con.register("shape_rows", rows.assign(source_id=source_id))
        try:
            con.execute(
                "INSERT INTO region_shape (source_id, region_code, geometry)"
                " SELECT source_id, region_code, geometry FROM shape_rows"
            )
        finally:
            con.unregister("shape_rows")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return source_id
