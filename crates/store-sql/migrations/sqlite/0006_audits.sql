-- Client audits (C40) and documented instructions (C41).

CREATE TABLE audits (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    requested_on TEXT NOT NULL,
    planned_on TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX audits_tenant ON audits (tenant_id, planned_on);

CREATE TABLE instructions (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    given_on TEXT NOT NULL,
    body TEXT NOT NULL,
    search TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX instructions_tenant ON instructions (tenant_id, given_on);
