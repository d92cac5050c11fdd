//! The tenant's public link for partners and sub-processors to declare an
//! incident (C19): no account; the address is confirmed by a code before
//! the declaration reaches the register; a few per address and quarter
//! hour.

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
use vigie_store::Tenant;

use super::{
    forms::{FieldErrors, Typed, field, field_errors, render, render_status},
    public::{code_refused, over_limit, tenant},
};
use crate::{AppState, client::Client, csrf::CsrfToken, error::PageError, layout::Layout};

async fn trace(
    state: &AppState,
    t: &Tenant,
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
        .trace(who, Some(t.id), client, action, object, outcome)
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
    t: &Tenant,
    typed: Typed,
    errors: FieldErrors,
) -> FormPage {
    let m = client.lang.msgs();
    FormPage {
        l: Layout::anonymous(client.lang, m.partner_title, csrf, state.settings.demo),
        org: t.name.as_str().to_owned(),
        action: format!("/p/{}/incident", t.slug),
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
    render(form_page(
        &state,
        &client,
        &csrf.0,
        &t,
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
    let m = client.lang.msgs();
    let typed = Typed::of(&pairs);
    let now = Timestamp::now();
    let key = format!("incident-form:{}", client.ip);
    if over_limit(&state, &key, now).await? {
        trace(
            &state,
            &t,
            &client,
            "incident.partner_submit",
            "throttled",
            Outcome::Denied,
        )
        .await?;
        let errors = FieldErrors([("email", m.rights_throttled.to_owned())].into());
        let page = form_page(&state, &client, &csrf.0, &t, typed, errors);
        return render_status(StatusCode::TOO_MANY_REQUESTS, page);
    }
    let mut errors = std::collections::BTreeMap::new();
    let email = Email::parse(&field(&pairs, "email"));
    if email.is_err() {
        errors.insert("email", m.email_invalid.to_owned());
    }
    // Someone without an account: the legal zone's wall clock.
    let aware_at = field(&pairs, "aware_at")
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
            name: field(&pairs, "name"),
            organisation: field(&pairs, "organisation"),
            email,
            title: field(&pairs, "title"),
            description: field(&pairs, "description"),
            aware_at,
        };
        match breaches::submit_declaration(state.ctx(), &t, &d, now).await {
            Ok(token) => {
                state.store.record_sign_in_failure(&key, now).await?;
                trace(
                    &state,
                    &t,
                    &client,
                    "incident.partner_submit",
                    "awaiting code",
                    Outcome::Success,
                )
                .await?;
                return Ok(Redirect::to(&format!("/p/{}/incident/{token}", t.slug)).into_response());
            }
            Err(e) => errors.extend(field_errors(m, e)?),
        }
    }
    let page = form_page(&state, &client, &csrf.0, &t, typed, FieldErrors(errors));
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
    t: &Tenant,
    token: &str,
    error: Option<String>,
    done: Option<String>,
) -> CodePage {
    let m = client.lang.msgs();
    CodePage {
        l: Layout::anonymous(client.lang, m.partner_title, csrf, state.settings.demo),
        org: t.name.as_str().to_owned(),
        action: format!("/p/{}/incident/{token}", t.slug),
        error,
        done,
    }
}

/// The pending declaration behind a link, of this tenant only.
async fn pending(state: &AppState, t: &Tenant, token: &str) -> Result<(), PageError> {
    let d = state
        .store
        .declaration(&vigie_service::token_hash(token))
        .await?;
    if d.tenant != t.id {
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
    pending(&state, &t, &token).await?;
    render(code_page(&state, &client, &csrf.0, &t, &token, None, None))
}

pub async fn confirm(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path((slug, token)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = tenant(&state, &slug).await?;
    pending(&state, &t, &token).await?;
    let m = client.lang.msgs();
    let error = match breaches::confirm_declaration(
        state.ctx(),
        &token,
        &field(&pairs, "code"),
        Timestamp::now(),
    )
    .await
    {
        Ok(i) => {
            trace(
                &state,
                &t,
                &client,
                "incident.partner_confirm",
                &format!("incident:{}", i.id),
                Outcome::Success,
            )
            .await?;
            let done = m.partner_done.replace("{reference}", &i.reference);
            return render(code_page(
                &state,
                &client,
                &csrf.0,
                &t,
                &token,
                None,
                Some(done),
            ));
        }
        Err(e) => code_refused(m, e)?,
    };
    trace(
        &state,
        &t,
        &client,
        "incident.partner_confirm",
        "wrong code",
        Outcome::Failure,
    )
    .await?;
    let page = code_page(&state, &client, &csrf.0, &t, &token, Some(error), None);
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}
