-- stg_park: the latest loaded revision of each park row.
-- Grain: one row per (park_id). raw_park is append-only; the newest batch (highest source_id) wins,
-- so a corrected file replaces earlier values while they stay queryable in raw_park.
CREATE OR REPLACE VIEW stg_park AS
SELECT *
FROM raw_park
QUALIFY row_number() OVER (PARTITION BY park_id ORDER BY source_id DESC) = 1;
