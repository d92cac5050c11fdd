-- Issue 17: one organisation sheet per tenant (controller, representative,
-- DPO with its CNIL designation, référent), used by every activity, export
-- and the public policy.
CREATE TABLE organisation_sheets (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
