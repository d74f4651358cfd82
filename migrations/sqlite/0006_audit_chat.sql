-- Chat messages are audited too. SQLite cannot change a CHECK constraint in
-- place, so the audit table is rebuilt with its rows, index and guards.

CREATE TABLE ml_audit_new (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('recipe', 'recipe_version', 'model', 'run', 'snapshot', 'example', 'alert', 'chat')),
    entity_id  INTEGER NOT NULL,
    action     TEXT NOT NULL,
    details    TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO ml_audit_new (id, at, actor, entity, entity_id, action, details)
SELECT id, at, actor, entity, entity_id, action, details FROM ml_audit;
DROP TABLE ml_audit;
ALTER TABLE ml_audit_new RENAME TO ml_audit;
CREATE INDEX ml_audit_entity ON ml_audit(entity, entity_id, id);
CREATE TRIGGER ml_audit_no_update BEFORE UPDATE ON ml_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER ml_audit_no_delete BEFORE DELETE ON ml_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
