"""The demo's statutory-monitoring data (issue 8), drawn from a stream of its own.

Everything here comes from ``np.random.default_rng([seed, POLICY_STREAM])``, never from the
generator's main stream, so the tables the demo produced before these additions (and the
intake fixtures made from them) stay byte-for-byte the same: new registry columns, new
report columns, passport rows appended after the roadmap targets, and ``truth_compliance``.

What is simulated (as of ``AS_OF`` = 2025-12-31, the end of the last demo quarter):

* registry milestones: the management company is chosen 1-11 months after founding (never
  later than 700 days after registration); the park is declared operating 0-6 months after its
  first resident; registered parks that closed were excluded from the register on the day they
  closed ("no participants" when that was at least 36 months after registration);
* physical parameters: land for production 55-90% of the total area, electricity
  0.2-0.6 MW/ha, gas 1.5-4 and water 1.5-4 times the demo minimum per hectare (projects have
  no capacity yet: blank);
* planted rule breakers (``DEMO_RULES`` holds the thresholds; ``data/compliance.yml``'s demo
  jurisdiction XD must hold the same numbers, which ``tests/policy`` checks): 2 registered
  parks still without a management company 24 months after registration; 2 parks with
  30-46% of their land for production; 2 parks with 0.05-0.13 MW/ha; 1 park with 30-90% of
  the minimum gas and 1 with 30-90% of the minimum water capacity per hectare;
* rule breakers the main stream already made: parks registered more than 36 months ago
  with no resident yet, industrial parks and sites below the demo's minimum area, and
  operating parks whose last reported occupancy is below 50% three years after their first
  resident (the three "stalling" parks and parks designed to miss occupancy targets).
  Their truth rows are derived from the registry and from the filed reports, the way
  ``truth_target_miss`` is;
* report columns: residents' revenue (0.6-2.0 mln per job and year, quarterly, and its
  running total since opening), high-productivity jobs created since opening (never
  falling: the running maximum of 15-50% of jobs), residents relocated from elsewhere in the
  region (0-40% of residents), jobs at them (that share of jobs x 0.8-1.2) and the jobs they
  brought along (60-90% of those); all are filled in every filed report;
* passports (Decree 1119 style): up to 8 industrial parks and SEZs that opened in 2018-2023
  commit to a 10-year path from the year after opening (back-loaded, ``(k/10)^1.5`` of the
  year-10 commitment) for high-productivity jobs and cumulative residents' revenue. The
  year-10 commitment is 1.0-2.5 times the value at 2025Q4, so some parks are on course and
  some are not. Steps up to 2025 never exceed 95% of the year's first value, so the
  quarterly review, which checks every ``park_target`` row, still names exactly the roadmap
  misses of ``truth_target_miss``.

Spillovers into neighbouring municipalities (and the settlements that make distance rings
estimable) come from a stream of their own too: :mod:`analytics.demo.spillover`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from analytics.demo.calendar import N_QUARTERS, YEAR, quarter_index, year_q4_index
from analytics.demo.parks import ParkPaths
from analytics.quarter import Quarter

POLICY_STREAM = 8  # issue 8: the policy additions' own random stream
AS_OF = pd.Timestamp("2025-12-31")
PASSPORT_PARKS = 8
PASSPORT_INDICATORS = ("high_productivity_jobs", "residents_revenue_cumulative")
PASSPORT_YEARS = 10
# Thresholds of the demo jurisdiction (XD) in data/compliance.yml; the truth is built on them.
DEMO_RULES = MappingProxyType(
    {
        "ua_management_company_24m": {"months": 24},
        "ua_participants_36m": {"months": 36},
        "ru_min_area": {"minimum": 12.5, "park_types": ("industrial_park", "industrial_site")},
        "ru_production_share": {"minimum": 0.5},
        "ru_occupancy_after_years": {"minimum": 0.5, "years": 3},
        "ru_electricity_per_ha": {"minimum": 0.15},
        "ru_gas_per_ha": {"minimum": 100.0},
        "ru_water_per_ha": {"minimum": 50.0},
    }
)
PARK_POLICY_COLUMNS = (
    "management_company_on",
    "operating_on",
    "excluded_on",
    "exclusion_reason",
    "production_area_ha",
    "electricity_mw",
    "gas_m3_per_hour",
    "water_m3_per_day",
)
REPORT_POLICY_COLUMNS = (
    "residents_revenue",
    "residents_revenue_cumulative",
    "high_productivity_jobs",
    "residents_relocated",
    "jobs_at_relocated_firms",
    "jobs_moved_in",
)


@dataclass(frozen=True)
class PolicyAdditions:
    park: pd.DataFrame  # park_id + PARK_POLICY_COLUMNS, registry order
    report_columns: pd.DataFrame  # REPORT_POLICY_COLUMNS aligned with the reports' rows
    passports: pd.DataFrame  # raw_park_target rows
    truth_compliance: pd.DataFrame  # park_id, rule, since


def policy_additions(
    seed: int, registry: pd.DataFrame, paths: ParkPaths, reports: pd.DataFrame
) -> PolicyAdditions:
    """The issue-8 additions for one demo, from their own random stream."""
    rng = np.random.default_rng([seed, POLICY_STREAM])
    park, planted = _registry_additions(rng, registry)
    arrays = _report_arrays(rng, registry, paths)
    rows = _report_rows(registry, reports)
    report_columns = pd.DataFrame(
        {name: arrays[name][rows] for name in REPORT_POLICY_COLUMNS}, index=reports.index
    )
    passports = _passports(rng, registry, arrays)
    full = registry.merge(park, on="park_id")
    reports_full = pd.concat([reports, report_columns], axis=1)
    truth = pd.concat(
        [planted, _registry_truth(full, planted), _occupancy_truth(full, reports_full)],
        ignore_index=True,
    )
    truth = truth.sort_values(["park_id", "rule"], ignore_index=True)
    truth["since"] = pd.to_datetime(truth["since"])
    return PolicyAdditions(park, report_columns, passports, truth)


# ---------------------------------------------------------------- registry


def _in_force(registry: pd.DataFrame) -> np.ndarray:
    """Parks that exist and have not closed by AS_OF (closed parks were also excluded)."""
    closed = registry["closed_on"].notna() & (registry["closed_on"] <= AS_OF)
    return (~closed & (registry["founded_on"] <= AS_OF)).to_numpy(bool)


def _legal_start(registry: pd.DataFrame) -> pd.Series:
    """What a physical rule counts from: registration, or founding for unregistered parks."""
    return registry["registered_on"].fillna(registry["founded_on"])


def _days(rng: np.random.Generator, low: int, high: int, n: int) -> pd.TimedeltaIndex:
    return pd.to_timedelta(rng.integers(low, high + 1, n), unit="D")


def _registry_additions(
    rng: np.random.Generator, registry: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """New registry columns and the truth rows of the violations planted in them."""
    n = len(registry)
    founded, registered = registry["founded_on"], registry["registered_on"]
    first_resident, closed = registry["first_resident_on"], registry["closed_on"]
    status = registry["status"].to_numpy(object)
    area = registry["total_area_ha"].to_numpy(float)
    in_force = _in_force(registry)
    planted = []

    company = founded + _days(rng, 30, 330, n)
    company = company.where(registered.isna() | (company <= registered + pd.Timedelta(days=700)))
    company = company.fillna(registered + pd.Timedelta(days=700))
    deadline = registered + pd.DateOffset(months=DEMO_RULES["ua_management_company_24m"]["months"])
    candidates = np.flatnonzero(
        in_force
        & np.isin(status, ["under_construction", "project"])
        & (deadline <= AS_OF).to_numpy(bool)
    )
    for park in rng.choice(candidates, size=min(2, len(candidates)), replace=False):
        company.iloc[park] = pd.NaT
        planted.append(
            (registry["park_id"].iloc[park], "ua_management_company_24m", deadline.iloc[park])
        )
    company = company.where(company <= AS_OF)

    operating = first_resident + _days(rng, 0, 180, n)
    operating = operating.where((status == "operating") & (operating <= AS_OF))

    excluded = closed.where(registered.notna() & closed.notna())
    long_empty = closed >= registered + pd.DateOffset(months=36)
    reason = pd.Series(np.where(long_empty, "no_participants", "initiator_request"), dtype=object)
    reason = reason.where(excluded.notna())

    share = rng.uniform(0.55, 0.9, n)
    electricity = rng.uniform(0.2, 0.6, n)
    gas = rng.uniform(1.5, 4.0, n) * DEMO_RULES["ru_gas_per_ha"]["minimum"]
    water = rng.uniform(1.5, 4.0, n) * DEMO_RULES["ru_water_per_ha"]["minimum"]
    built = in_force & (status != "project")
    start = _legal_start(registry)
    for rule, values, count, low, high, pool in (
        ("ru_production_share", share, 2, 0.30, 0.46, in_force),
        ("ru_electricity_per_ha", electricity, 2, 0.05, 0.13, built),
        ("ru_gas_per_ha", gas, 1, 0.3, 0.9, built),
        ("ru_water_per_ha", water, 1, 0.3, 0.9, built),
    ):
        per_minimum = rule in {"ru_gas_per_ha", "ru_water_per_ha"}
        scale = DEMO_RULES[rule]["minimum"] if per_minimum else 1.0
        for park in rng.choice(np.flatnonzero(pool), size=count, replace=False):
            values[park] = rng.uniform(low, high) * scale
            planted.append((registry["park_id"].iloc[park], rule, start.iloc[park]))
    capacity = np.where(status == "project", np.nan, 1.0) * area
    park = pd.DataFrame(
        {
            "park_id": registry["park_id"],
            "management_company_on": company,
            "operating_on": operating,
            "excluded_on": excluded,
            "exclusion_reason": reason.astype("str").where(reason.notna()),
            "production_area_ha": np.round(share * area, 2),
            "electricity_mw": np.round(electricity * capacity, 2),
            "gas_m3_per_hour": np.round(gas * capacity, 0),
            "water_m3_per_day": np.round(water * capacity, 0),
        }
    )
    planted_frame = pd.DataFrame(planted, columns=["park_id", "rule", "since"])
    return park, planted_frame


def _registry_truth(park: pd.DataFrame, planted: pd.DataFrame) -> pd.DataFrame:
    """Breaches the registry drawn by the main stream already holds (no resident 36 months
    after registration; industrial parks and sites below the demo's minimum area), after
    checking that the planted shares and capacities are the only ones below their minimums."""
    in_force = _in_force(park)
    start = _legal_start(park)
    for name, column in (
        ("ru_production_share", "production_area_ha"),
        ("ru_electricity_per_ha", "electricity_mw"),
        ("ru_gas_per_ha", "gas_m3_per_hour"),
        ("ru_water_per_ha", "water_m3_per_day"),
    ):
        ratio = park[column] / park["total_area_ha"]
        below = set(park["park_id"][in_force & (ratio < DEMO_RULES[name]["minimum"]).to_numpy()])
        if below != set(planted.loc[planted["rule"] == name, "park_id"]):
            raise RuntimeError(f"demo generator bug: {name} breaches differ from the planted ones")
    deadline = park["registered_on"] + pd.DateOffset(
        months=DEMO_RULES["ua_participants_36m"]["months"]
    )
    no_resident = park["first_resident_on"].isna() | (park["first_resident_on"] > AS_OF)
    empty = in_force & (deadline <= AS_OF).to_numpy(bool) & no_resident.to_numpy(bool)
    rows = [
        (p, "ua_participants_36m", d)
        for p, d in zip(park["park_id"][empty], deadline[empty], strict=True)
    ]
    rule = DEMO_RULES["ru_min_area"]
    small = (
        in_force
        & park["park_type"].isin(rule["park_types"]).to_numpy(bool)
        & (park["total_area_ha"] < rule["minimum"]).to_numpy(bool)
    )
    rows += [
        (p, "ru_min_area", d) for p, d in zip(park["park_id"][small], start[small], strict=True)
    ]
    return pd.DataFrame(rows, columns=["park_id", "rule", "since"])


def _occupancy_truth(park: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Operating parks whose last reported occupancy is below the minimum once the grace
    years after the first resident have passed; since = the later of the grace end and the
    end of the first quarter of the trailing run of reports below the minimum."""
    rule = DEMO_RULES["ru_occupancy_after_years"]
    rows = []
    for info in park[_in_force(park)].itertuples():
        if pd.isna(info.first_resident_on):
            continue
        grace_end = info.first_resident_on + pd.DateOffset(years=rule["years"])
        if grace_end > AS_OF:
            continue
        own = reports[(reports["park_id"] == info.park_id) & reports["area_occupied_ha"].notna()]
        own = own.sort_values("quarter")
        if own.empty:
            continue
        below = (own["area_occupied_ha"] / info.leasable_area_ha < rule["minimum"]).to_numpy()
        if not below[-1]:
            continue
        first = len(below) - np.argmin(below[::-1]) if not below.all() else 0
        run_start = pd.Timestamp(Quarter.of(own["quarter"].iloc[first]).end)
        rows.append((info.park_id, "ru_occupancy_after_years", max(grace_end, run_start)))
    return pd.DataFrame(rows, columns=["park_id", "rule", "since"])


# ---------------------------------------------------------------- reports


def _report_rows(registry: pd.DataFrame, reports: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(park index, quarter index) of every filed report."""
    index = pd.Series(np.arange(len(registry)), index=registry["park_id"])
    parks = index.reindex(reports["park_id"]).to_numpy()
    quarters = np.array([quarter_index(q) for q in reports["quarter"]], dtype=int)
    return parks, quarters


def _report_arrays(
    rng: np.random.Generator, registry: pd.DataFrame, paths: ParkPaths
) -> dict[str, np.ndarray]:
    """park x quarter (2012Q1-2026Q4) arrays of the new report columns."""
    n = len(registry)
    jobs, residents = paths.jobs, paths.residents
    revenue_per_job = rng.uniform(0.6, 2.0, n)[:, None] / 4  # mln per job per quarter
    revenue = np.round(jobs * revenue_per_job * np.exp(rng.normal(0, 0.05, jobs.shape)), 2)
    high_share = rng.uniform(0.15, 0.5, n)[:, None]
    high_productivity = np.maximum.accumulate(np.round(jobs * high_share), axis=1)
    relocated_share = rng.uniform(0.0, 0.4, n)[:, None]
    relocated = np.round(residents * relocated_share)
    job_share = np.clip(relocated_share * rng.uniform(0.8, 1.2, n)[:, None], 0, 1)
    at_relocated = np.where(relocated > 0, np.round(jobs * job_share), 0.0)
    moved_in = np.round(at_relocated * rng.uniform(0.6, 0.9, n)[:, None])
    return {
        "residents_revenue": revenue,
        "residents_revenue_cumulative": np.round(np.cumsum(revenue, axis=1), 2),
        "high_productivity_jobs": high_productivity,
        "residents_relocated": relocated,
        "jobs_at_relocated_firms": at_relocated,
        "jobs_moved_in": moved_in,
    }


# ---------------------------------------------------------------- passports


def _passports(
    rng: np.random.Generator, registry: pd.DataFrame, arrays: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Decree-1119-style passports: 10 annual targets per indicator for a few parks."""
    opening_year = YEAR[np.minimum(registry["opening_index"].to_numpy(), len(YEAR) - 1)]
    eligible = np.flatnonzero(
        (registry["status"].to_numpy(object) == "operating")
        & registry["park_type"].isin(["industrial_park", "sez"]).to_numpy(bool)
        & (opening_year >= 2018)
        & (opening_year <= 2023)
    )
    chosen = np.sort(rng.choice(eligible, size=min(PASSPORT_PARKS, len(eligible)), replace=False))
    rows = []
    for park in chosen:
        info = registry.iloc[park]
        first = int(opening_year[park]) + 1
        last = first + PASSPORT_YEARS - 1
        document = f"Паспорт индустриального парка «{info['name_core']}» на {first}–{last} гг."
        ambition = rng.uniform(1.0, 2.5)
        for indicator in PASSPORT_INDICATORS:
            values = arrays[indicator][park]
            commitment = _round_up(ambition * values[N_QUARTERS - 1], indicator)
            for k, year in enumerate(range(first, last + 1), start=1):
                target = commitment * (k / PASSPORT_YEARS) ** 1.5
                if year <= 2025:
                    # Never above 95% of the year's first value: the review sees it met.
                    ceiling = 0.95 * values[year_q4_index(year) - 3]
                    target = min(target, ceiling)
                rows.append(
                    {
                        "park_id": info["park_id"],
                        "indicator": indicator,
                        "period_type": "year",
                        "period_start": pd.Timestamp(year, 1, 1),
                        "target_value": _round_down(target, indicator)
                        if year <= 2025
                        else _round_up(target, indicator),
                        "document": document,
                    }
                )
    return pd.DataFrame(
        rows,
        columns=["park_id", "indicator", "period_type", "period_start", "target_value", "document"],
    )


def _round_up(value: float, indicator: str) -> float:
    step = 1.0 if indicator == "high_productivity_jobs" else 0.1
    return round(float(np.ceil(value / step - 1e-9) * step), 6)


def _round_down(value: float, indicator: str) -> float:
    step = 1.0 if indicator == "high_productivity_jobs" else 0.1
    return round(float(np.floor(value / step + 1e-9) * step), 6)
