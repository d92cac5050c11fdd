//! The restore test (C32) and a real restore: the backup fetched back,
//! its checksum checked, opened, loaded into a scratch database, and
//! proved there — migration level, rows per table, the access trail's
//! chain and signatures.

use std::{path::Path, time::Instant};

use jiff::Timestamp;
use vigie_store::{Backup, Store};

use crate::{
    BackupError,
    run::{POSTGRES_FILE, SQLITE_FILE, Settings, fetch_and_open},
    snapshot,
};

/// Restores `b` into a scratch database, checks it and records the
/// outcome and how long it took (the RTO measured). Without an identity
/// nothing can be opened: the test is not run.
pub async fn test(
    store: &dyn Store,
    s: &Settings,
    b: &Backup,
    trail_key: Option<&str>,
) -> Result<Backup, BackupError> {
    let Some(identities) = &s.identities else {
        return Ok(b.clone());
    };
    let started = Instant::now();
    let dir = s.spool.join("restore");
    let _ = std::fs::remove_dir_all(&dir);
    let checked = async {
        let manifest = fetch_and_open(s, identities, &b.name, &dir).await?;
        let restored = open_scratch(
            &manifest.backend,
            &dir,
            &s.database_url,
            &scratch_name(&s.database_url, b),
        )
        .await?;
        let result = check(restored.as_ref(), manifest.schema_version, trail_key).await;
        drop(restored);
        if manifest.backend == "postgres" {
            drop_scratch(&s.database_url, &scratch_name(&s.database_url, b)).await;
        }
        result
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (ok, detail) = match &checked {
        Ok(d) => (true, d.clone()),
        Err(e) => (false, e.to_string()),
    };
    store
        .record_restore(b.id, ok, ms, &detail, Timestamp::now())
        .await?;
    Ok(store.backup(b.id).await?)
}

/// A scratch database named after the instance's own and the backup, so
/// that two instances on one server never share one.
fn scratch_name(database_url: &str, b: &Backup) -> String {
    let own: String = url::Url::parse(database_url)
        .ok()
        .map(|u| u.path().trim_start_matches('/').to_owned())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect();
    format!("{own}_restore_test_{}", b.id).to_ascii_lowercase()
}

/// The restored database, opened read as Vigie reads it: the SQLite file
/// as unpacked, or the dump loaded into scratch database `scratch` on the
/// same PostgreSQL server.
async fn open_scratch(
    backend: &str,
    dir: &Path,
    database_url: &str,
    scratch: &str,
) -> Result<std::sync::Arc<dyn Store>, BackupError> {
    if backend == "sqlite" {
        let url = format!("sqlite://{}", dir.join(SQLITE_FILE).display());
        let s = vigie_store_sql::sqlite::SqliteStore::connect(&url).await?;
        return Ok(std::sync::Arc::new(s));
    }
    drop_scratch(database_url, scratch).await;
    admin(database_url, &format!("CREATE DATABASE {scratch}")).await?;
    let url = snapshot::sibling(database_url, scratch)?;
    snapshot::pg_restore(&url, &dir.join(POSTGRES_FILE), false).await?;
    let s = vigie_store_sql::postgres::PostgresStore::connect(&url).await?;
    Ok(std::sync::Arc::new(s))
}

/// One statement on the server of `database_url` (scratch databases are
/// created and dropped from the instance's own connection).
async fn admin(database_url: &str, sql: &str) -> Result<(), BackupError> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(database_url)
        .await
        .map_err(|e| BackupError::Snapshot(e.to_string()))?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut c)
        .await
        .map_err(|e| BackupError::Snapshot(format!("{sql}: {e}")))?;
    c.close().await.ok();
    Ok(())
}

async fn drop_scratch(database_url: &str, name: &str) {
    let _ = admin(
        database_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
}

/// Restores backup `name` for real into the instance's database: the
/// SQLite file replaced (refused while one exists, unless `replace`), or
/// the dump loaded into the PostgreSQL database (its objects replaced).
pub async fn restore(
    s: &Settings,
    identities: &std::sync::Arc<crate::archive::Identities>,
    name: &str,
    replace: bool,
) -> Result<crate::run::Manifest, BackupError> {
    let dir = s.spool.join("restore");
    let _ = std::fs::remove_dir_all(&dir);
    let result = async {
        let manifest = fetch_and_open(s, identities, name, &dir).await?;
        if manifest.backend == "sqlite" {
            let to = s
                .database_url
                .strip_prefix("sqlite://")
                .map(|p| std::path::PathBuf::from(p.split('?').next().unwrap_or(p)))
                .ok_or_else(|| {
                    BackupError::Config("a SQLite backup restores into a sqlite:// database".into())
                })?;
            if to.exists() && !replace {
                return Err(BackupError::Config(format!(
                    "{} exists: stop Vigie and pass --replace to overwrite it",
                    to.display()
                )));
            }
            let tmp = to.with_extension("restoring");
            std::fs::copy(dir.join(SQLITE_FILE), &tmp).map_err(|e| BackupError::io(&tmp, e))?;
            for stale in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{stale}", to.display()));
            }
            std::fs::rename(&tmp, &to).map_err(|e| BackupError::io(&to, e))?;
        } else {
            snapshot::pg_restore(&s.database_url, &dir.join(POSTGRES_FILE), replace).await?;
        }
        Ok(manifest)
    }
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// What the restored database proves, or why it does not.
async fn check(
    restored: &dyn Store,
    schema_version: i64,
    trail_key: Option<&str>,
) -> Result<String, BackupError> {
    let (level, _) = restored.schema_version().await?;
    if level != schema_version {
        return Err(BackupError::Corrupt(format!(
            "migration level {level}, the manifest says {schema_version}"
        )));
    }
    let counts = restored.table_counts().await?;
    let rows: i64 = counts.iter().map(|(_, n)| n).sum();
    let trail = vigie_store::trail::verify(restored, trail_key, |_| {})
        .await
        .map_err(|e| BackupError::Corrupt(format!("access trail: {e}")))?;
    Ok(format!(
        "migration level {level}; {} tables, {rows} rows; access trail verified ({} records, {} checkpoints)",
        counts.len(),
        trail.records,
        trail.checkpoints
    ))
}
