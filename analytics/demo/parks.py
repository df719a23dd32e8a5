"""The demo's parks: registry, true quarterly paths, roadmap targets and the reports filed.

Grain of the arrays: park x quarter over the internal horizon 2012Q1-2026Q4 (only quarters
through 2025Q4 are reported; 2026 exists so 2026 targets come from the same path). Money in
millions of roubles except wages (roubles per month), areas in hectares.

Placement selects on municipal *levels* only: a municipality's chance of hosting a park
grows with its 2012 population, while opening dates are drawn independently of anything
municipal. Parallel trends therefore hold by construction and estimators can recover the
planted effects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.demo.calendar import (
    LAST_TARGET_YEAR,
    N_QUARTERS,
    N_QUARTERS_EXTENDED,
    YEAR,
    ar1,
    quarter_index,
    quarter_start,
    year_q4_index,
)
from analytics.demo.geography import ROOTS, Geography
from analytics.quarter import Quarter

TX = N_QUARTERS_EXTENDED
PARK_TYPES = ("industrial_park", "technopark", "sez", "industrial_site")
TYPE_COUNTS = {"industrial_park": 30, "technopark": 12, "sez": 6, "industrial_site": 12}
OPERATING_COUNTS = {"industrial_park": 20, "technopark": 8, "sez": 4, "industrial_site": 8}
OTHER_STATUSES = ("under_construction",) * 8 + ("project",) * 7 + ("closed",) * 5
OPENING_YEARS = np.arange(2015, 2026)
CENTRES_WITH_TWO_PARKS = 3
STALLING_PARKS = 3  # operating parks whose occupancy stalls below 20%
MISSING_SHARE_OF_OPERATING = 0.25  # operating parks designated to miss some targets
LATE_2025Q4_PARKS = 3
NO_REPORT_SHARE = 0.03
MISSING_VALUE_SHARE = 0.02
LATE_REPORT_SHARE = 0.08

OWNERSHIP_MIX = {  # P(public, private, public_private) by type
    "industrial_park": (0.40, 0.35, 0.25),
    "technopark": (0.50, 0.20, 0.30),
    "sez": (1.0, 0.0, 0.0),
    "industrial_site": (0.20, 0.60, 0.20),
}
OWNERSHIPS = ("public", "private", "public_private")
TOTAL_AREA_HA = {  # (low, high) drawn log-uniformly
    "industrial_park": (30.0, 300.0),
    "technopark": (10.0, 40.0),
    "sez": (200.0, 600.0),
    "industrial_site": (10.0, 120.0),
}
JOBS_PER_OCCUPIED_HA = {
    "industrial_park": (20.0, 40.0),
    "technopark": (60.0, 120.0),
    "sez": (12.0, 25.0),
    "industrial_site": (15.0, 30.0),
}
RESIDENTS_AT_PLATEAU = {
    "industrial_park": (8, 30),
    "technopark": (20, 60),
    "sez": (15, 40),
    "industrial_site": (2, 8),
}
TYPE_NAMES = {
    "industrial_park": ("Индустриальный парк", "Індустріальний парк", "Industrial Park"),
    "technopark": ("Технопарк", "Технопарк", "Technopark"),
    "sez": ("ОЭЗ", "ОЕЗ", "SEZ"),
    "industrial_site": ("Промышленная площадка", "Промисловий майданчик", "Industrial Site"),
}
NAME_TAILS = (
    ("тех", "тех", "tech"),
    ("-Пром", "-Пром", "-Prom"),
    ("-Инвест", "-Інвест", "-Invest"),
    ("-Сити", "-Сіті", "-City"),
    ("ленд", "ленд", "land"),
    ("-Парк", "-Парк", "-Park"),
)
TARGET_INDICATORS = ("jobs_total", "residents_count", "investment_cumulative", "area_occupied_ha")
TARGET_STEP = {
    "jobs_total": 1.0,
    "residents_count": 1.0,
    "investment_cumulative": 0.1,
    "area_occupied_ha": 0.1,
}
REPORT_COLUMNS = (
    "investment_own",
    "investment_private_external",
    "investment_budget",
    "investment_cumulative",
    "jobs_total",
    "jobs_created",
    "avg_wage",
    "residents_count",
    "residents_new",
    "residents_left",
    "area_occupied_ha",
    "area_free_ha",
    "taxes_federal",
    "taxes_regional",
    "taxes_local",
    "subsidies",
    "infrastructure_spending",
)


@dataclass(frozen=True)
class ParkPaths:
    """True park x quarter paths (2012Q1-2026Q4) and the plan paths before designed shortfalls."""

    jobs: np.ndarray
    residents: np.ndarray
    residents_new: np.ndarray
    residents_left: np.ndarray
    jobs_created: np.ndarray
    area_occupied: np.ndarray
    investment_own: np.ndarray
    investment_private_external: np.ndarray
    investment_budget: np.ndarray
    investment_cumulative: np.ndarray
    infrastructure_spending: np.ndarray
    subsidies: np.ndarray
    jobs_plan: np.ndarray  # without the designed shortfall
    residents_plan: np.ndarray
    area_plan: np.ndarray
    exists: np.ndarray  # True for quarters the park files a report for


@dataclass(frozen=True)
class MissDesign:
    """Which targets a park is designed to miss: from ``start_year`` on, for ``indicators``."""

    park: int
    start_year: int
    shortfall: dict[str, float]  # indicator -> realised share of plan at Q4 (0.4-0.7)


# ---------------------------------------------------------------- registry


def _types_and_statuses(rng: np.random.Generator) -> tuple[list[str], list[str]]:
    types, statuses = [], []
    others = list(rng.permutation(OTHER_STATUSES))
    for park_type in PARK_TYPES:
        n, n_operating = TYPE_COUNTS[park_type], OPERATING_COUNTS[park_type]
        types += [park_type] * n
        statuses += ["operating"] * n_operating + [others.pop() for _ in range(n - n_operating)]
    order = rng.permutation(len(types))
    return [types[i] for i in order], [statuses[i] for i in order]


def _host_municipalities(
    rng: np.random.Generator, population_2012: np.ndarray, is_centre: np.ndarray, n_parks: int
) -> np.ndarray:
    """Municipality index per park: chance grows with population; a few centres host two."""
    weights = population_2012**0.8
    hosts = rng.choice(
        len(weights),
        size=n_parks - CENTRES_WITH_TWO_PARKS,
        replace=False,
        p=weights / weights.sum(),
    )
    centres = hosts[is_centre[hosts]]
    doubles = rng.choice(centres, size=min(CENTRES_WITH_TWO_PARKS, len(centres)), replace=False)
    return rng.permutation(np.concatenate([hosts, doubles]))


def _random_day(rng: np.random.Generator, start: str, end: str) -> pd.Timestamp:
    first, last = pd.Timestamp(start), pd.Timestamp(end)
    return first + pd.Timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _dates(rng: np.random.Generator, status: str, opening_year: int | None) -> dict:
    """founded_on, registered_on, first_resident_on and closed_on for one park."""
    opened = closed = None
    if status == "operating":
        quarter = int(rng.integers(0, 4))
        opened = pd.Timestamp(Quarter(opening_year, quarter + 1).start) + pd.Timedelta(
            days=int(rng.integers(0, 85))
        )
        founded = opened - pd.Timedelta(days=int(rng.integers(365, 3 * 365)))
        register_share = 0.85
    elif status == "closed":
        founded = _random_day(rng, "2012-06-01", "2019-12-31")
        closed = founded + pd.Timedelta(days=int(rng.integers(2 * 365, 5 * 365)))
        closed = min(closed, pd.Timestamp("2025-06-30"))
        register_share = 0.5
    else:
        founded = _random_day(rng, "2021-01-01", "2025-09-30")
        register_share = 0.6 if status == "under_construction" else 0.2
    registered = founded + pd.Timedelta(days=int(rng.integers(30, 540)))
    if rng.random() > register_share or registered > pd.Timestamp("2025-12-31"):
        registered = None
    return {
        "founded_on": founded,
        "registered_on": registered,
        "first_resident_on": opened,
        "closed_on": closed,
    }


def _park_names(rng: np.random.Generator, types: list[str]) -> list[tuple[str, str, str, str]]:
    """(name_ru, name_uk, name_en, core name in Russian) from invented roots and tails."""
    combos = [(r, s) for r in range(len(ROOTS)) for s in range(len(NAME_TAILS))]
    picks = rng.choice(len(combos), size=len(types), replace=False)
    names = []
    for park_type, pick in zip(types, picks, strict=True):
        root, tail = ROOTS[combos[pick][0]], NAME_TAILS[combos[pick][1]]
        core = [root[lang] + tail[lang] for lang in range(3)]
        prefix = TYPE_NAMES[park_type]
        names.append(
            (
                f"{prefix[0]} «{core[0]}»",
                f"{prefix[1]} «{core[1]}»",
                f"{core[2]} {prefix[2]}",
                core[0],
            )
        )
    return names


def park_registry(
    rng: np.random.Generator, geography: Geography, population_2012: np.ndarray
) -> pd.DataFrame:
    """One row per park: the raw_park columns plus internal helpers (muni_index, opening_index,
    founding_index, last_index, name_core)."""
    types, statuses = _types_and_statuses(rng)
    n = len(types)
    municipality = geography.municipality
    hosts = _host_municipalities(
        rng, population_2012, municipality["is_regional_centre"].to_numpy(bool), n
    )
    operating = [i for i, s in enumerate(statuses) if s == "operating"]
    opening_years = dict(
        zip(operating, rng.permutation(np.resize(OPENING_YEARS, len(operating))), strict=True)
    )
    names = _park_names(rng, types)
    rows = []
    for i in range(n):
        host = municipality.iloc[hosts[i]]
        park_type = types[i]
        dates = _dates(rng, statuses[i], opening_years.get(i))
        low, high = TOTAL_AREA_HA[park_type]
        total_area = round(float(np.exp(rng.uniform(np.log(low), np.log(high)))), 1)
        ownership = OWNERSHIPS[rng.choice(3, p=OWNERSHIP_MIX[park_type])]
        founding = quarter_index(dates["founded_on"])
        if dates["first_resident_on"] is not None:
            opening = quarter_index(dates["first_resident_on"])
        else:
            opening = TX  # never opens within the horizon
        last = quarter_index(dates["closed_on"]) if dates["closed_on"] is not None else TX - 1
        rows.append(
            {
                "park_id": f"XD-P{i + 1:03d}",
                "name_ru": names[i][0],
                "name_uk": names[i][1],
                "name_en": names[i][2],
                "park_type": park_type,
                "status": statuses[i],
                "ownership": ownership,
                "region_code": host["region_code"],
                "municipality_code": host["municipality_code"],
                # Within ~0.2 deg of the town: inside the municipality and its region's cell.
                "latitude": round(float(host["latitude"] + rng.uniform(-0.12, 0.12)), 5),
                "longitude": round(float(host["longitude"] + rng.uniform(-0.2, 0.2)), 5),
                "total_area_ha": total_area,
                "leasable_area_ha": round(total_area * float(rng.uniform(0.6, 0.9)), 1),
                **dates,
                "muni_index": int(hosts[i]),
                "opening_index": opening,
                "founding_index": founding,
                "last_index": last,
                "name_core": names[i][3],
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- true paths


def _draw(rng: np.random.Generator, ranges: dict, types: np.ndarray) -> np.ndarray:
    low = np.array([ranges[k][0] for k in types], dtype=float)
    high = np.array([ranges[k][1] for k in types], dtype=float)
    return rng.uniform(low, high)


def design_misses(rng: np.random.Generator, registry: pd.DataFrame) -> list[MissDesign]:
    """About a quarter of operating parks (opened by 2024) miss 1-3 targets from a chosen year."""
    operating = registry.index[registry["status"] == "operating"].to_numpy()
    n_missers = round(MISSING_SHARE_OF_OPERATING * len(operating))
    opening_year = YEAR[np.minimum(registry["opening_index"].to_numpy(), TX - 1)]
    eligible = operating[opening_year[operating] <= 2024]
    designs = []
    for park in sorted(rng.choice(eligible, size=n_missers, replace=False)):
        start = int(rng.integers(opening_year[park] + 1, 2026))
        count = int(rng.integers(1, 4))
        indicators = rng.choice(TARGET_INDICATORS, size=count, replace=False)
        designs.append(
            MissDesign(
                int(park),
                start,
                {str(i): float(rng.uniform(0.4, 0.7)) for i in sorted(indicators)},
            )
        )
    return designs


def _shortfall_multiplier(designs: list[MissDesign], n_parks: int, indicator: str) -> np.ndarray:
    """Realised / plan for one indicator: 1, or falling to the shortfall by Q4 of the start year."""
    multiplier = np.ones((n_parks, TX))
    for design in designs:
        if indicator not in design.shortfall:
            continue
        start = year_q4_index(design.start_year) - 3
        k = np.arange(TX) - start
        fall = (1 - design.shortfall[indicator]) * np.clip((k + 1) / 4, 0, 1)
        multiplier[design.park] = np.where(k >= 0, 1 - fall, 1.0)
    return multiplier


def simulate_paths(
    rng: np.random.Generator, registry: pd.DataFrame, designs: list[MissDesign]
) -> ParkPaths:
    """True quarterly paths of every park: occupancy, jobs and residents ramp up after opening
    toward park-specific plateaus; budget money is front-loaded from founding."""
    n = len(registry)
    types = registry["park_type"].to_numpy(object)
    leasable = registry["leasable_area_ha"].to_numpy(float)
    t = np.arange(TX)
    event = t[None, :] - registry["opening_index"].to_numpy()[:, None]
    opened = event >= 0
    since_founding = t[None, :] - registry["founding_index"].to_numpy()[:, None] - 1
    exists = (since_founding >= 0) & (t[None, :] <= registry["last_index"].to_numpy()[:, None])

    occupancy = rng.uniform(0.6, 0.95, n)
    operating = np.flatnonzero(registry["status"].to_numpy(object) == "operating")
    stalling = rng.choice(operating, size=STALLING_PARKS, replace=False)
    occupancy[stalling] = rng.uniform(0.08, 0.18, STALLING_PARKS)

    def ramp(scale_low: float, scale_high: float) -> np.ndarray:
        speed = rng.uniform(scale_low, scale_high, n)[:, None]  # quarters to ~63% of plateau
        return np.where(opened, 1 - np.exp(-(event + 1) / speed), 0.0)

    area_plan = np.round(leasable[:, None] * occupancy[:, None] * ramp(4, 12), 2)
    jobs_plateau = _draw(rng, JOBS_PER_OCCUPIED_HA, types) * leasable * occupancy
    jobs_noise = np.exp(ar1(rng, (n, TX), rho=0.7, sd=0.03))
    jobs_smooth = jobs_plateau[:, None] * ramp(4, 10) * jobs_noise
    residents_plateau = _draw(rng, RESIDENTS_AT_PLATEAU, types) * np.sqrt(occupancy / 0.8)
    residents_smooth = residents_plateau[:, None] * ramp(3, 10)

    def realised(smooth: np.ndarray, indicator: str, decimals: int | None = None) -> np.ndarray:
        values = smooth * _shortfall_multiplier(designs, n, indicator)
        if decimals is None:  # counts: at least one while open
            return np.where(opened, np.maximum(1, np.round(values)), 0.0)
        return np.round(values, decimals)

    jobs = realised(jobs_smooth, "jobs_total")
    residents = realised(residents_smooth, "residents_count")
    area = realised(area_plan / 1.0, "area_occupied_ha", decimals=2)

    previous_residents = np.concatenate([np.zeros((n, 1)), residents[:, :-1]], axis=1)
    left = np.minimum(rng.poisson(0.02 * previous_residents), previous_residents)
    new = residents - previous_residents + left
    left = np.where(new < 0, left - new, left)
    new = np.maximum(new, 0)

    previous_jobs = np.concatenate([np.zeros((n, 1)), jobs[:, :-1]], axis=1)
    churn = rng.uniform(0.01, 0.03, n)[:, None]
    jobs_created = np.maximum(jobs - previous_jobs, 0) + np.round(previous_jobs * churn)

    money = _money_paths(rng, registry, area, jobs, since_founding, event, exists)
    return ParkPaths(
        jobs=jobs,
        residents=residents,
        residents_new=new,
        residents_left=left,
        jobs_created=jobs_created,
        area_occupied=area,
        jobs_plan=np.where(opened, np.maximum(1, np.round(jobs_smooth)), 0.0),
        residents_plan=np.where(opened, np.maximum(1, np.round(residents_smooth)), 0.0),
        area_plan=area_plan,
        exists=exists,
        **money,
    )


def _money_paths(
    rng: np.random.Generator,
    registry: pd.DataFrame,
    area: np.ndarray,
    jobs: np.ndarray,
    since_founding: np.ndarray,
    event: np.ndarray,
    exists: np.ndarray,
) -> dict[str, np.ndarray]:
    """Investment by source, budget infrastructure spending and subsidies (mln roubles).

    Infrastructure money is front-loaded from founding (weights exp(-k/6) over ~10 years);
    residents invest as they take up land (capex per hectare) plus upkeep per job.
    """
    n = len(registry)
    leasable = registry["leasable_area_ha"].to_numpy(float)
    status = registry["status"].to_numpy(object)
    ownership = registry["ownership"].to_numpy(object)
    budget_share = np.select(
        [ownership == "public", ownership == "public_private"],
        [rng.uniform(0.8, 1.0, n), rng.uniform(0.4, 0.7, n)],
        rng.uniform(0.0, 0.2, n),
    )
    infra_total = leasable * rng.uniform(2, 6, n)
    infra_total *= np.where(registry["park_type"].to_numpy(object) == "sez", 1.5, 1.0)
    infra_total *= np.where(status == "project", 0.1, 1.0)  # design work only
    horizon = np.exp(-np.arange(40) / 6).sum()
    weights = np.where(exists, np.exp(-np.maximum(since_founding, 0) / 6) / horizon, 0.0)
    infra_noise = np.exp(rng.normal(0, 0.2, (n, TX)))
    infra = infra_total[:, None] * weights * infra_noise
    infrastructure_spending = np.round(infra * budget_share[:, None], 2)
    private_infra = infra * (1 - budget_share[:, None])

    previous_area = np.concatenate([np.zeros((n, 1)), area[:, :-1]], axis=1)
    capex_per_ha = rng.uniform(15, 50, n)[:, None]
    upkeep_per_job = rng.uniform(0.01, 0.03, n)[:, None]
    resident_flow = (
        capex_per_ha * np.maximum(area - previous_area, 0) + upkeep_per_job * jobs
    ) * np.exp(rng.normal(0, 0.2, (n, TX)))
    cofinancing = np.where(ownership == "private", 0.0, rng.uniform(0.0, 0.1, n))[:, None]
    own_share = rng.uniform(0.45, 0.75, n)[:, None]
    private = private_infra + resident_flow
    investment_own = np.round(private * own_share * exists, 2)
    investment_external = np.round(private * (1 - own_share) * exists, 2)
    investment_budget = np.round(
        (infra * budget_share[:, None] + resident_flow * cofinancing) * exists, 2
    )
    cumulative = np.round(
        np.cumsum(investment_own + investment_external + investment_budget, axis=1), 2
    )

    subsidy_total = (
        infra_total * rng.uniform(0.05, 0.2, n) * np.where(ownership == "private", 0.5, 1.0)
    )
    subsidy_weights = np.where(event >= 0, np.exp(-np.maximum(event, 0) / 8), 0.0)
    subsidies = np.round(
        subsidy_total[:, None] * subsidy_weights / np.exp(-np.arange(40) / 8).sum() * exists, 2
    )
    return {
        "investment_own": investment_own,
        "investment_private_external": investment_external,
        "investment_budget": investment_budget,
        "investment_cumulative": cumulative,
        "infrastructure_spending": infrastructure_spending * exists,
        "subsidies": subsidies,
    }


# ---------------------------------------------------------------- targets


def _to_step(value: float, step: float, up: bool) -> float:
    units = np.ceil(value / step - 1e-9) if up else np.floor(value / step + 1e-9)
    return round(float(units * step), 6)


def roadmap_targets(
    rng: np.random.Generator,
    registry: pd.DataFrame,
    paths: ParkPaths,
    designs: list[MissDesign],
) -> tuple[pd.DataFrame, set[tuple[str, str, int]]]:
    """Annual targets from the opening year to 2026 for operating parks, and the designed
    misses as (park_id, indicator, year) for years up to 2025.

    Met targets sit 7-20% below the realised Q4 value; missed ones are set so the realised
    Q4 value is at most 70% of plan (the plan kept the path the park did not follow).
    """
    realised = {
        "jobs_total": paths.jobs,
        "residents_count": paths.residents,
        "investment_cumulative": paths.investment_cumulative,
        "area_occupied_ha": paths.area_occupied,
    }
    planned = {
        "jobs_total": paths.jobs_plan,
        "residents_count": paths.residents_plan,
        "investment_cumulative": paths.investment_cumulative,
        "area_occupied_ha": paths.area_plan,
    }
    by_park = {d.park: d for d in designs}
    rows, misses = [], set()
    for park in np.flatnonzero(registry["status"].to_numpy(object) == "operating"):
        info = registry.iloc[park]
        first_year = int(YEAR[info["opening_index"]])
        document = (
            f"Дорожная карта развития парка «{info['name_core']}» на {first_year}–"
            f"{LAST_TARGET_YEAR} гг."
        )
        design = by_park.get(park)
        for year in range(first_year, LAST_TARGET_YEAR + 1):
            q4 = year_q4_index(year)
            for indicator in TARGET_INDICATORS:
                step = TARGET_STEP[indicator]
                value = float(realised[indicator][park, q4])
                missed = (
                    design is not None
                    and indicator in design.shortfall
                    and year >= design.start_year
                )
                if missed:
                    plan = float(planned[indicator][park, q4]) * rng.uniform(0.95, 1.05)
                    if indicator == "investment_cumulative":
                        plan = value / design.shortfall[indicator]
                    target = _to_step(max(plan, value / 0.7), step, up=True)
                    if target <= value:
                        target = value + step
                    if year <= 2025:
                        misses.add((info["park_id"], indicator, year))
                else:
                    target = _to_step(value * rng.uniform(0.8, 0.93), step, up=False)
                    if target <= 0:
                        target = value
                rows.append(
                    {
                        "park_id": info["park_id"],
                        "indicator": indicator,
                        "period_type": "year",
                        "period_start": pd.Timestamp(year, 1, 1),
                        "target_value": target,
                        "document": document,
                    }
                )
    return pd.DataFrame(rows), misses


# ---------------------------------------------------------------- reports


def park_reports(
    rng: np.random.Generator,
    registry: pd.DataFrame,
    paths: ParkPaths,
    municipal_wage: np.ndarray,
    protected: set[tuple[int, int]],
) -> pd.DataFrame:
    """The quarterly reports as filed (raw_park_quarter columns): late filing, ~3% of reports
    missing, ~2% of values blank, a few parks yet to report 2025Q4. ``protected`` (park, quarter)
    reports are always filed complete (missed-target Q4s must be observable)."""
    n = len(registry)
    hosts = registry["muni_index"].to_numpy()
    jobs = paths.jobs[:, :N_QUARTERS]
    premium = rng.uniform(1.1, 1.4, n)[:, None]
    wage = np.round(municipal_wage[hosts] * premium * np.exp(rng.normal(0, 0.02, (n, N_QUARTERS))))
    wage = np.where(jobs > 0, wage, np.nan)
    payroll = np.where(jobs > 0, jobs * wage * 3 / 1e6, 0.0)
    taxes = (
        payroll * rng.uniform(0.25, 0.4, n)[:, None] * np.exp(rng.normal(0, 0.05, (n, N_QUARTERS)))
    )
    federal_share = rng.uniform(0.45, 0.6, n)[:, None]
    regional_share = rng.uniform(0.3, 0.4, n)[:, None]
    leasable = registry["leasable_area_ha"].to_numpy(float)[:, None]
    area = paths.area_occupied[:, :N_QUARTERS]
    columns = {
        "investment_own": paths.investment_own,
        "investment_private_external": paths.investment_private_external,
        "investment_budget": paths.investment_budget,
        "investment_cumulative": paths.investment_cumulative,
        "jobs_total": paths.jobs,
        "jobs_created": paths.jobs_created,
        "avg_wage": wage,
        "residents_count": paths.residents,
        "residents_new": paths.residents_new,
        "residents_left": paths.residents_left,
        "area_occupied_ha": area,
        "area_free_ha": np.round(leasable - area, 2),
        "taxes_federal": np.round(taxes * federal_share, 3),
        "taxes_regional": np.round(taxes * regional_share, 3),
        "taxes_local": np.round(taxes * (1 - federal_share - regional_share), 3),
        "subsidies": paths.subsidies,
        "infrastructure_spending": paths.infrastructure_spending,
    }
    park_index, quarter = np.nonzero(paths.exists[:, :N_QUARTERS])
    frame = pd.DataFrame(
        {
            "park_id": registry["park_id"].to_numpy(object)[park_index],
            "quarter": [quarter_start(q) for q in quarter],
        }
    )
    for name in REPORT_COLUMNS:
        frame[name] = columns[name][:, :N_QUARTERS][park_index, quarter].astype(float)
    delay = np.where(
        rng.random(len(frame)) < LATE_REPORT_SHARE,
        rng.integers(60, 151, len(frame)),
        rng.integers(20, 46, len(frame)),
    )
    quarter_end = frame["quarter"] + pd.DateOffset(months=3) - pd.Timedelta(days=1)
    frame["reported_on"] = quarter_end + pd.to_timedelta(delay, unit="D")

    is_protected = np.array(
        [(p, q) in protected for p, q in zip(park_index, quarter, strict=True)], dtype=bool
    )
    keep = (rng.random(len(frame)) >= NO_REPORT_SHARE) | is_protected
    last = quarter == N_QUARTERS - 1
    protected_parks = {p for p, _ in protected}
    candidates = sorted({p for p in park_index[last] if p not in protected_parks})
    late = rng.choice(candidates, size=LATE_2025Q4_PARKS, replace=False)
    keep &= ~(last & np.isin(park_index, late))
    blank = (rng.random((len(frame), len(REPORT_COLUMNS))) < MISSING_VALUE_SHARE) & ~is_protected[
        :, None
    ]
    values = frame[list(REPORT_COLUMNS)].to_numpy(float)
    values[blank] = np.nan
    frame[list(REPORT_COLUMNS)] = values
    frame = frame[keep].reset_index(drop=True)
    frame["park_id"] = frame["park_id"].astype("str")
    return frame
