-- A model is produced by one run: its first succeeded training run (the
-- first to finish). Links made before this rule followed the newest run,
-- and synthetic (demo) runs made none; both now follow the rule. From here
-- the link is set once and never moved.
UPDATE ml_model SET run_id = (
    SELECT r.id FROM ml_run r
    WHERE r.model_id = ml_model.id AND r.status = 'succeeded' AND r.run_type = 'train'
    ORDER BY r.finished_at, r.id LIMIT 1
)
WHERE EXISTS (
    SELECT 1 FROM ml_run r
    WHERE r.model_id = ml_model.id AND r.status = 'succeeded' AND r.run_type = 'train'
);
