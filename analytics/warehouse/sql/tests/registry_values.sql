-- Registry fields take only the documented values, and dates come in a possible order.
SELECT park_id, 'park_type' AS field, park_type AS value FROM park
WHERE park_type NOT IN ('industrial_park', 'technopark', 'sez', 'industrial_site')
UNION ALL
SELECT park_id, 'status', status FROM park
WHERE status NOT IN ('project', 'under_construction', 'operating', 'closed')
UNION ALL
SELECT park_id, 'ownership', ownership FROM park
WHERE ownership NOT IN ('public', 'private', 'public_private')
UNION ALL
SELECT park_id, 'first_resident_on before founded_on', CAST(first_resident_on AS VARCHAR) FROM park
WHERE first_resident_on < founded_on
UNION ALL
SELECT park_id, 'latitude/longitude out of range', latitude || ', ' || longitude FROM park
WHERE abs(latitude) > 90 OR abs(longitude) > 180
ORDER BY 1, 2;
