-- Each model's monitoring health (its latest snapshot, that snapshot's drift
-- score and staleness, its open alerts), kept by triggers, so the Monitoring
-- tab ranks every model in one query instead of two queries per model.
CREATE TABLE ml_model_health (
    model_id            BIGINT PRIMARY KEY REFERENCES ml_model(id) ON DELETE CASCADE,
    latest_snapshot_id  BIGINT,
    latest_at           TIMESTAMPTZ,
    drift_score         DOUBLE PRECISION NOT NULL DEFAULT 0,
    stale               BIGINT NOT NULL DEFAULT 0,
    open_alerts         BIGINT NOT NULL DEFAULT 0
);
-- Worst first, walked in order: a window of the ranking reads only its rows.
CREATE INDEX ml_model_health_rank ON ml_model_health(open_alerts DESC, drift_score DESC, stale DESC, model_id);

-- A snapshot's drift score as the app ranks it: the drift share when the
-- snapshot has one, else its worst column (PSI, or a test's score), else 0.
CREATE FUNCTION nexml_drift_score(drift JSONB) RETURNS DOUBLE PRECISION AS $$
    SELECT COALESCE(
        CASE WHEN jsonb_typeof(drift -> 'drift_share') = 'number' THEN (drift ->> 'drift_share')::float8 END,
        (SELECT MAX(CASE
                WHEN jsonb_typeof(j.value) = 'object' THEN COALESCE(
                    CASE WHEN jsonb_typeof(j.value -> 'psi') = 'number' THEN (j.value ->> 'psi')::float8 END,
                    CASE WHEN jsonb_typeof(j.value -> 'score') = 'number' THEN (j.value ->> 'score')::float8 END)
                WHEN jsonb_typeof(j.value) = 'number' THEN (j.value #>> '{}')::float8 END)
            FROM jsonb_each(CASE
                WHEN jsonb_typeof(drift -> 'columns') = 'object' THEN drift -> 'columns'
                WHEN jsonb_typeof(drift) = 'object' THEN drift
                ELSE '{}'::jsonb END) j),
        0)
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION nexml_is_stale(freshness JSONB) RETURNS BIGINT AS $$
    SELECT CASE WHEN freshness -> 'stale' = 'true'::jsonb THEN 1 ELSE 0 END::bigint
$$ LANGUAGE sql IMMUTABLE;

INSERT INTO ml_model_health (model_id, latest_snapshot_id, open_alerts)
SELECT m.id,
    (SELECT s.id FROM ml_monitor_snapshot s WHERE s.model_id = m.id ORDER BY s.captured_at DESC, s.id DESC LIMIT 1),
    (SELECT COUNT(*) FROM ml_alert a WHERE a.model_id = m.id AND a.state <> 'resolved')
FROM ml_model m;

UPDATE ml_model_health h SET
    latest_at = s.captured_at,
    drift_score = nexml_drift_score(s.drift_metrics_json),
    stale = nexml_is_stale(s.data_freshness_json)
FROM ml_monitor_snapshot s WHERE s.id = h.latest_snapshot_id;

CREATE FUNCTION ml_model_health_change() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'ml_model' THEN
        INSERT INTO ml_model_health (model_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    ELSIF TG_TABLE_NAME = 'ml_monitor_snapshot' THEN
        INSERT INTO ml_model_health (model_id) VALUES (NEW.model_id) ON CONFLICT DO NOTHING;
        -- A newer snapshot becomes the latest (an older one, backfilled, does not).
        UPDATE ml_model_health SET
            latest_snapshot_id = NEW.id,
            latest_at = NEW.captured_at,
            drift_score = nexml_drift_score(NEW.drift_metrics_json),
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

CREATE TRIGGER ml_model_health_model AFTER INSERT ON ml_model
    FOR EACH ROW EXECUTE FUNCTION ml_model_health_change();
CREATE TRIGGER ml_model_health_snapshot AFTER INSERT ON ml_monitor_snapshot
    FOR EACH ROW EXECUTE FUNCTION ml_model_health_change();
CREATE TRIGGER ml_model_health_alert_insert AFTER INSERT ON ml_alert
    FOR EACH ROW EXECUTE FUNCTION ml_model_health_change();
CREATE TRIGGER ml_model_health_alert_update AFTER UPDATE OF state ON ml_alert
    FOR EACH ROW EXECUTE FUNCTION ml_model_health_change();
CREATE TRIGGER ml_model_health_alert_delete AFTER DELETE ON ml_alert
    FOR EACH ROW EXECUTE FUNCTION ml_model_health_change();
