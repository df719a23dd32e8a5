"""Municipal statistics without parks (the counterfactual), and the long tables built from them.

Arrays are municipality x quarter (2012Q1-2025Q4). Magnitudes follow Russian regions:
population in persons, employment in persons, unemployment in percent of the labour force,
average monthly wage in roubles, fixed-capital investment and tax revenue in millions of
roubles per quarter, firms and SMEs as counts. Employment and wages get the planted park
effects later (in :mod:`analytics.demo.generator`); every other statistic stays
counterfactual, so estimators should find no park effect on them (placebo outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.demo.calendar import FIRST, N_QUARTERS, QUARTER_OF_YEAR, QUARTERS, ar1
from analytics.quarter import Quarter

T = N_QUARTERS
YEARS_SINCE_2012 = np.arange(T) / 4.0
SEASON = QUARTER_OF_YEAR[:T]

# Idiosyncratic quarterly employment noise: AR(1), rho 0.5, innovation s.d. 0.4%
# (stationary s.d. ~0.46% of employment, i.e. ~90 persons in a town of 20,000 employed).
EMPLOYMENT_NOISE_RHO = 0.5
EMPLOYMENT_NOISE_SD = 0.004
EMPLOYMENT_NOISE_REFERENCE = 20_000  # employed persons at which the s.d. is as stated
STATISTICS = (
    "population",
    "employment",
    "unemployment_rate",
    "avg_wage",
    "fixed_investment",
    "firms_count",
    "sme_count",
    "tax_revenue",
)


def _quarter_effects(shocks: dict[str, float]) -> np.ndarray:
    """A series over the reported quarters that is zero except at the listed 'YYYYQn' keys."""
    series = np.zeros(T)
    for label, value in shocks.items():
        position = Quarter.parse(label) - FIRST
        if not 0 <= position < T:
            raise ValueError(f"shock quarter {label} is outside the demo's quarters")
        series[position] = value
    return series


# National business cycle in logs: the 2015-16 recession and the 2020Q2 lockdown dip.
EMPLOYMENT_CYCLE = _quarter_effects(
    {
        "2015Q1": -0.010, "2015Q2": -0.020, "2015Q3": -0.025, "2015Q4": -0.025,
        "2016Q1": -0.020, "2016Q2": -0.015, "2016Q3": -0.010, "2016Q4": -0.005,
        "2020Q2": -0.060, "2020Q3": -0.035, "2020Q4": -0.020, "2021Q1": -0.010,
    }
)  # fmt: skip
UNEMPLOYMENT_CYCLE = _quarter_effects(
    {
        "2015Q1": 0.3, "2015Q2": 0.6, "2015Q3": 0.7, "2015Q4": 0.7,
        "2016Q1": 0.6, "2016Q2": 0.4, "2016Q3": 0.3, "2016Q4": 0.2,
        "2020Q2": 1.8, "2020Q3": 1.4, "2020Q4": 0.9, "2021Q1": 0.5, "2021Q2": 0.2,
    }
)  # fmt: skip
# Nominal wages lose ~4% of trend growth over 2015 for good, and dip in 2020Q2-Q3.
WAGE_CYCLE = -0.04 * np.clip((np.arange(T) - 12 + 1) / 4, 0, 1) + _quarter_effects(
    {"2020Q2": -0.02, "2020Q3": -0.01}
)
EMPLOYMENT_SEASON = np.array([-0.015, 0.0, 0.015, 0.0])[SEASON]  # Q1 low, Q3 high
UNEMPLOYMENT_SEASON = np.array([0.4, 0.0, -0.3, -0.1])[SEASON]
WAGE_SEASON = np.array([-0.03, 0.01, -0.02, 0.08])[SEASON]  # Q4 year-end bonuses
INVESTMENT_SEASON = np.array([0.6, 0.9, 1.0, 1.5])[SEASON]  # spending piles up in Q4
INVESTMENT_CYCLE = np.exp(
    -0.15 * ((np.arange(T) >= 12) & (np.arange(T) < 20)) + _quarter_effects({"2020Q2": -0.10})
)
TAX_SEASON = np.array([0.9, 1.0, 0.95, 1.15])[SEASON]


@dataclass(frozen=True)
class RegionalDraws:
    """What every municipality of a region shares, drawn once per region: the regional
    employment shock (log, region x quarter), the regional unemployment level (percent) and
    the regional wage level in 2012 and its growth per year. Kept so municipalities added
    later (the demo's settlements) share their region's draws."""

    employment_shock: np.ndarray
    unemployment_base: np.ndarray
    wage_level: np.ndarray
    wage_growth: np.ndarray


@dataclass(frozen=True)
class MunicipalPanel:
    """Counterfactual municipal statistics, municipality x quarter arrays."""

    population: np.ndarray
    employment: np.ndarray  # persons, integers
    unemployment_rate: np.ndarray  # percent
    avg_wage: np.ndarray  # roubles per month, integers
    fixed_investment: np.ndarray  # mln roubles per quarter
    firms_count: np.ndarray
    sme_count: np.ndarray
    tax_revenue: np.ndarray  # mln roubles per quarter


def _log_uniform(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size))


TOWN_POPULATION = (15e3, 150e3)  # 2012 population of municipalities other than centres


def _population(
    rng: np.random.Generator, is_centre: np.ndarray, town: tuple[float, float] = TOWN_POPULATION
) -> np.ndarray:
    n = len(is_centre)
    level = np.where(is_centre, _log_uniform(rng, 300e3, 1.2e6, n), _log_uniform(rng, *town, n))
    # Growth (per year) does not depend on size: parks select on size, so a size-related
    # trend would break parallel trends.
    growth = rng.normal(-0.002, 0.002, n)
    return np.round(level[:, None] * np.exp(growth[:, None] * YEARS_SINCE_2012[None, :]))


def _employment(
    rng: np.random.Generator,
    population: np.ndarray,
    region_index: np.ndarray,
    shock: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    n, n_regions = len(population), region_index.max() + 1
    ratio = rng.uniform(0.35, 0.45, n)
    trend = rng.normal(0.0, 0.0015, n)  # municipality's own drift of the employment ratio, per year
    if shock is None:
        shock = ar1(rng, (n_regions, T), rho=0.8, sd=0.003)
    region_shock = shock[region_index]
    # Relative noise shrinks with size (statistics of big cities average over more people).
    size_factor = np.sqrt(EMPLOYMENT_NOISE_REFERENCE / (ratio * population[:, 0]))
    noise = ar1(rng, (n, T), rho=EMPLOYMENT_NOISE_RHO, sd=1.0)
    noise *= EMPLOYMENT_NOISE_SD * np.clip(size_factor, 0.2, 1.5)[:, None]
    log_rate = (
        trend[:, None] * YEARS_SINCE_2012
        + region_shock
        + EMPLOYMENT_CYCLE
        + EMPLOYMENT_SEASON
        + noise
    )
    return np.round(ratio[:, None] * population * np.exp(log_rate)), shock


def _unemployment(
    rng: np.random.Generator, region_index: np.ndarray, regional: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    n, n_regions = len(region_index), region_index.max() + 1
    if regional is None:
        regional = rng.uniform(4.0, 8.0, n_regions)
    base = regional[region_index] + rng.normal(0.0, 0.8, n)
    # Unemployment roughly halves between 2012 and 2025, as it did in Russia.
    decline = 1 - 0.5 * YEARS_SINCE_2012 / YEARS_SINCE_2012[-1]
    rate = (
        base[:, None] * decline
        + UNEMPLOYMENT_CYCLE
        + UNEMPLOYMENT_SEASON
        + rng.normal(0.0, 0.15, (n, T))
    )
    return np.round(np.clip(rate, 0.8, None), 1), regional


def _wage(
    rng: np.random.Generator,
    region_index: np.ndarray,
    is_centre: np.ndarray,
    regional: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    n, n_regions = len(region_index), region_index.max() + 1
    if regional is None:
        level = rng.uniform(25e3, 55e3, n_regions)
        regional = (level, rng.uniform(0.07, 0.10, n_regions))  # growth: nominal, per year
    level_2012, growth = regional[0][region_index], regional[1][region_index]
    relative = np.where(is_centre, rng.uniform(1.05, 1.2, n), rng.uniform(0.75, 1.0, n))
    noise = ar1(rng, (n, T), rho=0.5, sd=0.008)
    log_wage = growth[:, None] * YEARS_SINCE_2012 + WAGE_CYCLE + WAGE_SEASON + noise
    return np.round((level_2012 * relative)[:, None] * np.exp(log_wage)), regional


def _fixed_investment(rng: np.random.Generator, population: np.ndarray) -> np.ndarray:
    n = len(population)
    per_capita_2012 = rng.uniform(30e3, 120e3, n)  # roubles per person per year
    growth = rng.uniform(0.06, 0.09, n)
    noise = rng.normal(0.0, 0.15, (n, T))
    annual = per_capita_2012[:, None] * np.exp(growth[:, None] * YEARS_SINCE_2012 + noise)
    return np.round(population * annual / 4 * INVESTMENT_SEASON * INVESTMENT_CYCLE / 1e6, 1)


def _firms(rng: np.random.Generator, population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(population)
    per_thousand = rng.uniform(18, 35, n)
    trend = rng.normal(0.0, 0.01, n)
    noise = ar1(rng, (n, T), rho=0.9, sd=0.005)
    firms = np.round(
        population
        / 1000
        * per_thousand[:, None]
        * np.exp(trend[:, None] * YEARS_SINCE_2012 + noise)
    )
    sme_share = rng.uniform(0.85, 0.95, n)[:, None] + rng.normal(0.0, 0.003, (n, T))
    return firms, np.round(firms * np.clip(sme_share, 0.5, 0.99))


def _tax_revenue(rng: np.random.Generator, employment: np.ndarray, wage: np.ndarray) -> np.ndarray:
    n = len(employment)
    rate = rng.uniform(0.18, 0.28, n)[:, None]  # taxes collected per rouble of payroll
    noise = np.exp(rng.normal(0.0, 0.05, (n, T)))
    return np.round(employment * wage * 3 * rate * TAX_SEASON * noise / 1e6, 1)


def municipal_counterfactual(
    rng: np.random.Generator,
    region_index: np.ndarray,
    is_centre: np.ndarray,
    regional: RegionalDraws | None = None,
    town: tuple[float, float] = TOWN_POPULATION,
) -> tuple[MunicipalPanel, RegionalDraws]:
    """Every statistic for every municipality and quarter, as if no park existed, and the
    regional draws behind them. ``regional`` given: the municipalities share those draws
    (nothing regional is drawn); ``town``: 2012 population range of non-centres."""
    population = _population(rng, is_centre, town)
    shock = base = wages = None
    if regional is not None:
        shock, base = regional.employment_shock, regional.unemployment_base
        wages = (regional.wage_level, regional.wage_growth)
    employment, shock = _employment(rng, population, region_index, shock)
    unemployment, base = _unemployment(rng, region_index, base)
    wage, (level, growth) = _wage(rng, region_index, is_centre, wages)
    investment = _fixed_investment(rng, population)
    firms, sme = _firms(rng, population)
    taxes = _tax_revenue(rng, employment, wage)
    panel = MunicipalPanel(
        population, employment, unemployment, wage, investment, firms, sme, taxes
    )
    return panel, RegionalDraws(shock, base, level, growth)


def region_aggregates(
    panel: MunicipalPanel, region_index: np.ndarray, n_regions: int
) -> dict[str, np.ndarray]:
    """Region x quarter statistics from their municipalities: sums, employment-weighted wages
    and labour-force-weighted unemployment, so the two levels agree."""

    def total(values: np.ndarray) -> np.ndarray:
        out = np.zeros((n_regions, values.shape[1]))
        np.add.at(out, region_index, values)
        return out

    labour_force = panel.employment / (1 - panel.unemployment_rate / 100)
    employment = total(panel.employment)
    # Rounded to the precision the inputs carry, as a statistics office would publish them
    # (and so float noise of the sums never reaches a file).
    return {
        "population": np.round(total(panel.population)),
        "employment": np.round(employment, 1),
        "unemployment_rate": np.round(
            total(panel.unemployment_rate * labour_force) / total(labour_force), 2
        ),
        "avg_wage": np.round(total(panel.avg_wage * panel.employment) / employment, 2),
        "fixed_investment": np.round(total(panel.fixed_investment), 1),
        "firms_count": np.round(total(panel.firms_count)),
        "sme_count": np.round(total(panel.sme_count)),
        "tax_revenue": np.round(total(panel.tax_revenue), 1),
    }


def long_frame(
    values: dict[str, np.ndarray], codes: pd.Series | list[str], key: str
) -> pd.DataFrame:
    """area x quarter x indicator rows (column ``key`` holds the area code) from wide arrays."""
    codes = np.asarray(codes, dtype=object)
    frames = []
    for indicator in STATISTICS:
        array = values[indicator]
        frames.append(
            pd.DataFrame(
                {
                    key: np.repeat(codes, T),
                    "quarter": np.tile(QUARTERS.values, len(codes)),
                    "indicator": indicator,
                    "value": array.reshape(-1).astype(float),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame[key] = frame[key].astype("str")
    return frame
