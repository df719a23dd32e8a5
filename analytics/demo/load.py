"""Writing the demo into a warehouse file: all or nothing.

The database is built in a temporary file next to the target, checked with every data test,
and only then moved over the target with ``os.replace`` (atomic on one file system), so a
crash or a failing test never leaves a half-written warehouse behind. On a PostgreSQL server
the checked file is then copied in, in one transaction (:mod:`analytics.warehouse.copy`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from analytics.demo.generator import DEFAULT_SEED, DemoData, generate
from analytics.demo.geography import region_polygons
from analytics.geo import store_region_shapes
from analytics.warehouse.build import append_raw, build, frame_checksum, register_source
from analytics.warehouse.checks import run_data_tests
from analytics.warehouse.connection import connect
from analytics.warehouse.server_url import is_server_url

PRODUCER = "Demo generator (simulated data)"
LICENCE = "CC0 (simulated data)"
TITLES = {
    "region": "Regions of the Demo Republic (simulated)",
    "municipality": "Municipalities of the Demo Republic (simulated)",
    "park": "Park registry (simulated)",
    "park_quarter": "Quarterly park reports (simulated)",
    "park_target": "Park roadmap and passport targets (simulated)",
    "region_quarter": "Regional statistics, aggregated from municipalities (simulated)",
    "municipality_quarter": "Municipal statistics with planted park effects and spillovers (simulated)",
}


class DemoBuildError(RuntimeError):
    """The generated demo failed a data test: a bug in the generator, not in the user's input."""


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    view = f"demo_{table}"
    con.register(view, frame)
    try:
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
    finally:
        con.unregister(view)


def load_demo(con: duckdb.DuckDBPyConnection, data: DemoData) -> None:
    """Insert the demo into an empty, migrated warehouse and build staging and marts."""
    _insert(con, "country", data.country)
    _insert(con, "district", data.district)
    batches: dict[str, int] = {}
    for table in DemoData.RAW_TABLES:
        frame = getattr(data, table)
        source_id = register_source(
            con,
            kind=table,
            producer=PRODUCER,
            title=f"{TITLES[table]}, seed {data.seed}",
            licence=LICENCE,
            checksum=frame_checksum(frame),
            simulated=True,
            loaded_by="python -m analytics demo",
        )
        append_raw(con, table, frame, source_id)
        batches[table] = source_id
    # Region outlines for offline maps, under the (simulated) region batch. region_polygons
    # redraws the geography from its own generator, so the demo's random stream is untouched.
    store_region_shapes(con, region_polygons(data.seed), batches["region"])
    _insert(con, "truth_effect", data.truth_effect)
    _insert(con, "truth_target_miss", data.truth_target_miss)
    _insert(con, "truth_compliance", data.truth_compliance)
    build(con)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def write_demo(path: Path | str, seed: int = DEFAULT_SEED) -> Path | str:
    """Generate the demo for ``seed`` and atomically replace the warehouse file at ``path``
    (or everything in the server database a ``postgresql://`` URL names).

    Raises :class:`DemoBuildError` (leaving ``path`` untouched) when a data test fails.
    """
    if is_server_url(path):
        from analytics.warehouse.copy import copy_warehouse  # copy opens warehouses: no cycle

        with tempfile.TemporaryDirectory(prefix="parks-demo-") as folder:
            built = write_demo(Path(folder) / "demo.duckdb", seed)
            copy_warehouse(built, path, replace=True)
        return path
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(temporary)
    try:
        data = generate(seed)
        con = connect(temporary)
        try:
            load_demo(con, data)
            failed = [r for r in run_data_tests(con) if not r.passed]
            if failed:
                details = "; ".join(f"{r.name}: {len(r.bad_rows)} rows" for r in failed)
                raise DemoBuildError(f"the demo database fails data tests: {details}")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        # A stale write-ahead log of an older file must not be replayed onto the new one.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(temporary, target)
    finally:
        _remove(temporary)
    return target
