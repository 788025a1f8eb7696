CREATE TRIGGER task_progress_no_update BEFORE UPDATE ON task_progress
BEGIN SELECT RAISE(ABORT, 'task_progress is append-only'); END;
CREATE TRIGGER task_progress_no_delete BEFORE DELETE ON task_progress
BEGIN SELECT RAISE(ABORT, 'task_progress is append-only'); END;
