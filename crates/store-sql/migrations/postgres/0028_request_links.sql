-- Issue 18: more links to a request's status page than the first one (a
-- question to the person carries a fresh link; the first stays valid).
CREATE TABLE request_links (
    token_hash TEXT PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES rights_requests(id) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
