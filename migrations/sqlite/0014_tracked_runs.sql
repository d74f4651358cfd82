-- Runs tracked for real: a name and a note, why a run ended as it did, the
-- executor's heartbeat, a log kept in appended chunks, metric history per
-- step, params, tags and registered artifact files; a model links to the
-- run that produced it.

ALTER TABLE ml_run ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE ml_run ADD COLUMN note TEXT NOT NULL DEFAULT '';
-- Why a run ended as it did: "exit status 3", "executor lost", a timeout.
ALTER TABLE ml_run ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE ml_run ADD COLUMN exit_code INTEGER;
-- "host:pid" of the process executing the run, and when it last said so.
ALTER TABLE ml_run ADD COLUMN executor TEXT;
ALTER TABLE ml_run ADD COLUMN heartbeat_at TEXT;
-- Set by `run cancel` from any process; the executor stops the job.
ALTER TABLE ml_run ADD COLUMN cancel_requested_at TEXT;
-- Bytes in the run's log chunks, so the size cap needs no sum.
ALTER TABLE ml_run ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;

ALTER TABLE ml_model ADD COLUMN run_id INTEGER REFERENCES ml_run(id);

-- The log as appended: one row per chunk, never the whole log rewritten.
CREATE TABLE ml_run_log (
    id      INTEGER PRIMARY KEY,
    run_id  INTEGER NOT NULL REFERENCES ml_run(id) ON DELETE CASCADE,
    text    TEXT NOT NULL
);
CREATE INDEX ml_run_log_run ON ml_run_log(run_id, id);

-- Every logged value of a metric, per step and time; a million points per
-- run read in step order from one clustered range.
CREATE TABLE ml_run_metric (
    run_id  INTEGER NOT NULL,
    key     TEXT NOT NULL,
    step    INTEGER NOT NULL,
    seq     INTEGER NOT NULL,  -- order of logging, for a step logged twice
    value   REAL NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (run_id, key, step, seq)
) WITHOUT ROWID;

-- Each run's numeric final metrics (its metrics document's numbers), kept
-- by triggers, so a filter or sort on a metric walks an index.
CREATE TABLE ml_run_metric_last (
    key     TEXT NOT NULL,
    run_id  INTEGER NOT NULL,
    value   REAL NOT NULL,
    PRIMARY KEY (key, run_id)
) WITHOUT ROWID;
CREATE INDEX ml_run_metric_last_value ON ml_run_metric_last(key, value);
CREATE INDEX ml_run_metric_last_run ON ml_run_metric_last(run_id);

INSERT INTO ml_run_metric_last (key, run_id, value)
SELECT j.key, r.id, j.value FROM ml_run r, json_each(r.metrics_json) j
WHERE j.type IN ('integer', 'real');

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
END;

CREATE TABLE ml_run_param (
    run_id  INTEGER NOT NULL REFERENCES ml_run(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX ml_run_param_value ON ml_run_param(key, value);

CREATE TABLE ml_run_tag (
    run_id  INTEGER NOT NULL REFERENCES ml_run(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX ml_run_tag_value ON ml_run_tag(key, value);

-- Files registered with a run: copied under the run's folder in the data
-- directory (`uri` then names the copy), or a link elsewhere.
CREATE TABLE ml_run_artifact (
    run_id  INTEGER NOT NULL REFERENCES ml_run(id) ON DELETE CASCADE,
    path    TEXT NOT NULL,
    size    INTEGER NOT NULL,
    sha256  TEXT NOT NULL,
    uri     TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
) WITHOUT ROWID;
