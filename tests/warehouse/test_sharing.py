"""One warehouse file for several programs: an open waits while another process holds the file,
says for whom after a second, gives up at its bound with one translated line, and a reader
never sees part of an import.

The other process is real (a subprocess holding the file through DuckDB itself), so these
tests exercise DuckDB's own file locks, not a stand-in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from analytics.errors import UserError
from analytics.i18n import LANGUAGES
from analytics.warehouse import sharing
from analytics.warehouse.connection import connect, keeping_open, reading, writing
from analytics.warehouse.sharing import WAIT_ENV, WarehouseBusy, program_of

ROOT = Path(__file__).resolve().parents[2]
HOLD = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
    print("holding", flush=True)
    sys.stdin.readline()  # until the test lets go
    con.close()
    """
)
DUCKDB_ENGLISH = ("Could not set lock", "Conflicting lock", "IO Error")


@pytest.fixture
def db(demo_db, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(Path(demo_db).read_bytes())
    return path


@pytest.fixture
def hold(tmp_path):
    """``hold(path, "read" | "write")`` starts a process holding the file; ``.release()`` ends
    its hold (it exits)."""
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

        def release():
            if proc.poll() is None:
                proc.stdin.write("\n")
                proc.stdin.flush()
                proc.wait(timeout=30)

        proc.release = release
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def release_after(proc, seconds):
    timer = threading.Timer(seconds, proc.release)
    timer.start()
    return timer


def test_a_reader_waits_for_a_writer_elsewhere_and_says_for_whom(db, hold):
    writer = hold(db, "write")
    heard = []
    release_after(writer, 1.6)
    started = time.monotonic()
    with connect(db, read_only=True, wait=30, on_wait=heard.append) as con:
        waited = time.monotonic() - started
        assert con.execute("SELECT count(*) FROM park").fetchone()[0] == 60
    assert 1.5 <= waited < 20
    assert len(heard) == 1, heard  # said once, not on every attempt
    notice = heard[0]
    assert (notice.holder.pid, notice.holder.program, notice.activity) == (
        writer.pid,
        "hold.py",
        "writing",
    )
    assert notice.message("ru") == (
        f"Ждём базу данных: в неё записывает данные другая программа (hold.py, PID {writer.pid})"
        " (не дольше 30 с)…"
    )
    assert notice.message("en") == (
        f"Waiting for the warehouse: another program (hold.py, PID {writer.pid}) is writing to"
        " it (for up to 30 s)…"
    )


def test_a_wait_under_a_second_goes_unsaid(db, hold):
    writer = hold(db, "write")
    heard = []
    release_after(writer, 0.3)
    with connect(db, read_only=True, wait=30, on_wait=heard.append):
        pass
    assert heard == []


def test_a_writer_waits_for_a_reader_elsewhere(db, hold):
    reader = hold(db, "read")
    heard = []
    release_after(reader, 1.5)
    with connect(db, wait=30, on_wait=heard.append) as con:
        con.execute("CREATE TABLE written_after_the_reader (x INTEGER)")
    assert [(n.holder.pid, n.activity) for n in heard] == [(reader.pid, "reading")]
    # Another process may read at the same time as the reader, without waiting.
    other = hold(db, "read")
    with connect(db, read_only=True, wait=0) as con:
        assert con.execute("SELECT count(*) FROM written_after_the_reader").fetchone() == (0,)
    other.release()


def test_the_wait_is_bounded_and_ends_in_one_translated_line(db, hold):
    writer = hold(db, "write")
    started = time.monotonic()
    with pytest.raises(WarehouseBusy) as caught:
        connect(db, read_only=True, wait=1.5, on_wait=lambda notice: None)
    assert 1.5 <= time.monotonic() - started < 10
    for lang in LANGUAGES:
        text = caught.value.message(lang)
        assert "\n" not in text and f"PID {writer.pid}" in text and WAIT_ENV in text
        assert not any(english in text for english in DUCKDB_ENGLISH), text
    assert caught.value.message("uk") == (
        f"База даних {db} не звільнилася за 1,5 с: до неї все ще записує дані інша програма"
        f" (hold.py, PID {writer.pid}). Повторіть, коли запис закінчиться, або збільште"
        f" очікування змінною {WAIT_ENV}."
    )


def test_the_bound_comes_from_the_environment(db, hold, monkeypatch):
    hold(db, "write")
    monkeypatch.setenv(WAIT_ENV, "0,5")  # a decimal comma is read too
    started = time.monotonic()
    with pytest.raises(WarehouseBusy):
        connect(db, read_only=True, on_wait=lambda notice: None)
    assert time.monotonic() - started < 5
    monkeypatch.setenv(WAIT_ENV, "soon")
    with pytest.raises(UserError) as caught:
        connect(db, read_only=True)
    assert caught.value.key == "warehouse.sharing.bad_wait"
    assert "soon" in caught.value.message("ru")


def _cli(*args, env=None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_a_command_waits_then_fails_in_the_users_language(db, hold):
    writer = hold(db, "write")
    done = _cli("--lang", "uk", "info", "--db", str(db), env={WAIT_ENV: "2"})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr  # what it waits for, then why it stopped
    assert lines[0].startswith("Чекаємо на базу даних: до неї записує дані інша програма")
    assert lines[1].startswith(f"Помилка: База даних {db} не звільнилася за 2 с")
    assert all(f"PID {writer.pid}" in line for line in lines)
    assert not any(english in done.stderr for english in (*DUCKDB_ENGLISH, "Traceback"))


def test_a_command_waits_for_a_writer_then_succeeds(db, hold):
    writer = hold(db, "write")
    command = subprocess.Popen(
        [sys.executable, "-m", "analytics", "--lang", "en", "info", "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        said = command.stderr.readline().strip()  # a second into its wait
        writer.release()
        out, rest = command.communicate(timeout=60)
    finally:
        command.kill()
    assert said == (
        f"Waiting for the warehouse: another program (hold.py, PID {writer.pid}) is writing to"
        " it (for up to 30 s)…"
    )
    assert command.returncode == 0 and rest == "", rest
    assert "park" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["/usr/bin/python3", "-m", "streamlit", "run", "dashboard.py"],
            ("dashboard", "streamlit"),
        ),
        ([".venv/bin/python", ".venv/bin/streamlit", "run", "x.py"], ("dashboard", "streamlit")),
        (
            ["python", "-m", "analytics", "--lang", "ru", "import", "f.csv"],
            ("command", "analytics import"),
        ),
        (["python3.11", "-m", "analytics", "user", "add", "anna"], ("command", "analytics user")),
        (["python", "-m", "ipykernel_launcher", "-f", "k.json"], ("notebook", "jupyter")),
        (["/usr/bin/duckdb", "warehouse.duckdb"], ("shell", "duckdb")),
        (["python", "bench/bench_app.py"], ("program", "bench_app.py")),
        (["python", "-c", "import duckdb"], ("program", "python")),
        (["/opt/tool"], ("program", "tool")),
        ([], ("unknown", "")),
    ],
)
def test_the_holder_is_named_from_its_command_line(argv, expected):
    assert program_of(argv) == expected


def test_a_holder_that_is_gone_is_still_named_by_its_pid():
    holder = sharing.holder_of(2**22 + 12345)  # above Linux's pid_max default
    assert holder.kind == "unknown"
    assert holder.text("ru") == f"другая программа (PID {2**22 + 12345})"


# ---------------------------------------------------------------------------- one process


def test_a_writer_waits_for_this_processes_readers_and_they_for_it(db):
    heard = []
    inside = threading.Event()

    def read_for_a_while():
        with reading(db, wait=30) as cur:
            inside.set()
            time.sleep(1.5)
            cur.execute("SELECT count(*) FROM park").fetchone()

    reader = threading.Thread(target=read_for_a_while)
    reader.start()
    inside.wait(10)
    with writing(db, wait=30, on_wait=heard.append) as con:
        con.execute("CREATE TABLE written_by_this_process (x INTEGER)")
        con.execute("INSERT INTO written_by_this_process VALUES (1)")
    reader.join()
    assert [(n.holder.pid, n.activity) for n in heard] == [(os.getpid(), "reading")]
    with reading(db, wait=0) as cur:  # the shared connection sees the write at once
        assert cur.execute("SELECT x FROM written_by_this_process").fetchall() == [(1,)]


def test_a_read_nested_in_a_read_does_not_wait_for_a_waiting_writer(db):
    wrote = threading.Event()

    def write():
        with writing(db, wait=30, on_wait=lambda notice: None) as con:
            con.execute("CREATE TABLE later (x INTEGER)")
        wrote.set()

    with reading(db, wait=30) as outer:
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.3)  # the writer now waits for this thread's cursor
        with reading(db, wait=0.5) as inner:  # would raise WarehouseBusy if it queued
            assert inner.execute("SELECT count(*) FROM park").fetchone() == (60,)
        assert outer.execute("SELECT count(*) FROM park").fetchone() == (60,)
        assert not wrote.is_set()
    writer.join(30)
    assert wrote.is_set()


def test_the_shared_connection_closes_when_the_last_reader_is_done(db):
    with keeping_open(db):
        with reading(db) as cur:
            cur.execute("SELECT 1").fetchone()
        # Kept open between the queries of one job: another process cannot write meanwhile.
        with pytest.raises(WarehouseBusy):
            connect_elsewhere_for_writing(db, wait=0.5)
    connect_elsewhere_for_writing(db, wait=5)  # the job is over: the file is free


def connect_elsewhere_for_writing(path, wait):
    code = (
        "import sys; from analytics.warehouse.connection import connect;"
        f" connect({str(path)!r}, wait={wait}, on_wait=lambda n: None).close()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    if done.returncode:
        assert "WarehouseBusy" in done.stderr, done.stderr
        raise WarehouseBusy(sharing.Wait(str(path), sharing.holder_of(None), "reading", wait))


BUSY_APP = textwrap.dedent(
    """
    import sys, threading, time
    from analytics.warehouse.connection import keeping_open, reading
    path, stop = sys.argv[1], threading.Event()
    seen = []

    def session(offset):
        time.sleep(offset)
        with keeping_open(path):  # a page run that never ends, with overlapping queries
            while not stop.is_set():
                with reading(path, on_wait=lambda n: None) as cur:
                    seen.append(cur.execute("SELECT count(*) FROM source").fetchone()[0])
                    time.sleep(0.1)

    threads = [threading.Thread(target=session, args=(i * 0.05,)) for i in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    print("busy", flush=True)
    sys.stdin.readline()
    stop.set()
    for t in threads:
        t.join()
    print(len(seen), sorted(set(seen)), flush=True)
    """
)


def test_a_busy_reader_process_does_not_starve_a_writer(db, tmp_path):
    script = tmp_path / "busy_app.py"
    script.write_text(BUSY_APP, encoding="utf-8")
    app = subprocess.Popen(
        [sys.executable, str(script), str(db)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout.readline().strip() == "busy"
        started = time.monotonic()
        with connect(db, wait=20, on_wait=lambda notice: None) as con:
            waited = time.monotonic() - started
            con.execute(
                "INSERT INTO source (kind, producer, title, checksum, simulated)"
                " VALUES ('registry', 'test', 'while the app reads', 'x', false)"
            )
        time.sleep(0.5)  # the app's readers resume and see the new batch
        app.stdin.write("\n")
        app.stdin.flush()
        count, distinct = app.stdout.readline().split(" ", 1)
    finally:
        app.kill()
        app.wait()
    assert waited < 5, waited  # the readers made way; without the queue it waits to the bound
    assert int(count) > 10 and distinct.strip() == "[7, 8]"
    assert not sharing.queue_path(db).exists()  # the last writer out removed the queue file


# ---------------------------------------------------------------------------- imports


def _report(tmp_path, name, park, jobs):
    """A one-row park report correcting a park's jobs in the demo's latest quarter."""
    path = tmp_path / name
    path.write_text(f"Park (code or name),Quarter,Jobs at residents\n{park},Q4 2025,{jobs}\n")
    return path


def _import(path, db, **env):
    return subprocess.Popen(
        [sys.executable, "-m", "analytics", "--lang", "en", "import", str(path), "--db", str(db)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _jobs(con, park):
    return con.execute(
        "SELECT jobs_total FROM park_quarter WHERE park_id = ? AND quarter = DATE '2025-10-01'",
        [park],
    ).fetchone()[0]


def _batches_whole(con) -> bool:
    """Every loaded file is all there: its source, its raw rows and its log entry."""
    broken = con.execute(
        "SELECT count(*) FROM import_log l WHERE (SELECT count(*) FROM raw_park_quarter r"
        " WHERE r.source_id = l.source_id) <> l.inserted + l.updated"
    ).fetchone()[0]
    orphans = con.execute(
        "SELECT count(*) FROM source s WHERE NOT simulated AND s.source_id NOT IN"
        " (SELECT source_id FROM import_log)"
    ).fetchone()[0]
    return broken == 0 and orphans == 0


def test_a_reader_never_sees_part_of_an_import(db, tmp_path):
    command = _import(
        _report(tmp_path, "a.csv", "XD-P001", 200), db, PARKS_INTAKE_PAUSE_SECONDS="2"
    )
    try:
        for line in command.stderr:  # rows appended, marts not yet built, nothing committed
            if "paused inside the import transaction" in line:
                break
        heard = []
        with connect(db, read_only=True, wait=60, on_wait=heard.append) as con:
            # Open only once the import has committed: the whole new batch, marts included.
            assert con.execute("SELECT count(*) FROM import_log").fetchone() == (1,)
            assert _jobs(con, "XD-P001") == 200 and _batches_whole(con)
        assert command.wait(timeout=60) == 0
    finally:
        command.kill()
    assert [(n.holder.pid, n.holder.kind, n.holder.program) for n in heard] == [
        (command.pid, "command", "analytics import")
    ]
    assert (
        heard[0]
        .message("en")
        .startswith(
            f"Waiting for the warehouse: the command analytics import (PID {command.pid}) is writing"
        )
    )


def test_an_import_waits_for_a_reader_that_came_first(db, tmp_path):
    with connect(db, read_only=True) as before:
        jobs_before = _jobs(before, "XD-P001")
    report = _report(tmp_path, "a.csv", "XD-P001", 200)
    with reading(db) as cur:
        command = _import(report, db)
        try:
            said = command.stderr.readline()  # it checked the file beside us, then waits to write
            assert f"PID {os.getpid()}) is reading it" in said, said
            assert _jobs(cur, "XD-P001") == jobs_before  # this reader still sees the old batch
        except BaseException:
            command.kill()
            raise
    out, err = command.communicate(timeout=60)
    assert command.returncode == 0, err
    with reading(db) as cur:
        assert _jobs(cur, "XD-P001") == 200 and _batches_whole(cur)


def test_two_imports_at_once_both_land_one_after_the_other(db, tmp_path, hold):
    reader = hold(db, "read")  # both check their file beside it, then queue to write
    first = _import(_report(tmp_path, "a.csv", "XD-P001", 200), db)
    second = _import(_report(tmp_path, "b.csv", "XD-P002", 300), db)
    try:
        said = [command.stderr.readline() for command in (first, second)]
        # Each says whom it waits for: the reader, or (when its turn comes after the other
        # import queued) the other import.
        assert "is reading it" in said[0] or "is reading it" in said[1], said
        assert all(line.startswith("Waiting for the warehouse:") for line in said), said
        reader.release()
        outcomes = [c.communicate(timeout=120) for c in (first, second)]
    finally:
        first.kill()
        second.kill()
    assert (first.returncode, second.returncode) == (0, 0), outcomes
    # Whichever committed second had planned against the warehouse before the other's batch:
    # it planned again under its own write lock (intake.plan_outdated is never shown).
    with connect(db, read_only=True) as con:
        assert _jobs(con, "XD-P001") == 200 and _jobs(con, "XD-P002") == 300
        assert con.execute("SELECT count(*) FROM import_log").fetchone() == (2,)
        assert _batches_whole(con)
