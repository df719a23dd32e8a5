-- stg_park_quarter: the latest loaded revision of each park_quarter row.
-- Grain: one row per (park_id, quarter). raw_park_quarter is append-only; the newest batch (highest source_id) wins,
-- so a corrected file replaces earlier values while they stay queryable in raw_park_quarter.
CREATE OR REPLACE VIEW stg_park_quarter AS
SELECT *
FROM raw_park_quarter
QUALIFY row_number() OVER (PARTITION BY park_id, quarter ORDER BY source_id DESC) = 1;
