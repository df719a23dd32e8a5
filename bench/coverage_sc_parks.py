"""Synthetic control's two placebo intervals against the demo's planted truth, park by park.

For every park whose effect synthetic control can estimate on the demo warehouse (one seed,
log scale, 95%), on the outcomes with planted effects (employment, average wage) and without
(unemployment rate, firms), prints how often each interval covers the true effect
(``analytics.demo.truth``, the generator's own table), how often the constant-effect interval
(Firpo & Possebom) is empty, and how often each excludes zero. This is the measurement behind
``analytics.effects.parks.SC_INTERVAL``; it takes a few minutes (about 150 fits, each with
every placebo).

    PYTHONPATH=. .venv/bin/python bench/coverage_sc_parks.py [--seed N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from analytics.demo import DEFAULT_SEED
from analytics.demo.load import write_demo
from analytics.demo.truth import park_effect_truth
from analytics.effects.park_spec import ParkEffectSpec
from analytics.effects.parks import park_effect
from analytics.errors import UserError

OUTCOMES = ("employment", "avg_wage", "unemployment_rate", "firms_count")


def rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    parks = [p for (p,) in con.execute("SELECT park_id FROM park ORDER BY park_id").fetchall()]
    found = []
    for park in parks:
        for outcome in OUTCOMES:
            spec = ParkEffectSpec(outcome=outcome, method="sc", park_id=park)
            try:
                effect = park_effect(con, spec)
            except UserError:  # not started, another park first, incomplete data
                continue
            truth = park_effect_truth(con, spec).estimate
            for interval in effect.result.intervals.itertuples():
                found.append(
                    {
                        "outcome": outcome,
                        "interval": interval.method,
                        "covers": interval.ci_low <= truth <= interval.ci_high,
                        "empty": interval.status == "empty",
                        "excludes_zero": interval.ci_low > 0 or interval.ci_high < 0,
                    }
                )
    return pd.DataFrame(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = write_demo(Path(folder) / "warehouse.duckdb", seed=args.seed)
        with duckdb.connect(str(path), read_only=True) as con:
            table = rows(con)
    summary = table.groupby(["outcome", "interval"]).agg(
        parks=("covers", "size"),
        covers=("covers", "sum"),
        empty=("empty", "sum"),
        excludes_zero=("excludes_zero", "sum"),
    )
    print(summary.to_string())


if __name__ == "__main__":
    main()
