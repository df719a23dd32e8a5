-- 002: derived indicators (KPIs such as occupancy or jobs per hectare) live in the same
-- catalogue as reported ones, each defined once with its formula in ru/uk/en.
ALTER TABLE indicator ADD COLUMN kind VARCHAR NOT NULL DEFAULT 'reported';
ALTER TABLE indicator ADD COLUMN formula_ru VARCHAR;
ALTER TABLE indicator ADD COLUMN formula_uk VARCHAR;
ALTER TABLE indicator ADD COLUMN formula_en VARCHAR;
