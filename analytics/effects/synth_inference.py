"""Inference for synthetic control: in-space placebos, permutation p-value, CI, leave-one-out.

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.effects.synth_fit import SynthEngine, UnitFit


@dataclass(frozen=True)
class PlaceboOutcome:
    gaps: pd.DataFrame  # period x donor-as-treated
    table: pd.DataFrame  # one row per unit (treated first): RMSPEs, ratio, rank, excluded
    p_value: float
    n_placebos: int
    n_excluded: int
    ci_low: float
    ci_high: float
    ci_status: str  # "ok", "empty" or "unbounded"


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
    m = math.floor(alpha * (n + 1))
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
    kept = table.loc[~table["excluded"] & ~table["treated"], "post_pre_ratio"].to_numpy()
    low, high, status = constant_effect_interval(main.gaps, engine, kept, alpha)
    return PlaceboOutcome(
        gaps=gaps,
        table=table,
        p_value=p_value,
        n_placebos=n_kept,
        n_excluded=int(table["excluded"].sum()),
        ci_low=low,
        ci_high=high,
        ci_status=status,
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
