"""Benchmark: batch park effects (``effects-batch``) on 1, 2 and 4 workers against one process.

Warehouse: the simulated demo (default seed), written to a temporary folder. Two batches:

* **ratios**: employment x (CS, Sun-Abraham, and synthetic control with placebos for every
  park) — timed in this process (the peer: ``run_batch(workers=1)``, no pool), on 1, 2 and 4
  local worker processes (``ProcessPoolExecutor``; their start and imports are in the time,
  as a command pays them) and on a Dask ``LocalCluster`` on loopback with 1, 2 and 4 workers
  (started and warmed before the clock: an existing cluster; its workers get
  ``batch.DASK_WORKER_ENVIRON``, without which synthetic control runs 1.7x slower on them). Each is run ``--repeats``
  times; the median is reported and the ratio is one process's median over it.
* **whole demo batch**: every park x employment, avg_wage, fixed_investment (the demo's
  investment outcome) x CS, Sun-Abraham and synthetic control with placebos, once in one
  process (the peer) and once on ``--workers`` local processes (default 2). Target: under 60 s on a 2-core machine, and a
  speed-up of at least 1.7x with 2 workers.

Every run starts from empty memos (park effects and panels are memoised per process).
Prints wall time (median of the runs, their range) and CPU time (this process and its
workers) and ratios measured in this run; asserts nothing. On a shared machine wall-clock
speed-ups are not measurable: with other sessions busy, the kernel's autogroup scheduling
(``/proc/sys/kernel/sched_autogroup_enabled``) gives this session one share of the cores
however many workers it runs. So each line also gives the speed-up its CPU time allows on
idle cores (one process's CPU x min(workers, cores) / the run's CPU), which counts the
workers' start, imports and duplicated panels, though not their waits.

    .venv/bin/python bench/bench_batch.py [--repeats 3] [--workers 2] [--skip-dask]
        [--skip-whole-peer]
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
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one BLAS thread per process, as the batch runs them

from analytics.demo.load import write_demo  # noqa: E402
from analytics.effects import parks  # noqa: E402
from analytics.effects.batch import (  # noqa: E402
    BatchRun,
    dask_worker_config,
    park_ids,
    plan_cells,
    run_batch,
)
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


@dataclass(frozen=True)
class Peer:
    """One process's median wall and CPU seconds: what the workers are compared with."""

    wall: float
    cpu: float


def show(label: str, measured: list[tuple[float, float]], peer: Peer | None, workers: int = 1):
    """Print a configuration's median wall and CPU time and, against the peer, the measured
    speed-up and the one its CPU time allows on idle cores (the peer's CPU over this run's
    CPU spread over min(workers, cores))."""
    walls = [wall for wall, _ in measured]
    wall = statistics.median(walls)
    cpu = statistics.median(c for _, c in measured)
    spread = f"{min(walls):.1f}-{max(walls):.1f}" if len(walls) > 1 else "one run"
    ratio = ""
    if peer is not None:
        cores = min(workers, os.cpu_count() or 1)
        allowed = peer.cpu * cores / cpu
        ratio = f"  speed-up {peer.wall / wall:.2f}x (CPU-bound on idle cores {allowed:.2f}x)"
    print(f"  {label:<28} median {wall:6.1f} s ({spread}; CPU {cpu:5.1f} s){ratio}")
    return Peer(wall, cpu)


def clear_memos() -> None:
    parks.clear_cache()
    clear_panel_cache()


def local_ratios(db: Path, cells: list, repeats: int) -> Peer:
    print(f"ratios: {len(cells)} cells (employment x cs, sa; sc with placebos for every park)")
    one = timed(lambda: run_batch(db, cells), repeats, clear_memos)
    peer = show("one process (peer)", one, None)
    for n in WORKERS:
        pooled = timed(lambda n=n: run_batch(db, cells, workers=n), repeats, lambda: None)
        show(f"{n} local worker process(es)", pooled, peer, n)
    return peer


def dask_ratios(db: Path, cells: list, repeats: int, peer: Peer) -> None:
    import dask
    from distributed import Client, LocalCluster

    print(
        f"ratios, the same {len(cells)} cells on a Dask distributed {version('distributed')} "
        "LocalCluster on loopback (against the one-process peer above):"
    )
    for n in WORKERS:
        with (
            dask.config.set(dask_worker_config()),
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
            show(f"{n} Dask worker(s)", on_cluster, peer, n)


def _warm() -> None:
    import analytics.effects.batch  # noqa: F401  (an existing cluster has its imports done)


def whole(db: Path, cells: list, workers: int, folder: Path, with_peer: bool) -> None:
    print(
        f"whole demo batch: {len(cells)} cells ({', '.join(WHOLE_OUTCOMES)} x "
        f"{', '.join(METHODS)}; sc with placebos for every park), one run each:"
    )
    peer = None
    if with_peer:
        one = timed(lambda: run_batch(db, cells), 1, clear_memos)
        peer = show("one process (peer)", one, None)
    runs: list[BatchRun] = []
    out = folder / "whole.parquet"
    measured = timed(lambda: runs.append(run_batch(db, cells, workers=workers, out=out)), 1,
                     lambda: None)  # fmt: skip
    show(f"{workers} local worker process(es)", measured, peer, workers)
    wall, cpu = measured[0]
    counts = runs[0].status_counts()
    cores = min(workers, os.cpu_count() or 1)
    print(
        f"  {wall:.1f} s with {workers} workers; CPU-bound on idle cores about "
        f"{cpu / cores:.0f} s (target < 60 s on 2 cores); {len(runs[0].table)} rows, "
        f"{counts['ok']} cells estimated, {counts['not_estimable']} cannot be estimated, "
        f"{counts['failed']} failed"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="workers of the whole batch")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument(
        "--skip-whole-peer", action="store_true", help="do not time the whole batch in one process"
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = write_demo(folder / "warehouse.duckdb")
        with connect(db, read_only=True) as con:
            every_park = park_ids(con)
        ratio_cells = plan_cells(RATIO_OUTCOMES, METHODS, every_park, placebos=True)
        whole_cells = plan_cells(WHOLE_OUTCOMES, METHODS, every_park, placebos=True)
        peer = local_ratios(db, ratio_cells, args.repeats)
        whole(db, whole_cells, args.workers, folder, not args.skip_whole_peer)
        if not args.skip_dask:
            dask_ratios(db, ratio_cells, args.repeats, peer)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
