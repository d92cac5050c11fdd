-- Masked copies of a connected system into a test database (C30, issue
-- 14), run by the worker: the target's URL sealed like a system's, the
-- progress as it goes, what was copied or why it failed.
CREATE TABLE masked_copies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    system_id INTEGER NOT NULL REFERENCES connected_systems(id) ON DELETE CASCADE,
    target_sealed BLOB NOT NULL,
    target_hint TEXT NOT NULL,
    state TEXT NOT NULL,
    rows_copied INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    requested_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX masked_copies_system ON masked_copies (tenant_id, system_id, created_at);
