"""One park's profile for the report, the same in every language: its registry entry, its
KPIs over the last eight quarters beside the quarters it was due to report (and whether it
did, on time or how late), its targets and status this quarter, its compliance flags, and
the cost of its public money.

Reporting discipline follows the review's rules (:mod:`analytics.kpi.review`): in each
quarter the park is due to report when it is expected (``expected_parks``) and its report is
on time, late, without a date or missing by ``report_state``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics.kpi.formulas import shift_quarter
from analytics.kpi.park_card import target_due_quarters
from analytics.kpi.review import Review, expected_parks, report_state
from analytics.policy.efficiency import add_efficiency

HISTORY_QUARTERS = 8
# KPIs of a profile's table over time, in column order (the headline cards' KPIs).
HISTORY_KPIS: tuple[str, ...] = (
    "jobs_total",
    "residents_count",
    "investment_cumulative",
    "area_occupied_ha",
    "occupancy_rate",
    "taxes_total",
)
# KPIs of the profile's chart (small panels over the eight quarters).
CHART_KPIS: tuple[str, ...] = ("jobs_total", "investment_cumulative", "occupancy_rate")
MONEY_COLUMNS: tuple[str, ...] = (
    "public_money_cumulative",
    "taxes_cumulative",
    "budget_efficiency",
    "payback_year",
    "cost_per_job",
    "cost_per_net_job",
    "net_jobs",
)


@dataclass(frozen=True)
class Discipline:
    """How a park reported over the quarters it was due in (of the last eight)."""

    due: int
    on_time: int
    late: int  # late or without a date
    missing: int
    mean_days_late: float  # over the late reports with a date (NaN: none)


@dataclass(frozen=True)
class ParkProfile:
    park: dict  # the registry row (mart ``park``)
    status: str  # the review's status this quarter ("" when the park was not due)
    report_state: str  # this quarter's report: on_time, late, no_date, missing ("" not due)
    history: pd.DataFrame  # quarter, HISTORY_KPIS, due, report_state, days_late (8 rows)
    targets: (
        pd.DataFrame
    )  # this quarter's checked targets: indicator, target_value, expected, value, met
    upcoming: (
        pd.DataFrame
    )  # targets judged after this quarter: indicator, due_quarter, target_value
    flags: pd.DataFrame  # compliance flags of the park (rows of ComplianceCheck.flags)
    money: dict  # MONEY_COLUMNS as of the newest report up to the quarter (empty: none)
    money_quarter: dt.date | None  # the quarter of those numbers
    discipline: Discipline

    @property
    def park_id(self) -> str:
        return str(self.park["park_id"])


def reporting_history(
    parks: pd.DataFrame, kpis_all: pd.DataFrame, quarter: dt.date, quarters: int = HISTORY_QUARTERS
) -> pd.DataFrame:
    """One row per park x quarter of the ``quarters`` up to ``quarter`` in which the park was
    due to report: park_id, quarter, report_state, days_late (the review's rules)."""
    frames = []
    # the three columns the rules read: filtering the wide frame would copy all of it
    kpis_all = kpis_all[["park_id", "quarter", "reported_on"]]
    for k in range(-quarters + 1, 1):
        q = shift_quarter(quarter, k)
        due = expected_parks(parks, kpis_all, q)[["park_id"]]
        rows = kpis_all[kpis_all["quarter"] == pd.Timestamp(q)].set_index("park_id")
        due["quarter"] = pd.Timestamp(q)
        reported = due["park_id"].isin(rows.index)
        dates = (
            due["park_id"].map(rows["reported_on"])
            if len(rows)
            else pd.Series(pd.NaT, index=due.index)
        )
        due["report_state"], due["days_late"] = report_state(reported, dates, q)
        frames.append(due)
    return pd.concat(frames, ignore_index=True)


def discipline(history: pd.DataFrame) -> Discipline:
    due = history[history["due"]]
    states = due["report_state"].value_counts()
    late = due[due["report_state"] == "late"]["days_late"]
    return Discipline(
        due=len(due),
        on_time=int(states.get("on_time", 0)),
        late=int(states.get("late", 0) + states.get("no_date", 0)),
        missing=int(states.get("missing", 0)),
        mean_days_late=float(late.mean()) if len(late) else float("nan"),
    )


def histories(
    park_ids: list[str], kpis: pd.DataFrame, reporting: pd.DataFrame, quarter: dt.date
) -> dict[str, pd.DataFrame]:
    """Each park's eight quarters (a row per quarter, reported or not): HISTORY_KPIS, due,
    report_state ("" when not due), days_late; built in one merge for all parks."""
    quarters = [pd.Timestamp(shift_quarter(quarter, k)) for k in range(-HISTORY_QUARTERS + 1, 1)]
    grid = pd.MultiIndex.from_product([park_ids, quarters], names=["park_id", "quarter"])
    frame = grid.to_frame(index=False)
    frame = frame.merge(
        kpis[["park_id", "quarter", *HISTORY_KPIS]], on=["park_id", "quarter"], how="left"
    )
    states = reporting[["park_id", "quarter", "report_state", "days_late"]]
    frame = frame.merge(states, on=["park_id", "quarter"], how="left")
    frame["due"] = frame["report_state"].notna()
    frame["report_state"] = frame["report_state"].fillna("")
    return {
        park_id: rows.drop(columns="park_id").reset_index(drop=True)
        for park_id, rows in frame.groupby("park_id", sort=False)
    }


def upcoming_targets(
    targets: pd.DataFrame, checked: pd.DataFrame, quarter: dt.date
) -> pd.DataFrame:
    """Per park, each indicator's next target judged after ``quarter``, other than the ones
    checked on their way this quarter (an annual target is checked each quarter of its
    year): park_id, indicator, due_quarter, target_value."""
    key = ["park_id", "indicator", "period_start"]
    seen = checked[key].assign(period_start=pd.to_datetime(checked["period_start"]), seen=True)
    later = targets[targets["due_quarter"] > pd.Timestamp(quarter)]
    later = later.assign(period_start=pd.to_datetime(later["period_start"]))
    later = later.merge(seen, on=key, how="left")
    later = later[later["seen"].isna()].sort_values(["park_id", "due_quarter", "indicator"])
    later = later.groupby(["park_id", "indicator"], as_index=False, sort=False).first()
    return later[["park_id", "indicator", "due_quarter", "target_value"]]


def park_profiles(
    review: Review,
    parks: pd.DataFrame,
    kpis_all: pd.DataFrame,
    targets: pd.DataFrame,
    flags: pd.DataFrame,
    park_ids: list[str],
) -> list[ParkProfile]:
    """Profiles of ``park_ids`` for the review's quarter. ``parks``: the registry rows of the
    region, ``kpis_all``: their park_kpis, ``targets``: their park_target rows, ``flags``:
    the compliance flags as of the quarter's end."""
    q = review.quarter
    upto = kpis_all[kpis_all["quarter"] <= pd.Timestamp(q)]
    money = add_efficiency(upto)
    reporting = reporting_history(parks, kpis_all, q)
    registry = parks.set_index("park_id", drop=False)
    status = review.parks.set_index("park_id")
    targets = targets.assign(due_quarter=target_due_quarters(targets))
    history_of = histories(park_ids, kpis_all, reporting, q)
    all_checked = review.targets[review.targets["checked"]]
    upcoming = upcoming_targets(targets, all_checked, q)
    upcoming_of = {p: rows.drop(columns="park_id") for p, rows in upcoming.groupby("park_id")}
    empty = upcoming.drop(columns="park_id").iloc[0:0]
    latest_of = {p: rows.iloc[-1] for p, rows in money.groupby("park_id", sort=False)}
    out = []
    for park_id in park_ids:
        history = history_of[park_id]
        latest = latest_of.get(park_id)
        checked = all_checked[all_checked["park_id"] == park_id]
        later = upcoming_of.get(park_id, empty).reset_index(drop=True)
        out.append(
            ParkProfile(
                park=registry.loc[park_id].to_dict(),
                status=str(status["status"].get(park_id, "")),
                report_state=str(status["report_state"].get(park_id, "")),
                history=history,
                targets=checked[
                    ["indicator", "target_value", "expected", "value", "met"]
                ].reset_index(drop=True),
                upcoming=later,
                flags=flags[flags["park_id"] == park_id].reset_index(drop=True),
                money={} if latest is None else {c: latest[c] for c in MONEY_COLUMNS},
                money_quarter=None if latest is None else pd.Timestamp(latest["quarter"]).date(),
                discipline=discipline(history),
            )
        )
    return out
