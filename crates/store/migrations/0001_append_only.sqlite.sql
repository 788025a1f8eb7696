-- The audit log and the history of actual values are append-only: the database itself
-- refuses to change or delete a row.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER target_actuals_no_update BEFORE UPDATE ON target_actuals
BEGIN SELECT RAISE(ABORT, 'target_actuals is append-only'); END;
CREATE TRIGGER target_actuals_no_delete BEFORE DELETE ON target_actuals
BEGIN SELECT RAISE(ABORT, 'target_actuals is append-only'); END;
