//! Vigie's persistence: the traits every backend implements, their typed
//! errors, and the conformance suite that proves a backend right.
//!
//! Tenant data is reached only through a [`TenantScope`]: methods that read or
//! change a tenant's objects take one and never look outside its tenant.

pub mod appender;
pub mod audits;
pub mod backups;
pub mod conformance;
pub mod conformance_webhooks;
pub mod consent;
pub mod consent_writer;
pub mod followups;
pub mod incidents;
pub mod intent;
pub mod model;
pub mod models;
pub mod problems;
pub mod register;
pub mod retention;
pub mod rights;
pub mod subprocessors;
pub mod trail;
pub mod vault;
pub mod webhooks;

use async_trait::async_trait;
use jiff::Timestamp;
use vigie_domain::{
    ApiTokenId, JobId, MessageId, TenantId, UserId,
    account::{Email, User},
    audit::{AuditEvent, AuditRecord, ChainHash},
    jobs::JobKind,
    page::{Page, Paged},
    role::Roles,
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
};

pub use audits::*;
pub use backups::*;
pub use consent::*;
pub use followups::*;
pub use incidents::*;
pub use model::*;
pub use models::*;
pub use problems::*;
pub use register::*;
pub use retention::*;
pub use rights::*;
pub use subprocessors::*;
pub use webhooks::*;

/// What can go wrong in the store, in terms the layers above act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("invalid stored value: {0}")]
    Corrupt(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Personal accounts and their credentials.
#[async_trait]
pub trait Accounts: Send + Sync {
    async fn create_user(&self, new: &NewUser) -> Result<User>;
    async fn user(&self, id: UserId) -> Result<User>;
    async fn user_by_email(&self, email: &Email) -> Result<User>;
    async fn credentials(&self, id: UserId) -> Result<Credentials>;
    async fn set_password_hash(&self, id: UserId, hash: &str) -> Result<()>;
    /// Disabling also deletes every session and API token the person
    /// created, at once (a compromised account, C25).
    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<()>;
    async fn set_preferences(&self, id: UserId, locale: &str, time_zone: &str) -> Result<()>;
    /// Turns the second factor on (with hashed recovery codes) or off.
    /// Accepts TOTP time step `step` for the account once: `false` when it
    /// (or a later one) was already used — a replayed code.
    async fn use_totp_step(&self, id: UserId, step: i64) -> Result<bool>;
    async fn set_totp(
        &self,
        id: UserId,
        secret: Option<&str>,
        recovery_hashes: &[String],
    ) -> Result<()>;
    /// Removes a recovery code if it exists; true when it did.
    async fn consume_recovery_code(&self, id: UserId, code_hash: &str) -> Result<bool>;
    /// Every account of the instance (provider administrators).
    async fn list_users(&self, search: &str, page: Page) -> Result<Paged<User>>;

    async fn record_sign_in_failure(&self, key: &str, at: Timestamp) -> Result<()>;
    async fn sign_in_failures_since(&self, key: &str, since: Timestamp) -> Result<u32>;
    /// When the last failure of `key` was recorded, if any.
    async fn last_sign_in_failure(&self, key: &str) -> Result<Option<Timestamp>>;
    async fn clear_sign_in_failures(&self, key: &str) -> Result<()>;

    /// Stores the hash of a one-time reset link.
    async fn create_password_reset(
        &self,
        user: UserId,
        token_hash: &str,
        expires: Timestamp,
    ) -> Result<()>;
    /// The account a reset link is for, if it exists and has not expired;
    /// the link stays usable.
    async fn peek_password_reset(&self, token_hash: &str, now: Timestamp) -> Result<UserId>;
    /// Uses a reset link once: returns its account if it exists and has not
    /// expired, and deletes it — and every other link of the account — in
    /// the same step.
    async fn consume_password_reset(&self, token_hash: &str, now: Timestamp) -> Result<UserId>;
}

/// Client organisations and who holds which role in each.
#[async_trait]
pub trait Tenants: Send + Sync {
    async fn create_tenant(&self, slug: &TenantSlug, name: &TenantName) -> Result<Tenant>;
    async fn tenant(&self, id: TenantId) -> Result<Tenant>;
    async fn tenant_by_slug(&self, slug: &TenantSlug) -> Result<Tenant>;
    async fn list_tenants(&self, search: &str, page: Page) -> Result<Paged<Tenant>>;
    /// The tenants where a person holds at least one role.
    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>>;
    /// Sets a person's roles in a tenant; empty roles remove the membership.
    /// Only the provider (CLI, provider admin) calls it without a scope.
    async fn set_roles(&self, scope: &TenantScope, user: UserId, roles: &Roles) -> Result<()>;
    /// The people of the scope's tenant.
    async fn members(&self, scope: &TenantScope, search: &str, page: Page)
    -> Result<Paged<Member>>;
    /// One person of the scope's tenant; NotFound for anyone else.
    async fn member(&self, scope: &TenantScope, user: UserId) -> Result<Member>;
    /// Invites an existing account into the scope's tenant with `roles`,
    /// replacing a pending invitation of the same account.
    async fn invite(
        &self,
        scope: &TenantScope,
        user: UserId,
        roles: &Roles,
        token_hash: &str,
        invited_by: &str,
        expires: Timestamp,
    ) -> Result<()>;
    /// The scope's tenant's invitations not yet accepted nor expired.
    async fn invitations(&self, scope: &TenantScope, now: Timestamp) -> Result<Vec<Invitation>>;
    /// The pending invitation of `user` behind a link; NotFound when it
    /// is someone else's, used, withdrawn or expired.
    async fn invitation(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
    ) -> Result<Invitation>;
    /// Accepts it: the membership is made and the invitation deleted in
    /// one step (a link works once).
    async fn accept_invitation(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
    ) -> Result<Invitation>;
    /// The tenant withdraws one of its invitations.
    async fn withdraw_invitation(&self, scope: &TenantScope, id: i64) -> Result<()>;
    /// Its owner declines it, by its link.
    async fn decline_invitation(&self, token_hash: &str, user: UserId) -> Result<()>;
}

/// Sign-in sessions, kept by the hash of their cookie.
#[async_trait]
pub trait Sessions: Send + Sync {
    async fn create_session(&self, s: &NewSession) -> Result<()>;
    async fn session(&self, token_hash: &str) -> Result<Session>;
    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> Result<()>;
    async fn set_session_tenant(&self, token_hash: &str, tenant: Option<TenantId>) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn delete_user_sessions(&self, user: UserId) -> Result<u64>;
    /// Deletes sessions idle since before `idle_before`, expired reset
    /// links and invitations, unconfirmed public declarations whose code
    /// expired, and old sign-in failures. Returns the number of rows removed.
    async fn purge_expired(&self, idle_before: Timestamp, now: Timestamp) -> Result<u64>;
}

/// API tokens of a tenant, kept by their hash.
#[async_trait]
pub trait ApiTokens: Send + Sync {
    async fn create_token(&self, scope: &TenantScope, new: &NewApiToken) -> Result<ApiToken>;
    async fn list_tokens(&self, scope: &TenantScope, page: Page) -> Result<Paged<ApiToken>>;
    async fn revoke_token(&self, scope: &TenantScope, id: ApiTokenId) -> Result<()>;
    /// Looks a token up by hash, for authentication only.
    async fn token_by_hash(&self, hash: &str) -> Result<ApiToken>;
}

/// The access trail: append-only, hash-chained, checkpointed.
#[async_trait]
pub trait Trail: Send + Sync {
    /// Appends one record, chained to the last one, atomically with respect
    /// to every other writer of the same database.
    async fn append(&self, event: &AuditEvent) -> Result<AuditRecord>;
    /// Appends several records in one transaction (in order).
    async fn append_batch(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>>;
    /// Appends records and removes the intents they settle, in one
    /// transaction: a request's record and the removal of its note commit
    /// together (either may be empty).
    async fn append_settling(
        &self,
        events: &[AuditEvent],
        settled: &[i64],
    ) -> Result<Vec<AuditRecord>>;
    /// Notes a state-changing request before it acts; returns its id.
    async fn begin_intent(&self, note: &NewIntent) -> Result<i64>;
    async fn intent(&self, id: i64) -> Result<Intent>;
    /// Intents noted before `at`, oldest first: their requests ended
    /// without a record (the process died, or the answer timed out).
    async fn intents_before(&self, at: Timestamp, limit: i64) -> Result<Vec<Intent>>;
    /// Records of one tenant (scope) matching a filter, newest first.
    async fn tenant_trail(
        &self,
        scope: &TenantScope,
        filter: &TrailFilter,
        page: Page,
    ) -> Result<Paged<AuditRecord>>;
    /// Records of the whole instance (provider administrators).
    async fn instance_trail(&self, filter: &TrailFilter, page: Page) -> Result<Paged<AuditRecord>>;
    /// Records with `seq > after`, in order, for verification.
    async fn records_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRecord>>;
    /// Records with `after < seq <= through`, in order: verification reads
    /// several such ranges at once.
    async fn records_in(&self, after: i64, through: i64) -> Result<Vec<AuditRecord>>;
    /// The last record, if any.
    async fn head(&self) -> Result<Option<(i64, ChainHash)>>;
    async fn add_checkpoint(&self, c: &Checkpoint) -> Result<()>;
    async fn checkpoints(&self, page: Page) -> Result<Paged<Checkpoint>>;
    /// Checkpoints with `seq > after`, in order, for verification.
    async fn checkpoints_after(&self, after: i64) -> Result<Vec<Checkpoint>>;
    /// Where verification starts: the checkpoint at the last purge, or none.
    async fn anchor(&self) -> Result<Option<Checkpoint>>;
    /// The last record at or before `at`.
    async fn last_record_before(&self, at: Timestamp) -> Result<Option<AuditRecord>>;
    /// Makes `anchor` the new start of the trail and deletes every record up
    /// to it, in one transaction. Returns the number of records removed.
    async fn purge_through(&self, anchor: &Checkpoint) -> Result<u64>;
}

/// The jobs table: queued work, claimed by one worker at a time.
#[async_trait]
pub trait Jobs: Send + Sync {
    /// Queues a job unless one with the same key exists (idempotent).
    /// Returns true when it was queued.
    async fn enqueue(&self, kind: JobKind, key: &str, run_at: Timestamp) -> Result<bool>;
    /// A job working for one tenant: no worker runs two of a tenant's
    /// jobs at once, so one tenant's queue never holds another's.
    async fn enqueue_for(
        &self,
        tenant: TenantId,
        kind: JobKind,
        key: &str,
        run_at: Timestamp,
    ) -> Result<bool>;
    /// Claims the next due job: queued and due, or running with an expired
    /// lease (its worker died). Sets a lease until `lease_until`.
    async fn claim(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        kinds: &[JobKind],
    ) -> Result<Option<Job>>;
    /// Makes the jobs `worker` was running claimable at once: a node that
    /// restarts under the same name takes back its interrupted work without
    /// waiting for the lease. Returns how many.
    async fn release_jobs(&self, worker: &str, now: Timestamp) -> Result<u64>;
    /// Extends the lease of a job `worker` still holds; `false` if another
    /// worker took it meanwhile.
    async fn renew(&self, id: JobId, worker: &str, lease_until: Timestamp) -> Result<bool>;
    async fn finish(&self, id: JobId, at: Timestamp, summary: &str) -> Result<()>;
    async fn fail(
        &self,
        id: JobId,
        at: Timestamp,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()>;
    async fn list_jobs(&self, page: Page) -> Result<Paged<Job>>;
    /// Deletes finished (done or failed) jobs older than `before`.
    async fn purge_finished_jobs(&self, before: Timestamp) -> Result<u64>;
}

/// Outgoing email, written before it is sent so nothing is lost.
#[async_trait]
pub trait Outbox: Send + Sync {
    async fn queue_message(&self, m: &NewMessage, at: Timestamp) -> Result<MessageId>;
    async fn due_messages(&self, now: Timestamp, limit: i64) -> Result<Vec<OutboxMessage>>;
    /// Claims up to `limit` due messages for one sender: they are not due
    /// again before `lease_until`, so another node does not send them too;
    /// `mark_sent` or `mark_failed` settles each. A sender killed mid-send
    /// leaves its messages to be sent again after the lease (at most one
    /// resend).
    async fn claim_messages(
        &self,
        sender: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>>;
    /// Gives back every message `sender` claimed and did not settle (it
    /// restarted): due again at `now`. Returns how many.
    async fn release_messages(&self, sender: &str, now: Timestamp) -> Result<u64>;
    async fn mark_sent(&self, id: MessageId, at: Timestamp) -> Result<()>;
    /// Gives back a claimed message not tried: due again at `at`.
    async fn release_message(&self, id: MessageId, at: Timestamp) -> Result<()>;
    async fn mark_failed(&self, id: MessageId, error: &str, retry_at: Timestamp) -> Result<()>;
    async fn list_messages(&self, search: &str, page: Page) -> Result<Paged<OutboxMessage>>;
}

/// Everything a backend offers.
#[async_trait]
pub trait Store:
    Accounts
    + Tenants
    + Sessions
    + ApiTokens
    + Trail
    + Jobs
    + Outbox
    + Rights
    + Scans
    + Register
    + SubProcessors
    + ClientRecords
    + Models
    + Incidents
    + Problems
    + Retention
    + Copies
    + Endings
    + OwnData
    + Backups
    + Consents
    + FollowUps
    + Webhooks
{
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;
    /// Answers when the database is reachable and takes a write.
    async fn ping(&self) -> Result<()>;
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    /// The schema's migration level, and the newest this build knows.
    async fn schema_version(&self) -> Result<(i64, i64)>;
    /// Every table with its number of rows (a restored backup's check).
    async fn table_counts(&self) -> Result<Vec<(String, i64)>>;
    /// A consistent copy of the whole database in one new file (SQLite's
    /// `VACUUM INTO`); PostgreSQL is copied with `pg_dump` instead.
    async fn snapshot_into(&self, path: &std::path::Path) -> Result<()>;
}
