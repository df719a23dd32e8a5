-- stg_municipality_quarter: the latest loaded revision of each municipality_quarter row.
-- Grain: one row per (municipality_code, quarter, indicator). raw_municipality_quarter is append-only; the newest batch (highest source_id) wins,
-- so a corrected file replaces earlier values while they stay queryable in raw_municipality_quarter.
CREATE OR REPLACE VIEW stg_municipality_quarter AS
SELECT *
FROM raw_municipality_quarter
QUALIFY row_number() OVER (PARTITION BY municipality_code, quarter, indicator ORDER BY source_id DESC) = 1;
