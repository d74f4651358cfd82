-- A snapshot's drift score is computed once, by nexml
-- (`monitoring::drift_score`), and stored with the snapshot; the ranking's
-- trigger copies it. Before, the definition was written out again here in
-- SQL (nexml_drift_score, and once more for SQLite).
ALTER TABLE ml_monitor_snapshot ADD COLUMN drift_score DOUBLE PRECISION;

-- Snapshots from before: each model's latest takes the score the ranking
-- already holds for it. An older snapshot never becomes the latest again
-- (only a newer one does), so its score is never read.
UPDATE ml_monitor_snapshot s SET drift_score = h.drift_score
FROM ml_model_health h WHERE h.latest_snapshot_id = s.id;

CREATE OR REPLACE FUNCTION ml_model_health_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'ml_model' THEN
        INSERT INTO ml_model_health (model_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    ELSIF TG_TABLE_NAME = 'ml_monitor_snapshot' THEN
        INSERT INTO ml_model_health (model_id) VALUES (NEW.model_id) ON CONFLICT DO NOTHING;
        -- A newer snapshot becomes the latest (an older one, backfilled, does not).
        UPDATE ml_model_health SET
            latest_snapshot_id = NEW.id,
            latest_at = NEW.captured_at,
            drift_score = COALESCE(NEW.drift_score, 0),
            stale = nexml_is_stale(NEW.data_freshness_json)
        WHERE model_id = NEW.model_id
          AND (latest_at IS NULL OR latest_at < NEW.captured_at
               OR (latest_at = NEW.captured_at AND latest_snapshot_id < NEW.id));
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE ml_model_health SET open_alerts = (SELECT COUNT(*) FROM ml_alert
            WHERE model_id = OLD.model_id AND state <> 'resolved') WHERE model_id = OLD.model_id;
    ELSE
        INSERT INTO ml_model_health (model_id) VALUES (NEW.model_id) ON CONFLICT DO NOTHING;
        UPDATE ml_model_health SET open_alerts = (SELECT COUNT(*) FROM ml_alert
            WHERE model_id = NEW.model_id AND state <> 'resolved') WHERE model_id = NEW.model_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP FUNCTION nexml_drift_score(JSONB);

SELECT nexml_secure_schema();
