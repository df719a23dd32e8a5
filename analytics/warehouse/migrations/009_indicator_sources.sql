-- 009: annual statistics (issue 17). An indicator of frequency 'year' (gross regional
-- product, average annual employment...) names the publication its values come from, shown
-- with its definition. Its values are kept in raw_region_quarter / raw_municipality_quarter
-- at the year's 1 January and served by the region_year / municipality_year marts.
ALTER TABLE indicator ADD COLUMN source_ru VARCHAR;
ALTER TABLE indicator ADD COLUMN source_uk VARCHAR;
ALTER TABLE indicator ADD COLUMN source_en VARCHAR;
