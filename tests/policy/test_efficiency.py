"""Gross vs net jobs, cost per job and the legal status timeline, on hand-built numbers and
on the demo (the mart's SQL net_jobs against the Python formula)."""

import numpy as np
import pandas as pd
import pytest

from analytics.policy.efficiency import (
    EFFICIENCY_COLUMNS,
    add_efficiency,
    cost_efficiency,
    net_jobs,
)
from analytics.policy.timeline import legal_timeline, park_timeline
from analytics.warehouse import connect


def test_net_jobs_counts_new_firms_and_the_growth_of_relocated_ones():
    # 500 jobs; 120 at relocated firms which brought 100 with them: 380 new + 20 growth = 400.
    # Relocated firms that shrank (80 now, brought 100) add nothing: 500 - 80 = 420.
    got = net_jobs(
        pd.Series([500.0, 500.0, 500.0, np.nan]),
        pd.Series([120.0, 80.0, 0.0, 10.0]),
        pd.Series([100.0, 100.0, 0.0, 5.0]),
    )
    assert got.tolist()[:3] == [400.0, 420.0, 500.0] and np.isnan(got.iloc[3])
    assert np.isnan(net_jobs(pd.Series([5.0]), pd.Series([1.0]), pd.Series([np.nan])).iloc[0])


def test_cost_per_job_and_returns_per_unit_of_public_money():
    kpis = pd.DataFrame(
        {
            "jobs_total": [400.0, 0.0],
            "jobs_at_relocated_firms": [100.0, 0.0],
            "jobs_moved_in": [100.0, 0.0],
            "public_money_cumulative": [1000.0, 50.0],
            "budget_efficiency": [0.3, 0.0],
            "residents_revenue_cumulative": [8000.0, 0.0],
        }
    )
    out = add_efficiency(kpis)
    assert out["net_jobs"].tolist() == [300.0, 0.0]
    assert out["cost_per_job"].iloc[0] == pytest.approx(2.5)  # 1000 mln / 400 jobs
    assert out["cost_per_net_job"].iloc[0] == pytest.approx(1000 / 300)
    assert out["relocated_jobs_share"].iloc[0] == pytest.approx(0.25)
    assert out["revenue_per_public_money"].iloc[0] == pytest.approx(8.0)
    assert np.isnan(out["cost_per_job"].iloc[1])  # no jobs: undefined, not infinite


def test_demo_net_jobs_in_the_mart_equal_the_formula(demo_db):
    with connect(demo_db, read_only=True) as con:
        mart = con.execute("SELECT * FROM park_quarter").df()
        table = cost_efficiency(con, "2025Q3")
    expected = net_jobs(mart["jobs_total"], mart["jobs_at_relocated_firms"], mart["jobs_moved_in"])
    np.testing.assert_allclose(mart["net_jobs"], expected, equal_nan=True)
    assert (mart["net_jobs"].dropna() <= mart.loc[mart["net_jobs"].notna(), "jobs_total"]).all()
    assert list(table.columns) == ["park_id", "quarter", *EFFICIENCY_COLUMNS]
    assert (table["quarter"] == pd.Timestamp("2025-07-01")).all() and len(table) > 30
    assert table["cost_per_job"].notna().sum() > 30


def test_timeline_orders_the_milestones_and_skips_blanks():
    parks = pd.DataFrame(
        {
            "park_id": ["A", "B"],
            "founded_on": pd.to_datetime(["2015-01-01", "2016-01-01"]),
            "registered_on": pd.to_datetime(["2015-06-01", "2016-03-01"]),
            "management_company_on": pd.to_datetime(["2015-03-01", None]),
            "first_resident_on": pd.to_datetime(["2017-01-01", None]),
            "operating_on": pd.to_datetime(["2017-01-01", None]),
            "excluded_on": pd.to_datetime([None, "2019-04-01"]),
            "exclusion_reason": [None, "no_participants"],
            "closed_on": pd.to_datetime([None, "2019-04-01"]),
        }
    )
    table = legal_timeline(parks)
    a = table[table["park_id"] == "A"]
    assert a["milestone"].tolist() == [
        "founded", "management_company", "registered", "first_resident", "operating",
    ]  # fmt: skip
    b = table[table["park_id"] == "B"]
    assert b["milestone"].tolist() == ["founded", "registered", "excluded", "closed"]
    assert b.loc[b["milestone"] == "excluded", "reason"].item() == "no_participants"


def test_demo_timeline_has_every_milestone(demo_db):
    with connect(demo_db, read_only=True) as con:
        table = park_timeline(con)
        one = park_timeline(con, "XD-P001")
    assert set(table["milestone"]) == {
        "founded", "registered", "management_company", "first_resident", "operating",
        "excluded", "closed",
    }  # fmt: skip
    assert set(one["park_id"]) == {"XD-P001"}
