"""Relative growth and distance rings around parks.

Relative growth (World Bank zone review style): an area's indicator as an index of its own
base-quarter level, divided by the same index of the area it belongs to (municipality ->
region, region -> country), minus 1. ``relative = 0.05`` means the area grew 5% more than its
region/country since the base quarter. A country's series is the sum of its regions for
indicators aggregated by sum and their plain mean for the others (catalogue ``aggregation``).

Distance rings (spillovers and displacement): great-circle (haversine, mean Earth radius
6,371.0088 km) distance from each municipality's coordinates to each park's. For every ring
[inner, outer) km (default 0-10, 10-25, 25-50) :func:`ring_treatment` gives each municipality
the first quarter a park opened at that distance, leaving out the parks it hosts (they are the
direct treatment, ``host_treat_time``). :func:`ring_sample` turns one ring into the input of
``analytics.effects.cs.att_gt`` (a ``treat_time`` column, NaT = never treated): municipalities
whose nearest exposure is that ring and that host no park, against municipalities with no park
within the outermost ring and none of their own. The ATT is then the spillover on neighbours
at that distance (negative = displacement). :func:`ring_effect` runs it on the warehouse's
municipal panel (the one park effects use). The demo plants a spillover in employment
(``analytics.demo.spillover``) that the ring estimates recover (tests/policy/test_spillover_demo.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from analytics.errors import UserError
from analytics.kpi.formulas import parse_quarter
from analytics.quarter import Quarter, quarter_start_series

if TYPE_CHECKING:
    from analytics.effects.cs import ATTGTResult
    from analytics.effects.results import EffectResult

EARTH_RADIUS_KM = 6371.0088
RINGS: tuple[tuple[float, float], ...] = ((0.0, 10.0), (10.0, 25.0), (25.0, 50.0))


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasts)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def ring_column(ring: tuple[float, float]) -> str:
    return f"ring_{ring[0]:g}_{ring[1]:g}"


def _check_rings(rings: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    checked = tuple((float(a), float(b)) for a, b in rings)
    ordered = all(0 <= a < b for a, b in checked) and all(
        checked[i][1] <= checked[i + 1][0] for i in range(len(checked) - 1)
    )
    if not checked or not ordered:
        raise ValueError(
            f"rings must be increasing, non-overlapping [inner, outer) km; got {rings}"
        )
    return checked


def ring_treatment(
    municipalities: pd.DataFrame,
    parks: pd.DataFrame,
    rings: Sequence[tuple[float, float]] = RINGS,
) -> pd.DataFrame:
    """One row per municipality: municipality_code, host_treat_time (first opening of a park
    it hosts), one ``ring_<inner>_<outer>`` column per ring with the first quarter (its first
    day) a park it does not host opened at that distance, and nearest_park_km.

    ``municipalities``: code (or municipality_code), latitude, longitude. ``parks``: park_id,
    municipality_code, latitude, longitude, opened_on (NaT = never opened; such parks count
    for no ring). Quarters are those of the opening dates.
    """
    rings = _check_rings(rings)
    code = "code" if "code" in municipalities else "municipality_code"
    munis = municipalities.dropna(subset=["latitude", "longitude"])
    opened = parks[pd.to_datetime(parks["opened_on"]).notna()].dropna(
        subset=["latitude", "longitude"]
    )
    if munis.empty:
        raise UserError("policy.no_coordinates")
    opening = quarter_start_series(pd.to_datetime(opened["opened_on"])).to_numpy()
    distance = haversine_km(
        munis["latitude"].to_numpy(float)[:, None],
        munis["longitude"].to_numpy(float)[:, None],
        opened["latitude"].to_numpy(float)[None, :],
        opened["longitude"].to_numpy(float)[None, :],
    )
    hosts = munis[code].to_numpy(object)[:, None] == opened["municipality_code"].to_numpy(object)
    out = pd.DataFrame({"municipality_code": munis[code].to_numpy()})
    out["host_treat_time"] = _first(opening, hosts)
    for inner, outer in rings:
        inside = (distance >= inner) & (distance < outer) & ~hosts
        out[ring_column((inner, outer))] = _first(opening, inside)
    away = np.where(hosts, np.inf, distance)
    out["nearest_park_km"] = away.min(axis=1) if away.shape[1] else np.inf
    return out


def _first(opening: np.ndarray, mask: np.ndarray) -> pd.Series:
    """Earliest opening per row among the columns in ``mask`` (NaT when none)."""
    if mask.shape[1] == 0:
        return pd.Series(pd.NaT, index=range(mask.shape[0]), dtype="datetime64[ns]")
    stamps = np.where(mask, opening[None, :].astype("datetime64[ns]"), np.datetime64("NaT"))
    return pd.DataFrame(stamps).min(axis=1).astype("datetime64[ns]")


def ring_sample(
    treatment: pd.DataFrame, ring: tuple[float, float], rings: Sequence[tuple[float, float]] = RINGS
) -> pd.DataFrame:
    """municipality_code and treat_time for one ring, in the shape ``att_gt`` reads.

    Treated: municipalities hosting no park whose first exposure to any park within the
    rings comes through ``ring`` and that are never exposed through a closer ring (a park
    opening closer later would mix the closer ring's effect into this one's). Controls
    (treat_time NaT): municipalities hosting no park with no park ever within the outermost
    ring. Others (hosts, exposed first or later through a closer ring) are left out.
    """
    rings = _check_rings(rings)
    ring = (float(ring[0]), float(ring[1]))
    if ring not in rings:
        raise ValueError(f"ring must be one of {rings}; got {ring}")
    columns = [ring_column(r) for r in rings]
    first_any = treatment[columns].min(axis=1)
    own = treatment[ring_column(ring)]
    no_host = treatment["host_treat_time"].isna()
    closer = [ring_column(r) for r in rings if r[1] <= ring[0]]
    ever_closer = treatment[closer].notna().any(axis=1) if closer else False
    treated = no_host & own.notna() & (own == first_any) & ~ever_closer
    control = no_host & first_any.isna()
    sample = treatment.loc[treated | control, ["municipality_code"]].copy()
    sample["treat_time"] = own.where(treated)[treated | control]
    return sample.reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# Relative growth


def relative_growth(
    values: pd.DataFrame,
    reference: pd.DataFrame,
    parent: pd.Series,
    base_quarter: str | dt.date,
) -> pd.DataFrame:
    """Growth of each area relative to the area it belongs to.

    ``values``: code, quarter, value; ``reference``: code, quarter, value of the parent areas;
    ``parent``: area code -> parent code. Returns code, parent_code, quarter, value, index
    (value / base-quarter value), reference_index and relative (index / reference_index - 1);
    NaN where a base value is missing or zero.
    """
    base = pd.Timestamp(parse_quarter(base_quarter))
    own = _indexed(values, base)
    ref = _indexed(reference, base).rename(
        columns={"code": "parent_code", "index": "reference_index", "value": "reference_value"}
    )
    own["parent_code"] = own["code"].map(parent)
    out = own.merge(ref, on=["parent_code", "quarter"], how="left")
    out["relative"] = out["index"] / out["reference_index"].where(out["reference_index"] > 0) - 1
    return out[
        ["code", "parent_code", "quarter", "value", "index", "reference_index", "relative"]
    ].sort_values(["code", "quarter"], ignore_index=True)


def _indexed(frame: pd.DataFrame, base: pd.Timestamp) -> pd.DataFrame:
    frame = frame.assign(quarter=pd.to_datetime(frame["quarter"]))
    base_value = frame[frame["quarter"] == base].set_index("code")["value"]
    level = frame["code"].map(base_value).astype(float)
    return frame.assign(index=frame["value"] / level.where(level > 0))


def area_relative_growth(
    con: duckdb.DuckDBPyConnection,
    level: str,
    indicator: str,
    base_quarter: str | dt.date,
) -> pd.DataFrame:
    """``relative_growth`` from the warehouse: ``level`` 'municipality' (against its region) or
    'region' (against its country)."""
    if level not in ("municipality", "region"):
        raise ValueError(f"level must be 'municipality' or 'region'; got {level!r}")
    regions = con.execute(
        "SELECT region_code AS code, quarter, value FROM region_quarter WHERE indicator = ?",
        [indicator],
    ).df()
    if level == "municipality":
        values = con.execute(
            "SELECT municipality_code AS code, quarter, value FROM municipality_quarter"
            " WHERE indicator = ?",
            [indicator],
        ).df()
        parent = con.execute("SELECT code, region_code FROM municipality").df()
        return relative_growth(
            values, regions, parent.set_index("code")["region_code"], base_quarter
        )
    aggregation = con.execute(
        "SELECT aggregation FROM indicator WHERE entity = 'region' AND code = ?", [indicator]
    ).fetchone()
    how = "sum" if aggregation and aggregation[0] == "sum" else "mean"
    country = con.execute("SELECT code, country_code FROM region").df()
    parent = country.set_index("code")["country_code"]
    totals = regions.assign(code=regions["code"].map(parent)).groupby(["code", "quarter"])
    reference = totals["value"].sum(min_count=1) if how == "sum" else totals["value"].mean()
    return relative_growth(values=regions, reference=reference.reset_index(), parent=parent,
                           base_quarter=base_quarter)  # fmt: skip


def municipal_ring_treatment(
    con: duckdb.DuckDBPyConnection, rings: Sequence[tuple[float, float]] = RINGS
) -> pd.DataFrame:
    """``ring_treatment`` of the warehouse's municipalities and parks."""
    municipalities = con.execute("SELECT code, latitude, longitude FROM municipality").df()
    parks = con.execute(
        "SELECT park_id, municipality_code, latitude, longitude, opened_on FROM park"
    ).df()
    return ring_treatment(municipalities, parks, rings)


@dataclass(frozen=True)
class RingEffect:
    """A ring's spillover: ``result`` is the Callaway-Sant'Anna simple aggregation (log
    points for ``transform="log"``), ``att_gt`` its group-time ATTs, ``data`` the panel it was
    estimated on (unit, quarter, raw, value, filled, treat_time "2017Q3" or "" = control)."""

    ring: tuple[float, float]
    result: EffectResult
    att_gt: ATTGTResult
    data: pd.DataFrame

    @property
    def n_treated(self) -> int:
        return int(self.data.loc[self.data["treat_time"] != "", "unit"].nunique())

    @property
    def n_controls(self) -> int:
        return int(self.data.loc[self.data["treat_time"] == "", "unit"].nunique())


def ring_effect(
    con: duckdb.DuckDBPyConnection,
    ring: tuple[float, float],
    *,
    outcome: str = "employment",
    rings: Sequence[tuple[float, float]] = RINGS,
    transform: str = "log",
    alpha: float = 0.05,
) -> RingEffect:
    """The spillover of parks on municipalities first exposed at distance ``ring`` (km),
    against municipalities with no park within the outermost ring (:func:`ring_sample`).

    The panel is the park effects' (``analytics.effects.park_panel.park_panel``: balanced, short
    gaps filled, units hosting a park not yet open left out), so a ring estimate and a host
    estimate of the same outcome are comparable. Comparisons are never-exposed units only:
    a not-yet-exposed neighbour may already feel a park just outside the ring.
    """
    (effect,) = ring_effects(con, outcome=outcome, rings=rings, only=[ring], transform=transform,
                             alpha=alpha)  # fmt: skip
    return effect


def ring_effects(
    con: duckdb.DuckDBPyConnection,
    *,
    outcome: str = "employment",
    rings: Sequence[tuple[float, float]] = RINGS,
    only: Sequence[tuple[float, float]] | None = None,
    transform: str = "log",
    alpha: float = 0.05,
) -> list[RingEffect]:
    """:func:`ring_effect` of every ring in ``only`` (default: all ``rings``), reading the panel
    and the distances once for all of them."""
    # Imported here: the regions page imports this module and needs no estimator.
    from analytics.effects.cs import aggte, att_gt
    from analytics.effects.park_panel import park_panel

    panel = park_panel(con, outcome=outcome, transform=transform).data.drop(columns="first_quarter")
    exposure = municipal_ring_treatment(con, rings)
    effects = []
    for ring in rings if only is None else only:
        sample = ring_sample(exposure, ring, rings)
        treat_time = [("" if pd.isna(v) else Quarter.of(v).label) for v in sample["treat_time"]]
        units = pd.DataFrame({"unit": sample["municipality_code"], "treat_time": treat_time})
        # The estimator names its result after the column: the indicator, not "value".
        data = panel.merge(units, on="unit").rename(columns={"value": outcome})
        result = att_gt(
            data, unit="unit", time="quarter", outcome=outcome, treat_time="treat_time",
            control="never", alpha=alpha,
        )  # fmt: skip
        ring_km = (float(ring[0]), float(ring[1]))
        effects.append(RingEffect(ring_km, aggte(result, "simple"), result, data))
    return effects


def ring_effects_table(
    con: duckdb.DuckDBPyConnection,
    outcome: str = "employment",
    rings: Sequence[tuple[float, float]] = RINGS,
) -> pd.DataFrame:
    """Every ring's spillover on log ``outcome`` as a tidy table: ring_low, ring_high (km),
    estimate, se, ci_low, ci_high (log points), the same as percent changes (pct, pct_low,
    pct_high: exp(x) - 1), n_treated, n_controls."""
    rows = []
    for effect in ring_effects(con, outcome=outcome, rings=rings):
        result = effect.result
        rows.append(
            {
                "ring_low": effect.ring[0],
                "ring_high": effect.ring[1],
                "estimate": result.estimate,
                "se": result.se,
                "ci_low": result.ci_low,
                "ci_high": result.ci_high,
                "n_treated": effect.n_treated,
                "n_controls": effect.n_controls,
            }
        )
    table = pd.DataFrame(rows)
    for log_column, pct_column in (
        ("estimate", "pct"),
        ("ci_low", "pct_low"),
        ("ci_high", "pct_high"),
    ):
        table[pct_column] = np.expm1(table[log_column])
    return table
