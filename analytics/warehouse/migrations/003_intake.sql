-- 003: data intake. Accounts of people who may change data (viewing needs none), and a log
-- of committed imports with their row counts. Revisions themselves are the raw_* rows under
-- each import's source_id (source.loaded_by names the account).

-- role: viewer < editor < admin. password_hash is an argon2id PHC string; there is no
-- default account and no default password.
CREATE TABLE app_user (
    name          VARCHAR PRIMARY KEY,
    role          VARCHAR   NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    password_hash VARCHAR   NOT NULL,
    created_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at    TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE import_id_seq START 1;

-- One row per committed import (a no-op re-import writes nothing). The detected format
-- (encoding, delimiter, decimal sign, header language, layout) is kept for support questions.
CREATE TABLE import_log (
    import_id   INTEGER PRIMARY KEY DEFAULT nextval('import_id_seq'),
    source_id   INTEGER   NOT NULL,
    kind        VARCHAR   NOT NULL,
    file_name   VARCHAR   NOT NULL,
    sheet       VARCHAR,
    checksum    VARCHAR   NOT NULL,
    detected    VARCHAR,              -- JSON: what the reader detected
    rows_read   INTEGER   NOT NULL,
    inserted    INTEGER   NOT NULL,
    updated     INTEGER   NOT NULL,
    unchanged   INTEGER   NOT NULL,
    warnings    INTEGER   NOT NULL,
    imported_by VARCHAR   NOT NULL,
    imported_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
