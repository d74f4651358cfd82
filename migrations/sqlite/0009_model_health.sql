-- Each model's monitoring health (its latest snapshot, that snapshot's drift
-- score and staleness, its open alerts), kept by triggers, so the Monitoring
-- tab ranks every model in one query instead of two queries per model.
CREATE TABLE ml_model_health (
    model_id            INTEGER PRIMARY KEY REFERENCES ml_model(id) ON DELETE CASCADE,
    latest_snapshot_id  INTEGER,
    latest_at           TEXT,
    drift_score         REAL NOT NULL DEFAULT 0,
    stale               INTEGER NOT NULL DEFAULT 0,
    open_alerts         INTEGER NOT NULL DEFAULT 0
);
-- Worst first, walked in order: a window of the ranking reads only its rows.
CREATE INDEX ml_model_health_rank ON ml_model_health(open_alerts DESC, drift_score DESC, stale DESC, model_id);

-- A snapshot's drift score as the app ranks it: the drift share when the
-- snapshot has one, else its worst column (PSI, or a test's score), else 0.
-- (Written out in each statement below: SQLite has no SQL functions.)

INSERT INTO ml_model_health (model_id) SELECT id FROM ml_model;

UPDATE ml_model_health SET
    latest_snapshot_id = (SELECT s.id FROM ml_monitor_snapshot s
        WHERE s.model_id = ml_model_health.model_id ORDER BY s.captured_at DESC, s.id DESC LIMIT 1),
    open_alerts = (SELECT COUNT(*) FROM ml_alert a
        WHERE a.model_id = ml_model_health.model_id AND a.state <> 'resolved');

UPDATE ml_model_health SET
    latest_at = (SELECT s.captured_at FROM ml_monitor_snapshot s WHERE s.id = latest_snapshot_id),
    drift_score = COALESCE((SELECT COALESCE(
        CASE WHEN json_type(s.drift_metrics_json, '$.drift_share') IN ('integer', 'real')
            THEN json_extract(s.drift_metrics_json, '$.drift_share') END,
        (SELECT MAX(CASE
                WHEN j.type = 'object' THEN COALESCE(json_extract(j.value, '$.psi'), json_extract(j.value, '$.score'))
                WHEN j.type IN ('integer', 'real') THEN j.value END)
            FROM json_each(s.drift_metrics_json,
                CASE WHEN json_type(s.drift_metrics_json, '$.columns') = 'object' THEN '$.columns' ELSE '$' END) j))
        FROM ml_monitor_snapshot s WHERE s.id = latest_snapshot_id), 0),
    stale = COALESCE((SELECT CASE WHEN json_type(s.data_freshness_json, '$.stale') = 'true' THEN 1 ELSE 0 END
        FROM ml_monitor_snapshot s WHERE s.id = latest_snapshot_id), 0)
WHERE latest_snapshot_id IS NOT NULL;

CREATE TRIGGER ml_model_health_model AFTER INSERT ON ml_model
BEGIN
    INSERT OR IGNORE INTO ml_model_health (model_id) VALUES (NEW.id);
END;

-- A newer snapshot becomes the latest (an older one, backfilled, does not).
CREATE TRIGGER ml_model_health_snapshot AFTER INSERT ON ml_monitor_snapshot
BEGIN
    INSERT OR IGNORE INTO ml_model_health (model_id) VALUES (NEW.model_id);
    UPDATE ml_model_health SET
        latest_snapshot_id = NEW.id,
        latest_at = NEW.captured_at,
        drift_score = COALESCE(
            CASE WHEN json_type(NEW.drift_metrics_json, '$.drift_share') IN ('integer', 'real')
                THEN json_extract(NEW.drift_metrics_json, '$.drift_share') END,
            (SELECT MAX(CASE
                    WHEN j.type = 'object' THEN COALESCE(json_extract(j.value, '$.psi'), json_extract(j.value, '$.score'))
                    WHEN j.type IN ('integer', 'real') THEN j.value END)
                FROM json_each(NEW.drift_metrics_json,
                    CASE WHEN json_type(NEW.drift_metrics_json, '$.columns') = 'object' THEN '$.columns' ELSE '$' END) j),
            0),
        stale = CASE WHEN json_type(NEW.data_freshness_json, '$.stale') = 'true' THEN 1 ELSE 0 END
    WHERE model_id = NEW.model_id
      AND (latest_at IS NULL OR latest_at < NEW.captured_at
           OR (latest_at = NEW.captured_at AND latest_snapshot_id < NEW.id));
END;

CREATE TRIGGER ml_model_health_alert_insert AFTER INSERT ON ml_alert
BEGIN
    INSERT OR IGNORE INTO ml_model_health (model_id) VALUES (NEW.model_id);
    UPDATE ml_model_health SET open_alerts = (SELECT COUNT(*) FROM ml_alert
        WHERE model_id = NEW.model_id AND state <> 'resolved') WHERE model_id = NEW.model_id;
END;

CREATE TRIGGER ml_model_health_alert_update AFTER UPDATE OF state ON ml_alert
BEGIN
    UPDATE ml_model_health SET open_alerts = (SELECT COUNT(*) FROM ml_alert
        WHERE model_id = NEW.model_id AND state <> 'resolved') WHERE model_id = NEW.model_id;
END;

CREATE TRIGGER ml_model_health_alert_delete AFTER DELETE ON ml_alert
BEGIN
    UPDATE ml_model_health SET open_alerts = (SELECT COUNT(*) FROM ml_alert
        WHERE model_id = OLD.model_id AND state <> 'resolved') WHERE model_id = OLD.model_id;
END;
