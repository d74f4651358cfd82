-- MLflow's model registry: registered models (a name, a description, tags),
-- their numbered versions (a source, the run and logged model it came
-- from, tags, a stage) and aliases naming one version each. Changes to
-- them are audited as the registered model's, so the audit table takes
-- that entity: SQLite cannot change a CHECK in place, so the table is
-- rebuilt with its rows, its hash chain, index and guards.

CREATE TABLE ml_audit_new (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('recipe', 'recipe_version', 'model', 'run', 'snapshot', 'example', 'alert', 'chat', 'registered_model')),
    entity_id  INTEGER NOT NULL,
    action     TEXT NOT NULL,
    details    TEXT NOT NULL DEFAULT '{}',
    hash       TEXT
);
INSERT INTO ml_audit_new (id, at, actor, entity, entity_id, action, details, hash)
SELECT id, at, actor, entity, entity_id, action, details, hash FROM ml_audit;
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
CREATE TRIGGER ml_audit_no_replace BEFORE INSERT ON ml_audit
WHEN EXISTS (SELECT 1 FROM ml_audit WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TABLE ml_registered_model (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    -- The highest version number ever given: a deleted version's number
    -- is never given again, so `models:/NAME/2` always means one model.
    last_version INTEGER NOT NULL DEFAULT 0,
    tags_json   TEXT NOT NULL CHECK (json_valid(tags_json)),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE ml_model_version (
    registered_model_id INTEGER NOT NULL REFERENCES ml_registered_model(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL CHECK (version > 0),
    source      TEXT NOT NULL,
    run_id      INTEGER REFERENCES ml_run(id),
    model_id    TEXT REFERENCES ml_logged_model(id),
    description TEXT NOT NULL,
    tags_json   TEXT NOT NULL CHECK (json_valid(tags_json)),
    stage       TEXT NOT NULL CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (registered_model_id, version)
);

CREATE TABLE ml_model_alias (
    registered_model_id INTEGER NOT NULL,
    alias       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (registered_model_id, alias),
    FOREIGN KEY (registered_model_id, version)
        REFERENCES ml_model_version(registered_model_id, version) ON DELETE CASCADE
);
