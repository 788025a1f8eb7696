-- The claim step (领任务): shortfalls opened from the analysis with a frozen snapshot, the remedy
-- library, tasks with milestones, progress reports and attachments, the routing records (the
-- enterprises served and the leads sourced), notifications, and which leaders answer for which
-- towns (包联领导).

CREATE TABLE town_leaders (
    town_id BIGINT NOT NULL REFERENCES towns(id),
    person_id BIGINT NOT NULL REFERENCES people(id),
    PRIMARY KEY (town_id, person_id)
);

CREATE TABLE shortfalls (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    period TEXT NOT NULL,
    indicator TEXT NOT NULL REFERENCES indicators(code),
    indicator_name TEXT NOT NULL,
    real_growth_pct DOUBLE PRECISION,
    target_growth_pct DOUBLE PRECISION NOT NULL,
    shortfall_pp DOUBLE PRECISION,
    sensitivity DOUBLE PRECISION NOT NULL,
    sentence TEXT NOT NULL,
    snapshot_json TEXT NOT NULL,
    analysis TEXT NOT NULL DEFAULT '',
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE shortfall_links (
    shortfall_id BIGINT NOT NULL REFERENCES shortfalls(id),
    kind TEXT NOT NULL,
    ref_id BIGINT NOT NULL,
    PRIMARY KEY (shortfall_id, kind, ref_id)
);

CREATE TABLE remedies (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sector TEXT NOT NULL,
    route TEXT NOT NULL,
    owner_department TEXT NOT NULL DEFAULT '',
    expected_effect TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (region_code, code)
);

CREATE TABLE remedy_indicators (
    remedy_id BIGINT NOT NULL REFERENCES remedies(id),
    indicator TEXT NOT NULL REFERENCES indicators(code),
    PRIMARY KEY (remedy_id, indicator)
);

CREATE TABLE remedy_tracks (
    remedy_id BIGINT NOT NULL REFERENCES remedies(id),
    track_id BIGINT NOT NULL REFERENCES tracks(id),
    PRIMARY KEY (remedy_id, track_id)
);

CREATE TABLE tasks (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    shortfall_id BIGINT REFERENCES shortfalls(id),
    remedy_id BIGINT REFERENCES remedies(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    route TEXT NOT NULL,
    track_id BIGINT REFERENCES tracks(id),
    town_id BIGINT REFERENCES towns(id),
    owner_department_id BIGINT REFERENCES departments(id),
    deadline TEXT NOT NULL,
    expected_pp DOUBLE PRECISION,
    state TEXT NOT NULL,
    claimed_by_person BIGINT REFERENCES people(id),
    claimed_by_user BIGINT REFERENCES users(id),
    claimed_at TEXT,
    done_at TEXT,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX tasks_state ON tasks (region_code, state);

CREATE TABLE task_co_departments (
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (task_id, department_id)
);

CREATE TABLE task_milestones (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    title TEXT NOT NULL,
    due TEXT NOT NULL,
    done_at TEXT
);

CREATE TABLE task_progress (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    body TEXT NOT NULL,
    author_user_id BIGINT REFERENCES users(id),
    author_name TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE TABLE attachments (
    id {{id}},
    progress_id BIGINT NOT NULL REFERENCES task_progress(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data {{blob}} NOT NULL
);

CREATE TABLE task_enterprises (
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (task_id, enterprise_id)
);

CREATE TABLE service_actions (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    action TEXT NOT NULL,
    happened_on TEXT NOT NULL,
    author_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE leads (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    task_id BIGINT REFERENCES tasks(id),
    track_id BIGINT REFERENCES tracks(id),
    chain_link TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    investor TEXT NOT NULL DEFAULT '',
    estimated_investment BIGINT,
    status TEXT NOT NULL DEFAULT 'new',
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE notifications (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users(id),
    text TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at);
