-- The client's own link to its reversibility export (C24), valid until
-- its data are destroyed: the token's hash only.
ALTER TABLE tenant_endings ADD COLUMN export_token_hash TEXT NOT NULL DEFAULT '';
