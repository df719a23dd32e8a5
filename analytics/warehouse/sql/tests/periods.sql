-- Quarters are stored as a quarter's first day and are not in the future.
SELECT 'park_quarter' AS mart, park_id AS row_key, quarter, 'not_quarter_start' AS problem
FROM park_quarter WHERE day(quarter) <> 1 OR month(quarter) NOT IN (1, 4, 7, 10)
UNION ALL
SELECT 'park_quarter', park_id, quarter, 'quarter_in_future'
FROM park_quarter WHERE quarter > current_date
UNION ALL
SELECT 'region_quarter', region_code, quarter, 'quarter_in_future'
FROM region_quarter WHERE quarter > current_date
UNION ALL
SELECT 'municipality_quarter', municipality_code, quarter, 'quarter_in_future'
FROM municipality_quarter WHERE quarter > current_date
UNION ALL
SELECT 'region_quarter', region_code, quarter, 'not_quarter_start'
FROM region_quarter WHERE day(quarter) <> 1 OR month(quarter) NOT IN (1, 4, 7, 10)
UNION ALL
SELECT 'municipality_quarter', municipality_code, quarter, 'not_quarter_start'
FROM municipality_quarter WHERE day(quarter) <> 1 OR month(quarter) NOT IN (1, 4, 7, 10)
ORDER BY 1, 2, 3;
