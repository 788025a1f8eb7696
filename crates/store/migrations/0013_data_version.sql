-- A version number per region ('' for writes that concern every region, such as the indicator
-- catalogue), bumped in the same transaction as every audited write, so that the figures
-- computed from the data (the locate analysis, the headline figures, the gap ledger) can be
-- cached safely between writes. No foreign key: a scope may be a region being created.
CREATE TABLE data_versions (
    scope TEXT PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version > 0)
);
