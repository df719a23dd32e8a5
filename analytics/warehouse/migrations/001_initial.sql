-- 001: the initial warehouse schema.
--
-- Reference tables (country, district, region, municipality, indicator) hold what every
-- other table points at. raw_* tables are append-only: each loaded batch adds rows under
-- its own source_id, so earlier values stay queryable as revisions; the staging views
-- (sql/staging) pick the latest row per key and the marts (sql/marts) are rebuilt from them.
-- Quarters are stored as the DATE of the quarter's first day.

CREATE SEQUENCE source_id_seq START 1;

-- Origin of every loaded batch (a file import, a statistics snapshot, a demo generation).
CREATE TABLE source (
    source_id  INTEGER PRIMARY KEY DEFAULT nextval('source_id_seq'),
    kind       VARCHAR   NOT NULL,  -- what the batch holds: registry, park_quarter, region_quarter, demo...
    producer   VARCHAR   NOT NULL,  -- who produced the data (a park's management company, a statistics office)
    title      VARCHAR   NOT NULL,
    published  DATE,
    url        VARCHAR,
    licence    VARCHAR,
    file_name  VARCHAR,
    checksum   VARCHAR   NOT NULL,  -- sha256 of the file, or of the generated content
    simulated  BOOLEAN   NOT NULL,  -- true for invented (demo) data: the app says so on every page
    loaded_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    loaded_by  VARCHAR
);

-- Indicator catalogue: one row per measurable quantity and level (park, region, municipality);
-- region and municipality statistics share codes where the definition is the same.
-- unit is a unit code (persons, ha, currency, percent, count, ratio...) shown through the
-- translation catalogue; scale multiplies stored values to base units (1e6 = stored in millions).
CREATE TABLE indicator (
    entity         VARCHAR NOT NULL CHECK (entity IN ('park', 'region', 'municipality')),
    code           VARCHAR NOT NULL,
    unit           VARCHAR NOT NULL,
    scale          DOUBLE  NOT NULL DEFAULT 1,
    frequency      VARCHAR NOT NULL CHECK (frequency IN ('quarter', 'year')),
    direction      VARCHAR NOT NULL CHECK (direction IN ('up', 'down', 'neutral')),
    aggregation    VARCHAR NOT NULL CHECK (aggregation IN ('sum', 'mean', 'last')),
    name_ru        VARCHAR NOT NULL,
    name_uk        VARCHAR NOT NULL,
    name_en        VARCHAR NOT NULL,
    description_ru VARCHAR NOT NULL,
    description_uk VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL,
    PRIMARY KEY (entity, code)
);

CREATE TABLE country (
    code     VARCHAR PRIMARY KEY,  -- ISO 3166 alpha-2, or XD for the simulated demo country
    name_ru  VARCHAR NOT NULL,
    name_uk  VARCHAR NOT NULL,
    name_en  VARCHAR NOT NULL,
    currency VARCHAR NOT NULL      -- ISO 4217 code of the currency values are stated in
);

-- Federal district (RU), oblast group / macro-region (UA), or the demo's invented districts.
CREATE TABLE district (
    code         VARCHAR PRIMARY KEY,
    country_code VARCHAR NOT NULL REFERENCES country (code),
    name_ru      VARCHAR NOT NULL,
    name_uk      VARCHAR NOT NULL,
    name_en      VARCHAR NOT NULL
);

CREATE TABLE raw_region (
    source_id     INTEGER NOT NULL,
    region_code   VARCHAR NOT NULL,
    country_code  VARCHAR NOT NULL,
    district_code VARCHAR,
    name_ru       VARCHAR NOT NULL,
    name_uk       VARCHAR NOT NULL,
    name_en       VARCHAR NOT NULL,
    latitude      DOUBLE,
    longitude     DOUBLE
);

CREATE TABLE raw_municipality (
    source_id          INTEGER NOT NULL,
    municipality_code  VARCHAR NOT NULL,
    region_code        VARCHAR NOT NULL,
    name_ru            VARCHAR NOT NULL,
    name_uk            VARCHAR NOT NULL,
    name_en            VARCHAR NOT NULL,
    kind               VARCHAR,  -- urban_district, municipal_district, hromada...
    is_regional_centre BOOLEAN,
    latitude           DOUBLE,
    longitude          DOUBLE
);

-- Park registry as loaded. Areas in hectares.
CREATE TABLE raw_park (
    source_id         INTEGER NOT NULL,
    park_id           VARCHAR NOT NULL,
    name_ru           VARCHAR NOT NULL,
    name_uk           VARCHAR NOT NULL,
    name_en           VARCHAR NOT NULL,
    park_type         VARCHAR NOT NULL,  -- industrial_park, technopark, sez, industrial_site
    status            VARCHAR NOT NULL,  -- project, under_construction, operating, closed
    ownership         VARCHAR NOT NULL,  -- public, private, public_private
    region_code       VARCHAR NOT NULL,
    municipality_code VARCHAR NOT NULL,
    latitude          DOUBLE,
    longitude         DOUBLE,
    total_area_ha     DOUBLE,
    leasable_area_ha  DOUBLE,
    founded_on        DATE,
    registered_on     DATE,  -- entered the official register (Minpromtorg / MinEconomy)
    first_resident_on DATE,  -- first resident started operating: the park's "opening"
    closed_on         DATE
);

-- Quarterly report of a park (grain: park x quarter x batch). Money in millions of the
-- country's currency except the wage (currency per month); areas in hectares.
CREATE TABLE raw_park_quarter (
    source_id                  INTEGER NOT NULL,
    park_id                    VARCHAR NOT NULL,
    quarter                    DATE    NOT NULL,
    investment_own             DOUBLE,  -- residents' own funds, this quarter
    investment_private_external DOUBLE, -- external private investment (loans, investors), this quarter
    investment_budget          DOUBLE,  -- budget money invested, this quarter
    investment_cumulative      DOUBLE,  -- all sources since the park was founded
    jobs_total                 DOUBLE,  -- jobs at residents at the end of the quarter
    jobs_created               DOUBLE,  -- jobs created at residents during the quarter
    avg_wage                   DOUBLE,  -- average monthly wage at residents
    residents_count            DOUBLE,  -- resident firms at the end of the quarter
    residents_new              DOUBLE,
    residents_left             DOUBLE,
    area_occupied_ha           DOUBLE,
    area_free_ha               DOUBLE,
    taxes_federal              DOUBLE,  -- taxes paid by residents to the federal / state budget
    taxes_regional             DOUBLE,
    taxes_local                DOUBLE,
    subsidies                  DOUBLE,  -- subsidies to the park and its residents
    infrastructure_spending    DOUBLE,  -- budget spending on the park's infrastructure
    reported_on                DATE     -- when the report reached the department
);

-- Roadmap targets (grain: park x period x indicator). period_start is the first day of the
-- year or quarter the target is for.
CREATE TABLE raw_park_target (
    source_id    INTEGER NOT NULL,
    park_id      VARCHAR NOT NULL,
    indicator    VARCHAR NOT NULL,
    period_type  VARCHAR NOT NULL CHECK (period_type IN ('year', 'quarter')),
    period_start DATE    NOT NULL,
    target_value DOUBLE  NOT NULL,
    document     VARCHAR           -- the roadmap, passport or agreement the target comes from
);

-- Official statistics in long form: one value per area x quarter x indicator, its unit in
-- the indicator catalogue.
CREATE TABLE raw_region_quarter (
    source_id   INTEGER NOT NULL,
    region_code VARCHAR NOT NULL,
    quarter     DATE    NOT NULL,
    indicator   VARCHAR NOT NULL,
    value       DOUBLE
);

CREATE TABLE raw_municipality_quarter (
    source_id         INTEGER NOT NULL,
    municipality_code VARCHAR NOT NULL,
    quarter           DATE    NOT NULL,
    indicator         VARCHAR NOT NULL,
    value             DOUBLE
);

-- Simulated data only: the effects the demo generator planted, so estimators can be
-- checked for recovery. Grain: park x municipality x quarter x outcome; effect in the
-- outcome's units on that municipality: the park's own (the direct effect) or a neighbour
-- (a spillover, analytics/demo/spillover.py). Effects on one municipality add up.
CREATE TABLE truth_effect (
    park_id           VARCHAR NOT NULL,
    municipality_code VARCHAR NOT NULL,
    quarter           DATE    NOT NULL,
    outcome           VARCHAR NOT NULL,
    event_time        INTEGER NOT NULL,  -- quarters since the park opened (0 = opening quarter)
    effect            DOUBLE  NOT NULL
);

-- Simulated data only: roadmap targets the generator deliberately made a park miss.
CREATE TABLE truth_target_miss (
    park_id      VARCHAR NOT NULL,
    indicator    VARCHAR NOT NULL,
    period_start DATE    NOT NULL
);
