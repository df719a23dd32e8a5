"""`python -m analytics demo`: builds the demo, and never silently overwrites real data."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from analytics.cli import main
from analytics.demo.commands import real_sources
from analytics.warehouse import connect, register_source
from analytics.warehouse.connection import PROJECT_ROOT


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--lang", "en", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )


def _real_warehouse(path) -> None:
    with connect(path) as con:
        register_source(
            con, kind="registry", producer="Ministry", title="real", checksum="0", simulated=False
        )


def test_demo_command_builds_a_checked_database(tmp_path):
    path = tmp_path / "demo.duckdb"
    done = _run("demo", "--db", str(path), "--seed", "11")
    assert done.returncode == 0, done.stderr
    assert (
        "15 regions" in done.stdout and "60 parks" in done.stdout and "56 quarters" in done.stdout
    )
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT bool_and(simulated) FROM source").fetchone()[0]
    # Rebuilding over a demo database is fine without --force.
    assert main(["demo", "--db", str(path), "--seed", "12"]) == 0


def test_demo_refuses_to_overwrite_real_data(tmp_path):
    path = tmp_path / "real.duckdb"
    _real_warehouse(path)
    before = path.read_bytes()
    done = _run("demo", "--db", str(path))
    assert done.returncode == 2
    assert "not simulated" in done.stderr and "--force" in done.stderr
    assert "Traceback" not in done.stderr
    assert path.read_bytes() == before
    assert real_sources(path) == 1


def test_force_replaces_real_data(tmp_path, capsys):
    path = tmp_path / "real.duckdb"
    _real_warehouse(path)
    assert main(["--lang", "ru", "demo", "--db", str(path), "--force"]) == 0
    assert "смоделированные данные" in capsys.readouterr().out
    assert real_sources(path) == 0


def test_an_unreadable_file_is_not_overwritten(tmp_path, capsys):
    path = tmp_path / "notes.duckdb"
    path.write_text("my notes, not a database")
    assert main(["--lang", "uk", "demo", "--db", str(path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert path.read_text() == "my notes, not a database"


def test_a_negative_seed_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--db", str(tmp_path / "x.duckdb"), "--seed", "-3"])
    assert exit_info.value.code == 2
    assert "--seed" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()
