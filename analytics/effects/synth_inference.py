"""Inference for synthetic control: in-space placebos, permutation p-values, intervals,
placebo bands, leave-one-out.

In-space placebos (Abadie, Diamond & Hainmueller 2010, 2015): every donor in turn is treated
as if it had received the treatment, with the other donors (never the actually treated unit)
as its donor pool. Each unit's statistic is its post/pre RMSPE ratio; the permutation p-value
is the treated unit's rank among the J + 1 ratios divided by J + 1 (rank 1 = largest ratio;
ties count against the treated unit), so it can never fall below 1 / (J + 1).

Confidence interval: the permutation test is inverted for a constant effect c
(Firpo & Possebom 2018, section 3): under H0 "the effect is c in every post period" the
treated unit's post-period gaps become gap_t - c while the placebo ratios stay the same
(placebo pools exclude the treated unit and the fit uses pre-period data only). The
confidence set is every c whose p-value exceeds alpha; the ratio is a convex function of c,
so the set is an interval with a closed form. It is empty when even the best constant effect
is rejected (the effect is far from constant) and unbounded when J + 1 < 1 / alpha.
There is no standard error: synthetic control has no sampling-theory SE, so se is NaN.

Placebo-estimate interval (``"placebo_estimates"``): each placebo's own estimate, its mean
post-period gap, is pure estimation error (it received no treatment). If the treated unit's
error is exchangeable with theirs (Conley & Taber 2011, the inference for few treated units
that uses the controls' estimates as the distribution of the error), then under H0 "the mean
post-period effect is c" the statistic ``|estimate - c|`` ranks among the placebos' ``|e_j|``
uniformly, with p-value ``p(c) = (1 + #{|e_j| >= |estimate - c|}) / (J + 1)``. Inverting it
exactly: ``p(c) > alpha  <=>  |estimate - c| <= r_(m)``, ``r_(m)`` the m-th largest ``|e_j|``,
``m = floor(alpha (J + 1))``, so the interval is ``estimate +- r_(m)`` and it excludes zero
exactly when ``p(0) <= alpha``. It needs no constant effect, so it is never empty when the
effect grows over time; it is unbounded when ``m = 0`` (fewer than ``1 / alpha - 1`` placebos).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.effects.synth_fit import SynthEngine, UnitFit

# m = floor(alpha (J + 1)) computed in floats: 0.29 * 100 is 28.999999999999996.
_FLOOR_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Interval:
    """One confidence interval from the placebos, with the p-value at zero of the test it
    inverts (so ``low <= 0 <= high`` exactly when ``p_value > alpha``)."""

    method: str  # "constant_effect" or "placebo_estimates"
    low: float
    high: float
    p_value: float
    status: str  # "ok", "empty" or "unbounded"


@dataclass(frozen=True)
class PlaceboOutcome:
    gaps: pd.DataFrame  # period x donor-as-treated
    table: pd.DataFrame  # one row per unit (treated first): RMSPEs, ratio, rank, excluded
    p_value: float  # rank of the post/pre RMSPE ratio (Abadie et al. 2010)
    n_placebos: int
    n_excluded: int
    constant_effect: Interval
    placebo_estimates: Interval


def run_placebos(engine: SynthEngine, main: UnitFit) -> list[UnitFit]:
    """Refit with each donor as the treated unit and the other donors as its pool."""
    donors = main.donors
    fits = []
    for j in donors:
        pool = donors[donors != j]
        fits.append(engine.fit(int(j), pool))
    return fits


def permutation_table(
    engine: SynthEngine,
    main: UnitFit,
    placebos: list[UnitFit],
    labels: list,
    cutoff: float | None,
) -> pd.DataFrame:
    rows = []
    for fit, is_treated in [(main, True)] + [(p, False) for p in placebos]:
        pre, post = engine.rmspe(fit.gaps)
        rows.append(
            {
                "unit": labels[fit.treated],
                "treated": is_treated,
                "pre_rmspe": pre,
                "post_rmspe": post,
                "post_pre_ratio": post / pre if pre > 0 else math.inf,
            }
        )
    table = pd.DataFrame(rows)
    treated_pre = table.loc[0, "pre_rmspe"]
    excluded = np.zeros(len(table), dtype=bool)
    if cutoff is not None:
        excluded = (table["pre_rmspe"] > cutoff * treated_pre).to_numpy() & ~table["treated"]
    table["excluded"] = excluded
    kept = table.loc[~table["excluded"]]
    # Rank 1 = largest ratio; ties share the worse rank, so rank / (J + 1) is the p-value.
    ranks = kept["post_pre_ratio"].rank(ascending=False, method="max")
    table["rank"] = ranks.reindex(table.index)
    return table


def permutation_p_value(table: pd.DataFrame) -> tuple[float, int]:
    kept = table.loc[~table["excluded"]]
    treated_ratio = kept.loc[kept["treated"], "post_pre_ratio"].iloc[0]
    placebo_ratios = kept.loc[~kept["treated"], "post_pre_ratio"].to_numpy()
    n_at_least = int(np.sum(placebo_ratios >= treated_ratio))
    return (1 + n_at_least) / (1 + placebo_ratios.size), int(placebo_ratios.size)


def _m(alpha: float, n: int) -> int:
    return math.floor(alpha * (n + 1) + _FLOOR_TOLERANCE)


def constant_effect_interval(
    main_gaps: np.ndarray,
    engine: SynthEngine,
    placebo_ratios: np.ndarray,
    alpha: float,
) -> tuple[float, float, str]:
    """Firpo & Possebom (2018) confidence set for a constant effect, in closed form.

    p(c) = (1 + #{placebo ratio >= ratio(c)}) / (J + 1) > alpha  <=>  at least m placebo
    ratios are >= ratio(c), m = floor(alpha (J + 1)), i.e. ratio(c) <= r_(m), the m-th
    largest placebo ratio. With pre-MSPE P, post gaps g (mean gbar, variance s2):
    mean((g - c)^2) = (gbar - c)^2 + s2 <= r_(m)^2 P.
    """
    n = placebo_ratios.size
    m = _m(alpha, n)
    if m <= 0:
        return -math.inf, math.inf, "unbounded"
    if m > n:  # alpha so large that even the most extreme ratio is not enough
        return math.nan, math.nan, "empty"
    r_m = np.sort(placebo_ratios)[::-1][m - 1]
    pre_mspe = float(np.mean(main_gaps[engine.pre] ** 2))
    post = main_gaps[engine.post]
    gbar = float(post.mean())
    s2 = float(np.mean((post - gbar) ** 2))
    if not np.isfinite(r_m):
        return -math.inf, math.inf, "unbounded"
    half_sq = r_m**2 * pre_mspe - s2
    if half_sq < 0:
        return math.nan, math.nan, "empty"
    half = math.sqrt(half_sq)
    return gbar - half, gbar + half, "ok"


def placebo_estimate_interval(
    estimate: float, placebo_estimates: np.ndarray, alpha: float
) -> Interval:
    """The inverted permutation test of the mean post-period gap (see the module docstring)."""
    sizes = np.abs(np.asarray(placebo_estimates, dtype=float))
    sizes = sizes[np.isfinite(sizes)]
    n = sizes.size
    p_value = (1 + int(np.sum(sizes >= abs(estimate)))) / (n + 1)
    m = _m(alpha, n)
    if m <= 0:
        return Interval("placebo_estimates", -math.inf, math.inf, p_value, "unbounded")
    half = float(np.sort(sizes)[::-1][m - 1])
    return Interval("placebo_estimates", estimate - half, estimate + half, p_value, "ok")


def placebo_estimates(gaps: pd.DataFrame, post: np.ndarray) -> pd.Series:
    """Each placebo's estimate: its mean gap over the post-periods (``post``: a row mask)."""
    return gaps.loc[np.asarray(post, dtype=bool)].mean(axis=0)


def placebo_band(gaps: pd.DataFrame, placebo_gaps: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Pointwise placebo band of a gap path.

    A placebo unit's gap is pure estimation error (it received no treatment), so the
    ``1 - alpha`` quantile ``q_t`` of the absolute placebo gaps in period t measures how far
    the treated unit's gap may stray from its true effect: the band is ``gap_t +- q_t``.
    ``gaps``: time, gap, post (a result's ``gaps``); ``placebo_gaps``: time x placebo.
    Columns: time, gap, low, high, post.
    """
    if placebo_gaps.empty:
        raise ValueError("there are no placebo gaps")
    half = placebo_gaps.abs().quantile(1 - alpha, axis=1).to_numpy()
    gaps = gaps.reset_index(drop=True)
    return pd.DataFrame(
        {
            "time": gaps["time"],
            "gap": gaps["gap"],
            "low": gaps["gap"].to_numpy() - half,
            "high": gaps["gap"].to_numpy() + half,
            "post": gaps["post"],
        }
    )


def placebo_inference(
    engine: SynthEngine,
    main: UnitFit,
    labels: list,
    times: list,
    *,
    alpha: float,
    cutoff: float | None,
) -> PlaceboOutcome:
    placebos = run_placebos(engine, main)
    gaps = pd.DataFrame(
        {labels[p.treated]: p.gaps for p in placebos}, index=pd.Index(times, name="time")
    )
    table = permutation_table(engine, main, placebos, labels, cutoff)
    p_value, n_kept = permutation_p_value(table)
    kept = table.loc[~table["excluded"] & ~table["treated"]]
    low, high, status = constant_effect_interval(
        main.gaps, engine, kept["post_pre_ratio"].to_numpy(), alpha
    )
    post = np.zeros(len(times), dtype=bool)
    post[engine.post] = True
    estimates = placebo_estimates(gaps, post)[list(kept["unit"])]
    estimate = float(np.mean(main.gaps[engine.post]))
    return PlaceboOutcome(
        gaps=gaps,
        table=table,
        p_value=p_value,
        n_placebos=n_kept,
        n_excluded=int(table["excluded"].sum()),
        constant_effect=Interval("constant_effect", low, high, p_value, status),
        placebo_estimates=placebo_estimate_interval(estimate, estimates.to_numpy(), alpha),
    )


def leave_one_out(
    engine: SynthEngine, main: UnitFit, labels: list, times: list
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop each donor with positive weight in turn and refit with the same specification."""
    rows, paths = [], {}
    positive = main.donors[main.weights > 1e-8]
    if main.donors.size - 1 < 1:
        return pd.DataFrame(
            columns=["dropped", "estimate", "pre_rmspe", "post_rmspe", "post_pre_ratio"]
        ), pd.DataFrame(index=pd.Index(times, name="time"))
    for d in positive:
        pool = main.donors[main.donors != d]
        fit = engine.fit(main.treated, pool)
        pre, post = engine.rmspe(fit.gaps)
        rows.append(
            {
                "dropped": labels[d],
                "estimate": float(np.mean(fit.gaps[engine.post])),
                "pre_rmspe": pre,
                "post_rmspe": post,
                "post_pre_ratio": post / pre if pre > 0 else math.inf,
            }
        )
        paths[labels[d]] = engine.y[:, main.treated] - fit.gaps
    table = pd.DataFrame(
        rows, columns=["dropped", "estimate", "pre_rmspe", "post_rmspe", "post_pre_ratio"]
    )
    synthetic = pd.DataFrame(paths, index=pd.Index(times, name="time"))
    return table, synthetic
