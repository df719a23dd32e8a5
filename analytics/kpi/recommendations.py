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

from analytics.effects.park_result import ParkEffect
from analytics.effects.reading import read_result
from analytics.effects.results import EffectResult
from analytics.i18n import LANGUAGES, t
from analytics.i18n.message import Message, Name, Names, Number, Unit
from analytics.kpi.review import LOW_OCCUPANCY, NAME_COLUMNS, REPORT_DUE_DAYS, Finding, Review


@dataclass(frozen=True)
class Suggestion:
    """One measure with the numbers behind it, kept as the rule's code and parameters."""

    code: str  # the rule (catalogue key recommend.<code>)
    addressee: str  # who it is for (catalogue key recommend.to.<addressee>)
    params: dict[str, Any]

    def text(self, lang: str) -> str:
        return Message(f"recommend.{self.code}", self.params).text(lang)

    def addressee_text(self, lang: str) -> str:
        return t(f"recommend.to.{self.addressee}", lang)


@dataclass(frozen=True)
class RecommendationsSupport:
    """The evidence beside the review, the same in every language."""

    quarter: dt.date
    region: str | None
    findings: tuple[Finding, ...]
    budget: pd.DataFrame  # park_id, names, public money and taxes (cumulative), efficiency,
    # payback
    effects: tuple[Effect, ...]  # EffectResult or ParkEffect objects, as given
    suggestions: tuple[Suggestion, ...]

    def effects_table(self, lang: str) -> pd.DataFrame:
        return effects_table(self.effects, lang)


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
    names = review.parks.set_index("park_id")[list(NAME_COLUMNS)]
    table = review.kpis[cols].merge(names, left_on="park_id", right_index=True, how="left")
    table = table[[cols[0], *NAME_COLUMNS, *cols[1:]]]
    return table.sort_values(
        ["budget_efficiency", "park_id"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)


# What recommendations read: an estimator's result, or a park effect (which also knows the
# indicator's names, the place and the sample's limits that its reading needs).
Effect = EffectResult | ParkEffect


def reading(effect: Effect, lang: str) -> str:
    return effect.reading(lang) if isinstance(effect, ParkEffect) else read_result(effect, lang)


def outcome_name(effect: Effect) -> Name:
    """The outcome of an effect in every language."""
    return Name(*(effect.outcome_label(lang) for lang in LANGUAGES))


def effects_table(effects: Sequence[Effect], lang: str) -> pd.DataFrame:
    """One row per effect, read through the result contract: an estimator's EffectResult or
    a ParkEffect (which names its outcome and method in words)."""
    rows = [
        {
            "outcome": effect.outcome_label(lang),
            "method": effect.method_label(lang),
            "estimate": effect.estimate,
            "se": effect.se,
            "ci_low": effect.ci_low,
            "ci_high": effect.ci_high,
            "n_units": effect.n_units,
            "reading": reading(effect, lang),
        }
        for effect in effects
    ]
    columns = ["outcome", "method", "estimate", "se", "ci_low", "ci_high", "n_units", "reading"]
    return pd.DataFrame(rows, columns=columns)


def _suggest(review: Review, budget: pd.DataFrame, effects: Sequence[Effect]) -> list[Suggestion]:
    out: list[Suggestion] = []

    def add(code: str, addressee: str, **params) -> None:
        out.append(Suggestion(code, addressee, params))

    parks = review.parks
    behind = parks[parks["status"] == "behind"]
    if len(behind):
        names = Names.of(behind.to_dict("records"), shown=None, alphabetical=True)
        add("hearings", "governor", n=len(behind), names=names)
    silent = int(parks["report_state"].isin(["late", "missing", "no_date"]).sum())
    if silent:
        add("roadmap", "departments", n=silent, total=len(parks), days=REPORT_DUE_DAYS)
    now = review.kpis
    low = now[(now["occupancy_rate"] < LOW_OCCUPANCY) & (now["years_since_opening"] >= 2)]
    if len(low):
        free = float(low["area_free_ha"].sum(min_count=1) or 0)
        add("training", "departments", n=len(low), free=Number(free, 1))
    funded = budget[budget["public_money_cumulative"] > 0]
    if len(funded):
        # the money of the parks the sentence names: those that have not paid back
        unpaid = funded[funded["payback_year"].isna()]
        add(
            "subsidies",
            "departments",
            unpaid=len(unpaid),
            total=len(funded),
            public=Number(float(unpaid["public_money_cumulative"].sum()), 1),
            taxes=Number(float(unpaid["taxes_cumulative"].sum()), 1),
            unit=Unit("mln_currency", review.currency),
        )
    for effect in effects:
        if not np.isfinite(effect.ci_low) or not np.isfinite(effect.ci_high):
            continue
        clear = effect.ci_low > 0 or effect.ci_high < 0
        add(
            "effect_clear" if clear else "effect_unclear",
            "media" if clear else "departments",
            outcome=outcome_name(effect),
            estimate=Number(effect.estimate, 2),
            low=Number(effect.ci_low, 2),
            high=Number(effect.ci_high, 2),
        )
    add("coverage", "media", quarter_parks=len(parks))
    return out


def recommendations_support(
    review: Review, effects: Sequence[Effect] | None = None
) -> RecommendationsSupport:
    """Findings, budget efficiency and effects (EffectResult or ParkEffect objects, optional)
    side by side, with rule-based suggestions for the chamber, in no language yet."""
    budget = budget_table(review)
    effects = tuple(effects or ())
    return RecommendationsSupport(
        quarter=review.quarter,
        region=review.region,
        findings=review.findings,
        budget=budget,
        effects=effects,
        suggestions=tuple(_suggest(review, budget, effects)),
    )
