"""Schema migrations: new files get the latest schema, older ones are upgraded, newer refused."""

import subprocess
import sys

import duckdb
import pytest

from analytics.errors import UserError
from analytics.warehouse import connection
from analytics.warehouse.connection import connect, latest_version, schema_version


def test_new_file_gets_every_migration(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        assert schema_version(con) == latest_version()
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert {"source", "indicator", "raw_park", "raw_park_quarter", "truth_effect"} <= tables


def _write_as_version(path, version):
    """The file as a program that knew migrations 1..version only would have written it."""
    with duckdb.connect(str(path)) as old:
        old.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
            " description VARCHAR NOT NULL, applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
        for m in connection.migrations()[:version]:
            old.execute(m.path.read_text(encoding="utf-8"))
            old.execute("INSERT INTO schema_version VALUES (?, ?, now())", [m.version, "x"])


def test_older_file_is_upgraded_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    _write_as_version(path, 1)
    with duckdb.connect(str(path)) as old:
        old.execute(
            "INSERT INTO source (kind, producer, title, checksum, simulated)"
            " VALUES ('registry', 'test', 'kept', 'x', false)"
        )
    # An empty pre-migration file (version 0) is also "older" and must upgrade.
    with duckdb.connect(str(tmp_path / "empty.duckdb")):
        pass
    with connect(tmp_path / "empty.duckdb", read_only=True) as con:
        assert schema_version(con) == latest_version()
    with connect(path, read_only=True) as con:
        assert schema_version(con) == latest_version()
        assert con.execute("SELECT title FROM source").fetchall() == [("kept",)]


def test_a_warehouse_from_an_older_version_gets_the_marts_it_lacks(demo_db, tmp_path):
    """A file built before the annual marts existed (schema 9, no region_year): ``check``,
    ``info`` and the marts' readers find them after the first open, its data unchanged."""
    path = tmp_path / "old.duckdb"
    path.write_bytes(demo_db.read_bytes())
    with duckdb.connect(str(path)) as old:
        raw = old.execute("SELECT count(*) FROM raw_park_quarter").fetchone()[0]
        old.execute("DROP TABLE region_year")
        old.execute("DROP TABLE municipality_year")
        old.execute("DROP TABLE build_stamp")
        old.execute("DELETE FROM schema_version WHERE version = 10")
    for command in (["check"], ["info"]):
        done = subprocess.run(
            [sys.executable, "-m", "analytics", "--lang", "uk", *command, "--db", str(path)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
    with connect(path, read_only=True) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {"region_year", "municipality_year"} <= tables
        assert con.execute("SELECT count(*) FROM raw_park_quarter").fetchone()[0] == raw


def test_changed_mart_sql_is_rebuilt_on_open(tmp_path, monkeypatch):
    """A new program version whose marts differ (same schema) rebuilds them on open."""
    from analytics.warehouse.build import build_digest

    path = tmp_path / "w.duckdb"
    connect(path).close()
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE build_stamp SET digest = 'an older program'")
        con.execute("DROP TABLE region_year")
    with connect(path, read_only=True) as con:
        assert con.execute("SELECT max(digest) FROM build_stamp").fetchone()[0] == (build_digest())
        assert con.execute("SELECT count(*) FROM region_year").fetchone()[0] == 0


def _write_future_file(path):
    with connect(path) as con:
        con.execute(
            "INSERT INTO schema_version (version, description) VALUES (?, 'from the future')",
            [latest_version() + 1],
        )


def test_newer_schema_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "future.duckdb"
    _write_future_file(path)
    with pytest.raises(UserError) as err:
        connect(path)
    assert err.value.key == "warehouse.newer_schema"
    assert str(latest_version() + 1) in err.value.message("ru")
    assert "newer version of the program" in str(err.value)


def test_cli_reports_newer_schema_in_one_line_without_traceback(tmp_path):
    path = tmp_path / "future.duckdb"
    _write_future_file(path)
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "uk", "info", "--db", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "новішою версією програми" in lines[0]


def test_missing_file_in_read_only_mode_says_how_to_build_one(tmp_path):
    with pytest.raises(UserError) as err:
        connect(tmp_path / "absent.duckdb", read_only=True)
    assert "python -m analytics demo" in err.value.message("en")
