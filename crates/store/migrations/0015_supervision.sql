-- Migration 15: supervision (督办). A task keeps its original deadline beside the deadline in
-- force; urges (催办), reassignments (改派), extension requests (延期), leaders' instructions
-- (领导批示) and completion reports (办结, with 成效 and 佐证) are kept as history; 办结 waits for
-- the office's acceptance (state `submitted`, 待验收). Tasks done before acceptance existed stay
-- done and are recorded as accepted on their done date (decision 86).
ALTER TABLE tasks ADD COLUMN original_deadline TEXT;
UPDATE tasks SET original_deadline = deadline;
ALTER TABLE tasks ADD COLUMN accepted_at TEXT;
ALTER TABLE tasks ADD COLUMN accepted_by_name TEXT;
UPDATE tasks SET accepted_at = done_at, accepted_by_name = '（验收制度实行前办结）' WHERE state = 'done';

CREATE TABLE task_urges (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    note TEXT NOT NULL DEFAULT '',
    by_user_id BIGINT REFERENCES users(id),
    by_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX task_urges_task ON task_urges (task_id);

CREATE TABLE task_reassignments (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    from_person BIGINT REFERENCES people(id),
    to_person BIGINT REFERENCES people(id),
    from_department_id BIGINT REFERENCES departments(id),
    to_department_id BIGINT REFERENCES departments(id),
    summary TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX task_reassignments_task ON task_reassignments (task_id);

CREATE TABLE task_extensions (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    old_deadline TEXT NOT NULL,
    requested_deadline TEXT NOT NULL,
    reason TEXT NOT NULL,
    requested_by_user BIGINT REFERENCES users(id),
    requested_by_name TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decision TEXT CHECK (decision IN ('approved', 'refused')),
    decided_by_name TEXT,
    decided_at TEXT,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX task_extensions_task ON task_extensions (task_id);

CREATE TABLE task_completions (
    id {{id}},
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    outcome TEXT NOT NULL,
    realised_pp DOUBLE PRECISION,
    progress_id BIGINT NOT NULL REFERENCES task_progress(id),
    submitted_by_user BIGINT REFERENCES users(id),
    submitted_by_name TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    decision TEXT CHECK (decision IN ('accepted', 'returned')),
    decided_by_name TEXT,
    decided_at TEXT,
    return_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX task_completions_task ON task_completions (task_id);

CREATE TABLE instructions (
    id {{id}},
    task_id BIGINT REFERENCES tasks(id),
    project_id BIGINT REFERENCES projects(id),
    body TEXT NOT NULL,
    author_user_id BIGINT REFERENCES users(id),
    author_name TEXT NOT NULL,
    at TEXT NOT NULL,
    CHECK ((task_id IS NULL) <> (project_id IS NULL))
);
CREATE INDEX instructions_task ON instructions (task_id);
CREATE INDEX instructions_project ON instructions (project_id);
