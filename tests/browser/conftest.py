"""A real Streamlit server on 127.0.0.1 and Debian's Chromium driven by Playwright.

The server runs the app on a private copy of the demo warehouse. Chromium comes from the
system (scripts/install_system_deps.sh installs it); Playwright's own browser download is
never used. Every request the page makes is recorded so tests can prove none leaves the
machine.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app_pages import page_path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PAGES = sorted(p.stem for p in (ROOT / "app_pages").glob("*.py") if not p.stem.startswith("_"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not become healthy at {url}")


def start_server(
    db_path: Path, log_path: Path, script: Path = ROOT / "dashboard.py", cwd: Path = ROOT
) -> tuple[str, subprocess.Popen]:
    """Serve ``script`` (the app by default) on a free loopback port, from ``cwd`` (another
    checkout's app: bench/bench_app.py --before); returns URL and process."""
    port = _free_port()
    env = {**os.environ, "PARKS_DB": str(db_path)}
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
    except Exception:
        process.kill()
        raise
    return url, process


@pytest.fixture(scope="session")
def app_server(demo_db, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/install_system_deps.sh (make test does)")
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    url, process = start_server(db, folder / "streamlit.log")
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records every URL it requests (``page.requested``)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    context.close()


def wait_for_app(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has rendered the page and finished running the script: a title is
    shown, no skeleton placeholder or running indicator remains, and the page has stopped
    changing for half a second."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const busy = document.querySelector(
                '[data-testid="stSkeleton"], [data-testid="stStatusWidget"], .stSpinner');
            const size = document.body.innerHTML.length;
            const now = performance.now();
            const w = window.__settle || (window.__settle = {size: -1, since: now});
            if (busy || size !== w.size) { w.size = size; w.since = now; return false; }
            return now - w.since > 500;
        }""",
        timeout=timeout_ms,
        polling=100,
    )


def page_url(base: str, stem: str, query: str = "") -> str:
    return f"{base}/{page_path(stem)}" + (f"?{query}" if query else "")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
