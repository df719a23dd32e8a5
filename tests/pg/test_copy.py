"""`python -m analytics copy`: a whole warehouse from a DuckDB file to a PostgreSQL server and
back, losslessly (row counts and content checksums of every table), all or nothing, never over
a warehouse that holds data unless told to replace it; and `demo` straight onto a server."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys

import psycopg
import pytest

from analytics.cli import main
from analytics.errors import UserError
from analytics.i18n import LANGUAGES, t
from analytics.warehouse import copy as copying
from analytics.warehouse.build import register_source
from analytics.warehouse.connection import connect
from analytics.warehouse.copy import copy_warehouse, mart_names
from analytics.warehouse.info import content_checksum
from tests.warehouse.test_checks import _tiny_warehouse


def _base_tables(con) -> list[str]:
    return sorted(
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).fetchall()
    )


def _contents(target) -> dict[str, tuple[int, str]]:
    """Rows and checksum of every table but the build's stamp (its time is the build's)."""
    with connect(target, read_only=True) as con:
        return {n: content_checksum(con, n) for n in _base_tables(con) if n != "build_stamp"}


@pytest.fixture(scope="module")
def history_db(demo_db, tmp_path_factory):
    """The demo with what a working department adds: accounts, logins, an import log and a
    second revision of some rows (revision history), and a country registered. Copies only
    read it."""
    path = tmp_path_factory.mktemp("history") / "history.duckdb"
    shutil.copyfile(demo_db, path)
    with connect(path) as con:
        con.execute(
            "INSERT INTO app_user (name, role, password_hash, password_stamp)"
            " VALUES ('ivanova', 'editor', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', 's1')"
        )
        con.execute(
            "INSERT INTO login_log VALUES (?, 'ivanova', 'success', true, 'cli')",
            [dt.datetime(2025, 3, 1, 9, 30, 15, 123456)],
        )
        source_id = register_source(
            con, kind="park_quarter", producer="Park XD-P001", title="correction",
            checksum="abc", simulated=True, loaded_by="ivanova", os_user="anna",
            user_verified=True, file_name="q.xlsx",
        )  # fmt: skip
        con.execute(
            "INSERT INTO raw_park_quarter SELECT * REPLACE (? AS source_id, jobs_total + 0.1"
            " AS jobs_total) FROM raw_park_quarter WHERE park_id = 'XD-P001'",
            [source_id],
        )
        con.execute(
            "INSERT INTO import_log (source_id, kind, file_name, checksum, detected, rows_read,"
            " inserted, updated, unchanged, warnings, imported_by, values_changed)"
            " VALUES (?, 'park_quarter', 'q.xlsx', 'abc', '{\"encoding\": \"utf-8\"}', 3, 0, 3,"
            " 0, 1, 'ivanova', 3)",
            [source_id],
        )
        con.execute("INSERT INTO warehouse_country (country_code) VALUES ('XD')")
        from analytics.warehouse.build import build

        build(con)
    return path


def test_round_trip_file_server_file_is_lossless(history_db, pg_warehouse, tmp_path):
    """The command to the server (printing rows per table), the function back to a file."""
    before = _contents(history_db)
    done = _run("--lang", "uk", "copy", "--from", str(history_db), "--to", pg_warehouse)
    assert done.returncode == 0, done.stderr
    back = tmp_path / "back.duckdb"
    to_file = copy_warehouse(pg_warehouse, back)
    on_server, after = _contents(pg_warehouse), _contents(back)
    assert after == before
    assert on_server == before
    # every table moved, with the history and the accounts
    assert {c.name for c in to_file.tables} == set(before) - mart_names()
    assert before["raw_park_quarter"][0] > before["park_quarter"][0]  # revisions kept
    assert before["app_user"][0] == 1 and before["import_log"][0] == 1
    assert before["schema_version"][0] >= 10 and to_file.skipped == ()
    # what the command printed: "  name   136 624", the count grouped as Ukrainian writes it
    # (a no-break space), for every table it copied
    assert t("warehouse.copy.tables", "uk") in done.stdout
    assert "Скопійовано таблиць" in done.stdout
    lines = dict(line.split(maxsplit=1) for line in done.stdout.splitlines() if line[:2] == "  ")
    assert {c.name: "".join(lines[c.name].split()) for c in to_file.tables} == {
        c.name: str(c.rows) for c in to_file.tables
    }
    assert lines["raw_municipality_quarter"] != "".join(lines["raw_municipality_quarter"].split())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Two small warehouses (one park and quarter, built through the real layers) that differ
    in one value: copies of them take a second. Copies only read them."""
    folder = tmp_path_factory.mktemp("tiny")
    first, second = folder / "tiny_a.duckdb", folder / "tiny_b.duckdb"
    _tiny_warehouse(first).close()
    _tiny_warehouse(second, jobs_total=200.0).close()
    return first, second


def test_the_next_batch_after_a_copy_gets_a_new_source_id(tiny, pg_warehouse, tmp_path):
    copy_warehouse(tiny[0], pg_warehouse)
    back = tmp_path / "back.duckdb"
    copy_warehouse(pg_warehouse, back)
    for target in (pg_warehouse, back):
        with connect(target) as con:
            top = con.execute("SELECT max(source_id) FROM source").fetchone()[0]
            new = register_source(
                con, kind="registry", producer="p", title="next", checksum="0", simulated=False
            )
            assert new == top + 1


def test_file_to_file(history_db, tmp_path):  # the whole demo, with its history
    target = tmp_path / "other.duckdb"
    copy_warehouse(history_db, target)
    assert _contents(target) == _contents(history_db)


def test_a_target_with_data_is_refused_unless_replaced(tiny, pg_warehouse, tmp_path):
    first, second = tiny
    copy_warehouse(first, pg_warehouse)
    file_target = tmp_path / "target.duckdb"
    copy_warehouse(first, file_target)
    for target in (pg_warehouse, file_target):
        before = _contents(target)
        with pytest.raises(UserError) as refused:
            copy_warehouse(second, target)
        assert refused.value.key == "warehouse.copy.target_not_empty"
        assert "raw_park" in refused.value.params["tables"]
        assert _contents(target) == before
        copy_warehouse(second, target, replace=True)
        assert _contents(target) == _contents(second) != before


def test_the_same_warehouse_is_refused(tiny, pg_warehouse):
    for same in ((tiny[0], tiny[0]), (pg_warehouse, pg_warehouse)):
        with pytest.raises(UserError) as refused:
            copy_warehouse(*same)
        assert refused.value.key == "warehouse.copy.same"


def test_a_copy_that_does_not_match_its_source_writes_nothing(
    tiny, pg_warehouse, tmp_path, monkeypatch
):
    """One lost row (a writer that drops the last row of a batch) is caught by the checksums
    before the commit, and the target keeps what it held."""
    first, second = tiny
    copy_warehouse(first, pg_warehouse)
    file_target = tmp_path / "target.duckdb"
    copy_warehouse(first, file_target)
    real_write = copying._write

    def lossy(con, table, columns, rows):
        real_write(con, table, columns, rows[:-1] if table == "raw_park" else rows)

    monkeypatch.setattr(copying, "_write", lossy)
    for target in (pg_warehouse, file_target):
        before = _contents(target)
        with pytest.raises(UserError) as mismatch:
            copy_warehouse(second, target, replace=True)
        assert mismatch.value.key == "warehouse.copy.mismatch"
        assert mismatch.value.params["table"] == "raw_park"
        assert _contents(target) == before


def test_a_failure_midway_leaves_an_empty_server_database_empty(tiny, pg_warehouse, monkeypatch):
    def broken_build(con, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(copying, "build", broken_build)
    with pytest.raises(RuntimeError):
        copy_warehouse(tiny[0], pg_warehouse)
    with psycopg.connect(pg_warehouse) as raw:
        assert raw.execute("SELECT count(*) FROM source").fetchone() == (0,)
        assert raw.execute("SELECT count(*) FROM raw_park_quarter").fetchone() == (0,)


def test_a_failed_copy_into_a_new_file_leaves_no_file(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(copying, "build", lambda con, **kw: (_ for _ in ()).throw(OSError("x")))
    target = tmp_path / "new.duckdb"
    with pytest.raises(OSError):
        copy_warehouse(tiny[0], target)
    assert list(tmp_path.glob("*new.duckdb*")) == []


# ---------------------------------------------------------------------------- the commands


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_copy_command_refuses_a_target_with_data_in_one_line(tiny, pg_warehouse, capsys):
    copy_warehouse(tiny[0], pg_warehouse)
    for lang in LANGUAGES:
        assert main(["--lang", lang, "copy", "--from", str(tiny[1]), "--to", pg_warehouse]) == 2
        err = capsys.readouterr().err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "--replace" in lines[0] and "Traceback" not in err
        assert lines[0].startswith(t("error.prefix", lang))


def test_demo_and_check_on_a_server(pg_demo, pg_demo_url, demo_db, capsys):
    """`PARKS_DB=postgresql://… python -m analytics demo` (run once per session, see
    tests/conftest.py pg_demo), then `check`: the same demo as the file, to the row."""
    url, built = pg_demo
    assert "60 parks" in built.stdout and url in built.stdout
    checked = _run("--lang", "en", "check", env={**os.environ, "PARKS_DB": pg_demo_url})
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All data tests passed" in checked.stdout
    # the same demo as in a file, but for when its batches and migrations were applied
    times = {"source", "schema_version"}
    expected = {k: v for k, v in _contents(demo_db).items() if k not in times}
    assert {k: v for k, v in _contents(pg_demo_url).items() if k not in times} == expected
    # demo over real data on the server is refused, as over a real file
    with connect(pg_demo_url) as con:
        register_source(
            con, kind="registry", producer="Ministry", title="real", checksum="0", simulated=False
        )
    assert main(["--lang", "en", "demo", "--db", pg_demo_url]) == 2
    assert "--force" in capsys.readouterr().err
