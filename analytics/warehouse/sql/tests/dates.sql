-- Dates are not before 1990 (nothing the warehouse holds is older: a year typed "20" or a
-- date Excel turned into 1900 is), and the registry's milestones and report dates record
-- what has happened: none lies in the future, and no park is closed or excluded before it
-- was founded.
WITH registry_dates AS (
    -- row_key and quarter name a row as intake's staged batch does
    -- (analytics/intake/plausibility.py ROW_KEYS), so intake runs this same query on a file.
    -- One row per park and milestone it has (a blank date is no row): an unpivot written
    -- as a lateral VALUES list, which DuckDB and PostgreSQL both run.
    SELECT p.park_id, d.column_name, d.value
    FROM park AS p
    CROSS JOIN LATERAL (VALUES
        ('founded_on', p.founded_on), ('registered_on', p.registered_on),
        ('first_resident_on', p.first_resident_on), ('closed_on', p.closed_on),
        ('management_company_on', p.management_company_on), ('operating_on', p.operating_on),
        ('excluded_on', p.excluded_on)
    ) AS d (column_name, value)
    WHERE d.value IS NOT NULL
)
SELECT 'park' AS mart, park_id AS row_key, NULL::DATE AS quarter, column_name, value,
       CASE WHEN value < DATE '1990-01-01' THEN 'before_1990' ELSE 'in_future' END AS problem,
       NULL::DATE AS reference
FROM registry_dates
WHERE value < DATE '1990-01-01' OR value > current_date
UNION ALL
SELECT 'park', park_id, NULL, 'closed_on', closed_on, 'closed_before_founded', founded_on
FROM park WHERE closed_on < founded_on
UNION ALL
SELECT 'park', park_id, NULL, 'excluded_on', excluded_on, 'excluded_before_founded', founded_on
FROM park WHERE excluded_on < founded_on
UNION ALL
SELECT 'park_quarter', park_id, quarter, 'reported_on', reported_on,
       CASE WHEN reported_on < DATE '1990-01-01' THEN 'before_1990' ELSE 'in_future' END, NULL
FROM park_quarter WHERE reported_on < DATE '1990-01-01' OR reported_on > current_date
UNION ALL
SELECT 'park_quarter', park_id, quarter, 'quarter', quarter, 'before_1990', NULL
FROM park_quarter WHERE quarter < DATE '1990-01-01'
UNION ALL
SELECT 'region_quarter', region_code || '/' || indicator, quarter, 'quarter', quarter,
       'before_1990', NULL
FROM region_quarter WHERE quarter < DATE '1990-01-01'
UNION ALL
SELECT 'municipality_quarter', municipality_code || '/' || indicator, quarter, 'quarter', quarter,
       'before_1990', NULL
FROM municipality_quarter WHERE quarter < DATE '1990-01-01'
UNION ALL
SELECT 'park_target', park_id || '/' || indicator || '/' || period_type, period_start,
       'period_start', period_start, 'before_1990', NULL
FROM park_target WHERE period_start < DATE '1990-01-01'
ORDER BY 1, 2, 3, 4;
