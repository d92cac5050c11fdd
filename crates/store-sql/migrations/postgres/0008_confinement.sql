-- Connected systems confined (C27): the marker that tells any connection
-- "this is a Vigie database", the binding of each client database (by
-- what it is, not how its URL is written) to the one tenant that uses it,
-- and the agent's confirmation of a task whose identities matched several
-- people.

CREATE TABLE vigie_instance (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    -- Written by every health check: a store that cannot write shows.
    checked_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO vigie_instance (id, created_at)
VALUES (md5(random()::text || clock_timestamp()::text), (extract(epoch FROM now()) * 1000000)::bigint);

CREATE TABLE connect_targets (
    identity TEXT PRIMARY KEY,
    -- Where it was first reached from, for the provider (no credentials).
    location TEXT NOT NULL,
    -- NULL when the provider declared the database shared.
    tenant_id BIGINT REFERENCES tenants(id) ON DELETE CASCADE,
    bound_at BIGINT NOT NULL,
    -- A shared database: the provider's name for it and the column that
    -- tells whose rows are whose.
    label TEXT NOT NULL DEFAULT '',
    filter_column TEXT NOT NULL DEFAULT ''
);

CREATE TABLE connect_target_tenants (
    identity TEXT NOT NULL REFERENCES connect_targets(identity) ON DELETE CASCADE,
    tenant_id BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    filter_value TEXT NOT NULL,
    PRIMARY KEY (identity, tenant_id)
);

ALTER TABLE rights_tasks ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';

-- The node that claimed an outbox message for sending: a node restarting
-- under its name gives back at once what it had claimed.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;

-- The tenant a job works for (rights tasks, scans): the worker runs at
-- most one job per tenant at a time, so one tenant's queue or slow system
-- never holds the others'.
ALTER TABLE jobs ADD COLUMN tenant_id BIGINT;
