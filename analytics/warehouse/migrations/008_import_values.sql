-- 008: corrections never erase by omission (issue 12). An import merges each file row with
-- the stored revision cell by cell (a blank cell keeps the stored value; the clearing
-- marker empties it), and its log now says what it did to single values as well as rows.
-- The cells themselves are the raw_* rows under the import's source_id: history compares
-- consecutive revisions of a key, and a value that becomes empty there was cleared.
ALTER TABLE import_log ADD COLUMN values_new INTEGER;        -- values where there were none
ALTER TABLE import_log ADD COLUMN values_changed INTEGER;    -- stored values replaced
ALTER TABLE import_log ADD COLUMN values_cleared INTEGER;    -- stored values emptied by the clearing marker
ALTER TABLE import_log ADD COLUMN values_unchanged INTEGER;  -- values stated as stored
ALTER TABLE import_log ADD COLUMN values_kept INTEGER;       -- stored values the file did not state (kept)
