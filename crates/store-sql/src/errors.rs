//! sqlx errors in the store's terms.

use vigie_store::StoreError;

/// Database errors that say the database cannot serve now, not that the
/// statement was wrong: PostgreSQL's classes 08 (connection), 53
/// (resources: disk full, too many connections), 57 (operator
/// intervention: a killed backend, a shutdown) and 58 (system I/O), 25006
/// (read-only transaction); SQLite's BUSY, LOCKED, READONLY, IOERR, FULL
/// and CANTOPEN (primary codes, extended ones included).
fn unavailable(code: &str) -> bool {
    if let Ok(n) = code.parse::<i64>() {
        return matches!(n & 0xff, 5 | 6 | 8 | 10 | 13 | 14);
    }
    code == "25006" || ["08", "53", "57", "58"].iter().any(|c| code.starts_with(c))
}

pub(crate) fn map(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(d.message().to_owned())
        }
        sqlx::Error::Database(d) if d.code().is_some_and(|c| unavailable(&c)) => {
            StoreError::Unavailable(d.to_string())
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
            StoreError::Corrupt(e.to_string())
        }
        other => StoreError::Other(other.to_string()),
    }
}

/// For `?` on sqlx results.
pub(crate) trait SqlResult<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> SqlResult<T> for Result<T, sqlx::Error> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    /// A PostgreSQL backend killed under a connection (57P01) and a write
    /// on a read-only SQLite database (8) are outages (503), not bugs.
    #[tokio::test]
    async fn outages_are_unavailable_not_internal() {
        let admin = crate::testing::postgres_admin_url();
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        let e = sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())")
            .execute(&mut c)
            .await
            .unwrap_err();
        assert!(matches!(map(e), StoreError::Unavailable(_)));

        let dir = std::env::temp_dir().join(format!("vigie-ro-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ro.db");
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let mut w = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&mut w)
            .await
            .unwrap();
        w.close().await.unwrap();
        let mut r = sqlx::SqliteConnection::connect_with(&opts.clone().read_only(true))
            .await
            .unwrap();
        let e = sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut r)
            .await
            .unwrap_err();
        assert!(matches!(map(e), StoreError::Unavailable(_)));
        // A statement that is wrong stays an error of its own kind.
        let e = sqlx::query("SELECT nope FROM t")
            .execute(&mut r)
            .await
            .unwrap_err();
        assert!(matches!(map(e), StoreError::Other(_)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
