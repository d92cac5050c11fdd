//! The public links for partners and sub-processors to declare an
//! incident (C19) — one per tenant, one for the provider itself (a
//! provider-wide incident): no account; the address is confirmed by a
//! code before the declaration reaches the register; a few per address
//! and quarter hour.

use askama::Template;
use axum::{
    Extension, Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use jiff::{Timestamp, civil::DateTime};
use vigie_domain::{
    account::Email,
    audit::{Actor, Outcome},
};
use vigie_service::breaches::{self, PartnerDeclaration};
use vigie_store::{Declared, Tenant};

use super::{
    forms::{FieldErrors, Typed, field, field_errors, render, render_status},
    public::{code_refused, over_limit, tenant},
};
use crate::{AppState, client::Client, csrf::CsrfToken, error::PageError, layout::Layout};

/// Where a declaration goes: a tenant, or the provider (`None`).
type To<'a> = Option<&'a Tenant>;

/// The path of the public link of `to`.
fn link(to: To<'_>) -> String {
    match to {
        Some(t) => format!("/p/{}/incident", t.slug),
        None => "/prestataire/incident".to_owned(),
    }
}

fn org(client: &Client, to: To<'_>) -> String {
    match to {
        Some(t) => t.name.as_str().to_owned(),
        None => client.lang.msgs().partner_provider.to_owned(),
    }
}

async fn trace(
    state: &AppState,
    to: To<'_>,
    client: &Client,
    action: &str,
    object: &str,
    outcome: Outcome,
) -> Result<(), PageError> {
    let who = Actor {
        user: None,
        label: "déclarant (lien public)".into(),
    };
    Ok(state
        .trace(who, to.map(|t| t.id), client, action, object, outcome)
        .await?)
}

#[derive(Template)]
#[template(path = "partner_incident.html")]
struct FormPage {
    l: Layout,
    org: String,
    action: String,
    /// (name, label, input type).
    fields: Vec<(&'static str, &'static str, &'static str)>,
    typed: Typed,
    errors: FieldErrors,
}

fn form_page(
    state: &AppState,
    client: &Client,
    csrf: &str,
    to: To<'_>,
    typed: Typed,
    errors: FieldErrors,
) -> FormPage {
    let m = client.lang.msgs();
    FormPage {
        l: Layout::anonymous(client.lang, m.partner_title, csrf, state.settings.demo),
        org: org(client, to),
        action: link(to),
        fields: vec![
            ("name", m.partner_name, "text"),
            ("organisation", m.partner_organisation, "text"),
            ("email", m.partner_email, "email"),
            ("title", m.incident_title, "text"),
            ("aware_at", m.incident_aware, "datetime-local"),
        ],
        typed,
        errors,
    }
}

pub async fn form(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let t = tenant(&state, &slug).await?;
    show_form(&state, &client, &csrf, Some(&t))
}

/// The provider's own link: a provider-wide incident.
pub async fn provider_form(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, PageError> {
    show_form(&state, &client, &csrf, None)
}

fn show_form(
    state: &AppState,
    client: &Client,
    csrf: &CsrfToken,
    to: To<'_>,
) -> Result<Response, PageError> {
    render(form_page(
        state,
        client,
        &csrf.0,
        to,
        Typed::default(),
        FieldErrors::default(),
    ))
}

pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = tenant(&state, &slug).await?;
    take(&state, &client, &csrf, Some(&t), &pairs).await
}

pub async fn provider_submit(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    take(&state, &client, &csrf, None, &pairs).await
}

async fn take(
    state: &AppState,
    client: &Client,
    csrf: &CsrfToken,
    to: To<'_>,
    pairs: &[(String, String)],
) -> Result<Response, PageError> {
    let m = client.lang.msgs();
    let typed = Typed::of(pairs);
    let now = Timestamp::now();
    let key = format!("incident-form:{}", client.ip);
    if over_limit(state, &key, now).await? {
        trace(
            state,
            to,
            client,
            "incident.partner_submit",
            "throttled",
            Outcome::Denied,
        )
        .await?;
        let errors = FieldErrors([("email", m.rights_throttled.to_owned())].into());
        let page = form_page(state, client, &csrf.0, to, typed, errors);
        return render_status(StatusCode::TOO_MANY_REQUESTS, page);
    }
    let mut errors = std::collections::BTreeMap::new();
    let email = Email::parse(&field(pairs, "email"));
    if email.is_err() {
        errors.insert("email", m.email_invalid.to_owned());
    }
    // Someone without an account: the legal zone's wall clock.
    let aware_at = field(pairs, "aware_at")
        .trim()
        .parse::<DateTime>()
        .ok()
        .and_then(|dt| dt.to_zoned(vigie_domain::time::legal_zone()).ok())
        .map(|z| z.timestamp());
    if aware_at.is_none() {
        errors.insert("aware_at", m.datetime_invalid.to_owned());
    }
    if let (Ok(email), Some(aware_at)) = (email, aware_at) {
        let d = PartnerDeclaration {
            name: field(pairs, "name"),
            organisation: field(pairs, "organisation"),
            email,
            title: field(pairs, "title"),
            description: field(pairs, "description"),
            aware_at,
        };
        match breaches::submit_declaration(state.ctx(), to, &d, now).await {
            Ok(token) => {
                state.store.record_sign_in_failure(&key, now).await?;
                trace(
                    state,
                    to,
                    client,
                    "incident.partner_submit",
                    "awaiting code",
                    Outcome::Success,
                )
                .await?;
                return Ok(Redirect::to(&format!("{}/{token}", link(to))).into_response());
            }
            Err(e) => errors.extend(field_errors(m, e)?),
        }
    }
    let page = form_page(state, client, &csrf.0, to, typed, FieldErrors(errors));
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

#[derive(Template)]
#[template(path = "partner_code.html")]
struct CodePage {
    l: Layout,
    org: String,
    action: String,
    error: Option<String>,
    done: Option<String>,
}

fn code_page(
    state: &AppState,
    client: &Client,
    csrf: &str,
    to: To<'_>,
    token: &str,
    error: Option<String>,
    done: Option<String>,
) -> CodePage {
    let m = client.lang.msgs();
    CodePage {
        l: Layout::anonymous(client.lang, m.partner_title, csrf, state.settings.demo),
        org: org(client, to),
        action: format!("{}/{token}", link(to)),
        error,
        done,
    }
}

/// The pending declaration behind a link, to this recipient only.
async fn pending(state: &AppState, to: To<'_>, token: &str) -> Result<(), PageError> {
    let d = state
        .store
        .declaration(&vigie_service::token_hash(token))
        .await?;
    if d.tenant != to.map(|t| t.id) {
        return Err(PageError::NOT_FOUND);
    }
    Ok(())
}

pub async fn code_form(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let t = tenant(&state, &slug).await?;
    pending(&state, Some(&t), &token).await?;
    render(code_page(
        &state,
        &client,
        &csrf.0,
        Some(&t),
        &token,
        None,
        None,
    ))
}

pub async fn provider_code_form(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    pending(&state, None, &token).await?;
    render(code_page(
        &state, &client, &csrf.0, None, &token, None, None,
    ))
}

pub async fn confirm(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path((slug, token)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = tenant(&state, &slug).await?;
    check_code(&state, &client, &csrf, Some(&t), &token, &pairs).await
}

pub async fn provider_confirm(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_code(&state, &client, &csrf, None, &token, &pairs).await
}

async fn check_code(
    state: &AppState,
    client: &Client,
    csrf: &CsrfToken,
    to: To<'_>,
    token: &str,
    pairs: &[(String, String)],
) -> Result<Response, PageError> {
    pending(state, to, token).await?;
    let m = client.lang.msgs();
    let error = match breaches::confirm_declaration(
        state.ctx(),
        token,
        &field(pairs, "code"),
        Timestamp::now(),
    )
    .await
    {
        Ok(declared) => {
            let (object, reference) = match &declared {
                Declared::Incident(i) => (format!("incident:{}", i.id), i.reference.clone()),
                Declared::Problem(p) => (format!("problem:{}", p.id), p.reference.clone()),
            };
            trace(
                state,
                to,
                client,
                "incident.partner_confirm",
                &object,
                Outcome::Success,
            )
            .await?;
            let done = m.partner_done.replace("{reference}", &reference);
            return render(code_page(
                state,
                client,
                &csrf.0,
                to,
                token,
                None,
                Some(done),
            ));
        }
        Err(e) => code_refused(m, e)?,
    };
    trace(
        state,
        to,
        client,
        "incident.partner_confirm",
        "wrong code",
        Outcome::Failure,
    )
    .await?;
    let page = code_page(state, client, &csrf.0, to, token, Some(error), None);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}
