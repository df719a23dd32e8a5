"""Callaway & Sant'Anna on simulated staggered panels with a known effect.

The data-generating process lives in ``bench/coverage_cs.py`` (which runs the full study and
prints the figure): cohorts first treated in periods 4 and 6 of 8 plus never-treated units,
cohort-specific levels, AR(1) errors, effects that differ by cohort and grow with exposure.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from analytics.effects.cs import aggte, att_gt

BENCH = Path(__file__).resolve().parents[2] / "bench" / "coverage_cs.py"


@pytest.fixture(scope="module")
def study():
    spec = importlib.util.spec_from_file_location("coverage_cs", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_large_panel_recovers_every_cell_and_aggregation(study):
    panel = study.simulate_panel(20_000, seed=7)
    result = att_gt(panel, unit="unit", time="period", outcome="y", treat_time="first_period")
    table = result.att_gt
    post = table.loc[table["post"]]
    truth = np.array(
        [study.cell_effect(g, t) for g, t in zip(post["group"], post["time"], strict=True)]
    )
    # Each post-period cell within 4 standard errors of its true effect; pre-periods near 0.
    assert np.all(np.abs(post["estimate"] - truth) < 4 * post["se"])
    pre = table.loc[~table["post"]]
    assert np.all(np.abs(pre["estimate"]) < 4 * pre["se"])
    assert abs(result.estimate - study.true_simple_att()) < 4 * result.se
    dynamic = aggte(result, "dynamic").event_study.set_index("rel_time")
    # Event time 0: both cohorts at impact, weighted by their shares (equal here).
    assert dynamic.loc[0, "estimate"] == pytest.approx(1.5, abs=4 * dynamic.loc[0, "se"])


@pytest.mark.slow
def test_simple_att_intervals_cover_the_truth_95_percent(study):
    """500 replications (about 30 s): coverage of the 95% interval within 93-97%."""
    share, mean = study.coverage(500, n_units=300, est_method="dr", control="never")
    assert 0.93 <= share <= 0.97, share
    assert mean == pytest.approx(study.true_simple_att(), abs=0.02)
