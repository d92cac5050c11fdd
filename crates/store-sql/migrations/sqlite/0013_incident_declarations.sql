-- A declaration by a partner or sub-processor through the tenant's public
-- link (C19), kept here until its author enters the code sent to their
-- address; then it becomes an incident, in the same transaction.
CREATE TABLE incident_declarations (
    token_hash TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
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
CREATE INDEX incident_declarations_created ON incident_declarations (created_at);
