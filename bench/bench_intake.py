"""Intake speed: 1,000,000 park_quarter rows from a CSV, read + validated + loaded (with the
marts rebuilt), against a plain DuckDB ``read_csv`` + ``INSERT`` of the same file, measured
in the same run. Target: under 10 s.

Each of three runs times both on fresh copies of the same warehouse; the medians are
reported, wall-clock and CPU (the machine is shared, so wall time varies with its load).
Run 1 also pays what a process does once (parsing the message and indicator catalogues),
as a command-line import does.

Run: ``.venv/bin/python bench/bench_intake.py``
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.intake import Limits, commit_import, plan_import, read_file, validate  # noqa: E402
from analytics.intake.columns import kind_spec  # noqa: E402
from analytics.warehouse.build import build  # noqa: E402
from analytics.warehouse.connection import connect  # noqa: E402

N_PARKS, N_QUARTERS = 25_000, 40  # 1,000,000 rows


def _warehouse(path: Path) -> None:
    con = connect(path)
    con.execute("INSERT INTO country VALUES ('XD', 'Д', 'Д', 'D', 'XDR')")
    # Named columns: later migrations add registry columns (007) to these tables.
    con.execute(
        "INSERT INTO raw_region (source_id, region_code, country_code, name_ru, name_uk, name_en) "
        "VALUES (1, 'R1', 'XD', 'Р', 'Р', 'R')"
    )
    con.execute(
        "INSERT INTO raw_municipality (source_id, municipality_code, region_code, name_ru, "
        "name_uk, name_en) VALUES (1, 'M1', 'R1', 'М', 'М', 'M')"
    )
    con.execute(
        "INSERT INTO raw_park (source_id, park_id, name_ru, name_uk, name_en, park_type, status, "
        "ownership, region_code, municipality_code, total_area_ha, leasable_area_ha) "
        "SELECT 1, 'P' || lpad(i::VARCHAR, 5, '0'), 'Парк ' || i, 'Парк ' || i, 'Park ' || i, "
        "'technopark', 'operating', 'public', 'R1', 'M1', 200, 150 FROM range(?) t(i)",
        [N_PARKS],
    )
    build(con)
    con.close()


def _csv(path: Path) -> None:
    rng = np.random.default_rng(1)
    n = N_PARKS * N_QUARTERS
    parks = np.repeat([f"P{i:05d}" for i in range(N_PARKS)], N_QUARTERS)
    starts = [dt.date(2014 + q // 4, 3 * (q % 4) + 1, 1) for q in range(N_QUARTERS)]
    frame = pd.DataFrame({"park_id": parks, "quarter": np.tile(starts, N_PARKS)})
    for col in kind_spec("park_quarter").columns[2:-1]:
        frame[col.name] = np.round(rng.uniform(1, 9, n), 2)
    frame["avg_wage"] = np.round(rng.uniform(40_000, 60_000, n), 0)
    # Stocks consistent with the flows and the registry (leasable 150 ha), as the data tests
    # that validation runs on the batch require: a benchmark of rows the import refuses or
    # warns about on every line would time the messages, not the import.
    frame["jobs_total"] = np.round(rng.uniform(100, 900, n), 0)
    frame["residents_count"] = np.round(rng.uniform(10, 90, n), 0)
    frame["area_occupied_ha"] = np.round(rng.uniform(50, 60, n), 1)
    frame["area_free_ha"] = np.round(150 - frame["area_occupied_ha"], 1)
    frame.to_csv(path, index=False)


RUNS = 3


class Clock:
    """Wall and CPU time (all threads of the process: DuckDB and Arrow run in parallel)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        elapsed = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return elapsed


def _plain(csv_path: Path, db: Path) -> tuple[float, float]:
    con = duckdb.connect(str(db))
    clock = Clock()
    con.execute(
        "INSERT INTO raw_park_quarter BY NAME SELECT 2 AS source_id, * "
        "FROM read_csv(?, header = true)",
        [str(csv_path)],
    )
    elapsed = clock.lap()
    con.close()
    return elapsed


def _intake(csv_path: Path, db: Path) -> dict[str, tuple[float, float]]:
    con = duckdb.connect(str(db))
    clock = Clock()
    # 1M rows are ~100 MB: above the 50 MB upload default, which is configurable.
    read = read_file(csv_path, limits=Limits(max_bytes=500 * 1024 * 1024))
    laps = {"read": clock.lap()}
    report = validate(con, read, "en")
    laps["validate"] = clock.lap()
    plan = plan_import(con, report)
    laps["plan"] = clock.lap()
    summary = commit_import(con, plan, user="bench", accept_warnings=True)
    laps["commit + marts"] = clock.lap()
    con.close()
    if report.errors or summary.inserted != N_PARKS * N_QUARTERS:
        raise SystemExit("\n".join(["benchmark import failed:", *report.messages("en")[:5]]))
    laps["total"] = tuple(sum(v[i] for v in laps.values()) for i in range(2))
    return laps


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path, base = folder / "park_quarter.csv", folder / "base.duckdb"
        _csv(csv_path)
        _warehouse(base)
        size = csv_path.stat().st_size / 1e6
        plain, intake = [], []
        for run in range(RUNS):
            for name in ("plain.duckdb", "intake.duckdb"):
                shutil.copy(base, folder / name)
            plain.append(_plain(csv_path, folder / "plain.duckdb"))
            intake.append(_intake(csv_path, folder / "intake.duckdb"))
            wall, cpu = intake[-1]["total"]
            print(
                f"run {run + 1}: intake {wall:.2f} s wall / {cpu:.2f} s CPU; "
                f"plain duckdb {plain[-1][0]:.2f} s wall / {plain[-1][1]:.2f} s CPU"
            )
    print(f"file: {N_PARKS * N_QUARTERS:,} park_quarter rows, {size:.0f} MB (UTF-8 CSV)")
    print(f"median of {RUNS} runs (wall / CPU of all threads):")
    for stage in intake[0]:
        wall = statistics.median(r[stage][0] for r in intake)
        cpu = statistics.median(r[stage][1] for r in intake)
        print(f"  intake {stage:<15} {wall:6.2f} s / {cpu:6.2f} s")
    total_wall = statistics.median(r["total"][0] for r in intake)
    total_cpu = statistics.median(r["total"][1] for r in intake)
    plain_wall = statistics.median(p[0] for p in plain)
    plain_cpu = statistics.median(p[1] for p in plain)
    print(f"  plain duckdb read_csv + INSERT {plain_wall:6.2f} s / {plain_cpu:6.2f} s")
    verdict = "met" if total_wall < 10 else "NOT met"
    print(f"intake total {total_wall:.2f} s wall: target < 10 s {verdict}")
    print(
        f"ratio intake / plain duckdb: {total_wall / plain_wall:.1f}x wall, "
        f"{total_cpu / plain_cpu:.1f}x CPU"
    )


if __name__ == "__main__":
    main()
