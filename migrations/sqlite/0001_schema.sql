-- nexml schema for SQLite. Timestamps are bound from Rust (RFC 3339 text, microseconds).

CREATE TABLE ml_recipe (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    model_family  TEXT NOT NULL CHECK (model_family IN ('forecasting', 'pricing', 'next_best_action', 'location_scoring')),
    level         TEXT NOT NULL CHECK (level IN ('baseline', 'industry', 'client')),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'archived')),
    parent_id     INTEGER REFERENCES ml_recipe(id),
    tags          TEXT NOT NULL DEFAULT '[]',
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((level = 'baseline') = (parent_id IS NULL))
);
CREATE INDEX ml_recipe_parent ON ml_recipe(parent_id);
CREATE INDEX ml_recipe_family ON ml_recipe(model_family, id);

CREATE TABLE ml_recipe_version (
    version_id         INTEGER PRIMARY KEY,
    recipe_id          INTEGER NOT NULL REFERENCES ml_recipe(id) ON DELETE CASCADE,
    version_number     TEXT NOT NULL,
    major              INTEGER NOT NULL CHECK (major >= 0),
    minor              INTEGER NOT NULL CHECK (minor >= 0),
    patch              INTEGER NOT NULL CHECK (patch >= 0),
    manifest_json      TEXT NOT NULL,
    diff_from_prev     TEXT NOT NULL DEFAULT '[]',
    parent_version_id  INTEGER REFERENCES ml_recipe_version(version_id),
    overlay_json       TEXT,
    bump               TEXT NOT NULL CHECK (bump IN ('initial', 'patch', 'minor', 'major')),
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    change_note        TEXT NOT NULL DEFAULT '',
    UNIQUE (recipe_id, version_number),
    UNIQUE (recipe_id, major, minor, patch)
);
CREATE INDEX ml_recipe_version_parent ON ml_recipe_version(parent_version_id);

-- Versions are immutable: never updated, and deleted only with their recipe.
CREATE TRIGGER ml_recipe_version_no_update BEFORE UPDATE ON ml_recipe_version
BEGIN
    SELECT RAISE(ABORT, 'recipe versions are immutable');
END;
CREATE TRIGGER ml_recipe_version_no_delete BEFORE DELETE ON ml_recipe_version
WHEN EXISTS (SELECT 1 FROM ml_recipe WHERE id = OLD.recipe_id)
BEGIN
    SELECT RAISE(ABORT, 'recipe versions are immutable');
END;

CREATE TABLE ml_recipe_approval (
    version_id   INTEGER PRIMARY KEY REFERENCES ml_recipe_version(version_id) ON DELETE CASCADE,
    recipe_id    INTEGER NOT NULL REFERENCES ml_recipe(id) ON DELETE CASCADE,
    approved_by  TEXT NOT NULL,
    approved_at  TEXT NOT NULL
);
CREATE INDEX ml_recipe_approval_recipe ON ml_recipe_approval(recipe_id);

CREATE TABLE ml_model (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    model_family       TEXT NOT NULL CHECK (model_family IN ('forecasting', 'pricing', 'next_best_action', 'location_scoring')),
    recipe_id          INTEGER NOT NULL REFERENCES ml_recipe(id),
    recipe_version_id  INTEGER NOT NULL REFERENCES ml_recipe_version(version_id),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'staging', 'production', 'retired')),
    owner              TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX ml_model_recipe ON ml_model(recipe_id);
CREATE INDEX ml_model_status ON ml_model(status, id);

CREATE TABLE ml_run (
    id                 INTEGER PRIMARY KEY,
    model_id           INTEGER REFERENCES ml_model(id),
    recipe_id          INTEGER NOT NULL REFERENCES ml_recipe(id),
    recipe_version_id  INTEGER NOT NULL REFERENCES ml_recipe_version(version_id),
    run_type           TEXT NOT NULL CHECK (run_type IN ('train', 'eval', 'backtest')),
    status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    started_at         TEXT,
    finished_at        TEXT,
    metrics_json       TEXT NOT NULL DEFAULT '{}',
    artifacts_json     TEXT NOT NULL DEFAULT '{}',
    logs_text          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ml_run_recipe ON ml_run(recipe_id, id);
CREATE INDEX ml_run_model ON ml_run(model_id, id);
CREATE INDEX ml_run_status ON ml_run(status, id);
CREATE INDEX ml_run_type ON ml_run(run_type, id);

CREATE TABLE ml_monitor_snapshot (
    id                        INTEGER PRIMARY KEY,
    model_id                  INTEGER NOT NULL REFERENCES ml_model(id),
    captured_at               TEXT NOT NULL,
    performance_metrics_json  TEXT NOT NULL DEFAULT '{}',
    drift_metrics_json        TEXT NOT NULL DEFAULT '{}',
    data_freshness_json       TEXT NOT NULL DEFAULT '{}',
    alerts_json               TEXT NOT NULL DEFAULT '[]',
    created_by                TEXT NOT NULL
);
CREATE INDEX ml_monitor_snapshot_model ON ml_monitor_snapshot(model_id, captured_at);

CREATE TABLE ml_synthetic_example (
    id                   INTEGER PRIMARY KEY,
    recipe_id            INTEGER NOT NULL UNIQUE REFERENCES ml_recipe(id) ON DELETE CASCADE,
    dataset_schema_json  TEXT NOT NULL,
    sample_rows_json     TEXT NOT NULL,
    example_run_json     TEXT NOT NULL,
    created_at           TEXT NOT NULL
);

-- Append-only record of every change: who, when, what.
CREATE TABLE ml_audit (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('recipe', 'recipe_version', 'model', 'run', 'snapshot', 'example', 'alert')),
    entity_id  INTEGER NOT NULL,
    action     TEXT NOT NULL,
    details    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ml_audit_entity ON ml_audit(entity, entity_id, id);
CREATE TRIGGER ml_audit_no_update BEFORE UPDATE ON ml_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER ml_audit_no_delete BEFORE DELETE ON ml_audit
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
