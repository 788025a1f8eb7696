-- Watch lists over firms' figures (issue 11): the firms on each list as of a month, so that a
-- firm entering a list is noticed once (its town and service manager are notified) and the
-- list of a month can be read back as it was.
CREATE TABLE watch_entries (
    region_code TEXT NOT NULL REFERENCES regions(code),
    -- analytics::watch::WatchKind code.
    kind TEXT NOT NULL CHECK (kind IN ('candidate', 'exit_risk', 'output_fall', 'electricity_fall')),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    -- YYYY-MM of the figures the entry was found in.
    period TEXT NOT NULL,
    found_at TEXT NOT NULL,
    PRIMARY KEY (kind, enterprise_id, period)
);
CREATE INDEX watch_entries_region ON watch_entries (region_code, period, kind);
