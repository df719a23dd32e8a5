"""Diagnostics on an event study: do pre-trends reject parallel trends, and how robust is the
post-period effect to violations of parallel trends?

Works on any result exposing ``event_study`` (rel_time, estimate, se, ci_low, ci_high) and
``event_vcov`` aligned with its rows (Sun-Abraham here, Callaway-Sant'Anna's dynamic
aggregation in :mod:`cs`). A reference row (se missing or zero) is left out.

Relative magnitudes (Rambachan & Roth 2023, section 2.4.2). Write the event-study
coefficients as effect plus bias, with the bias ``delta`` normalised to 0 at the reference
period (e = -1). ``Delta^RM(Mbar)`` allows each post-period change of the bias,
``|delta_{e} - delta_{e-1}|`` for e >= 0, to be at most ``Mbar`` times the largest change
observed between consecutive pre-periods (the reference counted as 0). The post-period bias at
event time e is then at most ``(e + 1) * Mbar * max_pre_change``, so the average post-period
effect ``theta`` (equal weights over the post-period coefficients, HonestDiD's default
``l_vec``) has the identified set ``theta_hat +- Mbar * max_pre_change * mean(e + 1)``.

The approximation we use (and HonestDiD does not): the pre-period changes are plugged in as if
known, and the robust interval is the identified set widened by the usual
``z_{1-alpha/2} * se(theta_hat)`` on each side. HonestDiD's conditional / hybrid intervals
also account for the sampling noise in the pre-period coefficients and for the fact that the
worst-case bias is attained at a boundary, so its intervals are typically somewhat wider for
small ``Mbar``; treat our breakdown value as optimistic by that margin. The bounds assume
coefficients measured against a fixed reference period (Sun-Abraham, or CS with
``base_period="universal"``); with CS's varying base period the pre-period coefficients are
period-to-period changes and the bound is only indicative.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analytics.effects.results import Diagnostics

DEFAULT_MBAR_GRID: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


@dataclass(frozen=True)
class PretrendTest:
    """Joint Wald test that every pre-period event-study coefficient is zero (chi-squared)."""

    statistic: float
    df: int
    p_value: float
    rel_times: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "rel_times": list(self.rel_times),
        }


def _event_rows(result: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows with a real standard error, their positions' covariance, sorted by rel_time."""
    events = getattr(result, "event_study", None)
    if events is None or len(events) == 0:
        raise ValueError("this result has no event study")
    events = events.reset_index(drop=True)
    vcov = getattr(result, "event_vcov", None)
    if vcov is None or np.shape(vcov) != (len(events), len(events)):
        # Without a covariance, treat coefficients as independent (conservative only by luck).
        vcov = np.diag(events["se"].fillna(0).to_numpy() ** 2)
    usable = events["se"].notna() & (events["se"] > 0)
    rows = events.loc[usable].sort_values("rel_time")
    index = rows.index.to_numpy()
    return rows.reset_index(drop=True), np.asarray(vcov)[np.ix_(index, index)]


def pretrend_test(result: Any) -> PretrendTest:
    """Wald test of ``beta_e = 0`` for all pre-period e (< 0) with a standard error.

    Statistic ``b' V^-1 b`` over the pre-period coefficients, chi-squared with as many degrees
    of freedom as coefficients (a pseudo-inverse guards a singular V). NaN when there is no
    pre-period coefficient. A result that carries its own test (``pretrend``: the imputation
    estimator's separate pre-trend regression) answers with it.
    """
    own = getattr(result, "pretrend", None)
    if isinstance(own, PretrendTest):
        return own
    rows, vcov = _event_rows(result)
    pre = (rows["rel_time"] < 0).to_numpy()
    if not pre.any():
        return PretrendTest(math.nan, 0, math.nan, ())
    b = rows.loc[pre, "estimate"].to_numpy()
    v = vcov[np.ix_(pre, pre)]
    statistic = float(b @ np.linalg.pinv(v) @ b)
    df = int(np.linalg.matrix_rank(v))
    return PretrendTest(
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)),
        rel_times=tuple(int(e) for e in rows.loc[pre, "rel_time"]),
    )


@dataclass(frozen=True)
class _PostAverage:
    theta: float
    se: float
    max_pre_change: float
    mean_steps: float


def _post_average(result: Any) -> _PostAverage:
    rows, vcov = _event_rows(result)
    post = (rows["rel_time"] >= 0).to_numpy()
    if not post.any():
        raise ValueError("the event study has no post-period coefficient")
    weights = post / post.sum()
    theta = float(weights @ rows["estimate"].to_numpy())
    se = float(np.sqrt(weights @ vcov @ weights))
    # Pre-period path with the reference period at 0 (it is not among ``rows``).
    pre = rows.loc[~post, ["rel_time", "estimate"]]
    reference = getattr(result, "reference_period", -1)
    reference = -1 if reference is None else int(reference)
    path = pd.concat(
        [pre, pd.DataFrame({"rel_time": [reference], "estimate": [0.0]})], ignore_index=True
    )
    path = path.drop_duplicates("rel_time", keep="first").sort_values("rel_time")
    changes = np.abs(np.diff(path["estimate"].to_numpy()))
    max_change = float(changes.max()) if changes.size else math.nan
    steps = rows.loc[post, "rel_time"].to_numpy() - reference
    return _PostAverage(theta, se, max_change, float(steps.mean()))


def relative_magnitude_bounds(
    result: Any, mbar_grid: Sequence[float] = DEFAULT_MBAR_GRID, *, alpha: float | None = None
) -> pd.DataFrame:
    """Identified set and robust interval of the average post-period effect for each Mbar.

    Columns: ``mbar``, ``theta`` (estimate), ``id_low``/``id_high`` (identified set),
    ``ci_low``/``ci_high`` (robust interval at level 1 - alpha), ``rejects_zero``.
    """
    alpha = float(getattr(result, "alpha", 0.05) if alpha is None else alpha)
    average = _post_average(result)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for mbar in mbar_grid:
        if mbar < 0:
            raise ValueError(f"Mbar must be non-negative; got {mbar}")
        bias = mbar * average.max_pre_change * average.mean_steps if mbar > 0 else 0.0
        low, high = average.theta - bias, average.theta + bias
        ci_low, ci_high = low - z * average.se, high + z * average.se
        rows.append(
            {
                "mbar": float(mbar),
                "theta": average.theta,
                "id_low": low,
                "id_high": high,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "rejects_zero": bool(ci_low > 0 or ci_high < 0),
            }
        )
    return pd.DataFrame(rows)


def breakdown_mbar(result: Any, *, alpha: float | None = None) -> float:
    """The largest Mbar at which the robust interval still excludes zero.

    0 when even Mbar = 0 (exact parallel trends) does not reject zero; infinity when the
    pre-period coefficients do not move at all (no scale to compare with); NaN without
    pre-period coefficients.
    """
    alpha = float(getattr(result, "alpha", 0.05) if alpha is None else alpha)
    average = _post_average(result)
    margin = abs(average.theta) - stats.norm.ppf(1 - alpha / 2) * average.se
    if margin <= 0:
        return 0.0
    if not np.isfinite(average.max_pre_change):
        return math.nan
    if average.max_pre_change == 0:
        return math.inf
    return float(margin / (average.max_pre_change * average.mean_steps))


def event_plot_data(result: Any) -> pd.DataFrame:
    """Event-study rows for a plot: rel_time, estimate, ci_low, ci_high and ``period``
    ("pre", "reference" or "post")."""
    events = result.event_study.loc[:, ["rel_time", "estimate", "ci_low", "ci_high", "se"]].copy()
    events["period"] = np.where(events["rel_time"] < 0, "pre", "post")
    events.loc[events["se"].isna() | (events["se"] == 0), "period"] = "reference"
    return events.drop(columns="se").sort_values("rel_time").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# The event-study part of a result's diagnostics (results.EffectResult.diagnostics)


def event_study_diagnostics(result: Any) -> Diagnostics:
    """The pre-trend test and breakdown value of a result with an event study (empty when the
    event study has no usable rows)."""
    try:
        test = pretrend_test(result)
    except ValueError:
        return Diagnostics()
    try:
        breakdown = breakdown_mbar(result)
    except ValueError:
        breakdown = math.nan
    return Diagnostics(pretrend=test, breakdown_mbar=breakdown)
