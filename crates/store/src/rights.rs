//! Persistence of rights requests, their timeline and execution tasks, and
//! of the tenants' connected systems.

use async_trait::async_trait;
use jiff::{Timestamp, civil::Date};
use vigie_domain::{
    RequestId, SystemId, TenantId,
    calendar::Calendar,
    identities::Identities,
    page::{Page, Paged},
    rights::{Channel, Intake, RequestKind, RequestStatus, Verification},
    scope::TenantScope,
};

use crate::Result;

/// A document the person sent with a reply ("pièce jointe"), without its
/// bytes (issue 18).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestAttachment {
    pub id: i64,
    pub request: RequestId,
    pub name: String,
    pub kind: vigie_domain::followup::EvidenceType,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub added_at: Timestamp,
}

/// A document to keep with a reply: its bytes already read for their type.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub name: String,
    pub kind: vigie_domain::followup::EvidenceType,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

/// Documents one request may gather from the person, and their total size:
/// a public form must not become free storage.
pub const ATTACHMENTS_PER_REQUEST: i64 = 10;
pub const ATTACHMENT_BYTES_PER_REQUEST: i64 = 30 * 1024 * 1024;

/// A tenant's application database ("système connecté"). The connection
/// URL is stored sealed (see `vault`); `url_hint` is the URL without its
/// password, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct System {
    pub id: SystemId,
    pub tenant: TenantId,
    pub name: String,
    pub url_sealed: Vec<u8>,
    pub url_hint: String,
    /// The dataset, as its author wrote it (TOML).
    pub dataset: String,
    /// When the dataset was last checked against the live database, and
    /// what was found ("" when everything matched).
    pub checked_at: Option<Timestamp>,
    pub check_result: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewSystem {
    pub name: String,
    pub url_sealed: Vec<u8>,
    pub url_hint: String,
    pub dataset: String,
    pub at: Timestamp,
}

/// A rights request ("demande d'exercice des droits").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightsRequest {
    pub id: RequestId,
    pub tenant: TenantId,
    /// Shown to the person and the agents ("2026-0042").
    pub reference: String,
    pub kind: RequestKind,
    pub intake: Intake,
    pub status: RequestStatus,
    pub subject_name: String,
    pub subject_email: String,
    /// The person's identifiers; only the proven ones are searched by.
    pub identities: Identities,
    /// What the person wrote.
    pub details: String,
    /// For an objection: the marketing channels objected to.
    pub channels: Vec<Channel>,
    /// For a rectification: (data category, new value).
    pub rectifications: Vec<(String, String)>,
    /// Receipt (the clock's start); `None` until the email is confirmed.
    pub received_at: Option<Timestamp>,
    pub due_on: Option<Date>,
    pub extended: bool,
    pub extension_reason: String,
    pub verification: Option<Verification>,
    /// One-time code sent to the person (hash), its expiry, tries so far.
    pub code_hash: Option<String>,
    pub code_expires: Option<Timestamp>,
    pub code_attempts: i64,
    /// Hash of the token in the person's status link.
    pub public_token_hash: String,
    /// C14: the client tenant this provider's copy was forwarded to…
    pub forwarded_to: Option<TenantId>,
    /// … and the provider's copy a client's request came from.
    pub forwarded_from: Option<RequestId>,
    pub answer: String,
    /// A postal address, a representative, how the answer goes (issue 18).
    pub contact: vigie_domain::rights::Contact,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A line of a request's timeline (C16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEvent {
    pub at: Timestamp,
    /// Who: an account's name, "demandeur" or "système".
    pub actor: String,
    /// A `Step` name, or "received", "task_done", "task_failed"…
    pub step: String,
    /// As Vigie or the person wrote it (French when Vigie did).
    pub detail: String,
    /// The same in English when Vigie wrote it; empty when a person typed
    /// it (shown as typed in every language).
    pub detail_en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    Queued,
    Running,
    /// The outcome is recorded and the client transaction is being
    /// committed: a run that finds this state after a crash checks whether
    /// the commit happened (see `vigie_connect::execute`).
    Applying,
    /// The client transaction is committed.
    Done,
    Failed,
    /// Stopped before reading out or changing anything: the identities
    /// matched rows of someone else; waits for an agent's confirmation.
    Held,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Queued => "queued",
            TaskState::Running => "running",
            TaskState::Applying => "applying",
            TaskState::Done => "done",
            TaskState::Failed => "failed",
            TaskState::Held => "held",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            TaskState::Queued,
            TaskState::Running,
            TaskState::Applying,
            TaskState::Done,
            TaskState::Failed,
            TaskState::Held,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One request's step on one connected system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightsTask {
    pub id: i64,
    pub request: RequestId,
    pub tenant: TenantId,
    pub system: SystemId,
    pub system_name: String,
    pub state: TaskState,
    pub found: i64,
    pub changed: i64,
    /// The sealed outcome (rows found, for an export).
    pub outcome_sealed: Option<Vec<u8>>,
    pub message: String,
    pub attempts: i64,
    pub updated_at: Timestamp,
    /// The agent who confirmed that every row found is the person's, when
    /// the identities matched rows of someone else too; empty otherwise.
    pub confirmed_by: String,
}

/// Who a client database is bound to (C27): one tenant, or several
/// through the provider's declaration of a shared database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetOwner {
    Tenant(TenantId),
    Shared,
}

/// A client database as Vigie knows it: what it is, where it was reached
/// from, who may use it ("base partagée" when several tenants do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetBinding {
    /// What the database is (see `vigie_connect::target`).
    pub identity: String,
    /// Where it was reached from, without credentials.
    pub location: String,
    pub owner: TargetOwner,
    pub bound_at: Timestamp,
    /// Shared: the provider's name for it.
    pub label: String,
    /// Shared: the column that tells whose rows are whose…
    pub column: String,
    /// … and each tenant's value in it.
    pub tenants: Vec<(TenantId, String)>,
}

impl TargetBinding {
    /// The value of the filter column on `tenant`'s rows, if the database is
    /// shared with it.
    pub fn value_for(&self, tenant: TenantId) -> Option<&str> {
        self.tenants
            .iter()
            .find(|(t, _)| *t == tenant)
            .map(|(_, v)| v.as_str())
    }
}

/// Filters of the request list.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub search: String,
    pub status: Option<RequestStatus>,
    /// Only requests still owed an answer.
    pub open_only: bool,
    /// Only open requests due on or before this day.
    pub due_by: Option<Date>,
    /// Only open requests with a task failed or held for confirmation.
    pub stalled_only: bool,
}

/// A task of an open request that stopped: failed (the system refused,
/// was unreachable, the dataset no longer fits) or held for an agent's
/// confirmation. Shown in the list, the dashboard and the daily email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalledTask {
    pub tenant: TenantId,
    pub request: RequestId,
    pub reference: String,
    pub system: String,
    pub state: TaskState,
    pub message: String,
}

/// A discovery scan of a connected system (C39): queued, run by the
/// worker, its report kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemScan {
    pub id: i64,
    pub tenant: TenantId,
    pub system: SystemId,
    /// "queued", "running", "done" or "failed".
    pub state: String,
    pub requested_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// The findings, as JSON (see `vigie_service::discovery`).
    pub report: String,
    pub message: String,
}

#[async_trait]
pub trait Scans: Send + Sync {
    async fn create_scan(
        &self,
        scope: &TenantScope,
        system: SystemId,
        at: Timestamp,
    ) -> Result<SystemScan>;
    async fn scan(&self, scope: &TenantScope, id: i64) -> Result<SystemScan>;
    async fn save_scan(&self, s: &SystemScan) -> Result<()>;
    /// The latest scans of a system, newest first.
    async fn scans(
        &self,
        scope: &TenantScope,
        system: SystemId,
        limit: i64,
    ) -> Result<Vec<SystemScan>>;
}

#[async_trait]
pub trait Rights: Send + Sync {
    async fn create_system(&self, scope: &TenantScope, new: &NewSystem) -> Result<System>;
    async fn system(&self, scope: &TenantScope, id: SystemId) -> Result<System>;
    async fn systems(&self, scope: &TenantScope, search: &str, page: Page)
    -> Result<Paged<System>>;
    /// Every system of a tenant, for execution.
    async fn all_systems(&self, scope: &TenantScope) -> Result<Vec<System>>;
    async fn save_system(&self, scope: &TenantScope, s: &System) -> Result<()>;
    /// Binds the client database named `identity` to `tenant` unless it is
    /// bound already; returns its binding, which the caller compares.
    async fn bind_target(
        &self,
        identity: &str,
        location: &str,
        tenant: TenantId,
        at: Timestamp,
    ) -> Result<TargetBinding>;
    async fn target(&self, identity: &str) -> Result<Option<TargetBinding>>;
    /// Bindings whose location or label contains `search`, shared ones
    /// first (the provider's page).
    async fn targets(&self, search: &str, page: Page) -> Result<Paged<TargetBinding>>;
    /// Declares a database shared (or changes its tenants); `Conflict` if
    /// one tenant holds it.
    async fn declare_shared(&self, b: &TargetBinding) -> Result<()>;
    /// Forgets a binding: the provider releases a database.
    async fn release_target(&self, identity: &str) -> Result<()>;

    /// The tenant's legal calendar.
    async fn calendar(&self, scope: &TenantScope) -> Result<Calendar>;
    async fn set_calendar(&self, scope: &TenantScope, c: Calendar) -> Result<()>;

    /// Stores a new request with its first timeline line; the reference
    /// is the next one of the tenant's year.
    async fn create_request(
        &self,
        r: &RightsRequest,
        first: &RequestEvent,
    ) -> Result<RightsRequest>;
    async fn request(&self, scope: &TenantScope, id: RequestId) -> Result<RightsRequest>;
    /// By the person's link: the first one, or any added since.
    async fn request_by_public_token(&self, token_hash: &str) -> Result<RightsRequest>;
    /// Another link to the request's status page (a question to the
    /// person carries one); the request must be the tenant's.
    async fn add_request_link(
        &self,
        scope: &TenantScope,
        id: RequestId,
        token_hash: &str,
        at: Timestamp,
    ) -> Result<()>;
    async fn requests(
        &self,
        scope: &TenantScope,
        filter: &RequestFilter,
        page: Page,
    ) -> Result<Paged<RightsRequest>>;
    /// Open requests of every tenant due on or before `day` (reminders).
    async fn requests_due_by(&self, day: Date) -> Result<Vec<RightsRequest>>;
    /// Failed or held tasks of open requests: of one tenant, or of all
    /// (the daily email), by request.
    async fn stalled_tasks(&self, tenant: Option<TenantId>) -> Result<Vec<StalledTask>>;
    /// Saves `r` if its stored status is still `expected` (else
    /// `Conflict`: someone else moved it), appends `event` and creates one
    /// queued task per system in `tasks` — all in one transaction.
    async fn save_request(
        &self,
        r: &RightsRequest,
        expected: RequestStatus,
        event: &RequestEvent,
        tasks: &[SystemId],
    ) -> Result<Vec<i64>>;
    async fn events(&self, scope: &TenantScope, id: RequestId) -> Result<Vec<RequestEvent>>;
    /// The person's reply: its timeline line and its documents, together
    /// or not at all; `Conflict` past `ATTACHMENTS_PER_REQUEST` or
    /// `ATTACHMENT_BYTES_PER_REQUEST` for the request.
    async fn add_reply(
        &self,
        scope: &TenantScope,
        id: RequestId,
        event: &RequestEvent,
        docs: &[NewAttachment],
    ) -> Result<Vec<RequestAttachment>>;
    /// The request's documents, oldest first.
    async fn request_attachments(
        &self,
        scope: &TenantScope,
        id: RequestId,
    ) -> Result<Vec<RequestAttachment>>;
    async fn request_attachment(
        &self,
        scope: &TenantScope,
        id: RequestId,
        attachment: i64,
    ) -> Result<(RequestAttachment, Vec<u8>)>;
    /// Appends a timeline line without changing the request.
    async fn add_event(
        &self,
        scope: &TenantScope,
        id: RequestId,
        event: &RequestEvent,
    ) -> Result<()>;

    async fn tasks(&self, scope: &TenantScope, id: RequestId) -> Result<Vec<RightsTask>>;
    async fn task(&self, id: i64) -> Result<RightsTask>;
    async fn save_task(&self, t: &RightsTask) -> Result<()>;

    async fn create_download(
        &self,
        token_hash: &str,
        tenant: TenantId,
        request: RequestId,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// The request a download link opens, if it has not expired.
    async fn download(&self, token_hash: &str, now: Timestamp) -> Result<(TenantId, RequestId)>;
    /// Forgets the rows gathered by tasks last touched before `before`
    /// (the counts stay) and expired download links; returns how many
    /// exports were dropped.
    async fn purge_exports(&self, before: Timestamp, now: Timestamp) -> Result<u64>;
}
