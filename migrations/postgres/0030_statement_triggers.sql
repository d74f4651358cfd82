-- Inserts keep the run counts, the runs' last metrics and the models'
-- health once per statement, over the rows it inserted (a transition
-- table), not once per row: a bulk load of 25,000 runs ran 50,000 PL/pgSQL
-- calls and upserted the same few count rows 25,000 times, leaving as many
-- dead rows behind. Updates and deletes stay per row (0003, 0015, 0011).

DROP TRIGGER ml_run_count_insert ON ml_run;
DROP TRIGGER ml_run_metric_last_insert ON ml_run;
DROP TRIGGER ml_model_health_snapshot ON ml_monitor_snapshot;

-- Count rows are taken in one order, so two loads never deadlock (one may
-- still wait for the other's commit, up to lock_timeout).
CREATE FUNCTION ml_run_count_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO ml_run_count (recipe_id, model_id, status, run_type, n)
    SELECT COALESCE(recipe_id, 0), COALESCE(model_id, 0), status, run_type, COUNT(*)
    FROM inserted
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (recipe_id, model_id, status, run_type)
        DO UPDATE SET n = ml_run_count.n + EXCLUDED.n;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION ml_run_metric_last_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO ml_run_metric_last (key, run_id, value)
    SELECT j.key, r.id, (j.value #>> '{}')::float8
    FROM inserted r, jsonb_each(r.metrics_json) j
    WHERE jsonb_typeof(j.value) = 'number';
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Each model's newest inserted snapshot becomes its latest when newer than
-- the one it has (an older one, backfilled, does not).
CREATE FUNCTION ml_model_health_snapshots_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO ml_model_health (model_id)
    SELECT DISTINCT model_id FROM inserted ORDER BY 1
    ON CONFLICT DO NOTHING;
    UPDATE ml_model_health h SET
        latest_snapshot_id = n.id,
        latest_at = n.captured_at,
        drift_score = COALESCE(n.drift_score, 0),
        stale = nexml_is_stale(n.data_freshness_json)
    FROM (SELECT DISTINCT ON (model_id) id, model_id, captured_at, drift_score, data_freshness_json
          FROM inserted ORDER BY model_id, captured_at DESC, id DESC) n
    WHERE h.model_id = n.model_id
      AND (h.latest_at IS NULL OR h.latest_at < n.captured_at
           OR (h.latest_at = n.captured_at AND h.latest_snapshot_id < n.id));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER ml_run_count_insert AFTER INSERT ON ml_run
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ml_run_count_inserted();
CREATE TRIGGER ml_run_metric_last_insert AFTER INSERT ON ml_run
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ml_run_metric_last_inserted();
CREATE TRIGGER ml_model_health_snapshot AFTER INSERT ON ml_monitor_snapshot
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ml_model_health_snapshots_inserted();

SELECT nexml_secure_schema();
