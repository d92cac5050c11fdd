//! The DPO's follow-up in the pages (issue 17): advice and the action
//! plan (searchable, filtered, open ones first by due date, closed with an
//! answer), and the evidence documents (uploaded without JavaScript,
//! served back as what their bytes are, never rendered inline).

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Form,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_domain::{
    ActivityId,
    followup::{
        EvidenceRefusal, EvidenceType, FollowUpKind, FollowUpProblem, FollowUpStatus, NewFollowUp,
        check_closing, evidence_name, overdue,
    },
    page::Page,
    role::Permission,
};
use vigie_service::followup;
use vigie_store::FollowUpFilter;

use super::forms::{
    FieldErrors, Typed, field, field_errors, flash_text, render, render_status, see_other,
};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    labels::{Choice, followup as fl},
    layout::{Layout, Pager, query_of},
};

#[derive(Debug, Default, Deserialize)]
pub struct FollowQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    activite: String,
    page: Option<u32>,
    flash: Option<String>,
}

struct ItemRow {
    id: i64,
    kind: &'static str,
    title: String,
    detail: String,
    activity: Option<(i64, String)>,
    owner: String,
    due: String,
    overdue: bool,
    open: bool,
    status: &'static str,
    response: String,
    by: String,
}

#[derive(Template)]
#[template(path = "followup.html")]
struct FollowPage {
    l: Layout,
    base: String,
    tenant_base: String,
    register: String,
    rows: Vec<ItemRow>,
    pager: Pager,
    q: String,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    /// (id, name, selected) for the filter.
    activities: Vec<(i64, String, bool)>,
    /// The new item's form.
    new_kinds: Vec<Choice>,
    /// The new item's one-line fields: (name, label).
    inputs: Vec<(&'static str, &'static str)>,
    new_activities: Vec<(i64, String, bool)>,
    typed: Typed,
    errors: FieldErrors,
    can_write: bool,
    /// The item a close form failed on, and why.
    close_error: Option<(i64, String)>,
    year: i16,
}

/// The activities to choose from: every current one, by name.
async fn activity_names(
    state: &AppState,
    ctx: &TenantCtx,
) -> Result<Vec<(ActivityId, String)>, PageError> {
    Ok(state
        .store
        .all_activities(&ctx.scope)
        .await?
        .into_iter()
        .filter(|a| a.is_current())
        .map(|a| (a.id, a.body.name))
        .collect())
}

struct Failed {
    typed: Typed,
    errors: BTreeMap<&'static str, String>,
    close_error: Option<(i64, String)>,
}

async fn page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &FollowQuery,
    failed: Option<Failed>,
) -> Result<FollowPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let lang = ctx.me.client.lang.code();
    let l = Layout::for_tenant(ctx, m.follow_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let names = activity_names(state, ctx).await?;
    let kind = FollowUpKind::parse(&q.kind);
    let status = FollowUpStatus::parse(&q.status);
    let activity = q.activite.parse().ok().map(ActivityId);
    let list = state
        .store
        .follow_ups(
            &ctx.scope,
            &FollowUpFilter {
                search: q.q.clone(),
                activity,
                kind,
                status,
            },
            Page::new(q.page, None),
        )
        .await?;
    let today = Timestamp::now().to_zoned(l.time_zone().clone()).date();
    let name_of = |id: ActivityId| names.iter().find(|(a, _)| *a == id).map(|(_, n)| n.clone());
    let rows = list
        .items
        .iter()
        .map(|f| ItemRow {
            id: f.id,
            kind: fl::kind(lang, f.kind),
            title: f.title.clone(),
            detail: f.detail.clone(),
            activity: f
                .activity
                .map(|a| (a.0, name_of(a).unwrap_or_else(|| format!("#{}", a.0)))),
            owner: f.owner.clone(),
            due: f.due.map(|d| d.to_string()).unwrap_or_default(),
            overdue: overdue(f.status, f.due, today),
            open: f.status == FollowUpStatus::Open,
            status: fl::status(lang, f.kind, f.status),
            response: f.response.clone(),
            by: format!("{} — {}", f.created_by, l.when(f.created_at)),
        })
        .collect();
    let base = format!("{}/suivi", ctx.base());
    let mut kinds = vec![Choice {
        value: "",
        label: m.requests_all,
        selected: kind.is_none(),
    }];
    kinds.extend(FollowUpKind::ALL.iter().map(|&k| Choice {
        value: k.as_str(),
        label: fl::kind(lang, k),
        selected: Some(k) == kind,
    }));
    let mut statuses = vec![Choice {
        value: "",
        label: m.requests_all,
        selected: status.is_none(),
    }];
    statuses.extend(FollowUpStatus::ALL.iter().map(|&s| Choice {
        value: s.as_str(),
        label: fl::any_status(lang, s),
        selected: Some(s) == status,
    }));
    let failed = failed.unwrap_or(Failed {
        typed: Typed::of(&[
            ("kind".into(), "advice".into()),
            ("activity".into(), q.activite.clone()),
        ]),
        errors: BTreeMap::new(),
        close_error: None,
    });
    let new_kinds = FollowUpKind::ALL
        .iter()
        .map(|&k| Choice {
            value: k.as_str(),
            label: fl::kind(lang, k),
            selected: failed.typed.get("kind") == k.as_str(),
        })
        .collect();
    Ok(FollowPage {
        pager: Pager::new(
            &list,
            &base,
            &query_of(&[
                ("q", &q.q),
                ("kind", &q.kind),
                ("status", &q.status),
                ("activite", &q.activite),
            ]),
        ),
        rows,
        q: q.q.clone(),
        kinds,
        statuses,
        activities: names
            .iter()
            .map(|(id, n)| (id.0, n.clone(), id.0.to_string() == q.activite))
            .collect(),
        new_activities: names
            .iter()
            .map(|(id, n)| {
                (
                    id.0,
                    n.clone(),
                    id.0.to_string() == failed.typed.get("activity"),
                )
            })
            .collect(),
        new_kinds,
        inputs: vec![("title", m.follow_item), ("owner", m.follow_owner)],
        can_write: ctx.scope.allows(Permission::Write),
        typed: failed.typed,
        errors: FieldErrors(failed.errors),
        close_error: failed.close_error,
        register: format!("{}/registre", ctx.base()),
        tenant_base: ctx.base(),
        year: today.year(),
        base,
        l,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<FollowQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "followup.list").await?;
    let p = page(&state, &ctx, &q, None).await?;
    ctx.trace(
        &state,
        "followup.list",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(p)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "followup.create").await?;
    let m = ctx.me.client.lang.msgs();
    let f = |k: &str| field(&pairs, k);
    let mut errors = BTreeMap::new();
    let due = match f("due").trim() {
        "" => None,
        d => match d.parse() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.insert("due", m.follow_err_due.to_owned());
                None
            }
        },
    };
    let activity = match f("activity").as_str() {
        "" => None,
        a => a.parse().ok().map(ActivityId),
    };
    let item = NewFollowUp {
        kind: FollowUpKind::parse(&f("kind")).unwrap_or(FollowUpKind::Advice),
        activity,
        title: f("title"),
        detail: f("detail"),
        owner: f("owner"),
        due,
    };
    let by = ctx.me.user.name.as_str().to_owned();
    // Every wrong field in the reader's words (the service refuses the
    // same).
    if let Err(problems) = item.clone().checked() {
        for p in problems {
            errors
                .entry(p.field())
                .or_insert_with(|| follow_problem(m, &p).to_owned());
        }
    }
    if errors.is_empty() {
        match followup::create(state.ctx(), &ctx.scope, item, &by, Timestamp::now()).await {
            Ok(saved) => {
                ctx.trace(
                    &state,
                    "followup.create",
                    &format!("follow_up:{}", saved.id),
                )
                .await?;
                return Ok(see_other(&format!("{}/suivi", ctx.base()), "saved"));
            }
            Err(e) => errors = field_errors(m, e)?,
        }
    }
    let failed = Failed {
        typed: Typed::of(&pairs),
        errors,
        close_error: None,
    };
    let p = page(&state, &ctx, &FollowQuery::default(), Some(failed)).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, p)
}

pub async fn close(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "followup.close").await?;
    let m = ctx.me.client.lang.msgs();
    let status = FollowUpStatus::parse(&field(&pairs, "status")).unwrap_or(FollowUpStatus::Open);
    let by = ctx.me.user.name.as_str().to_owned();
    let response = field(&pairs, "response");
    if let Err(p) = check_closing(status, &response) {
        let failed = Failed {
            typed: Typed::of(&[("kind".into(), "advice".into())]),
            errors: BTreeMap::new(),
            close_error: Some((id, follow_problem(m, &p).to_owned())),
        };
        // Another tenant's item stays unknown, whatever was typed.
        state.store.follow_up(&ctx.scope, id).await?;
        let p = page(&state, &ctx, &FollowQuery::default(), Some(failed)).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, p);
    }
    let result = followup::close(
        state.ctx(),
        &ctx.scope,
        id,
        status,
        &response,
        &by,
        Timestamp::now(),
    )
    .await;
    let message = match result {
        Ok(_) => {
            ctx.trace(
                &state,
                "followup.close",
                &format!("follow_up:{id} {}", status.as_str()),
            )
            .await?;
            return Ok(see_other(&format!("{}/suivi", ctx.base()), "saved"));
        }
        Err(e) => field_errors(m, e)?.into_values().next().unwrap_or_default(),
    };
    let failed = Failed {
        typed: Typed::of(&[("kind".into(), "advice".into())]),
        errors: BTreeMap::new(),
        close_error: Some((id, message)),
    };
    let p = page(&state, &ctx, &FollowQuery::default(), Some(failed)).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, p)
}

fn follow_problem(m: &'static crate::i18n::Msgs, p: &FollowUpProblem) -> &'static str {
    match p {
        FollowUpProblem::Title => m.follow_err_title,
        FollowUpProblem::Detail => m.follow_err_detail,
        FollowUpProblem::Owner => m.follow_err_owner,
        FollowUpProblem::Due => m.follow_err_due_missing,
        FollowUpProblem::Response => m.follow_err_response,
    }
}

struct EvidenceRow {
    id: i64,
    name: String,
    kind: &'static str,
    size: String,
    sha256: String,
    activity: Option<(i64, String)>,
    by: String,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    l: Layout,
    base: String,
    tenant_base: String,
    register: String,
    rows: Vec<EvidenceRow>,
    pager: Pager,
    activities: Vec<(i64, String, bool)>,
    error: Option<String>,
    can_write: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct EvidenceQuery {
    #[serde(default)]
    activite: String,
    page: Option<u32>,
    flash: Option<String>,
}

fn size_text(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} o"),
        b if b < 1024 * 1024 => format!("{} Kio", b / 1024),
        b => format!("{:.1} Mio", b as f64 / 1024.0 / 1024.0),
    }
}

async fn evidence_page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &EvidenceQuery,
    error: Option<String>,
) -> Result<EvidencePage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let lang = ctx.me.client.lang.code();
    let l = Layout::for_tenant(ctx, m.evidence_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let names = activity_names(state, ctx).await?;
    let activity = q.activite.parse().ok().map(ActivityId);
    let list = state
        .store
        .evidence(&ctx.scope, activity, Page::new(q.page, None))
        .await?;
    let name_of = |id: ActivityId| names.iter().find(|(a, _)| *a == id).map(|(_, n)| n.clone());
    let base = format!("{}/suivi/preuves", ctx.base());
    Ok(EvidencePage {
        rows: list
            .items
            .iter()
            .map(|e| EvidenceRow {
                id: e.id,
                name: e.name.clone(),
                kind: fl::evidence_type(lang, e.kind),
                size: size_text(e.size),
                sha256: e.sha256.clone(),
                activity: e
                    .activity
                    .map(|a| (a.0, name_of(a).unwrap_or_else(|| format!("#{}", a.0)))),
                by: format!("{} — {}", e.uploaded_by, l.when(e.uploaded_at)),
            })
            .collect(),
        pager: Pager::new(&list, &base, &query_of(&[("activite", &q.activite)])),
        activities: names
            .iter()
            .map(|(id, n)| (id.0, n.clone(), id.0.to_string() == q.activite))
            .collect(),
        error,
        can_write: ctx.scope.allows(Permission::Write),
        register: format!("{}/registre", ctx.base()),
        tenant_base: ctx.base(),
        base,
        l,
    })
}

pub async fn evidence_list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<EvidenceQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "evidence.list").await?;
    let p = evidence_page(&state, &ctx, &q, None).await?;
    ctx.trace(
        &state,
        "evidence.list",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(p)
}

/// An upload form's fields: the activity and the file, read from the
/// multipart body (already size-limited by the CSRF guard, which read it).
pub async fn evidence_upload(
    State(state): State<AppState>,
    ctx: TenantCtx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "evidence.add").await?;
    let m = ctx.me.client.lang.msgs();
    let parts = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::multipart::boundary)
        .and_then(|b| crate::multipart::parts(&body, &b));
    let failed = |error: String| async {
        let p = evidence_page(&state, &ctx, &EvidenceQuery::default(), Some(error)).await?;
        render_status(StatusCode::UNPROCESSABLE_ENTITY, p)
    };
    let Some(parts) = parts else {
        return failed(m.evidence_err_form.to_owned()).await;
    };
    let Some(file) = parts
        .iter()
        .find(|p| p.name == "file" && p.filename.is_some())
    else {
        return failed(m.evidence_err_form.to_owned()).await;
    };
    // What the service would refuse, said in the reader's words.
    let name = file.filename.as_deref().unwrap_or_default();
    if let Err(r) = EvidenceType::sniff(file.body).and_then(|_| evidence_name(name)) {
        let text = match r {
            EvidenceRefusal::Empty => m.evidence_err_empty,
            EvidenceRefusal::TooLarge => m.evidence_err_too_large,
            EvidenceRefusal::UnknownType => m.evidence_err_type,
            EvidenceRefusal::Name => m.evidence_err_name,
        };
        return failed(text.to_owned()).await;
    }
    let activity = crate::multipart::text(&parts, "activity")
        .and_then(|a| a.parse().ok())
        .map(ActivityId);
    let by = ctx.me.user.name.as_str().to_owned();
    let result = followup::add_evidence(
        state.ctx(),
        &ctx.scope,
        activity,
        name,
        file.body.to_vec(),
        &by,
        Timestamp::now(),
    )
    .await;
    match result {
        Ok(kept) => {
            ctx.trace(
                &state,
                "evidence.add",
                &format!("evidence:{} sha256:{}", kept.id, kept.sha256),
            )
            .await?;
            Ok(see_other(&format!("{}/suivi/preuves", ctx.base()), "saved"))
        }
        Err(e) => {
            let message = field_errors(m, e)?.into_values().next().unwrap_or_default();
            failed(message).await
        }
    }
}

/// A document handed back as a download of what its bytes are, with
/// `nosniff`: never shown inline, so a document cannot run in Vigie's
/// origin.
pub async fn evidence_file(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "evidence.read").await?;
    let (meta, bytes) = state.store.evidence_file(&ctx.scope, id).await?;
    ctx.trace(&state, "evidence.read", &format!("evidence:{id}"))
        .await?;
    Ok(document_download(&meta.name, meta.kind, bytes))
}

/// A kept document as a download (evidence, a person's documents; pages
/// and API alike): the type its bytes were read as, `attachment` with its
/// name, `nosniff`.
pub(crate) fn document_download(name: &str, kind: EvidenceType, bytes: Vec<u8>) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, kind.media_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    urlencoding::encode(name)
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

pub async fn evidence_delete(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "evidence.delete").await?;
    let gone = followup::delete_evidence(state.ctx(), &ctx.scope, id)
        .await
        .map_err(|e| match e {
            vigie_service::ServiceError::Store(s) => PageError::from(s),
            e => PageError::Internal(e.to_string()),
        })?;
    ctx.trace(
        &state,
        "evidence.delete",
        &format!("evidence:{id} sha256:{}", gone.sha256),
    )
    .await?;
    Ok(see_other(
        &format!("{}/suivi/preuves", ctx.base()),
        "deleted",
    ))
}
