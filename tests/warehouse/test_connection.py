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


def test_older_file_is_upgraded_and_keeps_its_data(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    # Write the file as a program that knew only migration 1 would, plus a row of data.
    first_only = connection.migrations()[:1]
    monkeypatch.setattr(connection, "migrations", lambda: first_only)
    with connect(path) as con:
        con.execute(
            "INSERT INTO source (kind, producer, title, checksum, simulated)"
            " VALUES ('registry', 'test', 'kept', 'x', false)"
        )
    monkeypatch.undo()
    # An empty pre-migration file (version 0) is also "older" and must upgrade.
    with duckdb.connect(str(tmp_path / "empty.duckdb")):
        pass
    with connect(tmp_path / "empty.duckdb", read_only=True) as con:
        assert schema_version(con) == latest_version()
    with connect(path, read_only=True) as con:
        assert schema_version(con) == latest_version()
        assert con.execute("SELECT title FROM source").fetchall() == [("kept",)]


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
