-- Metric values that are not numbers (NaN, Infinity, -Infinity), recorded
-- as MLflow records them, so a training script that logs one goes on. They
-- are kept apart from the history: its tiles, thinned charts, filters and
-- gates compare numbers, and neither SQLite nor JSON stores a NaN.
CREATE TABLE ml_run_metric_nonfinite (
    run_id  INTEGER NOT NULL,
    key     TEXT NOT NULL,
    step    INTEGER NOT NULL,
    seq     INTEGER NOT NULL,  -- order of logging, as in ml_run_metric
    value   TEXT NOT NULL CHECK (value IN ('NaN', 'Infinity', '-Infinity')),
    at      TEXT NOT NULL,
    PRIMARY KEY (run_id, key, step, seq)
) WITHOUT ROWID;
