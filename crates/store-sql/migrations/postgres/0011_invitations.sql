-- An existing account asked to join a tenant (issue 12): it joins only
-- when its owner accepts, signed in. One pending invitation per tenant and
-- account; the link's token is kept as a hash.
CREATE TABLE invitations (
    id BIGSERIAL PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    roles TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (tenant_id, user_id)
);
CREATE INDEX invitations_user ON invitations (user_id);
