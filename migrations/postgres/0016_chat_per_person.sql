-- Conversations belong to people: each user has their own per recipe (and
-- their own general chat), read by (recipe, author). A proposal remembers the
-- version it was made against, so applying it later merges with versions
-- saved since; one superseded by its author's newer request says so.

ALTER TABLE ml_chat_message ADD COLUMN base_version TEXT;
ALTER TABLE ml_chat_message DROP CONSTRAINT ml_chat_message_status_check;
ALTER TABLE ml_chat_message ADD CONSTRAINT ml_chat_message_status_check
    CHECK (status IN ('none', 'proposed', 'applied', 'rejected', 'superseded'));
CREATE INDEX ml_chat_message_author ON ml_chat_message(recipe_id, created_by, id);
