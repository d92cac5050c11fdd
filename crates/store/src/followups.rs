//! Persistence of what a DPO follows beside the register (issue 17): the
//! advice and the action plan, and the evidence documents.

use async_trait::async_trait;
use jiff::{Timestamp, civil::Date};
use vigie_domain::{
    ActivityId,
    followup::{EvidenceType, FollowUpKind, FollowUpStatus, NewFollowUp},
    page::{Page, Paged},
    scope::TenantScope,
};

use crate::Result;

/// An item of advice or of the action plan, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFollowUp {
    pub id: i64,
    pub kind: FollowUpKind,
    pub activity: Option<ActivityId>,
    pub title: String,
    pub detail: String,
    pub owner: String,
    pub due: Option<Date>,
    pub status: FollowUpStatus,
    /// The controller's answer: why declined, or how it was done.
    pub response: String,
    pub created_at: Timestamp,
    pub created_by: String,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

#[derive(Debug, Clone, Default)]
pub struct FollowUpFilter {
    pub search: String,
    pub activity: Option<ActivityId>,
    pub kind: Option<FollowUpKind>,
    pub status: Option<FollowUpStatus>,
}

/// An evidence document, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceMeta {
    pub id: i64,
    pub activity: Option<ActivityId>,
    pub name: String,
    pub kind: EvidenceType,
    pub size: i64,
    /// Hex SHA-256 of the bytes, shown so a copy can be checked.
    pub sha256: String,
    pub uploaded_at: Timestamp,
    pub uploaded_by: String,
}

/// A document to keep: its bytes already read for their type.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub activity: Option<ActivityId>,
    pub name: String,
    pub kind: EvidenceType,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// All the evidence a tenant may keep.
pub const EVIDENCE_QUOTA_BYTES: i64 = 500 * 1024 * 1024;

#[async_trait]
pub trait FollowUps: Send + Sync {
    /// Records an item (its activity, if any, must be the tenant's:
    /// `NotFound` otherwise).
    async fn create_follow_up(
        &self,
        scope: &TenantScope,
        item: &NewFollowUp,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredFollowUp>;
    async fn follow_up(&self, scope: &TenantScope, id: i64) -> Result<StoredFollowUp>;
    /// Open ones first by due date, then the rest newest first.
    async fn follow_ups(
        &self,
        scope: &TenantScope,
        filter: &FollowUpFilter,
        page: Page,
    ) -> Result<Paged<StoredFollowUp>>;
    /// Every item of the tenant (the annual report reads them all).
    async fn all_follow_ups(&self, scope: &TenantScope) -> Result<Vec<StoredFollowUp>>;
    /// Closes an open item as done or declined; an item already closed is
    /// a `Conflict`.
    #[allow(clippy::too_many_arguments)] // the fields of one closing
    async fn close_follow_up(
        &self,
        scope: &TenantScope,
        id: i64,
        status: FollowUpStatus,
        response: &str,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredFollowUp>;
    /// Keeps a document, unless the tenant's documents would pass
    /// `EVIDENCE_QUOTA_BYTES` (`Conflict`).
    async fn add_evidence(
        &self,
        scope: &TenantScope,
        doc: &NewEvidence,
        by: &str,
        at: Timestamp,
    ) -> Result<EvidenceMeta>;
    /// Newest first; of one activity, or all.
    async fn evidence(
        &self,
        scope: &TenantScope,
        activity: Option<ActivityId>,
        page: Page,
    ) -> Result<Paged<EvidenceMeta>>;
    async fn evidence_file(&self, scope: &TenantScope, id: i64) -> Result<(EvidenceMeta, Vec<u8>)>;
    /// Removes a document kept by mistake.
    async fn delete_evidence(&self, scope: &TenantScope, id: i64) -> Result<EvidenceMeta>;
}
