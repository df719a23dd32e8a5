"""The simulated demo data set, deterministic from a seed, with park effects planted in it.

``generate(seed)`` returns a :class:`DemoData` of DataFrames whose columns are exactly those of
the warehouse's reference and raw tables (without ``source_id``), plus the truth tables. It
touches no database (``analytics.demo.load`` does the loading). All of it is invented.

What is simulated (magnitudes of Russian regions; quarters 2012Q1-2025Q4 as the DATE of the
quarter's first day):

* geography (:mod:`analytics.demo.geography`): the "Demo Republic" (XD), 4 districts,
  15 regions, 6-10 municipalities per region (one larger regional centre each), plus
  1-4 smaller settlements 3-15 km from each of them (:mod:`analytics.demo.spillover`;
  ~300 municipalities in all);
* municipal statistics (:mod:`analytics.demo.statistics`): population, employment,
  unemployment rate, average wage, fixed-capital investment, firms, SMEs, tax revenue,
  with trends, regional shocks, the 2015 and 2020Q2 dips, seasonality and AR(1) noise;
  ~1% of values blank and two municipalities whose 2025Q4 is not yet published. Region
  statistics are aggregated from the complete municipal values (sums; employment-weighted
  wage; labour-force-weighted unemployment), so both levels agree wherever a municipal
  value is published;
* 60 parks (:mod:`analytics.demo.parks`): 30 industrial parks, 12 technoparks, 6 SEZs,
  12 industrial sites; 40 operating (opening in staggered cohorts over 2015-2025, 3-4 per
  year), 8 under construction and 7 projects (founded 2021-2025, no resident yet), 5 closed
  (never got a resident). Placement selects on levels only (bigger municipalities are more
  likely hosts, opening dates are independent of municipal trends), so parallel trends hold
  and estimators can recover the truth.

Planted effects (``PLANTED_EFFECTS``). For an operating park p of type k in municipality m,
opened in quarter g, at event time e = t - g (quarters since opening), e >= 0:

    employment effect  = NET_SHARE[k] * jobs_total[p, t]
    avg_wage effect    = W0[m, t] * WAGE_LIFT[k] * min(1, (e + 1) / 12)

with NET_SHARE = {sez: 0.8, industrial_park: 0.7, technopark: 0.5, industrial_site: 0.6}
(jobs net of displacement), WAGE_LIFT = {sez: 0.04, industrial_park: 0.03, technopark: 0.05,
industrial_site: 0.015}, jobs_total the true jobs at the park's residents at the end of the
quarter (what the park reports when it reports; the effect is there in unreported quarters
too) and W0 the municipality's counterfactual wage (whole roubles). Before opening, and for
parks that never opened, the effect is 0. Observed statistics are

    employment[m, t] = E0[m, t] + sum over parks p in m of employment effect[p, t]
    avg_wage[m, t]   = W0[m, t] + sum over parks p in m of avg_wage effect[p, t]

where E0 (whole persons) and W0 are the counterfactuals (observed employment is stored to
0.1 person, which is exact since NET_SHARE x whole jobs has one decimal; observed wages are
rounded to the kopeck, so W0 is recovered to half a kopeck); effects of two parks in one
municipality add up and reach the region aggregates. ``truth_effect`` holds one row per
operating park x quarter (2012Q1-2025Q4) x outcome with event_time and the exact effect
(0 before opening). Only employment and avg_wage carry effects: population, unemployment,
investment, firms, SMEs and tax revenue are counterfactual (placebo outcomes).

Spillovers (``PLANTED_EFFECTS["employment_spillover"]``, :mod:`analytics.demo.spillover`).
A municipality hosting no operating park, d km from an operating park p (great circle
between their coordinates), gains

    employment spillover = round(SPILLOVER_SHARE(d) * jobs_total[p, t]) for event_time >= 0

whole persons, with SPILLOVER_SHARE 0.10 within 10 km, 0.03 from 10 to 25 km and 0 beyond
(for a settlement of 10,000 employed near a park of 1,500 jobs: +1.5% within 10 km, +0.45%
from 10 to 25 km). Their truth is in ``truth_effect`` too, as rows whose municipality is
not the park's own, so employment minus the summed truth is the counterfactual for every
municipality. Neighbours' wages and other statistics carry no spillover (placebos). The
host effects' comparison municipalities include neighbours of parks, which are thereby
contaminated (a host employment estimate against them is ~0.0025 log points low on the
default seed; see tests/effects/test_parks.py).

A typical park's full employment effect (median over parks opened by 2019: ~1,000 for an
industrial park, ~400 for a technopark, 1,300-5,000 for an SEZ, ~250 for an industrial site)
is several times the municipal noise s.d.: idiosyncratic AR(1) noise with a stationary s.d.
of 0.46% of employment at 20,000 employed, shrinking with the square root of size (~90
persons for a town, a few hundred for a regional centre).

Parallel trends. Common shocks (business cycle, seasonality, regional shocks) are
proportional and no trend depends on size, so parallel trends hold in logs and for outcomes
scaled by the municipality's own level (employment / its 2012 level; compare with effect /
counterfactual, the counterfactual being employment minus the summed truth). Because parks
favour bigger municipalities they do *not* hold in raw levels: the 2020Q2 dip moves a
regional centre by ~20,000 jobs and a town by ~1,000. Estimate on logs or scaled outcomes,
or compare municipalities of similar size.

Roadmap targets: annual ('year', period_start = 1 January) from the opening year to 2026
for operating parks, for jobs_total, residents_count, investment_cumulative and
area_occupied_ha; the value reported for Q4 must reach the target. A quarter of operating
parks are designed to miss 1-3 indicators from a chosen year on (realised ~40-70% of plan);
``truth_target_miss`` lists exactly the (park, indicator, year <= 2025) whose Q4 value is
below target, and ``generate`` checks that designed and realised misses coincide.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from analytics.demo.calendar import N_QUARTERS, QUARTERS, year_q4_index
from analytics.demo.geography import COUNTRY, DISTRICTS, build_geography
from analytics.demo.parks import (
    TARGET_INDICATORS,
    design_misses,
    park_registry,
    park_reports,
    roadmap_targets,
    simulate_paths,
)
from analytics.demo.policy import PARK_POLICY_COLUMNS, policy_additions
from analytics.demo.spillover import SPILLOVER_SHARE, SpilloverLayer, spillover_layer
from analytics.demo.statistics import (
    STATISTICS,
    MunicipalPanel,
    long_frame,
    municipal_counterfactual,
    region_aggregates,
)

DEFAULT_SEED = 20250301
NET_SHARE = MappingProxyType(
    {"sez": 0.8, "industrial_park": 0.7, "technopark": 0.5, "industrial_site": 0.6}
)
WAGE_LIFT = MappingProxyType(
    {"sez": 0.04, "industrial_park": 0.03, "technopark": 0.05, "industrial_site": 0.015}
)
WAGE_RAMP_QUARTERS = 12
PLANTED_EFFECTS = MappingProxyType(
    {
        "employment": MappingProxyType(
            {
                "formula": "NET_SHARE[park_type] * jobs_total[park, quarter] for event_time >= 0",
                "net_share": NET_SHARE,
                "unit": "persons",
            }
        ),
        "avg_wage": MappingProxyType(
            {
                "formula": "counterfactual_wage[municipality, quarter] * WAGE_LIFT[park_type]"
                " * min(1, (event_time + 1) / ramp_quarters) for event_time >= 0",
                "wage_lift": WAGE_LIFT,
                "ramp_quarters": WAGE_RAMP_QUARTERS,
                "unit": "currency per month",
            }
        ),
        "employment_spillover": MappingProxyType(
            {
                "formula": "round(share(distance_km) * jobs_total[park, quarter]) on every"
                " municipality hosting no operating park, for event_time >= 0",
                "outcome": "employment",
                "share_by_ring_km": MappingProxyType(
                    {(inner, outer): share for inner, outer, share in SPILLOVER_SHARE}
                ),
                "unit": "persons",
            }
        ),
    }
)
MUNICIPAL_MISSING_SHARE = 0.01
MUNICIPALITIES_LATE_2025Q4 = 2

REGION_COLUMNS = [
    "region_code",
    "country_code",
    "district_code",
    "name_ru",
    "name_uk",
    "name_en",
    "latitude",
    "longitude",
]
PARK_COLUMNS = [
    "park_id",
    "name_ru",
    "name_uk",
    "name_en",
    "park_type",
    "status",
    "ownership",
    "region_code",
    "municipality_code",
    "latitude",
    "longitude",
    "total_area_ha",
    "leasable_area_ha",
    "founded_on",
    "registered_on",
    "first_resident_on",
    "closed_on",
]

# Registry facts a real warehouse may state (migration 007: official statistical codes,
# population, register membership, the source document) that the simulated demo does not:
# their columns are there, empty, so the demo's frames are the warehouse's tables.
UNSTATED_COLUMNS = {
    "region": ("stat_code", "region_type", "population", "population_on"),
    "municipality": ("stat_code", "parent_code", "population", "population_on"),
    "park": ("in_register", "source_document"),
}


def _unstated(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame.assign(**dict.fromkeys(UNSTATED_COLUMNS[name]))


@dataclass(frozen=True)
class DemoData:
    """The demo tables. Column names are those of the warehouse tables (without source_id):
    ``country`` and ``district`` are reference tables, the rest ``raw_<name>`` tables, plus
    ``truth_effect`` (parks' own effects, then spillovers), ``truth_target_miss`` and
    ``truth_compliance``."""

    seed: int
    country: pd.DataFrame
    district: pd.DataFrame
    region: pd.DataFrame
    municipality: pd.DataFrame
    park: pd.DataFrame
    park_quarter: pd.DataFrame
    park_target: pd.DataFrame
    region_quarter: pd.DataFrame
    municipality_quarter: pd.DataFrame
    truth_effect: pd.DataFrame
    truth_target_miss: pd.DataFrame
    truth_compliance: pd.DataFrame

    RAW_TABLES = (
        "region",
        "municipality",
        "park",
        "park_quarter",
        "park_target",
        "region_quarter",
        "municipality_quarter",
    )


def generate(seed: int = DEFAULT_SEED, spillover: bool = True) -> DemoData:
    """All demo tables from ``seed`` (same seed, same data; no database involved).

    ``spillover=False`` leaves out the settlements and the spillovers (the demo as it was
    before them: every other value is the same, see :mod:`analytics.demo.spillover`)."""
    rng = np.random.default_rng(seed)
    geography = build_geography(rng)  # first, so region_polygons(seed) matches
    municipality = geography.municipality
    region_index = municipality["region_code"].factorize(sort=True)[0]
    is_centre = municipality["is_regional_centre"].to_numpy(bool)
    panel, draws = municipal_counterfactual(rng, region_index, is_centre)

    registry = park_registry(rng, geography, panel.population[:, 0])
    designs = design_misses(rng, registry)
    paths = simulate_paths(rng, registry, designs)
    targets, designed_misses = roadmap_targets(rng, registry, paths, designs)
    protected = {
        (d.park, year_q4_index(year)) for d in designs for year in range(d.start_year, 2026)
    }
    reports = park_reports(rng, registry, paths, panel.avg_wage, protected)

    jobs = paths.jobs[:, :N_QUARTERS]
    truth = _truth_effects(registry, jobs, panel.avg_wage)
    layer = None
    if spillover:
        # Issue 8 (spillovers): settlements and spillovers come from a stream of their own.
        layer = spillover_layer(seed, geography, panel.population[:, 0], draws, registry, jobs)
    observed = _with_effects(panel, registry, truth, layer)
    municipal = _municipal_rows(rng, observed, municipality["municipality_code"])
    if layer is not None:
        municipality = pd.concat([municipality, layer.municipality], ignore_index=True)
        municipal = pd.concat([municipal, layer.rows], ignore_index=True)
        truth = pd.concat([truth, layer.truth], ignore_index=True)
        observed = _stack(observed, layer.panel)
        region_index = np.concatenate([region_index, layer.region_index])
    regional = long_frame(
        region_aggregates(observed, region_index, len(geography.region)),
        geography.region["region_code"],
        "region_code",
    )
    misses = _check_target_misses(reports, targets, designed_misses)
    # Issue 8 (statutory monitoring): drawn from a separate stream after everything above, so
    # the columns and rows that existed before are unchanged (tests/policy/test_demo_contract.py).
    policy = policy_additions(seed, registry, paths, reports)
    park = registry[PARK_COLUMNS].merge(policy.park, on="park_id", validate="one_to_one")
    return DemoData(
        seed=seed,
        country=pd.DataFrame([COUNTRY]),
        district=DISTRICTS.copy(),
        region=_unstated(geography.region[REGION_COLUMNS], "region"),
        municipality=_unstated(municipality, "municipality"),
        park=_unstated(park[[*PARK_COLUMNS, *PARK_POLICY_COLUMNS]], "park"),
        park_quarter=pd.concat([reports, policy.report_columns], axis=1),
        park_target=pd.concat([targets, policy.passports], ignore_index=True),
        region_quarter=regional,
        municipality_quarter=municipal,
        truth_effect=truth,
        truth_target_miss=misses,
        truth_compliance=policy.truth_compliance,
    )


def _truth_effects(
    registry: pd.DataFrame, jobs: np.ndarray, counterfactual_wage: np.ndarray
) -> pd.DataFrame:
    """One row per operating park x quarter x outcome; effects as in PLANTED_EFFECTS."""
    frames = []
    operating = np.flatnonzero(registry["status"].to_numpy(object) == "operating")
    for park in operating:
        info = registry.iloc[park]
        event = np.arange(N_QUARTERS) - info["opening_index"]
        opened = event >= 0
        employment = np.where(opened, NET_SHARE[info["park_type"]] * jobs[park], 0.0)
        ramp = np.minimum(1.0, (event + 1) / WAGE_RAMP_QUARTERS)
        wage = np.where(
            opened,
            counterfactual_wage[info["muni_index"]] * WAGE_LIFT[info["park_type"]] * ramp,
            0.0,
        )
        for outcome, effect in (("employment", employment), ("avg_wage", wage)):
            frames.append(
                pd.DataFrame(
                    {
                        "park_id": info["park_id"],
                        "municipality_code": info["municipality_code"],
                        "quarter": QUARTERS,
                        "outcome": outcome,
                        "event_time": event.astype("int32"),
                        "effect": effect,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _with_effects(
    panel: MunicipalPanel,
    registry: pd.DataFrame,
    truth: pd.DataFrame,
    layer: SpilloverLayer | None = None,
) -> MunicipalPanel:
    """The observed panel: counterfactual employment and wages plus every park's effect on
    its municipality and, with ``layer``, the spillovers on the others."""
    host = dict(zip(registry["park_id"], registry["muni_index"], strict=True))
    employment, wage = panel.employment.copy(), panel.avg_wage.copy()
    for (park_id, outcome), rows in truth.groupby(["park_id", "outcome"], sort=False):
        target = employment if outcome == "employment" else wage
        target[host[park_id]] += rows["effect"].to_numpy()
    if layer is not None:
        employment += layer.original_employment
    # Net shares x whole jobs have one decimal; wages are published to the kopeck.
    return dataclasses.replace(
        panel, employment=np.round(employment, 1), avg_wage=np.round(wage, 2)
    )


def _stack(first: MunicipalPanel, second: MunicipalPanel) -> MunicipalPanel:
    """Both panels' municipalities, ``first``'s rows first."""
    return MunicipalPanel(
        *(
            np.vstack([getattr(first, f.name), getattr(second, f.name)])
            for f in dataclasses.fields(MunicipalPanel)
        )
    )


def _municipal_rows(
    rng: np.random.Generator, panel: MunicipalPanel, codes: pd.Series
) -> pd.DataFrame:
    """Long municipal statistics with ~1% blanks and two municipalities' 2025Q4 unpublished."""
    frame = long_frame(
        {name: getattr(panel, name) for name in STATISTICS}, codes, "municipality_code"
    )
    blank = rng.random(len(frame)) < MUNICIPAL_MISSING_SHARE
    frame.loc[blank, "value"] = np.nan
    late = rng.choice(codes.to_numpy(object), size=MUNICIPALITIES_LATE_2025Q4, replace=False)
    unpublished = frame["municipality_code"].isin(late) & (frame["quarter"] == QUARTERS[-1])
    return frame[~unpublished].reset_index(drop=True)


def realised_target_misses(
    park_quarter: pd.DataFrame, park_target: pd.DataFrame, last_year: int = 2025
) -> pd.DataFrame:
    """(park_id, indicator, period_start) of annual targets whose reported Q4 value is below
    target, for years up to ``last_year``; a missing Q4 value is neither a hit nor a miss."""
    columns = ["park_id", "quarter", *TARGET_INDICATORS]
    q4 = park_quarter.loc[park_quarter["quarter"].dt.month == 10, columns].melt(
        id_vars=["park_id", "quarter"], var_name="indicator", value_name="value"
    )
    q4["period_start"] = q4["quarter"] - pd.DateOffset(months=9)
    annual = park_target[
        (park_target["period_type"] == "year") & (park_target["period_start"].dt.year <= last_year)
    ]
    joined = annual.merge(q4, on=["park_id", "indicator", "period_start"], how="inner")
    missed = joined[joined["value"].notna() & (joined["value"] < joined["target_value"])]
    return (
        missed[["park_id", "indicator", "period_start"]]
        .sort_values(["park_id", "indicator", "period_start"])
        .reset_index(drop=True)
    )


def _check_target_misses(
    reports: pd.DataFrame, targets: pd.DataFrame, designed: set[tuple[str, str, int]]
) -> pd.DataFrame:
    """truth_target_miss from the design, after checking the data realise exactly that design."""
    realised = realised_target_misses(reports, targets)
    realised_set = {(r.park_id, r.indicator, r.period_start.year) for r in realised.itertuples()}
    if realised_set != designed:
        raise RuntimeError(
            "demo generator bug: designed and realised target misses differ: "
            f"only designed {sorted(designed - realised_set)[:5]}, "
            f"only realised {sorted(realised_set - designed)[:5]}"
        )
    return realised
