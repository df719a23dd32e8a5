"""Peer groups: bands, fallback for small groups, mid-rank percentiles worked out by hand, and
the ranking's within-peer-group mode equal to ranking each group on its own."""

import numpy as np
import pandas as pd
import pytest

from analytics.kpi.formulas import park_kpis
from analytics.kpi.ranking import rank_parks
from analytics.policy.peers import (
    age_band,
    assign_peer_groups,
    peer_percentiles,
    percentile_within,
    rank_within_peers,
    size_band,
)
from analytics.warehouse import connect


def test_bands_at_their_edges():
    assert size_band(pd.Series([24.9, 25.0, 99.9, 100.0, 300.0])).tolist() == [
        "under_25", "25_100", "25_100", "100_300", "300_plus",
    ]  # fmt: skip
    opened = pd.Series(pd.to_datetime(["2022-12-31", "2023-01-02", "2019-12-31", None]))
    # 2025Q4 ends 2025-12-31: exactly 3 years (1096 days / 365.25 = 3.0007) is 3-6.
    assert age_band(pd.Timestamp("2025-10-01"), opened).tolist() == [
        "3_6", "under_3", "6_plus", "not_open",
    ]  # fmt: skip


def test_percentiles_by_hand():
    values = pd.Series([10.0, 20.0, 20.0, 40.0, np.nan, 5.0])
    groups = pd.Series(["a", "a", "a", "a", "a", "b"])
    # Group a has 4 values: 10 -> (0 + 0.5)/4 = 12.5; 20 -> (1 + 1)/4 = 50; 40 -> (3 + .5)/4.
    got = percentile_within(values, groups)
    assert got.tolist()[:4] == [12.5, 50.0, 50.0, 87.5]
    assert np.isnan(got.iloc[4]) and got.iloc[5] == 50.0
    assert percentile_within(values, groups, lower_is_better=True).iloc[0] == 87.5


def test_small_groups_fall_back_to_coarser_ones():
    dims = pd.DataFrame(
        {
            "park_id": list("ABCDEF"),
            "park_type": ["sez"] * 3 + ["industrial_park"] * 2 + ["technopark"],
            "size_band": ["300_plus"] * 3 + ["25_100", "100_300"] + ["under_25"],
            "age_band": ["3_6"] * 3 + ["3_6"] * 2 + ["3_6"],
            "region_type": ["centre"] * 3 + ["centre", "periphery"] + ["centre"],
        }
    )
    groups = assign_peer_groups(dims, min_size=2).set_index("park_id")
    assert groups.loc["A", "peer_group"] == "sez/300_plus/3_6/centre"
    assert groups.loc["A", "peer_level"] == 4
    # D and E differ in size: only their type has 2 parks.
    assert groups.loc["D", "peer_group"] == groups.loc["E", "peer_group"] == "industrial_park"
    assert groups.loc["F", "peer_level"] == 1


def test_demo_peer_percentiles_and_ranking_within_groups(demo_db):
    with connect(demo_db, read_only=True) as con:
        kpis = park_kpis(con)
        parks = con.execute("SELECT * FROM park").df()
        munis = con.execute("SELECT * FROM municipality").df()
    table = peer_percentiles(kpis, parks, munis, "2025Q3")
    assert (table["peer_count"] >= 3).all() or (table["peer_level"] == 1).any()
    pct = table["occupancy_rate_percentile"].dropna()
    assert ((pct > 0) & (pct <= 100)).all()
    assert (table.groupby("peer_group")["park_type"].nunique() == 1).all()

    ranking = rank_within_peers(kpis, parks, munis, "2025Q3")
    assert ranking.by == "peer_group"
    groups = table.set_index("park_id")["peer_group"]
    for group, members in groups.groupby(groups):
        own = rank_parks(kpis[kpis["park_id"].isin(members.index)], "2025Q3")
        got = ranking.table[ranking.table["group"] == group].set_index("park_id")
        pd.testing.assert_series_equal(
            got["rank"].sort_index(), own.table.set_index("park_id")["rank"].sort_index(),
            check_names=False,
        )  # fmt: skip
        assert got["index"].sort_index().to_numpy() == pytest.approx(
            own.table.set_index("park_id")["index"].sort_index().to_numpy(), nan_ok=True
        )
