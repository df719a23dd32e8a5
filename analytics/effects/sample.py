"""Whom an estimate rests on: the units of the input, the units used and those dropped.

Every result of a panel estimator carries a :class:`SampleReport` (``result.sample``): how many
units the input had, how many the estimate used, and the units dropped by kind (never treated,
treated only after the last period, treated per cohort) and by reason (missing values,
balancing, no pre-period...). The CLI prints it as the JSON object ``dropped``; warnings say it
in the user's language; and the plain-language reading refuses to draw a conclusion from a
result built on fewer than :data:`MIN_SHARE_USED` of the units (or without a standard error),
saying only why.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.effects.panel import UNIT_KINDS, Panel, period_label, unit_kinds
from analytics.effects.results import Share, WarningCode
from analytics.errors import Count

# A result built on fewer than this share of the input's units gets no conclusion.
MIN_SHARE_USED = 0.05
# How many cohorts a warning lists by name.
LISTED_COHORTS = 6


@dataclass(frozen=True)
class SampleReport:
    """Whom an estimate rests on: units in the input, units used and the units dropped, by
    kind (never treated, treated only after the sample, treated per cohort) and reason.

    ``mode`` is how units missing some periods were handled ("balance": dropped, "keep":
    kept with every observed row, "" where the estimator needs no balanced panel);
    ``n_missing_cells`` counts the input's unit x period cells without a usable row.
    """

    n_units_input: int
    n_units_used: int
    n_missing_cells: int
    mode: str
    frequency: str
    dropped: pd.DataFrame = field(repr=False, compare=False)  # unit, reason, kind, cohort

    @property
    def share_used(self) -> float:
        return self.n_units_used / self.n_units_input if self.n_units_input else float("nan")

    @property
    def n_dropped(self) -> int:
        return len(self.dropped)

    def by_kind(self) -> dict[str, int]:
        counts = self.dropped["kind"].value_counts()
        return {kind: int(counts.get(kind, 0)) for kind in UNIT_KINDS}

    def treated_by_cohort(self) -> dict[str, int]:
        treated = self.dropped.loc[self.dropped["kind"] == "treated", "cohort"]
        counts = treated.value_counts().sort_index()
        return {period_label(int(g), self.frequency): int(n) for g, n in counts.items()}

    def by_reason(self, reasons: Sequence[str] | None = None) -> dict[str, int]:
        counts = self.dropped.loc[
            self.dropped["reason"].isin(reasons) if reasons else slice(None), "reason"
        ].value_counts()
        return {str(reason): int(n) for reason, n in counts.items()}

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``dropped`` object of every result."""
        return {
            "total": self.n_dropped,
            **self.by_kind(),
            "treated_by_cohort": self.treated_by_cohort(),
            "by_reason": self.by_reason(),
            "n_units_input": self.n_units_input,
            "n_units_used": self.n_units_used,
            "share_used": self.share_used,
            "n_missing_cells": self.n_missing_cells,
            "unbalanced": self.mode or None,
        }


def sample_report(panel: Panel, *, mode: str = "", n_units_used: int | None = None) -> SampleReport:
    """The :class:`SampleReport` of an estimate on ``panel`` (``n_units_used``: the units the
    estimator actually used, when it drops more than the panel did)."""
    dropped = panel.dropped.loc[:, ["unit", "reason"]].drop_duplicates("unit")
    cohorts = panel.input_cohorts
    if cohorts is None:
        cohorts = panel.unit_cohorts()
    first = cohorts.reindex(dropped["unit"]).fillna(0).astype(np.int64)
    kind = unit_kinds(first, panel.treated_after_sample)
    dropped = dropped.assign(kind=kind.to_numpy(), cohort=first.to_numpy()).reset_index(drop=True)
    return SampleReport(
        n_units_input=panel.n_units_input,
        n_units_used=panel.n_units if n_units_used is None else int(n_units_used),
        n_missing_cells=panel.n_missing_cells,
        mode=mode,
        frequency=panel.frequency,
        dropped=dropped,
    )


def imbalance_warnings(panel: Panel) -> list[WarningCode]:
    """For estimators that use every observed row (TWFE, Sun-Abraham): say that the panel is
    unbalanced and how much is missing, so nobody reads the estimate as from a full panel."""
    if panel.balanced or panel.n_missing_cells <= 0:
        return []
    cells = panel.n_obs + panel.n_missing_cells
    return [
        (
            "effects_modern.warn_unbalanced_panel",
            {
                "units": Count(panel.n_incomplete_units),
                "total": Count(panel.n_units),
                "missing": Count(panel.n_missing_cells),
                "share": Share(panel.n_missing_cells / cells),
            },
        )
    ]


def balance_warnings(sample: SampleReport) -> list[WarningCode]:
    """The warning for units dropped to balance the panel: how many, of which kind."""
    unbalanced = sample.dropped.loc[sample.dropped["reason"] == "unbalanced"]
    if unbalanced.empty:
        return []
    kinds = unbalanced["kind"].value_counts()
    treated = unbalanced.loc[unbalanced["kind"] == "treated", "cohort"].value_counts().sort_index()
    listed = ", ".join(
        f"{period_label(int(g), sample.frequency)}: {int(n)}"
        for g, n in list(treated.items())[:LISTED_COHORTS]
    )
    if len(treated) > LISTED_COHORTS:
        listed += f", … (+{len(treated) - LISTED_COHORTS})"
    return [
        (
            "effects_modern.warn_balance_dropped",
            {
                "n": len(unbalanced),
                "total": sample.n_units_input,
                "never": int(kinds.get("never_treated", 0)),
                "notyet": int(kinds.get("not_yet_treated", 0)),
                "treated": int(kinds.get("treated", 0)),
                "cohorts": listed or "–",
            },
        )
    ]


def no_conclusion_reason(result: Any) -> WarningCode | None:
    """Why ``result`` supports no plain-language conclusion, or None when it does: it rests
    on fewer than :data:`MIN_SHARE_USED` of the input's units, or has no standard error; or
    the reason the result gives itself (an unbounded conformal interval)."""
    own = getattr(result, "no_conclusion_reason", None)
    if own is not None:
        return own
    sample = getattr(result, "sample", None)
    if sample is not None and sample.n_units_input and sample.share_used < MIN_SHARE_USED:
        return (
            "effects_modern.read_too_few_units",
            {
                "used": Count(sample.n_units_used),
                "total": Count(sample.n_units_input),
                "dropped": Count(sample.n_dropped),
            },
        )
    if not _has_inference(result):
        return ("effects_modern.read_no_se", {})
    return None


def _has_inference(result: Any) -> bool:
    """A standard error, or an interval or permutation p-value from another method
    (synthetic control inverts placebo tests and reports no standard error)."""

    def finite(name: str) -> bool:
        value = getattr(result, name, None)
        return value is not None and math.isfinite(value)

    if finite("se") and result.se > 0:
        return True
    return (finite("ci_low") and finite("ci_high")) or finite("permutation_p_value")
