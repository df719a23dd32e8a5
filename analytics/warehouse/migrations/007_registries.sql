-- 007: registries for a real country (issue 17).
--
-- Regions and municipalities carry the official statistical code of their country's
-- classifier (stat_code: OKATO for Russian regions, OKTMO for Russian municipalities,
-- KATOTTH for Ukrainian units), their type and a population figure with the date it is
-- stated for. A municipality may lie within another (a hromada within a raion): parent_code.
ALTER TABLE raw_region ADD COLUMN stat_code VARCHAR;
ALTER TABLE raw_region ADD COLUMN region_type VARCHAR;   -- oblast, krai, republic, city, autonomous_okrug, autonomous_oblast
ALTER TABLE raw_region ADD COLUMN population DOUBLE;     -- persons, on population_on
ALTER TABLE raw_region ADD COLUMN population_on DATE;
ALTER TABLE raw_municipality ADD COLUMN stat_code VARCHAR;
ALTER TABLE raw_municipality ADD COLUMN parent_code VARCHAR;
ALTER TABLE raw_municipality ADD COLUMN population DOUBLE;
ALTER TABLE raw_municipality ADD COLUMN population_on DATE;

-- A registry row taken from a public document states what the document states and no more:
-- status, ownership and even the municipality may be unknown (NULL), and a park may be known
-- to be in the official register while the date it was entered is not (in_register).
-- source_document names the document the row's facts come from.
ALTER TABLE raw_park ALTER COLUMN status DROP NOT NULL;
ALTER TABLE raw_park ALTER COLUMN ownership DROP NOT NULL;
ALTER TABLE raw_park ALTER COLUMN municipality_code DROP NOT NULL;
ALTER TABLE raw_park ADD COLUMN in_register BOOLEAN;
ALTER TABLE raw_park ADD COLUMN source_document VARCHAR;

-- The jurisdiction a warehouse was started for (python -m analytics init --country RU|UA):
-- one row, absent in the demo and in files made before this migration.
CREATE TABLE warehouse_country (
    country_code VARCHAR PRIMARY KEY,
    created_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);
