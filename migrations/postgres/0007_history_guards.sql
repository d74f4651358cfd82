-- History cannot be rewritten with plain SQL either: approvals are never
-- updated and deleted only with their recipe, and TRUNCATE (which row
-- triggers do not see) is refused on versions, approvals and the audit log.

CREATE FUNCTION ml_recipe_approval_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR EXISTS (SELECT 1 FROM ml_recipe WHERE id = OLD.recipe_id) THEN
        RAISE EXCEPTION 'approvals are immutable';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ml_recipe_approval_immutable BEFORE UPDATE OR DELETE ON ml_recipe_approval
    FOR EACH ROW EXECUTE FUNCTION ml_recipe_approval_immutable();

CREATE FUNCTION nexml_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% cannot be truncated: its history is immutable', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ml_audit_no_truncate BEFORE TRUNCATE ON ml_audit
    FOR EACH STATEMENT EXECUTE FUNCTION nexml_refuse_truncate();
CREATE TRIGGER ml_recipe_version_no_truncate BEFORE TRUNCATE ON ml_recipe_version
    FOR EACH STATEMENT EXECUTE FUNCTION nexml_refuse_truncate();
CREATE TRIGGER ml_recipe_approval_no_truncate BEFORE TRUNCATE ON ml_recipe_approval
    FOR EACH STATEMENT EXECUTE FUNCTION nexml_refuse_truncate();
