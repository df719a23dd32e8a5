"""A park effect in the indicator's own units: what a department can say aloud.

A headline of "0.023 log points" becomes "≈ +190 persons in the municipalities with a park by
Q4 2025 (95 % interval 60 – 320)". From the published values of the panel
(:class:`~analytics.effects.park_panel.ParkPanel`, column ``raw``):

* **On the log scale** the effect ``beta`` multiplies the counterfactual: a treated cell with
  observed level ``Y`` would have been ``Y exp(-beta)`` without the park, so the park added
  ``Y (1 - exp(-beta)) = (exp(beta) - 1) * counterfactual``. **On the level scale** it added
  ``beta`` itself.
* ``effect_level``: that effect per treated unit in the **last quarter** of the panel (the mean
  over the treated units); ``effect_total``: summed over them, for the indicators that add up
  across areas (catalogue ``aggregation = sum``: persons, firms, money), None for averages and
  rates (wages, unemployment). Both use the headline ``beta`` (an average over the post-treatment
  quarters) at the last quarter's level, and both intervals are the headline interval mapped
  the same way (the map is increasing in ``beta``, the observed levels held fixed).
* ``counterfactual``: per quarter, the treated units' observed value beside the value without
  the park (their sum for ``sum`` indicators, else their mean): for synthetic control and
  augmented synthetic control the method's own synthetic path, for the difference-in-
  differences methods the observed value less the headline effect in each treated quarter.

Quarters are :class:`~analytics.quarter.Quarter` values (labels in tables and JSON, words in
readings through :func:`analytics.i18n.fmt_quarter`); numbers are formatted for the locale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.effects.park_panel import ParkPanel
from analytics.effects.results import json_safe
from analytics.i18n import fmt_number, fmt_percent, fmt_quarter, t, unit_label
from analytics.lookups import currency as warehouse_currency
from analytics.quarter import Quarter

COUNTERFACTUAL_COLUMNS = ["quarter", "observed", "counterfactual", "effect", "n_treated"]


@dataclass(frozen=True)
class LevelEffect:
    """An effect in the indicator's ``unit`` with its interval, in ``quarter``, over
    ``n_units`` treated units (summed for a total, averaged for a level)."""

    estimate: float
    ci_low: float
    ci_high: float
    unit: str
    quarter: Quarter
    n_units: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimate": json_safe(self.estimate),
            "ci_low": json_safe(self.ci_low),
            "ci_high": json_safe(self.ci_high),
            "unit": self.unit,
            "quarter": self.quarter.label,
            "n_units": self.n_units,
        }


@dataclass(frozen=True)
class ParkLevels:
    """``effect_level``, ``effect_total`` (None for averages and rates) and the
    ``counterfactual`` path (:data:`COUNTERFACTUAL_COLUMNS`, one row per quarter)."""

    effect_level: LevelEffect
    effect_total: LevelEffect | None
    counterfactual: pd.DataFrame
    aggregation: str
    alpha: float
    currency: str | None = None

    def reading(self, lang: str) -> str:
        """ "≈ +190 persons ... by Q4 2025 (95 % interval 60 – 320)" in ``lang``."""
        effect = self.effect_total or self.effect_level
        digits = _decimals(effect)
        key = "effects_levels.read_total" if self.effect_total else "effects_levels.read_level"
        if effect.n_units == 1:
            key = "effects_levels.read_one"
        return t(
            key,
            lang,
            estimate=_signed(effect.estimate, lang, digits),
            unit=unit_label(effect.unit, lang, self.currency),
            n=fmt_number(effect.n_units, lang),
            quarter=fmt_quarter(effect.quarter, lang),
            level=fmt_percent(1 - self.alpha, lang, 0),
            interval=_interval(effect, lang, digits),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "effect_level": self.effect_level.to_dict(),
            "effect_total": None if self.effect_total is None else self.effect_total.to_dict(),
            "counterfactual": json_safe(self.counterfactual),
            "aggregation": self.aggregation,
            "currency": self.currency,
        }


def _decimals(effect: LevelEffect) -> int:
    """Decimal places (negative: tens, hundreds) keeping two significant digits of the
    interval's half-width: 187 within 60 - 320 reads 190."""
    spread = (effect.ci_high - effect.ci_low) / 2
    if not (math.isfinite(spread) and spread > 0):
        spread = abs(effect.estimate)
    if not (math.isfinite(spread) and spread > 0):
        return 0
    return 1 - math.floor(math.log10(spread))


def _rounded(value: float, lang: str, digits: int) -> str:
    if not math.isfinite(value):
        if math.isnan(value):
            return "–"
        # The locale's own minus sign (that of fmt_number) before an infinite bound.
        return fmt_number(1 if value > 0 else -1, lang).replace("1", "∞")
    return fmt_number(round(value, digits), lang, max(digits, 0))


def _signed(value: float, lang: str, digits: int) -> str:
    text = _rounded(value, lang, digits)
    return "+" + text if value > 0 and math.isfinite(value) else text


def _interval(effect: LevelEffect, lang: str, digits: int) -> str:
    if math.isnan(effect.ci_low) or math.isnan(effect.ci_high):
        return "–"
    return f"{_rounded(effect.ci_low, lang, digits)} – {_rounded(effect.ci_high, lang, digits)}"


def _added(observed: np.ndarray, beta: float, transform: str) -> np.ndarray:
    """What an effect ``beta`` added to cells observed at ``observed``."""
    if transform == "log":
        return observed * -np.expm1(-beta)
    return np.full_like(observed, beta, dtype=float)


def _treated_cells(panel: ParkPanel, in_force: np.ndarray | None = None) -> pd.DataFrame:
    data = panel.data
    if in_force is not None:  # a status that may switch off (dCDH): treated while in force
        status = pd.Series(np.asarray(in_force, dtype=int), index=data.index)
        treated = status.groupby(data["unit"]).transform("max") == 1
        cells = data.loc[treated, ["unit", "quarter", "raw", "first_quarter"]].copy()
        cells["post"] = status.loc[treated].to_numpy() == 1
        return cells
    treated = data["first_quarter"] != ""
    if panel.sc_unit is not None:
        treated = data["unit"] == panel.sc_unit
    cells = data.loc[treated, ["unit", "quarter", "raw", "first_quarter"]].copy()
    cells["post"] = cells["quarter"] >= cells["first_quarter"]
    return cells


def _path(
    cells: pd.DataFrame, result: Any, beta: float, transform: str, aggregation: str
) -> pd.DataFrame:
    gaps = getattr(result, "gaps", None)
    observed = cells["raw"].to_numpy(dtype=float)
    if gaps is not None and len(cells["unit"].unique()) == 1:  # the method's synthetic unit
        gap = gaps.set_index(gaps["time"].astype(str))["gap"].reindex(cells["quarter"])
        gap = gap.to_numpy(dtype=float)
        without = observed * np.exp(-gap) if transform == "log" else observed - gap
    else:
        without = observed - np.where(cells["post"], _added(observed, beta, transform), 0.0)
    frame = cells.assign(observed=observed, counterfactual=without)
    how = "sum" if aggregation == "sum" else "mean"
    path = frame.groupby("quarter", sort=True).agg(
        observed=("observed", how),
        counterfactual=("counterfactual", how),
        n_treated=("post", "sum"),
    )
    path["effect"] = path["observed"] - path["counterfactual"]
    return path.reset_index().loc[:, COUNTERFACTUAL_COLUMNS]


def park_levels(
    panel: ParkPanel,
    result: Any,
    *,
    unit: str,
    aggregation: str,
    currency: str | None = None,
    in_force: np.ndarray | None = None,
) -> ParkLevels:
    """The effect of ``result`` (its estimate and interval, on ``panel.transform``'s scale)
    in the indicator's ``unit`` (see the module docstring). ``in_force``: a 0/1 status per
    panel row for a treatment that switches off (dCDH): the effect is then added in the
    cells in force only, and the last quarter's units are those in force in it."""
    cells = _treated_cells(panel, in_force)
    last = max(panel.quarters)
    final = cells.loc[(cells["quarter"] == last) & cells["post"]]
    observed = final["raw"].to_numpy(dtype=float)
    bounds = {}
    for name in ("estimate", "ci_low", "ci_high"):
        beta = float(getattr(result, name))
        bounds[name] = _added(observed, beta, panel.transform)
    quarter = Quarter.parse(last)
    n = int(observed.size)

    def effect(how: str) -> LevelEffect:
        values = {k: float(getattr(np, how)(v)) if n else math.nan for k, v in bounds.items()}
        return LevelEffect(**values, unit=unit, quarter=quarter, n_units=n)

    return ParkLevels(
        effect_level=effect("mean"),
        effect_total=effect("sum") if aggregation == "sum" else None,
        counterfactual=_path(cells, result, float(result.estimate), panel.transform, aggregation),
        aggregation=aggregation,
        alpha=float(result.alpha),
        currency=currency,
    )


def indicator_facts(con: duckdb.DuckDBPyConnection, level: str, outcome: str) -> Mapping[str, Any]:
    """The indicator's aggregation and the warehouse's currency, for :func:`park_levels`."""
    row = con.execute(
        "SELECT aggregation FROM indicator WHERE entity = ? AND code = ?", [level, outcome]
    ).fetchone()
    return {"aggregation": row[0] if row else "mean", "currency": warehouse_currency(con)}
