-- The audit chain's link becomes a keyed hash computed inside the database.
-- Before this, a row's link was an unkeyed SHA-256 anyone could recompute,
-- so a row appended by plain SQL ("X approved Y") verified as intact.
--
-- Now: the key lives in `nexml_audit_key`, which only `nexml_owner` can
-- read; `nexml_audit_append` (SECURITY DEFINER, owned by nexml_owner) is
-- the app's one way to add an audit row, and links it with HMAC-SHA-256
-- under that key; `nexml_audit_verify` walks the keyed rows the same way.
-- `nexml_app` may read the audit log but no longer INSERT into it, and
-- could not compute a link that verifies if it could.
--
-- The table also records where the chain began (rows from there on must
-- carry a link, so blanking hashes breaks the chain) and where keyed links
-- begin (older rows keep their unkeyed links, which `nexml audit verify`
-- still checks).

CREATE TABLE nexml_audit_key (
    only_row   BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    inner_pad  BYTEA NOT NULL,
    outer_pad  BYTEA NOT NULL,
    chain_from BIGINT NOT NULL,
    keyed_from BIGINT NOT NULL
);
REVOKE ALL ON nexml_audit_key FROM PUBLIC;

-- A 32-byte random key (gen_random_uuid draws from the server's strong
-- random source), kept as HMAC's inner and outer pads.
DO $$
DECLARE
    key  bytea;
    ipad bytea;
    opad bytea;
BEGIN
    key := sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text
        || gen_random_uuid()::text, 'UTF8')) || decode(repeat('00', 32), 'hex');
    ipad := key;
    opad := key;
    FOR i IN 0..63 LOOP
        ipad := set_byte(ipad, i, get_byte(key, i) # 54);
        opad := set_byte(opad, i, get_byte(key, i) # 92);
    END LOOP;
    INSERT INTO nexml_audit_key (inner_pad, outer_pad, chain_from, keyed_from)
    SELECT ipad, opad,
        COALESCE((SELECT MIN(id) FROM ml_audit WHERE hash IS NOT NULL),
                 (SELECT MAX(id) + 1 FROM ml_audit), 1),
        COALESCE((SELECT MAX(id) + 1 FROM ml_audit), 1);
END;
$$;

-- The link of a row following `previous`: HMAC-SHA-256 of the row's
-- fields as a JSON array. Only the two functions below call it.
CREATE FUNCTION nexml_audit_link(
    previous text, at timestamptz, actor text, entity text, entity_id bigint,
    action text, details jsonb
) RETURNS text AS $$
    SELECT encode(sha256(k.outer_pad || sha256(k.inner_pad || convert_to(
        jsonb_build_array(
            previous,
            to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            actor, entity, entity_id, action, details
        )::text, 'UTF8'))), 'hex')
    FROM nexml_audit_key k
$$ LANGUAGE sql STABLE SET search_path FROM CURRENT;
REVOKE ALL ON FUNCTION nexml_audit_link(text, timestamptz, text, text, bigint, text, jsonb) FROM PUBLIC;

-- Appends one audit row linked to the newest one; returns its link.
CREATE FUNCTION nexml_audit_append(
    p_at timestamptz, p_actor text, p_entity text, p_entity_id bigint,
    p_action text, p_details jsonb
) RETURNS text AS $$
DECLARE
    previous text;
    link text;
BEGIN
    -- Writers append one at a time (the app takes the same lock).
    PERFORM pg_advisory_xact_lock(7263541);
    SELECT hash INTO previous FROM ml_audit ORDER BY id DESC LIMIT 1;
    link := nexml_audit_link(COALESCE(previous, ''), p_at, p_actor, p_entity,
        p_entity_id, p_action, p_details);
    IF link IS NULL THEN
        RAISE EXCEPTION 'the audit chain''s key is missing (table nexml_audit_key)';
    END IF;
    INSERT INTO ml_audit (at, actor, entity, entity_id, action, details, hash)
    VALUES (p_at, p_actor, p_entity, p_entity_id, p_action, p_details, link);
    RETURN link;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT;

-- Walks the keyed rows: where the chain began and keyed links begin, how
-- many keyed rows check out, and the first that does not (with whether it
-- has no link at all).
CREATE FUNCTION nexml_audit_verify(
    OUT chain_from bigint, OUT keyed_from bigint, OUT linked bigint,
    OUT broken_at bigint, OUT unlinked boolean
) AS $$
DECLARE
    r record;
    previous text;
BEGIN
    SELECT k.chain_from, k.keyed_from INTO chain_from, keyed_from FROM nexml_audit_key k;
    IF keyed_from IS NULL THEN
        RAISE EXCEPTION 'the audit chain''s key is missing (table nexml_audit_key)';
    END IF;
    linked := 0;
    unlinked := false;
    SELECT COALESCE(a.hash, '') INTO previous FROM ml_audit a
        WHERE a.id < keyed_from ORDER BY a.id DESC LIMIT 1;
    previous := COALESCE(previous, '');
    FOR r IN SELECT * FROM ml_audit a WHERE a.id >= keyed_from ORDER BY a.id LOOP
        IF r.hash IS NULL THEN
            broken_at := r.id;
            unlinked := true;
            RETURN;
        END IF;
        IF r.hash IS DISTINCT FROM nexml_audit_link(previous, r.at, r.actor, r.entity,
            r.entity_id, r.action, r.details) THEN
            broken_at := r.id;
            RETURN;
        END IF;
        linked := linked + 1;
        previous := r.hash;
    END LOOP;
END;
$$ LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT;

-- As migration 0010's, but the app's role only reads the audit log (it
-- appends through nexml_audit_append) and gets nothing of nexml's own
-- tables (nexml_audit_key).
CREATE OR REPLACE FUNCTION nexml_secure_schema() RETURNS void AS $$
DECLARE
    object record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nexml_owner')
        OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nexml_app') THEN
        RETURN;
    END IF;
    BEGIN
        IF NOT pg_has_role(current_user, 'nexml_owner', 'USAGE') THEN
            EXECUTE format('GRANT nexml_owner TO %I', current_user);
        END IF;
        FOR object IN
            SELECT c.relname AS name, c.relkind AS kind FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace
              AND c.relkind IN ('r', 'p') AND c.relname LIKE 'ml\_%'
        LOOP
            EXECUTE format('ALTER TABLE %I OWNER TO nexml_owner', object.name);
            IF object.name = 'ml_audit' THEN
                EXECUTE 'REVOKE INSERT ON ml_audit FROM nexml_app';
                EXECUTE 'GRANT SELECT, UPDATE, DELETE ON ml_audit TO nexml_app';
            ELSE
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO nexml_app', object.name);
            END IF;
        END LOOP;
        FOR object IN
            SELECT c.relname AS name FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace
              AND c.relkind IN ('r', 'p') AND c.relname LIKE 'nexml\_%'
        LOOP
            EXECUTE format('ALTER TABLE %I OWNER TO nexml_owner', object.name);
            EXECUTE format('REVOKE ALL ON %I FROM nexml_app', object.name);
        END LOOP;
        FOR object IN
            SELECT c.relname AS name FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace
              AND c.relkind = 'S' AND c.relname LIKE 'ml\_%'
        LOOP
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO nexml_app', object.name);
        END LOOP;
        FOR object IN
            SELECT p.oid::regprocedure AS signature FROM pg_proc p
            WHERE p.pronamespace = current_schema()::regnamespace
              AND (p.proname LIKE 'ml\_%' OR p.proname LIKE 'nexml\_%')
        LOOP
            EXECUTE format('ALTER FUNCTION %s OWNER TO nexml_owner', object.signature);
        END LOOP;
        -- The app checks at start that its schema is current.
        GRANT SELECT ON _sqlx_migrations TO nexml_app;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'nexml: cannot hand the tables to nexml_owner (%): the migrating role keeps them', SQLERRM;
    END;
END;
$$ LANGUAGE plpgsql;

SELECT nexml_secure_schema();
