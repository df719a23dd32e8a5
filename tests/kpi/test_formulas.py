"""KPI formulas on small cases whose expected numbers are worked out by hand in comments."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from analytics.errors import UserError
from analytics.kpi import formulas as f
from tests.kpi.tiny import build_tiny

NAN = float("nan")


def _same(actual, expected):
    """Element-wise equality with NaN == NaN, to 1e-9."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    assert np.allclose(actual, expected, rtol=0, atol=1e-9, equal_nan=True), (actual, expected)


def test_occupancy_is_undefined_for_zero_or_missing_area():
    # 6 / 8 = 0.75; 0 ha leasable -> undefined; unknown leasable area -> undefined; 0 / 5 = 0
    got = f.occupancy_rate(pd.Series([6.0, 0.0, 3.0, 0.0]), pd.Series([8.0, 0.0, NAN, 5.0]))
    _same(got, [0.75, NAN, NAN, 0.0])


def test_per_hectare_and_net_new_residents():
    # 120 jobs / 15 ha = 8; 45 mln / 0 ha -> undefined
    _same(f.per_hectare(pd.Series([120.0, 45.0]), pd.Series([15.0, 0.0])), [8.0, NAN])
    # 5 new - 2 left = 3; 0 - 1 = -1; a blank count leaves the KPI blank
    _same(f.net_new_residents(pd.Series([5.0, 0.0, NAN]), pd.Series([2.0, 1.0, 1.0])), [3, -1, NAN])


def test_public_money_counts_blank_items_as_zero_only_when_something_is_reported():
    # 2 + (blank) + 1 = 3; 0 + 0 + 0 = 0; all blank -> unknown
    got = f.public_money(
        pd.Series([2.0, 0.0, NAN]), pd.Series([NAN, 0.0, NAN]), pd.Series([1.0, 0.0, NAN])
    )
    _same(got, [3.0, 0.0, NAN])


def test_quarters_are_parsed_and_shifted():
    assert f.parse_quarter("2025Q2") == dt.date(2025, 4, 1)
    assert f.parse_quarter("2025-q4") == dt.date(2025, 10, 1)
    assert f.parse_quarter(dt.date(2025, 8, 17)) == dt.date(2025, 7, 1)
    assert f.shift_quarter(dt.date(2025, 1, 1), -1) == dt.date(2024, 10, 1)
    assert f.shift_quarter(dt.date(2025, 1, 1), -4) == dt.date(2024, 1, 1)
    assert f.quarter_end(dt.date(2024, 10, 1)) == dt.date(2024, 12, 31)
    with pytest.raises(UserError) as err:
        f.parse_quarter("2025Q5")
    assert err.value.key == "kpi.bad_quarter"


def _quarter_row(park_id, quarter, **values):
    row = {
        "park_id": park_id,
        "quarter": quarter,
        "investment_own": 0.0,
        "investment_private_external": 0.0,
        "investment_budget": 0.0,
        "subsidies": 0.0,
        "infrastructure_spending": 0.0,
        "taxes_federal": 0.0,
        "taxes_regional": 0.0,
        "taxes_local": 0.0,
        "residents_new": 0.0,
        "residents_left": 0.0,
    }
    row.update(values)
    return row


def test_cumulative_kpis_with_a_missing_quarter(tmp_path):
    """Park A reports 2024 Q1, Q2 and Q4 (Q3 missing) through the real warehouse layers."""
    quarters = [
        # taxes 1 (0.5 + 0.3 + 0.2); public money 5 = subsidies 3 + infrastructure 2
        _quarter_row(
            "A",
            dt.date(2024, 1, 1),
            taxes_federal=0.5,
            taxes_regional=0.3,
            taxes_local=0.2,
            subsidies=3.0,
            infrastructure_spending=2.0,
            investment_own=4.0,
        ),
        # taxes 2; public money 1 = budget investment 1
        _quarter_row(
            "A",
            dt.date(2024, 4, 1),
            taxes_federal=2.0,
            investment_budget=1.0,
            investment_own=6.0,
        ),
        # Q3 missing. Q4: taxes 4; no public money
        _quarter_row("A", dt.date(2024, 10, 1), taxes_regional=4.0, investment_own=1.0),
    ]
    with build_tiny(tmp_path / "w.duckdb", [{"park_id": "A"}], quarters) as con:
        kpis = f.park_kpis(con)
    # cumulative taxes: 1, 1 + 2 = 3, 3 + 4 = 7 (Q3 adds nothing: no report, nothing imputed)
    _same(kpis["taxes_cumulative"], [1, 3, 7])
    # cumulative public money: 5, 5 + 1 = 6, 6 + 0 = 6
    _same(kpis["public_money_cumulative"], [5, 6, 6])
    # budget efficiency: 1/5 = 0.2, 3/6 = 0.5, 7/6 = 1.1666...
    _same(kpis["budget_efficiency"], [0.2, 0.5, 7 / 6])
    # taxes first reach public money in Q4 2024 -> payback year 2024 from then on
    _same(kpis["payback_year"], [NAN, NAN, 2024])
    # own investment cumulative: 4, 10, 11; budget investment cumulative: 0, 1, 1
    _same(kpis["investment_own_cumulative"], [4, 10, 11])
    _same(kpis["investment_budget_cumulative"], [0, 1, 1])
    # the Q4 cumulative rests on an incomplete history (Q3 missing)
    assert kpis["reports_complete"].tolist() == [True, True, False]


def test_payback_year_is_kept_after_it_happens():
    frame = pd.DataFrame(
        {
            "park_id": ["A"] * 4 + ["B"],
            "quarter": pd.to_datetime(
                ["2023-10-01", "2024-01-01", "2024-04-01", "2024-07-01", "2024-01-01"]
            ),
            # A: 3 >= 2 in Q4 2023 (paid back in 2023); Q1 2024 falls back below (3 < 4),
            # but the payback year stays 2023. B: no public money -> nothing to pay back.
            "taxes_cumulative": [3.0, 3.0, 5.0, 9.0, 1.0],
            "public_money_cumulative": [2.0, 4.0, 4.0, 4.0, 0.0],
        }
    )
    _same(f.payback_year(frame), [2023, 2023, 2023, 2023, NAN])


def test_zero_area_and_a_park_that_opened_mid_year(tmp_path):
    parks = [
        # B: leasable area zero (a site still being surveyed): area KPIs undefined
        {"park_id": "B", "leasable_area_ha": 0.0, "total_area_ha": 5.0},
        # C: first resident on 15 Aug 2024, i.e. opened mid-Q3 2024
        {"park_id": "C", "leasable_area_ha": 12.5, "first_resident_on": dt.date(2024, 8, 15)},
    ]
    quarters = [
        _quarter_row("B", dt.date(2024, 7, 1), jobs_total=3.0, area_occupied_ha=0.0),
        _quarter_row(
            "C",
            dt.date(2024, 4, 1),
            jobs_total=0.0,
            area_occupied_ha=0.0,
            area_free_ha=12.5,
            investment_cumulative=2.0,
        ),
        _quarter_row(
            "C",
            dt.date(2024, 7, 1),
            jobs_total=50.0,
            area_occupied_ha=2.5,
            area_free_ha=10.0,
            investment_cumulative=25.0,
            residents_new=2.0,
        ),
    ]
    with build_tiny(tmp_path / "w.duckdb", parks, quarters) as con:
        kpis = f.park_kpis(con).set_index(["park_id", "quarter"])
    b = kpis.loc[("B", pd.Timestamp("2024-07-01"))]
    assert math.isnan(b["occupancy_rate"]) and math.isnan(b["jobs_per_ha"])
    c2, c3 = (
        kpis.loc[("C", pd.Timestamp("2024-04-01"))],
        kpis.loc[("C", pd.Timestamp("2024-07-01"))],
    )
    # Q2 2024 ends before the opening: no age; Q3 ends 30 Sep: 46 days after 15 Aug
    assert math.isnan(c2["years_since_opening"])
    assert c3["years_since_opening"] == pytest.approx(46 / 365.25, abs=1e-12)
    # occupancy 2.5 / 12.5 = 0.2; jobs 50 / 12.5 = 4 per ha; investment 25 / 12.5 = 2 mln/ha
    assert c3["occupancy_rate"] == pytest.approx(0.2, abs=1e-12)
    assert c3["jobs_per_ha"] == pytest.approx(4.0, abs=1e-12)
    assert c3["investment_per_ha"] == pytest.approx(2.0, abs=1e-12)
    assert c3["net_new_residents"] == 2.0


def test_wages_relative_to_municipal_and_regional_averages(tmp_path):
    q = dt.date(2024, 1, 1)
    with build_tiny(
        tmp_path / "w.duckdb",
        [{"park_id": "A"}],
        [_quarter_row("A", q, avg_wage=60000.0), _quarter_row("A", dt.date(2024, 4, 1))],
        region_stats=[("R1", q, "avg_wage", 50000.0)],
        municipal_stats=[("M1", q, "avg_wage", 40000.0)],
    ) as con:
        kpis = f.park_kpis(con, "2024Q1", "2024Q2")
    # 60000 / 40000 = 1.5 and 60000 / 50000 = 1.2; Q2: no wage reported, no area wage -> blank
    _same(kpis["wage_to_municipal"], [1.5, NAN])
    _same(kpis["wage_to_regional"], [1.2, NAN])


def test_region_totals_and_shares(tmp_path):
    q = dt.date(2024, 1, 1)
    quarters = [
        _quarter_row("A", q, jobs_total=100.0, investment_own=10.0),
        _quarter_row("B", q, jobs_total=50.0, investment_own=3.0, investment_budget=2.0),
    ]
    stats = [("R1", q, "employment", 3000.0), ("R1", q, "fixed_investment", 300.0)]
    with build_tiny(
        tmp_path / "w.duckdb", [{"park_id": "A"}, {"park_id": "B"}], quarters, region_stats=stats
    ) as con:
        region = f.region_kpis(con, "2024Q1", "2024Q1")
    row = region.iloc[0]
    # jobs 100 + 50 = 150, 150 / 3000 = 0.05; investment 10 + (3 + 2) = 15, 15 / 300 = 0.05
    assert row["parks_reporting"] == 2
    assert row["jobs_total"] == 150 and row["investment_total"] == 15
    assert row["park_jobs_share"] == pytest.approx(0.05, abs=1e-12)
    assert row["park_investment_share"] == pytest.approx(0.05, abs=1e-12)
    # public money: park B's budget investment 2
    assert row["public_money"] == 2


def test_cost_of_public_money_per_job_and_revenue_per_unit(tmp_path):
    quarters = [
        # public money 3 + 2 = 5; 40 jobs, 10 at a relocated firm that brought 10: net 30
        _quarter_row("A", dt.date(2024, 1, 1), subsidies=3.0, infrastructure_spending=2.0,
                     jobs_total=40.0, jobs_at_relocated_firms=10.0, jobs_moved_in=10.0,
                     residents_revenue_cumulative=20.0),
        # public money 1 more (6 in all); 50 jobs, the relocated firm grew to 16: net 34 + 6 = 40
        _quarter_row("A", dt.date(2024, 4, 1), investment_budget=1.0, jobs_total=50.0,
                     jobs_at_relocated_firms=16.0, jobs_moved_in=10.0,
                     residents_revenue_cumulative=48.0),
        # every job gone; revenue since opening 60
        _quarter_row("A", dt.date(2024, 7, 1), jobs_total=0.0, jobs_at_relocated_firms=0.0,
                     jobs_moved_in=0.0, residents_revenue_cumulative=60.0),
        # B: no public money at all, nothing to divide by
        _quarter_row("B", dt.date(2024, 1, 1), jobs_total=25.0, jobs_at_relocated_firms=0.0,
                     jobs_moved_in=0.0, residents_revenue_cumulative=9.0),
    ]  # fmt: skip
    with build_tiny(tmp_path / "w.duckdb", [{"park_id": "A"}, {"park_id": "B"}], quarters) as con:
        kpis = f.park_kpis(con)
    # 5 / 40 = 0.125 and 6 / 50 = 0.12 mln per job; no jobs in Q3: undefined, not infinite;
    # B's jobs cost the budget nothing: 0 / 25 = 0
    _same(kpis["cost_per_job"], [0.125, 0.12, NAN, 0.0])
    # 5 / 30 and 6 / 40 = 0.15 per net job; B: 0 / 25
    _same(kpis["cost_per_net_job"], [5 / 30, 0.15, NAN, 0.0])
    # revenue 20 / 5 = 4, 48 / 6 = 8, 60 / 6 = 10; B spent no public money: undefined
    _same(kpis["revenue_per_public_money"], [4.0, 8.0, 10.0, NAN])


def test_every_kpi_code_is_in_the_catalogue():
    """The catalogue's derived indicators are exactly the KPIs computed here: the park KPIs,
    the cost-of-public-money KPIs (added with issue 8: cost per gross and per net job, revenue
    per unit of public money; taxes per unit and payback are budget_efficiency and
    payback_year) and the region KPIs."""
    from analytics.warehouse.build import indicator_catalogue

    catalogue = indicator_catalogue()
    derived = set(catalogue.loc[catalogue["kind"] == "derived", "code"])
    assert set(f.COST_KPIS) == {"cost_per_job", "cost_per_net_job", "revenue_per_public_money"}
    assert set(f.PARK_KPIS) | set(f.COST_KPIS) | set(f.REGION_KPIS) == derived
    park = catalogue[catalogue["entity"] == "park"].set_index("code")
    # a cheaper job is better; more revenue per unit of public money is better
    assert park.loc[list(f.COST_KPIS), "direction"].tolist() == ["down", "down", "up"]
    assert park.loc[list(f.COST_KPIS), "unit"].tolist() == [
        "mln_currency_per_job", "mln_currency_per_job", "ratio",
    ]  # fmt: skip
