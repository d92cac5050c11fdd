//! The SQLite backend: the embedded default, one file in the data folder.

use std::str::FromStr;

use sqlx::{
    Connection, Sqlite,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use vigie_store::StoreError;

use crate::{
    errors::SqlResult,
    migrate::{Migration, newer_than_binary},
};

type Db = Sqlite;
type ThisStore = SqliteStore;
const BACKEND: &str = "sqlite";
/// Vigie's tables, for a restored backup's check.
const TABLES_SQL: &str = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";

/// `VACUUM INTO`: a consistent, compact copy made while others write.
async fn snapshot_into(pool: &sqlx::SqlitePool, path: &std::path::Path) -> Result<(), StoreError> {
    sqlx::query("VACUUM INTO $1")
        .bind(path.to_string_lossy().into_owned())
        .execute(pool)
        .await
        .map_err(|e| StoreError::Other(format!("VACUUM INTO {}: {e}", path.display())))?;
    Ok(())
}

/// The trail's records with `after < seq <= through`, in order.
///
/// From a file, they are read on a blocking thread through a read-only
/// connection of its own (rusqlite, the same SQLite library as sqlx's),
/// each value borrowed from SQLite's row: sqlx hands SQLite's rows over
/// one by one between threads, a copy per value, which cost 5× reading
/// them (`audit verify`, issue 19). An in-memory database, which no other
/// connection can open, is read through sqlx.
async fn records_range(
    store: &SqliteStore,
    after: i64,
    through: i64,
) -> Result<Vec<vigie_domain::audit::AuditRecord>, StoreError> {
    match &store.file {
        Some(file) => {
            let file = file.clone();
            tokio::task::spawn_blocking(move || {
                crate::trail_read::sqlite_file(&file, after, through)
            })
            .await
            .map_err(|e| StoreError::Other(format!("reading the trail: {e}")))?
        }
        None => records_by_rows(&store.pool, after, through).await,
    }
}

/// The trail's records with `after < seq <= through`, in order, row by
/// row through sqlx (an in-memory database).
async fn records_by_rows(
    pool: &sqlx::SqlitePool,
    after: i64,
    through: i64,
) -> Result<Vec<vigie_domain::audit::AuditRecord>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RECORD_COLS} FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq"
    )))
    .bind(after)
    .bind(through)
    .fetch_all(pool)
    .await
    .db()?;
    rows.iter().map(record_from).collect()
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sql: include_str!("../migrations/sqlite/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        sql: include_str!("../migrations/sqlite/0002_rights.sql"),
    },
    Migration {
        version: 3,
        sql: include_str!("../migrations/sqlite/0003_scans.sql"),
    },
    Migration {
        version: 4,
        sql: include_str!("../migrations/sqlite/0004_register.sql"),
    },
    Migration {
        version: 5,
        sql: include_str!("../migrations/sqlite/0005_subprocessors.sql"),
    },
    Migration {
        version: 6,
        sql: include_str!("../migrations/sqlite/0006_audits.sql"),
    },
    Migration {
        version: 7,
        sql: include_str!("../migrations/sqlite/0007_models.sql"),
    },
    Migration {
        version: 8,
        sql: include_str!("../migrations/sqlite/0008_confinement.sql"),
    },
    Migration {
        version: 9,
        sql: include_str!("../migrations/sqlite/0009_trail_intents.sql"),
    },
    Migration {
        version: 10,
        sql: include_str!("../migrations/sqlite/0010_totp_steps.sql"),
    },
    Migration {
        version: 11,
        sql: include_str!("../migrations/sqlite/0011_invitations.sql"),
    },
    Migration {
        version: 12,
        sql: include_str!("../migrations/sqlite/0012_incidents.sql"),
    },
    Migration {
        version: 13,
        sql: include_str!("../migrations/sqlite/0013_incident_declarations.sql"),
    },
    Migration {
        version: 14,
        sql: include_str!("../migrations/sqlite/0014_problems.sql"),
    },
    Migration {
        version: 15,
        sql: include_str!("../migrations/sqlite/0015_provider_tokens.sql"),
    },
    Migration {
        version: 16,
        sql: include_str!("../migrations/sqlite/0016_retention.sql"),
    },
    Migration {
        version: 17,
        sql: include_str!("../migrations/sqlite/0017_masked_copies.sql"),
    },
    Migration {
        version: 18,
        sql: include_str!("../migrations/sqlite/0018_endings.sql"),
    },
    Migration {
        version: 19,
        sql: include_str!("../migrations/sqlite/0019_ending_link.sql"),
    },
    Migration {
        version: 20,
        sql: include_str!("../migrations/sqlite/0020_own_data.sql"),
    },
    Migration {
        version: 21,
        sql: include_str!("../migrations/sqlite/0021_backups.sql"),
    },
    Migration {
        version: 22,
        sql: include_str!("../migrations/sqlite/0022_consent.sql"),
    },
    Migration {
        version: 23,
        sql: include_str!("../migrations/sqlite/0023_consent_anchor.sql"),
    },
    Migration {
        version: 24,
        sql: include_str!("../migrations/sqlite/0024_register_published.sql"),
    },
    Migration {
        version: 25,
        sql: include_str!("../migrations/sqlite/0025_organisation_sheets.sql"),
    },
    Migration {
        version: 26,
        sql: include_str!("../migrations/sqlite/0026_activities_current_index.sql"),
    },
    Migration {
        version: 27,
        sql: include_str!("../migrations/sqlite/0027_dpo_follow_up.sql"),
    },
    Migration {
        version: 28,
        sql: include_str!("../migrations/sqlite/0028_request_links.sql"),
    },
    Migration {
        version: 29,
        sql: include_str!("../migrations/sqlite/0029_request_contact.sql"),
    },
    Migration {
        version: 30,
        sql: include_str!("../migrations/sqlite/0030_request_attachments.sql"),
    },
    Migration {
        version: 31,
        sql: include_str!("../migrations/sqlite/0031_event_detail_en.sql"),
    },
    Migration {
        version: 32,
        sql: include_str!("../migrations/sqlite/0032_webhooks.sql"),
    },
    Migration {
        version: 33,
        sql: include_str!("../migrations/sqlite/0033_webhook_rotation.sql"),
    },
];

/// `FOR UPDATE SKIP LOCKED` does not exist here, and is not needed: the
/// claim runs in an IMMEDIATE transaction, so one writer at a time.
/// How due outbox messages are locked while being claimed (nothing here: the claim runs in an IMMEDIATE transaction).
/// Lifts, then restores, the guard that keeps notification phases from
/// being removed: only a tenant's destruction (C24) does it, inside its
/// transaction.
const LIFT_PHASE_GUARD: &str = "DROP TRIGGER incident_phases_not_removed";
const RESTORE_PHASE_GUARD: &str = "CREATE TRIGGER incident_phases_not_removed BEFORE DELETE ON incident_phases BEGIN SELECT RAISE(ABORT, 'a notification phase is never changed or removed'); END";

const SKIP_LOCKED: &str = "";

/// Claims are serialised by the IMMEDIATE transaction here.
const CLAIM_LOCK: Option<&str> = None;

const CLAIM_JOB: &str = "UPDATE jobs SET state = 'running', locked_by = $1, lease_until = $3, \
     started_at = $2, attempts = attempts + 1 \
     WHERE id = (SELECT id FROM jobs \
        WHERE ((state = 'queued' AND run_at <= $2) OR (state = 'running' AND lease_until < $2)) \
          AND kind IN ({kinds}) \
          AND (tenant_id IS NULL OR NOT EXISTS (SELECT 1 FROM jobs busy \
               WHERE busy.tenant_id = jobs.tenant_id AND busy.state = 'running' \
               AND busy.lease_until >= $2 AND busy.id <> jobs.id)) \
        ORDER BY run_at, id LIMIT 1) \
     RETURNING id, kind, key, state, run_at, attempts, locked_by, started_at, finished_at, summary";

/// Trail records per INSERT. Measured (bulk appends, release): 500 rows
/// per statement gave 11 k records/s, 50 gave 64 k, 20 gave 77 k: binding
/// cost grows faster than linearly with a statement's parameters here.
const INSERT_CHUNK: usize = 20;

pub struct SqliteStore {
    pub(crate) pool: sqlx::Pool<Db>,
    /// The database's file, absolute; `None` in memory.
    file: Option<std::path::PathBuf>,
}

impl SqliteStore {
    /// Opens (and creates if missing) the database file, in WAL mode.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, crate::PoolOptions::default()).await
    }

    pub async fn connect_with(url: &str, o: crate::PoolOptions) -> Result<Self, StoreError> {
        let opts = SqliteConnectOptions::from_str(url)
            .db()?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(o.wait)
            .foreign_keys(true);
        let file = opts.get_filename().to_path_buf();
        let pool = SqlitePoolOptions::new()
            // A connection whose COMMIT or ROLLBACK failed (a full disk, a
            // dropped link) still counts a transaction: it is closed, never
            // handed out again, so the service recovers by itself.
            .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .before_acquire(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .max_connections(4)
            .acquire_timeout(o.wait)
            .connect_with(opts)
            .await
            .db()?;
        // An in-memory database's name is no file (`file:sqlx-in-memory-…`).
        let file = std::fs::canonicalize(file).ok().filter(|f| f.is_file());
        Ok(Self { pool, file })
    }

    /// A write transaction that takes the write lock at once, so that two
    /// writers never both read and then fail to upgrade.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Db>, StoreError> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.db()
    }

    async fn run_migrations(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
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
