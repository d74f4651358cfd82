-- The datasets a run read, as MLflow's client logs them (log_input): a
-- dataset (name, digest, source type, source, schema, profile) and its
-- input tags (the context: training, evaluation). Kept as the client sent
-- them; one row per dataset (name and digest), as MLflow keeps one input
-- per dataset and run: logged again, the first is kept.
CREATE TABLE ml_run_input (
    run_id       INTEGER NOT NULL REFERENCES ml_run(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    tags_json    TEXT NOT NULL,
    dataset_json TEXT NOT NULL,
    PRIMARY KEY (run_id, name, digest)
) WITHOUT ROWID;
