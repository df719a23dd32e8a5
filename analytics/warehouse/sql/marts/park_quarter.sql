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
    -- 005: Decree-1119 commitments and gross vs net jobs. net_jobs = jobs at new firms +
    -- expansion of relocated firms since they moved (the jobs they brought are not new).
    residents_revenue,
    residents_revenue_cumulative,
    high_productivity_jobs,
    residents_relocated,
    jobs_at_relocated_firms,
    jobs_moved_in,
    -- A blank in any of the three leaves net_jobs blank (greatest() would skip a NULL).
    CASE WHEN jobs_moved_in IS NOT NULL THEN jobs_total - jobs_at_relocated_firms
        + greatest(jobs_at_relocated_firms - jobs_moved_in, 0) END AS net_jobs,
    source_id
FROM stg_park_quarter
ORDER BY park_id, quarter;
