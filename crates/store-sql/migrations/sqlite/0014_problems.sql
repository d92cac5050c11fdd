-- Provider-wide incidents ("problèmes", seed 002): one incident of the
-- provider touching several clients (C17, C19, issue 13). Each impacted
-- client is recorded with its own part and its contractual notice limit;
-- the notice creates the client's own incident in its register. Updates
-- and the general information at closure are kept as sent, never changed.
ALTER TABLE tenants ADD COLUMN processor_notice_hours INTEGER NOT NULL DEFAULT 48;

CREATE TABLE problems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    intake TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    declared_at INTEGER NOT NULL,
    aware_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    facts TEXT NOT NULL,
    reminded_for INTEGER,
    closed_at INTEGER,
    search TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX problems_aware ON problems (aware_at);

CREATE TABLE problem_clients (
    problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    part TEXT NOT NULL,
    persons INTEGER,
    notice_hours INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    added_by TEXT NOT NULL,
    noticed_at INTEGER,
    incident_id INTEGER REFERENCES incidents(id),
    notice_reminded INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (problem_id, tenant_id)
);
CREATE UNIQUE INDEX problem_clients_incident ON problem_clients (incident_id);

CREATE TABLE problem_updates (
    problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    body TEXT NOT NULL,
    closing INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    sent_by TEXT NOT NULL,
    PRIMARY KEY (problem_id, n)
);
CREATE TRIGGER problem_updates_not_changed BEFORE UPDATE ON problem_updates
BEGIN
    SELECT RAISE(ABORT, 'an update sent to the clients is never changed or removed');
END;
CREATE TRIGGER problem_updates_not_removed BEFORE DELETE ON problem_updates
BEGIN
    SELECT RAISE(ABORT, 'an update sent to the clients is never changed or removed');
END;

-- The provider's own public declaration link: a declaration with no
-- tenant becomes a provider-wide incident.
CREATE TABLE incident_declarations_new (
    token_hash TEXT PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    code_expires INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    email TEXT NOT NULL,
    aware_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO incident_declarations_new SELECT token_hash, tenant_id, code_hash, code_expires, attempts,
    title, description, declared_by, email, aware_at, created_at FROM incident_declarations;
DROP TABLE incident_declarations;
ALTER TABLE incident_declarations_new RENAME TO incident_declarations;
CREATE INDEX incident_declarations_created ON incident_declarations (created_at);
