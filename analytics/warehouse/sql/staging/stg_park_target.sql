-- stg_park_target: the latest loaded revision of each park_target row.
-- Grain: one row per (park_id, indicator, period_type, period_start). raw_park_target is append-only; the newest batch (highest source_id) wins,
-- so a corrected file replaces earlier values while they stay queryable in raw_park_target.
CREATE OR REPLACE VIEW stg_park_target AS
SELECT *
FROM raw_park_target
QUALIFY row_number() OVER (PARTITION BY park_id, indicator, period_type, period_start ORDER BY source_id DESC) = 1;
