-- municipality_quarter: official municipal statistics by quarter. Grain: one row per
-- municipality x quarter x indicator; the unit and scale of value come from the indicator
-- catalogue. Annual indicators (frequency 'year') are in municipality_year, never here.
CREATE OR REPLACE TABLE municipality_quarter AS
SELECT municipality_code, quarter, indicator, value, source_id
FROM stg_municipality_quarter
WHERE value IS NOT NULL
  AND indicator NOT IN (
      SELECT code FROM indicator WHERE entity = 'municipality' AND frequency = 'year')
ORDER BY municipality_code, indicator, quarter;
