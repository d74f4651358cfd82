-- RFC 7386 JSON merge patch, as SQLite's json_patch() does it: a run's
-- metrics and artifacts merge in the database, so two writers at once both
-- keep their keys.

CREATE FUNCTION nexml_json_merge_patch(target JSONB, patch JSONB) RETURNS JSONB AS $$
DECLARE
    key TEXT;
    value JSONB;
    result JSONB;
BEGIN
    IF patch IS NULL OR jsonb_typeof(patch) <> 'object' THEN
        RETURN patch;
    END IF;
    IF target IS NULL OR jsonb_typeof(target) <> 'object' THEN
        result := '{}'::JSONB;
    ELSE
        result := target;
    END IF;
    FOR key, value IN SELECT * FROM jsonb_each(patch) LOOP
        IF jsonb_typeof(value) = 'null' THEN
            result := result - key;
        ELSE
            result := result || jsonb_build_object(key, nexml_json_merge_patch(result -> key, value));
        END IF;
    END LOOP;
    RETURN result;
END;
$$ LANGUAGE plpgsql IMMUTABLE;
