-- Each metric's history in tiles of 256 steps: how many points, which steps,
-- and the lowest and highest value each at its own step. A chart of a
-- million-point history reads a few thousand tiles instead of every point.
-- Kept by the store as points are appended (step / 256, truncating).
CREATE TABLE ml_run_metric_tile (
    run_id      BIGINT NOT NULL,
    key         TEXT NOT NULL,
    tile        BIGINT NOT NULL,
    points      BIGINT NOT NULL,
    first_step  BIGINT NOT NULL,
    last_step   BIGINT NOT NULL,
    lo_step     BIGINT NOT NULL,
    lo_value    DOUBLE PRECISION NOT NULL,
    lo_at       TIMESTAMPTZ NOT NULL,
    hi_step     BIGINT NOT NULL,
    hi_value    DOUBLE PRECISION NOT NULL,
    hi_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (run_id, key, tile)
);

INSERT INTO ml_run_metric_tile (run_id, key, tile, points, first_step, last_step,
    lo_step, lo_value, lo_at, hi_step, hi_value, hi_at)
SELECT c.run_id, c.key, c.tile, c.points, c.first_step, c.last_step,
       l.step, l.value, l.at, h.step, h.value, h.at
FROM (SELECT run_id, key, step / 256 AS tile, COUNT(*) AS points,
             MIN(step) AS first_step, MAX(step) AS last_step
      FROM ml_run_metric GROUP BY run_id, key, step / 256) c
JOIN (SELECT DISTINCT ON (run_id, key, step / 256) run_id, key, step / 256 AS tile, step, value, at
      FROM ml_run_metric ORDER BY run_id, key, step / 256, value, step, seq) l
  ON l.run_id = c.run_id AND l.key = c.key AND l.tile = c.tile
JOIN (SELECT DISTINCT ON (run_id, key, step / 256) run_id, key, step / 256 AS tile, step, value, at
      FROM ml_run_metric ORDER BY run_id, key, step / 256, value DESC, step, seq) h
  ON h.run_id = c.run_id AND h.key = c.key AND h.tile = c.tile;

CREATE OR REPLACE FUNCTION ml_run_metric_last_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM ml_run_metric_last WHERE run_id = OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM ml_run_metric WHERE run_id = OLD.id;
        DELETE FROM ml_run_metric_tile WHERE run_id = OLD.id;
        RETURN OLD;
    END IF;
    INSERT INTO ml_run_metric_last (key, run_id, value)
    SELECT j.key, NEW.id, (j.value #>> '{}')::float8 FROM jsonb_each(NEW.metrics_json) j
    WHERE jsonb_typeof(j.value) = 'number';
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

SELECT nexml_secure_schema();
