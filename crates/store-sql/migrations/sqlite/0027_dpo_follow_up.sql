-- Issue 17: what a DPO keeps beside the register — each activity's impact
-- assessment (AIPD) as versions, the advice given and the action plan,
-- and the evidence documents.
CREATE TABLE dpias (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    saved_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, activity_id, version)
);

CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    activity_id INTEGER REFERENCES activities(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    owner TEXT NOT NULL,
    due TEXT,
    status TEXT NOT NULL,
    response TEXT NOT NULL,
    -- title, detail and owner lowercased, for the search box.
    search TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX follow_ups_tenant ON follow_ups (tenant_id, status, due);

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    activity_id INTEGER REFERENCES activities(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    uploaded_at INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX evidence_tenant ON evidence (tenant_id, id);
