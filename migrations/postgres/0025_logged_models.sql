-- MLflow 3's logged models (create_logged_model, and every flavor's
-- log_model): a model of an experiment (a recipe), usually made by a run,
-- with its params and tags and its status: pending while its files go up,
-- then ready (or failed). Deleted through MLflow's client, it is kept and
-- marked. Its files are the source run's artifacts under `models/<id>/`.
CREATE TABLE ml_logged_model (
    id          TEXT PRIMARY KEY,
    recipe_id   BIGINT NOT NULL REFERENCES ml_recipe(id),
    run_id      BIGINT REFERENCES ml_run(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    model_type  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    params_json JSONB NOT NULL,
    tags_json   JSONB NOT NULL,
    deleted_at  TIMESTAMPTZ
);
CREATE INDEX ml_logged_model_of_recipe ON ml_logged_model (recipe_id, created_at);
CREATE INDEX ml_logged_model_of_run ON ml_logged_model (run_id);

SELECT nexml_secure_schema();
