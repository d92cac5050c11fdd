-- Rights requests, their timeline and tasks; connected systems.

ALTER TABLE tenants ADD COLUMN calendar TEXT NOT NULL DEFAULT 'france';

CREATE TABLE connected_systems (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    url_sealed BLOB NOT NULL,
    url_hint TEXT NOT NULL,
    dataset TEXT NOT NULL,
    checked_at INTEGER,
    check_result TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE rights_requests (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    reference TEXT NOT NULL,
    kind TEXT NOT NULL,
    intake TEXT NOT NULL,
    status TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    subject_email TEXT NOT NULL,
    identities TEXT NOT NULL,
    details TEXT NOT NULL,
    channels TEXT NOT NULL,
    rectifications TEXT NOT NULL,
    received_at INTEGER,
    due_on TEXT,
    extended INTEGER NOT NULL DEFAULT 0,
    extension_reason TEXT NOT NULL DEFAULT '',
    verification TEXT,
    code_hash TEXT,
    code_expires INTEGER,
    code_attempts INTEGER NOT NULL DEFAULT 0,
    public_token_hash TEXT NOT NULL UNIQUE,
    forwarded_to INTEGER REFERENCES tenants(id),
    forwarded_from INTEGER REFERENCES rights_requests(id),
    answer TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, reference)
);
CREATE INDEX rights_requests_due ON rights_requests (tenant_id, status, due_on);

CREATE TABLE rights_events (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    step TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX rights_events_request ON rights_events (request_id, id);

CREATE TABLE rights_tasks (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    system_id INTEGER NOT NULL REFERENCES connected_systems(id),
    state TEXT NOT NULL,
    found INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    outcome_sealed BLOB,
    message TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    UNIQUE (request_id, system_id)
);

CREATE TABLE rights_downloads (
    token_hash TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    request_id INTEGER NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
);
