-- MLflow's model registry: registered models (a name, a description, tags),
-- their numbered versions (a source, the run and logged model it came
-- from, tags, a stage) and aliases naming one version each. Changes to
-- them are audited as the registered model's.
ALTER TABLE ml_audit DROP CONSTRAINT ml_audit_entity_check;
ALTER TABLE ml_audit ADD CONSTRAINT ml_audit_entity_check
    CHECK (entity IN ('recipe', 'recipe_version', 'model', 'run', 'snapshot', 'example', 'alert', 'chat', 'registered_model'));

CREATE TABLE ml_registered_model (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    -- The highest version number ever given: a deleted version's number
    -- is never given again, so `models:/NAME/2` always means one model.
    last_version BIGINT NOT NULL DEFAULT 0,
    tags_json   JSONB NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE ml_model_version (
    registered_model_id BIGINT NOT NULL REFERENCES ml_registered_model(id) ON DELETE CASCADE,
    version     BIGINT NOT NULL CHECK (version > 0),
    source      TEXT NOT NULL,
    run_id      BIGINT REFERENCES ml_run(id),
    model_id    TEXT REFERENCES ml_logged_model(id),
    description TEXT NOT NULL,
    tags_json   JSONB NOT NULL,
    stage       TEXT NOT NULL CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (registered_model_id, version)
);

CREATE TABLE ml_model_alias (
    registered_model_id BIGINT NOT NULL,
    alias       TEXT NOT NULL,
    version     BIGINT NOT NULL,
    PRIMARY KEY (registered_model_id, alias),
    FOREIGN KEY (registered_model_id, version)
        REFERENCES ml_model_version(registered_model_id, version) ON DELETE CASCADE
);

SELECT nexml_secure_schema();
