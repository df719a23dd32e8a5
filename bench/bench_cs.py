"""Benchmark: Callaway & Sant'Anna ATT(g,t) with a 999-draw multiplier bootstrap, ours vs peers.

Balanced panel of 2,500 units x 80 quarters, 4 treated cohorts plus never-treated units,
doubly robust estimator without covariates, never-treated comparisons, varying base period
(316 group-time cells). Timed in the same run: analytics.effects.cs.att_gt, csdid 0.4.3
(``ATTgt(..., cband=True, biters=999).fit(est_method="dr", bstrap=True)``) and differences 0.3.0
(``ATTgt(df, cohort_column).fit("y", est_method="dr", boot_iterations=999)``). A peer that
would take longer than ``--peer-budget`` seconds on the full panel is also measured on a subset
of units, with both figures printed.

Then ours alone on 20,000 units x 80 quarters, in a fresh process, reporting its peak resident
memory (target < 4 GB).

    .venv/bin/python bench/bench_cs.py [--units 2500] [--periods 80] [--draws 999]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics.effects.cs import aggte, att_gt  # noqa: E402


def simulate(n_units: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    """Balanced staggered panel: unit and period effects, 4 cohorts, dynamic effects, noise."""
    rng = np.random.default_rng(seed)
    cohorts = np.array([0] + [round(n_periods * f) + 1 for f in (0.25, 0.4, 0.55, 0.7)])
    unit_cohort = rng.choice(cohorts, size=n_units, p=[0.3, 0.175, 0.175, 0.175, 0.175])
    periods = np.arange(1, n_periods + 1)
    unit_effect = rng.normal(0, 1, n_units)[:, None]
    period_effect = np.cumsum(rng.normal(0.05, 0.1, n_periods))[None, :]
    since = periods[None, :] - unit_cohort[:, None]
    treated = (unit_cohort[:, None] > 0) & (since >= 0)
    effect = np.where(treated, 1.0 + 0.05 * since, 0.0)
    y = unit_effect + period_effect + effect + rng.normal(0, 1, (n_units, n_periods))
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(1, n_units + 1), n_periods),
            "time": np.tile(periods, n_units),
            "y": y.ravel(),
            "cohort": np.repeat(unit_cohort, n_periods),
        }
    )


def timed(fn, *args, repeats: int = 3) -> tuple[float, float, float]:
    """Median wall-clock and CPU seconds over ``repeats`` runs, and the run's overall ATT.

    CPU time (all threads of this process) is printed beside wall time because the machine
    may be shared: wall time then includes waiting for cores, CPU time does not.
    """
    walls, cpus = [], []
    estimate = float("nan")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        estimate = fn(*args)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return float(np.median(walls)), float(np.median(cpus)), estimate


def run_ours(df: pd.DataFrame, draws: int) -> float:
    result = att_gt(
        df, unit="unit", time="time", outcome="y", treat_time="cohort", bootstrap=draws, seed=1
    )
    return result.estimate


def run_csdid(df: pd.DataFrame, draws: int) -> float:
    from csdid.att_gt import ATTgt

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        model = ATTgt(
            yname="y",
            tname="time",
            idname="unit",
            gname="cohort",
            data=df,
            control_group="nevertreated",
            cband=True,
            biters=draws,
        ).fit(est_method="dr", bstrap=True)
        model.aggte(typec="simple")
    return float(model.atte["overall_att"])


def run_differences(df: pd.DataFrame, draws: int) -> float:
    from differences import ATTgt

    data = df.assign(cohort=df["cohort"].where(df["cohort"] > 0)).set_index(["unit", "time"])
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        model = ATTgt(data=data, cohort_column="cohort")
        model.fit(
            "y",
            est_method="dr",
            control_group="never_treated",
            boot_iterations=draws,
            random_state=1,
            progress_bar=False,
        )
        overall = model.aggregate("simple")
    return float(np.asarray(overall.iloc[0, 0]))


def measure_peer(name, fn, df, draws, ours, budget, n_units):
    """Time a peer on the full panel (ours measured beside it); when a run on a subset of units
    projects the full panel beyond the budget, report the subset alone, against ours on it."""
    subset_units = max(250, n_units // 10)
    sub = df.loc[df["unit"] <= subset_units]
    timed(fn, df.loc[df["unit"] <= 100], 9, repeats=1)  # warm-up: imports, caches
    peer_sub = timed(fn, sub, draws, repeats=1)
    ours_sub = timed(run_ours, sub, draws)
    report(name, f"subset {subset_units} units", peer_sub, ours_sub)
    projected = peer_sub[0] * n_units / subset_units
    if projected > budget:
        print(f"{name:<12} full panel skipped: projected {projected:.0f} s > budget {budget:.0f} s")
        return
    report(name, f"full {n_units} units", timed(fn, df, draws), ours)


def report(name: str, label: str, peer: tuple, ours: tuple) -> None:
    print(
        f"{name:<12} {label:<18} wall {peer[0]:7.2f} s vs ours {ours[0]:6.3f} s "
        f"-> {peer[0] / ours[0]:5.1f}x faster | CPU {peer[1]:7.2f} s vs ours {ours[1]:6.3f} s "
        f"-> {peer[1] / ours[1]:5.1f}x | overall ATT {peer[2]:.4f} (ours {ours[2]:.4f})"
    )


def memory_run(n_units: int, n_periods: int, draws: int) -> None:
    df = simulate(n_units, n_periods, seed=2)
    start = time.perf_counter()
    result = att_gt(
        df, unit="unit", time="time", outcome="y", treat_time="cohort", bootstrap=draws, seed=1
    )
    aggte(result, "dynamic")
    elapsed = time.perf_counter() - start
    # VmHWM is this program's own peak; ru_maxrss would carry over the parent's across exec
    # (the parent that ran the peers).
    with open("/proc/self/status") as status:
        peak_kb = int(status.read().split("VmHWM:")[1].split()[0])
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_kb / 1024, "cells": len(result.att_gt)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2500)
    parser.add_argument("--periods", type=int, default=80)
    parser.add_argument("--draws", type=int, default=999)
    parser.add_argument("--peer-budget", type=float, default=900.0)
    parser.add_argument("--memory-units", type=int, default=20000)
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_only:
        memory_run(args.memory_units, args.periods, args.draws)
        return

    df = simulate(args.units, args.periods)
    print(
        f"panel: {args.units} units x {args.periods} periods, 4 cohorts + never treated, "
        f"{args.draws} bootstrap draws, dr, never-treated comparisons"
    )
    timed(run_ours, df.loc[df["unit"] <= 100], 9, repeats=1)  # warm-up: imports, BLAS threads
    ours = timed(run_ours, df, args.draws)
    print(
        f"{'ours':<12} {'full ' + str(args.units) + ' units':<18} wall {ours[0]:.3f} s, "
        f"CPU {ours[1]:.3f} s (median of 3), overall ATT {ours[2]:.4f}"
    )
    for name, fn in (("csdid", run_csdid), ("differences", run_differences)):
        measure_peer(name, fn, df, args.draws, ours, args.peer_budget, args.units)

    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--memory-only",
            "--memory-units",
            str(args.memory_units),
            "--periods",
            str(args.periods),
            "--draws",
            str(args.draws),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    memory = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"memory: ours on {args.memory_units} units x {args.periods} periods "
        f"({memory['cells']} cells, {args.draws} draws, plus dynamic aggregation): "
        f"{memory['seconds']:.2f} s, peak RSS {memory['peak_mb']:.0f} MB (target < 4096 MB)"
    )


if __name__ == "__main__":
    main()
