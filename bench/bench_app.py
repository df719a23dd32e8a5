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

With ``--before REV`` the app at that git revision (a detached worktree, its own demo
warehouse, the same virtual environment) is served beside this checkout's and timed in the
same run; the script prints after / before for each figure (issue 14: the restructuring
of app_pages/ is no slower; its parent commit is 2a0e67d).

Run: .venv/bin/python bench/bench_app.py [--runs 7] [--before REV]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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


def _measure(browser, app_url: str, bare_url: str, runs: int) -> dict[str, list[float]]:
    """First renders (new and returning visitor), the bare page's, and quarter changes."""
    review_url = f"{app_url}/?lang=ru"
    _time_first_render(browser, review_url, FIRST_METRIC, timeout_ms=300_000)  # warm caches
    _time_first_render(browser, bare_url, FIRST_METRIC)
    found = {
        "first": [_time_first_render(browser, review_url, FIRST_METRIC) for _ in range(runs)],
        "bare": [_time_first_render(browser, bare_url, FIRST_METRIC) for _ in range(runs)],
    }
    returning = browser.new_context()
    _time_first_render(browser, review_url, FIRST_METRIC, context=returning)
    found["returning"] = [
        _time_first_render(browser, review_url, FIRST_METRIC, context=returning)
        for _ in range(runs)
    ]
    returning.close()
    found["change"] = _time_quarter_changes(browser, review_url, runs)
    return found


@contextmanager
def _checkout(revision: str, folder: Path) -> Iterator[Path]:
    """A detached worktree of ``revision`` in ``folder`` (removed afterwards)."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), revision],
        check=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False
        )


def _demo_of(tree: Path, db: Path) -> Path:
    """The demo warehouse as ``tree``'s own code writes it (its schema of the day)."""
    subprocess.run(
        [sys.executable, "-m", "analytics", "demo"],
        cwd=tree,
        env={**os.environ, "PARKS_DB": str(db), "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
    )
    return db


def _report(name: str, found: dict[str, list[float]]) -> dict[str, float]:
    first, peer, change, again = (
        statistics.median(found[k]) for k in ("first", "bare", "change", "returning")
    )
    runs = len(found["first"])
    print(f"{name}:")
    print(f"  review first render:  median {first:.3f} s over {runs} runs (target < 2 s)")
    print(f"    returning visitor (browser cache warm): median {again:.3f} s")
    print(f"  bare Streamlit page:  median {peer:.3f} s  -> review / bare = {first / peer:.2f}x")
    print(f"  quarter change:       median {change * 1000:.0f} ms over {runs} (target < 300 ms)")
    return {"first": first, "change": change, "returning": again, "bare": peer}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also time the app at this git revision, in the same run (e.g. the commit before "
        "a restructuring), each on its own demo warehouse, and print after / before",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        apps = {"this checkout": (ROOT, write_demo(folder / "warehouse.duckdb"))}
        if args.before:
            tree = stack.enter_context(_checkout(args.before, folder / "before"))
            apps[f"before ({args.before})"] = (tree, _demo_of(tree, folder / "before.duckdb"))
        bare_script = folder / "bare.py"
        bare_script.write_text(BARE_PAGE, encoding="utf-8")
        db = apps["this checkout"][1]
        bare_url, bare_server = start_server(db, folder / "bare.log", script=bare_script)
        stack.callback(bare_server.terminate)
        urls = {}
        for i, (name, (tree, db)) in enumerate(apps.items()):
            url, server = start_server(db, folder / f"app{i}.log", tree / "dashboard.py", tree)
            stack.callback(server.terminate)
            urls[name] = url
        results = {}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for name, url in urls.items():
                results[name] = _report(name, _measure(browser, url, bare_url, args.runs))
            browser.close()
    now = results["this checkout"]
    if args.before:
        then = results[f"before ({args.before})"]
        print(
            f"after / before: first render {now['first'] / then['first']:.2f}x,"
            f" returning {now['returning'] / then['returning']:.2f}x,"
            f" quarter change {now['change'] / then['change']:.2f}x (below 1: faster now)"
        )
    ok = now["first"] < 2.0 and now["change"] < 0.3
    print("MEETS TARGETS" if ok else "SLOWER THAN TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
