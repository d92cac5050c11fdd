//! A tenant's register of processing activities (C01, C04, C06): the
//! searchable list, the activity form with its versions and their
//! comparison, the register's history, and the CSV/JSON exports.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_domain::{
    ActivityId,
    dpia::DpiaStatus,
    page::Page,
    register::ActivityStatus,
    role::{Permission, Role},
};
use vigie_service::{ServiceError, register};
use vigie_store::{ActivityFilter, StoreError, StoredActivity};

use super::{
    forms::{FieldErrors, FlashQuery, flash_text, render, render_status, see_other},
    register_form::{ActivityForm, Groups},
};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    labels::{Choice, register as rl},
    layout::{Layout, Pager, query_of},
};

pub struct Row {
    pub id: i64,
    pub name: String,
    pub status: &'static str,
    pub completeness: u8,
    pub sensitive: bool,
    pub dpia: bool,
    pub version: i64,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct ListPage {
    l: Layout,
    base: String,
    rows: Vec<Row>,
    pager: Pager,
    q: String,
    statuses: Vec<Choice>,
    sensitive: bool,
    can_write: bool,
    public: String,
    sheet: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    sensitive: Option<String>,
    page: Option<u32>,
    flash: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "register.list").await?;
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(&ctx, m.register_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let status = ActivityStatus::parse(&q.status);
    let filter = ActivityFilter {
        search: q.q.clone(),
        status,
        sensitive_only: q.sensitive.is_some(),
    };
    let list = state
        .store
        .activities(&ctx.scope, &filter, Page::new(q.page, None))
        .await?;
    let base = format!("{}/registre", ctx.base());
    ctx.trace(
        &state,
        "register.list",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    let lang = l.lang;
    let rows = list
        .items
        .iter()
        .map(|a| Row {
            id: a.id.0,
            name: a.body.name.clone(),
            status: rl::status(lang, a.status),
            completeness: a.body.completeness(),
            sensitive: a.body.has_sensitive_data(),
            dpia: a.body.dpia_required(),
            version: a.version,
            updated: l.when(a.updated_at),
        })
        .collect();
    let sensitive = if q.sensitive.is_some() { "on" } else { "" };
    let mut statuses = vec![Choice {
        value: "",
        label: m.requests_all,
        selected: status.is_none(),
    }];
    statuses.extend(ActivityStatus::ALL.iter().map(|s| Choice {
        value: s.as_str(),
        label: rl::status(lang, *s),
        selected: Some(*s) == status,
    }));
    render(ListPage {
        pager: Pager::new(
            &list,
            &base,
            &query_of(&[("q", &q.q), ("status", &q.status), ("sensitive", sensitive)]),
        ),
        rows,
        q: q.q.clone(),
        statuses,
        sensitive: q.sensitive.is_some(),
        can_write: ctx.scope.allows(Permission::Write),
        public: format!("/p/{}/confidentialite", ctx.tenant.slug),
        sheet: format!("{}/organisme", ctx.base()),
        base,
        l,
    })
}

#[derive(Template)]
#[template(path = "activity.html")]
struct FormPage {
    l: Layout,
    action: String,
    base: String,
    f: ActivityForm,
    g: Groups,
    errors: FieldErrors,
    is_new: bool,
    can_write: bool,
    versions: Vec<VersionRow>,
    completeness: u8,
    dpia: bool,
    /// The assessment's state, linked to its page.
    dpia_status: &'static str,
    /// The activity's advice, actions and evidence.
    follow_url: String,
    /// The provider's sub-processors serving this organisation: (id,
    /// name, linked).
    registry: Vec<(i64, String, bool)>,
}

pub struct VersionRow {
    pub version: i64,
    pub when: String,
    pub author: String,
    pub reason: String,
}

fn may_check(ctx: &TenantCtx) -> bool {
    ctx.scope.roles().contains(Role::Dpo)
}

async fn form_page(
    state: &AppState,
    ctx: &TenantCtx,
    existing: Option<&StoredActivity>,
    f: ActivityForm,
    errors: BTreeMap<&'static str, String>,
    flash: Option<&str>,
) -> Result<FormPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let title = existing.map_or(m.register_new, |a| a.body.name.as_str());
    let l = Layout::for_tenant(ctx, title, state.settings.demo).with_flash(flash_text(m, flash));
    let base = format!("{}/registre", ctx.base());
    let versions = match existing {
        Some(a) => state
            .store
            .versions(&ctx.scope, a.id)
            .await?
            .into_iter()
            .map(|v| VersionRow {
                version: v.version,
                when: l.when(v.at),
                author: v.author,
                reason: v.reason,
            })
            .collect(),
        None => Vec::new(),
    };
    let dpia_status = match existing {
        Some(a) => {
            let latest = state.store.dpia_versions(&ctx.scope, a.id).await?;
            crate::labels::dpia::status(
                l.lang,
                DpiaStatus::of(a.body.dpia_required(), latest.first().map(|d| &d.dpia)),
            )
        }
        None => "",
    };
    let registry = state
        .store
        .subprocessors_of_tenant(&ctx.scope)
        .await?
        .into_iter()
        .map(|sp| {
            let linked = f.linked.iter().any(|l| *l == sp.id.to_string());
            (sp.id.0, sp.body.name, linked)
        })
        .collect();
    Ok(FormPage {
        registry,
        dpia_status,
        follow_url: existing.map_or(String::new(), |a| {
            format!("{}/suivi?activite={}", ctx.base(), a.id)
        }),
        action: existing.map_or(base.clone(), |a| format!("{base}/{}", a.id)),
        g: Groups::of(&f, l.lang, may_check(ctx)),
        completeness: existing.map_or(0, |a| a.body.completeness()),
        dpia: existing.is_some_and(|a| a.body.dpia_required()),
        is_new: existing.is_none(),
        can_write: ctx.scope.allows(Permission::Write),
        base,
        f,
        errors: FieldErrors(errors),
        versions,
        l,
    })
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: TenantCtx,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "register.new").await?;
    // The organisation sheet fills what every activity repeats.
    let sheet = state
        .store
        .organisation_sheet(&ctx.scope)
        .await?
        .map(|s| s.sheet)
        .unwrap_or_default();
    let f = ActivityForm {
        controller: if sheet.legal_name.is_empty() {
            ctx.tenant.name.as_str().to_owned()
        } else {
            sheet.legal_name.clone()
        },
        dpo_contact: sheet.dpo_line(),
        ..ActivityForm::default()
    };
    render(form_page(&state, &ctx, None, f, BTreeMap::new(), None).await?)
}

/// The service's refusal of a save, placed on the form.
fn service_errors(
    m: &'static crate::i18n::Msgs,
    e: ServiceError,
) -> Result<BTreeMap<&'static str, String>, PageError> {
    let mut errors = BTreeMap::new();
    match e {
        ServiceError::Invalid {
            field: "reason", ..
        } => {
            errors.insert("reason", m.register_reason_required.to_owned());
        }
        ServiceError::Invalid { field, message } => {
            errors.insert(field, message);
        }
        ServiceError::Link(r) => {
            errors.insert(r.field(), super::forms::link_refusal(m, &r));
        }
        ServiceError::Store(StoreError::Conflict(_)) => {
            errors.insert("version", m.request_conflict.to_owned());
        }
        ServiceError::Store(e) => return Err(e.into()),
        e => return Err(PageError::Internal(e.to_string())),
    }
    Ok(errors)
}

fn checked_refused(ctx: &TenantCtx, status: ActivityStatus) -> bool {
    status == ActivityStatus::Checked && !may_check(ctx)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "register.create").await?;
    let m = ctx.me.client.lang.msgs();
    let f = ActivityForm::from_pairs(&pairs);
    let fr = ctx.me.client.lang.code() == "fr";
    let errors = match f.parse(fr) {
        Ok((_, status)) if checked_refused(&ctx, status) => {
            BTreeMap::from([("status", m.register_checked_dpo_only.to_owned())])
        }
        Ok((body, status)) => {
            let author = ctx.me.user.email.to_string();
            match register::create(
                state.ctx(),
                &ctx.scope,
                body,
                status,
                &author,
                Timestamp::now(),
            )
            .await
            {
                Ok(a) => {
                    ctx.trace(&state, "register.create", &format!("activity:{}", a.id))
                        .await?;
                    return Ok(see_other(
                        &format!("{}/registre/{}", ctx.base(), a.id),
                        "saved",
                    ));
                }
                Err(e) => service_errors(m, e)?,
            }
        }
        Err(e) => e,
    };
    let page = form_page(&state, &ctx, None, f, errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

fn activity_id(id: &str) -> Result<ActivityId, PageError> {
    id.parse().map_err(|_| PageError::NOT_FOUND)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "register.read").await?;
    let a = state.store.activity(&ctx.scope, activity_id(&id)?).await?;
    ctx.trace(&state, "register.read", &format!("activity:{}", a.id))
        .await?;
    let lang = ctx.me.client.lang.code();
    let f = ActivityForm::of(&a.body, a.status, a.version, lang);
    render(
        form_page(
            &state,
            &ctx,
            Some(&a),
            f,
            BTreeMap::new(),
            q.flash.as_deref(),
        )
        .await?,
    )
}

pub async fn save(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "register.save").await?;
    let m = ctx.me.client.lang.msgs();
    let a = state.store.activity(&ctx.scope, activity_id(&id)?).await?;
    let f = ActivityForm::from_pairs(&pairs);
    let fr = ctx.me.client.lang.code() == "fr";
    let expected: i64 = f.version.parse().unwrap_or(a.version);
    let errors = match f.parse(fr) {
        Ok((_, status)) if checked_refused(&ctx, status) => {
            BTreeMap::from([("status", m.register_checked_dpo_only.to_owned())])
        }
        Ok((body, status)) => {
            let author = ctx.me.user.email.to_string();
            match register::save(
                state.ctx(),
                &ctx.scope,
                a.id,
                expected,
                body,
                status,
                &author,
                &f.reason,
                Timestamp::now(),
            )
            .await
            {
                Ok(saved) => {
                    ctx.trace(
                        &state,
                        "register.save",
                        &format!("activity:{}/v{}", saved.id, saved.version),
                    )
                    .await?;
                    return Ok(see_other(
                        &format!("{}/registre/{}", ctx.base(), a.id),
                        "saved",
                    ));
                }
                Err(e) => service_errors(m, e)?,
            }
        }
        Err(e) => e,
    };
    let page = form_page(&state, &ctx, Some(&a), f, errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// One changed field: its label, the lines removed and those added.
pub struct DiffRow {
    pub field: &'static str,
    pub before: Vec<String>,
    pub after: Vec<String>,
}

#[derive(Template)]
#[template(path = "activity_compare.html")]
struct ComparePage {
    l: Layout,
    back: String,
    a: i64,
    b: i64,
    rows: Vec<DiffRow>,
}

#[derive(Deserialize)]
pub struct CompareQuery {
    a: Option<i64>,
    b: Option<i64>,
}

/// Two versions side by side (C04): only the fields that differ.
pub async fn compare(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "register.compare").await?;
    let id = activity_id(&id)?;
    let versions = state.store.versions(&ctx.scope, id).await?;
    let latest = versions.first().ok_or(PageError::NOT_FOUND)?;
    let b_no = q.b.unwrap_or(latest.version);
    let a_no = q.a.unwrap_or(b_no - 1);
    let find = |n: i64| {
        versions
            .iter()
            .find(|v| v.version == n)
            .ok_or(PageError::NOT_FOUND)
    };
    let (va, vb) = (find(a_no)?, find(b_no)?);
    ctx.trace(
        &state,
        "register.compare",
        &format!("activity:{id}/v{a_no}-v{b_no}"),
    )
    .await?;
    let m = ctx.me.client.lang.msgs();
    render(ComparePage {
        l: Layout::for_tenant(
            &ctx,
            &format!("{} — {}", m.register_compare, vb.name),
            state.settings.demo,
        ),
        back: format!("{}/registre/{id}", ctx.base()),
        a: a_no,
        b: b_no,
        rows: super::activity_text::changes(ctx.me.client.lang.code(), m, &va.body, &vb.body)
            .into_iter()
            .map(|c| DiffRow {
                field: c.label,
                before: c.removed,
                after: c.added,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "register_history.html")]
struct HistoryPage {
    l: Layout,
    base: String,
    rows: Vec<HistoryRow>,
    pager: Pager,
}

pub struct HistoryRow {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub when: String,
    pub author: String,
    pub reason: String,
}

/// The register's version history (C04, like 004 §7).
pub async fn history(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<super::forms::ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "register.history").await?;
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(&ctx, m.register_history, state.settings.demo);
    let list = state
        .store
        .register_history(ctx.tenant.id, q.page())
        .await?;
    let base = format!("{}/registre", ctx.base());
    ctx.trace(
        &state,
        "register.history",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(HistoryPage {
        rows: list
            .items
            .iter()
            .map(|v| HistoryRow {
                id: v.activity.0,
                name: v.name.clone(),
                version: v.version,
                when: l.when(v.at),
                author: v.author.clone(),
                reason: v.reason.clone(),
            })
            .collect(),
        pager: Pager::new(&list, &format!("{base}/historique"), ""),
        base,
        l,
    })
}

pub(crate) fn download(content_type: &str, name: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A printed document's format.
#[derive(Clone, Copy)]
pub(super) enum Print {
    Pdf,
    Odt,
}

/// The frame of a tenant's printed documents: its organisation sheet as
/// the cover, the date in the reader's time zone.
pub(super) async fn print_frame(
    state: &AppState,
    ctx: &TenantCtx,
) -> Result<super::activity_text::PrintFrame, PageError> {
    let sheet = state
        .store
        .organisation_sheet(&ctx.scope)
        .await?
        .map(|s| s.sheet);
    let org = sheet
        .as_ref()
        .map(|s| s.legal_name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ctx.tenant.name.as_str().to_owned());
    let l = Layout::for_tenant(ctx, "", state.settings.demo);
    Ok(super::activity_text::PrintFrame {
        lang: ctx.me.client.lang.code(),
        m: ctx.me.client.lang.msgs(),
        org,
        sheet,
        when: l.when(jiff::Timestamp::now()),
    })
}

/// A document printed (C06, issue 17) as PDF or ODT and handed over as a
/// download; traced like every export (`action`, the format).
pub(super) async fn deliver(
    state: &AppState,
    ctx: &TenantCtx,
    doc: &crate::print::Document,
    file: &str,
    format: Print,
    action: &str,
) -> Result<Response, PageError> {
    let (kind, ext, bytes) = match format {
        Print::Pdf => ("application/pdf", "pdf", crate::print::pdf(doc)),
        Print::Odt => (
            "application/vnd.oasis.opendocument.text",
            "odt",
            crate::print::odt::write(doc)
                .ok_or_else(|| PageError::Internal("the document is too large to print".into()))?,
        ),
    };
    ctx.trace(state, action, ext).await?;
    Ok(download(kind, format!("{file}.{ext}"), bytes))
}

/// The register (or one activity) printed, with each activity's
/// assessment state.
async fn printed(
    state: &AppState,
    ctx: &TenantCtx,
    activities: &[vigie_store::StoredActivity],
    title: &str,
    file: &str,
    format: Print,
) -> Result<Response, PageError> {
    let frame = print_frame(state, ctx).await?;
    let dpias = state.store.latest_dpias(&ctx.scope).await?;
    let doc = super::activity_text::document(&frame, activities, &dpias, title);
    deliver(state, ctx, &doc, file, format, "register.export").await
}

async fn print_register(
    state: AppState,
    ctx: TenantCtx,
    format: Print,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "register.export").await?;
    let all = current(state.store.all_activities(&ctx.scope).await?);
    let m = ctx.me.client.lang.msgs();
    let file = format!("registre-{}", ctx.tenant.slug);
    printed(&state, &ctx, &all, m.print_register_title, &file, format).await
}

/// The register as PDF (C06).
pub async fn export_pdf(
    State(state): State<AppState>,
    ctx: TenantCtx,
) -> Result<Response, PageError> {
    print_register(state, ctx, Print::Pdf).await
}

/// The register as OpenDocument text (C06).
pub async fn export_odt(
    State(state): State<AppState>,
    ctx: TenantCtx,
) -> Result<Response, PageError> {
    print_register(state, ctx, Print::Odt).await
}

async fn print_activity(
    state: AppState,
    ctx: TenantCtx,
    id: &str,
    format: Print,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "register.export").await?;
    let a = state.store.activity(&ctx.scope, activity_id(id)?).await?;
    let m = ctx.me.client.lang.msgs();
    let file = format!("fiche-{}-{}", ctx.tenant.slug, a.id);
    printed(
        &state,
        &ctx,
        std::slice::from_ref(&a),
        m.print_activity_title,
        &file,
        format,
    )
    .await
}

/// One activity as PDF.
pub async fn activity_pdf(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    print_activity(state, ctx, &id, Print::Pdf).await
}

/// One activity as OpenDocument text.
pub async fn activity_odt(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    print_activity(state, ctx, &id, Print::Odt).await
}

/// The activities still carried out: what the exports hand over.
fn current(all: Vec<vigie_store::StoredActivity>) -> Vec<vigie_store::StoredActivity> {
    all.into_iter().filter(|a| a.is_current()).collect()
}

/// The register as CSV (C06), in the reader's words.
pub async fn export_csv(
    State(state): State<AppState>,
    ctx: TenantCtx,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "register.export").await?;
    let all = current(state.store.all_activities(&ctx.scope).await?);
    ctx.trace(&state, "register.export", "csv").await?;
    Ok(download(
        "text/csv; charset=utf-8",
        format!("registre-{}.csv", ctx.tenant.slug),
        super::activity_text::csv(ctx.me.client.lang.code(), ctx.me.client.lang.msgs(), &all),
    ))
}

/// The register as JSON (C06).
pub async fn export_json(
    State(state): State<AppState>,
    ctx: TenantCtx,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "register.export").await?;
    let all = current(state.store.all_activities(&ctx.scope).await?);
    let sheet = state
        .store
        .organisation_sheet(&ctx.scope)
        .await?
        .map(|s| s.sheet);
    ctx.trace(&state, "register.export", "json").await?;
    Ok(download(
        "application/json",
        format!("registre-{}.json", ctx.tenant.slug),
        register::json(ctx.tenant.name.as_str(), sheet.as_ref(), &all),
    ))
}
