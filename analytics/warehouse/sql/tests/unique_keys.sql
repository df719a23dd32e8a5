-- Each mart holds one row per its stated grain.
SELECT 'park' AS mart, park_id AS key, count(*) AS n FROM park GROUP BY park_id HAVING count(*) > 1
UNION ALL
SELECT 'park_quarter', park_id || ' ' || quarter, count(*) FROM park_quarter GROUP BY park_id, quarter HAVING count(*) > 1
UNION ALL
SELECT 'region', code, count(*) FROM region GROUP BY code HAVING count(*) > 1
UNION ALL
SELECT 'municipality', code, count(*) FROM municipality GROUP BY code HAVING count(*) > 1
UNION ALL
SELECT 'park_target', park_id || ' ' || indicator || ' ' || period_type || ' ' || period_start, count(*)
FROM park_target GROUP BY park_id, indicator, period_type, period_start HAVING count(*) > 1
UNION ALL
SELECT 'region_quarter', region_code || ' ' || quarter || ' ' || indicator, count(*)
FROM region_quarter GROUP BY region_code, quarter, indicator HAVING count(*) > 1
UNION ALL
SELECT 'municipality_quarter', municipality_code || ' ' || quarter || ' ' || indicator, count(*)
FROM municipality_quarter GROUP BY municipality_code, quarter, indicator HAVING count(*) > 1
UNION ALL
SELECT 'region_year', region_code || ' ' || year || ' ' || indicator, count(*)
FROM region_year GROUP BY region_code, year, indicator HAVING count(*) > 1
UNION ALL
SELECT 'municipality_year', municipality_code || ' ' || year || ' ' || indicator, count(*)
FROM municipality_year GROUP BY municipality_code, year, indicator HAVING count(*) > 1;
