-- The end of a client's contract (C24, issue 14): its data are destroyed
-- on the agreed day unless the provider cancels; what was destroyed is
-- kept as a signed certificate, which outlives the tenant.
CREATE TABLE tenant_endings (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    destroy_on TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at INTEGER NOT NULL
);

CREATE TABLE destruction_certificates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_slug TEXT NOT NULL,
    tenant_name TEXT NOT NULL,
    destroyed_at INTEGER NOT NULL,
    certificate TEXT NOT NULL,
    signature TEXT NOT NULL
);
