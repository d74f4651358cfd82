-- Each batch of data ingested for a model, by its content's SHA-256: the
-- same batch is never measured twice for one model (a folder ingested again
-- adds no snapshot and moves no alert), and the key refuses a second copy
-- even when two ingesters race. The file it came from (its path and, where
-- the system tells, its device, inode and birth) finds a batch changed in
-- place after it was ingested.

CREATE TABLE ml_ingested_batch (
    model_id     INTEGER NOT NULL REFERENCES ml_model(id),
    sha256       TEXT NOT NULL,
    snapshot_id  INTEGER NOT NULL REFERENCES ml_monitor_snapshot(id),
    file_path    TEXT NOT NULL,
    file_id      TEXT NOT NULL,
    ingested_at  TEXT NOT NULL,
    ingested_by  TEXT NOT NULL,
    PRIMARY KEY (model_id, sha256)
);
CREATE INDEX ml_ingested_batch_file ON ml_ingested_batch(model_id, file_path);
