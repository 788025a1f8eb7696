-- The foundation schema: the region and its structure, the industrial system, targets with
-- the history of their actual values, accounts, sessions, tokens and the audit log.
-- Portable SQL: {{id}} becomes the dialect's auto-increment primary key. Money is stored in
-- whole yuan, percentages in hundredths of a percent, times as ISO-8601 UTC text.

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    parent_code TEXT REFERENCES regions(code),
    created_at TEXT NOT NULL
);

CREATE TABLE towns (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (region_code, code),
    UNIQUE (region_code, name)
);

CREATE TABLE departments (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    is_sample BIGINT NOT NULL DEFAULT 0,
    UNIQUE (region_code, code)
);

CREATE TABLE people (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    is_sample BIGINT NOT NULL DEFAULT 0,
    UNIQUE (region_code, code)
);

CREATE TABLE host_areas (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    town_id BIGINT REFERENCES towns(id),
    attributes TEXT NOT NULL DEFAULT '',
    is_sample BIGINT NOT NULL DEFAULT 0,
    UNIQUE (region_code, code)
);

CREATE TABLE platforms (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_sample BIGINT NOT NULL DEFAULT 0,
    UNIQUE (region_code, code)
);

CREATE TABLE programmes (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    ordinal BIGINT NOT NULL,
    lead_department_id BIGINT REFERENCES departments(id),
    is_sample BIGINT NOT NULL DEFAULT 0,
    UNIQUE (region_code, code)
);

CREATE TABLE tiers (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    ordinal BIGINT NOT NULL,
    UNIQUE (region_code, code)
);

CREATE TABLE tracks (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    tier_id BIGINT NOT NULL REFERENCES tiers(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    lead_leader_id BIGINT REFERENCES people(id),
    lead_department_id BIGINT REFERENCES departments(id),
    ordinal BIGINT NOT NULL,
    is_sample BIGINT NOT NULL DEFAULT 0,
    UNIQUE (region_code, code)
);

CREATE TABLE track_responsible_leaders (
    track_id BIGINT NOT NULL REFERENCES tracks(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (track_id, person_id)
);

CREATE TABLE track_host_areas (
    track_id BIGINT NOT NULL REFERENCES tracks(id),
    host_area_id BIGINT NOT NULL REFERENCES host_areas(id),
    PRIMARY KEY (track_id, host_area_id)
);

CREATE TABLE enterprises (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    uscc TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    town_id BIGINT REFERENCES towns(id),
    track_id BIGINT REFERENCES tracks(id),
    above_scale BIGINT NOT NULL DEFAULT 0,
    is_sample BIGINT NOT NULL DEFAULT 0,
    UNIQUE (region_code, code)
);

CREATE TABLE track_chain_leaders (
    track_id BIGINT NOT NULL REFERENCES tracks(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    PRIMARY KEY (track_id, enterprise_id)
);

CREATE TABLE users (
    id {{id}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    region_code TEXT REFERENCES regions(code),
    person_id BIGINT REFERENCES people(id),
    department_id BIGINT REFERENCES departments(id),
    town_id BIGINT REFERENCES towns(id),
    active BIGINT NOT NULL DEFAULT 1,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE targets (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    year BIGINT NOT NULL,
    code TEXT NOT NULL,
    metric TEXT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    value BIGINT NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_id BIGINT,
    parent_id BIGINT REFERENCES targets(id),
    source TEXT NOT NULL DEFAULT '',
    is_sample BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (region_code, year, code)
);
CREATE INDEX targets_scope ON targets (region_code, year, scope_kind, scope_id);

CREATE TABLE target_actuals (
    id {{id}},
    target_id BIGINT NOT NULL REFERENCES targets(id),
    value BIGINT NOT NULL,
    as_of TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT REFERENCES users(id),
    recorded_by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX target_actuals_target ON target_actuals (target_id, as_of);

CREATE TABLE audit_log (
    id {{id}},
    at TEXT NOT NULL,
    actor_user_id BIGINT REFERENCES users(id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    region_code TEXT,
    summary TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
