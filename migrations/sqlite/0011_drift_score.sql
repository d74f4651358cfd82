-- A snapshot's drift score is computed once, by nexml
-- (`monitoring::drift_score`), and stored with the snapshot; the ranking's
-- trigger copies it. Before, the definition was written out again here in
-- SQL (and once more for PostgreSQL), and parsed each snapshot's JSON.
ALTER TABLE ml_monitor_snapshot ADD COLUMN drift_score REAL;

-- Snapshots from before: each model's latest takes the score the ranking
-- already holds for it. An older snapshot never becomes the latest again
-- (only a newer one does), so its score is never read.
UPDATE ml_monitor_snapshot SET drift_score = (SELECT h.drift_score FROM ml_model_health h
    WHERE h.latest_snapshot_id = ml_monitor_snapshot.id)
WHERE id IN (SELECT latest_snapshot_id FROM ml_model_health WHERE latest_snapshot_id IS NOT NULL);

-- A newer snapshot becomes the latest (an older one, backfilled, does not).
DROP TRIGGER ml_model_health_snapshot;
CREATE TRIGGER ml_model_health_snapshot AFTER INSERT ON ml_monitor_snapshot
BEGIN
    INSERT OR IGNORE INTO ml_model_health (model_id) VALUES (NEW.model_id);
    UPDATE ml_model_health SET
        latest_snapshot_id = NEW.id,
        latest_at = NEW.captured_at,
        drift_score = COALESCE(NEW.drift_score, 0),
        stale = CASE WHEN json_type(NEW.data_freshness_json, '$.stale') = 'true' THEN 1 ELSE 0 END
    WHERE model_id = NEW.model_id
      AND (latest_at IS NULL OR latest_at < NEW.captured_at
           OR (latest_at = NEW.captured_at AND latest_snapshot_id < NEW.id));
END;
