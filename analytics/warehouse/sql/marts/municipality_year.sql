-- municipality_year: official municipal statistics for a calendar year. Grain: one row per
-- municipality x year x indicator, for the indicators of frequency 'year' only; the unit and
-- scale of value come from the indicator catalogue. Loaded at the year's 1 January in
-- raw_municipality_quarter; never added to quarterly values (municipality_quarter).
CREATE OR REPLACE TABLE municipality_year AS
SELECT municipality_code, CAST(year(quarter) AS INTEGER) AS year, indicator, value, source_id
FROM stg_municipality_quarter
WHERE value IS NOT NULL
  AND indicator IN (
      SELECT code FROM indicator WHERE entity = 'municipality' AND frequency = 'year')
ORDER BY municipality_code, indicator, year;
