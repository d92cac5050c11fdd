//! Adding a person to a tenant, and sending one-time password links. The
//! platform never chooses, shows or emails a password (C25).

use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    account::{DisplayName, Email, User},
    role::Roles,
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

/// Gives a person roles in a tenant, creating their account if needed (and
/// sending them a link to choose a password). True when it was created.
pub async fn invite(
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
    state.store.set_roles(tenant.id, user.id, roles).await?;
    if created {
        send_password_link(state, &user, Some(tenant)).await?;
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
