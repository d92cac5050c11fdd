-- Vigie's own data under retention (C21, C22, issue 14): when an account
-- was last used, told of its coming deletion, left with no client, and
-- anonymised; when a request was anonymised; the sweeps with their lines,
-- counted in the transaction of each change.
ALTER TABLE users ADD COLUMN last_active_at INTEGER;
ALTER TABLE users ADD COLUMN inactivity_told_at INTEGER;
ALTER TABLE users ADD COLUMN unattached_since INTEGER;
ALTER TABLE users ADD COLUMN anonymised_at INTEGER;
UPDATE users SET last_active_at = COALESCE(
    (SELECT MAX(s.last_seen) FROM sessions s WHERE s.user_id = users.id), created_at);

ALTER TABLE rights_requests ADD COLUMN anonymised_at INTEGER;

CREATE TABLE own_sweeps (
    id INTEGER PRIMARY KEY,
    dry INTEGER NOT NULL,
    started_by TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    report TEXT NOT NULL DEFAULT '',
    signature TEXT NOT NULL DEFAULT ''
);

CREATE TABLE own_sweep_lines (
    sweep_id INTEGER NOT NULL REFERENCES own_sweeps(id) ON DELETE CASCADE,
    what TEXT NOT NULL,
    -- 0: the whole instance. No foreign key: a line outlives its client.
    tenant_id INTEGER NOT NULL DEFAULT 0,
    matched INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sweep_id, what, tenant_id)
);
