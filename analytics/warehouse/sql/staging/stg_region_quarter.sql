-- stg_region_quarter: the latest loaded revision of each region_quarter row.
-- Grain: one row per (region_code, quarter, indicator). raw_region_quarter is append-only; the newest batch (highest source_id) wins,
-- so a corrected file replaces earlier values while they stay queryable in raw_region_quarter.
CREATE OR REPLACE VIEW stg_region_quarter AS
SELECT *
FROM raw_region_quarter
QUALIFY row_number() OVER (PARTITION BY region_code, quarter, indicator ORDER BY source_id DESC) = 1;
