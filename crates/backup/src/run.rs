//! One backup run (C31), its rotation (C32) and its restore test (C32):
//! snapshot, seal, send to every target with a manifest written last (an
//! object without its manifest is never a backup), record; then delete
//! what the policy no longer keeps from every target, traced; then fetch
//! the newest back, check its checksum, open it and prove it.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use vigie_domain::{
    audit::{Actor, AuditEvent, Outcome},
    backup::Keep,
};
use vigie_store::{Backup, Store};

use crate::{
    BackupError,
    archive::{self, Entry, Identities, Recipients, Source},
    snapshot,
    target::Target,
};

/// The object's extension: what opens it, in order.
pub const OBJECT: &str = "tar.zst.age";
/// The database inside the archive, by backend.
pub const SQLITE_FILE: &str = "vigie.db";
pub const POSTGRES_FILE: &str = "vigie.pgdump";

/// What a run needs, from the configuration.
pub struct Settings {
    pub recipients: Recipients,
    pub targets: Vec<Target>,
    pub keep: Keep,
    /// Opens backups for the restore test; none: only the checksum is
    /// checked (the host may hold no key that opens them).
    pub identities: Option<std::sync::Arc<Identities>>,
    /// Where the snapshot and the sealed object are written meanwhile.
    pub spool: PathBuf,
    /// Vigie's database, for `pg_dump` and the restore test.
    pub database_url: String,
    /// Files beside the database: the configuration (secrets redacted),
    /// the keys that open sealed values (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    pub node: String,
}

/// Written beside each object once it is complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub created_at: String,
    pub backend: String,
    pub schema_version: i64,
    pub size: u64,
    pub sha256: String,
    pub files: Vec<String>,
    pub vigie_version: String,
}

pub fn object_name(name: &str) -> String {
    format!("{name}.{OBJECT}")
}

pub fn manifest_name(name: &str) -> String {
    format!("{name}.json")
}

/// Runs synchronous work (compression, encryption, hashing) on the
/// blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, BackupError> + Send + 'static,
) -> Result<T, BackupError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BackupError::Snapshot(format!("a worker thread stopped: {e}")))?
}

/// Where a run may stop on purpose, in tests (a crash between steps).
pub type Stop<'a> = &'a (dyn Fn(&str) -> bool + Sync);

/// Takes a backup and sends it to every target. A target that refuses
/// is named in the record while the others hold it; none holding it is a
/// failure.
pub async fn backup(
    store: &dyn Store,
    s: &Settings,
    now: Timestamp,
    stop: Stop<'_>,
) -> Result<Backup, BackupError> {
    let name = format!("vigie-{}", now.strftime("%Y%m%dT%H%M%S%.6fZ"));
    let rec = store
        .start_backup(&name, store.backend(), &s.node, now)
        .await?;
    let result = send(store, s, &name, stop).await;
    let _ = std::fs::remove_dir_all(&s.spool);
    match result {
        Ok((sealed, held, refused)) => {
            store
                .finish_backup(
                    rec.id,
                    i64::try_from(sealed.size).unwrap_or(i64::MAX),
                    &sealed.sha256,
                    &held.join(","),
                    &refused.join("; "),
                    Timestamp::now().max(now),
                )
                .await?;
            Ok(store.backup(rec.id).await?)
        }
        Err(e) => {
            if !matches!(e, BackupError::Interrupted) {
                store
                    .fail_backup(rec.id, &e.to_string(), Timestamp::now().max(now))
                    .await?;
            }
            Err(e)
        }
    }
}

async fn send(
    store: &dyn Store,
    s: &Settings,
    name: &str,
    stop: Stop<'_>,
) -> Result<(archive::Sealed, Vec<String>, Vec<String>), BackupError> {
    // A crash leaves the spool behind: it is started afresh.
    let _ = std::fs::remove_dir_all(&s.spool);
    std::fs::create_dir_all(&s.spool).map_err(|e| BackupError::io(&s.spool, e))?;
    let (db_name, db_path) = match store.backend() {
        "sqlite" => (SQLITE_FILE, s.spool.join(SQLITE_FILE)),
        _ => (POSTGRES_FILE, s.spool.join(POSTGRES_FILE)),
    };
    match store.backend() {
        "sqlite" => store.snapshot_into(&db_path).await?,
        _ => snapshot::pg_dump(&s.database_url, &db_path).await?,
    }
    if stop("snapshot") {
        return Err(BackupError::Interrupted);
    }
    let (schema_version, _) = store.schema_version().await?;
    let object = s.spool.join(object_name(name));
    let mut entries = vec![Entry {
        name: db_name.to_owned(),
        source: Source::File(db_path),
    }];
    entries.extend(s.files.iter().map(|(n, b)| Entry {
        name: n.clone(),
        source: Source::Bytes(b.clone()),
    }));
    let files: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    let (recipients, out) = (s.recipients.clone(), object.clone());
    // The pipeline is synchronous and CPU-bound: off the async workers.
    let sealed = blocking(move || archive::seal(&entries, &recipients, &out)).await?;
    if stop("sealed") {
        return Err(BackupError::Interrupted);
    }
    let manifest = Manifest {
        name: name.to_owned(),
        created_at: Timestamp::now().to_string(),
        backend: store.backend().to_owned(),
        schema_version,
        size: sealed.size,
        sha256: sealed.sha256.clone(),
        files,
        vigie_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::Corrupt(e.to_string()))?;
    // Every target at once: a slow one does not hold the others.
    let sends = s.targets.iter().map(|t| {
        let (object, manifest_bytes) = (&object, manifest_bytes.clone());
        async move {
            t.put_file(&object_name(name), object).await?;
            if stop("object_sent") {
                return Err(BackupError::Interrupted);
            }
            t.put_bytes(&manifest_name(name), manifest_bytes).await
        }
    });
    let (mut held, mut refused) = (Vec::new(), Vec::new());
    for (t, sent) in s
        .targets
        .iter()
        .zip(futures_util::future::join_all(sends).await)
    {
        match sent {
            Ok(()) => held.push(t.name.clone()),
            Err(BackupError::Interrupted) => return Err(BackupError::Interrupted),
            Err(e) => refused.push(e.to_string()),
        }
    }
    if held.is_empty() {
        return Err(BackupError::Target {
            target: "every target".into(),
            message: refused.join("; "),
        });
    }
    Ok((sealed, held, refused))
}

/// What a rotation did: the versions deleted from every target, and what
/// a target that did not answer left for the next one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub deleted: Vec<String>,
    pub errors: Vec<String>,
}

/// Deletes from every target the backups the policy no longer keeps, and
/// objects a crash left without their manifest; each deletion traced. A
/// version stays recorded until every target let it go: a target down
/// tonight is cleaned the next night.
pub async fn rotate(
    store: &dyn Store,
    s: &Settings,
    now: Timestamp,
) -> Result<Rotation, BackupError> {
    let good = store.good_backups().await?;
    let versions: Vec<(i64, Timestamp)> = good.iter().map(|b| (b.id, b.started_at)).collect();
    let kept = s.keep.kept(&versions);
    let mut r = Rotation::default();
    for b in good.iter().filter(|b| !kept.contains(&b.id)) {
        let mut gone = true;
        for t in &s.targets {
            // The manifest first: an object without one is no backup.
            let deleted = async {
                t.delete(&manifest_name(&b.name)).await?;
                t.delete(&object_name(&b.name)).await
            }
            .await;
            if let Err(e) = deleted {
                r.errors.push(e.to_string());
                gone = false;
            }
        }
        if gone {
            store.mark_backup_deleted(b.id, now).await?;
            trace(store, "backup.delete", &format!("backup:{}", b.name)).await?;
            r.deleted.push(b.name.clone());
        }
    }
    // Objects whose run never wrote the manifest (killed mid-send).
    for t in &s.targets {
        let names = match t.names().await {
            Ok(n) => n,
            Err(e) => {
                r.errors.push(e.to_string());
                continue;
            }
        };
        for n in &names {
            let Some(stem) = n.strip_suffix(&format!(".{OBJECT}")) else {
                continue;
            };
            let complete = names.contains(&manifest_name(stem));
            let running = store
                .backup_by_name(stem)
                .await
                .is_ok_and(|b| b.state == "running");
            if !complete && !running {
                match t.delete(n).await {
                    Ok(()) => {
                        trace(
                            store,
                            "backup.delete_partial",
                            &format!("object:{n} target:{}", t.name),
                        )
                        .await?
                    }
                    Err(e) => r.errors.push(e.to_string()),
                }
            }
        }
    }
    Ok(r)
}

async fn trace(store: &dyn Store, action: &str, object: &str) -> Result<(), BackupError> {
    store
        .append(&AuditEvent {
            actor: Actor::system(),
            tenant: None,
            action: action.into(),
            object: object.into(),
            ip: String::new(),
            user_agent: String::new(),
            outcome: Outcome::Success,
        })
        .await?;
    Ok(())
}

/// Fetches `name` from the first target that has it into `dir`, checks
/// its checksum against its manifest there, and unpacks it. Returns the
/// manifest.
pub async fn fetch_and_open(
    s: &Settings,
    identities: &std::sync::Arc<Identities>,
    name: &str,
    dir: &Path,
) -> Result<Manifest, BackupError> {
    std::fs::create_dir_all(dir).map_err(|e| BackupError::io(dir, e))?;
    let mut why = Vec::new();
    for t in &s.targets {
        let manifest = match t.get_bytes(&manifest_name(name)).await {
            Ok(b) => b,
            Err(e) => {
                why.push(e.to_string());
                continue;
            }
        };
        let manifest: Manifest = serde_json::from_slice(&manifest)
            .map_err(|e| BackupError::Corrupt(format!("{}: manifest: {e}", t.name)))?;
        let object = dir.join(object_name(name));
        t.get_file(&object_name(name), &object).await?;
        let path = object.clone();
        let sha = blocking(move || archive::sha256_of(&path)).await?;
        if sha != manifest.sha256 {
            return Err(BackupError::Corrupt(format!(
                "{}: the object's SHA-256 is {sha}, its manifest says {}",
                t.name, manifest.sha256
            )));
        }
        let (from, ids, to) = (object.clone(), identities.clone(), dir.to_owned());
        blocking(move || archive::open(&from, &ids, &to)).await?;
        let _ = std::fs::remove_file(&object);
        return Ok(manifest);
    }
    Err(BackupError::Corrupt(format!(
        "{name} is on no target: {}",
        why.join("; ")
    )))
}
