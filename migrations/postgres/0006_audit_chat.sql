-- Chat messages are audited too.
ALTER TABLE ml_audit DROP CONSTRAINT ml_audit_entity_check;
ALTER TABLE ml_audit ADD CONSTRAINT ml_audit_entity_check
    CHECK (entity IN ('recipe', 'recipe_version', 'model', 'run', 'snapshot', 'example', 'alert', 'chat'));
