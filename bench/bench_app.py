"""How fast the quarterly review feels in a real browser, against a bare Streamlit page.

Starts the app on 127.0.0.1 with a fresh demo warehouse and Debian's Chromium (Playwright),
then measures, median of several runs:
- first render: from navigation to the review's KPI cards on screen, each run in a new
  browser context (empty browser cache: a first visit; the server's caches are warm after
  the first run, as for every user after the first of the day), and again for a returning
  visitor whose browser has cached the app's scripts;
- quarter change: from choosing another quarter to the KPI cards showing its values.
The peer is a one-metric Streamlit page served by the same server process kind in the same
run: the framework's own floor. Targets: first render < 2 s, quarter change < 300 ms.

Run: .venv/bin/python bench/bench_app.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.demo.load import write_demo  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_server  # noqa: E402

FIRST_METRIC = '[data-testid="stMain"] [data-testid="stMetricValue"]'
BARE_PAGE = textwrap.dedent(
    """
    import streamlit as st
    st.title("Bare page")
    st.metric("Metric", 42)
    """
)


def _time_first_render(
    browser, url: str, ready_selector: str, timeout_ms: int = 60_000, context=None
) -> float:
    """Navigation to ``ready_selector`` on screen. A new browser context has an empty cache
    (a first visit); passing a ``context`` that has seen the app measures a returning user."""
    own = context is None
    context = context or browser.new_context()
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(ready_selector, timeout=timeout_ms)
    elapsed = time.perf_counter() - start
    page.close()
    if own:
        context.close()
    return elapsed


def _time_quarter_changes(browser, url: str, runs: int) -> list[float]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(FIRST_METRIC, timeout=60_000)
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=60_000)
    quarter_box = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first
    times = []
    # Alternate between the two latest quarters so every change is a real change (early
    # quarters may all show zero). The list is virtualised: type the label to reach it.
    labels = ("III кв. 2025", "IV кв. 2025")
    for i in range(runs):
        before = page.locator(FIRST_METRIC).first.inner_text()
        quarter_box.click()
        page.keyboard.type(labels[i % 2])
        target = page.get_by_role("option", name=labels[i % 2], exact=True)
        target.wait_for()
        start = time.perf_counter()
        target.click()
        page.wait_for_function(
            "([sel, old]) => { const e = document.querySelector(sel);"
            " return e && e.innerText !== old; }",
            arg=[FIRST_METRIC, before],
            timeout=30_000,
            polling="raf",
        )
        times.append(time.perf_counter() - start)
        page.wait_for_timeout(300)
    context.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = write_demo(folder / "warehouse.duckdb")
        app_url, app = start_server(db, folder / "app.log")
        bare_script = folder / "bare.py"
        bare_script.write_text(BARE_PAGE, encoding="utf-8")
        bare_url, bare_server = start_server(db, folder / "bare.log", script=bare_script)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                review_url = f"{app_url}/?lang=ru"
                _time_first_render(
                    browser, review_url, FIRST_METRIC, timeout_ms=300_000
                )  # warm caches
                _time_first_render(browser, bare_url, FIRST_METRIC)
                review = [
                    _time_first_render(browser, review_url, FIRST_METRIC) for _ in range(args.runs)
                ]
                floor = [
                    _time_first_render(browser, bare_url, FIRST_METRIC) for _ in range(args.runs)
                ]
                returning = browser.new_context()
                _time_first_render(browser, review_url, FIRST_METRIC, context=returning)
                warm = [
                    _time_first_render(browser, review_url, FIRST_METRIC, context=returning)
                    for _ in range(args.runs)
                ]
                returning.close()
                changes = _time_quarter_changes(browser, review_url, args.runs)
                browser.close()
        finally:
            app.terminate()
            bare_server.terminate()
    first, peer, change, again = (statistics.median(x) for x in (review, floor, changes, warm))
    print(f"review first render:  median {first:.3f} s over {len(review)} runs (target < 2 s)")
    print(f"  returning visitor (browser cache warm): median {again:.3f} s")
    print(f"bare Streamlit page:  median {peer:.3f} s  -> review / bare = {first / peer:.2f}x")
    print(
        f"quarter change:       median {change * 1000:.0f} ms over {len(changes)} (target < 300 ms)"
    )
    ok = first < 2.0 and change < 0.3
    print("MEETS TARGETS" if ok else "SLOWER THAN TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
