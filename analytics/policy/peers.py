"""Peer groups: parks compared with parks like them, not with all parks.

A park's peer group as of a quarter is the combination of

* ``park_type`` (industrial park, technopark, SEZ, industrial site);
* ``size_band`` of its total area: < 25, 25-100, 100-300, >= 300 ha (SIZE_BANDS);
* ``age_band``, years since the first resident to the end of the quarter: not open, < 3,
  3-6, >= 6 (AGE_BANDS);
* ``region_type``: ``centre`` when the park's municipality is its region's centre, else
  ``periphery``.

Groups of fewer than ``min_size`` parks are too small to compare within, so a park falls back
to a coarser grouping (dropping region type, then age, then size; LEVELS) until its group has
``min_size`` parks reporting; ``peer_level`` says which grouping was used. Within its group
every KPI is shown as a percentile: the mid-rank share of peers with a lower value
(100 x (below + 0.5 x equal) / n with the park itself counted), NaN for a missing value; for
KPIs where lower is better (``lower_is_better``) the percentile is reversed, so 100 is always
best. The composite ranking of ``analytics.kpi.ranking`` ranks within ``peer_group`` with
``rank_parks(kpis_with_peer_groups, quarter, by="peer_group")``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from analytics.kpi.formulas import PARK_KPIS, parse_quarter
from analytics.kpi.ranking import LOWER_IS_BETTER, Ranking, rank_parks
from analytics.quarter import Quarter

SIZE_BANDS: tuple[tuple[str, float], ...] = (
    ("under_25", 25.0),
    ("25_100", 100.0),
    ("100_300", 300.0),
    ("300_plus", float("inf")),
)
AGE_BANDS: tuple[tuple[str, float], ...] = (("under_3", 3.0), ("3_6", 6.0), ("6_plus", np.inf))
DIMENSIONS = ("park_type", "size_band", "age_band", "region_type")
LEVELS: tuple[tuple[str, ...], ...] = (
    DIMENSIONS,
    ("park_type", "size_band", "age_band"),
    ("park_type", "size_band"),
    ("park_type",),
)
MIN_PEERS = 3


def size_band(total_area_ha: pd.Series) -> pd.Series:
    area = pd.to_numeric(total_area_ha, errors="coerce").astype(float)
    out = pd.Series(pd.NA, index=area.index, dtype="object")
    lower = -np.inf
    for name, upper in SIZE_BANDS:
        out[(area >= lower) & (area < upper)] = name
        lower = upper
    return out


def age_band(quarter: dt.date, opened_on: pd.Series) -> pd.Series:
    end = pd.Timestamp(Quarter.of(quarter).end)
    years = (end - pd.to_datetime(opened_on)).dt.days / 365.25
    out = pd.Series("not_open", index=opened_on.index, dtype="object")
    lower = 0.0
    for name, upper in AGE_BANDS:
        out[(years >= lower) & (years < upper)] = name
        lower = upper
    return out


def peer_dimensions(
    parks: pd.DataFrame, municipalities: pd.DataFrame, quarter: str | dt.date
) -> pd.DataFrame:
    """park_id with park_type, size_band, age_band and region_type as of ``quarter``.

    ``parks``: the park mart; ``municipalities``: the municipality mart (code,
    is_regional_centre)."""
    q = parse_quarter(quarter)
    centre = municipalities.set_index("code")["is_regional_centre"]
    opened = parks["opened_on"] if "opened_on" in parks else parks["first_resident_on"]
    is_centre = parks["municipality_code"].map(centre).fillna(False).astype(bool)
    return pd.DataFrame(
        {
            "park_id": parks["park_id"],
            "park_type": parks["park_type"],
            "size_band": size_band(parks["total_area_ha"]),
            "age_band": age_band(q, opened),
            "region_type": np.where(is_centre, "centre", "periphery"),
        }
    )


def assign_peer_groups(
    dimensions: pd.DataFrame, members: Iterable[str] | None = None, min_size: int = MIN_PEERS
) -> pd.DataFrame:
    """``dimensions`` plus peer_group (a readable key) and peer_level (how many dimensions it
    uses), falling back to coarser levels for groups under ``min_size`` among ``members``
    (default: every park)."""
    frame = dimensions.copy()
    pool = frame if members is None else frame[frame["park_id"].isin(set(members))]
    frame["peer_group"] = pd.Series(pd.NA, index=frame.index, dtype="object")
    frame["peer_level"] = 0
    for level in LEVELS:
        key = frame[list(level)].astype(str).agg("/".join, axis=1)
        sizes = key[pool.index].value_counts()
        fits = frame["peer_group"].isna() & key.map(sizes).fillna(0).ge(min_size)
        frame.loc[fits, "peer_group"] = key[fits]
        frame.loc[fits, "peer_level"] = len(level)
    last = frame["peer_group"].isna()  # even the type has too few parks: its own small group
    frame.loc[last, "peer_group"] = frame.loc[last, "park_type"]
    frame.loc[last, "peer_level"] = 1
    return frame


def percentile_within(
    values: pd.Series, groups: pd.Series, lower_is_better: bool = False
) -> pd.Series:
    """Mid-rank percentile (0..100) of each value among the non-missing values of its group."""
    out = pd.Series(np.nan, index=values.index)
    for _, idx in values.groupby(groups, sort=False).groups.items():
        x = values.loc[idx].astype(float)
        valid = x.dropna().to_numpy()
        if valid.size == 0:
            continue
        below = (valid[None, :] < x.to_numpy()[:, None]).sum(axis=1)
        equal = (valid[None, :] == x.to_numpy()[:, None]).sum(axis=1)
        share = 100.0 * (below + 0.5 * equal) / valid.size
        share = np.where(x.isna(), np.nan, share)
        out.loc[idx] = 100.0 - share if lower_is_better else share
    return out


def peer_percentiles(
    kpis: pd.DataFrame,
    parks: pd.DataFrame,
    municipalities: pd.DataFrame,
    quarter: str | dt.date,
    columns: Iterable[str] = PARK_KPIS,
    lower_is_better: Iterable[str] = LOWER_IS_BETTER,
    min_size: int = MIN_PEERS,
) -> pd.DataFrame:
    """One row per park reporting in ``quarter``: its peer dimensions, peer_group, peer_level,
    peer_count and ``<kpi>_percentile`` for every KPI in ``columns`` present in ``kpis``."""
    q = pd.Timestamp(parse_quarter(quarter))
    now = kpis[kpis["quarter"] == q]
    groups = assign_peer_groups(
        peer_dimensions(parks, municipalities, q.date()), now["park_id"], min_size
    )
    frame = now.merge(groups, on="park_id", how="left")
    frame["peer_count"] = frame.groupby("peer_group")["park_id"].transform("count")
    worse_low = set(lower_is_better)
    for column in [c for c in columns if c in frame]:
        frame[f"{column}_percentile"] = percentile_within(
            frame[column], frame["peer_group"], column in worse_low
        )
    return frame.reset_index(drop=True)


def with_peer_groups(
    kpis: pd.DataFrame,
    parks: pd.DataFrame,
    municipalities: pd.DataFrame,
    quarter: str | dt.date,
    min_size: int = MIN_PEERS,
) -> pd.DataFrame:
    """``kpis`` (all quarters) with the peer_group of ``quarter`` as a column, so the ranking's
    previous-quarter rank is computed within the same groups."""
    q = parse_quarter(quarter)
    members = kpis.loc[kpis["quarter"] == pd.Timestamp(q), "park_id"]
    groups = assign_peer_groups(peer_dimensions(parks, municipalities, q), members, min_size)
    return kpis.merge(groups[["park_id", "peer_group"]], on="park_id", how="left")


def rank_within_peers(
    kpis: pd.DataFrame,
    parks: pd.DataFrame,
    municipalities: pd.DataFrame,
    quarter: str | dt.date,
    weights: Mapping[str, float] | None = None,
    min_size: int = MIN_PEERS,
) -> Ranking:
    """The composite ranking of ``analytics.kpi.ranking`` in its within-peer-group mode."""
    frame = with_peer_groups(kpis, parks, municipalities, quarter, min_size)
    return rank_parks(frame, quarter, weights, by="peer_group")
