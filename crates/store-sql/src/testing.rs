//! Fresh databases for tests: a temporary SQLite file, or a PostgreSQL
//! database created for one test and dropped after it, on the server named
//! by `VIGIE_TEST_POSTGRES_URL` (default: the local server, user postgres).
//! A missing server fails the test: nothing is skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::Connection;
use vigie_store::{Store, conformance::RawSql};

use crate::{postgres::PostgresStore, sqlite::SqliteStore};

pub fn postgres_admin_url() -> String {
    vigie_testservers::admin_url(vigie_testservers::Server::Postgres)
}

fn unique_name(prefix: &str) -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).unwrap();
    format!("{prefix}_{}_{}", std::process::id(), hex::encode(b))
}

/// A fresh SQLite database in a temporary folder, removed on drop.
pub struct TempSqlite {
    pub store: Arc<SqliteStore>,
    dir: std::path::PathBuf,
}

impl TempSqlite {
    pub async fn new() -> Self {
        let dir = std::env::temp_dir().join(unique_name("vigie_test"));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("vigie.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        TempSqlite {
            store: Arc::new(store),
            dir,
        }
    }
}

impl TempSqlite {
    /// The database file (tests aim connected systems at it, C27).
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.join("vigie.db")
    }

    /// Closes the pool: every later call fails as when the database is gone.
    pub async fn close(&self) {
        self.store.pool.close().await;
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[async_trait]
impl RawSql for TempSqlite {
    async fn try_exec(&self, sql: &'static str) -> Result<u64, String> {
        sqlx::query(sql)
            .execute(&self.store.pool)
            .await
            .map(|d| d.rows_affected())
            .map_err(|e| e.to_string())
    }
}

/// A fresh PostgreSQL database, dropped on drop.
pub struct TempPostgres {
    pub store: Arc<PostgresStore>,
    pub url: String,
    name: String,
}

impl TempPostgres {
    /// A fresh database with Vigie's schema.
    pub async fn new() -> Self {
        let db = Self::empty().await;
        db.store.migrate().await.unwrap();
        db
    }

    /// A fresh, empty database (a restore's target).
    pub async fn empty() -> Self {
        let admin = postgres_admin_url();
        let name = unique_name("vigie_test");
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is required for this test ({admin}): {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        let url = with_database(&admin, &name);
        let store = PostgresStore::connect(&url).await.unwrap();
        TempPostgres {
            store: Arc::new(store),
            url,
            name,
        }
    }
}

/// The same server URL with another database name.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let base = match base.rsplit_once('/') {
        Some((server, _)) if server.contains('@') || server.matches('/').count() > 2 => server,
        _ => base,
    };
    format!("{base}/{db}{query}")
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin = postgres_admin_url();
        // Drop runs outside async: use a small runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut c)
                    .await;
                }
            });
        })
        .join();
    }
}

#[async_trait]
impl RawSql for TempPostgres {
    async fn try_exec(&self, sql: &'static str) -> Result<u64, String> {
        sqlx::query(sql)
            .execute(&self.store.pool)
            .await
            .map(|d| d.rows_affected())
            .map_err(|e| e.to_string())
    }
}

/// The store as the rest of the application sees it.
pub fn dyn_store<S: Store + 'static>(s: &Arc<S>) -> Arc<dyn Store> {
    s.clone()
}
