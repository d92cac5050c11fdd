//! Persistence of the provider's sub-processors, which tenants they serve,
//! and the change notices with each tenant's objection window (C07–C10).

use async_trait::async_trait;
use jiff::{Timestamp, civil::Date};
use vigie_domain::{
    NoticeId, SubProcessorId, TenantId,
    page::{Page, Paged},
    scope::TenantScope,
    subprocessor::{ChangeKind, SubProcessor, WindowState},
};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSubProcessor {
    pub id: SubProcessorId,
    pub body: SubProcessor,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A notice as one tenant sees it, with its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantNotice {
    pub notice: NoticeId,
    pub tenant: TenantId,
    pub tenant_name: String,
    pub subprocessor: SubProcessorId,
    pub subprocessor_name: String,
    pub kind: ChangeKind,
    /// For a replacement: who is replaced.
    pub replaces: String,
    /// The activities concerned, as told to the tenant.
    pub activities: String,
    pub received_at: Timestamp,
    pub deadline: Date,
    pub state: WindowState,
    pub reason: String,
    pub answered_at: Option<Timestamp>,
    pub resolution: String,
}

#[derive(Debug, Clone)]
pub struct NewNotice {
    pub subprocessor: SubProcessorId,
    pub kind: ChangeKind,
    pub replaces: String,
    pub activities: String,
    pub at: Timestamp,
    /// Each tenant notified, with its own deadline (its calendar).
    pub tenants: Vec<(TenantId, Date)>,
}

#[async_trait]
pub trait SubProcessors: Send + Sync {
    async fn create_subprocessor(
        &self,
        body: &SubProcessor,
        at: Timestamp,
    ) -> Result<StoredSubProcessor>;
    async fn save_subprocessor(
        &self,
        id: SubProcessorId,
        body: &SubProcessor,
        at: Timestamp,
    ) -> Result<()>;
    async fn subprocessor(&self, id: SubProcessorId) -> Result<StoredSubProcessor>;
    async fn subprocessors(&self, search: &str, page: Page) -> Result<Paged<StoredSubProcessor>>;
    /// The sub-processors serving a tenant (C10).
    async fn subprocessors_of_tenant(&self, scope: &TenantScope)
    -> Result<Vec<StoredSubProcessor>>;
    async fn tenants_of_subprocessor(&self, id: SubProcessorId) -> Result<Vec<TenantId>>;
    /// Records a notice and, for each tenant, its open window — and that
    /// the sub-processor now serves it — in one transaction.
    async fn create_notice(&self, n: &NewNotice) -> Result<NoticeId>;
    async fn notices_of_tenant(&self, scope: &TenantScope) -> Result<Vec<TenantNotice>>;
    async fn notices_of_subprocessor(&self, id: SubProcessorId) -> Result<Vec<TenantNotice>>;
    /// Moves a tenant's window from `from` to `to` with a text (reason or
    /// resolution); `Conflict` if it is no longer in `from`.
    async fn answer_notice(
        &self,
        notice: NoticeId,
        scope: &TenantScope,
        from: WindowState,
        to: WindowState,
        text: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Windows past their deadline with no objection become accepted by
    /// silence; returns them.
    async fn close_windows(&self, today: Date, at: Timestamp) -> Result<Vec<TenantNotice>>;
}
