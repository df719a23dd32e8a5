"""The "all regions" view: every park's totals against the sum of the regions' statistics."""

import shutil

import duckdb
import pandas as pd
import pytest

from analytics.kpi.country import country_kpis
from analytics.kpi.formulas import park_kpis


def sql_country(con) -> pd.DataFrame:
    """Outside reference: the same totals written directly in SQL on the marts."""
    return con.execute(
        """
        WITH parks AS (
            SELECT quarter, count(*) AS parks_reporting, sum(jobs_total) AS jobs_total,
                   sum(investment_own + investment_private_external + investment_budget)
                       AS investment_total
            FROM park_quarter GROUP BY quarter),
        stats AS (
            SELECT quarter,
                   sum(value) FILTER (indicator = 'employment') AS employment,
                   sum(value) FILTER (indicator = 'fixed_investment') AS fixed_investment
            FROM region_quarter GROUP BY quarter)
        SELECT p.*, s.employment, s.fixed_investment,
               p.jobs_total / s.employment AS park_jobs_share,
               p.investment_total / s.fixed_investment AS park_investment_share
        FROM parks p LEFT JOIN stats s USING (quarter) ORDER BY quarter
        """
    ).df()


def test_country_totals_equal_plain_sql_on_the_demo(demo_db):
    with duckdb.connect(str(demo_db), read_only=True) as con:
        shown = country_kpis(con, park_kpis(con)).sort_values("quarter").reset_index(drop=True)
        expected = sql_country(con)
    assert list(shown["quarter"]) == list(pd.to_datetime(expected["quarter"]))
    for column in expected.columns.drop("quarter"):
        assert shown[column].to_numpy(float) == pytest.approx(
            expected[column].to_numpy(float), rel=1e-9, nan_ok=True
        ), column


def test_a_region_without_a_figure_leaves_the_country_without_one(demo_db, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_db, db)
    with duckdb.connect(str(db)) as con:
        first = con.execute("SELECT min(code) FROM region").fetchone()[0]
        con.execute(
            "DELETE FROM region_quarter WHERE indicator = 'employment'"
            " AND region_code = ? AND quarter = DATE '2025-10-01'",
            [first],
        )
        shown = country_kpis(con, park_kpis(con)).set_index("quarter")
    latest, before = shown.loc["2025-10-01"], shown.loc["2025-07-01"]
    assert pd.isna(latest["employment"]) and pd.isna(latest["park_jobs_share"])
    assert latest["fixed_investment"] > 0 and latest["park_investment_share"] > 0
    assert before["employment"] > 0  # other quarters keep their totals
