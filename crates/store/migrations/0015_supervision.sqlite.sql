-- A task may wait for acceptance (`submitted`, 待验收): the state's triggers of migration 10
-- are replaced by ones that know it (`store::codes::code_columns`). Urges, reassignments and
-- instructions are history: append-only.
DROP TRIGGER tasks_state_known_insert;
DROP TRIGGER tasks_state_known_update;
CREATE TRIGGER tasks_state_known_insert BEFORE INSERT ON tasks
WHEN NEW.state NOT IN ('open', 'claimed', 'in_progress', 'done', 'overdue', 'cancelled', 'submitted')
BEGIN SELECT RAISE(ABORT, 'tasks.state: unknown code'); END;
CREATE TRIGGER tasks_state_known_update BEFORE UPDATE OF state ON tasks
WHEN NEW.state NOT IN ('open', 'claimed', 'in_progress', 'done', 'overdue', 'cancelled', 'submitted')
BEGIN SELECT RAISE(ABORT, 'tasks.state: unknown code'); END;
CREATE TRIGGER task_urges_no_update BEFORE UPDATE ON task_urges
BEGIN SELECT RAISE(ABORT, 'task_urges is append-only'); END;
CREATE TRIGGER task_urges_no_delete BEFORE DELETE ON task_urges
BEGIN SELECT RAISE(ABORT, 'task_urges is append-only'); END;
CREATE TRIGGER task_reassignments_no_update BEFORE UPDATE ON task_reassignments
BEGIN SELECT RAISE(ABORT, 'task_reassignments is append-only'); END;
CREATE TRIGGER task_reassignments_no_delete BEFORE DELETE ON task_reassignments
BEGIN SELECT RAISE(ABORT, 'task_reassignments is append-only'); END;
CREATE TRIGGER instructions_no_update BEFORE UPDATE ON instructions
BEGIN SELECT RAISE(ABORT, 'instructions is append-only'); END;
CREATE TRIGGER instructions_no_delete BEFORE DELETE ON instructions
BEGIN SELECT RAISE(ABORT, 'instructions is append-only'); END;
