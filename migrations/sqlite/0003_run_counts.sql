-- Counts of runs by the columns lists filter on, kept by triggers, so the
-- Runs tab can say "37 of 1,000,000" without scanning a million rows.

CREATE TABLE ml_run_count (
    recipe_id  INTEGER NOT NULL,
    model_id   INTEGER NOT NULL,  -- 0: no model
    status     TEXT NOT NULL,
    run_type   TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (recipe_id, model_id, status, run_type)
);

INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
SELECT recipe_id, COALESCE(model_id, 0), status, run_type, COUNT(*) FROM ml_run
GROUP BY recipe_id, COALESCE(model_id, 0), status, run_type;

CREATE TRIGGER ml_run_count_insert AFTER INSERT ON ml_run
BEGIN
    INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
    VALUES (NEW.recipe_id, COALESCE(NEW.model_id, 0), NEW.status, NEW.run_type, 1)
    ON CONFLICT (recipe_id, model_id, status, run_type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ml_run_count_update AFTER UPDATE OF status, run_type, recipe_id, model_id ON ml_run
BEGIN
    UPDATE ml_run_count SET n = n - 1
    WHERE recipe_id = OLD.recipe_id AND model_id = COALESCE(OLD.model_id, 0)
      AND status = OLD.status AND run_type = OLD.run_type;
    INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
    VALUES (NEW.recipe_id, COALESCE(NEW.model_id, 0), NEW.status, NEW.run_type, 1)
    ON CONFLICT (recipe_id, model_id, status, run_type) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER ml_run_count_delete AFTER DELETE ON ml_run
BEGIN
    UPDATE ml_run_count SET n = n - 1
    WHERE recipe_id = OLD.recipe_id AND model_id = COALESCE(OLD.model_id, 0)
      AND status = OLD.status AND run_type = OLD.run_type;
END;
