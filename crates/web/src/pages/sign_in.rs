//! Sign-in with growing delays, sign-out, and password reset by a
//! one-time link (C25).

use askama::Template;
use axum::{
    Extension, Form,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{AppendHeaders, IntoResponse, Redirect, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_domain::{
    account::{AccountError, Email, NewPassword, User},
    audit::{Actor, Outcome},
    lockout,
};
use vigie_store::StoreError;

use super::{
    forms::{flash_text, local_path, render, render_status, see_other},
    invite::send_password_link,
};
use crate::{
    AppState,
    client::{Client, SESSION_COOKIE, cookie, lang_cookie, set_cookie},
    csrf::CsrfToken,
    error::PageError,
    i18n::Lang,
    layout::Layout,
    mfa,
    secrets::token_hash,
};

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    l: Layout,
    email: String,
    next: String,
    error: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
    flash: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    let m = client.lang.msgs();
    render(SignInPage {
        l: Layout::anonymous(client.lang, m.sign_in, &csrf.0, state.settings.demo)
            .with_flash(flash_text(m, q.flash.as_deref())),
        email: String::new(),
        next: q.next,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// Why a sign-in attempt fails; all look the same to the visitor.
async fn check(state: &AppState, f: &SignInForm) -> Result<Option<User>, StoreError> {
    let Ok(email) = Email::parse(&f.email) else {
        state.hasher.verify(&f.password, None).await;
        return Ok(None);
    };
    let user = match state.store.user_by_email(&email).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e),
    };
    let creds = match &user {
        Some(u) => Some(state.store.credentials(u.id).await?),
        None => None,
    };
    let hash = creds.as_ref().map(|c| c.password_hash.as_str());
    if !state.hasher.verify(&f.password, hash).await {
        return Ok(None);
    }
    let (Some(user), Some(creds)) = (user, creds) else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    if let Some(stored) = &creds.totp_secret {
        // A current code, used once; else a recovery code, used once.
        let secret = mfa::open(&state.vault, user.id, stored).unwrap_or_default();
        let by_code = match mfa::matched_step(&secret, &f.code) {
            Some(step) => state.store.use_totp_step(user.id, step).await?,
            None => false,
        };
        if !by_code
            && !state
                .store
                .consume_recovery_code(user.id, &token_hash(f.code.trim()))
                .await?
        {
            return Ok(None);
        }
    }
    Ok(Some(user))
}

/// How long ago `key` last failed to sign in (forever if never).
async fn since_last_failure(
    state: &AppState,
    key: &str,
    now: Timestamp,
) -> Result<jiff::SignedDuration, StoreError> {
    Ok(state
        .store
        .last_sign_in_failure(key)
        .await?
        .map_or(jiff::SignedDuration::MAX, |last| now.duration_since(last)))
}

pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Form(f): Form<SignInForm>,
) -> Result<Response, PageError> {
    let now = Timestamp::now();
    let since = now - lockout::FAILURE_MEMORY;
    let typed: String = f.email.trim().to_lowercase().chars().take(254).collect();
    let ip_key = format!("ip:{}", client.ip);
    let account_key = format!("account:{typed}");
    let m = client.lang.msgs();
    let again = |error: &'static str, status: StatusCode| {
        render_status(
            status,
            SignInPage {
                l: Layout::anonymous(client.lang, m.sign_in, &csrf.0, state.settings.demo),
                email: typed.clone(),
                next: f.next.clone(),
                error: Some(error),
            },
        )
    };
    let anonymous = Actor {
        user: None,
        label: typed.clone(),
    };
    let ip_failures = state.store.sign_in_failures_since(&ip_key, since).await?;
    let account_failures = state
        .store
        .sign_in_failures_since(&account_key, since)
        .await?;
    // The delay grows with the failures remembered and counts from the
    // last one: 1 min after the fifth, then 2, 4, 8, at most 15.
    let ip_wait = lockout::remaining(
        lockout::ip_delay(ip_failures),
        since_last_failure(&state, &ip_key, now).await?,
    );
    let account_wait = lockout::remaining(
        lockout::account_delay(account_failures),
        since_last_failure(&state, &account_key, now).await?,
    );
    if ip_wait.is_some() || account_wait.is_some() {
        state
            .trace(
                anonymous,
                None,
                &client,
                "auth.sign_in",
                "throttled",
                Outcome::Denied,
            )
            .await?;
        return again(m.sign_in_delayed, StatusCode::TOO_MANY_REQUESTS);
    }
    let Some(user) = check(&state, &f).await? else {
        state.store.record_sign_in_failure(&ip_key, now).await?;
        state
            .store
            .record_sign_in_failure(&account_key, now)
            .await?;
        state
            .trace(
                anonymous,
                None,
                &client,
                "auth.sign_in",
                "",
                Outcome::Failure,
            )
            .await?;
        return again(m.sign_in_failed, StatusCode::UNAUTHORIZED);
    };
    state.store.clear_sign_in_failures(&account_key).await?;
    let old = cookie(&headers, SESSION_COOKIE);
    let token = crate::auth::open_session(&state, &user, &client, old.as_deref()).await?;
    state
        .trace(
            Actor::person(&user),
            None,
            &client,
            "auth.sign_in",
            &format!("user:{}", user.id),
            Outcome::Success,
        )
        .await?;
    let secure = state.settings.secure_cookies;
    Ok((
        AppendHeaders([
            (
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, &token, secure, None),
            ),
            (header::SET_COOKIE, lang_cookie(&user.locale, secure)),
        ]),
        Redirect::to(local_path(&f.next)),
    )
        .into_response())
}

pub async fn sign_out(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let hash = token_hash(&token);
        if let Ok(s) = state.store.session(&hash).await {
            let user = state.store.user(s.user).await?;
            state.store.delete_session(&hash).await?;
            state
                .trace(
                    Actor::person(&user),
                    None,
                    &client,
                    "auth.sign_out",
                    &format!("user:{}", user.id),
                    Outcome::Success,
                )
                .await?;
        }
    }
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", state.settings.secure_cookies, Some(0)),
        )],
        Redirect::to("/sign-in"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    l: Layout,
    email: String,
    sent: bool,
}

pub async fn forgot_page(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, PageError> {
    render(ForgotPage {
        l: Layout::anonymous(
            client.lang,
            client.lang.msgs().forgot_title,
            &csrf.0,
            state.settings.demo,
        ),
        email: String::new(),
        sent: false,
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Always answers the same, so the form does not reveal who has an account.
pub async fn forgot(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Form(f): Form<ForgotForm>,
) -> Result<Response, PageError> {
    use vigie_domain::lockout::{RESET_LINKS_PER_WINDOW, RESET_REQUESTS_PER_WINDOW, WINDOW};
    let now = Timestamp::now();
    let by_address = format!("password-reset:ip:{}", client.ip);
    if state
        .store
        .sign_in_failures_since(&by_address, now - WINDOW)
        .await?
        >= RESET_REQUESTS_PER_WINDOW
    {
        state
            .trace(
                Actor {
                    user: None,
                    label: f.email.trim().to_lowercase().chars().take(254).collect(),
                },
                None,
                &client,
                "auth.password_reset_request",
                "throttled",
                Outcome::Denied,
            )
            .await?;
        let mut page = ForgotPage {
            l: Layout::anonymous(
                client.lang,
                client.lang.msgs().forgot_title,
                &csrf.0,
                state.settings.demo,
            ),
            email: f.email.clone(),
            sent: false,
        };
        page.l = page.l.with_flash(Some(client.lang.msgs().rights_throttled));
        return render_status(StatusCode::TOO_MANY_REQUESTS, page);
    }
    state.store.record_sign_in_failure(&by_address, now).await?;
    let mut object = "unknown".to_owned();
    if let Ok(email) = Email::parse(&f.email) {
        let by_account = format!("password-reset:account:{email}");
        match state.store.user_by_email(&email).await {
            // Past a few links, the answer stays the same but nothing is
            // sent: the form neither floods a mailbox nor tells who exists.
            Ok(u)
                if !u.disabled
                    && state
                        .store
                        .sign_in_failures_since(&by_account, now - WINDOW)
                        .await?
                        >= RESET_LINKS_PER_WINDOW =>
            {
                object = format!("user:{} throttled", u.id);
            }
            Ok(u) if !u.disabled => {
                state.store.record_sign_in_failure(&by_account, now).await?;
                send_password_link(&state, &u, None).await?;
                object = format!("user:{}", u.id);
            }
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let typed: String = f.email.trim().to_lowercase().chars().take(254).collect();
    state
        .trace(
            Actor {
                user: None,
                label: typed.clone(),
            },
            None,
            &client,
            "auth.password_reset_request",
            &object,
            Outcome::Success,
        )
        .await?;
    render(ForgotPage {
        l: Layout::anonymous(
            client.lang,
            client.lang.msgs().forgot_title,
            &csrf.0,
            state.settings.demo,
        ),
        email: typed,
        sent: true,
    })
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    l: Layout,
    valid: bool,
    error: Option<String>,
}

fn reset_page_for(
    lang: Lang,
    csrf: &str,
    demo: bool,
    valid: bool,
    error: Option<String>,
) -> ResetPage {
    ResetPage {
        l: Layout::anonymous(lang, lang.msgs().reset_title, csrf, demo),
        valid,
        error,
    }
}

pub async fn reset_page(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let valid = match state
        .store
        .peek_password_reset(&token_hash(&token), Timestamp::now())
        .await
    {
        Ok(_) => true,
        Err(StoreError::NotFound) => false,
        Err(e) => return Err(e.into()),
    };
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    render_status(
        status,
        reset_page_for(client.lang, &csrf.0, state.settings.demo, valid, None),
    )
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// The message for a password refused by the policy.
pub fn password_error(lang: Lang, e: &AccountError) -> String {
    let m = lang.msgs();
    match (lang, e) {
        (Lang::Fr, AccountError::PasswordTooShort { min }) => {
            format!("Le mot de passe doit avoir au moins {min} caractères.")
        }
        (Lang::Fr, AccountError::PasswordTooLong { max }) => {
            format!("Le mot de passe doit avoir au plus {max} caractères.")
        }
        (Lang::Fr, AccountError::PasswordContainsIdentity) => {
            "Le mot de passe ne doit contenir ni votre nom ni votre adresse.".into()
        }
        (Lang::Fr, AccountError::PasswordRepetitive) => {
            "Le mot de passe est trop répétitif.".into()
        }
        (Lang::Fr, _) => m.form_has_errors.into(),
        (Lang::En, e) => {
            let text = e.to_string();
            let mut c = text.chars();
            c.next()
                .map(|f| format!("{}{}.", f.to_uppercase(), c.as_str()))
                .unwrap_or_default()
        }
    }
}

pub async fn reset(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
    Form(f): Form<ResetForm>,
) -> Result<Response, PageError> {
    let hash = token_hash(&token);
    let lang = client.lang;
    let demo = state.settings.demo;
    let user_id = match state
        .store
        .peek_password_reset(&hash, Timestamp::now())
        .await
    {
        Ok(u) => u,
        Err(StoreError::NotFound) => {
            return render_status(
                StatusCode::NOT_FOUND,
                reset_page_for(lang, &csrf.0, demo, false, None),
            );
        }
        Err(e) => return Err(e.into()),
    };
    let user = state.store.user(user_id).await?;
    let fail = |msg: String| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            reset_page_for(lang, &csrf.0, demo, true, Some(msg)),
        )
    };
    if f.password != f.confirm {
        return fail(lang.msgs().password_mismatch.into());
    }
    let pw = match NewPassword::parse(&f.password, &user.email, &user.name) {
        Ok(p) => p,
        Err(e) => return fail(password_error(lang, &e)),
    };
    let new_hash = state
        .hasher
        .hash(pw.expose())
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    // Only now is the link used up: a refused password leaves it valid.
    state
        .store
        .consume_password_reset(&hash, Timestamp::now())
        .await?;
    state.store.set_password_hash(user.id, &new_hash).await?;
    state.store.delete_user_sessions(user.id).await?;
    state
        .store
        .clear_sign_in_failures(&format!("account:{}", user.email))
        .await?;
    state
        .trace(
            Actor::person(&user),
            None,
            &client,
            "auth.password_reset",
            &format!("user:{}", user.id),
            Outcome::Success,
        )
        .await?;
    Ok(see_other("/sign-in", "reset_done"))
}
