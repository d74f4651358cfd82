-- Conversations belong to people: each user has their own per recipe (and
-- their own general chat), read by (recipe, author). A proposal remembers the
-- version it was made against, so applying it later merges with versions
-- saved since; one superseded by its author's newer request says so.
-- SQLite cannot change a CHECK in place: the table is rebuilt.

CREATE TABLE ml_chat_message_new (
    id           INTEGER PRIMARY KEY,
    recipe_id    INTEGER REFERENCES ml_recipe(id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text         TEXT NOT NULL,
    proposal     TEXT,
    status       TEXT NOT NULL DEFAULT 'none' CHECK (status IN ('none', 'proposed', 'applied', 'rejected', 'superseded')),
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    base_version TEXT
);
INSERT INTO ml_chat_message_new (id, recipe_id, role, text, proposal, status, created_by, created_at)
    SELECT id, recipe_id, role, text, proposal, status, created_by, created_at FROM ml_chat_message;
DROP TABLE ml_chat_message;
ALTER TABLE ml_chat_message_new RENAME TO ml_chat_message;
CREATE INDEX ml_chat_message_recipe ON ml_chat_message(recipe_id, id);
CREATE INDEX ml_chat_message_author ON ml_chat_message(recipe_id, created_by, id);
