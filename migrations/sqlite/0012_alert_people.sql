-- Who acknowledged an alert and when, and who resolved it (a person, or
-- the one whose snapshot showed the rule met again).
ALTER TABLE ml_alert ADD COLUMN acknowledged_by TEXT;
ALTER TABLE ml_alert ADD COLUMN acknowledged_at TEXT;
ALTER TABLE ml_alert ADD COLUMN resolved_by TEXT;
