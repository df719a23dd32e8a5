-- stg_municipality: the latest loaded revision of each municipality row.
-- Grain: one row per (municipality_code). raw_municipality is append-only; the newest batch (highest source_id) wins,
-- so a corrected file replaces earlier values while they stay queryable in raw_municipality.
CREATE OR REPLACE VIEW stg_municipality AS
SELECT *
FROM raw_municipality
QUALIFY row_number() OVER (PARTITION BY municipality_code ORDER BY source_id DESC) = 1;
