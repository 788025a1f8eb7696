-- Large imports are written in bounded chunks into a staging table, each chunk its own short
-- transaction, and published by one statement that copies the batch into the real table: the
-- server keeps answering while a file loads, and the import is still all-or-nothing (a batch
-- that is never published is invisible and is cleared by the next import).
CREATE TABLE import_batches (
    id {{id}},
    kind TEXT NOT NULL CHECK (kind IN ('observations')),
    region_code TEXT NOT NULL REFERENCES regions(code),
    state TEXT NOT NULL CHECK (state IN ('staging', 'published', 'abandoned')),
    rows_staged BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    finished_at TEXT
);

CREATE TABLE observation_staging (
    batch_id BIGINT NOT NULL REFERENCES import_batches(id),
    seq BIGINT NOT NULL,
    period TEXT NOT NULL,
    year BIGINT NOT NULL,
    end_month BIGINT NOT NULL,
    indicator TEXT NOT NULL REFERENCES indicators(code),
    ytd_value DOUBLE PRECISION,
    ytd_growth DOUBLE PRECISION,
    last_year_total DOUBLE PRECISION,
    PRIMARY KEY (batch_id, seq)
);
