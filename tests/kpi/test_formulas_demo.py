"""Cross-check of the pandas KPI formulas against an independent SQL implementation (DuckDB
window functions) on every park quarter of the demo warehouse."""

import numpy as np

from analytics.kpi.formulas import park_kpis
from analytics.warehouse import connect

# Written separately from analytics/kpi/formulas.py, from the catalogue's formula texts.
INDEPENDENT_SQL = """
WITH q AS (
    SELECT q.*, p.leasable_area_ha, p.municipality_code, p.region_code,
           CASE WHEN coalesce(q.subsidies, q.infrastructure_spending, q.investment_budget)
                IS NULL THEN NULL
                ELSE coalesce(q.subsidies, 0) + coalesce(q.infrastructure_spending, 0)
                     + coalesce(q.investment_budget, 0) END AS public_money
    FROM park_quarter q JOIN park p USING (park_id)
), c AS (
    SELECT *,
        CASE WHEN count(taxes_total) OVER w = 0 THEN NULL
             ELSE sum(coalesce(taxes_total, 0)) OVER w END AS taxes_cumulative,
        CASE WHEN count(public_money) OVER w = 0 THEN NULL
             ELSE sum(coalesce(public_money, 0)) OVER w END AS public_money_cumulative
    FROM q
    WINDOW w AS (PARTITION BY park_id ORDER BY quarter
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT c.park_id, c.quarter,
    CASE WHEN leasable_area_ha > 0 THEN area_occupied_ha / leasable_area_ha END AS occupancy_rate,
    CASE WHEN leasable_area_ha > 0 THEN jobs_total / leasable_area_ha END AS jobs_per_ha,
    taxes_cumulative, public_money_cumulative,
    CASE WHEN public_money_cumulative > 0
         THEN taxes_cumulative / public_money_cumulative END AS budget_efficiency,
    CASE WHEN r.value > 0 THEN c.avg_wage / r.value END AS wage_to_regional,
    CASE WHEN m.value > 0 THEN c.avg_wage / m.value END AS wage_to_municipal
FROM c
LEFT JOIN region_quarter r ON r.region_code = c.region_code AND r.quarter = c.quarter
    AND r.indicator = 'avg_wage'
LEFT JOIN municipality_quarter m ON m.municipality_code = c.municipality_code
    AND m.quarter = c.quarter AND m.indicator = 'avg_wage'
ORDER BY c.park_id, c.quarter
"""
COLUMNS = [
    "occupancy_rate",
    "jobs_per_ha",
    "taxes_cumulative",
    "public_money_cumulative",
    "budget_efficiency",
    "wage_to_regional",
    "wage_to_municipal",
]


def test_pandas_formulas_match_an_independent_sql_version(demo_db):
    with connect(demo_db, read_only=True) as con:
        ours = park_kpis(con)
        sql = con.execute(INDEPENDENT_SQL).df()
    assert len(ours) == len(sql) > 1000
    assert ours["park_id"].tolist() == sql["park_id"].tolist()
    for column in COLUMNS:
        a, b = ours[column].to_numpy(float), sql[column].to_numpy(float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), column
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True), column
