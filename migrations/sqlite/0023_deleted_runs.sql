-- Runs deleted through MLflow's client (delete_run): MLflow keeps a
-- deleted run and hides it from its searches until restore_run. nexml
-- keeps the run as it was (its record, metrics and audit) and marks it
-- here, so MLflow's searches leave it out.
CREATE TABLE ml_run_deleted (
    run_id     INTEGER PRIMARY KEY REFERENCES ml_run(id) ON DELETE CASCADE,
    deleted_at TEXT NOT NULL,
    deleted_by TEXT NOT NULL
);
