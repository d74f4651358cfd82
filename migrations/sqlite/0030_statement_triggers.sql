-- PostgreSQL's migration 30 keeps the run counts, the runs' last metrics
-- and the models' health once per inserted statement (a trigger over a
-- transition table). SQLite has no statement triggers: its triggers stay
-- per row (0003, 0011, 0015), in the same process and without a PL call,
-- which measured no slower than a bulk load without them. The number is
-- kept so a schema version means the same on both backends.
SELECT 1;
