-- Who may do what. nexml's tables belong to the role `nexml_owner`; the
-- people and services that use nexml log in as roles granted `nexml_app`,
-- which may read and write rows but, not owning the tables, cannot TRUNCATE
-- them, disable their triggers, alter or drop them. The guards on history
-- (migration 0007) then hold against everyone but the owner.
--
-- A single-role setup (one login that migrates and uses nexml, or a login
-- without the right to create roles) still works: the tables stay with that
-- login, which can then bypass the guards; `nexml audit verify` still catches
-- an edited or removed audit row.
--
-- Every later migration that creates a table, sequence or function ends with
-- `SELECT nexml_secure_schema();` (tests/architecture.rs checks it).

DO $$
BEGIN
    BEGIN
        CREATE ROLE nexml_owner NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE nexml_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'nexml: cannot create roles nexml_owner and nexml_app: one role keeps the tables and can bypass the history guards';
END;
$$;

-- Gives nexml's tables, their sequences and its functions to `nexml_owner`
-- and row access to `nexml_app`, as far as the migrating role may.
CREATE FUNCTION nexml_secure_schema() RETURNS void AS $$
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
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO nexml_app', object.name);
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
