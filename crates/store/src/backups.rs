//! The record of Vigie's backups (C31–C34): each run with its object's
//! size and checksum, the targets that hold it, and its last restore test.

use async_trait::async_trait;
use jiff::Timestamp;
use vigie_domain::page::{Page, Paged};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub id: i64,
    /// The object's name on every target, without extension.
    pub name: String,
    /// `running`, `done`, `failed`, or `deleted` (rotated out).
    pub state: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub size: i64,
    pub sha256: String,
    /// The targets that hold it, comma-separated.
    pub targets: String,
    /// Why it failed, or which target refused while others took it.
    pub error: String,
    pub node: String,
    /// `` (never tested), `ok` or `failed`.
    pub restore_state: String,
    pub restore_at: Option<Timestamp>,
    pub restore_ms: Option<i64>,
    pub restore_detail: String,
}

#[async_trait]
pub trait Backups: Send + Sync {
    /// Records a run under way; runs a crash left `running` are recorded
    /// as failed first (interrupted).
    async fn start_backup(
        &self,
        name: &str,
        backend: &str,
        node: &str,
        at: Timestamp,
    ) -> Result<Backup>;
    /// The object is on `targets` (some may have refused: `error`).
    async fn finish_backup(
        &self,
        id: i64,
        size: i64,
        sha256: &str,
        targets: &str,
        error: &str,
        at: Timestamp,
    ) -> Result<()>;
    async fn fail_backup(&self, id: i64, error: &str, at: Timestamp) -> Result<()>;
    async fn record_restore(
        &self,
        id: i64,
        ok: bool,
        ms: i64,
        detail: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Rotated out: deleted from every target.
    async fn mark_backup_deleted(&self, id: i64, at: Timestamp) -> Result<()>;
    /// Failed ones and failed restore tests first, then newest first.
    async fn backups(&self, page: Page) -> Result<Paged<Backup>>;
    async fn backup(&self, id: i64) -> Result<Backup>;
    async fn backup_by_name(&self, name: &str) -> Result<Backup>;
    /// Every complete backup still kept, newest first.
    async fn good_backups(&self) -> Result<Vec<Backup>>;
    /// Records that an alert of `kind` about `key` was sent; false if it
    /// was already (told once).
    async fn alert_once(&self, kind: &str, key: &str, at: Timestamp) -> Result<bool>;
}
