//! Persistence of provider-wide incidents ("problèmes", seed 002): the
//! provider's own incident, the clients it touches each with its own part
//! and notice clock, and the updates sent to them until the general
//! information at closure (C17, C19).

use async_trait::async_trait;
use jiff::Timestamp;
use vigie_domain::{
    TenantId,
    breach::{Facts, Intake, ProblemStatus},
    page::{Page, Paged},
    scope::TenantScope,
};

use crate::{Incident, NewIncident, NewMessage, Result};

/// An API token of the provider itself, for its monitoring: it acts for
/// the administrator who made it, while they are one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderToken {
    pub id: i64,
    pub name: String,
    pub expires_at: Timestamp,
    pub created_by: vigie_domain::UserId,
    pub created_at: Timestamp,
    pub revoked: bool,
}

/// An incident of the provider touching several clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub id: i64,
    /// "P-2026-002", per year.
    pub reference: String,
    pub title: String,
    pub description: String,
    pub intake: Intake,
    pub declared_by: String,
    pub declared_at: Timestamp,
    /// The provider's awareness: each client's notice clock starts here.
    pub aware_at: Timestamp,
    pub status: ProblemStatus,
    /// The provider's qualification: duration and people set the level.
    pub facts: Facts,
    /// The update deadline the provider's administrators were last
    /// reminded of: one reminder per deadline.
    pub reminded_for: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewProblem {
    pub title: String,
    pub description: String,
    pub intake: Intake,
    pub declared_by: String,
    pub aware_at: Timestamp,
    pub at: Timestamp,
}

/// A client on the list of those impacted ("clients consignés").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactedClient {
    pub tenant: TenantId,
    pub tenant_name: String,
    /// What concerns this client, and only it: told to it alone.
    pub part: String,
    pub persons: Option<u64>,
    /// The client's contractual limit when it was recorded.
    pub notice_hours: i64,
    pub added_at: Timestamp,
    pub added_by: String,
    pub noticed_at: Option<Timestamp>,
    /// The incident the notice opened in the client's register.
    pub incident: Option<i64>,
    pub notice_reminded: bool,
}

/// News sent to every impacted client; the closing one is the general
/// information at closure. Kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemUpdate {
    pub n: i64,
    pub body: String,
    pub closing: bool,
    pub sent_at: Timestamp,
    pub sent_by: String,
}

#[async_trait]
pub trait Problems: Send + Sync {
    async fn create_problem(&self, new: &NewProblem) -> Result<Problem>;
    async fn problem(&self, id: i64) -> Result<Problem>;
    /// Newest awareness first, searched in reference, title and text.
    async fn problems(&self, search: &str, page: Page) -> Result<Paged<Problem>>;
    /// Open ones, for the reminders.
    async fn open_problems(&self) -> Result<Vec<Problem>>;
    /// Saves `p` if nobody saved it since `expected`; `Conflict` otherwise.
    async fn save_problem(&self, p: &Problem, expected: Timestamp) -> Result<()>;
    /// Adds a client to the list; `Conflict` if it is on it already.
    async fn add_impacted(&self, problem: i64, c: &ImpactedClient) -> Result<()>;
    /// The list, by client name.
    async fn impacted(&self, problem: i64) -> Result<Vec<ImpactedClient>>;
    /// The notice to one client, in one transaction: its incident opened
    /// in its register, the notice recorded, the emails queued.
    /// `Conflict` if the client was noticed already: told once, never lost.
    async fn notice_client(
        &self,
        problem: i64,
        scope: &TenantScope,
        new: &NewIncident,
        messages: &[NewMessage],
        at: Timestamp,
    ) -> Result<Incident>;
    /// Appends an update (numbered next), saves `p` with it and queues
    /// the emails, in one transaction, if nobody saved `p` since
    /// `expected`.
    async fn add_problem_update(
        &self,
        p: &Problem,
        expected: Timestamp,
        update: &ProblemUpdate,
        messages: &[NewMessage],
    ) -> Result<ProblemUpdate>;
    async fn problem_updates(&self, problem: i64) -> Result<Vec<ProblemUpdate>>;
    /// What a client's incident received from the provider: the updates
    /// of the problem it was opened for, sent since the client was told
    /// (none for its other incidents).
    async fn updates_for_incident(
        &self,
        scope: &TenantScope,
        incident: i64,
    ) -> Result<Vec<ProblemUpdate>>;
    /// Records the reminder of the update due at `due`, if not yet.
    async fn mark_problem_reminded(&self, problem: i64, due: Timestamp) -> Result<bool>;
    /// Records the reminder of a client's notice, if not yet.
    async fn mark_notice_reminded(&self, problem: i64, tenant: TenantId) -> Result<bool>;
    /// The client's contractual notice limit, in hours.
    async fn processor_notice_hours(&self, tenant: TenantId) -> Result<i64>;
    async fn set_processor_notice_hours(&self, tenant: TenantId, hours: i64) -> Result<()>;

    /// The provider's API tokens (its monitoring).
    async fn create_provider_token(
        &self,
        name: &str,
        token_hash: &str,
        expires_at: Timestamp,
        by: vigie_domain::UserId,
        at: Timestamp,
    ) -> Result<ProviderToken>;
    async fn provider_tokens(&self, page: Page) -> Result<Paged<ProviderToken>>;
    async fn revoke_provider_token(&self, id: i64) -> Result<()>;
    /// For authentication only.
    async fn provider_token_by_hash(&self, token_hash: &str) -> Result<ProviderToken>;
}
