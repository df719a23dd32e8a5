"""TWFE speed against pyfixest, measured in the same run.

Balanced panel of 2,500 units x 80 quarters (200,000 rows) with 4 treated cohorts and a
never-treated group; ``y ~ d | unit + quarter`` with CRV1 SEs clustered by unit. Prints the
best-of-N wall time of each and the ratio ours / pyfixest (target: at most 1.5).
Our timing includes panel preparation (checks, period parsing) and the Goodman-Bacon and
de Chaisemartin-D'Haultfoeuille diagnostics that the result always carries.

    .venv/bin/python bench/bench_twfe.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd


def simulated_panel(n_units: int = 2500, n_quarters: int = 80, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_quarters)
    quarter = np.tile(np.arange(n_quarters), n_units) + 2005 * 4  # 2005Q1 onwards
    cohorts = np.array([0, 2010 * 4, 2012 * 4, 2014 * 4, 2016 * 4])
    first = np.repeat(rng.choice(cohorts, n_units, p=[0.4, 0.15, 0.15, 0.15, 0.15]), n_quarters)
    d = ((first > 0) & (quarter >= first)).astype(int)
    y = rng.normal(size=n_units)[unit] + 0.01 * quarter + 2.0 * d + rng.normal(size=unit.size)
    return pd.DataFrame({"unit": unit, "quarter": quarter, "first": first, "d": d, "y": y})


def best_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import pyfixest as pf

    from analytics.effects.twfe import twfe

    data = simulated_panel()
    ours = twfe(data, unit="unit", time="quarter", outcome="y", treated="d")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pf.feols("y ~ d | unit + quarter", data=data, vcov={"CRV1": "unit"})
    assert abs(ours.estimate - float(theirs.coef().iloc[0])) < 1e-6
    assert abs(ours.se - float(theirs.se().iloc[0])) < 1e-6

    def run_ours():
        twfe(data, unit="unit", time="quarter", outcome="y", treated="d")

    def run_pyfixest():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pf.feols("y ~ d | unit + quarter", data=data, vcov={"CRV1": "unit"}).se()

    t_ours = best_time(run_ours, args.repeat)
    t_theirs = best_time(run_pyfixest, args.repeat)
    print(
        f"panel: {data['unit'].nunique()} units x {data['quarter'].nunique()} quarters, "
        f"{len(data)} rows, 4 cohorts"
    )
    print(f"ours (analytics.effects.twfe):   {t_ours:.3f} s (best of {args.repeat})")
    print(f"pyfixest {pf.__version__} feols CRV1:  {t_theirs:.3f} s (best of {args.repeat})")
    print(f"ratio ours / pyfixest: {t_ours / t_theirs:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
