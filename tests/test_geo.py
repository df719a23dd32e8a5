"""Region outlines in the warehouse: the demo stores its cells, real outlines replace them
(newest batch wins), broken GeoJSON is refused before anything is written."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil

import duckdb
import pytest

from analytics import geo
from analytics.demo import DEFAULT_SEED
from analytics.demo.geography import region_polygons
from analytics.errors import UserError

Q4_2025 = dt.date(2025, 10, 1)


@pytest.fixture
def con(demo_db, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_db, path)
    with duckdb.connect(str(path)) as connection:
        yield connection


def square(code: str, lon: float, lat: float, size: float = 1.0) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def test_demo_outlines_are_the_generators_cells_under_the_simulated_region_batch(con):
    shapes = geo.region_shapes(con)
    expected = region_polygons(DEFAULT_SEED)
    assert [f["id"] for f in shapes["features"]] == [
        f["properties"]["code"] for f in expected["features"]
    ]
    for got, want in zip(shapes["features"], expected["features"], strict=True):
        assert got["geometry"] == want["geometry"]
        assert got["properties"]["name_en"] == want["properties"]["name_en"]
    batches = con.execute(
        "SELECT DISTINCT s.kind, s.simulated FROM region_shape r JOIN source s USING (source_id)"
    ).fetchall()
    assert batches == [("region", True)]


def test_newest_batch_wins_and_carries_its_origin(con):
    before = geo.region_shapes(con)
    source_id = geo.load_region_shapes(
        con,
        collection(square("XD-01", 30.0, 48.0)),
        producer="Statistics office",
        title="Region boundaries 2025",
        licence="CC BY 4.0",
        url="https://example.org/boundaries",
    )
    after = geo.region_shapes(con)
    changed = {f["id"]: f["geometry"] for f in after["features"]}
    assert changed["XD-01"]["coordinates"][0][2] == [31.0, 49.0]
    assert len(after["features"]) == len(before["features"])
    untouched = {f["id"]: f["geometry"] for f in before["features"]}
    assert all(changed[c] == untouched[c] for c in changed if c != "XD-01")
    origin = con.execute(
        "SELECT kind, producer, licence, simulated FROM source WHERE source_id = ?", [source_id]
    ).fetchone()
    assert origin == ("region_shape", "Statistics office", "CC BY 4.0", False)


def test_region_id_may_come_from_region_code_or_feature_id(con):
    by_property = square("XD-02", 33.0, 48.0)
    by_property["properties"] = {"region_code": "XD-02"}
    by_id = square("XD-03", 36.0, 48.0)
    by_id["properties"] = {}
    by_id["id"] = "XD-03"
    rows = geo.shape_rows(con, collection(by_property, by_id))
    assert list(rows["region_code"]) == ["XD-02", "XD-03"]


@pytest.mark.parametrize(
    ("shapes", "key"),
    [
        ({"type": "Feature"}, "geo.not_feature_collection"),
        (collection(), "geo.no_features"),
        (collection(square("XD-99", 30, 48)), "geo.unknown_region"),
        (collection(square("XD-01", 30, 48), square("XD-01", 31, 48)), "geo.duplicate_region"),
        (
            collection(
                {**square("XD-01", 30, 48), "geometry": {"type": "Point", "coordinates": [1, 2]}}
            ),
            "geo.bad_type",
        ),
        (collection(square("XD-01", 30, 95)), "geo.out_of_range"),
        (
            collection(
                {
                    **square("XD-01", 30, 48),
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 2]]],
                    },
                }
            ),
            "geo.ring_not_closed",
        ),
        (
            collection(
                {
                    **square("XD-01", 30, 48),
                    "geometry": {"type": "Polygon", "coordinates": [[[0, 0]]]},
                }
            ),
            "geo.bad_geometry",
        ),
        (collection({"type": "Feature", "properties": {}, "geometry": None}), "geo.no_code"),
    ],
)
def test_broken_outlines_are_refused_and_nothing_is_written(con, shapes, key):
    counts = con.execute("SELECT (SELECT count(*) FROM source), count(*) FROM region_shape")
    before = counts.fetchone()
    with pytest.raises(UserError) as caught:
        geo.load_region_shapes(con, shapes, producer="x", title="y")
    assert caught.value.key == key
    after = con.execute("SELECT (SELECT count(*) FROM source), count(*) FROM region_shape")
    assert after.fetchone() == before


def test_multipolygon_outline_and_bounds():
    islands = {
        "type": "Feature",
        "properties": {"code": "A"},
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [
                [[[0, 0], [1, 0], [1, 1], [0, 0]]],
                [[[5, 5], [6, 5], [6, 7], [5, 5]]],
            ],
        },
    }
    lons, lats = geo.outline(islands)
    assert lons == [0, 1, 1, 0, None, 5, 6, 6, 5, None]
    assert lats == [0, 0, 1, 0, None, 5, 5, 7, 5, None]
    assert geo.bounds(collection(islands)) == (0, 0, 6, 7)
    assert geo.bounds(collection()) is None


@pytest.mark.parametrize("box", [(30, 48, 60, 58), (37.5, 55.5, 37.8, 55.9), (-10, -40, 150, 70)])
def test_map_view_shows_the_whole_box(box):
    """Invert the Web Mercator view: what a 700 x 450 px map at that centre and zoom shows."""
    view = geo.map_view(box, width_px=700, height_px=450)
    lon_visible = 700 / 512 * 360 / 2**view.zoom
    assert lon_visible >= box[2] - box[0]
    y_visible = 450 / 512 * 2 * math.pi / 2**view.zoom
    y_centre = math.log(math.tan(math.pi / 4 + math.radians(view.lat) / 2))

    def y(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    assert y_centre - y_visible / 2 <= y(box[1]) and y(box[3]) <= y_centre + y_visible / 2
    assert view.lon - lon_visible / 2 <= box[0] and box[2] <= view.lon + lon_visible / 2
    # ...and not much more: one zoom level closer would cut the box.
    assert (
        lon_visible / 2 < (box[2] - box[0]) * 1.2 or y_visible / 2 < (y(box[3]) - y(box[1])) * 1.2
    )


def test_region_indicator_statistic_and_park_share_match_plain_sql(con):
    wage = geo.region_indicator(con, "avg_wage", Q4_2025).set_index("region_code")["value"]
    expected = dict(
        con.execute(
            "SELECT region_code, value FROM region_quarter"
            " WHERE indicator = 'avg_wage' AND quarter = DATE '2025-10-01'"
        ).fetchall()
    )
    assert wage.to_dict() == pytest.approx(expected)
    share = geo.region_indicator(con, "park_jobs_share", Q4_2025).set_index("region_code")["value"]
    # Outside reference: the share written directly in SQL over the marts.
    plain = dict(
        con.execute(
            """SELECT p.region_code, sum(pq.jobs_total) / any_value(r.value)
               FROM park_quarter pq JOIN park p USING (park_id)
               JOIN region_quarter r ON r.region_code = p.region_code AND r.quarter = pq.quarter
                    AND r.indicator = 'employment'
               WHERE pq.quarter = DATE '2025-10-01' GROUP BY p.region_code"""
        ).fetchall()
    )
    assert plain
    for code, value in plain.items():
        assert share[code] == pytest.approx(value, rel=1e-12)
    assert share.drop(list(plain)).isna().all()


def test_unknown_region_indicator_is_refused(con):
    with pytest.raises(UserError) as caught:
        geo.region_indicator(con, "jobs_per_ha", Q4_2025)
    assert caught.value.key == "explore.unknown_indicator"


def test_points_for_parks_and_areas(con):
    parks = geo.park_points(con)
    n = con.execute("SELECT count(*) FROM park WHERE latitude IS NOT NULL").fetchone()[0]
    assert len(parks) == n
    assert set(geo.park_points(con, "XD-05")["region_code"]) == {"XD-05"}
    assert len(geo.area_points(con, "region")) == 15
    towns = geo.area_points(con, "municipality")
    assert len(towns) == con.execute("SELECT count(*) FROM municipality").fetchone()[0]
    with pytest.raises(ValueError, match="region, municipality"):
        geo.area_points(con, "district")


def test_shapes_command_loads_a_geojson_file_and_refuses_broken_ones(demo_db, tmp_path, capsys):
    from analytics.cli import main

    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    good = tmp_path / "outlines.geojson"
    good.write_text(json.dumps(collection(square("XD-04", 40.0, 50.0))), encoding="utf-8")
    args = ["shapes", str(good), "--producer", "Rosstat", "--title", "Borders", "--db", str(db)]
    assert main([*args, "--published", "2025-03-01", "--licence", "CC BY 4.0"]) == 0
    assert "Loaded 1 region outlines" in capsys.readouterr().out
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT s.published, s.file_name, r.geometry FROM region_shape r"
            " JOIN source s USING (source_id) WHERE s.kind = 'region_shape'"
        ).fetchone()
    assert row[0] == dt.date(2025, 3, 1) and row[1] == "outlines.geojson"
    assert json.loads(row[2])["coordinates"][0][0] == [40.0, 50.0]

    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    assert main([*args[:1], str(broken), *args[2:]]) == 2
    assert "not GeoJSON" in capsys.readouterr().err
    unknown = tmp_path / "unknown.geojson"
    unknown.write_text(json.dumps(collection(square("ZZ-01", 40.0, 50.0))), encoding="utf-8")
    assert main(["--lang", "ru", *args[:1], str(unknown), *args[2:]]) == 2
    assert "ZZ-01" in capsys.readouterr().err
