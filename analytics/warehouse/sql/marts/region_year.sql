-- region_year: official regional statistics for a calendar year (gross regional product,
-- average annual employment, investment for the year...). Grain: one row per region x year x
-- indicator, for the indicators of frequency 'year' only; the unit and scale of value come
-- from the indicator catalogue. Loaded at the year's 1 January in raw_region_quarter; never
-- added to quarterly values (those are in region_quarter).
CREATE OR REPLACE TABLE region_year AS
SELECT region_code, CAST(year(quarter) AS INTEGER) AS year, indicator, value, source_id
FROM stg_region_quarter
WHERE value IS NOT NULL
  AND indicator IN (SELECT code FROM indicator WHERE entity = 'region' AND frequency = 'year')
ORDER BY region_code, indicator, year;
