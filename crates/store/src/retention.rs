//! Persistence of retention rules and of their sweeps (C21, C22): each
//! run's progress per rule, so that a sweep resumes where it stopped and
//! never touches a row twice, and its signed report.

use async_trait::async_trait;
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};
use vigie_domain::{
    TenantId,
    page::{Page, Paged},
    retention::RetentionRule,
    scope::TenantScope,
};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRule {
    pub id: i64,
    pub tenant: TenantId,
    pub rule: RetentionRule,
    /// The cutoff of its last complete real sweep: anonymised rows before
    /// it are not anonymised again.
    pub done_before: Option<Date>,
    pub created_at: Timestamp,
}

/// A batch applied in the client database but maybe not committed yet:
/// recorded before the commit, so that after a crash one probe row tells
/// whether it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingBatch {
    /// The batch's last primary key.
    pub upto: String,
    /// A row of the batch the commit changed, and the column read to see
    /// it (`None`: deleted, so gone once committed).
    pub probe_key: String,
    pub probe_column: Option<String>,
    /// What the probe column holds once committed.
    pub probe_after: Option<String>,
    pub matched: i64,
    pub changed: i64,
}

/// Where one rule stands in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub last_key: Option<String>,
    pub matched: i64,
    pub changed: i64,
    pub pending: Option<PendingBatch>,
    pub done: bool,
    pub error: String,
}

/// One sweep of a tenant's rules, dry (a preview) or real.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRun {
    pub id: i64,
    pub tenant: TenantId,
    pub dry: bool,
    /// `running`, `done`.
    pub status: String,
    pub started_by: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    /// The report, as signed (JSON).
    pub report: String,
    /// Ed25519 over `report`, hex, with the trail's key.
    pub signature: String,
}

/// A client's contract ending: its data destroyed on `destroy_on` unless
/// the provider cancels (C24).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ending {
    pub tenant: TenantId,
    pub destroy_on: Date,
    pub started_by: String,
    pub started_at: Timestamp,
}

/// What was destroyed, signed; kept after the tenant is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestructionCertificate {
    pub id: i64,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub destroyed_at: Timestamp,
    /// The certificate, as signed (JSON).
    pub certificate: String,
    pub signature: String,
}

#[async_trait]
pub trait Endings: Send + Sync {
    /// `Conflict` if the tenant's contract is already ending. The hash of
    /// the client's export link is kept with it.
    async fn start_ending(
        &self,
        tenant: TenantId,
        destroy_on: Date,
        export_token_hash: &str,
        by: &str,
        at: Timestamp,
    ) -> Result<Ending>;
    /// The ending an export link belongs to.
    async fn ending_by_token(&self, export_token_hash: &str) -> Result<Ending>;
    async fn ending(&self, tenant: TenantId) -> Result<Option<Ending>>;
    async fn cancel_ending(&self, tenant: TenantId) -> Result<()>;
    /// Endings whose day has come.
    async fn endings_due(&self, today: Date) -> Result<Vec<Ending>>;
    /// How many of each kind of record the tenant has, for its certificate.
    async fn tenant_counts(&self, tenant: TenantId) -> Result<Vec<(String, i64)>>;
    /// Deletes the tenant and everything of it — notification phases
    /// included, the only deletion their guard lets through — and keeps
    /// the certificate, in one transaction. The access trail stays (it
    /// outlives its subjects until its own retention ends, C28).
    async fn destroy_tenant(
        &self,
        tenant: TenantId,
        certificate: &DestructionCertificate,
    ) -> Result<DestructionCertificate>;
    async fn certificates(&self, page: Page) -> Result<Paged<DestructionCertificate>>;
    async fn certificate(&self, id: i64) -> Result<DestructionCertificate>;
}

/// A masked copy of a connected system into a test database (C30).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskedCopy {
    pub id: i64,
    pub tenant: TenantId,
    pub system: vigie_domain::SystemId,
    pub target_sealed: Vec<u8>,
    pub target_hint: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub rows_copied: i64,
    /// `table: rows` per line, once done.
    pub summary: String,
    pub error: String,
    pub requested_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[async_trait]
pub trait Copies: Send + Sync {
    #[allow(clippy::too_many_arguments)]
    async fn create_copy(
        &self,
        scope: &TenantScope,
        system: vigie_domain::SystemId,
        target_sealed: &[u8],
        target_hint: &str,
        by: &str,
        at: Timestamp,
    ) -> Result<MaskedCopy>;
    /// The system's copies, newest first (the last 20).
    async fn copies(
        &self,
        scope: &TenantScope,
        system: vigie_domain::SystemId,
    ) -> Result<Vec<MaskedCopy>>;
    async fn copy(&self, scope: &TenantScope, id: i64) -> Result<MaskedCopy>;
    /// Records where a copy stands.
    async fn save_copy(&self, scope: &TenantScope, c: &MaskedCopy) -> Result<()>;
}

#[async_trait]
pub trait Retention: Send + Sync {
    async fn create_rule(
        &self,
        scope: &TenantScope,
        rule: &RetentionRule,
        at: Timestamp,
    ) -> Result<StoredRule>;
    async fn rules(&self, scope: &TenantScope) -> Result<Vec<StoredRule>>;
    async fn rule(&self, scope: &TenantScope, id: i64) -> Result<StoredRule>;
    async fn delete_rule(&self, scope: &TenantScope, id: i64) -> Result<()>;
    /// Tenants with at least one rule, for the nightly sweep.
    async fn tenants_with_rules(&self) -> Result<Vec<TenantId>>;
    /// Starts a run; `Conflict` while another of the tenant's runs is
    /// unfinished.
    async fn start_run(
        &self,
        scope: &TenantScope,
        dry: bool,
        by: &str,
        at: Timestamp,
    ) -> Result<RetentionRun>;
    /// The tenant's unfinished run, if any: a crash left it.
    async fn running_run(&self, scope: &TenantScope) -> Result<Option<RetentionRun>>;
    async fn progress(&self, run: i64, rule: i64) -> Result<Progress>;
    /// Records the batch about to be committed in the client database.
    async fn set_pending(&self, run: i64, rule: i64, batch: &PendingBatch) -> Result<()>;
    /// The pending batch was committed: counted, and the next starts after it.
    async fn advance(&self, run: i64, rule: i64) -> Result<()>;
    /// The pending batch was not committed: forgotten.
    async fn clear_pending(&self, run: i64, rule: i64) -> Result<()>;
    /// The rule is through in this run (with its error, if it failed);
    /// a complete real sweep moves the rule's `done_before` in the same
    /// transaction.
    async fn finish_rule(
        &self,
        scope: &TenantScope,
        run: i64,
        rule: i64,
        error: &str,
        done_before: Option<Date>,
    ) -> Result<()>;
    async fn finish_run(
        &self,
        scope: &TenantScope,
        run: i64,
        report: &str,
        signature: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Newest first.
    async fn runs(&self, scope: &TenantScope, page: Page) -> Result<Paged<RetentionRun>>;
    async fn run(&self, scope: &TenantScope, id: i64) -> Result<RetentionRun>;
}

/// One step of the sweep of Vigie's own data (C21, C22), with its cutoffs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnStep {
    /// Accounts not signed in since `before`, told at least their notice
    /// ago (`told_before`) and not since come back: anonymised.
    InactiveAccounts {
        before: Timestamp,
        told_before: Timestamp,
    },
    /// Accounts of no client since `before` (their last membership ended
    /// — a cessation of activity, a client destroyed), provider
    /// administrators aside: anonymised.
    UnattachedAccounts { before: Timestamp },
    /// Rights requests answered, refused, forwarded or closed, untouched
    /// since `before`: the person's identity and words anonymised, the
    /// timeline's steps and dates kept (C23).
    ClosedRequests { before: Timestamp },
    /// Submissions whose sender never confirmed the address, since
    /// `before`: not requests, deleted.
    UnconfirmedRequests { before: Timestamp },
    /// Consent records made before `before` (C35): the oldest of each
    /// tenant's chain, deleted, its anchor moved to the last one so the
    /// rest still verifies.
    ConsentRecords { before: Timestamp },
}

impl OwnStep {
    /// The report's name of the step.
    pub fn as_str(self) -> &'static str {
        match self {
            OwnStep::InactiveAccounts { .. } => "inactive_accounts",
            OwnStep::UnattachedAccounts { .. } => "unattached_accounts",
            OwnStep::ClosedRequests { .. } => "closed_requests",
            OwnStep::UnconfirmedRequests { .. } => "unconfirmed_requests",
            OwnStep::ConsentRecords { .. } => "consent_records",
        }
    }
}

/// The report's name of inactivity notices sent.
pub const OWN_NOTICES: &str = "inactivity_notices";
/// The report's name of clients destroyed at their contract's end.
pub const OWN_TENANTS: &str = "tenants_destroyed";

/// One line of a sweep of Vigie's own data: a step, for one client or the
/// whole instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnLine {
    pub what: String,
    pub tenant: Option<TenantId>,
    pub matched: i64,
    pub changed: i64,
}

/// One sweep of Vigie's own data, dry (a preview) or real.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnSweep {
    pub id: i64,
    pub dry: bool,
    pub started_by: String,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    /// The report, as signed (JSON), once ended.
    pub report: String,
    pub signature: String,
}

/// An account whose inactivity notice is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InactiveAccount {
    pub user: vigie_domain::account::User,
    pub last_active_at: Timestamp,
}

/// Vigie's own data under retention: accounts, requests, and the sweeps'
/// runs. Each change is counted on its sweep's line in the same
/// transaction, so a sweep cut short and resumed reports every row once.
#[async_trait]
pub trait OwnData: Send + Sync {
    /// `Conflict` while another sweep of the instance is unfinished.
    async fn start_own_sweep(&self, dry: bool, by: &str, at: Timestamp) -> Result<OwnSweep>;
    /// The unfinished sweep a crash left, if any.
    async fn running_own_sweep(&self) -> Result<Option<OwnSweep>>;
    /// Marks accounts that no longer belong to any client (from `at`) and
    /// unmarks those that belong to one again.
    async fn mark_unattached(&self, at: Timestamp) -> Result<()>;
    /// Runs one step: a dry sweep counts, a real one changes in batches.
    async fn own_step(&self, sweep: &OwnSweep, step: OwnStep, at: Timestamp) -> Result<()>;
    /// Active accounts not signed in since `before` and not yet told since.
    async fn accounts_to_tell(&self, before: Timestamp) -> Result<Vec<InactiveAccount>>;
    /// Records the notice to `user` with its email (real sweep), or counts
    /// it (dry), on the sweep's line, in one transaction.
    async fn tell_inactive(
        &self,
        sweep: &OwnSweep,
        user: vigie_domain::UserId,
        mail: &crate::NewMessage,
        at: Timestamp,
    ) -> Result<()>;
    /// Adds to a line (clients destroyed, counted by their own job).
    async fn add_own_line(&self, sweep: &OwnSweep, line: &OwnLine) -> Result<()>;
    async fn own_lines(&self, sweep: i64) -> Result<Vec<OwnLine>>;
    async fn finish_own_sweep(
        &self,
        sweep: i64,
        report: &str,
        signature: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Newest first.
    async fn own_sweeps(&self, page: Page) -> Result<Paged<OwnSweep>>;
    async fn own_sweep(&self, id: i64) -> Result<OwnSweep>;
}
