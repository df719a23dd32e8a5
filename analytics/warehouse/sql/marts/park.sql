-- park: the park registry. Grain: one row per park (industrial park, technopark, special
-- economic zone or industrial site). Areas in hectares. opened_on is when the first
-- resident started operating, the date the effects engine treats as the park's opening.
CREATE OR REPLACE TABLE park AS
SELECT
    park_id,
    trim(name_ru) AS name_ru,
    trim(name_uk) AS name_uk,
    trim(name_en) AS name_en,
    park_type,
    status,
    ownership,
    region_code,
    municipality_code,
    latitude,
    longitude,
    total_area_ha,
    leasable_area_ha,
    founded_on,
    registered_on,
    first_resident_on,
    first_resident_on AS opened_on,
    closed_on,
    -- 005: legal milestones and the parameters the park rules check (data/compliance.yml)
    management_company_on,
    operating_on,
    excluded_on,
    exclusion_reason,
    production_area_ha,
    electricity_mw,
    gas_m3_per_hour,
    water_m3_per_day,
    -- 006: known to be in the official register (the date may be unknown); the public
    -- document a registry row comes from
    in_register,
    source_document,
    source_id
FROM stg_park
ORDER BY park_id;
