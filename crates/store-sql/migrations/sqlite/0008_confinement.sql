-- Connected systems confined (C27): the marker that tells any connection
-- "this is a Vigie database", the binding of each client database (by
-- what it is, not how its URL is written) to the one tenant that uses it,
-- and the agent's confirmation of a task whose identities matched several
-- people.

CREATE TABLE vigie_instance (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);
INSERT INTO vigie_instance (id, created_at)
VALUES (lower(hex(randomblob(16))), CAST(strftime('%s', 'now') AS INTEGER) * 1000000);

CREATE TABLE connect_targets (
    identity TEXT PRIMARY KEY,
    -- NULL when the provider declared the database shared.
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    bound_at INTEGER NOT NULL
);

ALTER TABLE rights_tasks ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
