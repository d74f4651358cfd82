-- Each metric's history in tiles of 256 steps: how many points, which steps,
-- and the lowest and highest value each at its own step. A chart of a
-- million-point history reads a few thousand tiles instead of every point.
-- Kept by the store as points are appended (step / 256, truncating).
CREATE TABLE ml_run_metric_tile (
    run_id      INTEGER NOT NULL,
    key         TEXT NOT NULL,
    tile        INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    first_step  INTEGER NOT NULL,
    last_step   INTEGER NOT NULL,
    lo_step     INTEGER NOT NULL,
    lo_value    REAL NOT NULL,
    lo_at       TEXT NOT NULL,
    hi_step     INTEGER NOT NULL,
    hi_value    REAL NOT NULL,
    hi_at       TEXT NOT NULL,
    PRIMARY KEY (run_id, key, tile)
) WITHOUT ROWID;

-- A bare column beside one MIN or MAX comes from that row (SQLite's rule).
INSERT INTO ml_run_metric_tile (run_id, key, tile, points, first_step, last_step,
    lo_step, lo_value, lo_at, hi_step, hi_value, hi_at)
SELECT c.run_id, c.key, c.tile, c.points, c.first_step, c.last_step,
       l.step, l.value, l.at, h.step, h.value, h.at
FROM (SELECT run_id, key, step / 256 AS tile, COUNT(*) AS points,
             MIN(step) AS first_step, MAX(step) AS last_step
      FROM ml_run_metric GROUP BY run_id, key, step / 256) c
JOIN (SELECT run_id, key, step / 256 AS tile, step, MIN(value) AS value, at
      FROM ml_run_metric GROUP BY run_id, key, step / 256) l
  ON l.run_id = c.run_id AND l.key = c.key AND l.tile = c.tile
JOIN (SELECT run_id, key, step / 256 AS tile, step, MAX(value) AS value, at
      FROM ml_run_metric GROUP BY run_id, key, step / 256) h
  ON h.run_id = c.run_id AND h.key = c.key AND h.tile = c.tile;

DROP TRIGGER ml_run_metric_last_delete;
CREATE TRIGGER ml_run_metric_last_delete AFTER DELETE ON ml_run
BEGIN
    DELETE FROM ml_run_metric_last WHERE run_id = OLD.id;
    DELETE FROM ml_run_metric WHERE run_id = OLD.id;
    DELETE FROM ml_run_metric_tile WHERE run_id = OLD.id;
END;
