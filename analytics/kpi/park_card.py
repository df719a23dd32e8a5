"""The parks registry with filters, and one park's card: its registry entry, KPIs over time
against its roadmap targets, budget efficiency and payback, and the revisions of its data.

Grain: the registry is one row per park (mart ``park``); the card's KPIs are one row per
reported quarter of the park (``park_kpis``); its targets one row per target and period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.errors import UserError
from analytics.intake.history import revisions
from analytics.kpi import formulas
from analytics.kpi.formulas import shift_quarter

# Registry columns the filters work on.
FILTERS: tuple[str, ...] = ("park_type", "status", "region_code", "ownership")
# KPIs a card charts over time, roadmap-target indicators first.
CARD_SERIES: tuple[str, ...] = (
    "jobs_total",
    "residents_count",
    "investment_cumulative",
    "area_occupied_ha",
    "occupancy_rate",
    "jobs_per_ha",
    "investment_per_ha",
    "avg_wage",
    "taxes_total",
    "budget_efficiency",
)


@dataclass(frozen=True)
class ParkCard:
    park_id: str
    park: dict  # the registry row (mart ``park``): names, type, status, areas in ha, dates
    kpis: pd.DataFrame  # park_kpis rows of the park, one per reported quarter, oldest first
    targets: pd.DataFrame  # indicator, period_type, period_start, target_value, due_quarter
    latest_quarter: dt.date | None  # the newest reported quarter
    latest: dict  # that quarter's KPIs (empty when the park never reported)
    revisions: pd.DataFrame  # changed values: loaded_at, loaded_by, file_name, kind, ...

    @property
    def budget_efficiency(self) -> float:
        """Cumulative taxes / cumulative public money at the newest report (NaN: none yet)."""
        return float(self.latest.get("budget_efficiency", float("nan")))

    @property
    def payback_year(self) -> float:
        """The year taxes first covered the public money (NaN: not yet, or no public money)."""
        return float(self.latest.get("payback_year", float("nan")))


def filter_registry(
    parks: pd.DataFrame,
    park_types: Collection[str] = (),
    statuses: Collection[str] = (),
    regions: Collection[str] = (),
    ownerships: Collection[str] = (),
) -> pd.DataFrame:
    """Registry rows matching every non-empty filter (an empty filter keeps everything)."""
    keep = pd.Series(True, index=parks.index)
    for column, chosen in zip(FILTERS, (park_types, statuses, regions, ownerships), strict=True):
        if chosen:
            keep &= parks[column].isin(list(chosen))
    return parks[keep].reset_index(drop=True)


def target_due_quarters(targets: pd.DataFrame) -> pd.Series:
    """The quarter each target is judged in: Q4 of the year for annual targets, the quarter
    itself for quarterly ones (the first day of the quarter, as the marts store quarters)."""
    start = pd.to_datetime(targets["period_start"])
    annual = targets["period_type"] == "year"
    q4 = pd.to_datetime({"year": start.dt.year, "month": 10, "day": 1}) if len(start) else start
    return q4.where(annual, start)


def park_card(
    con: duckdb.DuckDBPyConnection, park_id: str, kpis_all: pd.DataFrame | None = None
) -> ParkCard:
    """The card of ``park_id``; ``kpis_all``: ``park_kpis`` rows including this park's, when
    the caller already has them (cumulative KPIs need the park's whole history)."""
    registry = con.execute("SELECT * FROM park WHERE park_id = ?", [park_id]).df()
    if registry.empty:
        raise UserError("report.unknown_park", park=park_id)
    park = registry.iloc[0].to_dict()
    if kpis_all is None:
        kpis_all = formulas.park_kpis(con, None, None, park["region_code"])
    kpis = kpis_all[kpis_all["park_id"] == park_id].sort_values("quarter").reset_index(drop=True)
    targets = con.execute(
        "SELECT indicator, period_type, period_start, target_value, document FROM park_target"
        " WHERE park_id = ? ORDER BY indicator, period_start",
        [park_id],
    ).df()
    targets["due_quarter"] = target_due_quarters(targets)
    latest = kpis.iloc[-1].to_dict() if len(kpis) else {}
    latest_quarter = pd.Timestamp(latest["quarter"]).date() if latest else None
    return ParkCard(
        park_id=park_id,
        park=park,
        kpis=kpis,
        targets=targets,
        latest_quarter=latest_quarter,
        latest=latest,
        revisions=revisions(con, "park", park_id),
    )


def series_with_targets(card: ParkCard, code: str, quarters: int | None = None) -> pd.DataFrame:
    """One KPI of the card over time beside its targets: quarter, value, target (NaN in
    quarters no target is judged in). ``quarters``: keep only the newest ones."""
    values = (
        card.kpis[["quarter", code]].rename(columns={code: "value"}) if code in card.kpis else None
    )
    if values is None:
        values = pd.DataFrame({"quarter": pd.Series(dtype="datetime64[ns]"), "value": []})
    own = card.targets[card.targets["indicator"] == code]
    marks = own.groupby("due_quarter")["target_value"].last().rename("target")
    frame = values.merge(marks, left_on="quarter", right_index=True, how="outer")
    frame = frame.sort_values("quarter").reset_index(drop=True)
    if quarters is not None and len(card.kpis):
        first = pd.Timestamp(shift_quarter(card.latest_quarter, -quarters + 1))
        frame = frame[frame["quarter"] >= first].reset_index(drop=True)
    return frame.astype({"value": float, "target": float})
