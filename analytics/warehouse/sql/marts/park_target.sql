-- park_target: roadmap / passport targets. Grain: one row per park x indicator x period
-- (period_type 'year' or 'quarter'; period_start = the period's first day).
CREATE OR REPLACE TABLE park_target AS
SELECT park_id, indicator, period_type, period_start, target_value, document, source_id
FROM stg_park_target
ORDER BY park_id, indicator, period_start;
