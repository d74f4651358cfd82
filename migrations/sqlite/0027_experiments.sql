-- no-transaction
-- MLflow's experiments as their own entity. Every recipe keeps its own
-- experiment (a row with no name: it is named by its recipe, and
-- archiving the recipe deletes it), with the recipe's id where that id is
-- free. A client can make experiments of its own (a name, tags, active or
-- deleted) whose runs belong to no recipe until one is linked, and
-- MLflow's Default experiment 0 takes runs made with none set.
--
-- A run therefore names its experiment, and its recipe and version become
-- optional. SQLite cannot drop a NOT NULL in place, so `ml_run` is rebuilt
-- with its rows, indexes and triggers. Its children point at it by name:
-- with foreign keys off, dropping the old table neither deletes their rows
-- nor breaks their references, and the new table takes its name. That
-- needs foreign keys off, which SQLite ignores inside a transaction, so
-- this file makes its own transaction.
PRAGMA foreign_keys = OFF;
PRAGMA legacy_alter_table = ON;
BEGIN;

CREATE TABLE ml_experiment (
    id             INTEGER PRIMARY KEY,
    -- NULL: the recipe's own experiment, named by the recipe.
    name           TEXT UNIQUE CHECK (name IS NULL OR length(trim(name)) > 0),
    recipe_id      INTEGER REFERENCES ml_recipe(id) ON DELETE SET NULL,
    lifecycle      TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle IN ('active', 'deleted')),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK (name IS NOT NULL OR recipe_id IS NOT NULL)
);
CREATE UNIQUE INDEX ml_experiment_own ON ml_experiment(recipe_id) WHERE name IS NULL;
CREATE INDEX ml_experiment_recipe ON ml_experiment(recipe_id);

INSERT INTO ml_experiment (id, name, recipe_id, created_by, created_at, updated_at)
VALUES (0, 'Default', NULL, 'nexml', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
INSERT INTO ml_experiment (id, name, recipe_id, created_by, created_at, updated_at)
SELECT id, NULL, id, created_by, created_at, updated_at FROM ml_recipe;

-- A new recipe's experiment, with the recipe's id unless a client's
-- experiment holds it.
CREATE TRIGGER ml_recipe_experiment AFTER INSERT ON ml_recipe
BEGIN
    INSERT INTO ml_experiment (id, name, recipe_id, created_by, created_at, updated_at)
    VALUES (
        CASE WHEN EXISTS (SELECT 1 FROM ml_experiment WHERE id = NEW.id)
             THEN (SELECT MAX(id) + 1 FROM ml_experiment) ELSE NEW.id END,
        NULL, NEW.id, NEW.created_by, NEW.created_at, NEW.created_at);
END;

-- A recipe deleted (only one with no runs can be) takes its own experiment.
CREATE TRIGGER ml_recipe_experiment_delete BEFORE DELETE ON ml_recipe
BEGIN
    DELETE FROM ml_experiment_tag
    WHERE experiment_id IN (SELECT id FROM ml_experiment WHERE recipe_id = OLD.id AND name IS NULL);
    DELETE FROM ml_experiment WHERE recipe_id = OLD.id AND name IS NULL;
END;

-- Changes to a client's experiment are audited as the experiment's.
CREATE TABLE ml_audit_new (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('recipe', 'recipe_version', 'model', 'run', 'snapshot', 'example', 'alert', 'chat', 'registered_model', 'experiment')),
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

-- Experiment tags belong to the experiment (the recipe's own kept its id).
CREATE TABLE ml_experiment_tag_new (
    experiment_id INTEGER NOT NULL REFERENCES ml_experiment(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
) WITHOUT ROWID;
INSERT INTO ml_experiment_tag_new (experiment_id, key, value)
SELECT recipe_id, key, value FROM ml_experiment_tag;
DROP TABLE ml_experiment_tag;
ALTER TABLE ml_experiment_tag_new RENAME TO ml_experiment_tag;

-- A logged model belongs to an experiment (a recipe's own kept its id).
CREATE TABLE ml_logged_model_new (
    id            TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES ml_experiment(id),
    run_id        INTEGER REFERENCES ml_run(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    model_type    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    params_json   TEXT NOT NULL CHECK (json_valid(params_json)),
    tags_json     TEXT NOT NULL CHECK (json_valid(tags_json)),
    deleted_at    TEXT
);
INSERT INTO ml_logged_model_new (id, experiment_id, run_id, name, model_type, status,
    created_by, created_at, updated_at, params_json, tags_json, deleted_at)
SELECT id, recipe_id, run_id, name, model_type, status,
    created_by, created_at, updated_at, params_json, tags_json, deleted_at
FROM ml_logged_model;
DROP TABLE ml_logged_model;
ALTER TABLE ml_logged_model_new RENAME TO ml_logged_model;
CREATE INDEX ml_logged_model_of_experiment ON ml_logged_model (experiment_id, created_at);
CREATE INDEX ml_logged_model_of_run ON ml_logged_model (run_id);

CREATE TABLE ml_run_new (
    id                 INTEGER PRIMARY KEY,
    model_id           INTEGER REFERENCES ml_model(id),
    -- NULL: a run of an experiment no recipe is linked to.
    recipe_id          INTEGER REFERENCES ml_recipe(id),
    recipe_version_id  INTEGER REFERENCES ml_recipe_version(version_id),
    run_type           TEXT NOT NULL CHECK (run_type IN ('train', 'eval', 'backtest')),
    status             TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    started_at         TEXT,
    finished_at        TEXT,
    metrics_json       TEXT NOT NULL DEFAULT '{}',
    artifacts_json     TEXT NOT NULL DEFAULT '{}',
    logs_text          TEXT NOT NULL DEFAULT '',
    name               TEXT NOT NULL DEFAULT '',
    note               TEXT NOT NULL DEFAULT '',
    status_reason      TEXT NOT NULL DEFAULT '',
    exit_code          INTEGER,
    executor           TEXT,
    heartbeat_at       TEXT,
    cancel_requested_at TEXT,
    log_bytes          INTEGER NOT NULL DEFAULT 0,
    experiment_id      INTEGER NOT NULL REFERENCES ml_experiment(id),
    CHECK ((recipe_id IS NULL) = (recipe_version_id IS NULL))
);
INSERT INTO ml_run_new (id, model_id, recipe_id, recipe_version_id, run_type, status,
    created_by, created_at, updated_at, started_at, finished_at, metrics_json,
    artifacts_json, logs_text, name, note, status_reason, exit_code, executor,
    heartbeat_at, cancel_requested_at, log_bytes, experiment_id)
SELECT id, model_id, recipe_id, recipe_version_id, run_type, status,
    created_by, created_at, updated_at, started_at, finished_at, metrics_json,
    artifacts_json, logs_text, name, note, status_reason, exit_code, executor,
    heartbeat_at, cancel_requested_at, log_bytes, recipe_id
FROM ml_run;
DROP TABLE ml_run;
ALTER TABLE ml_run_new RENAME TO ml_run;

CREATE INDEX ml_run_recipe ON ml_run(recipe_id, id);
CREATE INDEX ml_run_model ON ml_run(model_id, id);
CREATE INDEX ml_run_status ON ml_run(status, id);
CREATE INDEX ml_run_type ON ml_run(run_type, id);
CREATE INDEX ml_run_experiment ON ml_run(experiment_id, id);
CREATE INDEX ml_run_live_execution ON ml_run(status, executor)
    WHERE executor IS NOT NULL AND status IN ('queued', 'running');

-- Counts by recipe: 0 for runs of no recipe, as for no model.
CREATE TRIGGER ml_run_count_insert AFTER INSERT ON ml_run
BEGIN
    INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
    VALUES (COALESCE(NEW.recipe_id, 0), COALESCE(NEW.model_id, 0), NEW.status, NEW.run_type, 1)
    ON CONFLICT (recipe_id, model_id, status, run_type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ml_run_count_update AFTER UPDATE OF status, run_type, recipe_id, model_id ON ml_run
BEGIN
    UPDATE ml_run_count SET n = n - 1
    WHERE recipe_id = COALESCE(OLD.recipe_id, 0) AND model_id = COALESCE(OLD.model_id, 0)
      AND status = OLD.status AND run_type = OLD.run_type;
    INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
    VALUES (COALESCE(NEW.recipe_id, 0), COALESCE(NEW.model_id, 0), NEW.status, NEW.run_type, 1)
    ON CONFLICT (recipe_id, model_id, status, run_type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ml_run_count_delete AFTER DELETE ON ml_run
BEGIN
    UPDATE ml_run_count SET n = n - 1
    WHERE recipe_id = COALESCE(OLD.recipe_id, 0) AND model_id = COALESCE(OLD.model_id, 0)
      AND status = OLD.status AND run_type = OLD.run_type;
END;

CREATE TRIGGER ml_run_metric_last_insert AFTER INSERT ON ml_run
BEGIN
    INSERT INTO ml_run_metric_last (key, run_id, value)
    SELECT j.key, NEW.id, j.value FROM json_each(NEW.metrics_json) j
    WHERE j.type IN ('integer', 'real');
END;

CREATE TRIGGER ml_run_metric_last_update AFTER UPDATE OF metrics_json ON ml_run
BEGIN
    DELETE FROM ml_run_metric_last WHERE run_id = NEW.id;
    INSERT INTO ml_run_metric_last (key, run_id, value)
    SELECT j.key, NEW.id, j.value FROM json_each(NEW.metrics_json) j
    WHERE j.type IN ('integer', 'real');
END;

CREATE TRIGGER ml_run_metric_last_delete AFTER DELETE ON ml_run
BEGIN
    DELETE FROM ml_run_metric_last WHERE run_id = OLD.id;
    DELETE FROM ml_run_metric WHERE run_id = OLD.id;
    DELETE FROM ml_run_metric_tile WHERE run_id = OLD.id;
END;

COMMIT;
PRAGMA legacy_alter_table = OFF;
PRAGMA foreign_keys = ON;
