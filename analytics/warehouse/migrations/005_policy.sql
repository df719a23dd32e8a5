-- 005: statutory monitoring and policy KPIs (issue 8).
--
-- Registry: the legal milestones the registers record (management company chosen, park
-- declared operating, excluded from the register and why) and the physical parameters the
-- Russian park rules check (land for production, utility capacity). The jurisdiction whose
-- rules apply is the country of the park's region (data/compliance.yml).
ALTER TABLE raw_park ADD COLUMN management_company_on DATE;  -- management company chosen (UA: within 2 years of registration)
ALTER TABLE raw_park ADD COLUMN operating_on DATE;           -- park declared operating (infrastructure commissioned)
ALTER TABLE raw_park ADD COLUMN excluded_on DATE;            -- excluded from the official register
ALTER TABLE raw_park ADD COLUMN exclusion_reason VARCHAR;    -- no_management_company, no_participants, initiator_request, other
ALTER TABLE raw_park ADD COLUMN production_area_ha DOUBLE;   -- land set aside for industrial production, hectares
ALTER TABLE raw_park ADD COLUMN electricity_mw DOUBLE;       -- electric capacity available to residents, MW
ALTER TABLE raw_park ADD COLUMN gas_m3_per_hour DOUBLE;      -- gas capacity, cubic metres per hour
ALTER TABLE raw_park ADD COLUMN water_m3_per_day DOUBLE;     -- water supply capacity, cubic metres per day

-- Quarterly reports: what the federal subsidy commitments (Decree 1119) and a gross-vs-net
-- jobs count need. Money in millions of the country's currency.
ALTER TABLE raw_park_quarter ADD COLUMN residents_revenue DOUBLE;            -- residents' revenue during the quarter
ALTER TABLE raw_park_quarter ADD COLUMN residents_revenue_cumulative DOUBLE; -- residents' revenue since the park opened
ALTER TABLE raw_park_quarter ADD COLUMN high_productivity_jobs DOUBLE;       -- high-productivity jobs created since opening (cumulative)
ALTER TABLE raw_park_quarter ADD COLUMN residents_relocated DOUBLE;          -- residents that moved in from elsewhere in the region (end of quarter)
ALTER TABLE raw_park_quarter ADD COLUMN jobs_at_relocated_firms DOUBLE;      -- jobs at those relocated residents (end of quarter)
ALTER TABLE raw_park_quarter ADD COLUMN jobs_moved_in DOUBLE;                -- jobs the relocated residents had at their old site when they moved

-- Simulated data only: the statutory rules the demo generator made parks break, as of the
-- last demo quarter's end (2025-12-31). rule is a rule id of data/compliance.yml; since is
-- the date from which the park has been in breach.
CREATE TABLE truth_compliance (
    park_id VARCHAR NOT NULL,
    rule    VARCHAR NOT NULL,
    since   DATE    NOT NULL
);
