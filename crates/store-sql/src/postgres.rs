//! The PostgreSQL backend: several stateless Vigie nodes share one database.

use sqlx::{Connection, Postgres, postgres::PgPoolOptions};
use vigie_store::StoreError;

use crate::{
    errors::SqlResult,
    migrate::{Migration, newer_than_binary},
};

type Db = Postgres;
type ThisStore = PostgresStore;
const BACKEND: &str = "postgres";
/// Vigie's tables, for a restored backup's check.
const TABLES_SQL: &str =
    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename";

/// PostgreSQL is copied with `pg_dump`, outside the store.
async fn snapshot_into(_: &sqlx::PgPool, _: &std::path::Path) -> Result<(), StoreError> {
    Err(StoreError::Other(
        "a PostgreSQL database is backed up with pg_dump".into(),
    ))
}

/// The trail's records with `after < seq <= through`, in order, as
/// binary `COPY` output read field by field (`crate::trail_read`): sqlx's
/// row-by-row decoding was most of `audit verify`'s time (issue 19).
async fn records_range(
    store: &PostgresStore,
    after: i64,
    through: i64,
) -> Result<Vec<vigie_domain::audit::AuditRecord>, StoreError> {
    use futures_util::TryStreamExt;
    /// A connection in the middle of a `COPY` is closed if the read is
    /// dropped before its end (verification stops at a break, or reads a
    /// range past the end): back in the pool, its next user would read
    /// the rest of the copy as its answer.
    struct Copying(Option<sqlx::pool::PoolConnection<Db>>);
    impl Drop for Copying {
        fn drop(&mut self) {
            if let Some(c) = self.0.as_mut() {
                c.close_on_drop();
            }
        }
    }
    let mut copying = Copying(Some(store.pool.acquire().await.db()?));
    let mut bytes = Vec::new();
    if let Some(conn) = copying.0.as_mut() {
        let mut chunks = conn
            .copy_out_raw(&crate::trail_read::pg_copy_statement(after, through))
            .await
            .db()?;
        while let Some(chunk) = chunks.try_next().await.db()? {
            bytes.extend_from_slice(&chunk);
        }
    }
    // Read to its end: the connection goes back to the pool.
    drop(copying.0.take());
    // Thousands of records are decoded off the async runtime.
    tokio::task::spawn_blocking(move || crate::trail_read::pg_copy(&bytes))
        .await
        .map_err(|e| StoreError::Other(format!("reading the trail: {e}")))?
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../migrations/postgres/0002_rights.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../migrations/postgres/0003_scans.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../migrations/postgres/0004_register.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../migrations/postgres/0005_subprocessors.sql"),
    },
    Migration {
        version: 6,
        sql: include_str!("../migrations/postgres/0006_audits.sql"),
    },
    Migration {
        version: 7,
        sql: include_str!("../migrations/postgres/0007_models.sql"),
    },
    Migration {
        version: 8,
        sql: include_str!("../migrations/postgres/0008_confinement.sql"),
    },
    Migration {
        version: 9,
        sql: include_str!("../migrations/postgres/0009_trail_intents.sql"),
    },
    Migration {
        version: 10,
        sql: include_str!("../migrations/postgres/0010_totp_steps.sql"),
    },
    Migration {
        version: 11,
        sql: include_str!("../migrations/postgres/0011_invitations.sql"),
    },
    Migration {
        version: 12,
        sql: include_str!("../migrations/postgres/0012_incidents.sql"),
    },
    Migration {
        version: 13,
        sql: include_str!("../migrations/postgres/0013_incident_declarations.sql"),
    },
    Migration {
        version: 14,
        sql: include_str!("../migrations/postgres/0014_problems.sql"),
    },
    Migration {
        version: 15,
        sql: include_str!("../migrations/postgres/0015_provider_tokens.sql"),
    },
    Migration {
        version: 16,
        sql: include_str!("../migrations/postgres/0016_retention.sql"),
    },
    Migration {
        version: 17,
        sql: include_str!("../migrations/postgres/0017_masked_copies.sql"),
    },
    Migration {
        version: 18,
        sql: include_str!("../migrations/postgres/0018_endings.sql"),
    },
    Migration {
        version: 19,
        sql: include_str!("../migrations/postgres/0019_ending_link.sql"),
    },
    Migration {
        version: 20,
        sql: include_str!("../migrations/postgres/0020_own_data.sql"),
    },
    Migration {
        version: 21,
        sql: include_str!("../migrations/postgres/0021_backups.sql"),
    },
    Migration {
        version: 22,
        sql: include_str!("../migrations/postgres/0022_consent.sql"),
    },
    Migration {
        version: 23,
        sql: include_str!("../migrations/postgres/0023_consent_anchor.sql"),
    },
    Migration {
        version: 24,
        sql: include_str!("../migrations/postgres/0024_register_published.sql"),
    },
    Migration {
        version: 25,
        sql: include_str!("../migrations/postgres/0025_organisation_sheets.sql"),
    },
    Migration {
        version: 26,
        sql: include_str!("../migrations/postgres/0026_activities_current_index.sql"),
    },
    Migration {
        version: 27,
        sql: include_str!("../migrations/postgres/0027_dpo_follow_up.sql"),
    },
    Migration {
        version: 28,
        sql: include_str!("../migrations/postgres/0028_request_links.sql"),
    },
    Migration {
        version: 29,
        sql: include_str!("../migrations/postgres/0029_request_contact.sql"),
    },
    Migration {
        version: 30,
        sql: include_str!("../migrations/postgres/0030_request_attachments.sql"),
    },
    Migration {
        version: 31,
        sql: include_str!("../migrations/postgres/0031_event_detail_en.sql"),
    },
    Migration {
        version: 32,
        sql: include_str!("../migrations/postgres/0032_webhooks.sql"),
    },
    Migration {
        version: 33,
        sql: include_str!("../migrations/postgres/0033_webhook_rotation.sql"),
    },
];

/// Several nodes claim at once: each skips rows another holds.
/// How due outbox messages are locked while being claimed: another node skips them.
/// Lifts, then restores, the guard that keeps notification phases from
/// being removed: only a tenant's destruction (C24) does it, inside its
/// transaction.
const LIFT_PHASE_GUARD: &str = "ALTER TABLE incident_phases DISABLE TRIGGER incident_phases_kept";
const RESTORE_PHASE_GUARD: &str = "ALTER TABLE incident_phases ENABLE TRIGGER incident_phases_kept";

const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";

/// Claims are serialised across nodes, so that two claims at the same
/// instant cannot both take a job of the same tenant.
const CLAIM_LOCK: Option<&str> = Some("SELECT pg_advisory_xact_lock(5657896917550)");

const CLAIM_JOB: &str = "UPDATE jobs SET state = 'running', locked_by = $1, lease_until = $3, \
     started_at = $2, attempts = attempts + 1 \
     WHERE id = (SELECT id FROM jobs \
        WHERE ((state = 'queued' AND run_at <= $2) OR (state = 'running' AND lease_until < $2)) \
          AND kind IN ({kinds}) \
          AND (tenant_id IS NULL OR NOT EXISTS (SELECT 1 FROM jobs busy \
               WHERE busy.tenant_id = jobs.tenant_id AND busy.state = 'running' \
               AND busy.lease_until >= $2 AND busy.id <> jobs.id)) \
        ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, key, state, run_at, attempts, locked_by, started_at, finished_at, summary";

/// Any fixed number: the advisory lock that serialises migrations when
/// several nodes start together.
const MIGRATION_LOCK: i64 = 0x0056_4947_4945;

/// Trail records per INSERT (11 parameters each, under the 65,535 limit):
/// 500 gave 83 k records/s in bulk, 20 gave 51 k (fewer round trips win).
const INSERT_CHUNK: usize = 500;

pub struct PostgresStore {
    pub(crate) pool: sqlx::Pool<Db>,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, crate::PoolOptions::default()).await
    }

    pub async fn connect_with(url: &str, o: crate::PoolOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            // A connection whose COMMIT or ROLLBACK failed (a full disk, a
            // dropped link) still counts a transaction: it is closed, never
            // handed out again, so the service recovers by itself.
            .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .before_acquire(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .max_connections(16)
            .acquire_timeout(o.wait)
            .connect(url)
            .await
            .db()?;
        Ok(Self { pool })
    }

    /// Row locks (`FOR UPDATE`, the trail head) do the serialising here.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
        self.pool.begin().await.db()
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .db()?;
        apply_migrations(&mut tx).await?;
        tx.commit().await.db()
    }
}

include!("shared.rs");
include!("shared_rights.rs");
include!("shared_register.rs");
include!("shared_followups.rs");
include!("shared_webhooks.rs");
include!("shared_subprocessors.rs");
include!("shared_audits.rs");
include!("shared_models.rs");
include!("shared_incidents.rs");
include!("shared_problems.rs");
include!("shared_retention.rs");
include!("shared_own.rs");
include!("shared_backups.rs");
include!("shared_consent.rs");
