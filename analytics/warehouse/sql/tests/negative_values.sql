-- Counts, areas and money flows of a park quarter are never negative.
SELECT park_id, quarter, column_name, value
FROM (
    UNPIVOT (
        SELECT park_id, quarter, investment_own, investment_private_external, investment_budget,
               investment_cumulative, jobs_total, jobs_created, avg_wage, residents_count,
               residents_new, residents_left, area_occupied_ha, area_free_ha, taxes_federal,
               taxes_regional, taxes_local, subsidies, infrastructure_spending
        FROM park_quarter
    ) ON COLUMNS(* EXCLUDE (park_id, quarter)) INTO NAME column_name VALUE value
)
WHERE value < 0
UNION ALL
SELECT park_id, NULL, 'total_area_ha / leasable_area_ha', least(total_area_ha, leasable_area_ha)
FROM park WHERE total_area_ha < 0 OR leasable_area_ha < 0
ORDER BY park_id, quarter;
