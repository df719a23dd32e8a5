-- region_quarter: official regional statistics. Grain: one row per region x quarter x
-- indicator; the unit and scale of value come from the indicator catalogue.
CREATE OR REPLACE TABLE region_quarter AS
SELECT region_code, quarter, indicator, value, source_id
FROM stg_region_quarter
WHERE value IS NOT NULL
ORDER BY region_code, indicator, quarter;
