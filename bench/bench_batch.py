"""Benchmark: batch park effects (``effects-batch``) on 1, 2 and 4 workers against one process.

Warehouse: the simulated demo (default seed), written to a temporary folder. Two batches:

* **ratios**: employment x (CS, Sun-Abraham, and synthetic control with placebos for every
  park) — timed in this process (the peer: ``run_batch(workers=1)``, no pool), on 1, 2 and 4
  local worker processes (``ProcessPoolExecutor``; their start and imports are in the time,
  as a command pays them) and on a Dask ``LocalCluster`` on loopback with 1, 2 and 4 workers
  (started and warmed before the clock: an existing cluster). Each is run ``--repeats``
  times; the median is reported and the ratio is one process's median over it.
* **whole demo batch**: every park x employment, avg_wage, fixed_investment (the demo's
  investment outcome) x CS, Sun-Abraham and synthetic control with placebos, once, on
  ``--workers`` local processes (default 2). Target: under 60 s on a 2-core machine, and a
  speed-up of at least 1.7x with 2 workers.

Every run starts from empty memos (park effects and panels are memoised per process).
Prints wall time (median of the runs, their range) and CPU time (this process and its
workers; steadier than wall time on a shared machine, and wall x cores / CPU shows how much
of the cores a run got) and ratios measured in this run; asserts nothing.

    .venv/bin/python bench/bench_batch.py [--repeats 3] [--workers 2] [--skip-dask]
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one BLAS thread per process, as the batch runs them

from analytics.demo.load import write_demo  # noqa: E402
from analytics.effects import parks  # noqa: E402
from analytics.effects.batch import BatchRun, park_ids, plan_cells, run_batch  # noqa: E402
from analytics.effects.park_panel import clear_panel_cache  # noqa: E402
from analytics.warehouse.connection import connect  # noqa: E402

RATIO_OUTCOMES = ["employment"]
WHOLE_OUTCOMES = ["employment", "avg_wage", "fixed_investment"]
METHODS = ["cs", "sa", "sc"]
WORKERS = (1, 2, 4)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished (reaped) children only
    return usage.ru_utime + usage.ru_stime


def timed(
    run: Callable[[], BatchRun],
    repeats: int,
    before: Callable[[], None],
    elsewhere: Callable[[], float] = children_cpu,
) -> list[tuple[float, float]]:
    """Wall and CPU seconds of each run; CPU counts this process and ``elsewhere`` (the
    worker processes: reaped children, or the Dask workers' own clocks)."""
    measured = []
    for _ in range(repeats):
        before()
        cpu, other = time.process_time(), elsewhere()
        started = time.perf_counter()
        run()
        wall = time.perf_counter() - started
        measured.append((wall, time.process_time() - cpu + elsewhere() - other))
    return measured


def show(label: str, measured: list[tuple[float, float]], baseline: float | None) -> float:
    walls = [wall for wall, _ in measured]
    median = statistics.median(walls)
    cpu = statistics.median(c for _, c in measured)
    spread = f"{min(walls):.1f}-{max(walls):.1f}" if len(walls) > 1 else "one run"
    ratio = "" if baseline is None else f"  speed-up {baseline / median:.2f}x"
    print(f"  {label:<30} median {median:6.1f} s ({spread}; CPU {cpu:5.1f} s){ratio}")
    return median


def clear_memos() -> None:
    parks.clear_cache()
    clear_panel_cache()


def ratios(db: Path, cells: list, repeats: int, skip_dask: bool) -> None:
    print(f"ratios: {len(cells)} cells (employment x cs, sa; sc with placebos for every park)")
    one = timed(lambda: run_batch(db, cells), repeats, clear_memos)
    baseline = show("one process (peer)", one, None)
    for n in WORKERS:
        pooled = timed(lambda n=n: run_batch(db, cells, workers=n), repeats, lambda: None)
        show(f"{n} local worker process(es)", pooled, baseline)
    if skip_dask:
        return
    from distributed import Client, LocalCluster

    print(f"  Dask distributed {version('distributed')} LocalCluster on loopback:")
    for n in WORKERS:
        with (
            LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(_warm)

            def clear(client=client) -> None:
                client.run(clear_memos)

            def workers_cpu(client=client) -> float:
                return sum(client.run(time.process_time).values())

            on_cluster = timed(
                lambda c=client: run_batch(db, cells, client=c), repeats, clear, workers_cpu
            )
            show(f"{n} Dask worker(s)", on_cluster, baseline)


def _warm() -> None:
    import analytics.effects.batch  # noqa: F401  (an existing cluster has its imports done)


def whole(db: Path, cells: list, workers: int, folder: Path) -> None:
    out = folder / "whole.parquet"
    runs: list[BatchRun] = []
    measured = timed(lambda: runs.append(run_batch(db, cells, workers=workers, out=out)), 1,
                     lambda: None)  # fmt: skip
    (wall, cpu), run = measured[0], runs[0]
    counts = run.status_counts()
    print(
        f"whole demo batch: {len(cells)} cells ({', '.join(WHOLE_OUTCOMES)} x "
        f"{', '.join(METHODS)}; sc with placebos for every park) on {workers} local worker "
        f"process(es): {wall:.1f} s, CPU {cpu:.1f} s (target < 60 s on 2 cores); "
        f"{len(run.table)} rows, {counts['ok']} cells estimated, {counts['not_estimable']} "
        f"cannot be estimated, {counts['failed']} failed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="workers of the whole batch")
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = write_demo(folder / "warehouse.duckdb")
        with connect(db, read_only=True) as con:
            every_park = park_ids(con)
        ratio_cells = plan_cells(RATIO_OUTCOMES, METHODS, every_park, placebos=True)
        whole_cells = plan_cells(WHOLE_OUTCOMES, METHODS, every_park, placebos=True)
        ratios(db, ratio_cells, args.repeats, args.skip_dask)
        whole(db, whole_cells, args.workers, folder)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
