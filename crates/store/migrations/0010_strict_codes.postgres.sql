-- Code columns accept only the codes the store knows (decision 75): an unknown value written
-- behind the store's back is refused here, and one that is already stored is refused when the
-- constraint is added (fix the row, then migrate). The list is `store::codes::code_columns`.

ALTER TABLE users ADD CONSTRAINT users_role_known CHECK (role IN ('admin', 'office', 'leader', 'department', 'town', 'service_manager', 'viewer'));
ALTER TABLE targets ADD CONSTRAINT targets_unit_known CHECK (unit IN ('count', 'yuan', 'percent', 'persons', 'firms', 'days'));
ALTER TABLE targets ADD CONSTRAINT targets_kind_known CHECK (kind IN ('cumulative', 'level'));
ALTER TABLE targets ADD CONSTRAINT targets_scope_kind_known CHECK (scope_kind IN ('city', 'tier', 'track', 'town', 'department', 'programme'));
ALTER TABLE indicators ADD CONSTRAINT indicators_kind_known CHECK (kind IN ('accounting', 'leading'));
ALTER TABLE indicators ADD CONSTRAINT indicators_frequency_known CHECK (frequency IN ('monthly', 'quarterly'));
ALTER TABLE shortfall_links ADD CONSTRAINT shortfall_links_kind_known CHECK (kind IN ('industry', 'track', 'town'));
ALTER TABLE remedies ADD CONSTRAINT remedies_route_known CHECK (route IN ('stock', 'attract', 'both'));
ALTER TABLE tasks ADD CONSTRAINT tasks_route_known CHECK (route IN ('stock', 'attract', 'both'));
ALTER TABLE tasks ADD CONSTRAINT tasks_state_known CHECK (state IN ('open', 'claimed', 'in_progress', 'done', 'overdue', 'cancelled'));
ALTER TABLE leads ADD CONSTRAINT leads_status_known CHECK (status IN ('new', 'project'));
ALTER TABLE projects ADD CONSTRAINT projects_stage_known CHECK (stage IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity'));
ALTER TABLE project_stages ADD CONSTRAINT project_stages_stage_known CHECK (stage IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity'));
ALTER TABLE approval_templates ADD CONSTRAINT approval_templates_gates_stage_known CHECK (gates_stage IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity'));
ALTER TABLE project_approvals ADD CONSTRAINT project_approvals_gates_stage_known CHECK (gates_stage IN ('lead', 'negotiating', 'signed', 'registered', 'started', 'producing', 'at_capacity'));

-- Notifications name the task they are about; the front end builds the link (decision 76).
UPDATE notifications SET task_id = CAST(substr(link, 8) AS BIGINT) WHERE link ~ '^/tasks/[0-9]+$';
ALTER TABLE notifications DROP COLUMN link;
