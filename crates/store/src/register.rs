//! Persistence of the register of processing activities, with every
//! version of every activity (C01, C04).

use async_trait::async_trait;
use jiff::Timestamp;
use vigie_domain::{
    ActivityId, TenantId,
    dpia::Dpia,
    organisation::OrganisationSheet,
    page::{Page, Paged},
    register::{Activity, ActivityStatus},
    scope::TenantScope,
};

use crate::Result;

/// An activity as stored: its current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredActivity {
    pub id: ActivityId,
    pub tenant: TenantId,
    pub status: ActivityStatus,
    pub body: Activity,
    /// 1 for the first version, then one more per change.
    pub version: i64,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

impl StoredActivity {
    /// Still carried out: in the register's current view, its exports and
    /// its checks (an archived one keeps only its versions).
    pub fn is_current(&self) -> bool {
        self.status != ActivityStatus::Archived
    }
}

/// One version of an activity: who, when, why, and the values then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityVersion {
    pub activity: ActivityId,
    pub name: String,
    pub version: i64,
    pub at: Timestamp,
    pub author: String,
    pub reason: String,
    pub status: ActivityStatus,
    pub body: Activity,
}

/// A change to write.
#[derive(Debug, Clone)]
pub struct ActivityChange {
    pub status: ActivityStatus,
    pub body: Activity,
    pub author: String,
    pub reason: String,
    pub at: Timestamp,
}

/// A tenant's organisation sheet as saved, and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSheet {
    pub sheet: OrganisationSheet,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// One version of an activity's impact assessment (AIPD).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDpia {
    pub activity: ActivityId,
    /// 1 for the first version, then one more per save.
    pub version: i64,
    pub dpia: Dpia,
    pub saved_at: Timestamp,
    pub saved_by: String,
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub search: String,
    /// None: every current activity (archived ones only when asked for).
    pub status: Option<ActivityStatus>,
    pub sensitive_only: bool,
}

#[async_trait]
pub trait Register: Send + Sync {
    async fn create_activity(
        &self,
        scope: &TenantScope,
        c: &ActivityChange,
    ) -> Result<StoredActivity>;
    async fn activity(&self, scope: &TenantScope, id: ActivityId) -> Result<StoredActivity>;
    async fn activities(
        &self,
        scope: &TenantScope,
        filter: &ActivityFilter,
        page: Page,
    ) -> Result<Paged<StoredActivity>>;
    /// Every activity of a tenant, archived ones included, by name (callers
    /// keep `is_current` ones for the register's current view).
    async fn all_activities(&self, scope: &TenantScope) -> Result<Vec<StoredActivity>>;
    /// Writes a new version if the stored one is still `expected_version`
    /// (else `Conflict`: someone saved in between).
    async fn save_activity(
        &self,
        scope: &TenantScope,
        id: ActivityId,
        expected_version: i64,
        c: &ActivityChange,
    ) -> Result<StoredActivity>;
    /// Every version of an activity, newest first.
    async fn versions(&self, scope: &TenantScope, id: ActivityId) -> Result<Vec<ActivityVersion>>;
    /// The tenant's organisation sheet, if one was saved.
    async fn organisation_sheet(&self, scope: &TenantScope) -> Result<Option<StoredSheet>>;
    /// Saves it whole (the last save wins: one sheet per tenant).
    async fn save_organisation_sheet(
        &self,
        scope: &TenantScope,
        sheet: &OrganisationSheet,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredSheet>;
    /// Every version of an activity's assessment, newest first (none:
    /// empty; an activity of another tenant: `NotFound`).
    async fn dpia_versions(
        &self,
        scope: &TenantScope,
        activity: ActivityId,
    ) -> Result<Vec<StoredDpia>>;
    /// Writes the next version if the latest is still `expected_version`
    /// (0: none yet), else `Conflict`.
    async fn save_dpia(
        &self,
        scope: &TenantScope,
        activity: ActivityId,
        expected_version: i64,
        dpia: &Dpia,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredDpia>;
    /// The latest version of every assessment of the tenant.
    async fn latest_dpias(&self, scope: &TenantScope) -> Result<Vec<StoredDpia>>;
    /// The register's history: every version of every activity, newest
    /// first (also shown on the public policy page, hence a tenant id).
    async fn register_history(
        &self,
        tenant: TenantId,
        page: Page,
    ) -> Result<Paged<ActivityVersion>>;
}
