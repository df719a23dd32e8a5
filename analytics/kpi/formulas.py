"""KPI formulas: each derived indicator of the catalogue defined once, as a pure function.

Units follow the marts: money in millions of the country's currency (avg_wage: currency per
month), areas in hectares, counts at the end of the quarter, quarters as the DATE of their
first day. Missing inputs give missing KPIs (NaN); nothing is imputed. The catalogue
(``analytics/warehouse/seeds/indicators.yml``) holds each KPI's name, unit, direction and
formula text; the functions here are what those formulas mean.

``park_kpis`` and ``region_kpis`` read the marts and apply the formulas; the grain of
``park_kpis`` is one row per park x reported quarter.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from analytics.errors import UserError
from analytics.quarter import Quarter, quarter_end_series, quarter_index

# Derived park KPIs, in the order tables show them (codes of the indicator catalogue).
PARK_KPIS: tuple[str, ...] = (
    "occupancy_rate",
    "net_new_residents",
    "jobs_per_ha",
    "investment_per_ha",
    "investment_own_cumulative",
    "investment_private_external_cumulative",
    "investment_budget_cumulative",
    "public_money",
    "public_money_cumulative",
    "taxes_cumulative",
    "budget_efficiency",
    "payback_year",
    "wage_to_municipal",
    "wage_to_regional",
)
# Derived park KPIs of the cost of public money (shown with the statutory monitoring,
# analytics/policy/efficiency.py); not among PARK_KPIS, so the peer percentiles and the
# composite ranking do not change with them.
COST_KPIS: tuple[str, ...] = ("cost_per_job", "cost_per_net_job", "revenue_per_public_money")
REGION_KPIS: tuple[str, ...] = ("park_jobs_share", "park_investment_share")


# ---------------------------------------------------------------------------------------
# Periods


def parse_quarter(value: str | dt.date | pd.Timestamp | Quarter) -> dt.date:
    """A quarter as given on the command line or in a URL (``"2025Q2"``, ``II кв. 2025``: the
    grammar of :meth:`Quarter.parse`), or any date inside it -> the quarter's first day, as
    the warehouse stores it. Text that names no quarter raises ``kpi.bad_quarter``."""
    if isinstance(value, str):
        quarter = Quarter.try_parse(value)
        if quarter is None:
            raise UserError("kpi.bad_quarter", value=value)
        return quarter.start
    return Quarter.of(value).start


def shift_quarter(quarter: dt.date, quarters: int) -> dt.date:
    """The first day of the quarter ``quarters`` later (negative: earlier)."""
    return Quarter.of(quarter).shift(quarters).start


def quarter_end(quarter: dt.date) -> dt.date:
    """The last day of the quarter that starts on ``quarter``."""
    return Quarter.of(quarter).end


def years_since_opening(quarter: pd.Series, opened_on: pd.Series) -> pd.Series:
    """Years (365.25 days) from the opening date to the end of the quarter; NaN when the park
    has not opened (no first resident) or opens after the quarter ends."""
    end = quarter_end_series(pd.to_datetime(quarter))
    days = (end - pd.to_datetime(opened_on)).dt.days
    years = days / 365.25
    return years.where(years >= 0)


# ---------------------------------------------------------------------------------------
# Formulas (element-wise on aligned Series)


def _safe_divide(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is missing, zero or negative."""
    den = pd.to_numeric(denominator, errors="coerce").astype(float)
    num = pd.to_numeric(numerator, errors="coerce").astype(float)
    return (num / den.where(den > 0)).astype(float)


def occupancy_rate(area_occupied_ha: pd.Series, leasable_area_ha: pd.Series) -> pd.Series:
    """Occupied area / leasable area (share, 0..1). Undefined (NaN) for zero or missing area."""
    return _safe_divide(area_occupied_ha, leasable_area_ha)


def per_hectare(value: pd.Series, area_ha: pd.Series) -> pd.Series:
    """A value per hectare (value's unit / ha). Undefined (NaN) for zero or missing area."""
    return _safe_divide(value, area_ha)


def net_new_residents(residents_new: pd.Series, residents_left: pd.Series) -> pd.Series:
    """New residents minus residents that left during the quarter (firms); NaN if either is
    missing."""
    return (residents_new - residents_left).astype(float)


def public_money(
    subsidies: pd.Series, infrastructure_spending: pd.Series, investment_budget: pd.Series
) -> pd.Series:
    """Subsidies + infrastructure spending + budget investment (mln). A blank item counts as 0
    when at least one item is reported (parks leave lines they do not have empty); NaN when
    all three are blank."""
    items = pd.concat([subsidies, infrastructure_spending, investment_budget], axis=1)
    return items.sum(axis=1, min_count=1).astype(float)


def wage_ratio(park_wage: pd.Series, area_wage: pd.Series) -> pd.Series:
    """Average wage at residents / an area's average wage (ratio, 1 = equal)."""
    return _safe_divide(park_wage, area_wage)


def budget_efficiency(taxes_cumulative: pd.Series, public_money_cumulative: pd.Series) -> pd.Series:
    """Cumulative taxes / cumulative public money (ratio). Undefined while no public money
    has been spent: a park built without budget money has nothing to pay back."""
    return _safe_divide(taxes_cumulative, public_money_cumulative)


def cost_per_job(public_money_cumulative: pd.Series, jobs: pd.Series) -> pd.Series:
    """Cumulative public money (mln) / jobs at the end of the quarter (gross or net):
    millions of the currency per job. Undefined (NaN) without jobs."""
    return _safe_divide(public_money_cumulative, jobs)


def per_unit_of_public_money(
    cumulative_value: pd.Series, public_money_cumulative: pd.Series
) -> pd.Series:
    """A cumulative money amount (mln) per unit of cumulative public money (mln): ratio.
    Undefined while no public money has been spent."""
    return _safe_divide(cumulative_value, public_money_cumulative)


def cumulative_by_park(frame: pd.DataFrame, column: str) -> pd.Series:
    """Running sum of ``column`` per park over its reported quarters (``frame`` sorted by
    park_id, quarter). Blank values add nothing; the sum is NaN until the first non-blank
    value. A quarter without a report adds nothing either: see ``reports_complete``."""
    values = frame[column].astype(float)
    running = values.fillna(0.0).groupby(frame["park_id"], sort=False).cumsum()
    seen = values.notna().astype(int).groupby(frame["park_id"], sort=False).cumsum()
    return running.where(seen > 0)


def reports_complete(frame: pd.DataFrame) -> pd.Series:
    """True while no quarter is missing between a park's first report and this one, so its
    cumulative sums cover every quarter (``frame`` sorted by park_id, quarter)."""
    index = quarter_index(frame["quarter"])
    first = index.groupby(frame["park_id"], sort=False).transform("min")
    reported = pd.Series(1, index=frame.index).groupby(frame["park_id"], sort=False).cumsum()
    return reported == (index - first + 1)


def payback_year(frame: pd.DataFrame) -> pd.Series:
    """As of each quarter, the year of the park's first quarter in which cumulative taxes
    reached cumulative public money (> 0); NaN if that has not happened yet.

    ``frame`` holds park_id, quarter, taxes_cumulative and public_money_cumulative, sorted by
    park_id and quarter."""
    paid = (frame["public_money_cumulative"] > 0) & (
        frame["taxes_cumulative"] >= frame["public_money_cumulative"]
    )
    year = pd.to_datetime(frame["quarter"]).dt.year.astype(float).where(paid)
    # The first payback year carries forward: later quarters keep the year it happened.
    return year.groupby(frame["park_id"], sort=False).transform(lambda s: s.cummin().ffill())


def add_park_kpis(
    quarters: pd.DataFrame,
    parks: pd.DataFrame,
    municipal_wage: pd.DataFrame | None = None,
    regional_wage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Derived KPIs beside the reported columns. Grain: one row per park x reported quarter.

    ``quarters``: park_quarter rows (every reported quarter of each park, so cumulative sums
    start at the first report). ``parks``: park_id, region_code, municipality_code,
    leasable_area_ha, opened_on. ``municipal_wage`` / ``regional_wage``: (municipality_code |
    region_code, quarter, avg_wage) in currency per month.
    """
    cols = ["park_id", "region_code", "municipality_code", "leasable_area_ha", "opened_on"]
    frame = quarters.merge(parks[cols], on="park_id", how="left", validate="many_to_one")
    frame["quarter"] = pd.to_datetime(frame["quarter"])
    frame = frame.sort_values(["park_id", "quarter"], kind="stable").reset_index(drop=True)
    for column in ("investment_total", "taxes_total"):
        if column not in frame:
            parts = {
                "investment_total": [
                    "investment_own",
                    "investment_private_external",
                    "investment_budget",
                ],
                "taxes_total": ["taxes_federal", "taxes_regional", "taxes_local"],
            }[column]
            frame[column] = frame[parts].sum(axis=1, min_count=len(parts))

    frame["occupancy_rate"] = occupancy_rate(frame["area_occupied_ha"], frame["leasable_area_ha"])
    frame["net_new_residents"] = net_new_residents(frame["residents_new"], frame["residents_left"])
    frame["jobs_per_ha"] = per_hectare(frame["jobs_total"], frame["leasable_area_ha"])
    frame["investment_per_ha"] = per_hectare(
        frame["investment_cumulative"], frame["leasable_area_ha"]
    )
    for source in ("investment_own", "investment_private_external", "investment_budget"):
        frame[f"{source}_cumulative"] = cumulative_by_park(frame, source)
    frame["public_money"] = public_money(
        frame["subsidies"], frame["infrastructure_spending"], frame["investment_budget"]
    )
    frame["public_money_cumulative"] = cumulative_by_park(frame, "public_money")
    frame["taxes_cumulative"] = cumulative_by_park(frame, "taxes_total")
    frame["budget_efficiency"] = budget_efficiency(
        frame["taxes_cumulative"], frame["public_money_cumulative"]
    )
    frame["payback_year"] = payback_year(frame)
    frame["cost_per_job"] = cost_per_job(frame["public_money_cumulative"], frame["jobs_total"])
    frame["cost_per_net_job"] = cost_per_job(frame["public_money_cumulative"], frame["net_jobs"])
    frame["revenue_per_public_money"] = per_unit_of_public_money(
        frame["residents_revenue_cumulative"], frame["public_money_cumulative"]
    )
    frame["reports_complete"] = reports_complete(frame)
    frame["years_since_opening"] = years_since_opening(frame["quarter"], frame["opened_on"])
    frame["wage_to_municipal"] = _area_wage_ratio(
        frame, municipal_wage, "municipality_code"
    ).to_numpy()
    frame["wage_to_regional"] = _area_wage_ratio(frame, regional_wage, "region_code").to_numpy()
    return frame


def _area_wage_ratio(frame: pd.DataFrame, area_wage: pd.DataFrame | None, key: str) -> pd.Series:
    if area_wage is None or area_wage.empty:
        return pd.Series(np.nan, index=frame.index)
    wages = area_wage[[key, "quarter", "avg_wage"]].rename(columns={"avg_wage": "area_wage"})
    wages = wages.assign(quarter=pd.to_datetime(wages["quarter"]))
    merged = frame[[key, "quarter", "avg_wage"]].merge(
        wages, on=[key, "quarter"], how="left", validate="many_to_one"
    )
    return wage_ratio(merged["avg_wage"], merged["area_wage"])


def region_totals(park_kpis: pd.DataFrame, region_stats: pd.DataFrame) -> pd.DataFrame:
    """Region x quarter totals over reporting parks and the parks' shares of the region.

    ``park_kpis``: output of :func:`add_park_kpis`. ``region_stats``: region_code, quarter,
    employment (persons), fixed_investment (mln). Shares are NaN where the regional figure is
    missing or zero. Parks that did not report are not imputed: ``parks_reporting`` says how
    many reports the totals rest on.
    """
    totals = (
        park_kpis.groupby(["region_code", "quarter"], as_index=False)
        .agg(
            parks_reporting=("park_id", "count"),
            jobs_total=("jobs_total", lambda s: s.sum(min_count=1)),
            investment_total=("investment_total", lambda s: s.sum(min_count=1)),
            taxes_total=("taxes_total", lambda s: s.sum(min_count=1)),
            public_money=("public_money", lambda s: s.sum(min_count=1)),
            residents_count=("residents_count", lambda s: s.sum(min_count=1)),
        )
        .sort_values(["region_code", "quarter"])
    )
    stats = region_stats.assign(quarter=pd.to_datetime(region_stats["quarter"]))
    out = totals.merge(stats, on=["region_code", "quarter"], how="left")
    for column in ("employment", "fixed_investment"):
        if column not in out:
            out[column] = np.nan
    out["park_jobs_share"] = _safe_divide(out["jobs_total"], out["employment"])
    out["park_investment_share"] = _safe_divide(out["investment_total"], out["fixed_investment"])
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Reading the warehouse


def _date_range(start: dt.date | str | None, end: dt.date | str | None):
    lo = parse_quarter(start) if start is not None else None
    hi = parse_quarter(end) if end is not None else None
    return lo, hi


def _within(frame: pd.DataFrame, lo: dt.date | None, hi: dt.date | None) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if lo is not None:
        keep &= frame["quarter"] >= pd.Timestamp(lo)
    if hi is not None:
        keep &= frame["quarter"] <= pd.Timestamp(hi)
    return frame[keep].reset_index(drop=True)


def load_parks(con: duckdb.DuckDBPyConnection, region: str | None = None) -> pd.DataFrame:
    """The park registry (mart ``park``), optionally one region's parks."""
    sql = "SELECT * FROM park" + (" WHERE region_code = ?" if region else "") + " ORDER BY park_id"
    return con.execute(sql, [region] if region else []).df()


def _area_indicator(con: duckdb.DuckDBPyConnection, table: str, key: str, code: str):
    return con.execute(
        f"SELECT {key}, quarter, value AS {code} FROM {table} WHERE indicator = ?", [code]
    ).df()


def park_kpis(
    con: duckdb.DuckDBPyConnection,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    region: str | None = None,
) -> pd.DataFrame:
    """Reported and derived KPIs per park x reported quarter, for quarters in [start, end].

    Cumulative KPIs run over the park's whole reported history, so a range that starts late
    still shows totals since the first report.
    """
    lo, hi = _date_range(start, end)
    parks = load_parks(con, region)
    quarters = con.execute("SELECT * FROM park_quarter ORDER BY park_id, quarter").df()
    quarters = quarters[quarters["park_id"].isin(parks["park_id"])]
    municipal = _area_indicator(con, "municipality_quarter", "municipality_code", "avg_wage")
    regional = _area_indicator(con, "region_quarter", "region_code", "avg_wage")
    frame = add_park_kpis(quarters, parks, municipal, regional)
    return _within(frame, lo, hi)


def region_kpis(
    con: duckdb.DuckDBPyConnection,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    region: str | None = None,
    kpis_all: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Region x quarter totals of the parks and their shares of regional jobs and investment.

    ``kpis_all``: ``park_kpis(con, region=region)`` when the caller already has it."""
    lo, hi = _date_range(start, end)
    kpis = park_kpis(con, None, None, region) if kpis_all is None else kpis_all
    employment = _area_indicator(con, "region_quarter", "region_code", "employment")
    investment = _area_indicator(con, "region_quarter", "region_code", "fixed_investment")
    stats = employment.merge(investment, on=["region_code", "quarter"], how="outer")
    return _within(region_totals(kpis, stats), lo, hi)
