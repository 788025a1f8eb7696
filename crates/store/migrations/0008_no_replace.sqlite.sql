-- SQLite's INSERT OR REPLACE (and REPLACE INTO) deletes a conflicting row without firing
-- its DELETE triggers (recursive_triggers is off), so the append-only tables' guards did not
-- stop it from rewriting a row. These tables' only unique key is `id`: refuse any insert that
-- names an existing id, before the conflict resolution can delete it.
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER target_actuals_no_replace BEFORE INSERT ON target_actuals
WHEN EXISTS (SELECT 1 FROM target_actuals WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'target_actuals is append-only'); END;
CREATE TRIGGER observations_no_replace BEFORE INSERT ON observations
WHEN EXISTS (SELECT 1 FROM observations WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'observations is append-only'); END;
CREATE TRIGGER task_progress_no_replace BEFORE INSERT ON task_progress
WHEN EXISTS (SELECT 1 FROM task_progress WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'task_progress is append-only'); END;
