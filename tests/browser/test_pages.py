"""Every page in a real browser: renders without a Streamlit exception, draws its charts,
switches language and never requests anything outside 127.0.0.1."""

from urllib.parse import urlparse

import pytest

from analytics.i18n import t
from tests.browser.conftest import PAGES, page_url, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Pages that draw plotly charts as soon as they open (the impact page draws after a run;
# the review draws its trend chart when that section is opened, as the link here does).
CHART_PAGES = {"overview", "explore", "regions", "review", "parks"}
OPEN_WITH = {"review": "&section=trend"}


def _outside_requests(urls: list[str]) -> list[str]:
    return [
        u
        for u in urls
        if urlparse(u).scheme in ("http", "https", "ws", "wss")
        and urlparse(u).hostname not in LOCAL_HOSTS
    ]


@pytest.mark.parametrize("stem", PAGES)
def test_page_renders_with_charts_and_stays_local(app_server, page, stem):
    page.goto(page_url(app_server, stem, "lang=en" + OPEN_WITH.get(stem, "")))
    wait_for_app(page)
    if stem in CHART_PAGES:
        # Heavier pages keep computing after their first elements appear.
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=90_000)
        wait_for_app(page)
    body = page.inner_text("body")
    assert page.locator('[data-testid="stException"]').count() == 0, body[:2000]
    assert "Page not found" not in body
    charts = page.locator(".js-plotly-plot")
    if stem in CHART_PAGES:
        assert charts.count() > 0, f"no plotly chart on {stem}"
    if charts.count():
        # Plotly draws into SVG (and canvas/WebGL for maps): the elements must really exist.
        drawn = page.locator(".js-plotly-plot .main-svg, .js-plotly-plot canvas").count()
        assert drawn >= charts.count()
    screenshot(page, f"{stem}-en")
    assert _outside_requests(page.requested) == []


def test_overview_charts_render_in_the_browser(app_server, page):
    page.goto(page_url(app_server, "overview", "lang=ru"))
    wait_for_app(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 3
    # Bars and lines are drawn as SVG paths, not just empty axes.
    assert (
        page.locator(".js-plotly-plot .bars path, .js-plotly-plot .scatterlayer path").count() > 0
    )


def test_language_switch_changes_visible_text(app_server, page):
    page.goto(page_url(app_server, "overview", "lang=ru"))
    wait_for_app(page)
    assert page.locator("h1").first.inner_text() == t("overview.title", "ru")
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="English").click()
    page.wait_for_function(
        "title => document.querySelector('[data-testid=\"stMain\"] h1')?.innerText === title",
        arg=t("overview.title", "en"),
        timeout=30_000,
    )
    wait_for_app(page)
    assert "lang=en" in page.url
    assert t("simulated.notice", "en") in page.inner_text("body")
    screenshot(page, "overview-language-switched")
    assert _outside_requests(page.requested) == []
