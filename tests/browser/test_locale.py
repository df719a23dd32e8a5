"""The screen in the reader's language (issue 15), in a real Chromium: every page in Russian and
Ukrainian shows no English framework text, no number with a decimal point in its tables, on
its chart axes or in its exported image, and no headline metric cut off, at 1440 px.

The browser runs in an English locale on purpose: nothing on the page may lean on the
browser's own locale. Screenshots: test-artifacts/browser/locale-<page>-<lang>.png.
"""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect

from analytics.i18n import t
from analytics.intake import users
from analytics.warehouse.connection import connect
from app_pages.common.format import PLOTLY_WORDS
from app_pages.common.framework import FRAMEWORK_WORDS
from tests.browser.conftest import ARTIFACTS, PAGES, page_url, start_server, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

LANGS = ("ru", "uk")
WIDTH, HEIGHT = 1440, 1000
EDITOR, PASSWORD = "redaktor", "long enough password 15"
# Streamlit's own English (case-sensitive: icon ligatures such as "upload" are lowercase).
ENGLISH = (
    "Choose options",
    "Choose an option",
    "Select all",
    "No results",
    "Drag and drop",
    "Browse files",
    "per file",
    "Press Enter",
    "Upload",
    "add icon",
)
# A number written with a decimal point ("592403.3", "0.28%", "-1.5"), or with an SI suffix
# ("50k"), as a whole cell or tick label.
POINT_NUMBER = re.compile(r"[+\-−]?[\d\s\u00a0\u202f\u2007\u2060]*\d\.\d+\s*%?")
SI_NUMBER = re.compile(r"[+\-−]?\d+(?:[.,]\d+)?\s?[kMGT]")
# Pages opened on a view with charts and tables (the review's trend; an estimate, by its link).
OPEN_WITH = {"review": "&section=trend", "impact": "&method=twfe&estimate=1"}
CHART_PAGES = {"overview", "explore", "regions", "review", "parks", "impact"}
# Where the regions table's columns sit on its canvas at 1440 px (x from its left edge).
CLICK_X = {2: 420}

LABELS = """() => [...document.querySelectorAll('[aria-label], [title]')]
    .flatMap(e => [e.getAttribute('aria-label'), e.getAttribute('title')]).filter(Boolean)"""
TABLE_CELLS = """() => [...document.querySelectorAll('[data-testid="stDataFrame"] td')]
    .map(td => td.textContent.replace(/[\\u2060\\u2007]/g, '').trim())"""
TICKS = """() => [...document.querySelectorAll(
    '.js-plotly-plot .xtick text, .js-plotly-plot .ytick text, .js-plotly-plot .cbaxis text')]
    .map(e => e.textContent)"""
PLACEHOLDERS = """() => [...document.querySelectorAll('[placeholder]')]
    .map(e => e.getAttribute('placeholder'))"""
# Elements of the headline metrics (and every ellipsis-clipped text in the page) whose text
# is wider than their box: cut off.
CUT = """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
    .filter(e => (e.closest('[data-testid="stMetric"]')
                  || getComputedStyle(e).textOverflow === 'ellipsis')
                 && e.scrollWidth > e.clientWidth + 1 && e.innerText.trim())
    .map(e => e.innerText.trim().slice(0, 80))"""
# The first chart exported as its toolbar's camera does (plotly's toImage), as SVG so its
# tick labels can be read: the PNG is drawn from the same figure.
EXPORTED_TICKS = """async () => {
    const gd = document.querySelector('.js-plotly-plot .xtick').closest('.js-plotly-plot');
    const url = await window.Plotly.toImage(gd, {format: 'svg'});
    const svg = decodeURIComponent(url.slice(url.indexOf(',') + 1));
    const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
    const png = await window.Plotly.toImage(gd, {format: 'png'});
    return {ticks: [...doc.querySelectorAll('.xtick text, .ytick text')].map(e => e.textContent),
            png: png.startsWith('data:image/png')};
}"""


@pytest.fixture(scope="module")
def locale_server(demo_db, tmp_path_factory):
    """The app on a private copy of the demo warehouse with one editor account."""
    folder = tmp_path_factory.mktemp("locale")
    db = folder / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    with connect(db) as con:
        users.add_user(con, EDITOR, "editor", PASSWORD)
    url, process = start_server(db, folder / "streamlit.log")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def open_page(page, base: str, stem: str, lang: str, query: str = "") -> None:
    page.goto(page_url(base, stem, f"lang={lang}{query}"))
    wait_for_app(page)
    if stem in CHART_PAGES:
        page.wait_for_selector(".js-plotly-plot .main-svg", state="attached", timeout=180_000)
        wait_for_app(page)


def english_in(page) -> list[str]:
    texts = [page.inner_text("body"), *page.evaluate(PLACEHOLDERS)]
    return [phrase for phrase in ENGLISH if any(phrase in text for text in texts)]


def english_labels(page) -> list[str]:
    """Screen readers' labels and tooltips still in Streamlit's English: whole, or before the
    ": " where Streamlit appends the element's own label."""
    return [
        label
        for label in page.evaluate(LABELS)
        if label in FRAMEWORK_WORDS or label.split(": ", 1)[0] in FRAMEWORK_WORDS
    ]


def point_numbers(texts: list[str]) -> list[str]:
    return [x for x in texts if POINT_NUMBER.fullmatch(x.strip()) or SI_NUMBER.fullmatch(x.strip())]


def full_screenshot(page, name: str) -> None:
    """The whole page (Streamlit scrolls its main block, not the window)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": min(max(height + 40, HEIGHT), 12000)})
    page.wait_for_timeout(800)  # charts redraw at the new size
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})


def try_filters(page, lang: str) -> list[str]:
    """Open the page's first multiselect and first main select box, type what matches
    nothing: Streamlit's "Select all" and "No results" must not show, our words must."""
    problems = []
    for widget in (
        '[data-testid="stMultiSelect"]',
        '[data-testid="stMain"] [data-testid="stSelectbox"]',
    ):
        found = page.locator(widget)
        if not found.count():
            continue
        found.first.locator("input").first.click()
        page.wait_for_timeout(300)
        problems += english_in(page)
        page.keyboard.type("zzzzqq")
        page.wait_for_timeout(400)
        problems += english_in(page)
        shown = page.evaluate(
            """() => { const s = document.querySelector(
                '[role="listbox"][data-empty="true"] [role="option"] > span');
                return s ? getComputedStyle(s, '::after').content : null; }"""
        )
        if shown != f'"{t("app_locale.no_results", lang)}"':
            problems.append(f"empty list says {shown!r}")
        page.keyboard.press("Escape")
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)
    return problems


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("stem", PAGES)
def test_every_page_reads_in_the_language(locale_server, page, stem, lang):
    open_page(page, locale_server, stem, lang, OPEN_WITH.get(stem, ""))
    assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")[:1500]
    full_screenshot(page, f"locale-{stem}-{lang}")
    assert english_in(page) == []
    assert english_labels(page) == []
    assert point_numbers(page.evaluate(TABLE_CELLS)) == []
    ticks = page.evaluate(TICKS)
    if stem in CHART_PAGES:
        assert ticks, "no tick labels read"
    assert point_numbers(ticks) == []
    assert page.evaluate(CUT) == []
    if stem in CHART_PAGES:
        exported = page.evaluate(EXPORTED_TICKS)
        assert exported["png"] and exported["ticks"]
        assert point_numbers(exported["ticks"]) == []
    titles = page.evaluate(
        "() => [...document.querySelectorAll('.modebar-btn')].map(b => b.dataset.title)"
    )
    assert not set(titles) & set(PLOTLY_WORDS)  # plotly's toolbar in the language
    assert try_filters(page, lang) == []


@pytest.mark.parametrize("lang", LANGS)
def test_synthetic_control_estimate_by_its_link(locale_server, page, lang):
    """The link of a synthetic-control estimate opens on it: gaps, donor weights (table and
    bars), labels and method names whole at 1440 px."""
    open_page(page, locale_server, "impact", lang, "&method=sc&park=XD-P021&estimate=1")
    page.wait_for_selector(".js-plotly-plot .bars", state="attached", timeout=120_000)
    full_screenshot(page, f"locale-impact-sc-{lang}")
    assert page.locator(".st-key-impact_method input").input_value() == t("method.sc", lang)
    assert t("app_locale.impact.donors", lang) in page.inner_text("body")
    assert english_in(page) == []
    cells = page.evaluate(TABLE_CELLS)
    assert any(c.endswith("%") and "," in c for c in cells)  # weights: "56,1 %"
    assert point_numbers(cells) == [] and point_numbers(page.evaluate(TICKS)) == []
    assert page.evaluate(CUT) == []


@pytest.mark.parametrize("lang", LANGS)
def test_editor_upload_reads_in_the_language(locale_server, page, lang, tmp_path):
    open_page(page, locale_server, "data", lang)
    page.locator('[data-testid="stTextInput"] input').first.fill(EDITOR)
    page.wait_for_timeout(300)
    assert english_in(page) == []  # "Press Enter to apply" under the field being edited
    page.locator("input[type=password]").fill(PASSWORD)
    page.get_by_role("button", name=t("data.login", lang)).click()
    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=30_000)
    wait_for_app(page)
    after = page.evaluate(
        """() => [...document.querySelectorAll(
            '[data-testid="stFileUploaderDropzone"] button p, '
            + '[data-testid="stFileUploaderDropzoneInstructions"] span')]
            .map(e => getComputedStyle(e, '::after').content)"""
    )
    assert after == [
        f'"{t("app_locale.upload.button", lang)}"',
        f'"{t("app_locale.upload.limit", lang, size="50", types="CSV, TXT, XLSX, XLS")}"',
    ]
    # a file dragged over the zone
    drag = page.evaluate_handle(
        "() => { const d = new DataTransfer();"
        " d.items.add(new File(['a'], 'a.csv', {type: 'text/csv'})); return d; }"
    )
    zone = page.locator('[data-testid="stFileUploaderDropzone"]')
    zone.dispatch_event("dragenter", {"dataTransfer": drag})
    page.wait_for_timeout(300)
    assert english_in(page) == []
    zone.dispatch_event("dragleave", {"dataTransfer": drag})
    # a file with errors: its preview tables in the language, no English size of the file
    upload = tmp_path / "report.csv"
    upload.write_text("park_id;quarter;jobs_total\nXD-P001;2025Q4;-5\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=30_000)
    wait_for_app(page)
    full_screenshot(page, f"locale-data-editor-{lang}")
    assert english_in(page) == []
    assert not re.search(r"\d+(\.\d+)?\s?[KM]B", page.inner_text("body"))
    assert point_numbers(page.evaluate(TABLE_CELLS)) == []


def test_numbers_sort_as_numbers(locale_server, page):
    """Table numbers travel as locale text; a click on a column sorts them by value."""
    open_page(page, locale_server, "regions", "ru")
    grid = page.locator('[data-testid="stDataFrame"]').last
    grid.scroll_into_view_if_needed()
    headers = grid.locator("th").all_text_contents()
    column = headers.index(t("regions.park_jobs", "ru"))
    box = grid.bounding_box()
    # the grid is drawn on a canvas: its columns are as wide as their content; the header row
    # is 35 px high. Move along the header until the column's header is under the pointer.
    page.mouse.click(box["x"] + CLICK_X[column], box["y"] + 17)
    page.wait_for_timeout(800)
    cells = [
        c.replace("\u2060", "").strip("\u2007 ") for c in grid.locator("td").all_text_contents()
    ]
    values = [int(re.sub(r"\D", "", c)) for c in cells[column :: len(headers)] if c != "–"]
    assert len(values) > 5 and values == sorted(values)


def toolbar_button(page, grid, word: str):
    """The toolbar button of ``grid`` whose label begins with ``word``'s translation."""
    grid.hover()
    return grid.locator("xpath=..").locator(
        f'[data-testid="stElementToolbarButton"] button[aria-label^="{word}"]'
    )


@pytest.mark.parametrize("lang", LANGS)
def test_table_toolbar_and_column_menu_read_in_the_language(locale_server, page, lang):
    """A table's toolbar (its tooltips, fullscreen) and its column menu in the language; a
    switch to English on the open page brings Streamlit's own words back."""
    open_page(page, locale_server, "regions", lang)
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    download = toolbar_button(page, grid, t("app_toolbar.download_csv", lang))
    download.hover()  # Streamlit shows a toolbar tooltip after a second
    tip = page.locator('[data-testid="stTooltipContent"]')
    expect(tip).to_have_text(t("app_toolbar.download_csv", lang), timeout=10_000)

    toolbar_button(page, grid, t("app_toolbar.fullscreen", lang)).click()
    close = page.locator(f'button[aria-label^="{t("app_toolbar.close_fullscreen", lang)}"]')
    expect(close).to_have_count(1, timeout=10_000)
    assert english_labels(page) == []
    close.click()

    # the last column's menu: its header ends at the grid's right edge, where the menu's
    # button shows under the pointer (the grid is drawn on a canvas)
    box = grid.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 60, box["y"] + 17)
    page.mouse.click(box["x"] + box["width"] - 16, box["y"] + 17)
    menu = page.locator('[data-testid="stDataFrameColumnMenu"]')
    expect(menu).to_be_visible(timeout=10_000)
    lines = menu.inner_text().splitlines()
    assert t("app_toolbar.sort_ascending", lang) in lines
    assert t("app_toolbar.statistics", lang) not in lines  # statistics of text: hidden
    assert [word for word in FRAMEWORK_WORDS if word in lines] == []
    assert english_labels(page) == []
    page.keyboard.press("Escape")

    switch = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').last
    switch.click()
    page.get_by_role("option", name="English").click()
    wait_for_app(page)
    grid.hover()
    labels = page.evaluate(LABELS)
    assert "Download as CSV" in labels and t("app_toolbar.download_csv", lang) not in labels
