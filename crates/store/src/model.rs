//! The records the store reads and writes.

use jiff::Timestamp;
use serde::Serialize;
use vigie_domain::{
    ApiTokenId, JobId, MessageId, TenantId, UserId,
    account::{DisplayName, Email, User},
    audit::{ChainHash, Outcome},
    jobs::{JobKind, JobState},
    role::{Role, Roles},
    tenant::{TenantName, TenantSlug},
};

/// A new account; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub name: DisplayName,
    pub password_hash: String,
    pub is_provider_admin: bool,
    pub locale: String,
    pub time_zone: String,
}

/// What sign-in needs to check.
#[derive(Clone)]
pub struct Credentials {
    pub password_hash: String,
    pub totp_secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: TenantSlug,
    pub name: TenantName,
    pub created_at: Timestamp,
}

/// An existing account asked to join a tenant ("invitation"): it joins
/// only when its owner accepts, signed in (issue 12). The tenant sees the
/// address it typed, never the account's name or other tenants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    pub id: i64,
    pub tenant: Tenant,
    pub user: UserId,
    pub email: Email,
    pub roles: Roles,
    /// Who invited, as named in the tenant.
    pub invited_by: String,
    pub expires_at: Timestamp,
}

/// A person's roles in one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub tenant: Tenant,
    pub roles: Roles,
}

/// A person as seen from one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user: User,
    pub roles: Roles,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user: UserId,
    pub created_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user: UserId,
    pub tenant: Option<TenantId>,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    pub role: Role,
    pub token_hash: String,
    pub expires_at: Timestamp,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub tenant: TenantId,
    pub name: String,
    pub role: Role,
    pub expires_at: Timestamp,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub revoked: bool,
}

/// Filters of the trail pages; empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct TrailFilter {
    /// Matches actor label, action or object (substring, case-insensitive).
    pub search: String,
    pub action_prefix: String,
    pub outcome: Option<Outcome>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// A signed statement that the trail reached `seq` with `hash`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: ChainHash,
    pub signed_at: Timestamp,
    /// Ed25519 public key, hex.
    pub public_key: String,
    /// Ed25519 signature of `checkpoint_message`, hex.
    pub signature: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: JobId,
    pub kind: JobKind,
    pub key: String,
    pub state: JobState,
    pub run_at: Timestamp,
    pub attempts: i32,
    pub locked_by: Option<String>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// What the run did, or why it failed.
    pub summary: String,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub tenant: Option<TenantId>,
    pub to: Email,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub id: MessageId,
    pub tenant: Option<TenantId>,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: Timestamp,
    pub attempts: i32,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub last_error: String,
}

/// A state-changing request noted before it acts (C28): removed with the
/// request's trail record in one transaction, or turned into a record of
/// its own when the request ends without one or never ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntent {
    pub at: Timestamp,
    /// Hash of the session cookie or API token presented, or empty.
    pub credential: String,
    /// The tenant named in the path (`/t/<slug>/…`), or empty.
    pub tenant_slug: String,
    pub method: String,
    pub path: String,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: i64,
    pub note: NewIntent,
}
