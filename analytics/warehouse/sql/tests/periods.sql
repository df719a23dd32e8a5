-- Quarters are stored as a quarter's first day and are not in the future.
SELECT 'park_quarter' AS mart, park_id AS row_key, quarter, 'not a quarter start' AS problem
FROM park_quarter WHERE day(quarter) <> 1 OR month(quarter) NOT IN (1, 4, 7, 10)
UNION ALL
SELECT 'park_quarter', park_id, quarter, 'quarter in the future'
FROM park_quarter WHERE quarter > current_date
UNION ALL
SELECT 'region_quarter', region_code, quarter, 'quarter in the future'
FROM region_quarter WHERE quarter > current_date
UNION ALL
SELECT 'municipality_quarter', municipality_code, quarter, 'quarter in the future'
FROM municipality_quarter WHERE quarter > current_date
UNION ALL
SELECT 'region_quarter', region_code, quarter, 'not a quarter start'
FROM region_quarter WHERE day(quarter) <> 1 OR month(quarter) NOT IN (1, 4, 7, 10)
UNION ALL
SELECT 'municipality_quarter', municipality_code, quarter, 'not a quarter start'
FROM municipality_quarter WHERE day(quarter) <> 1 OR month(quarter) NOT IN (1, 4, 7, 10)
ORDER BY 1, 2, 3;
