//! Persistence of the incident and breach register (C17–C20).

use async_trait::async_trait;
use jiff::Timestamp;
use vigie_domain::{
    TenantId,
    breach::{Facts, IncidentStatus, InformDecision, Intake, PhaseKind},
    page::{Page, Paged},
    scope::TenantScope,
};

use crate::Result;

/// An incident of the register ("registre des violations"): every one
/// stays, a breach or not, notified or not (C17).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: i64,
    pub tenant: TenantId,
    /// "V-2026-003", per tenant and year.
    pub reference: String,
    pub title: String,
    pub description: String,
    pub intake: Intake,
    pub declared_by: String,
    pub declared_at: Timestamp,
    /// When the organisation became aware: the clock's start (C17).
    pub aware_at: Timestamp,
    pub status: IncidentStatus,
    pub facts: Facts,
    /// Art. 34: whether the people are informed, and why (C20).
    pub inform: Option<InformDecision>,
    pub inform_reasoning: String,
    /// How many of the 24/48/60-hour reminders were sent.
    pub reminders_sent: i64,
    /// First notification to the CNIL, and why it was late if it was.
    pub notified_at: Option<Timestamp>,
    pub late_reason: String,
    pub updated_at: Timestamp,
}

impl Incident {
    /// Whether its 72-hour clock runs (the rule is the domain's).
    pub fn clock_runs(&self) -> bool {
        vigie_domain::breach::clock_runs(&self.facts, self.notified_at.is_some(), self.status)
    }
}

#[derive(Debug, Clone)]
pub struct NewIncident {
    pub title: String,
    pub description: String,
    pub intake: Intake,
    pub declared_by: String,
    pub aware_at: Timestamp,
    pub at: Timestamp,
    /// What is known already: empty, or what the processor told (C18).
    pub facts: Facts,
}

/// A declaration through the public link, waiting for its author's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDeclaration {
    /// `None`: declared to the provider itself (a provider-wide incident).
    pub tenant: Option<TenantId>,
    pub code_hash: String,
    pub code_expires: Timestamp,
    pub attempts: i64,
    pub title: String,
    pub description: String,
    /// "Name (organisation)".
    pub declared_by: String,
    pub email: String,
    pub aware_at: Timestamp,
    pub created_at: Timestamp,
}

/// What a confirmed declaration became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    Incident(Incident),
    /// Declared to the provider: its own incident, "problème".
    Problem(crate::Problem),
}

/// One notification sent to the CNIL, as it was sent: never changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    pub n: i64,
    pub kind: PhaseKind,
    pub facts: Facts,
    pub late_reason: String,
    pub sent_at: Timestamp,
    pub sent_by: String,
}

#[async_trait]
pub trait Incidents: Send + Sync {
    async fn create_incident(&self, scope: &TenantScope, new: &NewIncident) -> Result<Incident>;
    async fn incident(&self, scope: &TenantScope, id: i64) -> Result<Incident>;
    /// Newest awareness first, searched in reference, title and text.
    async fn incidents(
        &self,
        scope: &TenantScope,
        search: &str,
        page: Page,
    ) -> Result<Paged<Incident>>;
    /// Saves `i` if nobody saved it since `expected` (its `updated_at`
    /// when read); `Conflict` otherwise.
    async fn save_incident(
        &self,
        scope: &TenantScope,
        i: &Incident,
        expected: Timestamp,
    ) -> Result<()>;
    /// Appends a phase (numbered next) and saves the incident with it, in
    /// one transaction, if nobody saved it since `expected`.
    async fn add_phase(
        &self,
        scope: &TenantScope,
        i: &Incident,
        expected: Timestamp,
        phase: &Phase,
    ) -> Result<Phase>;
    async fn phases(&self, scope: &TenantScope, id: i64) -> Result<Vec<Phase>>;
    /// Incidents whose 72-hour clock runs: of one tenant, or of all (the
    /// reminders), oldest awareness first.
    async fn running_clocks(&self, scope: Option<&TenantScope>) -> Result<Vec<Incident>>;
    /// Records that `count` reminders were sent, if fewer were.
    async fn mark_reminded(&self, id: i64, count: i64) -> Result<bool>;

    /// Keeps a public declaration until its code is entered.
    async fn create_declaration(&self, token_hash: &str, d: &PendingDeclaration) -> Result<()>;
    async fn declaration(&self, token_hash: &str) -> Result<PendingDeclaration>;
    /// Counts a wrong code; returns the tries so far.
    async fn declaration_attempt(&self, token_hash: &str) -> Result<i64>;
    /// Turns the declaration into an incident of its tenant, or of the
    /// provider (intake `partner`), and forgets it, in one transaction:
    /// declared once, never lost.
    async fn confirm_declaration(&self, token_hash: &str, now: Timestamp) -> Result<Declared>;
}
