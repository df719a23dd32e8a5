-- Annual statistics are stored at their year's 1 January and only for a year that is over
-- (the marts region_year / municipality_year take them by their year).
SELECT 'region' AS level, region_code AS area, quarter AS period_start, indicator,
       'annual_not_1_january' AS problem
FROM stg_region_quarter
WHERE value IS NOT NULL AND (month(quarter) <> 1 OR day(quarter) <> 1)
  AND indicator IN (SELECT code FROM indicator WHERE entity = 'region' AND frequency = 'year')
UNION ALL
SELECT 'municipality', municipality_code, quarter, indicator, 'annual_not_1_january'
FROM stg_municipality_quarter
WHERE value IS NOT NULL AND (month(quarter) <> 1 OR day(quarter) <> 1)
  AND indicator IN (
      SELECT code FROM indicator WHERE entity = 'municipality' AND frequency = 'year')
UNION ALL
SELECT 'region', region_code, make_date(year, 1, 1), indicator, 'year_not_over'
FROM region_year WHERE year >= year(current_date)
UNION ALL
SELECT 'municipality', municipality_code, make_date(year, 1, 1), indicator, 'year_not_over'
FROM municipality_year WHERE year >= year(current_date)
ORDER BY 1, 2, 3, 4;
