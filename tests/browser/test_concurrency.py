"""Twenty people open the quarterly review at once: every session renders without an error and
shows the warehouse's own figure."""

import duckdb
import pytest

from tests.browser.conftest import PAGES, page_url, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SESSIONS = 20
METRIC = '[data-testid="stMain"] [data-testid="stMetricValue"]'


def latest_jobs(db) -> int:
    """Outside reference: the latest quarter's reported jobs straight from the mart (the first
    KPI card of the review's default view)."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT sum(jobs_total) FROM park_quarter"
            " WHERE quarter = (SELECT max(quarter) FROM park_quarter)"
        ).fetchone()[0]


def test_twenty_concurrent_sessions_on_the_review_page(app_server, browser, demo_db):
    if "review" not in PAGES:
        pytest.skip("the review page has not landed")
    contexts = [browser.new_context() for _ in range(SESSIONS)]
    try:
        pages = [context.new_page() for context in contexts]
        # Start every session before waiting for any, so the server runs them together.
        for i, page in enumerate(pages):
            page.goto(
                page_url(app_server, "review", f"lang={('ru', 'uk', 'en')[i % 3]}"),
                wait_until="commit",
            )
        first_values = []
        for page in pages:
            page.wait_for_selector(METRIC, timeout=180_000)
            wait_for_app(page, timeout_ms=180_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            first_values.append(page.locator(METRIC).first.inner_text())
        # Every session shows the same figure, whatever its language's number format.
        digits = {int("".join(ch for ch in v if ch.isdigit())) for v in first_values}
        assert digits == {latest_jobs(demo_db)}, first_values
    finally:
        for context in contexts:
            context.close()
