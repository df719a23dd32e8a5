"""The composite index on a hand-computed case: min-max scores, re-normalised weights for a
missing component, a thin-evidence flag and the rank change since last quarter."""

import math

import pandas as pd
import pytest

from analytics.kpi.ranking import DEFAULT_WEIGHTS, component_scores, rank_parks

NAN = float("nan")
WEIGHTS = {"occupancy_rate": 0.5, "jobs_per_ha": 0.3, "budget_efficiency": 0.2}


def _kpis():
    rows = [
        # quarter, park, occupancy, jobs/ha, budget efficiency, type
        ("2025-04-01", "X", 0.8, 10.0, NAN, "technopark"),
        ("2025-04-01", "Y", 0.4, 30.0, 2.0, "industrial_park"),
        ("2025-04-01", "Z", 0.2, 20.0, 1.0, "industrial_park"),
        ("2025-01-01", "X", 0.8, 30.0, 2.0, "technopark"),
        ("2025-01-01", "Y", 0.4, 10.0, 1.0, "industrial_park"),
        ("2025-01-01", "Z", 0.2, 20.0, NAN, "industrial_park"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "quarter",
            "park_id",
            "occupancy_rate",
            "jobs_per_ha",
            "budget_efficiency",
            "park_type",
        ],
    )
    return frame.assign(quarter=pd.to_datetime(frame["quarter"]))


def test_index_ranks_and_changes_by_hand():
    ranking = rank_parks(_kpis(), "2025Q2", WEIGHTS)
    table = ranking.table.set_index("park_id")
    # scores Q2: occupancy X (0.8-0.2)/0.6 = 100, Y 0.2/0.6 = 33.33, Z 0;
    # jobs/ha X 0, Y 100, Z (20-10)/20 = 50; budget efficiency X missing, Y 100, Z 0.
    # X: (0.5*100 + 0.3*0) / 0.8 = 62.5 (weights re-normalised over the two it has)
    # Y: 0.5*33.33 + 0.3*100 + 0.2*100 = 66.67;  Z: 0.3*50 = 15
    assert table.loc["X", "index"] == pytest.approx(62.5)
    assert table.loc["Y", "index"] == pytest.approx(50 / 3 + 50)
    assert table.loc["Z", "index"] == pytest.approx(15.0)
    assert table["rank"].to_dict() == {"Y": 1, "X": 2, "Z": 3}
    # X rests on 0.8 of the weight and 2 of 3 components -> flagged
    assert table.loc["X", "weight_used"] == pytest.approx(0.8)
    assert table["thin"].to_dict() == {"Y": False, "X": True, "Z": False}
    # Q1: X 100; Y 0.5*33.33 = 16.67; Z (0 + 0.3*50) / 0.8 = 18.75 -> X 1, Z 2, Y 3
    assert table["rank_previous"].to_dict() == {"Y": 3, "X": 1, "Z": 2}
    assert table["rank_change"].to_dict() == {"Y": 2, "X": -1, "Z": -1}
    # the missing value is listed, not imputed
    assert ranking.missing.values.tolist() == [["X", "budget_efficiency"]]
    assert math.isnan(table.loc["X", "budget_efficiency_score"])


def test_peer_groups_rank_separately():
    table = rank_parks(_kpis(), "2025Q2", WEIGHTS, by="park_type").table.set_index("park_id")
    # industrial parks Y, Z: occupancy Y 100, Z 0; jobs Y 100, Z 0; efficiency Y 100, Z 0
    assert table.loc["Y", "index"] == pytest.approx(100.0)
    assert table.loc["Z", "index"] == pytest.approx(0.0)
    # a single technopark scores 100 on what it has (nobody to be behind)
    assert table.loc["X", "index"] == pytest.approx(100.0)
    assert table["rank"].to_dict() == {"X": 1, "Y": 1, "Z": 2}


def test_lower_is_better_and_equal_values():
    values = pd.DataFrame({"payback_year": [2023.0, 2025.0, NAN], "same": [5.0, 5.0, 5.0]})
    scores = component_scores(values)
    assert scores["payback_year"].tolist()[:2] == [100.0, 0.0]
    assert math.isnan(scores["payback_year"].iloc[2])
    assert scores["same"].tolist() == [100.0, 100.0, 100.0]


def test_bad_weights_are_refused():
    with pytest.raises(ValueError, match="unknown ranking components"):
        rank_parks(_kpis(), "2025Q2", {"charm": 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        rank_parks(_kpis(), "2025Q2", {"occupancy_rate": -1.0})
    assert abs(sum(DEFAULT_WEIGHTS.values()) - 1) < 1e-12
