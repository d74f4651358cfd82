-- History cannot be rewritten with plain SQL either:
-- * REPLACE / INSERT OR REPLACE deletes the row it replaces without firing
--   delete triggers, so an insert that would replace a version, an approval
--   or an audit row is refused before SQLite deletes anything;
-- * approvals are never updated, and deleted only with their recipe;
-- * a recipe still referenced cannot be deleted, and its versions and
--   approvals go with it, whatever `PRAGMA foreign_keys` says (the sqlite3
--   shell has it off).

CREATE TRIGGER ml_recipe_version_no_replace BEFORE INSERT ON ml_recipe_version
WHEN EXISTS (
    SELECT 1 FROM ml_recipe_version
    WHERE version_id = NEW.version_id
       OR (recipe_id = NEW.recipe_id AND version_number = NEW.version_number)
       OR (recipe_id = NEW.recipe_id AND major = NEW.major AND minor = NEW.minor AND patch = NEW.patch)
)
BEGIN
    SELECT RAISE(ABORT, 'recipe versions are immutable');
END;

CREATE TRIGGER ml_audit_no_replace BEFORE INSERT ON ml_audit
WHEN EXISTS (SELECT 1 FROM ml_audit WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER ml_recipe_approval_no_replace BEFORE INSERT ON ml_recipe_approval
WHEN EXISTS (SELECT 1 FROM ml_recipe_approval WHERE version_id = NEW.version_id)
BEGIN
    SELECT RAISE(ABORT, 'approvals are immutable');
END;

CREATE TRIGGER ml_recipe_approval_no_update BEFORE UPDATE ON ml_recipe_approval
BEGIN
    SELECT RAISE(ABORT, 'approvals are immutable');
END;

CREATE TRIGGER ml_recipe_approval_no_delete BEFORE DELETE ON ml_recipe_approval
WHEN EXISTS (SELECT 1 FROM ml_recipe WHERE id = OLD.recipe_id)
BEGIN
    SELECT RAISE(ABORT, 'approvals are immutable');
END;

CREATE TRIGGER ml_recipe_delete_guard BEFORE DELETE ON ml_recipe
WHEN EXISTS (SELECT 1 FROM ml_recipe WHERE parent_id = OLD.id)
  OR EXISTS (SELECT 1 FROM ml_model WHERE recipe_id = OLD.id)
  OR EXISTS (SELECT 1 FROM ml_run WHERE recipe_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'a recipe with children, models or runs cannot be deleted');
END;

CREATE TRIGGER ml_recipe_delete_history AFTER DELETE ON ml_recipe
BEGIN
    DELETE FROM ml_recipe_approval WHERE recipe_id = OLD.id;
    DELETE FROM ml_recipe_version WHERE recipe_id = OLD.id;
    DELETE FROM ml_synthetic_example WHERE recipe_id = OLD.id;
END;
