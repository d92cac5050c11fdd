//! Vigie's use cases, between the pages (or the worker) and the store:
//! what happens when a person submits a rights request, when an agent
//! verifies, extends, approves or answers it, when a task runs against a
//! connected system. The web layer parses forms and renders; the rules and
//! the order of writes live here.

pub mod audits;
pub mod breaches;
pub mod consent;
pub mod copies;
pub mod dataset_guide;
pub mod discovery;
pub mod export;
pub mod followup;
pub mod models;
pub mod own_data;
pub mod problems;
pub mod register;
pub mod retention;
pub mod reversibility;
pub mod rights;
pub mod subprocessors;
pub mod systems;
pub mod tar;
pub mod targets;
pub mod webhooks;

use jiff::civil::Date;
use vigie_connect::ExecError;
use vigie_domain::rights::IllegalStep;
use vigie_store::{Store, StoreError, vault::Vault, vault::VaultError};

/// What a use case needs.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub store: &'a dyn Store,
    pub vault: &'a Vault,
    /// For links in emails (`https://vigie.example.fr`).
    pub base_url: &'a str,
    /// Where tenants' connected systems may live (C27).
    pub confinement: &'a vigie_connect::Confinement,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Step(#[from] IllegalStep),
    /// A form field, named, and what is wrong with it.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("the code has expired: submit the request again")]
    CodeExpired,
    #[error("wrong code: {left} tries left")]
    WrongCode { left: i64 },
    #[error("too many wrong codes: submit the request again")]
    TooManyTries,
    #[error("an extension must be told to the person within the first month (until {0})")]
    TooLateToExtend(Date),
    #[error(transparent)]
    Exec(#[from] ExecError),
    /// Stopped on purpose between two steps (tests of crash recovery):
    /// the work resumes where it stopped.
    #[error("the work stopped before its end; it resumes where it stopped")]
    Interrupted,
    #[error("a sealed value could not be opened: {0}")]
    Vault(#[from] VaultError),
    /// C08: the transfer guard's refusal, on the safeguard field.
    #[error("safeguard: {0}")]
    Transfer(#[from] vigie_domain::subprocessor::TransferRefusal),
    /// Issue 17: processors linked to the registry that it refuses.
    #[error("{}: {}", .0.field(), .0)]
    Link(#[from] vigie_domain::register::LinkRefusal),
    /// C40: an audit request the contract does not allow, on its date.
    #[error("planned_on: {0}")]
    Audit(#[from] vigie_domain::audits::AuditRefusal),
    /// Several fields wrong at once (a breach's facts), each named.
    #[error("{}", .0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; "))]
    Fields(Vec<(&'static str, String)>),
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// A form field's error.
pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Invalid {
        field,
        message: message.into(),
    }
}

/// The scope's role allows `permission`, or the role field's error says
/// who may (`only`).
pub(crate) fn require(
    scope: &vigie_domain::scope::TenantScope,
    permission: vigie_domain::role::Permission,
    only: &str,
) -> Result<()> {
    if scope.allows(permission) {
        Ok(())
    } else {
        Err(invalid("role", only))
    }
}

/// Problems, one per line.
pub(crate) fn lines<T: std::fmt::Display>(problems: &[T]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The addresses of every active member of `tenant` who holds one of
/// `roles`; the jobs act as the system here, reading only who should be
/// told.
pub(crate) async fn members_to_tell(
    ctx: Ctx<'_>,
    tenant: vigie_domain::TenantId,
    roles: &[vigie_domain::role::Role],
) -> Result<Vec<vigie_domain::account::Email>> {
    use vigie_domain::{page::Page, scope::TenantScope};
    let scope = TenantScope::of_system(tenant);
    let mut out = Vec::new();
    for number in 1.. {
        let page = ctx
            .store
            .members(&scope, "", Page::new(Some(number), Some(200)))
            .await?;
        out.extend(
            page.items
                .iter()
                .filter(|m| !m.user.disabled && roles.iter().any(|r| m.roles.contains(*r)))
                .map(|m| m.user.email.clone()),
        );
        if !page.has_next() {
            break;
        }
    }
    Ok(out)
}

/// The addresses of the provider's active administrators.
pub(crate) async fn provider_admins(ctx: Ctx<'_>) -> Result<Vec<vigie_domain::account::Email>> {
    use vigie_domain::page::Page;
    let mut out = Vec::new();
    for n in 1.. {
        let users = ctx
            .store
            .list_users("", Page::new(Some(n), Some(200)))
            .await?;
        out.extend(
            users
                .items
                .iter()
                .filter(|u| u.is_provider_admin && !u.disabled)
                .map(|u| u.email.clone()),
        );
        if !users.has_next() {
            break;
        }
    }
    Ok(out)
}

/// Queues one message to each of `to`.
pub(crate) async fn mail_each(
    ctx: Ctx<'_>,
    tenant: Option<vigie_domain::TenantId>,
    to: Vec<vigie_domain::account::Email>,
    subject: &str,
    body: &str,
    now: jiff::Timestamp,
) -> Result<usize> {
    let n = to.len();
    for to in to {
        ctx.store
            .queue_message(
                &vigie_store::NewMessage {
                    tenant,
                    to,
                    subject: subject.to_owned(),
                    body: body.to_owned(),
                },
                now,
            )
            .await?;
    }
    Ok(n)
}

/// Emails the provider's active administrators (an instance's alert: a
/// backup failed or is missing).
pub async fn tell_provider_admins(
    ctx: Ctx<'_>,
    subject: &str,
    body: &str,
    now: jiff::Timestamp,
) -> Result<usize> {
    let to = provider_admins(ctx).await?;
    mail_each(ctx, None, to, subject, body, now).await
}

/// Emails every active member of `tenant` who holds one of `roles`.
pub(crate) async fn mail_members(
    ctx: Ctx<'_>,
    tenant: vigie_domain::TenantId,
    roles: &[vigie_domain::role::Role],
    subject: &str,
    body: &str,
    now: jiff::Timestamp,
) -> Result<usize> {
    let to = members_to_tell(ctx, tenant, roles).await?;
    mail_each(ctx, Some(tenant), to, subject, body, now).await
}

/// Whether `text` is signed by `signature_and_key` (`signature:key`, hex,
/// with the trail's key) and, when given, that key is `expected_key`.
pub(crate) fn signed_with(text: &str, signature_and_key: &str, expected_key: Option<&str>) -> bool {
    let Some((signature, key)) = signature_and_key.split_once(':') else {
        return false;
    };
    expected_key.is_none_or(|k| k.eq_ignore_ascii_case(key))
        && vigie_store::trail::document_signed_by(key, text.as_bytes(), signature)
}

/// 32 random bytes, hex: links and tokens.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    // An OS without randomness cannot run Vigie safely at all.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut b).expect("the operating system must provide randomness");
    hex::encode(b)
}

/// What every API token starts with (it tells a leaked secret for what it is).
pub const TOKEN_PREFIX: &str = "vigie_";

/// A new API token's secret, shown once.
pub fn new_token_secret() -> String {
    format!("{TOKEN_PREFIX}{}", random_token())
}

/// A token's name as given, trimmed, if it is one: 1 to 100 characters
/// (the pages and the command line take the same).
pub fn token_name(name: &str) -> Option<&str> {
    let name = name.trim();
    (!name.is_empty() && name.chars().count() <= 100).then_some(name)
}

/// The days a token may live, 1 to 365, if `days` is such a lifetime.
pub fn token_days(days: i64) -> Option<i64> {
    (1..=365).contains(&days).then_some(days)
}

/// The hash under which a token is stored.
pub fn token_hash(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}
