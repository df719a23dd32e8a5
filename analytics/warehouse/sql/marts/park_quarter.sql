-- park_quarter: what each park reported for each quarter. Grain: one row per park x quarter
-- (quarter = the DATE of its first day). Money in millions of the country's currency except
-- avg_wage (currency per month); areas in hectares; counts at the end of the quarter.
CREATE OR REPLACE TABLE park_quarter AS
SELECT
    park_id,
    quarter,
    investment_own,
    investment_private_external,
    investment_budget,
    investment_own + investment_private_external + investment_budget AS investment_total,
    investment_cumulative,
    jobs_total,
    jobs_created,
    avg_wage,
    residents_count,
    residents_new,
    residents_left,
    area_occupied_ha,
    area_free_ha,
    taxes_federal,
    taxes_regional,
    taxes_local,
    taxes_federal + taxes_regional + taxes_local AS taxes_total,
    subsidies,
    infrastructure_spending,
    reported_on,
    source_id
FROM stg_park_quarter
ORDER BY park_id, quarter;
