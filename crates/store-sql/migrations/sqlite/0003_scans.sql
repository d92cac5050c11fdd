-- Discovery scans of connected systems, with their kept reports.

CREATE TABLE system_scans (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    system_id INTEGER NOT NULL REFERENCES connected_systems(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    requested_at INTEGER NOT NULL,
    finished_at INTEGER,
    report TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX system_scans_system ON system_scans (tenant_id, system_id, id);
