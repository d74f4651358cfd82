-- The runs an executor holds that have not finished are the only ones whose
-- executor can be lost. Indexed apart, so looking for lost executors reads
-- these few rows instead of walking every queued and running run (about
-- 285,000 of a generated million, 0.94 s on SQLite). The database keeps the
-- index as runs are claimed and finished: no code has to.
--
-- A query uses a partial index only when its WHERE repeats the predicate as
-- written here, with literals (`Session::live_executions`). Its columns are
-- the predicate's own: SQLite, which keeps no statistics here, takes an
-- index on (id) alone for worse than `ml_run_status` and walks that one.
CREATE INDEX ml_run_live_execution ON ml_run(status, executor)
    WHERE executor IS NOT NULL AND status IN ('queued', 'running');
