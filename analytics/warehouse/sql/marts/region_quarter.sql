-- region_quarter: official regional statistics by quarter. Grain: one row per region x
-- quarter x indicator; the unit and scale of value come from the indicator catalogue.
-- Annual indicators (frequency 'year') are in region_year, never here: a reader of this mart
-- sees only values for a quarter. An indicator missing from the catalogue stays here, for the
-- orphans data test to report.
CREATE OR REPLACE TABLE region_quarter AS
SELECT region_code, quarter, indicator, value, source_id
FROM stg_region_quarter
WHERE value IS NOT NULL
  AND indicator NOT IN (SELECT code FROM indicator WHERE entity = 'region' AND frequency = 'year')
ORDER BY region_code, indicator, quarter;
