"""Recommendations support for a public chamber: the review's findings next to estimated
effects (when the effects engine has produced them) and budget efficiency.

Each suggestion comes from a fixed rule over numbers and names the kind of measure public
chambers recommend (the Kemerovo regional chamber's 2019 recommendations on industrial parks:
quarterly hearings of the departments, a roadmap, co-financed infrastructure subsidies,
training for municipal heads, media coverage). The chamber writes the recommendations;
this module only lines up the evidence for each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.effects.reading import read_result
from analytics.i18n import fmt_number, t
from analytics.kpi.review import LOW_OCCUPANCY, REPORT_DUE_DAYS, Finding, Review


@dataclass(frozen=True)
class Suggestion:
    code: str  # the rule (catalogue key recommend.<code>)
    addressee: str
    text: str  # the measure with the numbers behind it, in the review's language


@dataclass(frozen=True)
class RecommendationsSupport:
    quarter: dt.date
    region: str | None
    lang: str
    findings: tuple[Finding, ...]
    budget: pd.DataFrame  # park_id, name, public money and taxes (cumulative), efficiency, payback
    effects: pd.DataFrame  # outcome, method, estimate, se, ci_low, ci_high, n_units, reading
    suggestions: tuple[Suggestion, ...]


def budget_table(review: Review) -> pd.DataFrame:
    """Budget efficiency per reporting park (money in mln), best first; parks without public
    money keep a blank efficiency (nothing to pay back)."""
    cols = [
        "park_id",
        "public_money_cumulative",
        "taxes_cumulative",
        "budget_efficiency",
        "payback_year",
    ]
    names = review.parks.set_index("park_id")["name"]
    table = review.kpis[cols].copy()
    table.insert(1, "name", table["park_id"].map(names))
    return table.sort_values(
        ["budget_efficiency", "park_id"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)


def effects_table(effects: Sequence[Any], lang: str) -> pd.DataFrame:
    """One row per effect: an EffectResult (the effects engine's result contract) or a
    ParkEffect from analytics.effects.parks, whose outcome name, method and reading are in
    words (an EffectResult alone only knows its panel column)."""
    rows = []
    for effect in effects:
        result = getattr(effect, "result", effect)
        described = hasattr(effect, "outcome_label")  # a ParkEffect
        rows.append(
            {
                "outcome": effect.outcome_label(lang) if described else result.outcome,
                "method": (
                    t(f"impact.method_{effect.params['method']}", lang)
                    if described
                    else result.method
                ),
                "estimate": result.estimate,
                "se": result.se,
                "ci_low": result.ci_low,
                "ci_high": result.ci_high,
                "n_units": result.n_units,
                "reading": effect.reading(lang) if described else read_result(result, lang),
            }
        )
    columns = ["outcome", "method", "estimate", "se", "ci_low", "ci_high", "n_units", "reading"]
    return pd.DataFrame(rows, columns=columns)


def _suggest(review: Review, budget: pd.DataFrame, effects: pd.DataFrame) -> list[Suggestion]:
    lang = review.lang
    out: list[Suggestion] = []

    def add(code: str, addressee: str, **params) -> None:
        text = t(f"recommend.{code}", lang, **params)
        out.append(Suggestion(code, t(f"recommend.to.{addressee}", lang), text))

    parks = review.parks
    behind = parks.loc[parks["status"] == "behind", "name"].tolist()
    if behind:
        add("hearings", "governor", n=len(behind), names=", ".join(sorted(behind)))
    silent = parks["report_state"].isin(["late", "missing", "no_date"]).sum()
    if silent:
        add("roadmap", "departments", n=int(silent), total=len(parks), days=REPORT_DUE_DAYS)
    now = review.kpis
    low = now[(now["occupancy_rate"] < LOW_OCCUPANCY) & (now["years_since_opening"] >= 2)]
    if len(low):
        add(
            "training",
            "departments",
            n=len(low),
            free=fmt_number(float(low["area_free_ha"].sum(min_count=1) or 0), lang, 1),
        )
    funded = budget[budget["public_money_cumulative"] > 0]
    if len(funded):
        unpaid = funded[funded["payback_year"].isna()]
        add(
            "subsidies",
            "departments",
            unpaid=len(unpaid),
            total=len(funded),
            public=fmt_number(float(funded["public_money_cumulative"].sum()), lang, 1),
            taxes=fmt_number(float(funded["taxes_cumulative"].sum()), lang, 1),
        )
    for row in effects.itertuples():
        if not np.isfinite(row.ci_low) or not np.isfinite(row.ci_high):
            continue
        clear = row.ci_low > 0 or row.ci_high < 0
        add(
            "effect_clear" if clear else "effect_unclear",
            "media" if clear else "departments",
            outcome=row.outcome,
            estimate=fmt_number(row.estimate, lang, 2),
            low=fmt_number(row.ci_low, lang, 2),
            high=fmt_number(row.ci_high, lang, 2),
        )
    add("coverage", "media", quarter_parks=len(parks))
    return out


def recommendations_support(
    review: Review, effects: Sequence[Any] | None = None
) -> RecommendationsSupport:
    """Findings, budget efficiency and effects (EffectResult or ParkEffect objects, optional)
    side by side, with rule-based suggestions for the chamber, in the review's language."""
    budget = budget_table(review)
    table = effects_table(effects or (), review.lang)
    return RecommendationsSupport(
        quarter=review.quarter,
        region=review.region,
        lang=review.lang,
        findings=review.findings,
        budget=budget,
        effects=table,
        suggestions=tuple(_suggest(review, budget, table)),
    )
