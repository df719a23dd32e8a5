-- stg_region: the latest loaded revision of each region row.
-- Grain: one row per (region_code). raw_region is append-only; the newest batch (highest source_id) wins,
-- so a corrected file replaces earlier values while they stay queryable in raw_region.
CREATE OR REPLACE VIEW stg_region AS
SELECT *
FROM raw_region
QUALIFY row_number() OVER (PARTITION BY region_code ORDER BY source_id DESC) = 1;
