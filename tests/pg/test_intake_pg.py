"""Intake, history, review and info on a PostgreSQL server: the same answers as on a DuckDB
file holding the same warehouse (the file is the reference: its own suites check it), each
import all or nothing in one server transaction, and two imports at once taking turns.

The file's checks run on DuckDB in-process (analytics/warehouse/mirror.py); the commit,
history, review and info run on the server."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from analytics.cli import main
from analytics.demo.load import write_demo
from analytics.warehouse.connection import connect
from analytics.warehouse.copy import copy_warehouse
from analytics.warehouse.info import content_checksum
from tests.fixtures.make_fixtures import SEED

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
# Written when a batch is loaded, migrated or built: the moment differs, nothing else.
MOMENT = re.compile(r"\b\d{1,2} \w{3} \d{4} \d{2}:\d{2}\b")
TIMES = {"source": "loaded_at", "import_log": "imported_at", "schema_version": "applied_at"}


@pytest.fixture(scope="module")
def fixture_demo(tmp_path_factory):
    """The demo of the seed the intake fixture files were made from."""
    return write_demo(tmp_path_factory.mktemp("pg-intake") / "demo.duckdb", SEED)


@pytest.fixture(scope="module")
def server_demo(fixture_demo, pg_server):
    """The same demo on the server, copied once; tests get clones of it."""
    url = pg_server.create_database()
    copy_warehouse(fixture_demo, url)
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def pair(fixture_demo, server_demo, pg_server, tmp_path):
    """The same warehouse twice, each the test's own: a DuckDB file and a server database."""
    file = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_demo, file)
    url = pg_server.create_database(template=server_demo)
    yield file, url
    pg_server.drop_database(url)


def _contents(target) -> dict:
    with connect(target, read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        found = {}
        for name in sorted(set(names) - {"build_stamp"}):
            columns = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
            kept = [c for c in columns if c != TIMES.get(name)]
            view = f"(SELECT {', '.join(kept)} FROM {name}) AS t"
            found[name] = content_checksum(con, view)
    return found


def _server_state(url: str) -> dict:
    """Every table's rows hashed by the server itself: equal before and after means the
    server database did not change (cheaper than comparing across engines)."""
    with psycopg.connect(url) as raw:
        names = [
            r[0]
            for r in raw.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {
            name: raw.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r::text, chr(10) ORDER BY r::text),"
                f" '')) FROM {name} AS r"
            ).fetchone()
            for name in sorted(names)
        }


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--lang", "en", *args])
    return code, out.getvalue(), err.getvalue()


def _timeless(result: tuple[int, str, str]) -> tuple[int, str, str]:
    """A command's result with each moment ("3 Dec 2026 13:27") written as one word."""
    code, out, err = result
    return code, MOMENT.sub("<moment>", out), err


def _import(db, path: Path, *extra: str) -> tuple[int, dict]:
    code, out, _ = _cli("import", str(path), "--db", str(db), "--format", "json", *extra)
    return code, json.loads(out)


def test_imports_on_the_server_equal_imports_in_a_file(pair):
    file, server = pair
    files = [
        FIXTURES / "good" / "park_quarter_ru.xlsx",  # what the warehouse holds: a no-op
        FIXTURES / "good" / "region_quarter_stat_office_marks.csv",  # 120 corrected values
        FIXTURES / "bad" / "wage_implausible.csv",  # a correction with accepted warnings
        FIXTURES / "bad" / "park_name_latin_lookalike.csv",  # a new park
    ]
    statuses = []
    for path in files:
        in_file = _import(file, path, "--accept-warnings", "--user", "anna")
        on_server = _import(server, path, "--accept-warnings", "--user", "anna")
        assert on_server == in_file, path.name
        statuses.append(in_file[1]["status"])
    assert statuses == ["noop", "committed", "committed", "committed"]
    assert _contents(server) == _contents(file)
    with psycopg.connect(server) as raw:
        batches = raw.execute("SELECT count(*) FROM import_log").fetchone()[0]
    assert batches == 3
    # the revisions the imports made, as history shows them
    # (each line begins with the moment of its batch, which differs by the time between the
    # two imports: a minute may turn between them)
    for target in (("--park", "XD-P001"), ("--region", "XD-05")):
        on_server = _cli("history", *target, "--last", "0", "--db", server)
        in_file = _cli("history", *target, "--last", "0", "--db", str(file))
        assert _timeless(on_server) == _timeless(in_file)


BAD_FILES = [
    "negative_jobs.csv",
    "unknown_park_near_miss.csv",
    "park_closed_before_founded.csv",
    "stat_table_unknown_region.xlsx",
    "duplicate_rows.csv",
]


def test_files_with_errors_are_refused_alike_and_change_nothing(pair):
    file, server = pair
    before = _server_state(server)
    for name in BAD_FILES:
        path = FIXTURES / "bad" / name
        assert path.exists()
        in_file, on_server = _import(file, path), _import(server, path)
        assert on_server == in_file, name
        assert on_server[0] == 1 and on_server[1]["status"] == "errors", name
    assert _server_state(server) == before


def test_review_and_info_on_the_server_equal_the_file(pair):
    file, server = pair
    for command in (["review", "--quarter", "2025Q4"], ["review", "--quarter", "2025Q3",
                    "--region", "XD-05"], ["info"]):  # fmt: skip
        in_file = _cli(*command, "--db", str(file))
        assert in_file[0] == 0
        assert _cli(*command, "--db", server) == in_file, command


def test_two_imports_at_once_take_turns_and_both_land(pair):
    """The first import pauses inside its transaction; the second, of other cells, waits
    for it (never interleaving), finds its preview outdated, checks again and commits."""
    _, server = pair
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "analytics", "--lang", "en", "import", "--db", server]
    command += ["--user", "anna", "--accept-warnings", "--format", "json"]
    first = subprocess.Popen(
        [*command, str(FIXTURES / "bad" / "jobs_jump_x10.csv")],
        env={**env, "PARKS_INTAKE_PAUSE_SECONDS": "5"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    second = None
    try:
        for line in first.stderr:
            if "paused inside the import transaction" in line:
                break
        with psycopg.connect(server) as raw:  # its rows are not visible before its commit
            assert raw.execute("SELECT count(*) FROM import_log").fetchone() == (0,)
        # and a reader is not kept waiting (a server has no file lock): a whole check runs
        started = time.monotonic()
        code, _, _ = _cli("check", "--db", server)
        assert code == 0 and time.monotonic() - started < 5
        second = subprocess.Popen(
            [*command, str(FIXTURES / "good" / "region_quarter_stat_office_marks.csv")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out_first, _ = first.communicate(timeout=300)
        out_second, err_second = second.communicate(timeout=300)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert first.returncode == 0 and second.returncode == 0, err_second
    summaries = [json.loads(out_first)["summary"], json.loads(out_second)["summary"]]
    with psycopg.connect(server) as raw:
        logged = raw.execute(
            "SELECT source_id, kind, file_name FROM import_log ORDER BY import_id"
        ).fetchall()
        kinds_per_batch = raw.execute(
            "SELECT source_id, count(*) FROM raw_park_quarter WHERE source_id IN"
            " (SELECT source_id FROM import_log) GROUP BY source_id"
        ).fetchall()
    ids = [s["source_id"] for s in summaries]
    assert ids[1] == ids[0] + 1  # the second committed after the first
    assert logged == [
        (ids[0], "park_quarter", "jobs_jump_x10.csv"),
        (ids[1], "region_quarter", "region_quarter_stat_office_marks.csv"),
    ]
    assert [k[0] for k in kinds_per_batch] == [ids[0]]  # no park rows under the second batch


# ---------------------------------------------------------------------------- concurrent editors


def _server_plan(url: str, text: str, name: str):
    """A preview as an editor makes it: the file checked on a snapshot of the server."""
    from analytics.intake import plan_import, read_file, validate
    from analytics.warehouse.mirror import local_copy

    with connect(url, read_only=True) as con, local_copy(con) as engine:
        return plan_import(engine, validate(engine, read_file(text.encode(), name), "ru"))


def _server_commit(url: str, plan, user: str):
    from analytics.intake import commit_import

    with connect(url) as con:
        return commit_import(con, plan, user=user, accept_warnings=True)


def _stored(url: str, park: str) -> dict:
    with connect(url, read_only=True) as con:
        frame = con.execute(
            "SELECT * FROM stg_park_quarter WHERE park_id = ? AND quarter = DATE '2025-10-01'",
            [park],
        ).df()
    return frame.iloc[0].to_dict()


def test_different_values_of_one_record_previewed_at_once_both_land(pair):
    _, server = pair
    before = _stored(server, "XD-P001")
    jobs, wage = int(before["jobs_total"]) + 11, float(before["avg_wage"]) + 1000
    anna = _server_plan(server, f"park_id;quarter;jobs_total\nXD-P001;2025Q4;{jobs}\n", "a.csv")
    boris = _server_plan(server, f"park_id;quarter;avg_wage\nXD-P001;2025Q4;{wage:.0f}\n", "b.csv")
    _server_commit(server, anna, "anna")
    assert _server_commit(server, boris, "boris").source_id is not None
    after = _stored(server, "XD-P001")
    assert after["jobs_total"] == jobs and after["avg_wage"] == wage
    assert after["residents_count"] == before["residents_count"]


def test_one_value_changed_by_both_is_refused_naming_it(pair):
    from analytics.errors import UserError

    _, server = pair
    old = int(_stored(server, "XD-P001")["jobs_total"])
    anna = _server_plan(server, f"park_id;quarter;jobs_total\nXD-P001;2025Q4;{old + 1}\n", "a.csv")
    boris = _server_plan(
        server, f"park_id;quarter;jobs_total;avg_wage\nXD-P001;2025Q4;{old + 2};77000\n", "b.csv"
    )
    _server_commit(server, anna, "anna")
    before = _server_state(server)
    with pytest.raises(UserError) as caught:
        _server_commit(server, boris, "boris")
    assert caught.value.key == "intake.edit_conflict"
    assert f"было {old}, у другого пользователя {old + 1}, у вас {old + 2}" in (
        caught.value.message("ru")
    )
    assert _server_state(server) == before
