"""The TWFE event study: the dynamic two-way fixed effects regression.

``y_it = a_i + b_t + sum_e beta_e * 1[t - G_i = e] + e_it`` with one indicator per relative
period ``e`` of the treated units (all of them, the reference period ``e = -1`` left out) and
never-treated units at zero, unit and time effects absorbed by the within transformation and
CRV1 standard errors clustered by unit, as :func:`analytics.effects.twfe.twfe` computes them
(the same as pyfixest's ``feols`` with the relative-period dummies and
``vcov={"CRV1": unit}``). Without never-treated units the fully dynamic regression is not
identified (relative time is then collinear with unit and time effects): the fit refuses
with ``effects.collinear``.

Under effects that differ across cohorts each ``beta_e`` mixes other periods' effects (Sun &
Abraham 2021); the result is the classic chart analysts expect beside Callaway-Sant'Anna and
Sun-Abraham, not a replacement for them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.effects.distributions import t_ppf
from analytics.effects.panel import prepare_panel
from analytics.effects.results import coded_warnings
from analytics.effects.sunab import EVENT_COLUMNS, REFERENCE_PERIOD, EventStudyResult
from analytics.effects.twfe import METHOD, _call, _check_alpha, fit_two_way, panel_warnings


def twfe_event_study(
    df: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treat_time: str,
    window: tuple[int, int] | None = None,
    alpha: float = 0.05,
) -> EventStudyResult:
    """TWFE event study of ``outcome`` by relative period to ``treat_time`` (first treated
    period, 0/empty = never). Every relative period gets its coefficient; ``window`` (first,
    last) keeps the reported rows (and their covariance) to those relative periods. The
    headline is the mean of the reported post-period coefficients (periods 0 and after)."""
    call = _call(locals(), df)
    _check_alpha(alpha)
    panel = prepare_panel(df, unit=unit, time=time, outcome=outcome, treat_time=treat_time)
    data = panel.data
    first = data["first_treated"].to_numpy()
    rel = np.where(first > 0, (data[panel.time].to_numpy() - first) // panel.step, 0)
    periods = sorted(int(e) for e in np.unique(rel[first > 0]) if e != REFERENCE_PERIOD)
    regressors = pd.DataFrame(
        {f"rel_{e}": ((first > 0) & (rel == e)).astype(float) for e in periods}, index=data.index
    )
    fit, _ = fit_two_way(panel, regressors)
    coef = fit.coef[: len(periods)]
    vcov = fit.vcov[: len(periods), : len(periods)]
    crit = t_ppf(1 - alpha / 2, fit.df_t)
    # the reference period as a row with estimate 0 and no standard error
    order = np.searchsorted(periods, REFERENCE_PERIOD)
    rel_times = np.insert(np.array(periods), order, REFERENCE_PERIOD)
    estimates = np.insert(coef, order, 0.0)
    ses = np.insert(np.sqrt(np.diag(vcov)), order, np.nan)
    full_vcov = np.insert(np.insert(vcov, order, 0.0, axis=0), order, 0.0, axis=1)
    keep = np.ones(len(rel_times), dtype=bool)
    if window is not None:
        keep = (rel_times >= window[0]) & (rel_times <= window[1])
    events = pd.DataFrame(
        {
            "rel_time": rel_times[keep],
            "estimate": estimates[keep],
            "se": ses[keep],
            "ci_low": estimates[keep] - crit * ses[keep],
            "ci_high": estimates[keep] + crit * ses[keep],
        }
    )
    events_vcov = full_vcov[np.ix_(keep, keep)]
    post = (events["rel_time"] >= 0).to_numpy()
    weights = post / max(post.sum(), 1)
    estimate = float(weights @ events["estimate"].to_numpy())
    se = float(np.sqrt(weights @ events_vcov @ weights))
    return EventStudyResult(
        method=METHOD,
        estimate=estimate,
        se=se,
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        n_units=panel.n_units,
        n_obs=panel.n_obs,
        alpha=alpha,
        outcome=panel.outcome,
        call=call,
        **coded_warnings(panel_warnings(panel)),
        event_study=events.loc[:, EVENT_COLUMNS],
        event_vcov=events_vcov,
        control="never",
        df_resid=fit.df_t,
        n_clusters=fit.n_clusters,
        n_treated_units=int(data.loc[first > 0, panel.unit].nunique()),
        cohorts=tuple(int(g) for g in panel.cohorts),
        dropped=panel.dropped,
    )
