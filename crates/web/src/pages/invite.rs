//! Adding a person to a tenant, and sending one-time password links. The
//! platform never chooses, shows or emails a password (C25). A tenant's
//! user manager creates new accounts in its tenant but only invites an
//! existing one: it joins when its owner accepts (issue 12).

use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    UserId,
    account::{DisplayName, Email, User},
    role::Roles,
    scope::TenantScope,
};
use vigie_store::{NewMessage, NewUser, StoreError, Tenant};

use crate::{
    AppState,
    i18n::Lang,
    secrets::{random_token, token_hash},
};

/// Stored instead of a hash until the person chooses a password: no
/// password verifies against it.
const NO_PASSWORD: &str = "!unset";

/// How long an invitation's link works.
const INVITATION_VALIDITY: SignedDuration = SignedDuration::from_hours(24 * 7);

/// What adding a person to a tenant did.
pub enum Added {
    /// A new account, member at once, sent a link to choose a password.
    Created(User),
    /// An existing account, sent an invitation to accept.
    Invited,
    /// Already a member: roles are changed on the person's page.
    AlreadyMember(UserId),
}

/// A tenant's user manager adds a person by address: a new account is
/// created in the tenant; an existing one, someone else's until now, is
/// only invited — its name is not shown, its roles elsewhere untouched.
pub async fn add_to_tenant(
    state: &AppState,
    scope: &TenantScope,
    tenant: &Tenant,
    (email, name, roles): (&Email, &DisplayName, &Roles),
    inviter: &str,
) -> Result<Added, StoreError> {
    let user = match state.store.user_by_email(email).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => {
            let (user, _) = grant(state, tenant, email, name, roles).await?;
            return Ok(Added::Created(user));
        }
        Err(e) => return Err(e),
    };
    if state.store.member(scope, user.id).await.is_ok() {
        return Ok(Added::AlreadyMember(user.id));
    }
    let token = random_token();
    state
        .store
        .invite(
            scope,
            user.id,
            roles,
            &token_hash(&token),
            inviter,
            Timestamp::now() + INVITATION_VALIDITY,
        )
        .await?;
    let m = Lang::parse(&user.locale).unwrap_or_default().msgs();
    let link = format!(
        "{}/invitations/{token}",
        state.settings.base_url.trim_end_matches('/')
    );
    state
        .store
        .queue_message(
            &NewMessage {
                tenant: Some(tenant.id),
                to: user.email.clone(),
                subject: m
                    .email_invitation_subject
                    .replace("{org}", tenant.name.as_str()),
                body: m
                    .email_invitation_body
                    .replace("{org}", tenant.name.as_str())
                    .replace("{who}", inviter)
                    .replace("{link}", &link),
            },
            Timestamp::now(),
        )
        .await?;
    Ok(Added::Invited)
}

/// The provider (its administrators, the CLI) gives a person roles in a
/// tenant directly, creating their account if needed (and sending them a
/// link to choose a password). True when it was created.
pub async fn grant(
    state: &AppState,
    tenant: &Tenant,
    email: &Email,
    name: &DisplayName,
    roles: &Roles,
) -> Result<(User, bool), StoreError> {
    let (user, created) = match state.store.user_by_email(email).await {
        Ok(u) => (u, false),
        Err(StoreError::NotFound) => {
            let u = state
                .store
                .create_user(&NewUser {
                    email: email.clone(),
                    name: name.clone(),
                    password_hash: NO_PASSWORD.into(),
                    is_provider_admin: false,
                    locale: "fr".into(),
                    time_zone: "Europe/Paris".into(),
                })
                .await?;
            (u, true)
        }
        Err(e) => return Err(e),
    };
    state
        .store
        .set_roles(&TenantScope::of_provider(tenant.id), user.id, roles)
        .await?;
    if created {
        send_password_link(state, &user, Some(tenant)).await?;
    } else {
        // An existing account is told what it can now open, and where: no
        // password link, it has one (issue 18).
        let m = Lang::parse(&user.locale).unwrap_or_default().msgs();
        let link = format!(
            "{}/t/{}",
            state.settings.base_url.trim_end_matches('/'),
            tenant.slug
        );
        state
            .store
            .queue_message(
                &NewMessage {
                    tenant: Some(tenant.id),
                    to: user.email.clone(),
                    subject: m
                        .email_granted_subject
                        .replace("{org}", tenant.name.as_str()),
                    body: m
                        .email_granted_body
                        .replace("{org}", tenant.name.as_str())
                        .replace("{link}", &link),
                },
                Timestamp::now(),
            )
            .await?;
    }
    Ok((user, created))
}

/// Queues an email with a one-time link to choose a password: valid 72 hours
/// for a new account (welcome), one hour for a reset.
pub async fn send_password_link(
    state: &AppState,
    user: &User,
    welcome_to: Option<&Tenant>,
) -> Result<(), StoreError> {
    let lang = Lang::parse(&user.locale).unwrap_or_default();
    let m = lang.msgs();
    let token = random_token();
    let valid = if welcome_to.is_some() {
        SignedDuration::from_hours(72)
    } else {
        SignedDuration::from_hours(1)
    };
    let now = Timestamp::now();
    state
        .store
        .create_password_reset(user.id, &token_hash(&token), now + valid)
        .await?;
    let link = format!(
        "{}/password/reset/{token}",
        state.settings.base_url.trim_end_matches('/')
    );
    let (subject, body) = match welcome_to {
        Some(t) => (
            m.email_welcome_subject,
            m.email_welcome_body
                .replace("{link}", &link)
                .replace("{org}", t.name.as_str()),
        ),
        None => (
            m.email_reset_subject,
            m.email_reset_body.replace("{link}", &link),
        ),
    };
    state
        .store
        .queue_message(
            &NewMessage {
                tenant: welcome_to.map(|t| t.id),
                to: user.email.clone(),
                subject: subject.into(),
                body,
            },
            now,
        )
        .await?;
    Ok(())
}

/// Whether this tenant's user manager may disable the account: only when
/// the account belongs to this tenant alone (pages and API alike).
pub async fn only_here(state: &AppState, member: &vigie_store::Member) -> Result<bool, StoreError> {
    Ok(!member.user.is_provider_admin && state.store.memberships(member.user.id).await?.len() == 1)
}
