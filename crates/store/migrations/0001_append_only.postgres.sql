-- The audit log and the history of actual values are append-only: the database itself
-- refuses to change or delete a row.
CREATE FUNCTION econops_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION econops_append_only();
CREATE TRIGGER target_actuals_append_only BEFORE UPDATE OR DELETE ON target_actuals
    FOR EACH ROW EXECUTE FUNCTION econops_append_only();
