//! Backups of Vigie's own data (C31–C34): a consistent snapshot of its
//! database with its configuration and keys, compressed then encrypted to
//! the provider's public keys, sent to every target, rotated, and
//! restored into a scratch database to prove it opens.

pub mod archive;
pub mod restore;
pub mod run;
pub mod snapshot;
pub mod target;

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backup configuration: {0}")]
    Config(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("encryption: {0}")]
    Crypto(String),
    #[error("the backup is damaged: {0}")]
    Corrupt(String),
    #[error("target {target}: {message}")]
    Target { target: String, message: String },
    #[error("snapshot: {0}")]
    Snapshot(String),
    #[error(transparent)]
    Store(#[from] vigie_store::StoreError),
    /// Stopped on purpose between two steps (tests of a crash).
    #[error("the backup stopped before its end")]
    Interrupted,
}

impl BackupError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        BackupError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
