-- Code columns accept only the codes the store knows (decision 75). SQLite cannot add a CHECK
-- constraint to an existing table, so each column gets a BEFORE INSERT and a BEFORE UPDATE
-- trigger that aborts on an unknown code (NULL passes, as it does a CHECK). The list is
-- `store::codes::code_columns`.

CREATE TRIGGER users_role_known_insert BEFORE INSERT ON users
WHEN NEW.role NOT IN ('admin', 'office', 'leader', 'department', 'town', 'service_manager', 'viewer')
BEGIN SELECT RAISE(ABORT, 'users.role: unknown code'); END;
CREATE TRIGGER users_role_known_update BEFORE UPDATE OF role ON users
WHEN NEW.role NOT IN ('admin', 'office', 'leader', 'department', 'town', 'service_manager', 'viewer')
BEGIN SELECT RAISE(ABORT, 'users.role: unknown code'); END;
CREATE TRIGGER targets_unit_known_insert BEFORE INSERT ON targets
WHEN NEW.unit NOT IN ('count', 'yuan', 'percent', 'persons', 'firms', 'days')
BEGIN SELECT RAISE(ABORT, 'targets.unit: unknown code'); END;
CREATE TRIGGER targets_unit_known_update BEFORE UPDATE OF unit ON targets
WHEN NEW.unit NOT IN ('count', 'yuan', 'percent', 'persons', 'firms', 'days')
BEGIN SELECT RAISE(ABORT, 'targets.unit: unknown code'); END;
CREATE TRIGGER targets_kind_known_insert BEFORE INSERT ON targets
WHEN NEW.kind NOT IN ('cumulative', 'level')
BEGIN SELECT RAISE(ABORT, 'targets.kind: unknown code'); END;
CREATE TRIGGER targets_kind_known_update BEFORE UPDATE OF kind ON targets
WHEN NEW.kind NOT IN ('cumulative', 'level')
BEGIN SELECT RAISE(ABORT, 'targets.kind: unknown code'); END;
CREATE TRIGGER targets_scope_kind_known_insert BEFORE INSERT ON targets
WHEN NEW.scope_kind NOT IN ('city', 'tier', 'track', 'town', 'department', 'programme')
BEGIN SELECT RAISE(ABORT, 'targets.scope_kind: unknown code'); END;
CREATE TRIGGER targets_scope_kind_known_update BEFORE UPDATE OF scope_kind ON targets
WHEN NEW.scope_kind NOT IN ('city', 'tier', 'track', 'town', 'department', 'programme')
BEGIN SELECT RAISE(ABORT, 'targets.scope_kind: unknown code'); END;
CREATE TRIGGER indicators_kind_known_insert BEFORE INSERT ON indicators
WHEN NEW.kind NOT IN ('accounting', 'leading')
BEGIN SELECT RAISE(ABORT, 'indicators.kind: unknown code'); END;
CREATE TRIGGER indicators_kind_known_update BEFORE UPDATE OF kind ON indicators
WHEN NEW.kind NOT IN ('accounting', 'leading')
BEGIN SELECT RAISE(ABORT, 'indicators.kind: unknown code'); END;
CREATE TRIGGER indicators_frequency_known_insert BEFORE INSERT ON indicators
WHEN NEW.frequency NOT IN ('monthly', 'quarterly')
BEGIN SELECT RAISE(ABORT, 'indicators.frequency: unknown code'); END;
CREATE TRIGGER indicators_frequency_known_update BEFORE UPDATE OF frequency ON indicators
WHEN NEW.frequency NOT IN ('monthly', 'quarterly')
BEGIN SELECT RAISE(ABORT, 'indicators.frequency: unknown code'); END;
CREATE TRIGGER shortfall_links_kind_known_insert BEFORE INSERT ON shortfall_links
WHEN NEW.kind NOT IN ('industry', 'track', 'town')
BEGIN SELECT RAISE(ABORT, 'shortfall_links.kind: unknown code'); END;
CREATE TRIGGER shortfall_links_kind_known_update BEFORE UPDATE OF kind ON shortfall_links
WHEN NEW.kind NOT IN ('industry', 'track', 'town')
BEGIN SELECT RAISE(ABORT, 'shortfall_links.kind: unknown code'); END;
CREATE TRIGGER remedies_route_known_insert BEFORE INSERT ON remedies
WHEN NEW.route NOT IN ('stock', 'attract', 'both')
BEGIN SELECT RAISE(ABORT, 'remedies.route: unknown code'); END;
CREATE TRIGGER remedies_route_known_update BEFORE UPDATE OF route ON remedies
WHEN NEW.route NOT IN ('stock', 'attract', 'both')
BEGIN SELECT RAISE(ABORT, 'remedies.route: unknown code'); END;
CREATE TRIGGER tasks_route_known_insert BEFORE INSERT ON tasks
WHEN NEW.route NOT IN ('stock', 'attract', 'both')
BEGIN SELECT RAISE(ABORT, 'tasks.route: unknown code'); END;
CREATE TRIGGER tasks_route_known_update BEFORE UPDATE OF route ON tasks
WHEN NEW.route NOT IN ('stock', 'attract', 'both')
BEGIN SELECT RAISE(ABORT, 'tasks.route: unknown code'); END;
CREATE TRIGGER tasks_state_known_insert BEFORE INSERT ON tasks
WHEN NEW.state NOT IN ('open', 'claimed', 'in_progress', 'done', 'overdue', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'tasks.state: unknown code'); END;
CREATE TRIGGER tasks_state_known_update BEFORE UPDATE OF state ON tasks
WHEN NEW.state NOT IN ('open', 'claimed', 'in_progress', 'done', 'overdue', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'tasks.state: unknown code'); END;
CREATE TRIGGER leads_status_known_insert BEFORE INSERT ON leads
WHEN NEW.status NOT IN ('new', 'project')
BEGIN SELECT RAISE(ABORT, 'leads.status: unknown code'); END;
CREATE TRIGGER leads_status_known_update BEFORE UPDATE OF status ON leads
WHEN NEW.status NOT IN ('new', 'project')
BEGIN SELECT RAISE(ABORT, 'leads.status: unknown code'); END;
CREATE TRIGGER projects_stage_known_insert BEFORE INSERT ON projects
WHEN NEW.stage NOT IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity')
BEGIN SELECT RAISE(ABORT, 'projects.stage: unknown code'); END;
CREATE TRIGGER projects_stage_known_update BEFORE UPDATE OF stage ON projects
WHEN NEW.stage NOT IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity')
BEGIN SELECT RAISE(ABORT, 'projects.stage: unknown code'); END;
CREATE TRIGGER project_stages_stage_known_insert BEFORE INSERT ON project_stages
WHEN NEW.stage NOT IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity')
BEGIN SELECT RAISE(ABORT, 'project_stages.stage: unknown code'); END;
CREATE TRIGGER project_stages_stage_known_update BEFORE UPDATE OF stage ON project_stages
WHEN NEW.stage NOT IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity')
BEGIN SELECT RAISE(ABORT, 'project_stages.stage: unknown code'); END;
CREATE TRIGGER approval_templates_gates_stage_known_insert BEFORE INSERT ON approval_templates
WHEN NEW.gates_stage NOT IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity')
BEGIN SELECT RAISE(ABORT, 'approval_templates.gates_stage: unknown code'); END;
CREATE TRIGGER approval_templates_gates_stage_known_update BEFORE UPDATE OF gates_stage ON approval_templates
WHEN NEW.gates_stage NOT IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity')
BEGIN SELECT RAISE(ABORT, 'approval_templates.gates_stage: unknown code'); END;
CREATE TRIGGER project_approvals_gates_stage_known_insert BEFORE INSERT ON project_approvals
WHEN NEW.gates_stage NOT IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity')
BEGIN SELECT RAISE(ABORT, 'project_approvals.gates_stage: unknown code'); END;
CREATE TRIGGER project_approvals_gates_stage_known_update BEFORE UPDATE OF gates_stage ON project_approvals
WHEN NEW.gates_stage NOT IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity')
BEGIN SELECT RAISE(ABORT, 'project_approvals.gates_stage: unknown code'); END;

-- Notifications name the task they are about; the front end builds the link (decision 76).
UPDATE notifications SET task_id = CAST(substr(link, 8) AS INTEGER)
WHERE link GLOB '/tasks/[0-9]*' AND substr(link, 8) NOT GLOB '*[^0-9]*';
ALTER TABLE notifications DROP COLUMN link;
