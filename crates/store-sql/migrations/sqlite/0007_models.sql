-- Model registers per software product, their versions, and the link of
-- imported activities.

CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    product TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE model_versions (
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (model_id, version)
);

ALTER TABLE activities ADD COLUMN model_id INTEGER REFERENCES models(id);
ALTER TABLE activities ADD COLUMN model_version INTEGER;
ALTER TABLE activities ADD COLUMN model_name TEXT;
