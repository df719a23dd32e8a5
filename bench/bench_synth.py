"""Benchmark: synthetic control with in-space placebos and leave-one-out, ours vs pysyncon.

Panel: 1 treated unit + 84 donors x 60 quarters (40 before the treatment), outcomes from a
factor model. Both sides solve the same problem: equal V on the 40 standardised
pre-period outcomes (pysyncon: ``Synth.fit(custom_V=ones/40)`` inside ``PlaceboTest``;
ours: ``synthetic_control(..., predictors=<one per quarter>, optimize_v=False)``). Our
documented default (no predictors: raw pre-period outcomes, equal V) is timed too.

Prints timings and ratios against pysyncon measured in this run; asserts nothing.
Target: ours (fit + 84 placebos + leave-one-out) well under 5 s.

    .venv/bin/python bench/bench_synth.py [--pysyncon-workers N] [--skip-pysyncon]
"""

from __future__ import annotations

import argparse
import time
from importlib.metadata import version

import numpy as np
import pandas as pd

from analytics.effects.synth import synthetic_control

N_DONORS, N_PERIODS, N_PRE = 84, 60, 40


def make_panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_units = N_DONORS + 1
    factors = rng.normal(size=(N_PERIODS, 3)).cumsum(axis=0)
    loadings = rng.uniform(0.5, 1.5, size=(n_units, 3))
    level = rng.uniform(100, 200, size=n_units)
    y = level + factors @ loadings.T + rng.normal(0, 0.5, size=(N_PERIODS, n_units))
    y[N_PRE:, 0] += 5.0  # the treated unit (column 0) gets a step effect of 5
    quarters = pd.period_range("2010Q1", periods=N_PERIODS, freq="Q")
    units = ["treated"] + [f"donor{j:02d}" for j in range(N_DONORS)]
    return pd.DataFrame(
        {
            "unit": np.repeat(units, N_PERIODS),
            "period": np.tile(np.arange(N_PERIODS), n_units),
            "quarter": np.tile(quarters.start_time, n_units),
            "y": y.T.ravel(),
        }
    )


def time_ours(df: pd.DataFrame) -> tuple[float, float, object]:
    specs = [("y", [p], "mean") for p in range(N_PRE)]
    t0 = time.perf_counter()
    res = synthetic_control(
        df,
        unit="unit",
        time="period",
        outcome="y",
        treated_unit="treated",
        treatment_start=N_PRE,
        predictors=specs,
        optimize_v=False,
    )
    same_problem = time.perf_counter() - t0
    t0 = time.perf_counter()
    default = synthetic_control(
        df,
        unit="unit",
        time="quarter",
        outcome="y",
        treated_unit="treated",
        treatment_start=df["quarter"].drop_duplicates().iloc[N_PRE],
    )
    default_time = time.perf_counter() - t0
    print(
        f"ours, same problem as pysyncon: fit + {res.n_placebos} placebos + "
        f"{len(res.leave_one_out)} leave-one-out refits: {same_problem:.3f} s "
        f"(estimate {res.estimate:.3f}, p {res.p_value:.4f})"
    )
    print(
        f"ours, CLI default (raw outcomes, equal V), quarterly timestamps: {default_time:.3f} s "
        f"(estimate {default.estimate:.3f}, p {default.p_value:.4f})"
    )
    return same_problem, default_time, res


def time_pysyncon(df: pd.DataFrame, workers: int, ours) -> float:
    from pysyncon import Dataprep, Synth
    from pysyncon.utils import PlaceboTest

    donors = [u for u in df["unit"].unique() if u != "treated"]
    pre = list(range(N_PRE))
    dp = Dataprep(
        foo=df[["unit", "period", "y"]],
        predictors=[],
        predictors_op="mean",
        time_predictors_prior=pre,
        special_predictors=[("y", [p], "mean") for p in pre],
        dependent="y",
        unit_variable="unit",
        time_variable="period",
        treatment_identifier="treated",
        controls_identifier=donors,
        time_optimize_ssr=pre,
    )
    v = np.full(N_PRE, 1 / N_PRE)
    t0 = time.perf_counter()
    synth = Synth()
    synth.fit(dataprep=dp, custom_V=v)
    fit_time = time.perf_counter() - t0
    placebo = PlaceboTest()
    t1 = time.perf_counter()
    placebo.fit(
        dataprep=dp,
        scm=Synth(),
        scm_options={"custom_V": v},
        max_workers=workers,
        verbose=False,
    )
    placebo_time = time.perf_counter() - t1
    # pysyncon has no leave-one-out helper: refit without each donor that our fit drops
    # (SLSQP leaves many 1e-6-size weights, so its own "positive" set would be larger).
    t2 = time.perf_counter()
    dropped_donors = list(ours.leave_one_out["dropped"])
    for dropped in dropped_donors:
        dp_loo = Dataprep(
            foo=df[["unit", "period", "y"]],
            predictors=[],
            predictors_op="mean",
            time_predictors_prior=pre,
            special_predictors=[("y", [p], "mean") for p in pre],
            dependent="y",
            unit_variable="unit",
            time_variable="period",
            treatment_identifier="treated",
            controls_identifier=[d for d in donors if d != dropped],
            time_optimize_ssr=pre,
        )
        Synth().fit(dataprep=dp_loo, custom_V=v)
    loo_time = time.perf_counter() - t2
    total = fit_time + placebo_time + loo_time
    print(
        f"pysyncon {version('pysyncon')}: fit {fit_time:.3f} s, PlaceboTest "
        f"({workers} worker processes) {placebo_time:.3f} s, leave-one-out "
        f"({len(dropped_donors)} refits) {loo_time:.3f} s; total {total:.3f} s"
    )
    p_theirs = placebo.pvalue(treatment_time=N_PRE - 0.5)
    print(
        f"p-values: ours {ours.p_value:.4f}; pysyncon {p_theirs:.4f} "
        f"(+1/(J+1) = {p_theirs + 1 / (N_DONORS + 1):.4f} in Abadie et al.'s convention)"
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pysyncon-workers", type=int, default=2)
    parser.add_argument("--skip-pysyncon", action="store_true")
    args = parser.parse_args()
    df = make_panel()
    print(f"panel: 1 treated + {N_DONORS} donors x {N_PERIODS} quarters ({N_PRE} pre)")
    ours_same, ours_default, res = time_ours(df)
    if args.skip_pysyncon:
        return
    theirs = time_pysyncon(df, args.pysyncon_workers, res)
    print(f"ratio pysyncon / ours (same problem): {theirs / ours_same:.1f}x")
    print(f"ratio pysyncon / ours (CLI default): {theirs / ours_default:.1f}x")


if __name__ == "__main__":
    main()
