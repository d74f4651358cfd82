-- At most one alert per model and rule is open (or acknowledged) at a time:
-- two ingests at once update the same alert instead of opening two.
-- Older duplicates left by earlier races are resolved first.

UPDATE ml_alert SET state = 'resolved', resolved_at = updated_at
WHERE state <> 'resolved'
  AND EXISTS (
      SELECT 1 FROM ml_alert newer
      WHERE newer.model_id = ml_alert.model_id AND newer.rule = ml_alert.rule
        AND newer.state <> 'resolved' AND newer.id > ml_alert.id
  );

CREATE UNIQUE INDEX ml_alert_open_rule ON ml_alert(model_id, rule) WHERE state <> 'resolved';
