"""The whole app on a PostgreSQL warehouse (PARKS_DB=postgresql://…): every page draws, an
editor logs in, previews an upload (checked on a local DuckDB copy) and commits it, and an
import made elsewhere (another app instance, the command line) shows on the next interaction
once the server's stamp is asked again (at most once a second per process)."""

from __future__ import annotations

import time

import psycopg
import pytest

from analytics.i18n import LANGUAGES, fmt_number, t
from analytics.intake import commit_import, plan_import, read_file, users, validate
from analytics.warehouse import connection
from analytics.warehouse.connection import connect
from analytics.warehouse.mirror import local_copy
from app_pages import PAGES
from app_pages.common import data
from tests.app.conftest import new_app
from tests.app.test_data import PASSWORD, log_in, metric, open_data_page, table_with, upload
from tests.pg.cluster import free_port

FIRST_METRIC_SQL = (
    "SELECT sum(jobs_total) FROM park_quarter"
    " WHERE quarter = (SELECT max(quarter) FROM park_quarter)"
)


@pytest.fixture
def server_app(pg_demo_url, monkeypatch):
    """The app's warehouse is this test's clone of the demo on the server."""
    monkeypatch.setenv("PARKS_DB", pg_demo_url)
    return pg_demo_url


def latest_jobs(url: str) -> int:
    """Outside reference: the review's first KPI card straight from the server's mart."""
    with psycopg.connect(url) as raw:
        return int(raw.execute(FIRST_METRIC_SQL).fetchone()[0])


def stored_jobs(url: str, park: str) -> float:
    with psycopg.connect(url) as raw:
        return raw.execute(
            "SELECT jobs_total FROM park_quarter WHERE park_id = %s AND quarter = '2025-10-01'",
            [park],
        ).fetchone()[0]


def import_elsewhere(url: str, content: bytes, user: str = "boris") -> None:
    """An import by another program on the same server (the command line's way)."""
    with connect(url) as con:
        with local_copy(con) as engine:
            plan = plan_import(engine, validate(engine, read_file(content, "other.csv"), "en"))
        commit_import(con, plan, user=user, accept_warnings=True)


def test_every_page_draws_on_a_server(server_app):
    at = new_app("ru").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == fmt_number(latest_jobs(server_app), "ru")
    for stem, _ in PAGES[1:]:
        at.switch_page(f"app_pages/{stem}.py").run()
        assert not at.exception, (stem, [e.value for e in at.exception])
        assert not at.error, (stem, [e.value for e in at.error])
        assert at.title and at.title[0].value == t(f"{stem}.title", "ru"), stem


def test_an_editor_previews_and_commits_on_a_server_beside_another_editor(server_app):
    with connect(server_app) as con:
        users.add_user(con, "olga", "editor", PASSWORD)
    total = latest_jobs(server_app)
    old = stored_jobs(server_app, "XD-P001")
    at = log_in(open_data_page("en"), "olga")
    assert not at.exception, [e.value for e in at.exception]
    assert t("data.logged_in_as", "en", name="olga", role=t("data.role_editor", "en")) in [
        m.value for m in at.markdown
    ]
    logins = table_with(at, t("data.col_account", "en"))  # the login log, read on the server
    assert list(logins[t("data.col_account", "en")]) == ["olga"]

    at = upload(
        at, "mine.csv", f"park_id,quarter,jobs_total\nXD-P001,2025Q4,{old + 40:.0f}\n".encode()
    )
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, t("data.updated", "en")) == "1"
    with psycopg.connect(server_app) as raw:  # a preview writes nothing
        assert raw.execute("SELECT count(*) FROM import_log").fetchone() == (0,)
    # Meanwhile another editor loads another park's value: both land.
    other = stored_jobs(server_app, "XD-P002")
    import_elsewhere(
        server_app, f"park_id,quarter,jobs_total\nXD-P002,2025Q4,{other + 2:.0f}\n".encode()
    )
    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and len(at.success) == 1, [e.value for e in at.error]
    assert stored_jobs(server_app, "XD-P001") == old + 40
    assert stored_jobs(server_app, "XD-P002") == other + 2
    imports = table_with(at, t("data.col_warnings", "en"))
    assert list(imports[t("data.col_user", "en")]) == ["olga", "boris"]

    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    label = t("overview.jobs_latest", "en", quarter="Q4 2025")
    assert metric(at, label) == fmt_number(total + 42, "en")


def test_an_import_elsewhere_shows_on_the_next_interaction_after_a_second(server_app, monkeypatch):
    at = new_app("en").run()
    before = at.metric[0].value
    assert before == fmt_number(latest_jobs(server_app), "en")
    opened = []
    real = connection._connect_server
    monkeypatch.setattr(connection, "_connect_server", lambda *a: opened.append(a) or real(*a))
    at.run()  # the same view at once: cached queries, and the stamp read a moment ago
    assert not at.exception and opened == []
    import_elsewhere(server_app, b"park_id,quarter,jobs_total\nXD-P001,2025Q4,200\n")
    opened.clear()
    time.sleep(data.SERVER_STAMP_SECONDS)
    at.run()  # the next interaction after a second
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == fmt_number(latest_jobs(server_app), "en") != before
    assert len(opened) == 1  # the run's queries shared one session


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_server_that_does_not_answer_is_one_translated_line_on_the_page(lang, monkeypatch):
    url = f"postgresql://ivanova:s3cret@127.0.0.1:{free_port()}/parks"
    monkeypatch.setenv("PARKS_DB", url)
    at = new_app(lang).run()
    assert not at.exception, [e.value for e in at.exception]
    (error,) = [e.value for e in at.error]
    assert "postgresql://ivanova:***@127.0.0.1:" in error and "s3cret" not in error
    said = t("warehouse.pg.cannot_connect", lang, url="\0", reason="").split("\0")[0]
    assert error.startswith(said)
