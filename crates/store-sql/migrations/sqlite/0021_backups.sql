-- Backups of Vigie's own data (C31-C34, issue 15): every run with its
-- object's size and checksum, the targets that hold it and its last
-- restore test; alerts sent once per gap or failure.
CREATE TABLE backups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    backend TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL DEFAULT '',
    targets TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    node TEXT NOT NULL,
    restore_state TEXT NOT NULL DEFAULT '',
    restore_at INTEGER,
    restore_ms INTEGER,
    restore_detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX backups_started ON backups (started_at);

CREATE TABLE backup_alerts (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
);
