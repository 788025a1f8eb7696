-- A version number per region, bumped in the same transaction as every project write that can
-- change the pipeline's counts, so that the counts can be cached safely between writes.
CREATE TABLE pipeline_versions (
    region_code TEXT PRIMARY KEY REFERENCES regions(code),
    version BIGINT NOT NULL
);
