-- Chat history per recipe (recipe_id NULL: the general chat), and alerts
-- opened by monitoring rules.

CREATE TABLE ml_chat_message (
    id          INTEGER PRIMARY KEY,
    recipe_id   INTEGER REFERENCES ml_recipe(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text        TEXT NOT NULL,
    proposal    TEXT,
    status      TEXT NOT NULL DEFAULT 'none' CHECK (status IN ('none', 'proposed', 'applied', 'rejected')),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX ml_chat_message_recipe ON ml_chat_message(recipe_id, id);

CREATE TABLE ml_alert (
    id           INTEGER PRIMARY KEY,
    model_id     INTEGER NOT NULL REFERENCES ml_model(id),
    rule         TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('metric', 'drift', 'freshness')),
    metric       TEXT NOT NULL,
    comparison   TEXT NOT NULL CHECK (comparison IN ('>', '>=', '<', '<=')),
    threshold    REAL NOT NULL,
    severity     TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    state        TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'resolved')),
    value        REAL NOT NULL,
    message      TEXT NOT NULL,
    snapshot_id  INTEGER REFERENCES ml_monitor_snapshot(id),
    opened_at    TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    resolved_at  TEXT
);
CREATE INDEX ml_alert_model ON ml_alert(model_id, state, id);
