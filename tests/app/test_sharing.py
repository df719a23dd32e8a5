"""The app beside the command line on one warehouse file: the app holds the file only while
it reads or commits, an import from the command line shows on the app's next interaction, and
a page or a commit that must wait for another program says for whom, in the page's language.

The other program is a real process holding the file through DuckDB (as the command line or
a notebook would)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from analytics.i18n import fmt_number
from analytics.intake import users
from analytics.warehouse.connection import connect
from analytics.warehouse.sharing import WAIT_ENV
from tests.app.conftest import new_app
from tests.warehouse.test_sharing import HOLD

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
FIRST_METRIC_SQL = (
    "SELECT sum(jobs_total) FROM park_quarter"
    " WHERE quarter = (SELECT max(quarter) FROM park_quarter)"
)


@pytest.fixture
def hold(tmp_path):
    script = tmp_path / "hold.py"
    script.write_text(HOLD, encoding="utf-8")
    started = []

    def start(path, mode):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(path), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "holding"
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def release_after(proc, seconds):
    def release():
        proc.stdin.write("\n")
        proc.stdin.flush()

    threading.Timer(seconds, release).start()


def latest_jobs(db) -> int:
    """Outside reference: the review's first KPI card straight from the mart."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(FIRST_METRIC_SQL).fetchone()[0]


def test_an_import_from_the_command_line_shows_on_the_next_interaction(app_db, tmp_path):
    at = new_app("en").run()
    assert not at.exception, [e.value for e in at.exception]
    before = at.metric[0].value
    assert before == fmt_number(latest_jobs(app_db), "en")
    report = tmp_path / "correction.csv"
    report.write_text("Park (code or name),Quarter,Jobs at residents\nXD-P001,Q4 2025,200\n")
    # The app is open (its session lives on) while the command line writes to the file.
    done = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", "import", str(report)],
        cwd=ROOT,
        env={**os.environ, "PARKS_DB": str(app_db)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    at.run()  # the next interaction
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == fmt_number(latest_jobs(app_db), "en") != before


def test_a_cached_rerun_does_not_open_the_file(app_db, monkeypatch):
    at = new_app("en").run()
    opened = []
    real = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(a) or real(*a, **k))
    at.run()  # the same view again: every query is cached, the data stamp is two stat calls
    assert not at.exception, [e.value for e in at.exception]
    assert opened == []
    quarter = at.selectbox(key="review_quarter")
    quarter.select_index(
        len(quarter.options) - 2
    ).run()  # another quarter: its queries share one open
    assert not at.exception, [e.value for e in at.exception]
    assert len(opened) == 1


def test_a_page_that_finds_a_writer_at_work_waits_for_it_and_is_drawn(app_db, hold):
    writer = hold(app_db, "write")
    release_after(writer, 2.5)
    started = time.monotonic()
    at = new_app("en").run()
    assert time.monotonic() - started >= 2.5  # nothing to draw before the writer is done
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.metric[0].value == fmt_number(latest_jobs(app_db), "en")


def test_a_page_whose_wait_runs_out_says_so_in_its_language(app_db, hold, monkeypatch):
    monkeypatch.setenv(WAIT_ENV, "2")
    writer = hold(app_db, "write")
    at = new_app("uk").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [
        f"База даних {app_db} не звільнилася за 2 с: до неї все ще записує дані інша програма"
        f" (hold.py, PID {writer.pid}). Повторіть, коли запис закінчиться, або збільште"
        f" очікування змінною {WAIT_ENV}."
    ]


def test_a_commit_from_the_data_page_waits_for_a_reader_and_says_so(app_db, hold):
    with connect(app_db) as con:
        users.add_user(con, "olga", "editor", PASSWORD)
    at = new_app("uk").run()
    at.switch_page("app_pages/data.py").run()
    at.text_input(key="data_login_name").input("olga")
    at.text_input(key="data_login_password").input(PASSWORD)
    at.button(key="data_login_submit").click().run()
    content = b"Park (code or name),Quarter,Jobs at residents\nXD-P001,Q4 2025,200\n"
    at.file_uploader(key="data_upload").set_value(("correction.csv", content, "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    reader = hold(app_db, "read")  # a notebook or `review` reading the file meanwhile
    release_after(reader, 1.6)
    at.button(key="data_commit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.success) == 1 and not at.error, [e.value for e in at.error]
    waited = [c.value for c in at.caption if c.value.startswith("Чекали на базу даних")]
    assert len(waited) == 1, [c.value for c in at.caption]
    assert waited[0].endswith(f"(її займав процес: інша програма (hold.py, PID {reader.pid})).")
    seconds = float(waited[0].split()[4].replace(",", "."))
    assert 1.5 <= seconds < 30
    with duckdb.connect(str(app_db), read_only=True) as con:
        assert con.execute(
            "SELECT jobs_total FROM park_quarter WHERE park_id = 'XD-P001'"
            " AND quarter = DATE '2025-10-01'"
        ).fetchone() == (200,)


WRITE_AND_HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE written_meanwhile (x INTEGER)")  # the file changes on disk (.wal)
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


def test_a_cached_view_is_drawn_at_once_while_a_writer_is_at_work(app_db, tmp_path, monkeypatch):
    """The rerun asks for the file without waiting (wait=0) and draws the cached view: a
    count of the waits the app asked for, not a stopwatch alone (CI, loaded, took 2.1 s for
    a rerun that never waited)."""
    from analytics.warehouse import connection

    asked: list[float | None] = []
    opened = connection.reading

    def reading(*args, **kwargs):
        asked.append(kwargs.get("wait"))
        return opened(*args, **kwargs)

    monkeypatch.setattr(connection, "reading", reading)
    at = new_app("en").run()
    before = at.metric[0].value
    script = tmp_path / "write_and_hold.py"
    script.write_text(WRITE_AND_HOLD, encoding="utf-8")
    writer = subprocess.Popen(
        [sys.executable, str(script), str(app_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "holding"
        asked.clear()
        started = time.monotonic()
        at.run()  # the same view: the data as last committed, without waiting for the writer
        assert asked == [0]  # the stamp's one look at the file, and no accessor's wait
        assert time.monotonic() - started < connection.wait_seconds()
        assert not at.info and not at.exception and not at.error, [e.value for e in at.error]
        assert at.metric[0].value == before
    finally:
        writer.kill()
        writer.wait()


def test_after_a_switch_to_another_file_a_busy_file_is_waited_for_not_shown_stale(
    app_db, hold, tmp_path, monkeypatch
):
    """Data cached from the first file may not stand in for the second while it is busy."""
    new_app("en").run()  # the first file's data are now cached and stamped
    other = tmp_path / "other.duckdb"
    other.write_bytes(app_db.read_bytes())
    with duckdb.connect(str(other)) as con:
        con.execute("UPDATE park_quarter SET jobs_total = jobs_total + 1")
    monkeypatch.setenv("PARKS_DB", str(other))
    writer = hold(other, "write")
    release_after(writer, 2.5)
    started = time.monotonic()
    at = new_app("en").run()
    assert time.monotonic() - started >= 2.5
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == fmt_number(latest_jobs(other), "en")
    assert latest_jobs(other) != latest_jobs(app_db)
