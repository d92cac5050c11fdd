//! A tenant's public pages for people without an account (C11): the
//! rights request form, the emailed-code confirmation and the request's
//! status, and the download of an access export through its expiring link.

use askama::Template;
use axum::{
    Extension, Form,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_domain::{
    audit::{Actor, Outcome},
    rights::RequestStatus,
    tenant::TenantSlug,
};
use vigie_service::{ServiceError, export, rights, token_hash};
use vigie_store::{RightsRequest, StoreError, Tenant};

use super::{
    forms::{render, render_status},
    request_form::{FormErrors, FormView, RequestForm},
};
use crate::{AppState, client::Client, csrf::CsrfToken, error::PageError, labels, layout::Layout};

/// Records an access by the person (no account) to their request (C28).
async fn trace_person(
    state: &AppState,
    t: &Tenant,
    client: &Client,
    action: &str,
    object: &str,
    outcome: Outcome,
) -> Result<(), PageError> {
    let person = Actor {
        user: None,
        label: rights::PERSON.into(),
    };
    Ok(state
        .trace(person, Some(t.id), client, action, object, outcome)
        .await?)
}

/// What a person is told when the emailed code is refused; any other
/// failure is the error page.
pub(super) fn code_refused(
    m: &'static crate::i18n::Msgs,
    e: ServiceError,
) -> Result<String, PageError> {
    match e {
        ServiceError::WrongCode { left } => Ok(format!("{} {left}", m.rights_code_wrong)),
        ServiceError::CodeExpired | ServiceError::TooManyTries => {
            Ok(m.rights_code_expired.to_owned())
        }
        ServiceError::Store(e) => Err(e.into()),
        e => Err(PageError::Internal(e.to_string())),
    }
}

/// Whether `key` (a public form and the caller's address) reached the
/// public forms' limit: each submission sends an email.
pub(super) async fn over_limit(
    state: &AppState,
    key: &str,
    now: Timestamp,
) -> Result<bool, PageError> {
    let recent = state
        .store
        .sign_in_failures_since(key, now - vigie_domain::lockout::WINDOW)
        .await?;
    Ok(recent >= vigie_domain::lockout::PUBLIC_FORM_PER_WINDOW)
}

pub(super) async fn tenant(state: &AppState, slug: &str) -> Result<Tenant, PageError> {
    let slug = TenantSlug::parse(slug).map_err(|_| PageError::NOT_FOUND)?;
    Ok(state.store.tenant_by_slug(&slug).await?)
}

#[derive(Template)]
#[template(path = "public_request.html")]
struct RequestPage {
    l: Layout,
    org: String,
    action: String,
    v: FormView,
}

fn request_page(
    state: &AppState,
    client: &Client,
    csrf: &str,
    t: &Tenant,
    v: FormView,
) -> RequestPage {
    let m = client.lang.msgs();
    RequestPage {
        l: Layout::anonymous(client.lang, m.rights_form_title, csrf, state.settings.demo)
            .here(&format!("/p/{}/droits", t.slug)),
        org: t.name.as_str().to_owned(),
        action: format!("/p/{}/droits", t.slug),
        v,
    }
}

pub async fn form(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let t = tenant(&state, &slug).await?;
    let v = RequestForm::default().view(client.lang.msgs(), FormErrors::default());
    render(request_page(&state, &client, &csrf.0, &t, v))
}

pub async fn submit(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(slug): Path<String>,
    Form(f): Form<RequestForm>,
) -> Result<Response, PageError> {
    let t = tenant(&state, &slug).await?;
    let m = client.lang.msgs();
    // Each submission sends an email: a few per address and quarter hour.
    let now = Timestamp::now();
    let key = format!("rights-form:{}", client.ip);
    if over_limit(&state, &key, now).await? {
        trace_person(
            &state,
            &t,
            &client,
            "rights.submit",
            "throttled",
            Outcome::Denied,
        )
        .await?;
        let mut v = f.view(m, FormErrors::default());
        v.e.email = Some(m.rights_throttled);
        let page = request_page(&state, &client, &csrf.0, &t, v);
        return render_status(StatusCode::TOO_MANY_REQUESTS, page);
    }
    let input = match f.parse(m, true) {
        Ok(i) => i,
        Err(e) => {
            let page = request_page(&state, &client, &csrf.0, &t, f.view(m, e));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    };
    let (r, token) = match rights::submit(state.ctx(), &t, &input, now).await {
        Ok(x) => {
            state.store.record_sign_in_failure(&key, now).await?;
            x
        }
        Err(ServiceError::Store(e)) => return Err(e.into()),
        Err(e) => {
            let errs = FormErrors::from_service(m, &e)
                .ok_or_else(|| PageError::Internal(e.to_string()))?;
            let page = request_page(&state, &client, &csrf.0, &t, f.view(m, errs));
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, page);
        }
    };
    trace_person(
        &state,
        &t,
        &client,
        "rights.submit",
        &format!("request:{}", r.id),
        Outcome::Success,
    )
    .await?;
    Ok(Redirect::to(&format!("/p/{}/demande/{token}", t.slug)).into_response())
}

#[derive(Template)]
#[template(path = "public_status.html")]
struct StatusPage {
    l: Layout,
    org: String,
    action: String,
    reference: String,
    status: &'static str,
    /// The right exercised ("droit d'accès").
    kind: &'static str,
    answer: String,
    /// The organisation's question, when it waits for the person.
    question: Option<String>,
    /// The export's link and when it ends, while it lasts.
    download: Option<(String, String)>,
    reply_error: Option<String>,
    replied: bool,
    awaiting_code: bool,
    received: String,
    due: String,
    code_error: Option<String>,
}

async fn request_of(
    state: &AppState,
    slug: &str,
    token: &str,
) -> Result<(Tenant, RightsRequest), PageError> {
    let t = tenant(state, slug).await?;
    let r = state
        .store
        .request_by_public_token(&token_hash(token))
        .await?;
    if r.tenant != t.id {
        return Err(PageError::NOT_FOUND);
    }
    Ok((t, r))
}

fn status_page(
    state: &AppState,
    client: &Client,
    csrf: &str,
    t: &Tenant,
    r: &RightsRequest,
    token: &str,
    code_error: Option<String>,
) -> StatusPage {
    let m = client.lang.msgs();
    let awaiting = r.status == RequestStatus::AwaitingEmailCheck;
    let l = Layout::anonymous(
        client.lang,
        if awaiting {
            m.rights_code_title
        } else {
            m.rights_status_title
        },
        csrf,
        state.settings.demo,
    )
    // After a code or a reply (a POST), the switch comes back to the page.
    .here(&format!("/p/{}/demande/{token}", t.slug));
    StatusPage {
        received: r.received_at.map(|t| l.day_of(t)).unwrap_or_default(),
        due: r.due_on.map(|d| l.day(d)).unwrap_or_default(),
        kind: labels::right(m, r.kind),
        // What was answered, once it was: the person reads it here too.
        answer: if matches!(
            r.status,
            RequestStatus::Answered | RequestStatus::Refused | RequestStatus::Closed
        ) {
            r.answer.clone()
        } else {
            String::new()
        },
        l,
        org: t.name.as_str().to_owned(),
        action: format!("/p/{}/demande/{token}", t.slug),
        reference: r.reference.clone(),
        status: labels::status(m, r.status),
        awaiting_code: awaiting,
        code_error,
        question: None,
        download: None,
        reply_error: None,
        replied: false,
    }
}

/// The organisation's latest question, when the request waits for the
/// person's answer.
async fn question_of(state: &AppState, r: &RightsRequest) -> Result<Option<String>, PageError> {
    if r.status != RequestStatus::AwaitingInformation {
        return Ok(None);
    }
    let events = state
        .store
        .events(&vigie_domain::scope::TenantScope::of_system(r.tenant), r.id)
        .await?;
    Ok(events
        .iter()
        .rev()
        .find(|e| e.step == "information_asked")
        .map(|e| e.detail.clone()))
}

pub async fn status(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    // Reading a request's status is an access to it, traced; so is a link
    // that leads nowhere (someone trying tokens) (C28).
    let (t, r) = match request_of(&state, &slug, &token).await {
        Ok(found) => found,
        Err(e) => {
            if let Ok(t) = tenant(&state, &slug).await {
                trace_person(
                    &state,
                    &t,
                    &client,
                    "rights.public_status",
                    "lien inconnu",
                    Outcome::Failure,
                )
                .await?;
            }
            return Err(e);
        }
    };
    trace_person(
        &state,
        &t,
        &client,
        "rights.public_status",
        &format!("request:{}", r.id),
        Outcome::Success,
    )
    .await?;
    let mut page = status_page(&state, &client, &csrf.0, &t, &r, &token, None);
    page.question = question_of(&state, &r).await?;
    let download = rights::status_download(state.ctx(), &t, &r, Timestamp::now())
        .await
        .map_err(super::service_error)?;
    page.download = download.map(|(link, until)| (link, page.l.when(until)));
    render(page)
}

#[derive(Deserialize)]
struct ReplyInput {
    #[serde(default)]
    reply: String,
}

/// The reply's text and documents, from a plain form or, with files, a
/// `multipart/form-data` one (read whole, size-limited by the CSRF guard).
fn reply_of(headers: &HeaderMap, body: &[u8]) -> Option<(String, Vec<rights::Sent>)> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::multipart::boundary);
    let Some(boundary) = multipart else {
        let f: ReplyInput = serde_urlencoded::from_bytes(body).ok()?;
        return Some((f.reply, Vec::new()));
    };
    let parts = crate::multipart::parts(body, &boundary)?;
    let files = parts
        .iter()
        .filter(|p| p.name == "piece")
        // A file field left empty is sent with no name and no bytes.
        .filter_map(|p| {
            let name = p.filename.as_deref().filter(|n| !n.is_empty())?;
            Some((name.to_owned(), p.body.to_vec()))
        })
        .collect();
    Some((
        crate::multipart::text(&parts, "reply").unwrap_or_default(),
        files,
    ))
}

/// The person answers the organisation's question from the status page,
/// with documents if asked for (a proof of identity, a mandate).
pub async fn reply(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path((slug, token)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    let (t, r) = request_of(&state, &slug, &token).await?;
    let m = client.lang.msgs();
    let result = match reply_of(&headers, &body) {
        Some((text, files)) => {
            rights::reply(state.ctx(), &token, &text, files, Timestamp::now()).await
        }
        None => Err(ServiceError::Invalid {
            field: "reply",
            message: "the form could not be read".into(),
        }),
    };
    let outcome = if result.is_ok() {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    trace_person(
        &state,
        &t,
        &client,
        "rights.reply",
        &format!("request:{}", r.id),
        outcome,
    )
    .await?;
    let mut page = status_page(&state, &client, &csrf.0, &t, &r, &token, None);
    page.question = question_of(&state, &r).await?;
    match result {
        Ok(_) => {
            page.replied = true;
            render(page)
        }
        Err(ServiceError::Store(StoreError::Conflict(_))) => {
            page.reply_error = Some(m.rights_reply_too_many.to_owned());
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(ServiceError::Store(e)) => Err(e.into()),
        Err(ServiceError::Invalid { field: "file", .. }) => {
            page.reply_error = Some(m.rights_reply_file_error.to_owned());
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(_) => {
            page.reply_error = Some(m.rights_reply_error.to_owned());
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

#[derive(Deserialize)]
pub struct CodeInput {
    #[serde(default)]
    code: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path((slug, token)): Path<(String, String)>,
    Form(f): Form<CodeInput>,
) -> Result<Response, PageError> {
    let (t, r) = request_of(&state, &slug, &token).await?;
    let m = client.lang.msgs();
    let err = match rights::confirm(state.ctx(), &token, &f.code, Timestamp::now()).await {
        Ok(r) => {
            trace_person(
                &state,
                &t,
                &client,
                "rights.confirm",
                &format!("request:{}", r.id),
                Outcome::Success,
            )
            .await?;
            return render(status_page(&state, &client, &csrf.0, &t, &r, &token, None));
        }
        Err(e) => code_refused(m, e)?,
    };
    trace_person(
        &state,
        &t,
        &client,
        "rights.confirm",
        &format!("request:{}", r.id),
        Outcome::Failure,
    )
    .await?;
    let page = status_page(&state, &client, &csrf.0, &t, &r, &token, Some(err));
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// One table of an export, for the summary.
pub struct ExportTable {
    pub system: String,
    pub table: String,
    pub rows: usize,
    pub file: Option<String>,
}

#[derive(Template)]
#[template(path = "export.html")]
struct ExportPage {
    l: Layout,
    org: String,
    reference: String,
    base: String,
    json_name: String,
    /// What Art. 15(1) adds, as text (empty for other rights).
    information: String,
    information_file: &'static str,
    tables: Vec<ExportTable>,
}

/// The Art. 15(1) information's file in an access export.
const INFORMATION_FILE: &str = "informations-art15.txt";

/// The files of a request's export, and a summary of its tables.
pub async fn export_files(
    state: &AppState,
    r: &RightsRequest,
) -> Result<(Vec<export::ExportFile>, Vec<ExportTable>), PageError> {
    let systems = rights::export(state.ctx(), r)
        .await
        .map_err(super::service_error)?;
    let mut files = vec![export::json(&r.reference, &systems)];
    // What Art. 15(1) adds to the data, from the published register.
    if r.kind == vigie_domain::rights::RequestKind::Access {
        let scope = vigie_domain::scope::TenantScope::of_system(r.tenant);
        let tenant = state.store.tenant(r.tenant).await?;
        let sheet = state
            .store
            .organisation_sheet(&scope)
            .await?
            .map(|s| s.sheet);
        let register = state.store.all_activities(&scope).await?;
        let published: Vec<&vigie_domain::register::Activity> = register
            .iter()
            .filter(|a| a.is_current() && a.body.published)
            .map(|a| &a.body)
            .collect();
        let org = sheet
            .as_ref()
            .map(|s| s.legal_name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| tenant.name.as_str().to_owned());
        let text = super::activity_text::information_text(
            "fr",
            crate::i18n::Lang::Fr.msgs(),
            &org,
            sheet.as_ref(),
            &published,
        );
        files.push(export::ExportFile {
            name: INFORMATION_FILE.into(),
            content_type: "text/plain; charset=utf-8",
            bytes: text.into_bytes(),
        });
    }
    let csvs = export::csvs(&systems);
    let mut tables = Vec::new();
    for (name, o) in &systems {
        for t in &o.tables {
            let csv = export::csv_name(name, &t.table);
            let file = csvs.iter().any(|f| f.name == csv).then_some(csv);
            tables.push(ExportTable {
                system: name.clone(),
                table: t.table.clone(),
                rows: t.rows.len(),
                file,
            });
        }
    }
    files.extend(csvs);
    Ok((files, tables))
}

async fn download_of(
    state: &AppState,
    slug: &str,
    token: &str,
) -> Result<(Tenant, RightsRequest), PageError> {
    let t = tenant(state, slug).await?;
    let (tenant_id, id) = match state
        .store
        .download(&token_hash(token), Timestamp::now())
        .await
    {
        Ok(x) => x,
        Err(StoreError::NotFound) => return Err(PageError::NOT_FOUND),
        Err(e) => return Err(e.into()),
    };
    if tenant_id != t.id {
        return Err(PageError::NOT_FOUND);
    }
    let r = state
        .store
        .request(&vigie_domain::scope::TenantScope::of_system(t.id), id)
        .await?;
    Ok((t, r))
}

pub async fn export_page(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path((slug, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (t, r) = download_of(&state, &slug, &token).await?;
    let (files, tables) = export_files(&state, &r).await?;
    trace_person(
        &state,
        &t,
        &client,
        "rights.export.view",
        &format!("request:{}", r.id),
        Outcome::Success,
    )
    .await?;
    let m = client.lang.msgs();
    render(ExportPage {
        l: Layout::anonymous(client.lang, m.export_title, &csrf.0, state.settings.demo)
            .here(&client.here),
        org: t.name.as_str().to_owned(),
        reference: r.reference.clone(),
        base: format!("/p/{}/export/{token}", t.slug),
        json_name: files.first().map(|f| f.name.clone()).unwrap_or_default(),
        information: files
            .iter()
            .find(|f| f.name == INFORMATION_FILE)
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default(),
        information_file: INFORMATION_FILE,
        tables,
    })
}

/// A file as a download.
pub fn attachment(f: export::ExportFile) -> Response {
    (
        [
            (header::CONTENT_TYPE, f.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", f.name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        f.bytes,
    )
        .into_response()
}

pub async fn export_file(
    State(state): State<AppState>,
    client: Client,
    Path((slug, token, file)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (t, r) = download_of(&state, &slug, &token).await?;
    let (files, _) = export_files(&state, &r).await?;
    let f = files
        .into_iter()
        .find(|f| f.name == file)
        .ok_or(PageError::NOT_FOUND)?;
    trace_person(
        &state,
        &t,
        &client,
        "rights.export.download",
        &format!("request:{}/{file}", r.id),
        Outcome::Success,
    )
    .await?;
    Ok(attachment(f))
}

/// One activity as the public policy shows it.
pub struct PolicyActivity {
    pub name: String,
    pub purposes: String,
    pub legal_bases: Vec<&'static str>,
    pub legitimate_interest: String,
    pub subjects: Vec<String>,
    pub data: Vec<String>,
    pub recipients: Vec<(&'static str, Vec<String>)>,
    pub transfers: Vec<String>,
    pub retentions: Vec<String>,
    /// The rights its legal bases give, named.
    pub rights: String,
}

pub struct PolicyVersion {
    pub when: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    l: Layout,
    org: String,
    intro: String,
    /// From the organisation sheet: (label, value), only what is filled.
    controller: Vec<(&'static str, String)>,
    rights_form: String,
    activities: Vec<PolicyActivity>,
    versions: Vec<PolicyVersion>,
    /// The retention rules Vigie applies (C21): "what — period, action".
    applied: Vec<String>,
}

/// The tenant's privacy policy, generated from its register (C05), in the
/// visitor's language, without an account.
pub async fn policy(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    use crate::labels::register as rl;
    use vigie_domain::register::{RecipientKind, data_category};

    let t = tenant(&state, &slug).await?;
    let m = client.lang.msgs();
    let lang = client.lang.code();
    let l = Layout::anonymous(client.lang, m.policy_title, &csrf.0, state.settings.demo)
        .here(&client.here);
    // Only what the DPO published: no draft, no archived activity, and of
    // the history only the dates of their versions (never the reasons,
    // which are the register's internal notes).
    let all: Vec<_> = state
        .store
        .all_activities(&vigie_domain::scope::TenantScope::of_system(t.id))
        .await?
        .into_iter()
        .filter(|a| a.is_current() && a.body.published)
        .collect();
    let history = state
        .store
        .register_history(t.id, vigie_domain::page::Page::new(Some(1), Some(200)))
        .await?;
    // Who the controller is and how to reach its DPO: the organisation
    // sheet says it, never a guess from the activities.
    let sheet = state
        .store
        .organisation_sheet(&vigie_domain::scope::TenantScope::of_system(t.id))
        .await?
        .map(|s| s.sheet)
        .unwrap_or_default();
    let org = if sheet.legal_name.is_empty() {
        t.name.as_str().to_owned()
    } else {
        sheet.legal_name.clone()
    };
    let controller: Vec<(&'static str, String)> = [
        (m.act_controller, org.clone()),
        (m.org_address, sheet.address.clone()),
        (m.org_siren_public, sheet.siren.clone()),
        (m.org_representative_public, sheet.representative_line()),
        (m.act_dpo, sheet.dpo_line()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    let activities = all
        .iter()
        .map(|a| {
            let b = &a.body;
            PolicyActivity {
                name: b.name.clone(),
                purposes: b.purposes.clone(),
                legal_bases: b
                    .legal_bases
                    .iter()
                    .map(|x| rl::legal_basis(lang, *x))
                    .collect(),
                legitimate_interest: b.legitimate_interest.clone(),
                subjects: b.subject_categories.clone(),
                data: b
                    .data_categories
                    .iter()
                    .map(|c| {
                        data_category(c).map_or(c.clone(), |d| {
                            (if lang == "en" { d.en } else { d.fr }).to_owned()
                        })
                    })
                    .chain((!b.other_data.is_empty()).then(|| b.other_data.clone()))
                    .collect(),
                recipients: RecipientKind::ALL
                    .iter()
                    .map(|k| {
                        let names: Vec<String> = b
                            .recipients
                            .iter()
                            .filter(|r| r.kind == *k)
                            .map(|r| r.name.clone())
                            .collect();
                        (rl::recipient_kind(lang, *k), names)
                    })
                    .filter(|(_, v)| !v.is_empty())
                    .collect(),
                transfers: b
                    .transfers
                    .iter()
                    .map(|x| {
                        format!(
                            "{} ({}) — {}",
                            x.recipient,
                            x.country,
                            rl::safeguard(lang, x.safeguard)
                        )
                    })
                    .collect(),
                retentions: b
                    .retentions
                    .iter()
                    .map(|r| format!("{} : {} ({})", r.data, r.duration, rl::fate(lang, r.fate)))
                    .collect(),
                rights: b
                    .rights()
                    .into_iter()
                    .map(|k| crate::labels::right(m, k))
                    .chain(
                        b.legal_bases
                            .contains(&vigie_domain::register::LegalBasis::Consent)
                            .then_some(m.policy_consent_withdraw),
                    )
                    .collect::<Vec<_>>()
                    .join(", "),
            }
        })
        .collect();
    let applied = state
        .store
        .rules(&vigie_domain::scope::TenantScope::of_system(t.id))
        .await?
        .into_iter()
        .map(|r| {
            let action = match r.rule.action {
                vigie_domain::retention::RetentionAction::Delete => m.retention_delete,
                vigie_domain::retention::RetentionAction::Anonymise => m.retention_anonymise,
            };
            format!("{} — {}, {action}", r.rule.label, r.rule.period)
        })
        .collect();
    render(PolicyPage {
        applied,
        intro: m.policy_intro.replace("{org}", &org),
        controller,
        rights_form: format!("/p/{}/droits", t.slug),
        versions: history
            .items
            .iter()
            .filter(|v| all.iter().any(|a| a.id == v.activity))
            .take(30)
            .map(|v| PolicyVersion {
                when: l.when(v.at),
                what: format!("{} — {} (v{})", v.name, m.policy_updated, v.version),
            })
            .collect(),
        org,
        activities,
        l,
    })
}

/// The client's own link to its reversibility export (C24), valid until
/// its data are destroyed; the token names the tenant.
pub async fn reversibility(
    State(state): State<AppState>,
    client: Client,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let ending = state
        .store
        .ending_by_token(&vigie_service::token_hash(&token))
        .await?;
    let tenant = state.store.tenant(ending.tenant).await?;
    let now = jiff::Timestamp::now();
    let scope = vigie_domain::scope::TenantScope::of_system(tenant.id);
    let files = super::admin::export_files(&state, &scope, &tenant, now).await?;
    let who = vigie_domain::audit::Actor {
        user: None,
        label: "lien de réversibilité".into(),
    };
    state
        .trace(
            who,
            Some(tenant.id),
            &client,
            "tenant.reversibility_download",
            &format!("tenant:{}", tenant.id),
            vigie_domain::audit::Outcome::Success,
        )
        .await?;
    Ok(super::admin::archive_response(&tenant, &files, now))
}

/// The demo's own website (C36): a page of the commune with its banner, a
/// measurement script held until it is accepted, and the permanent link —
/// so a newcomer clicks it and sees the record appear. Demo only.
pub async fn demo_site(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
) -> Result<Response, PageError> {
    if !state.settings.demo {
        return Err(PageError::NOT_FOUND);
    }
    let t = self::tenant(&state, &tenant).await?;
    let origin = vigie_domain::consent::SiteOrigin::parse(&state.settings.base_url)
        .map_err(|_| PageError::NOT_FOUND)?;
    let site = state
        .store
        .sites(&vigie_domain::scope::TenantScope::of_system(t.id))
        .await?
        .into_iter()
        .find(|s| s.origin == origin.as_str())
        .ok_or(PageError::NOT_FOUND)?;
    let name = askama::filters::escape(t.name.as_str(), askama::filters::Html)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{name} — site de démonstration</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         {tags}\
         <script type=\"text/plain\" data-vigie-category=\"performance\" src=\"/static/demo-tracker.js\"></script></head>\
         <body><main><h1>{name}</h1><p>Site de démonstration de la commune : son bandeau de consentement est celui de Vigie.</p>\
         <p id=\"vigie-demo-status\">Mesure d'audience : inactive (aucun accord).</p>\
         <p><a href=\"#\" data-vigie-open>Gérer les cookies</a></p>\
         <h2>Lettre d'information</h2>{form}</main></body></html>",
        tags = crate::consent::snippet("", &site.site_key),
        form = super::consent::opposition_form(
            crate::i18n::Lang::Fr.msgs(),
            "",
            &site.site_key,
            crate::i18n::Lang::Fr
        ),
    );
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}
