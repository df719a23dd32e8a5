-- Counts, areas and money flows of a park quarter are never negative.
-- (an unpivot written as a lateral VALUES list, which DuckDB and PostgreSQL both run)
SELECT pq.park_id, pq.quarter, v.column_name, v.value
FROM park_quarter AS pq
CROSS JOIN LATERAL (VALUES
    ('investment_own', pq.investment_own),
    ('investment_private_external', pq.investment_private_external),
    ('investment_budget', pq.investment_budget),
    ('investment_cumulative', pq.investment_cumulative),
    ('jobs_total', pq.jobs_total), ('jobs_created', pq.jobs_created),
    ('avg_wage', pq.avg_wage), ('residents_count', pq.residents_count),
    ('residents_new', pq.residents_new), ('residents_left', pq.residents_left),
    ('area_occupied_ha', pq.area_occupied_ha), ('area_free_ha', pq.area_free_ha),
    ('taxes_federal', pq.taxes_federal), ('taxes_regional', pq.taxes_regional),
    ('taxes_local', pq.taxes_local), ('subsidies', pq.subsidies),
    ('infrastructure_spending', pq.infrastructure_spending)
) AS v (column_name, value)
WHERE v.value < 0
UNION ALL
SELECT park_id, NULL, 'total_area_ha / leasable_area_ha', least(total_area_ha, leasable_area_ha)
FROM park WHERE total_area_ha < 0 OR leasable_area_ha < 0
ORDER BY park_id, quarter;
