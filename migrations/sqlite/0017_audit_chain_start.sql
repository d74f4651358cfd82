-- Where the audit chain began: rows from this id on must carry a link, so
-- blanking their hashes breaks the chain instead of passing them off as
-- rows written before it. (Anyone holding the database file can rewrite
-- this too; anchors kept outside it catch a cut or emptied chain.)
CREATE TABLE ml_audit_chain (
    chain_from INTEGER NOT NULL
);
INSERT INTO ml_audit_chain (chain_from)
SELECT COALESCE(
    (SELECT MIN(id) FROM ml_audit WHERE hash IS NOT NULL),
    (SELECT MAX(id) + 1 FROM ml_audit),
    1
);
CREATE TRIGGER ml_audit_chain_no_insert BEFORE INSERT ON ml_audit_chain
BEGIN
    SELECT RAISE(ABORT, 'the audit chain began once');
END;
CREATE TRIGGER ml_audit_chain_no_update BEFORE UPDATE ON ml_audit_chain
BEGIN
    SELECT RAISE(ABORT, 'the audit chain began once');
END;
CREATE TRIGGER ml_audit_chain_no_delete BEFORE DELETE ON ml_audit_chain
BEGIN
    SELECT RAISE(ABORT, 'the audit chain began once');
END;
