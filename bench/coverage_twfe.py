"""Coverage of TWFE 95% confidence intervals on simulated non-staggered panels.

Each replication draws a balanced panel (default 200 units x 10 years; treatment of a random
40% of units from year 6 on, a constant effect of 2), unit effects, common year shocks,
AR(1) errors within unit (rho = 0.5, so clustering matters) and estimates ``y ~ d`` with
unit and year effects and SEs clustered by unit. Prints the share of intervals covering the
true effect (target 93-97% over >= 500 replications) with its Monte Carlo standard error.

    PYTHONPATH=. .venv/bin/python bench/coverage_twfe.py [--reps 1000] [--seed 2024]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

TRUE_EFFECT = 2.0


def simulate(rng: np.random.Generator, n_units: int = 200, n_years: int = 10) -> pd.DataFrame:
    unit = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(2010, 2010 + n_years), n_units)
    treated_unit = rng.random(n_units) < 0.4
    start = 2010 + n_years // 2
    d = (treated_unit[unit] & (year >= start)).astype(int)
    errors = np.empty((n_units, n_years))
    errors[:, 0] = rng.normal(size=n_units) / np.sqrt(1 - 0.25)
    for k in range(1, n_years):
        errors[:, k] = 0.5 * errors[:, k - 1] + rng.normal(size=n_units)
    y = (
        rng.normal(scale=2, size=n_units)[unit]
        + rng.normal(size=n_years)[year - 2010]
        + TRUE_EFFECT * d
        + errors.ravel()
    )
    return pd.DataFrame({"unit": unit, "year": year, "d": d, "y": y})


def coverage(reps: int, seed: int, n_units: int = 200) -> tuple[float, float]:
    """Share of 95% intervals covering the truth and its Monte Carlo standard error."""
    from analytics.effects.twfe import twfe

    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(reps):
        data = simulate(rng, n_units=n_units)
        result = twfe(data, unit="unit", time="year", outcome="y", treated="d")
        hits += result.ci_low <= TRUE_EFFECT <= result.ci_high
    share = hits / reps
    return share, float(np.sqrt(share * (1 - share) / reps))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    share, mc_se = coverage(args.reps, args.seed)
    print(f"TWFE 95% CI coverage over {args.reps} replications: {share:.3f} (MC se {mc_se:.3f})")
    print("target: 0.93-0.97", "OK" if 0.93 <= share <= 0.97 else "OUTSIDE")


if __name__ == "__main__":
    main()
