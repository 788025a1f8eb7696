CREATE TRIGGER task_progress_append_only BEFORE UPDATE OR DELETE ON task_progress
    FOR EACH ROW EXECUTE FUNCTION econops_append_only();
