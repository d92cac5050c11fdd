//! Vigie's store on SQLite (the embedded default) and on PostgreSQL (for
//! several nodes sharing one database).
//!
//! Both backends share their SQL text (`$N` placeholders, `RETURNING`,
//! `ON CONFLICT`): `shared.rs` is compiled once per backend with concrete
//! sqlx types, and only what truly differs (connection, migrations, job
//! claiming, write transactions) lives in `sqlite.rs` and `postgres.rs`.
//! See docs/decisions.md.

mod errors;
mod legacy;
mod migrate;
pub mod postgres;
pub mod sqlite;
mod trail_read;

use std::{sync::Arc, time::Duration};

use vigie_store::{Store, StoreError};

/// How the pool behaves when the database is slow or gone.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// The longest a request waits for a connection (PostgreSQL) or for
    /// the write lock (SQLite) before it is told the database is
    /// unavailable (503).
    pub wait: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            wait: Duration::from_secs(5),
        }
    }
}

/// Opens the store named by a URL: `sqlite://path` or `postgres://…`.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    open_with(url, PoolOptions::default()).await
}

pub async fn open_with(url: &str, o: PoolOptions) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect_with(url, o).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(
            postgres::PostgresStore::connect_with(url, o).await?,
        ))
    } else {
        Err(StoreError::Other(
            "the database URL must start with sqlite:// or postgres://".into(),
        ))
    }
}

/// A `LIKE` pattern that matches `term` anywhere, case-insensitively when
/// compared with a lowercased column; empty when there is nothing to match.
fn contains_pattern(term: &str) -> String {
    let t = term.trim().to_lowercase();
    if t.is_empty() {
        return String::new();
    }
    format!("%{}%", escape_like(&t))
}

fn prefix_pattern(term: &str) -> String {
    let t = term.trim();
    if t.is_empty() {
        return String::new();
    }
    format!("{}%", escape_like(t))
}

fn escape_like(t: &str) -> String {
    t.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(feature = "testing")]
pub mod testing;
