-- region: the regions (subjects of the federation, oblasts). Grain: one row per region.
CREATE OR REPLACE TABLE region AS
SELECT
    region_code AS code,
    country_code,
    district_code,
    trim(name_ru) AS name_ru,
    trim(name_uk) AS name_uk,
    trim(name_en) AS name_en,
    latitude,
    longitude,
    -- 006: official statistical code (OKATO / KATOTTH), type, population on a date
    stat_code,
    region_type,
    population,
    population_on,
    source_id
FROM stg_region
ORDER BY code;
