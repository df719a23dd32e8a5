"""A composite index of parks for one quarter, with ranks and their change since last quarter.

Method (written out for users in the catalogue, ``ranking.method``):

1. Each component KPI is scored 0..100 across the parks of the quarter by min-max scaling,
   reversed for components where lower is better. When every park has the same value the
   component scores 100 for all (nobody is behind anybody).
2. A park's index is the weighted mean of the components it has. A missing component is
   shown as missing and left out, and the remaining weights are re-normalised to sum to 1;
   nothing is imputed.
3. A park whose index rests on less than ``MIN_WEIGHT_SHARE`` of the total weight or on
   fewer than ``MIN_COMPONENTS`` components is flagged ``thin``.
4. Ranks are competition ranks ("1224": 1 = best, ties share the better rank) among the
   parks with an index; the change is last quarter's rank minus this quarter's (positive =
   moved up), computed with the same weights.

The default weights follow the families the Association of Industrial Parks' reviews and the
Expert rating agency score parks on: use of land (occupancy, jobs and investment per
hectare), residents, payback for the budget and the quality of jobs. The Expert agency
dropped its single composite score in 2020 because parks with different starting conditions
are hard to compare; the index is therefore offered with peer groups (``by="park_type"``)
and user-adjustable weights, and every component stays visible beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from analytics.kpi.formulas import parse_quarter, shift_quarter

DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "occupancy_rate": 0.25,
        "jobs_per_ha": 0.20,
        "investment_per_ha": 0.20,
        "residents_count": 0.10,
        "budget_efficiency": 0.15,
        "wage_to_regional": 0.10,
    }
)
# Lower is better for none of the defaults; user components may add some.
LOWER_IS_BETTER: frozenset[str] = frozenset({"residents_left", "payback_year"})
MIN_WEIGHT_SHARE = 0.6
MIN_COMPONENTS = 3


@dataclass(frozen=True)
class Ranking:
    quarter: dt.date
    weights: Mapping[str, float]
    by: str | None
    # one row per park: park_id, group, <component>_score..., weight_used, components_used,
    # thin, index, rank, rank_previous, rank_change
    table: pd.DataFrame
    missing: pd.DataFrame = field(repr=False)  # park_id, component: the values left out


def check_weights(weights: Mapping[str, float], available: set[str]) -> dict[str, float]:
    """Weights must name known KPI columns, be non-negative and not all zero."""
    unknown = sorted(set(weights) - available)
    if unknown:
        raise ValueError(f"unknown ranking components {unknown}; allowed: {sorted(available)}")
    if any(not np.isfinite(w) or w < 0 for w in weights.values()):
        raise ValueError("ranking weights must be finite and non-negative")
    total = float(sum(weights.values()))
    if total <= 0:
        raise ValueError("at least one ranking weight must be positive")
    return {k: float(w) / total for k, w in weights.items() if w > 0}


def component_scores(values: pd.DataFrame, lower_is_better=LOWER_IS_BETTER) -> pd.DataFrame:
    """Min-max scores 0..100 per column (NaN stays NaN); reversed where lower is better."""
    scores = {}
    for column in values.columns:
        x = values[column].astype(float)
        lo, hi = x.min(), x.max()
        if np.isnan(lo):
            score = x * np.nan
        elif hi == lo:
            score = x.where(x.isna(), 100.0)
        else:
            score = (x - lo) / (hi - lo) * 100.0
            if column in lower_is_better:
                score = 100.0 - score
        scores[column] = score
    return pd.DataFrame(scores, index=values.index)


def composite_index(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted mean of available scores with weights re-normalised per park."""
    w = pd.Series(weights, dtype=float)[scores.columns]
    present = scores.notna()
    weight_used = present.mul(w, axis=1).sum(axis=1)
    weighted = scores.fillna(0.0).mul(w, axis=1).sum(axis=1)
    index = (weighted / weight_used).where(weight_used > 0)
    out = pd.DataFrame(
        {
            "weight_used": weight_used / w.sum(),
            "components_used": present.sum(axis=1),
            "index": index,
        }
    )
    out["thin"] = (out["weight_used"] < MIN_WEIGHT_SHARE - 1e-12) | (
        out["components_used"] < min(MIN_COMPONENTS, len(w))
    )
    return out


def _rank_quarter(
    kpis: pd.DataFrame, quarter: dt.date, weights: dict[str, float], by: str | None
) -> pd.DataFrame:
    rows = kpis[kpis["quarter"] == pd.Timestamp(quarter)].set_index("park_id")
    values = rows[list(weights)].astype(float)
    group = rows[by] if by else pd.Series("all", index=rows.index)
    parts = []
    for _, members in values.groupby(group, sort=True):
        scores = component_scores(members)
        combined = composite_index(scores, weights)
        combined["rank"] = combined["index"].rank(ascending=False, method="min")
        parts.append(scores.add_suffix("_score").join(combined))
    if not parts:  # nobody reported: an empty table with every column
        columns = [*weights, "group", *(f"{c}_score" for c in weights)]
        columns += ["weight_used", "components_used", "index", "thin", "rank"]
        return pd.DataFrame(columns=columns, index=pd.Index([], name="park_id"), dtype=float)
    table = pd.concat(parts)
    table.insert(0, "group", group.reindex(table.index))
    return values.join(table)


def rank_parks(
    kpis: pd.DataFrame,
    quarter: str | dt.date,
    weights: Mapping[str, float] | None = None,
    by: str | None = None,
) -> Ranking:
    """Rank parks in ``quarter`` from ``park_kpis`` rows (they must include the previous
    quarter for the rank change). ``by``: a park column to rank within (e.g. park_type)."""
    q = parse_quarter(quarter)
    numeric = {c for c in kpis.columns if pd.api.types.is_numeric_dtype(kpis[c])}
    chosen = check_weights(weights if weights is not None else DEFAULT_WEIGHTS, numeric)
    if by is not None and by not in kpis.columns:
        raise ValueError(f"cannot rank within {by!r}: no such column")
    now = _rank_quarter(kpis, q, chosen, by)
    before = _rank_quarter(kpis, shift_quarter(q, -1), chosen, by)
    now["rank_previous"] = before["rank"].reindex(now.index)
    now["rank_change"] = now["rank_previous"] - now["rank"]
    table = now.reset_index().sort_values(["group", "rank", "park_id"], na_position="last")
    missing = (
        now[list(chosen)]
        .isna()
        .stack()
        .loc[lambda s: s]
        .reset_index()
        .set_axis(["park_id", "component", "missing"], axis=1)[["park_id", "component"]]
    )
    # a plain dict, so a ranking pickles (the app caches results by pickling them)
    return Ranking(q, dict(chosen), by, table.reset_index(drop=True), missing)
