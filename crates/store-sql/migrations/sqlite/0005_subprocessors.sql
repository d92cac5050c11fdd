-- Sub-processors, the tenants they serve, change notices and windows.

CREATE TABLE subprocessors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE subprocessor_tenants (
    subprocessor_id INTEGER NOT NULL REFERENCES subprocessors(id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    PRIMARY KEY (subprocessor_id, tenant_id)
);
CREATE INDEX subprocessor_tenants_tenant ON subprocessor_tenants (tenant_id);

CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    subprocessor_id INTEGER NOT NULL REFERENCES subprocessors(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    replaces TEXT NOT NULL,
    activities TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE notice_tenants (
    notice_id INTEGER NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    received_at INTEGER NOT NULL,
    deadline TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    answered_at INTEGER,
    resolution TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (notice_id, tenant_id)
);
CREATE INDEX notice_tenants_open ON notice_tenants (state, deadline);
