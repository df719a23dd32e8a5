"""Coverage of synthetic difference-in-differences' 95% intervals (Arkhangelsky et al. 2021).

Each replication draws a block design as in the paper: 40 control and 8 treated units over
30 periods, the treated ones treated from period 21 on (20 pre-, 10 post-periods). Untreated
outcomes follow an interactive fixed-effects model: unit and period effects, two common AR(1)
factors (coefficient 0.8) with unit loadings, and AR(1) errors within unit (coefficient 0.5,
unit variance of the innovations, the same for every unit). The treated units' levels are
higher (mean +1), so plain differences in levels mislead; their factor loadings are drawn like
the controls' (``--loading-shift 0.5`` shifts them, see below). The effect differs by unit and
grows over the post-periods: ``tau_it = 1 + 0.1 (t - 21) + 0.5 z_i`` with ``z_i`` standard normal.

The estimand is the ATT on the treated in the post-periods: the mean of ``tau_it`` over the
treated units and post-periods of the replication (``true_att``, from the effects the DGP
added, not from an estimate). SDID weighs treated units by ``1/N1`` and post-periods by
``1/T1``, so that mean is exactly what it targets.

Two intervals are checked, both normal: the placebo variance (Algorithm 4, 200 placebo
draws; valid when the controls' noise is exchangeable with the treated units', as here) and
the fixed-weight jackknife (Algorithm 3; defined with two or more treated units; leaving out
a treated unit also moves the effect average, so with effects that differ by unit it counts
their spread too and may cover this in-sample ATT more often than 95%).

Measured (seed 2021, 500 replications, 2,220 s on one core shared with the test suite):
placebo coverage 0.934 (MC se 0.011), median width 1.371; jackknife 0.954 (0.009), median
width 1.550; mean bias -0.006 (MC se 0.017); mean truth 1.444.

With the treated selected on their loadings (``--loading-shift 0.5``: mean +0.5 on both
factors, still inside the controls' spread), 400 replications: placebo 0.910 (MC se 0.014),
jackknife 0.932 (0.013). The placebo variance relabels controls as treated, so it measures
how well controls drawn like the donors can be fitted; treated units placed apart in the
loadings are fitted less well than that, and the placebo interval is too short. This is the
exchangeability the placebo method rests on (treated and controls alike), not a fault of
the code: under it (the default design) both intervals cover.

    .venv/bin/python bench/coverage_sdid.py [--reps 500] [--seed 2021] [--treated 8] [--draws 200]
        [--loading-shift 0]

A replication costs about 3 s on one core whatever the panel's size: nearly every weight
problem (the fit's two and the 200 placebo draws', solved as one batch) runs Frank-Wolfe to
the 10,000-iteration cap (R synthdid's too), and an iteration's cost is Python overhead, so
500 replications take about 25 minutes. Progress is printed every 50 replications.

prints coverage (target 93-97%), its Monte Carlo standard error, the median interval width
and the mean bias for each interval, and exits with status 1 when one is outside the target.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics.effects.sdid import jackknife_se, sdid_fit, synthetic_did  # noqa: E402
from bench.coverage_stats import summarise  # noqa: E402

N_CONTROLS = 40
N_PRE, N_POST = 20, 10
FACTOR_AR, ERROR_AR = 0.8, 0.5
LOADING_SHIFT = 0.0  # mean shift of the treated units' factor loadings (--loading-shift)
SE_METHODS = ("placebo", "jackknife")
Z = float(stats.norm.ppf(0.975))  # synthetic_did's normal intervals at alpha 0.05


def ar1(rng: np.random.Generator, coef: float, shape: tuple[int, int]) -> np.ndarray:
    """Stationary AR(1) series along the first axis with unit-variance innovations."""
    out = np.empty(shape)
    out[0] = rng.normal(size=shape[1]) / np.sqrt(1 - coef**2)
    for k in range(1, shape[0]):
        out[k] = coef * out[k - 1] + rng.normal(size=shape[1])
    return out


def simulate(
    rng: np.random.Generator, n_treated: int, loading_shift: float = LOADING_SHIFT
) -> tuple[pd.DataFrame, float]:
    """One block-design panel and its true ATT (mean effect over treated post cells)."""
    n_units, periods = N_CONTROLS + n_treated, N_PRE + N_POST
    treated = np.arange(n_units) >= N_CONTROLS
    levels = rng.normal(0, 1, n_units) + 1.0 * treated
    loadings = rng.normal(0, 1, (n_units, 2)) + loading_shift * treated[:, None]
    period_effect = 0.1 * np.arange(periods) + rng.normal(0, 0.3, periods)
    factors = ar1(rng, FACTOR_AR, (periods, 2))
    errors = ar1(rng, ERROR_AR, (periods, n_units)).T
    y = levels[:, None] + period_effect[None, :] + loadings @ factors.T + errors
    tau = 1.0 + 0.1 * np.arange(N_POST)[None, :] + 0.5 * rng.normal(size=(n_treated, 1))
    y[N_CONTROLS:, N_PRE:] += tau
    frame = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), periods),
            "period": np.tile(np.arange(1, periods + 1), n_units),
            "y": y.ravel(),
            "first_period": np.repeat(np.where(treated, N_PRE + 1, 0), periods),
        }
    )
    return frame, float(tau.mean())


def jackknife(frame: pd.DataFrame, result) -> float:
    """Algorithm 3's standard error from the weights ``result`` already fitted.

    ``synthetic_did(se_method="jackknife")`` would re-solve the same weights (about a second
    of Frank-Wolfe per replication); the jackknife holds them fixed, so the module's
    ``jackknife_se`` on them gives the identical figure (checked to the last digit on three
    replications)."""
    wide = frame.pivot(index="unit", columns="period", values="y")
    controls = [int(u) for u in result.weights.index]
    treated = [u for u in wide.index if u not in set(controls)]
    y = wide.loc[controls + treated].to_numpy(dtype=float)
    fit = sdid_fit(
        y,
        len(controls),
        N_PRE,
        omega=result.weights.to_numpy(),
        lam=result.time_weights.to_numpy(),
        regularisation=(0.0, 0.0, 0.0),
    )
    return jackknife_se(y, len(controls), N_PRE, fit)


def run(
    reps: int, seed: int, n_treated: int, draws: int, loading_shift: float = LOADING_SHIFT
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {k: np.full(reps, np.nan) for k in ("truth", "estimate", "placebo_se", "jackknife_se")}
    start = time.perf_counter()
    for rep in range(reps):
        frame, out["truth"][rep] = simulate(rng, n_treated, loading_shift)
        result = synthetic_did(
            frame,
            unit="unit",
            time="period",
            outcome="y",
            treat_time="first_period",
            se_method="placebo",
            replications=draws,
            seed=rep,
        )
        out["estimate"][rep] = result.estimate
        out["placebo_se"][rep] = result.se
        out["jackknife_se"][rep] = jackknife(frame, result)
        if (rep + 1) % 50 == 0:
            # A run stopped early still leaves its figures so far.
            done = slice(0, rep + 1)
            print(
                f"  {rep + 1} replications, {time.perf_counter() - start:.0f} s:",
                ", ".join(
                    f"{method} {_covered(out, method)[done].mean():.3f}" for method in SE_METHODS
                ),
                flush=True,
            )
    return out


def _covered(out: dict[str, np.ndarray], method: str) -> np.ndarray:
    return np.abs(out["estimate"] - out["truth"]) <= Z * out[f"{method}_se"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--treated", type=int, default=8)
    parser.add_argument("--draws", type=int, default=200, help="placebo draws per replication")
    parser.add_argument("--loading-shift", type=float, default=LOADING_SHIFT)
    args = parser.parse_args()
    start = time.perf_counter()
    draws = run(args.reps, args.seed, args.treated, args.draws, args.loading_shift)
    on_target = True
    for method in SE_METHODS:
        half = Z * draws[f"{method}_se"]
        figures = summarise(
            draws["truth"], draws["estimate"], draws["estimate"] - half, draws["estimate"] + half
        )
        on_target &= figures.on_target
        print(
            figures.line(
                f"SDID ATT, {method} SE, {N_CONTROLS} controls + {args.treated} treated, "
                f"{N_PRE}+{N_POST} periods"
            )
        )
    print(f"mean truth {draws['truth'].mean():.4f}; {time.perf_counter() - start:.1f} s")
    sys.exit(0 if on_target else 1)


if __name__ == "__main__":
    main()
