"""Synthetic control's placebo-estimate interval: the exact inversion of the permutation test
of the mean post-period gap (Conley & Taber 2011), checked by brute force.

The references are the definition of the test itself, not our output: refitting with the
treated unit's post-period outcomes shifted by c must give a p-value above alpha exactly for
the c inside the interval, and for an effect that grows (no constant effect) the interval must
still exist and cover the true mean effect, where the constant-effect interval of Firpo &
Possebom is empty.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.effects.results import CI_METHODS
from analytics.effects.synth import synthetic_control
from analytics.effects.synth_inference import placebo_estimate_interval


def _panel(n_donors: int, effect: np.ndarray, seed: int, noise: float = 1.0):
    """Donors on their own trends with noise; the treated unit mixes donors 0 and 1 and gets
    ``effect`` (one value per post-period) from period 2020 on."""
    rng = np.random.default_rng(seed)
    n_pre, n_post = 20, effect.size
    periods = np.arange(2000, 2000 + n_pre + n_post)
    paths = {}
    for j in range(n_donors):
        level, slope = rng.uniform(50, 150), rng.uniform(-2, 2)
        paths[f"d{j:02d}"] = level + slope * np.arange(periods.size)
        paths[f"d{j:02d}"] = paths[f"d{j:02d}"] + rng.normal(0, noise, periods.size)
    treated = 0.3 * paths["d00"] + 0.7 * paths["d01"] + rng.normal(0, noise, periods.size)
    paths["treated"] = treated + np.r_[np.zeros(n_pre), effect]
    rows = [
        {"unit": name, "year": int(y), "y": float(v)}
        for name, path in paths.items()
        for y, v in zip(periods, path, strict=True)
    ]
    return pd.DataFrame(rows), 2000 + n_pre


FIT = dict(unit="unit", time="year", outcome="y", treated_unit="treated", leave_one_out=False)


def test_the_interval_inverts_the_test_of_the_mean_post_period_gap():
    df, start = _panel(39, np.full(8, 6.0), seed=3)
    base = synthetic_control(
        df, treatment_start=start, alpha=0.1, interval="placebo_estimates", **FIT
    )
    assert base.interval == "placebo_estimates"
    assert base.ci_method == CI_METHODS["placebo_estimates"]
    assert base.ci_low < base.estimate < base.ci_high
    post = (df["unit"] == "treated") & (df["year"] >= start)
    for c in np.linspace(base.ci_low - 3, base.ci_high + 3, 11):
        shifted = df.copy()
        shifted.loc[post, "y"] -= c
        res = synthetic_control(
            shifted, treatment_start=start, alpha=0.1, interval="placebo_estimates", **FIT
        )
        assert res.estimate == pytest.approx(base.estimate - c, abs=1e-6)
        inside = base.ci_low <= c <= base.ci_high
        assert (res.p_value > 0.1) == inside, (c, res.p_value)


def test_a_growing_effect_keeps_an_interval_the_constant_effect_one_loses():
    effect = np.linspace(1.0, 30.0, 10)  # residents move in: the effect grows every period
    df, start = _panel(39, effect, seed=5, noise=0.3)
    res = synthetic_control(df, treatment_start=start, interval="placebo_estimates", **FIT)
    intervals = res.intervals.set_index("method")
    assert intervals.loc["constant_effect", "status"] == "empty"
    assert res.ci_low <= effect.mean() <= res.ci_high
    assert res.ci_low > 0 and res.p_value <= 0.05
    # The default keeps the published interval and its RMSPE-ratio p-value.
    default = synthetic_control(df, treatment_start=start, **FIT)
    assert default.interval == "constant_effect" and math.isnan(default.ci_low)
    assert default.p_value == default.permutation_p_value == res.permutation_p_value


def test_interval_by_hand_and_its_edges():
    # Six placebo estimates; alpha = 0.3: m = floor(0.3 * 7) = 2, the second largest size.
    estimates = np.array([0.5, -2.0, 1.0, -0.25, 3.0, 0.75])
    interval = placebo_estimate_interval(1.5, estimates, 0.3)
    assert (interval.low, interval.high) == (1.5 - 2.0, 1.5 + 2.0)
    assert interval.p_value == pytest.approx((1 + 2) / 7)  # |-2| and |3| are >= 1.5
    assert interval.status == "ok"
    # 0.29 * 100 is 28.999999999999996 in floats; m must still be 29.
    many = np.arange(1.0, 100.0)
    assert placebo_estimate_interval(0.0, many, 0.29).high == pytest.approx(99.0 - 28.0)
    # Too few placebos for a bounded interval at this level: m = 0.
    few = placebo_estimate_interval(1.0, estimates[:3], 0.1)
    assert few.status == "unbounded" and math.isinf(few.low) and math.isinf(few.high)
    with pytest.raises(ValueError, match="interval"):
        synthetic_control(
            _panel(5, np.ones(3), seed=0)[0], treatment_start=2020, interval="jackknife", **FIT
        )
