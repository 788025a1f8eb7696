-- The land step (打项目): projects from lead to full capacity with the dates of their stages,
-- approval templates and each project's approval plan (a graph of prerequisites), and the
-- full-process service log of problems raised by a project.

CREATE TABLE projects (
    id {{id}},
    region_code TEXT NOT NULL REFERENCES regions(code),
    name TEXT NOT NULL,
    code_name TEXT NOT NULL DEFAULT '',
    investor_name TEXT NOT NULL DEFAULT '',
    investor_enterprise_id BIGINT REFERENCES enterprises(id),
    track_id BIGINT REFERENCES tracks(id),
    chain_link TEXT NOT NULL DEFAULT '',
    host_area_id BIGINT REFERENCES host_areas(id),
    town_id BIGINT REFERENCES towns(id),
    total_investment BIGINT,
    fixed_asset_investment BIGINT,
    output_at_capacity BIGINT,
    value_added_at_capacity BIGINT,
    tax_at_capacity BIGINT,
    jobs BIGINT,
    expected_production_month TEXT,
    source_kind TEXT NOT NULL DEFAULT 'other',
    source_task_id BIGINT REFERENCES tasks(id),
    source_lead_id BIGINT REFERENCES leads(id),
    stage TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX projects_region_stage ON projects (region_code, stage);

CREATE TABLE project_stages (
    id {{id}},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    stage TEXT NOT NULL,
    on_date TEXT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX project_stages_project ON project_stages (project_id, stage);

CREATE TABLE approval_templates (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    typical_days BIGINT NOT NULL,
    prerequisites TEXT NOT NULL DEFAULT '',
    gates_stage TEXT,
    ordinal BIGINT NOT NULL
);

CREATE TABLE project_approvals (
    id {{id}},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    planned_days BIGINT NOT NULL,
    prerequisites TEXT NOT NULL DEFAULT '',
    gates_stage TEXT,
    plan_start TEXT,
    actual_start TEXT,
    actual_end TEXT,
    UNIQUE (project_id, code)
);

CREATE TABLE project_issues (
    id {{id}},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    problem TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    deadline TEXT NOT NULL,
    resolution TEXT NOT NULL DEFAULT '',
    resolved_at TEXT,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Typical approval items of an industrial project (并联审批), with days and prerequisites.
INSERT INTO approval_templates (code, name, typical_days, prerequisites, gates_stage, ordinal) VALUES
    ('filing', '立项备案', 3, '', NULL, 1),
    ('land', '用地预审与选址意见', 20, 'filing', NULL, 2),
    ('planning', '建设用地规划许可', 15, 'land', NULL, 3),
    ('env', '环境影响评价', 30, 'filing', NULL, 4),
    ('energy', '节能审查', 15, 'filing', NULL, 5),
    ('design', '施工图审查', 20, 'planning', NULL, 6),
    ('permit', '建筑工程施工许可', 10, 'design,env,energy', 'started', 7);
