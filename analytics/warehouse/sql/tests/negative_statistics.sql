-- Area statistics (population, employment, wages, investment, firms, tax revenue, rates)
-- and park targets are never negative.

-- row_key and quarter name a row as intake's staged batch does
-- (analytics/intake/plausibility.py ROW_KEYS), so intake runs this same query on a file.
SELECT 'region_quarter' AS mart, region_code || '/' || indicator AS row_key, quarter,
       'value' AS column_name, value, 'negative' AS problem
FROM region_quarter WHERE value < 0
UNION ALL
SELECT 'municipality_quarter', municipality_code || '/' || indicator, quarter, 'value', value,
       'negative'
FROM municipality_quarter WHERE value < 0
UNION ALL
SELECT 'park_target', park_id || '/' || indicator || '/' || period_type, period_start,
       'target_value', target_value, 'negative'
FROM park_target WHERE target_value < 0
ORDER BY 1, 2, 3;
