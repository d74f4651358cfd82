-- Counts of runs by the columns lists filter on, kept by triggers, so the
-- Runs tab can say "37 of 1,000,000" without scanning a million rows.

CREATE TABLE ml_run_count (
    recipe_id  BIGINT NOT NULL,
    model_id   BIGINT NOT NULL,  -- 0: no model
    status     TEXT NOT NULL,
    run_type   TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (recipe_id, model_id, status, run_type)
);

INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
SELECT recipe_id, COALESCE(model_id, 0), status, run_type, COUNT(*) FROM ml_run
GROUP BY recipe_id, COALESCE(model_id, 0), status, run_type;

CREATE FUNCTION ml_run_count_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE ml_run_count SET n = n - 1
        WHERE recipe_id = OLD.recipe_id AND model_id = COALESCE(OLD.model_id, 0)
          AND status = OLD.status AND run_type = OLD.run_type;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
        VALUES (NEW.recipe_id, COALESCE(NEW.model_id, 0), NEW.status, NEW.run_type, 1)
        ON CONFLICT (recipe_id, model_id, status, run_type) DO UPDATE SET n = ml_run_count.n + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ml_run_count_insert AFTER INSERT ON ml_run
    FOR EACH ROW EXECUTE FUNCTION ml_run_count_change();
CREATE TRIGGER ml_run_count_update AFTER UPDATE OF status, run_type, recipe_id, model_id ON ml_run
    FOR EACH ROW EXECUTE FUNCTION ml_run_count_change();
CREATE TRIGGER ml_run_count_delete AFTER DELETE ON ml_run
    FOR EACH ROW EXECUTE FUNCTION ml_run_count_change();
