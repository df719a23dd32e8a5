"""The quarterly review: every park's KPIs against the previous quarter, the same quarter a
year earlier and its roadmap targets; status flags; late or missing reports; findings.

The rules (all written out in the catalogue, ``review.rule.*``, in ru/uk/en):

* A park is **expected to report** for a quarter when it is not closed before the quarter
  starts and either it has reported for that quarter or an earlier one, or it is operating or
  under construction and was founded by the end of the quarter.
* A report is **due** ``REPORT_DUE_DAYS`` (30) days after the quarter ends; it is **late** when
  ``reported_on`` is after the due date and **missing** when there is no report at all.
* **Targets.** An annual target must be reached by the year's Q4 value. Within the year the
  park is on track when its value has covered its share of the way from last year's Q4 value
  (0 when there is none) to the target: ``start + (target - start) * k / 4`` in quarter k.
  A quarterly target is compared with that quarter's value. For indicators whose direction is
  "down" the comparison is reversed. A blank value cannot be checked and is listed as such.
* **Status**: ``no_report`` when an expected park has no report; ``behind`` when any target
  checked this quarter is missed; ``incomplete`` when none is missed but a target's value
  was left blank in the report; ``on_track`` when every target is checked and met;
  ``no_target`` when the park has no target for this quarter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from analytics import lookups
from analytics.errors import UserError
from analytics.i18n import t
from analytics.i18n.message import Message, Name, Names, Number, Percent
from analytics.kpi import formulas
from analytics.kpi.formulas import parse_quarter, quarter_end, shift_quarter
from analytics.quarter import Quarter

REPORT_DUE_DAYS = 30
LOW_OCCUPANCY = 0.20  # share of leasable area
LOW_OCCUPANCY_AFTER_YEARS = 2.0
Status = Literal["on_track", "behind", "incomplete", "no_report", "no_target"]
STATUSES: tuple[str, ...] = ("on_track", "behind", "incomplete", "no_report", "no_target")
NAME_COLUMNS = ("name_ru", "name_uk", "name_en")

# KPIs the review compares over time, in table order.
REVIEW_KPIS: tuple[str, ...] = (
    "occupancy_rate",
    "area_free_ha",
    "residents_count",
    "net_new_residents",
    "jobs_total",
    "jobs_per_ha",
    "investment_total",
    "investment_cumulative",
    "investment_per_ha",
    "avg_wage",
    "wage_to_municipal",
    "wage_to_regional",
    "taxes_total",
    "subsidies",
    "infrastructure_spending",
    "budget_efficiency",
    "payback_year",
)


@dataclass(frozen=True)
class Finding:
    """One sentence of the review, generated from numbers by a fixed rule and kept as the
    rule's code with its parameters: :meth:`text` puts it into the reader's language."""

    code: str  # the rule that produced it (catalogue key review.finding.<code>)
    severity: Literal["info", "warning"]
    params: dict[str, Any]
    parks: tuple[str, ...] = ()

    def text(self, lang: str) -> str:
        return Message(f"review.finding.{self.code}", self.params).text(lang)


@dataclass(frozen=True)
class Review:
    """The review of one quarter, the same in every language: parks carry their names in
    each (name_ru, name_uk, name_en), findings are codes with parameters."""

    quarter: dt.date
    region: str | None
    currency: str | None  # ISO code of the parks' money (None: several currencies)
    parks: pd.DataFrame  # one row per expected park: names, status, report dates and state
    comparison: pd.DataFrame  # park x KPI: value, previous, year_ago, changes, target
    targets: pd.DataFrame  # park x target indicator: target, expected by now, value, met
    late_reports: pd.DataFrame  # late or missing reports: park, names, due_on, reported_on
    kpis: pd.DataFrame  # park_kpis rows of the quarter (wide), for tables and ranking
    findings: tuple[Finding, ...]
    simulated: bool

    def parks_with_status(self, status: Status) -> list[str]:
        return sorted(self.parks.loc[self.parks["status"] == status, "park_id"])


def named(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with a ``name`` column: its ``name_<lang>`` (for tables shown in ``lang``)."""
    return frame.assign(name=frame[f"name_{lang}"])


def status_rule(lang: str) -> str:
    """How a park's status is decided, in words (module docstring)."""
    return t("review.rule.status", lang)


def report_rule(lang: str) -> str:
    """When a park is due to report and when its report is late, in words."""
    return t("review.rule.reports", lang, days=REPORT_DUE_DAYS)


# ---------------------------------------------------------------------------------------
# Building blocks (pure functions on frames)


def expected_parks(parks: pd.DataFrame, kpis_all: pd.DataFrame, quarter: dt.date) -> pd.DataFrame:
    """Parks expected to report for ``quarter`` (rule in the module docstring)."""
    start, end = pd.Timestamp(quarter), pd.Timestamp(quarter_end(quarter))
    reported_by = set(kpis_all.loc[kpis_all["quarter"] <= start, "park_id"])
    closed = pd.to_datetime(parks["closed_on"])
    founded = pd.to_datetime(parks["founded_on"])
    open_now = closed.isna() | (closed >= start)
    building = parks["status"].isin(["operating", "under_construction"]) & (
        founded.isna() | (founded <= end)
    )
    keep = open_now & (parks["park_id"].isin(reported_by) | building)
    return parks[keep].reset_index(drop=True)


def report_state(
    reported: pd.Series, reported_on: pd.Series, quarter: dt.date, due_days: int = REPORT_DUE_DAYS
) -> tuple[pd.Series, pd.Series]:
    """(state, days_late) per park: on_time, late, no_date (a report without a date) or
    missing. ``reported``: whether a report row exists."""
    due = pd.Timestamp(quarter_end(quarter) + dt.timedelta(days=due_days))
    dates = pd.to_datetime(reported_on)
    days_late = (dates - due).dt.days.astype(float)
    state = np.select(
        [~reported, dates.isna(), days_late > 0],
        ["missing", "no_date", "late"],
        default="on_time",
    )
    return pd.Series(state, index=reported.index), days_late.where(days_late > 0)


def compare_quarters(kpis_all: pd.DataFrame, park_ids, quarter: dt.date, codes) -> pd.DataFrame:
    """Long frame park x KPI: value this quarter, previous quarter, a year earlier, and
    changes (absolute vs previous quarter, relative vs a year earlier where that is > 0)."""
    codes = [c for c in codes if c in kpis_all.columns]

    def at(q: dt.date) -> pd.DataFrame:
        rows = kpis_all[kpis_all["quarter"] == pd.Timestamp(q)].set_index("park_id")[codes]
        return rows.reindex(list(park_ids))

    now, prev, year = at(quarter), at(shift_quarter(quarter, -1)), at(shift_quarter(quarter, -4))
    long = (
        now.stack(future_stack=True)
        .rename("value")
        .to_frame()
        .join(prev.stack(future_stack=True).rename("previous"))
        .join(year.stack(future_stack=True).rename("year_ago"))
    )
    long.index.names = ["park_id", "indicator"]
    long = long.reset_index().astype({"value": float, "previous": float, "year_ago": float})
    long["change_previous"] = long["value"] - long["previous"]
    year_ago = long["year_ago"].where(long["year_ago"] > 0)
    long["change_year_pct"] = long["value"] / year_ago - 1
    return long


def check_targets(
    targets: pd.DataFrame, kpis_all: pd.DataFrame, quarter: dt.date, directions: dict[str, str]
) -> pd.DataFrame:
    """Targets checked in ``quarter``: annual targets of its year (on the linear path to the
    Q4 value) and quarterly targets of the quarter itself (rule in the module docstring)."""
    columns = ["park_id", "indicator", "period_type", "period_start", "target_value"]
    start_of_year = dt.date(quarter.year, 1, 1)
    period = pd.to_datetime(targets["period_start"])
    annual = (targets["period_type"] == "year") & (period == pd.Timestamp(start_of_year))
    quarterly = (targets["period_type"] == "quarter") & (period == pd.Timestamp(quarter))
    due = targets.loc[annual | quarterly, columns].reset_index(drop=True)
    k = Quarter.of(quarter).q
    last_q4 = pd.Timestamp(Quarter(quarter.year - 1, 4).start)

    due["value"] = _values_at(kpis_all, due, pd.Timestamp(quarter))
    starts = np.nan_to_num(_values_at(kpis_all, due, last_q4), nan=0.0)
    due["start_value"] = np.where(due["period_type"] == "year", starts, np.nan)
    share = np.where(due["period_type"] == "year", k / 4, 1.0)
    base = due["start_value"].fillna(0.0).where(due["period_type"] == "year", 0.0)
    due["expected"] = np.where(
        due["period_type"] == "year",
        base + (due["target_value"] - base) * share,
        due["target_value"],
    )
    down = due["indicator"].map(directions).eq("down")
    tolerance = 1e-9 * np.maximum(1.0, due["expected"].abs())
    met_up = due["value"] >= due["expected"] - tolerance
    met_down = due["value"] <= due["expected"] + tolerance
    met = np.where(down, met_down, met_up)
    due["checked"] = due["value"].notna()
    due["met"] = pd.array(np.where(due["checked"], met, pd.NA), dtype="boolean")
    due["final"] = (due["period_type"] == "quarter") | (k == 4)
    return due


def _values_at(kpis_all: pd.DataFrame, due: pd.DataFrame, when: pd.Timestamp) -> np.ndarray:
    """Each target row's indicator value in quarter ``when`` (NaN when not reported or not a
    known indicator); one indexed lookup per indicator instead of one filter per row."""
    rows = kpis_all[kpis_all["quarter"] == when].set_index("park_id")
    out = np.full(len(due), np.nan)
    indicators = due["indicator"].to_numpy(object)
    parks = due["park_id"].to_numpy(object)
    for code in set(indicators):
        if code not in rows.columns:
            continue
        mask = indicators == code
        out[mask] = rows[code].reindex(parks[mask]).to_numpy(float)
    return out


def park_status(parks: pd.DataFrame, targets: pd.DataFrame) -> pd.Series:
    """Status per expected park (rule in the module docstring)."""
    checked = targets[targets["checked"]]
    missed = set(checked.loc[~checked["met"].astype(bool), "park_id"])
    unchecked = set(targets.loc[~targets["checked"], "park_id"])
    with_targets = set(checked["park_id"])
    status = np.select(
        [
            ~parks["reported"],
            parks["park_id"].isin(missed),
            parks["park_id"].isin(unchecked),
            parks["park_id"].isin(with_targets),
        ],
        ["no_report", "behind", "incomplete", "on_track"],
        default="no_target",
    )
    return pd.Series(status, index=parks.index)


# ---------------------------------------------------------------------------------------
# Findings


def _indicator_names(con: duckdb.DuckDBPyConnection) -> dict[str, Name]:
    rows = con.execute(
        "SELECT code, name_ru, name_uk, name_en FROM indicator WHERE entity = 'park'"
    ).fetchall()
    return {code: Name(*names) for code, *names in rows}


def build_findings(
    parks: pd.DataFrame,
    targets: pd.DataFrame,
    kpis_all: pd.DataFrame,
    quarter: dt.date,
    indicator_names: dict[str, Name],
) -> tuple[Finding, ...]:
    """Findings in a fixed order; each from one rule over the numbers, none from free text.
    ``parks`` carry name_ru, name_uk and name_en."""
    by_id = parks.set_index("park_id")
    found: list[Finding] = []

    def add(code, severity, ids=(), **params):
        found.append(Finding(code, severity, params, tuple(sorted(ids))))

    def names(ids) -> Names:
        return Names.of(by_id.loc[sorted(ids)].to_dict("records"))

    def with_state(column: str, value: str) -> list[str]:
        return parks.loc[parks[column] == value, "park_id"].tolist()

    behind = with_state("status", "behind")
    with_targets = int(parks["status"].isin(["behind", "on_track"]).sum())
    if behind:
        add("behind", "warning", behind, n=len(behind), total=with_targets, names=names(behind))
    elif with_targets:
        add("all_on_track", "info", n=with_targets)
    incomplete = with_state("status", "incomplete")
    if incomplete:
        add("incomplete", "warning", incomplete, n=len(incomplete), names=names(incomplete))

    for code, group in targets[targets["checked"]].groupby("indicator", sort=True):
        met = int(group["met"].astype(bool).sum())
        key = "target_met" if bool(group["final"].all()) else "target_on_track"
        indicator = indicator_names.get(code, Name(code, code, code))
        add(key, "info", (), indicator=indicator, met=met, total=len(group))

    now = kpis_all[(kpis_all["quarter"] == pd.Timestamp(quarter))]
    now = now[now["park_id"].isin(parks["park_id"])]
    low = now[
        (now["occupancy_rate"] < LOW_OCCUPANCY)
        & (now["years_since_opening"] >= LOW_OCCUPANCY_AFTER_YEARS)
    ]["park_id"].tolist()
    if low:
        add(
            "low_occupancy",
            "warning",
            low,
            n=len(low),
            threshold=Percent(LOW_OCCUPANCY, 0),
            years=Number(LOW_OCCUPANCY_AFTER_YEARS),
            names=names(low),
        )

    missing = with_state("report_state", "missing")
    if missing:
        add(
            "no_report",
            "warning",
            missing,
            n=len(missing),
            quarter=Quarter.of(quarter),
            names=names(missing),
        )
    late = with_state("report_state", "late")
    if late:
        add("late", "warning", late, n=len(late), days=REPORT_DUE_DAYS, names=names(late))

    _jobs_finding(kpis_all, parks, quarter, add)
    funded = now[now["public_money_cumulative"] > 0]
    if len(funded):
        paid = funded[funded["payback_year"].notna()]
        add(
            "payback",
            "info",
            (),
            paid=len(paid),
            total=len(funded),
            median=Number(float(funded["budget_efficiency"].median()), 2),
        )
    if len(parks) == 0:
        add("no_parks", "info", quarter=Quarter.of(quarter))
    return tuple(found)


def _jobs_finding(kpis_all, parks, quarter, add) -> None:
    """Jobs change over the quarter on the parks that reported in both quarters (a park that
    did not report is not counted as zero jobs)."""
    ids = set(parks["park_id"])

    def jobs(q: dt.date) -> pd.Series:
        rows = kpis_all[(kpis_all["quarter"] == pd.Timestamp(q)) & kpis_all["park_id"].isin(ids)]
        return rows.set_index("park_id")["jobs_total"].dropna()

    now, prev = jobs(quarter), jobs(shift_quarter(quarter, -1))
    both = now.index.intersection(prev.index)
    if len(both) == 0:
        return
    change = float(now[both].sum() - prev[both].sum())
    add(
        "jobs_change",
        "info",
        (),
        jobs=Number(float(now[both].sum())),
        change=Number(change, signed=True),
        n=len(both),
    )


# ---------------------------------------------------------------------------------------
# The review


def quarterly_review(
    con: duckdb.DuckDBPyConnection,
    quarter: str | dt.date,
    region: str | None = None,
    kpis_all: pd.DataFrame | None = None,
) -> Review:
    """The review of ``quarter`` for one region (or all parks), the same in every language.

    ``kpis_all``: ``park_kpis(con, region=region)`` when the caller already has it."""
    q = parse_quarter(quarter)
    parks_all = formulas.load_parks(con, region)
    if region is not None and parks_all.empty:
        raise UserError("kpi.unknown_region", region=region)
    if kpis_all is None:
        kpis_all = formulas.park_kpis(con, None, None, region)
    parks = expected_parks(parks_all, kpis_all, q)
    now = kpis_all[kpis_all["quarter"] == pd.Timestamp(q)].set_index("park_id")
    parks["reported"] = parks["park_id"].isin(now.index)
    parks = parks.merge(now[["reported_on"]], left_on="park_id", right_index=True, how="left")
    parks["due_on"] = quarter_end(q) + dt.timedelta(days=REPORT_DUE_DAYS)
    parks["report_state"], parks["days_late"] = report_state(
        parks["reported"], parks["reported_on"], q
    )
    directions = dict(
        con.execute("SELECT code, direction FROM indicator WHERE entity = 'park'").fetchall()
    )
    target_rows = con.execute("SELECT * FROM park_target").df()
    target_rows = target_rows[target_rows["park_id"].isin(parks["park_id"])]
    targets = check_targets(target_rows, kpis_all, q, directions)
    parks["status"] = park_status(parks, targets)
    parks["targets_checked"] = (
        parks["park_id"].map(targets[targets["checked"]].groupby("park_id").size()).fillna(0)
    )
    parks["targets_missed"] = (
        parks["park_id"]
        .map(targets[targets["checked"] & ~targets["met"].fillna(True)].groupby("park_id").size())
        .fillna(0)
    )
    comparison = compare_quarters(kpis_all, parks["park_id"], q, REVIEW_KPIS)
    comparison = comparison.merge(
        targets[["park_id", "indicator", "target_value", "expected", "met"]],
        on=["park_id", "indicator"],
        how="left",
    )
    late = parks.loc[
        parks["report_state"].isin(["late", "missing", "no_date"]),
        ["park_id", *NAME_COLUMNS, "report_state", "due_on", "reported_on", "days_late"],
    ].reset_index(drop=True)
    findings = build_findings(parks, targets, kpis_all, q, _indicator_names(con))
    simulated = bool(
        con.execute("SELECT coalesce(bool_or(simulated), false) FROM source").fetchone()[0]
    )
    keep = [
        "park_id",
        *NAME_COLUMNS,
        "park_type",
        "region_code",
        "municipality_code",
        "opened_on",
        "status",
        "reported",
        "reported_on",
        "due_on",
        "report_state",
        "days_late",
        "targets_checked",
        "targets_missed",
    ]
    return Review(
        quarter=q,
        region=region,
        currency=lookups.currency(con, region),
        parks=parks[keep].sort_values("park_id").reset_index(drop=True),
        comparison=comparison,
        targets=targets,
        late_reports=late,
        kpis=now.reset_index(),
        findings=findings,
        simulated=simulated,
    )
