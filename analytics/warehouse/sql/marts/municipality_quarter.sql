-- municipality_quarter: official municipal statistics. Grain: one row per municipality x
-- quarter x indicator; the unit and scale of value come from the indicator catalogue.
CREATE OR REPLACE TABLE municipality_quarter AS
SELECT municipality_code, quarter, indicator, value, source_id
FROM stg_municipality_quarter
WHERE value IS NOT NULL
ORDER BY municipality_code, indicator, quarter;
