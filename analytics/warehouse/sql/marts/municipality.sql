-- municipality: municipal units (urban districts, municipal districts, hromadas).
-- Grain: one row per municipality; each belongs to one region.
CREATE OR REPLACE TABLE municipality AS
SELECT
    municipality_code AS code,
    region_code,
    trim(name_ru) AS name_ru,
    trim(name_uk) AS name_uk,
    trim(name_en) AS name_en,
    kind,
    coalesce(is_regional_centre, false) AS is_regional_centre,
    latitude,
    longitude,
    -- 006: official statistical code (OKTMO / KATOTTH), the unit it lies within, population
    stat_code,
    parent_code,
    population,
    population_on,
    source_id
FROM stg_municipality
ORDER BY code;
