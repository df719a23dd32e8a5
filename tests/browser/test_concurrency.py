"""Twenty people open the quarterly review at once: every session renders without an error."""

import pytest

from tests.browser.conftest import PAGES, page_url

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SESSIONS = 20
METRIC = '[data-testid="stMain"] [data-testid="stMetricValue"]'


@pytest.mark.xfail(
    strict=False,
    reason=(
        "Known bug (issue 7): since the compliance and peer-ranking sections landed, 20 sessions "
        "opened together on a cold server either take minutes or some show another quarter's "
        "cards ('0', '10' instead of the latest jobs). One session, or 20 on the earlier page, "
        "pass. Kept running so the failure stays visible until it is fixed."
    ),
)
def test_twenty_concurrent_sessions_on_the_review_page(app_server, browser):
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
            assert page.locator('[data-testid="stException"]').count() == 0
            first_values.append(page.locator(METRIC).first.inner_text())
        # All sessions show the same quarter's jobs, whatever their language's number format.
        digits = {"".join(ch for ch in v if ch.isdigit()) for v in first_values}
        assert len(digits) == 1, first_values
    finally:
        for context in contexts:
            context.close()
