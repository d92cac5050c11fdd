//! PostgreSQL's side of a backup: `pg_dump` in custom format (compressed
//! by zstd after, so its own compression is off; restored table by table
//! by `pg_restore`), and the restore into a scratch database. The password
//! goes through the environment, never the command line.

use std::path::Path;

use tokio::process::Command;

use crate::BackupError;

/// The URL without its password, and the password.
fn split_password(url: &str) -> Result<(String, Option<String>), BackupError> {
    let mut u = url::Url::parse(url)
        .map_err(|e| BackupError::Snapshot(format!("the database URL: {e}")))?;
    let password = u
        .password()
        .map(|p| urlencoding::decode(p).map_or_else(|_| p.to_owned(), |d| d.into_owned()));
    let _ = u.set_password(None);
    Ok((u.to_string(), password))
}

async fn run(program: &str, args: &[&str], password: Option<&str>) -> Result<(), BackupError> {
    let mut c = Command::new(program);
    c.args(args).kill_on_drop(true);
    if let Some(p) = password {
        c.env("PGPASSWORD", p);
    }
    let out = c
        .output()
        .await
        .map_err(|e| BackupError::Snapshot(format!("{program}: {e}")))?;
    if !out.status.success() {
        return Err(BackupError::Snapshot(format!(
            "{program} ended with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// `pg_dump -Fc` of the database into `out`.
pub async fn pg_dump(database_url: &str, out: &Path) -> Result<(), BackupError> {
    let (url, password) = split_password(database_url)?;
    let file = format!("--file={}", out.display());
    let db = format!("--dbname={url}");
    run(
        "pg_dump",
        &["--format=custom", "--compress=0", "--no-owner", &file, &db],
        password.as_deref(),
    )
    .await
}

/// Restores a dump into `database_url`, in one transaction: an empty
/// database, or with `replace` one whose objects are dropped first.
pub async fn pg_restore(database_url: &str, dump: &Path, replace: bool) -> Result<(), BackupError> {
    let (url, password) = split_password(database_url)?;
    let db = format!("--dbname={url}");
    let file = dump.display().to_string();
    let mut args = vec![
        "--no-owner",
        "--no-acl",
        "--exit-on-error",
        "--single-transaction",
    ];
    if replace {
        args.extend(["--clean", "--if-exists"]);
    }
    args.extend([db.as_str(), file.as_str()]);
    run("pg_restore", &args, password.as_deref()).await
}

/// The URL of database `name` on the server of `database_url`.
pub fn sibling(database_url: &str, name: &str) -> Result<String, BackupError> {
    let mut u = url::Url::parse(database_url)
        .map_err(|e| BackupError::Snapshot(format!("the database URL: {e}")))?;
    u.set_path(&format!("/{name}"));
    Ok(u.to_string())
}
