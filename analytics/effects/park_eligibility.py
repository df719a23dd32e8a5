"""Which parks synthetic control can estimate for a specification, and why the others cannot.

The Impact page offers only the parks :func:`synth_eligibility` marks eligible and says of
each other park why not, before anything is run. The rules are those the estimate applies
when it refuses (:func:`analytics.effects.park_panel.park_panel` and its synthetic-control
sample, :func:`analytics.effects.synth_data.split_periods`): the park must have started
(opened, or been registered), its unit must be in the panel, no other park may have treated
the unit earlier, the start must leave :data:`~analytics.effects.synth_data.MIN_PRE_PERIODS`
quarters before it and one after, and there must be
:data:`~analytics.effects.synth_data.MIN_DONORS` never-treated donors.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analytics.effects.park_panel import _TABLES, _parks, _treating_date, park_panel
from analytics.effects.park_spec import ParkEffectSpec, as_spec
from analytics.effects.synth_data import MIN_DONORS, MIN_PRE_PERIODS
from analytics.i18n.message import Message
from analytics.quarter import Quarter


def synth_eligibility(
    con: duckdb.DuckDBPyConnection, spec: ParkEffectSpec | None = None, /, **choices: Any
) -> pd.DataFrame:
    """Every park of the registry with ``eligible`` (bool) and ``reason`` (a
    :class:`~analytics.i18n.message.Message`, None when eligible), for the outcome, level,
    treatment, transform, park types and quarters of ``spec`` (or its fields as keywords;
    the method and park of the spec do not matter)."""
    spec = as_spec(spec, {**choices, "method": "cs", "park_id": None})
    panel = park_panel(con, spec)
    parks = _parks(con)
    starts = _treating_date(parks, spec.treatment)
    first = panel.data.groupby("unit")["first_quarter"].first()
    dropped = dict(zip(panel.dropped["unit"], panel.dropped["reason"], strict=True))
    quarters = panel.quarters
    donors = set(first.index[first == ""])
    rows = []
    for park, unit, start in zip(parks["park_id"], parks[_TABLES[spec.level][1]], starts,
                                 strict=True):  # fmt: skip
        reason = _reason(spec.treatment, unit, start, first, dropped, quarters, donors - {unit})
        rows.append({"park_id": park, "eligible": reason is None, "reason": reason})
    return pd.DataFrame(rows, columns=["park_id", "eligible", "reason"])


def _reason(
    treatment: str,
    unit: str,
    start: pd.Timestamp,
    first: pd.Series,
    dropped: dict[str, str],
    quarters: tuple[str, ...],
    donors: set[str],
) -> Message | None:
    if pd.isna(start):
        return Message(f"effects_eligibility.not_started_{treatment}")
    if unit not in first.index:
        if unit in dropped:
            reason = Message(f"effects_parks.drop.{dropped[unit]}")
            return Message("effects_eligibility.unit_dropped", {"reason": reason})
        return Message("effects_eligibility.unit_without_data")
    begins = Quarter.of(start)
    earlier = first[unit]
    if earlier and earlier < begins.label:
        return Message("effects_eligibility.not_first", {"first": Quarter.parse(earlier)})
    if begins.label > quarters[-1]:
        return Message("effects_eligibility.after_data", {"last": Quarter.parse(quarters[-1])})
    before = sum(q < begins.label for q in quarters)
    if before < MIN_PRE_PERIODS:
        return Message(
            "effects_eligibility.too_few_pre",
            {"start": begins, "n": before, "minimum": MIN_PRE_PERIODS},
        )
    if len(donors) < MIN_DONORS:
        return Message(
            "effects_eligibility.too_few_donors", {"n": len(donors), "minimum": MIN_DONORS}
        )
    return None
