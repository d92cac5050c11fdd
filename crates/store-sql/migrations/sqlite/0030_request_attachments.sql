-- Issue 18: the documents a person sends with a reply (a proof of
-- identity, a mandate), kept with the request and gone with it.
CREATE TABLE request_attachments (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    added_at INTEGER NOT NULL
);
CREATE INDEX request_attachments_request ON request_attachments (request_id, id);
