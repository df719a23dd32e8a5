-- 010: which staging views, marts and seeds the warehouse was built with. A program whose
-- SQL or seeds differ (an upgrade adding a mart, a changed indicator) rebuilds them when it
-- opens the file, so a file made by an older version answers every current command.
CREATE TABLE build_stamp (
    digest VARCHAR NOT NULL,
    built_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
