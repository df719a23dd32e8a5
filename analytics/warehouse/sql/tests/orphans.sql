-- Every reference points at a row that exists.
SELECT 'park.region_code' AS reference, park_id AS row_key, region_code AS missing
FROM park WHERE region_code NOT IN (SELECT code FROM region)
UNION ALL
SELECT 'park.municipality_code', park_id, municipality_code
FROM park WHERE municipality_code NOT IN (SELECT code FROM municipality)
UNION ALL
SELECT 'park.municipality_in_region', park_id, municipality_code
FROM park p WHERE NOT EXISTS (
    SELECT 1 FROM municipality m WHERE m.code = p.municipality_code AND m.region_code = p.region_code)
    AND municipality_code IN (SELECT code FROM municipality)
UNION ALL
SELECT 'municipality.region_code', code, region_code
FROM municipality WHERE region_code NOT IN (SELECT code FROM region)
UNION ALL
SELECT 'region.country_code', code, country_code
FROM region WHERE country_code NOT IN (SELECT code FROM country)
UNION ALL
SELECT DISTINCT 'park_quarter.park_id', park_id, park_id
FROM park_quarter WHERE park_id NOT IN (SELECT park_id FROM park)
UNION ALL
SELECT DISTINCT 'park_target.park_id', park_id, park_id
FROM park_target WHERE park_id NOT IN (SELECT park_id FROM park)
UNION ALL
SELECT DISTINCT 'park_target.indicator', park_id, indicator
FROM park_target WHERE indicator NOT IN (SELECT code FROM indicator WHERE entity = 'park')
UNION ALL
SELECT DISTINCT 'region_quarter.region_code', region_code, region_code
FROM region_quarter WHERE region_code NOT IN (SELECT code FROM region)
UNION ALL
SELECT DISTINCT 'region_quarter.indicator', region_code, indicator
FROM region_quarter WHERE indicator NOT IN (SELECT code FROM indicator WHERE entity = 'region')
UNION ALL
SELECT DISTINCT 'municipality_quarter.municipality_code', municipality_code, municipality_code
FROM municipality_quarter WHERE municipality_code NOT IN (SELECT code FROM municipality)
UNION ALL
SELECT DISTINCT 'municipality_quarter.indicator', municipality_code, indicator
FROM municipality_quarter WHERE indicator NOT IN (SELECT code FROM indicator WHERE entity = 'municipality')
UNION ALL
SELECT DISTINCT 'region_year.region_code', region_code, region_code
FROM region_year WHERE region_code NOT IN (SELECT code FROM region)
UNION ALL
SELECT DISTINCT 'municipality_year.municipality_code', municipality_code, municipality_code
FROM municipality_year WHERE municipality_code NOT IN (SELECT code FROM municipality);
