//! The signed-in person's own account: preferences, password, second factor.

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use jiff::tz::TimeZone;
use serde::Deserialize;
use vigie_domain::account::NewPassword;

use super::{
    forms::{ListQuery, flash_text, render, render_status, see_other},
    sign_in::password_error,
};
use crate::{
    AppState,
    auth::{SignedIn, open_session},
    client::{SESSION_COOKIE, lang_cookie, set_cookie},
    error::PageError,
    i18n::Lang,
    layout::Layout,
    mfa,
    secrets::{recovery_code, token_hash},
};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    email: String,
    lang_fr: bool,
    time_zone: String,
    totp_enabled: bool,
    tz_error: Option<&'static str>,
    password_error: Option<String>,
}

fn account_page(
    state: &AppState,
    me: &SignedIn,
    flash: Option<&str>,
    tz: Option<String>,
    tz_error: Option<&'static str>,
    password_error: Option<String>,
) -> AccountPage {
    let m = me.client.lang.msgs();
    AccountPage {
        l: Layout::signed_in(me, None, m.account_title, state.settings.demo)
            .with_flash(flash_text(m, flash)),
        email: me.user.email.to_string(),
        lang_fr: me.user.locale == "fr",
        time_zone: tz.unwrap_or_else(|| me.user.time_zone.clone()),
        totp_enabled: me.user.totp_enabled,
        tz_error,
        password_error,
    }
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    me.trace(
        &state,
        None,
        "account.read",
        &format!("user:{}", me.user.id),
    )
    .await?;
    render(account_page(
        &state,
        &me,
        q.flash.as_deref(),
        None,
        None,
        None,
    ))
}

#[derive(Deserialize)]
pub struct Preferences {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    time_zone: String,
}

pub async fn preferences(
    State(state): State<AppState>,
    me: SignedIn,
    Form(f): Form<Preferences>,
) -> Result<Response, PageError> {
    let lang = Lang::parse(&f.lang).unwrap_or_default();
    let tz = f.time_zone.trim();
    if TimeZone::get(tz).is_err() {
        let m = me.client.lang.msgs();
        let p = account_page(
            &state,
            &me,
            None,
            Some(f.time_zone.clone()),
            Some(m.time_zone_invalid),
            None,
        );
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, p);
    }
    state
        .store
        .set_preferences(me.user.id, lang.code(), tz)
        .await?;
    me.trace(
        &state,
        None,
        "account.preferences",
        &format!("user:{}", me.user.id),
    )
    .await?;
    Ok((
        [(
            header::SET_COOKIE,
            lang_cookie(lang.code(), state.settings.secure_cookies),
        )],
        see_other("/account", "saved"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// Changing the password closes every other session of the account.
pub async fn password(
    State(state): State<AppState>,
    me: SignedIn,
    Form(f): Form<PasswordChange>,
) -> Result<Response, PageError> {
    let lang = me.client.lang;
    let m = lang.msgs();
    let creds = state.store.credentials(me.user.id).await?;
    let fail = |msg: String| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            account_page(&state, &me, None, None, None, Some(msg)),
        )
    };
    if !state
        .hasher
        .verify(&f.current, Some(&creds.password_hash))
        .await
    {
        me.trace(&state, None, "account.password", "wrong current password")
            .await?;
        return fail(m.password_wrong.into());
    }
    if f.password != f.confirm {
        return fail(m.password_mismatch.into());
    }
    let pw = match NewPassword::parse(&f.password, &me.user.email, &me.user.name) {
        Ok(p) => p,
        Err(e) => return fail(password_error(lang, &e)),
    };
    let hash = state
        .hasher
        .hash(pw.expose())
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    state.store.set_password_hash(me.user.id, &hash).await?;
    state.store.delete_user_sessions(me.user.id).await?;
    let token = open_session(&state, &me.user, &me.client, None).await?;
    me.trace(
        &state,
        None,
        "account.password",
        &format!("user:{}", me.user.id),
    )
    .await?;
    Ok((
        [(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, &token, state.settings.secure_cookies, None),
        )],
        see_other("/account", "password_changed"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    l: Layout,
    secret: String,
    url: String,
    /// The address as a QR code (inline SVG, drawn by Vigie).
    qr: String,
    error: Option<&'static str>,
    recovery: Vec<String>,
}

pub async fn totp_setup(
    State(state): State<AppState>,
    me: SignedIn,
) -> Result<Response, PageError> {
    let secret = mfa::new_secret();
    let url = mfa::setup_url(&secret, me.user.email.as_str()).unwrap_or_default();
    render(TotpPage {
        l: Layout::signed_in(
            &me,
            None,
            me.client.lang.msgs().totp_title,
            state.settings.demo,
        ),
        qr: mfa::setup_qr_svg(&url).unwrap_or_default(),
        secret,
        url,
        error: None,
        recovery: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct TotpEnable {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
    /// The password: a signed-in session alone does not change the
    /// second factor (a stolen session would keep the account).
    #[serde(default)]
    current: String,
}

pub async fn totp_enable(
    State(state): State<AppState>,
    me: SignedIn,
    Form(f): Form<TotpEnable>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(&me, None, m.totp_title, state.settings.demo);
    let creds = state.store.credentials(me.user.id).await?;
    let password_ok = state
        .hasher
        .verify(&f.current, Some(&creds.password_hash))
        .await;
    if !password_ok || !mfa::code_matches(&f.secret, &f.code) {
        let url = mfa::setup_url(&f.secret, me.user.email.as_str()).unwrap_or_default();
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            TotpPage {
                l,
                qr: mfa::setup_qr_svg(&url).unwrap_or_default(),
                secret: f.secret,
                url,
                error: Some(if password_ok {
                    m.totp_bad_code
                } else {
                    m.password_wrong
                }),
                recovery: Vec::new(),
            },
        );
    }
    let codes: Vec<String> = (0..10).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| token_hash(c)).collect();
    let sealed = mfa::seal(&state.vault, me.user.id, &f.secret)
        .ok_or_else(|| PageError::Internal("no randomness to seal the secret".into()))?;
    state
        .store
        .set_totp(me.user.id, Some(&sealed), &hashes)
        .await?;
    me.trace(
        &state,
        None,
        "account.totp_enable",
        &format!("user:{}", me.user.id),
    )
    .await?;
    render(TotpPage {
        l,
        secret: String::new(),
        url: String::new(),
        qr: String::new(),
        error: None,
        recovery: codes,
    })
}

#[derive(Deserialize)]
pub struct TotpDisable {
    #[serde(default)]
    current: String,
}

pub async fn totp_disable(
    State(state): State<AppState>,
    me: SignedIn,
    Form(f): Form<TotpDisable>,
) -> Result<Response, PageError> {
    let creds = state.store.credentials(me.user.id).await?;
    if !state
        .hasher
        .verify(&f.current, Some(&creds.password_hash))
        .await
    {
        let m = me.client.lang.msgs();
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            account_page(&state, &me, None, None, None, Some(m.password_wrong.into())),
        );
    }
    state.store.set_totp(me.user.id, None, &[]).await?;
    me.trace(
        &state,
        None,
        "account.totp_disable",
        &format!("user:{}", me.user.id),
    )
    .await?;
    Ok(see_other("/account", "saved"))
}
