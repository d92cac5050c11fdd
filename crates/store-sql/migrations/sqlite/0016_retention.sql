-- Retention rules executed (C21, C22, issue 14): a rule per table of a
-- connected system; each sweep (dry or real) is a run with its progress
-- per rule — the last primary key done and, between a batch's record and
-- its commit in the client database, the batch pending — and ends with a
-- signed report.
CREATE TABLE retention_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    system_id INTEGER NOT NULL REFERENCES connected_systems(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    table_name TEXT NOT NULL,
    trigger_column TEXT NOT NULL,
    amount INTEGER NOT NULL,
    unit TEXT NOT NULL,
    action TEXT NOT NULL,
    done_before TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX retention_rules_tenant ON retention_rules (tenant_id);

CREATE TABLE retention_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    dry INTEGER NOT NULL,
    status TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    report TEXT NOT NULL DEFAULT '',
    signature TEXT NOT NULL DEFAULT ''
);
CREATE INDEX retention_runs_tenant ON retention_runs (tenant_id, started_at);

CREATE TABLE retention_progress (
    run_id INTEGER NOT NULL REFERENCES retention_runs(id) ON DELETE CASCADE,
    rule_id INTEGER NOT NULL,
    last_key TEXT,
    matched INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    pending TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, rule_id)
);
