-- SQLite merges JSON with its built-in json_patch() (RFC 7386); PostgreSQL
-- gets the same function in its 0005. Kept so both folders number alike.
SELECT 1;
