"""Pre-trend test against pyfixest's Wald test; relative-magnitude identified sets on hand-made
studies (the robust sets are checked against HonestDiD in test_honest.py)."""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from analytics.effects.diagnostics import (
    breakdown_mbar,
    event_plot_data,
    pretrend_test,
    relative_magnitude_bounds,
)
from analytics.effects.sunab import sun_abraham
from tests.effects.conftest import simulated_staggered
from tests.effects.test_sunab import saturated

pf = pytest.importorskip("pyfixest")
from pyfixest.did.saturated_twfe import compute_period_weights  # noqa: E402


def test_pretrend_test_matches_pyfixest_wald_test():
    """Same hypothesis written on pyfixest 0.60.0's saturated regression: the cohort-share
    weighted pre-period combinations are jointly zero, ``model.wald_test(R, distribution="chi2")``."""
    data = simulated_staggered(seed=7)
    result = sun_abraham(data, unit="unit", time="year", outcome="y", treat_time="g")
    model, frame, cells = saturated(data, "unit", "year", "y", "g")
    weights = compute_period_weights(
        data=frame[frame["g"] > 0], cohort="g", period="rel_time", treatment="is_treated"
    ).set_index(["g", "rel_time"])["weight"]
    pre = sorted(e for e in cells["rel_time"].unique() if e < 0)
    r = np.zeros((len(pre), len(model.coef())))
    for row, rel in enumerate(pre):
        for cell in cells[cells["rel_time"] == rel].itertuples():
            r[row, cell.index] = weights.loc[(cell.cohort, rel)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = model.wald_test(R=r, distribution="chi2")
    test = pretrend_test(result)
    assert test.df == len(pre)
    assert test.statistic == pytest.approx(float(reference["statistic"]), rel=1e-6)
    assert test.p_value == pytest.approx(float(reference["pvalue"]), abs=1e-6)


@dataclass(frozen=True)
class Study:
    """A hand-made event study with a diagonal covariance."""

    event_study: pd.DataFrame
    event_vcov: np.ndarray
    alpha: float = 0.05
    reference_period: int = -1


def study(pre, post, se=0.1):
    rel = list(range(-len(pre) - 1, 0)) + list(range(len(post)))
    estimate = list(pre) + [0.0] + list(post)
    ses = [se] * len(pre) + [np.nan] + [se] * len(post)
    frame = pd.DataFrame({"rel_time": rel, "estimate": estimate, "se": ses})
    frame["ci_low"] = frame["estimate"] - 1.96 * frame["se"]
    frame["ci_high"] = frame["estimate"] + 1.96 * frame["se"]
    return Study(frame, np.diag(np.nan_to_num(frame["se"].to_numpy()) ** 2))


def test_pretrend_test_ignores_the_reference_row():
    test = pretrend_test(study(pre=[0.1, -0.1], post=[1.0]))
    assert test.df == 2
    assert test.statistic == pytest.approx((0.1 / 0.1) ** 2 + (0.1 / 0.1) ** 2)
    assert test.rel_times == (-3, -2)


def test_relative_magnitude_identified_set_by_hand():
    # Pre path -0.2, 0.1, (ref) 0: largest consecutive change 0.3.
    # Post e = 0, 1: the bias may grow by 0.3 * Mbar per period -> 1 and 2 steps, mean 1.5.
    result = study(pre=[-0.2, 0.1], post=[1.0, 2.0], se=0.1)
    bounds = relative_magnitude_bounds(result, [0.0, 1.0]).set_index("mbar")
    theta = 1.5
    assert bounds.loc[0.0, "id_low"] == pytest.approx(theta)
    assert bounds.loc[0.0, "id_high"] == pytest.approx(theta)
    assert bounds.loc[1.0, "id_low"] == pytest.approx(theta - 0.3 * 1.5)
    assert bounds.loc[1.0, "id_high"] == pytest.approx(theta + 0.3 * 1.5)
    # The robust set contains the identified set and widens with Mbar (the numbers themselves
    # are checked against HonestDiD in test_honest.py).
    assert bounds.loc[1.0, "ci_low"] < bounds.loc[1.0, "id_low"]
    assert bounds.loc[1.0, "ci_high"] > bounds.loc[1.0, "id_high"]
    assert bounds.loc[1.0, "ci_low"] < bounds.loc[0.0, "ci_low"]
    breakdown = breakdown_mbar(result)
    at_breakdown = relative_magnitude_bounds(result, [breakdown, breakdown - 0.01])
    assert at_breakdown["ci_low"].iloc[0] <= 0 < at_breakdown["ci_low"].iloc[1]


def test_breakdown_is_zero_when_the_effect_is_not_significant():
    assert breakdown_mbar(study(pre=[0.1], post=[0.05])) == 0.0


def test_event_plot_data_marks_the_reference():
    plot = event_plot_data(study(pre=[0.1], post=[1.0]))
    assert plot["period"].tolist() == ["pre", "reference", "post"]
