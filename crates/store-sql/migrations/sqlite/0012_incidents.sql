-- The incident and breach register (C17–C20, issue 13). Every incident
-- stays, notified or not. A notification phase, once sent, is never
-- changed nor removed: the database refuses it.
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    intake TEXT NOT NULL,
    declared_by TEXT NOT NULL,
    declared_at INTEGER NOT NULL,
    aware_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    facts TEXT NOT NULL,
    inform TEXT,
    inform_reasoning TEXT NOT NULL DEFAULT '',
    reminders_sent INTEGER NOT NULL DEFAULT 0,
    notified_at INTEGER,
    late_reason TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, reference)
);
CREATE INDEX incidents_tenant ON incidents (tenant_id, aware_at);

CREATE TABLE incident_phases (
    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    kind TEXT NOT NULL,
    facts TEXT NOT NULL,
    late_reason TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    sent_by TEXT NOT NULL,
    PRIMARY KEY (incident_id, n)
);

CREATE TRIGGER incident_phases_not_changed BEFORE UPDATE ON incident_phases
BEGIN
    SELECT RAISE(ABORT, 'a notification phase is never changed or removed');
END;
CREATE TRIGGER incident_phases_not_removed BEFORE DELETE ON incident_phases
BEGIN
    SELECT RAISE(ABORT, 'a notification phase is never changed or removed');
END;
