-- Each audit row carries a hash of itself and the row before it (a chain
-- `nexml audit verify` walks). Rows written before this have none.
ALTER TABLE ml_audit ADD COLUMN hash TEXT;
