-- MLflow's experiments as their own entity. Every recipe keeps its own
-- experiment (a row with no name: it is named by its recipe, and
-- archiving the recipe deletes it), with the recipe's id where that id is
-- free. A client can make experiments of its own (a name, tags, active or
-- deleted) whose runs belong to no recipe until one is linked, and
-- MLflow's Default experiment 0 takes runs made with none set.
--
-- Ids are given explicitly (the recipe's, or the next free one) while the
-- Default experiment's row is locked, so a recipe and a client's
-- experiment made at once never take the same id.

CREATE TABLE ml_experiment (
    id             BIGINT PRIMARY KEY,
    -- NULL: the recipe's own experiment, named by the recipe.
    name           TEXT UNIQUE CHECK (name IS NULL OR length(trim(name)) > 0),
    recipe_id      BIGINT REFERENCES ml_recipe(id) ON DELETE SET NULL,
    lifecycle      TEXT NOT NULL DEFAULT 'active' CHECK (lifecycle IN ('active', 'deleted')),
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    CHECK (name IS NOT NULL OR recipe_id IS NOT NULL)
);
CREATE UNIQUE INDEX ml_experiment_own ON ml_experiment(recipe_id) WHERE name IS NULL;
CREATE INDEX ml_experiment_recipe ON ml_experiment(recipe_id);

INSERT INTO ml_experiment (id, name, recipe_id, created_by, created_at, updated_at)
VALUES (0, 'Default', NULL, 'nexml', now(), now());
INSERT INTO ml_experiment (id, name, recipe_id, created_by, created_at, updated_at)
SELECT id, NULL, id, created_by, created_at, updated_at FROM ml_recipe;

-- The lock every experiment id is chosen under: the Default experiment's
-- row, as the app locks it before it makes an experiment.
CREATE FUNCTION ml_experiment_next_id(wanted BIGINT) RETURNS BIGINT AS $$
BEGIN
    PERFORM 1 FROM ml_experiment WHERE id = 0 FOR UPDATE;
    IF wanted IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ml_experiment WHERE id = wanted) THEN
        RETURN wanted;
    END IF;
    RETURN (SELECT COALESCE(MAX(id), 0) + 1 FROM ml_experiment);
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ml_recipe_experiment() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ml_experiment (id, name, recipe_id, created_by, created_at, updated_at)
        VALUES (ml_experiment_next_id(NEW.id), NULL, NEW.id, NEW.created_by, NEW.created_at, NEW.created_at);
        RETURN NULL;
    END IF;
    -- A recipe deleted (only one with no runs can be) takes its own experiment.
    DELETE FROM ml_experiment WHERE recipe_id = OLD.id AND name IS NULL;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ml_recipe_experiment AFTER INSERT ON ml_recipe
    FOR EACH ROW EXECUTE FUNCTION ml_recipe_experiment();
CREATE TRIGGER ml_recipe_experiment_delete BEFORE DELETE ON ml_recipe
    FOR EACH ROW EXECUTE FUNCTION ml_recipe_experiment();

-- Changes to a client's experiment are audited as the experiment's.
ALTER TABLE ml_audit DROP CONSTRAINT ml_audit_entity_check;
ALTER TABLE ml_audit ADD CONSTRAINT ml_audit_entity_check
    CHECK (entity IN ('recipe', 'recipe_version', 'model', 'run', 'snapshot', 'example', 'alert', 'chat', 'registered_model', 'experiment'));

-- Experiment tags belong to the experiment (the recipe's own kept its id).
ALTER TABLE ml_experiment_tag DROP CONSTRAINT ml_experiment_tag_recipe_id_fkey;
ALTER TABLE ml_experiment_tag RENAME COLUMN recipe_id TO experiment_id;
ALTER TABLE ml_experiment_tag ADD CONSTRAINT ml_experiment_tag_experiment_id_fkey
    FOREIGN KEY (experiment_id) REFERENCES ml_experiment(id) ON DELETE CASCADE;

-- A logged model belongs to an experiment (a recipe's own kept its id).
ALTER TABLE ml_logged_model DROP CONSTRAINT ml_logged_model_recipe_id_fkey;
ALTER TABLE ml_logged_model RENAME COLUMN recipe_id TO experiment_id;
ALTER TABLE ml_logged_model ADD CONSTRAINT ml_logged_model_experiment_id_fkey
    FOREIGN KEY (experiment_id) REFERENCES ml_experiment(id);
ALTER INDEX ml_logged_model_of_recipe RENAME TO ml_logged_model_of_experiment;

-- A run names its experiment; its recipe and version become optional.
ALTER TABLE ml_run ALTER COLUMN recipe_id DROP NOT NULL;
ALTER TABLE ml_run ALTER COLUMN recipe_version_id DROP NOT NULL;
ALTER TABLE ml_run ADD COLUMN experiment_id BIGINT;
UPDATE ml_run SET experiment_id = recipe_id;
ALTER TABLE ml_run ALTER COLUMN experiment_id SET NOT NULL;
ALTER TABLE ml_run ADD CONSTRAINT ml_run_experiment_id_fkey
    FOREIGN KEY (experiment_id) REFERENCES ml_experiment(id);
ALTER TABLE ml_run ADD CONSTRAINT ml_run_recipe_and_version
    CHECK ((recipe_id IS NULL) = (recipe_version_id IS NULL));
CREATE INDEX ml_run_experiment ON ml_run(experiment_id, id);

-- Counts by recipe: 0 for runs of no recipe, as for no model.
CREATE OR REPLACE FUNCTION ml_run_count_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE ml_run_count SET n = n - 1
        WHERE recipe_id = COALESCE(OLD.recipe_id, 0) AND model_id = COALESCE(OLD.model_id, 0)
          AND status = OLD.status AND run_type = OLD.run_type;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
        VALUES (COALESCE(NEW.recipe_id, 0), COALESCE(NEW.model_id, 0), NEW.status, NEW.run_type, 1)
        ON CONFLICT (recipe_id, model_id, status, run_type) DO UPDATE SET n = ml_run_count.n + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

SELECT nexml_secure_schema();
