"""The regions map in a real browser: a click on a region, or on a park, chooses that region."""

import duckdb
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import page_url, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

MAP_CANVAS = ".js-plotly-plot .maplibregl-canvas"
# Screen position of a longitude/latitude on the page's plotly MapLibre map.
PROJECT = """([lon, lat]) => {
    const gd = [...document.querySelectorAll('.js-plotly-plot')]
        .find(g => g._fullLayout && g._fullLayout.map);
    const map = gd._fullLayout.map._subplot.map;
    const p = map.project([lon, lat]);
    const box = map.getCanvas().getBoundingClientRect();
    return [box.left + p.x, box.top + p.y];
}"""


def open_map(page, app_server):
    page.goto(page_url(app_server, "regions", "lang=en"))
    wait_for_app(page)
    page.locator(MAP_CANVAS).scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # MapLibre finishes its first frame


def chosen_after_click(page, lon: float, lat: float) -> str:
    x, y = page.evaluate(PROJECT, [lon, lat])
    page.mouse.click(x, y)
    page.wait_for_function("() => location.search.includes('region=')", timeout=30_000)
    wait_for_app(page)
    return page.evaluate("new URLSearchParams(location.search).get('region')")


def test_a_click_on_a_region_chooses_it(app_server, page, demo_db):
    from analytics import geo

    with duckdb.connect(str(demo_db), read_only=True) as con:
        feature = geo.region_shapes(con)["features"][0]
        code = feature["properties"]["code"]
        name = con.execute("SELECT name_en FROM region WHERE code = ?", [code]).fetchone()[0]
    # The mean of the outer ring's corners: inside, as the demo's outlines are convex cells.
    lons, lats = geo.outline(feature)
    ring = lons.index(None)
    lon, lat = sum(lons[:ring]) / ring, sum(lats[:ring]) / ring
    open_map(page, app_server)
    assert chosen_after_click(page, lon, lat) == code
    # The heading follows the URL on the run the click started: wait for it (CI, loaded,
    # read it while the page still showed the run before).
    heading = page.locator('[data-testid="stMain"] h3').first
    expect(heading).to_contain_text(name, timeout=30_000)


def test_a_click_on_a_park_chooses_its_region(app_server, page, demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        lon, lat, region = con.execute(
            "SELECT longitude, latitude, region_code FROM park"
            " WHERE latitude IS NOT NULL ORDER BY park_id DESC LIMIT 1"
        ).fetchone()
    open_map(page, app_server)
    assert chosen_after_click(page, lon, lat) == region
