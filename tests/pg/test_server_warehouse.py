"""The warehouse on a real PostgreSQL server: migrations with schema_version, seeds, staging
views and marts built from the same SQL files as in DuckDB, and `check` on a server URL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import psycopg
import pytest

from analytics.cli import main
from analytics.errors import UserError
from analytics.i18n import LANGUAGES, t
from analytics.warehouse import connection
from analytics.warehouse.build import SQL_DIR, build_digest
from analytics.warehouse.checks import run_data_tests
from analytics.warehouse.connection import connect, latest_version, schema_version
from analytics.warehouse.info import MARTS
from analytics.warehouse.postgres import PgConnection, connect_server
from tests.pg.cluster import free_port
from tests.warehouse.test_checks import _tiny_warehouse

STAGING = tuple(p.stem for p in sorted((SQL_DIR / "staging").glob("*.sql")))


def _tables(url: str) -> dict[str, str]:
    with psycopg.connect(url) as con:
        rows = con.execute(
            "SELECT table_name, table_type FROM information_schema.tables"
            " WHERE table_schema = 'public'"
        ).fetchall()
    return dict(rows)


def test_new_database_gets_every_migration_seeds_views_and_marts(pg_url):
    with connect(pg_url) as con:
        assert isinstance(con, PgConnection)
        assert schema_version(con) == latest_version()
        versions = [
            r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        ]
        indicators = con.execute("SELECT count(*) FROM indicator").fetchone()[0]
        stamp = con.execute("SELECT digest FROM build_stamp").fetchall()
        failed = [r.name for r in run_data_tests(con) if not r.passed]
    assert versions == list(range(1, latest_version() + 1))
    assert indicators > 50  # the seed's catalogue (analytics/warehouse/seeds/indicators.yml)
    assert stamp == [(build_digest(),)]
    assert failed == []
    tables = _tables(pg_url)
    assert all(tables[name] == "BASE TABLE" for name in MARTS)
    assert all(tables[name] == "VIEW" for name in STAGING)
    assert {"source", "raw_park", "app_user", "login_log", "import_log"} <= set(tables)


def test_a_read_only_open_upgrades_an_empty_database_first_then_refuses_writes(pg_url):
    with connect(pg_url, read_only=True) as con:
        assert schema_version(con) == latest_version()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            con.execute("DELETE FROM indicator")


def test_an_older_schema_is_upgraded_and_keeps_its_data(pg_url):
    old = connection.migrations()[:3]
    with psycopg.connect(pg_url, autocommit=True) as raw:
        raw.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
            " description VARCHAR NOT NULL, applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
    with connect_server(pg_url) as con:
        for m in old:
            con.execute(m.path.read_text(encoding="utf-8"))
            con.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)",
                        [m.version, m.description])  # fmt: skip
        con.execute(
            "INSERT INTO source (kind, producer, title, checksum, simulated)"
            " VALUES ('registry', 'test', 'kept', 'x', false)"
        )
    with connect(pg_url) as con:
        assert schema_version(con) == latest_version()
        assert con.execute("SELECT title FROM source").fetchall() == [("kept",)]
        assert con.execute("SELECT count(*) FROM park").fetchone() == (0,)


def test_a_newer_schema_is_refused(pg_warehouse):
    with psycopg.connect(pg_warehouse, autocommit=True) as raw:
        raw.execute("INSERT INTO schema_version (version, description) VALUES (999, 'future')")
    with pytest.raises(UserError) as err:
        connect(pg_warehouse)
    assert err.value.key == "warehouse.newer_schema"


def test_programs_opening_a_new_database_at_once_migrate_it_once(pg_url):
    errors, versions = [], []

    def open_it():
        try:
            with connect(pg_url) as con:
                versions.append(schema_version(con))
        except Exception as exc:  # the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert versions == [latest_version()] * 4
    with psycopg.connect(pg_url) as raw:
        applied = raw.execute("SELECT count(*), count(DISTINCT version) FROM schema_version")
        assert applied.fetchone() == (latest_version(), latest_version())


# ---------------------------------------------------------------------------- check


@pytest.mark.parametrize(
    ("override", "failing_test"),
    [
        ({}, None),
        ({"jobs_total": -5.0}, "negative_values"),
        ({"area_free_ha": 2.0}, "area_consistency"),
        ({"quarter": __import__("datetime").date(2024, 8, 1)}, "periods"),
        ({"park_id": "NOPE"}, "orphans"),
    ],
)
def test_each_data_test_catches_its_bad_row_on_the_server(pg_warehouse, override, failing_test):
    with _tiny_warehouse(pg_warehouse, **override) as con:
        failed = {r.name for r in run_data_tests(con) if not r.passed}
    if failing_test is None:
        assert failed == set()
    else:
        assert failing_test in failed and failed <= {failing_test, "orphans", "area_consistency"}


def _check(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_check_command_on_a_server_url_and_through_parks_db(pg_warehouse):
    _tiny_warehouse(pg_warehouse).close()
    passed = _check("--lang", "ru", "check", "--db", pg_warehouse)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Все проверки данных пройдены" in passed.stdout
    with connect(pg_warehouse) as con:
        con.execute("UPDATE raw_park_quarter SET jobs_total = -5")
        from analytics.warehouse.build import build

        build(con)
    failed = _check("--lang", "en", "check", env={**os.environ, "PARKS_DB": pg_warehouse})
    assert failed.returncode == 1
    assert "FAIL  negative_values" in failed.stdout
    assert "P1" in failed.stdout and "jobs_total" in failed.stdout and "-5.0" in failed.stdout
    assert "Data tests failed: 1 of" in failed.stderr


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_server_that_does_not_answer_is_one_translated_line(lang, capsys):
    url = f"postgresql://ivanova:s3cret@127.0.0.1:{free_port()}/parks"
    assert main(["--lang", lang, "check", "--db", url]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert t("error.prefix", lang) in lines[0]
    assert "postgresql://ivanova:***@127.0.0.1:" in lines[0] and "s3cret" not in lines[0]


# ---------------------------------------------------------------------------- the app's accessors


def test_reading_writing_and_the_data_stamp_on_a_server(pg_warehouse):
    """What the app reads through (connection.reading / writing / data_signature) works on a
    server URL: reads and a write at once, and the stamp moves with the write only."""
    pg_url = pg_warehouse
    _tiny_warehouse(pg_url).close()
    stamp = connection.data_signature(pg_url)
    with connection.keeping_open(pg_url), connection.reading(pg_url) as reader:
        assert reader.execute("SELECT count(*) FROM park").fetchone() == (1,)
        named = "SELECT count(*) FROM park WHERE park_id = $id OR name_en = $id OR 0 = $zero"
        assert reader.execute(named, {"id": "P1", "zero": 1}).fetchone() == (1,)
        newest = "SELECT park_id FROM park ORDER BY park_id, rowid DESC LIMIT ?"  # DuckDB's rowid
        assert reader.execute(newest, [1]).fetchall() == [("P1",)]
        assert connection.data_signature(pg_url) == stamp  # reads write nothing
        with connection.writing(pg_url) as writer:  # a reader does not hold a writer back
            writer.execute("DELETE FROM login_log")
            writer.execute(
                "INSERT INTO login_log VALUES (current_timestamp, 'x', 'failure', false, 'app')"
            )
        assert reader.execute("SELECT count(*) FROM login_log").fetchone() == (1,)
    assert connection.data_signature(pg_url) != stamp


def test_a_job_kept_open_reads_through_one_session_per_thread(pg_warehouse):
    """keeping_open (a page run) on a server: the run's reads share one read-only session,
    closed when the run ends; another thread, or a read outside a run, has its own."""

    def session_of() -> int:
        with connection.reading(pg_warehouse) as cur:
            return cur.execute("SELECT pg_backend_pid()").fetchone()[0]

    def sessions_open() -> int:
        with psycopg.connect(pg_warehouse) as raw:
            return raw.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'parks analytics'"
                " AND datname = current_database()"
            ).fetchone()[0]

    assert session_of() != session_of()
    other = []
    with connection.keeping_open(pg_warehouse):
        first = session_of()
        with connection.reading(pg_warehouse) as outer:  # a read inside a read (nested)
            assert outer.execute("SELECT pg_backend_pid()").fetchone()[0] == first
            assert session_of() == first
        with connection.keeping_open(pg_warehouse):
            assert session_of() == first
        thread = threading.Thread(target=lambda: other.append(session_of()))
        thread.start()
        thread.join()
        assert sessions_open() == 1
    assert other and other[0] != first
    assert sessions_open() == 0
