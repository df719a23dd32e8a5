"""Diagnostics on an event study: do pre-trends reject parallel trends, and how robust is the
post-period effect to violations of parallel trends?

Works on any result exposing ``event_study`` (rel_time, estimate, se, ci_low, ci_high) and
``event_vcov`` aligned with its rows (Sun-Abraham here, Callaway-Sant'Anna's dynamic
aggregation in :mod:`cs`). A reference row (se missing or zero) is left out.

Relative magnitudes (Rambachan & Roth 2023): :func:`relative_magnitude_bounds` and
:func:`breakdown_mbar` give the robust confidence sets of HonestDiD's
``createSensitivityResults_relativeMagnitudes`` (the union over the location of the largest
pre-period change of ARP hybrid tests) for the average post-period effect, computed in
:mod:`analytics.effects.honest`. They need coefficients measured against event time -1
(Sun-Abraham, CS with ``base_period="universal"``, imputation after re-basing); with CS's
varying base period the pre-period coefficients are period-to-period changes and no breakdown
value is reported (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.effects.distributions import chi2_sf
from analytics.effects.honest import breakdown_value, event_study_input, honest_sensitivity
from analytics.effects.results import Diagnostics

DEFAULT_MBAR_GRID: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0)


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
        p_value=float(chi2_sf(statistic, df)),
        rel_times=tuple(int(e) for e in rows.loc[pre, "rel_time"]),
    )


def relative_magnitude_bounds(
    result: Any, mbar_grid: Sequence[float] = DEFAULT_MBAR_GRID, *, alpha: float | None = None
) -> pd.DataFrame:
    """Identified set and robust confidence set of the average post-period effect per Mbar.

    Columns: ``mbar``, ``theta`` (estimate), ``id_low``/``id_high`` (identified set),
    ``ci_low``/``ci_high`` (HonestDiD's C-LF set at level 1 - alpha), ``rejects_zero``.
    """
    sensitivity = honest_sensitivity(result, "rm", list(mbar_grid), alpha=alpha)
    table = sensitivity.sensitivity
    out = pd.DataFrame(
        {
            "mbar": table["mbar"],
            "theta": sensitivity.estimate,
            "id_low": table["id_lb"],
            "id_high": table["id_ub"],
            "ci_low": table["lb"],
            "ci_high": table["ub"],
        }
    )
    out["rejects_zero"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out


# Every result with an event study carries its breakdown value. Up to this many post-periods
# the breakdown search (a dozen sets or so) stays well under a few seconds; longer event
# studies get it when asked for (honest_sensitivity), where each set costs more programmes.
DIAGNOSTIC_MAX_POST = 11


def breakdown_mbar(
    result: Any, *, alpha: float | None = None, max_post: int | None = None
) -> float:
    """The smallest Mbar at which HonestDiD's robust set for the average post-period effect
    includes zero (to 0.005): 0 when even exact parallel trends do not reject zero, infinity
    when nothing up to Mbar = 64 does; raises ValueError when the event study does not fit
    (or has more than ``max_post`` post-periods)."""
    alpha = float(getattr(result, "alpha", 0.05) if alpha is None else alpha)
    study, _, _ = event_study_input(result, "average")
    if max_post is not None and study.n_post > max_post:
        raise ValueError(f"{study.n_post} post-periods (the diagnostic takes {max_post})")
    return breakdown_value(study, "rm", alpha=alpha, method="C-LF")


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
        breakdown = breakdown_mbar(result, max_post=DIAGNOSTIC_MAX_POST)
    except ValueError:
        breakdown = math.nan
    return Diagnostics(pretrend=test, breakdown_mbar=breakdown)
