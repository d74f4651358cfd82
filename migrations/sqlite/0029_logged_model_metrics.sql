-- Metrics a run logged against one of MLflow 3's logged models
-- (`log_metric(..., model_id=, dataset_name=, dataset_digest=)`): kept
-- with the run's own, and here beside the model, with the dataset they
-- were measured on (empty when none was named), so the model shows them
-- and a search of models can filter and sort by them.
CREATE TABLE ml_logged_model_metric (
    model_id       TEXT NOT NULL REFERENCES ml_logged_model(id) ON DELETE CASCADE,
    run_id         INTEGER NOT NULL REFERENCES ml_run(id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    value          REAL NOT NULL,
    step           INTEGER NOT NULL,
    at             TEXT NOT NULL,
    dataset_name   TEXT NOT NULL DEFAULT '',
    dataset_digest TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ml_logged_model_metric_model ON ml_logged_model_metric(model_id, key, step);
