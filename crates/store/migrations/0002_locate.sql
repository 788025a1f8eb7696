-- The locate step: the indicator catalogue (shared by all regions), each region's indicator
-- targets, the statistics observed (append-only: a re-import is a revision, the latest wins),
-- and the accounting model per region and year (versioned: an import makes a new version).
-- Statistical levels and growth rates are DOUBLE PRECISION: they are published figures used in
-- ratios, never summed as money.

CREATE TABLE indicators (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    frequency TEXT NOT NULL,
    kind TEXT NOT NULL,
    nominal BIGINT NOT NULL DEFAULT 0,
    stock BIGINT NOT NULL DEFAULT 0,
    deflator TEXT REFERENCES indicators(code),
    owner_department TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE indicator_targets (
    region_code TEXT NOT NULL REFERENCES regions(code),
    year BIGINT NOT NULL,
    indicator TEXT NOT NULL REFERENCES indicators(code),
    target_growth DOUBLE PRECISION NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (region_code, year, indicator)
);

CREATE TABLE observations (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    period TEXT NOT NULL,
    year BIGINT NOT NULL,
    end_month BIGINT NOT NULL,
    indicator TEXT NOT NULL REFERENCES indicators(code),
    ytd_value DOUBLE PRECISION,
    ytd_growth DOUBLE PRECISION,
    last_year_total DOUBLE PRECISION,
    source TEXT NOT NULL DEFAULT '',
    recorded_by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX observations_key ON observations (region_code, indicator, period, id);

CREATE TABLE model_versions (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    year BIGINT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE model_industries (
    version_id BIGINT NOT NULL REFERENCES model_versions(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    assumed_growth DOUBLE PRECISION,
    ordinal BIGINT NOT NULL,
    PRIMARY KEY (version_id, code)
);

CREATE TABLE model_drivers (
    version_id BIGINT NOT NULL REFERENCES model_versions(id),
    industry TEXT NOT NULL,
    indicator TEXT NOT NULL REFERENCES indicators(code),
    coefficient DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (version_id, industry, indicator)
);
