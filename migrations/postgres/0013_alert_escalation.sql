-- The reading an alert's last notification reported (when it opened, then
-- at each escalation): a reading twice as far past the limit escalates it.
ALTER TABLE ml_alert ADD COLUMN notified_value DOUBLE PRECISION;
UPDATE ml_alert SET notified_value = value;
