-- A task may wait for acceptance (`submitted`, 待验收): the state's constraint of migration 10
-- is replaced by one that knows it (`store::codes::code_columns`). Urges, reassignments and
-- instructions are history: append-only.
ALTER TABLE tasks DROP CONSTRAINT tasks_state_known;
ALTER TABLE tasks ADD CONSTRAINT tasks_state_known CHECK (state IN ('open', 'claimed', 'in_progress', 'done', 'overdue', 'cancelled', 'submitted'));
CREATE TRIGGER task_urges_append_only BEFORE UPDATE OR DELETE ON task_urges
    FOR EACH ROW EXECUTE FUNCTION econops_append_only();
CREATE TRIGGER task_reassignments_append_only BEFORE UPDATE OR DELETE ON task_reassignments
    FOR EACH ROW EXECUTE FUNCTION econops_append_only();
CREATE TRIGGER instructions_append_only BEFORE UPDATE OR DELETE ON instructions
    FOR EACH ROW EXECUTE FUNCTION econops_append_only();
