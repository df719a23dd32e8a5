"""A department on one PostgreSQL warehouse (issue 13): two Streamlit servers on different
ports (two instances behind a balancer), twenty browser sessions across them drawing the
review at once without an error, and an editor's upload on one instance shown by the other on
its next interaction.

The warehouse is this test's clone of the demo the `demo` command wrote onto the throwaway
server (tests/conftest.py pg_demo)."""

from __future__ import annotations

import subprocess
import time

import psycopg
import pytest
from playwright.sync_api import expect

from analytics.i18n import fmt_number, t
from analytics.intake import users
from analytics.warehouse.connection import connect
from app_pages.common.data import SERVER_STAMP_SECONDS
from tests.browser.conftest import page_url, start_server, wait_for_app
from tests.browser.test_cli_beside_app import METRIC, PASSWORD, show_q4_afresh

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SESSIONS = 20
EDITOR = "olga"
LATEST_JOBS_SQL = (
    "SELECT sum(jobs_total) FROM park_quarter"
    " WHERE quarter = (SELECT max(quarter) FROM park_quarter)"
)


def latest_jobs(url: str) -> int:
    """Outside reference: the review's first KPI card straight from the server's mart."""
    with psycopg.connect(url) as raw:
        return int(raw.execute(LATEST_JOBS_SQL).fetchone()[0])


def stored_jobs(url: str, park: str) -> float:
    with psycopg.connect(url) as raw:
        return raw.execute(
            "SELECT jobs_total FROM park_quarter WHERE park_id = %s AND quarter = '2025-10-01'",
            [park],
        ).fetchone()[0]


def digits(text: str) -> int:
    return int("".join(ch for ch in text if ch.isdigit()))


def no_exception(page) -> bool:
    return page.locator('[data-testid="stException"]').count() == 0


def upload_as_editor(page, base: str, csv_path) -> None:
    """Log in on the Data page, upload a file, wait for its preview and commit it."""
    page.goto(page_url(base, "data", "lang=en"))
    wait_for_app(page, timeout_ms=180_000)
    page.locator('[data-testid="stTextInput"] input').first.fill(EDITOR)
    page.locator("input[type=password]").fill(PASSWORD)
    page.get_by_role("button", name=t("data.login", "en")).click()
    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=60_000)
    wait_for_app(page, timeout_ms=60_000)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv_path))
    commit = page.get_by_role("button", name=t("data.commit", "en"))
    commit.wait_for(timeout=120_000)
    wait_for_app(page, timeout_ms=120_000)
    commit.click()
    page.get_by_text("Committed as batch").wait_for(timeout=120_000)
    wait_for_app(page, timeout_ms=60_000)


def test_two_instances_on_one_server_warehouse_twenty_sessions_and_an_upload(
    browser, pg_demo_url, tmp_path
):
    url = pg_demo_url
    with connect(url) as con:
        users.add_user(con, EDITOR, "editor", PASSWORD)
    servers = [start_server(url, tmp_path / f"streamlit{i}.log") for i in (1, 2)]
    assert servers[0][0] != servers[1][0]  # two ports
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000})
                for _ in range(SESSIONS + 1)]  # fmt: skip
    try:
        pages = [context.new_page() for context in contexts[:SESSIONS]]
        # Start every session before waiting for any: both servers run ten at once. The
        # first of each server's sessions reads English (it is the one used afterwards).
        for i, page in enumerate(pages):
            base = servers[i % 2][0]
            lang = "en" if i < 2 else ("ru", "uk", "en")[i % 3]
            page.goto(page_url(base, "review", f"lang={lang}"), wait_until="commit")
        before = latest_jobs(url)
        for i, page in enumerate(pages):
            page.wait_for_selector(METRIC, timeout=240_000)
            wait_for_app(page, timeout_ms=240_000)
            assert no_exception(page), i
            assert digits(page.locator(METRIC).first.inner_text()) == before, i

        # An editor uploads a correction on the first instance ...
        old = stored_jobs(url, "XD-P001")
        report = tmp_path / "correction.csv"
        report.write_text(f"park_id,quarter,jobs_total\nXD-P001,2025Q4,{old + 40:.0f}\n")
        editor = contexts[SESSIONS].new_page()
        upload_as_editor(editor, servers[0][0], report)
        committed = time.monotonic()
        assert no_exception(editor)
        after = latest_jobs(url)
        assert after == before + 40

        # ... and the other instance's open sessions show it on their next interaction (so
        # does the first instance's). Each process reads the server's stamp at most once a
        # second, so "next" means the first interaction after that second has passed.
        time.sleep(max(0.0, SERVER_STAMP_SECONDS - (time.monotonic() - committed)))
        for page in (pages[1], pages[0]):
            page.bring_to_front()
            show_q4_afresh(page)
            # The figure is read once the page has drawn it (a rerun under load can begin
            # after the box already shows the choice); a stale figure still fails here.
            expect(page.locator(METRIC).first).to_have_text(fmt_number(after, "en"), timeout=60_000)
            assert no_exception(page)
    finally:
        for context in contexts:
            context.close()
        for _, server in servers:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    for i in (1, 2):  # neither server logged an error
        log = (tmp_path / f"streamlit{i}.log").read_text(errors="replace")
        assert "Traceback" not in log, log[-3000:]
