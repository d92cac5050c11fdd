-- An existing account asked to join a tenant (issue 12): it joins only
-- when its owner accepts, signed in. One pending invitation per tenant and
-- account; the link's token is kept as a hash.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    roles TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    UNIQUE (tenant_id, user_id)
);
CREATE INDEX invitations_user ON invitations (user_id);
