-- Consent (C35-C37, issue 16): a tenant's websites with their purposes and
-- notice version; every choice, chained per tenant like the access trail
-- and never changed; the suppression list of addresses and numbers whose
-- owners object to commercial solicitation, kept as keyed hashes (the
-- value itself sealed, for the export to mailing tools).
CREATE TABLE consent_sites (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    origin TEXT NOT NULL,
    site_key TEXT NOT NULL UNIQUE,
    notice_version TEXT NOT NULL,
    purposes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (tenant_id, origin)
);

CREATE TABLE consent_records (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    site_id INTEGER NOT NULL REFERENCES consent_sites(id) ON DELETE CASCADE,
    device TEXT NOT NULL,
    kind TEXT NOT NULL,
    choices TEXT NOT NULL,
    method TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    at INTEGER NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (tenant_id, seq)
);
CREATE INDEX consent_records_device ON consent_records (tenant_id, device, seq);
CREATE TRIGGER consent_records_not_changed BEFORE UPDATE ON consent_records
BEGIN
    SELECT RAISE(ABORT, 'a consent record is never changed');
END;

CREATE TABLE consent_heads (
    tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE suppressions (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    value_hash TEXT NOT NULL,
    value_sealed BLOB NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (tenant_id, channel, value_hash)
);
