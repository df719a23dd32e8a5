"""Loading the demo: every data test passes, every batch is marked simulated, writes are atomic."""

from __future__ import annotations

import duckdb
import pytest

from analytics.demo import DEFAULT_SEED
from analytics.demo import load as demo_load
from analytics.demo.load import DemoBuildError, write_demo
from analytics.warehouse import run_data_tests
from analytics.warehouse.checks import DataTestResult


@pytest.fixture(scope="module")
def con(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as connection:
        yield connection


def test_every_data_test_passes_on_the_demo(con):
    results = run_data_tests(con)
    assert results
    assert [r.name for r in results if not r.passed] == []


def test_every_batch_is_simulated_with_its_origin(con):
    sources = con.execute(
        "SELECT kind, producer, licence, checksum, simulated FROM source ORDER BY source_id"
    ).df()
    assert sorted(sources["kind"]) == sorted(demo_load.DemoData.RAW_TABLES)
    assert sources["simulated"].all()
    assert (sources["producer"] == "Demo generator (simulated data)").all()
    assert (sources["licence"] == "CC0 (simulated data)").all()
    assert sources["checksum"].str.fullmatch(r"[0-9a-f]{64}").all()


def test_marts_and_truth_tables_hold_the_generated_rows(con, demo):
    counts = {
        "region": len(demo.region),
        "municipality": len(demo.municipality),
        "park": len(demo.park),
        "park_quarter": len(demo.park_quarter),
        "park_target": len(demo.park_target),
        "region_quarter": demo.region_quarter["value"].notna().sum(),
        "municipality_quarter": demo.municipality_quarter["value"].notna().sum(),
        "truth_effect": len(demo.truth_effect),
        "truth_target_miss": len(demo.truth_target_miss),
        "country": 1,
        "district": 4,
    }
    for table, expected in counts.items():
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == expected, table
    dates = con.execute("SELECT min(quarter), max(quarter) FROM municipality_quarter").fetchone()
    assert [str(d) for d in dates] == ["2012-01-01", "2025-10-01"]


def test_write_replaces_an_existing_file(tmp_path):
    # Speed is measured by benchmarks, not here: a timed assertion fails on a loaded machine.
    path = tmp_path / "w.duckdb"
    path.write_bytes(b"old")
    write_demo(path, DEFAULT_SEED + 7)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM park").fetchone()[0] == 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]


def test_a_failing_data_test_leaves_the_target_untouched(tmp_path, monkeypatch):
    path = tmp_path / "keep.duckdb"
    path.write_bytes(b"previous contents")

    def failing(con):
        import pandas as pd

        return [DataTestResult("fake", "always fails", pd.DataFrame({"x": [1]}))]

    monkeypatch.setattr(demo_load, "run_data_tests", failing)
    with pytest.raises(DemoBuildError, match="fake"):
        write_demo(path)
    assert path.read_bytes() == b"previous contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.duckdb"]
