"""The demo's spillovers (issue 8): settlements around the towns and jobs parks bring to them.

Everything here comes from ``np.random.default_rng([seed, SPILLOVER_STREAM])``, never from the
generator's main stream, so every value the demo produced before stays the same except where
a spillover is planted (``tests/policy/test_demo_contract.py`` checks it).

Settlements. The demo's municipalities lie ~100 km apart, so hardly any lies within 10 or
25 km of a park (2 and 3 of 121 for the default seed): no ring estimate could be informative.
Real municipal maps are denser around towns, so every municipality gets
``1 + min(3, population_2012 // 100,000)`` smaller neighbouring municipalities (kind
``settlement``, 5,000-40,000 inhabitants in 2012), each 3-15 km from the town in a random
direction and inside the town's region. Their names are the town's with a prefix
(Ново-/Старо-/Верхне-/Нижне-), their codes continue the region's numbering, and their
statistics follow the same processes as every other municipality, sharing their region's
draws (employment shock, unemployment level, wage level and growth). Where settlements go
depends on the towns only, never on parks; since parks favour big towns, big towns' many
settlements are often near a park, which is what lets the rings be estimated.

Spillover (``SPILLOVER_SHARE``). A municipality that hosts no operating park, at great-circle
distance d km from an operating park p (municipality and park coordinates), gains employment
after the park opens:

    employment spillover[m, t] = round(share(d) * jobs_total[p, t]),  t >= opening of p
    share(d) = 0.10 for d < 10 km, 0.03 for 10 <= d < 25 km, 0 from 25 km on

in whole persons (suppliers, services and commuters' spending near the park; each job at the
park brings a tenth of a job to every municipality within 10 km). Spillovers of several parks
add up. Hosts of operating parks get none (their own park's effect is the direct effect), nor
does any other outcome: avg_wage, unemployment and the rest of a neighbour stay
counterfactual, so their true spillover is zero (not a clean placebo test all the same: the
never-exposed comparisons lie in other regions, whose wage growth differs; see
tests/policy/test_spillover_demo.py). The truth is in
``truth_effect`` as rows whose municipality is not the park's own (park, neighbour, quarter,
outcome employment, event_time since the park opened, effect; 0 before opening).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.demo.calendar import N_QUARTERS, QUARTERS
from analytics.demo.geography import Geography, inside_region
from analytics.demo.statistics import (
    STATISTICS,
    MunicipalPanel,
    RegionalDraws,
    long_frame,
    municipal_counterfactual,
)

SPILLOVER_STREAM = 9  # issue 8 (spillovers): their own random stream
# (inner km, outer km, employment gained per job at the park); nothing from the last outer on.
SPILLOVER_SHARE: tuple[tuple[float, float, float], ...] = ((0.0, 10.0, 0.10), (10.0, 25.0, 0.03))
SETTLEMENT_KIND = "settlement"
SETTLEMENT_POPULATION = (5e3, 40e3)
SETTLEMENT_DISTANCE_KM = (3.0, 15.0)
SETTLEMENT_PREFIXES = (
    ("Ново", "Ново", "Novo"),
    ("Старо", "Старо", "Staro"),
    ("Верхне", "Верхньо", "Verkhne"),
    ("Нижне", "Нижньо", "Nizhne"),
)
SETTLEMENT_MISSING_SHARE = 0.01
MEAN_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Settlements:
    """The added municipalities: raw_municipality rows (``municipality``), their region index
    (regions in code order) and their counterfactual statistics."""

    municipality: pd.DataFrame
    region_index: np.ndarray
    panel: MunicipalPanel


def settlements(
    rng: np.random.Generator,
    geography: Geography,
    population_2012: np.ndarray,
    regional: RegionalDraws,
) -> Settlements:
    """Settlements around every municipality of ``geography`` (see the module docstring)."""
    towns = geography.municipality
    regions = geography.region.set_index("region_code")
    next_number = towns.groupby("region_code").size().to_dict()
    rows = []
    for town, population in zip(towns.itertuples(), population_2012, strict=True):
        region = regions.loc[town.region_code]
        for k in range(1 + min(3, int(population // 100_000))):
            lat, lon = _place(rng, geography, region, town.latitude, town.longitude)
            next_number[town.region_code] += 1
            prefix = SETTLEMENT_PREFIXES[k]
            rows.append(
                {
                    "municipality_code": f"{town.region_code}-{next_number[town.region_code]:03d}",
                    "region_code": town.region_code,
                    "name_ru": prefix[0] + town.name_ru.lower(),
                    "name_uk": prefix[1] + town.name_uk.lower(),
                    "name_en": prefix[2] + town.name_en.lower(),
                    "kind": SETTLEMENT_KIND,
                    "is_regional_centre": False,
                    "latitude": lat,
                    "longitude": lon,
                }
            )
    frame = pd.DataFrame(rows, columns=towns.columns)
    region_index = np.searchsorted(np.sort(regions.index.to_numpy()), frame["region_code"])
    panel, _ = municipal_counterfactual(
        rng, region_index, np.zeros(len(frame), bool), regional, SETTLEMENT_POPULATION
    )
    return Settlements(frame, region_index, panel)


def _place(
    rng: np.random.Generator, geography: Geography, region, lat: float, lon: float
) -> tuple[float, float]:
    """A point 3-15 km from (lat, lon) inside the region's cell (redrawn until it is)."""
    while True:
        km = rng.uniform(*SETTLEMENT_DISTANCE_KM)
        bearing = rng.uniform(0.0, 2 * np.pi)
        degree = np.pi * MEAN_EARTH_RADIUS_KM / 180
        new_lat = round(float(lat + km * np.cos(bearing) / degree), 4)
        new_lon = round(float(lon + km * np.sin(bearing) / (degree * np.cos(np.radians(lat)))), 4)
        if inside_region(
            geography, int(region["grid_col"]), int(region["grid_row"]), new_lon, new_lat
        ):
            return new_lat, new_lon


def distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance (mean Earth radius) from the straight chord between the points
    (the estimators use haversine; a second formula keeps the planted truth independent)."""
    phi1, lam1, phi2, lam2 = (np.radians(np.asarray(v, float)) for v in (lat1, lon1, lat2, lon2))
    dx = np.cos(phi1) * np.cos(lam1) - np.cos(phi2) * np.cos(lam2)
    dy = np.cos(phi1) * np.sin(lam1) - np.cos(phi2) * np.sin(lam2)
    dz = np.sin(phi1) - np.sin(phi2)
    chord = np.sqrt(dx**2 + dy**2 + dz**2)
    return 2 * MEAN_EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2, 0.0, 1.0))


def spillover_share(distance: np.ndarray) -> np.ndarray:
    """Employment gained per job at a park by a municipality ``distance`` km away."""
    share = np.zeros(np.shape(distance))
    for inner, outer, value in SPILLOVER_SHARE:
        share = np.where((distance >= inner) & (distance < outer), value, share)
    return share


def spillover_truth(
    registry: pd.DataFrame, jobs: np.ndarray, municipalities: pd.DataFrame
) -> pd.DataFrame:
    """truth_effect rows of the spillovers: one per operating park x municipality it reaches
    x quarter (outcome employment), in park then municipality order."""
    operating = registry.loc[registry["status"] == "operating"]
    hosts = set(operating["municipality_code"])
    frames = []
    for park in operating.itertuples():
        distance = distance_km(
            municipalities["latitude"].to_numpy(float),
            municipalities["longitude"].to_numpy(float),
            park.latitude,
            park.longitude,
        )
        share = spillover_share(distance)
        event = np.arange(N_QUARTERS) - park.opening_index
        for code, value in zip(municipalities["municipality_code"], share, strict=True):
            if value == 0 or code in hosts:
                continue
            effect = np.where(event >= 0, np.round(value * jobs[park.Index]), 0.0)
            frames.append(
                pd.DataFrame(
                    {
                        "park_id": park.park_id,
                        "municipality_code": code,
                        "quarter": QUARTERS,
                        "outcome": "employment",
                        "event_time": event.astype("int32"),
                        "effect": effect,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def spillover_matrix(truth: pd.DataFrame, codes: pd.Series) -> np.ndarray:
    """municipality (in ``codes`` order) x quarter sum of the spillover rows of ``truth``."""
    summed = truth.groupby(["municipality_code", "quarter"])["effect"].sum().unstack()
    return summed.reindex(index=codes, columns=QUARTERS).fillna(0.0).to_numpy()


def settlement_rows(
    rng: np.random.Generator, panel: MunicipalPanel, codes: pd.Series
) -> pd.DataFrame:
    """Long statistics of the settlements, ~1% of values blank like every municipality's."""
    frame = long_frame(
        {name: getattr(panel, name) for name in STATISTICS}, codes, "municipality_code"
    )
    frame.loc[rng.random(len(frame)) < SETTLEMENT_MISSING_SHARE, "value"] = np.nan
    return frame


@dataclass(frozen=True)
class SpilloverLayer:
    """What the spillovers add to a demo: the settlements (rows, region index, observed
    statistics with their spillovers, long rows as published), the truth rows, and the
    spillover on each of the demo's original municipalities (municipality x quarter)."""

    municipality: pd.DataFrame
    region_index: np.ndarray
    panel: MunicipalPanel
    rows: pd.DataFrame
    truth: pd.DataFrame
    original_employment: np.ndarray


def spillover_layer(
    seed: int,
    geography: Geography,
    population_2012: np.ndarray,
    regional: RegionalDraws,
    registry: pd.DataFrame,
    jobs: np.ndarray,
) -> SpilloverLayer:
    """Settlements and spillovers for one demo, from their own random stream."""
    rng = np.random.default_rng([seed, SPILLOVER_STREAM])
    added = settlements(rng, geography, population_2012, regional)
    everyone = pd.concat([geography.municipality, added.municipality], ignore_index=True)
    truth = spillover_truth(registry, jobs, everyone)
    codes = added.municipality["municipality_code"]
    employment = added.panel.employment + spillover_matrix(truth, codes)
    panel = dataclasses.replace(added.panel, employment=np.round(employment, 1))
    return SpilloverLayer(
        municipality=added.municipality,
        region_index=added.region_index,
        panel=panel,
        rows=settlement_rows(rng, panel, codes),
        truth=truth,
        original_employment=spillover_matrix(truth, geography.municipality["municipality_code"]),
    )
