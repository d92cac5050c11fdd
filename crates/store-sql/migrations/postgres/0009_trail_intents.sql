-- A state-changing request is noted here before it acts, and the note is
-- removed in the same transaction as its trail record (C28): a process
-- killed between a write and its record leaves the note, which is turned
-- into an "interrupted" record later. No write goes untraced.
CREATE TABLE audit_intents (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    -- Hash of the session cookie or API token that made the request.
    credential TEXT NOT NULL DEFAULT '',
    -- The tenant named in the path, if any.
    tenant_slug TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX audit_intents_at ON audit_intents (at);
