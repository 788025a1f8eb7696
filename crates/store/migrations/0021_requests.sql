-- Enterprise requests (诉求): raised for a firm by its service manager, the office or its town,
-- or by the firm itself through a per-firm link; routed by category to a department (editable
-- rules; no rule means the office); accepted, answered, resolved within working-day deadlines,
-- extended once with the office's approval, confirmed and rated. Every step is kept in
-- request_events (the history); the request row holds the current state and the deadlines.

CREATE TABLE request_routes (
    region_code TEXT NOT NULL REFERENCES regions(code),
    category TEXT NOT NULL CHECK (category IN ('land', 'labour', 'finance', 'energy', 'approval', 'policy', 'logistics', 'market', 'other')),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (region_code, category)
);

CREATE TABLE request_links (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    token_hash TEXT NOT NULL UNIQUE,
    manager_person_id BIGINT REFERENCES people(id),
    created_by_user BIGINT REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX request_links_enterprise ON request_links (enterprise_id);

CREATE TABLE requests (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises(id),
    category TEXT NOT NULL CHECK (category IN ('land', 'labour', 'finance', 'energy', 'approval', 'policy', 'logistics', 'market', 'other')),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    department_id BIGINT REFERENCES departments(id),
    state TEXT NOT NULL CHECK (state IN ('submitted', 'accepted', 'answered', 'resolved', 'confirmed')),
    channel TEXT NOT NULL CHECK (channel IN ('staff', 'link')),
    raised_by_user BIGINT REFERENCES users(id),
    manager_person_id BIGINT REFERENCES people(id),
    link_id BIGINT REFERENCES request_links(id),
    submitted_on TEXT NOT NULL,
    accept_due TEXT NOT NULL,
    answer_due TEXT NOT NULL,
    resolve_due TEXT NOT NULL,
    accepted_on TEXT,
    answered_on TEXT,
    resolved_on TEXT,
    confirmed_on TEXT,
    extension TEXT NOT NULL DEFAULT 'none' CHECK (extension IN ('none', 'asked', 'granted', 'refused')),
    extension_reason TEXT NOT NULL DEFAULT '',
    reopen_count BIGINT NOT NULL DEFAULT 0,
    rating TEXT CHECK (rating IN ('satisfied', 'basic', 'dissatisfied')),
    answer TEXT NOT NULL DEFAULT '',
    resolution TEXT NOT NULL DEFAULT '',
    escalated_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX requests_region_state ON requests (region_code, state);
CREATE INDEX requests_department ON requests (department_id, state);
CREATE INDEX requests_enterprise ON requests (enterprise_id);

CREATE TABLE request_events (
    id {{id}},
    request_id BIGINT NOT NULL REFERENCES requests(id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    rating TEXT CHECK (rating IN ('satisfied', 'basic', 'dissatisfied')),
    actor_name TEXT NOT NULL,
    actor_user BIGINT REFERENCES users(id),
    on_day TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX request_events_request ON request_events (request_id);
