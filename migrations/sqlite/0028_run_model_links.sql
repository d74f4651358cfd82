-- The logged models a run read (log_inputs with models) and those it
-- produced (log_outputs, with the step they were logged at), as MLflow 3's
-- client records them: one link per run, direction and model.
CREATE TABLE ml_run_model_link (
    run_id    INTEGER NOT NULL REFERENCES ml_run(id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('input', 'output')),
    model_id  TEXT NOT NULL REFERENCES ml_logged_model(id),
    step      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, direction, model_id)
) WITHOUT ROWID;
CREATE INDEX ml_run_model_link_model ON ml_run_model_link(model_id);
