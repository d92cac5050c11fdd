//! A tenant's connected systems and their datasets: listed, created and
//! edited; every save is checked against the dataset rules and the live
//! database, and a refusal says what is wrong, keeping what was typed.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_connect::ExecError;
use vigie_domain::{SystemId, role::Permission};
use vigie_service::{
    ServiceError,
    discovery::{self, Gap},
    systems::{self, SystemInput},
};
use vigie_store::{StoreError, System};

use super::forms::{ListQuery, flash_text, render, render_status, see_other};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    layout::{Layout, Pager, query_of},
};

pub struct Row {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub checked: String,
    pub note: String,
}

/// The form as typed, and what is wrong with it.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct SystemForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    dataset: String,
}

#[derive(Default)]
pub struct Errors {
    pub name: Option<&'static str>,
    pub url: Option<String>,
    /// The dataset's problems, one per line (technical, as written by the
    /// checker).
    pub dataset: Vec<String>,
}

#[derive(Template)]
#[template(path = "systems.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    pager: Pager,
    base: String,
    q: String,
    f: SystemForm,
    e: Errors,
    /// Connecting a system is the DPO's (C27).
    can_manage: bool,
}

/// A scan in the system's history.
pub struct ScanRow {
    pub id: i64,
    pub when: String,
    pub state: &'static str,
    pub message: String,
}

#[derive(Template)]
#[template(path = "system.html")]
struct EditPage {
    l: Layout,
    scans: Vec<ScanRow>,
    action: String,
    url_hint: String,
    checked: String,
    note: String,
    f: SystemForm,
    e: Errors,
    /// Runs a scan (reads a sample).
    can_write: bool,
    /// Changes the URL or the dataset (C27).
    can_manage: bool,
    /// Masked copies to a test database (C30): (when, target, state, rows, detail).
    copies: Vec<CopyRow>,
    copy_error: Option<String>,
    typed_to: String,
}

pub struct CopyRow {
    pub when: String,
    pub target: String,
    pub state: &'static str,
    pub rows: i64,
    pub detail: String,
}

pub(super) fn errors(m: &'static crate::i18n::Msgs, e: &ServiceError) -> Option<Errors> {
    let mut out = Errors::default();
    match e {
        ServiceError::Invalid { field: "name", .. } => out.name = Some(m.system_name_invalid),
        ServiceError::Invalid { field: "url", .. } => out.url = Some(m.system_url_invalid.into()),
        ServiceError::Exec(ExecError::Connect(c)) => {
            out.url = Some(crate::labels::connect_message(m, c));
        }
        ServiceError::Invalid { field: "role", .. } => out.url = Some(m.system_dpo_only.into()),
        ServiceError::Invalid {
            field: "dataset",
            message,
        } => out.dataset = message.lines().map(str::to_owned).collect(),
        ServiceError::Store(StoreError::Conflict(_)) => out.name = Some(m.system_name_invalid),
        _ => return None,
    }
    Some(out)
}

fn checked(l: &Layout, s: &System) -> String {
    s.checked_at.map(|t| l.when(t)).unwrap_or_default()
}

async fn list_page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &ListQuery,
    f: SystemForm,
    e: Errors,
) -> Result<ListPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.systems_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let list = state.store.systems(&ctx.scope, &q.q, q.page()).await?;
    let base = format!("{}/systemes", ctx.base());
    ctx.trace(state, "systems.list", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    Ok(ListPage {
        rows: list
            .items
            .iter()
            .map(|s| Row {
                id: s.id.0,
                name: s.name.clone(),
                url: s.url_hint.clone(),
                checked: checked(&l, s),
                note: s.check_result.clone(),
            })
            .collect(),
        pager: Pager::new(&list, &base, &query_of(&[("q", &q.q)])),
        base,
        q: q.q.clone(),
        f,
        e,
        can_manage: ctx.scope.allows(Permission::ManageSystems),
        l,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "systems.list").await?;
    render(list_page(&state, &ctx, &q, SystemForm::default(), Errors::default()).await?)
}

fn input(f: &SystemForm) -> SystemInput {
    SystemInput {
        name: f.name.clone(),
        url: f.url.clone(),
        dataset: f.dataset.clone(),
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(f): Form<SystemForm>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageSystems, "systems.create").await?;
    let m = ctx.me.client.lang.msgs();
    let actor = ctx.me.user.name.as_str().to_owned();
    match systems::create(
        state.ctx(),
        &ctx.scope,
        &input(&f),
        &actor,
        Timestamp::now(),
    )
    .await
    {
        Ok(s) => {
            ctx.trace(&state, "systems.create", &format!("system:{}", s.id))
                .await?;
            Ok(see_other(
                &format!("{}/systemes/{}", ctx.base(), s.id),
                "system_saved",
            ))
        }
        Err(err) => {
            let e = errors(m, &err).ok_or_else(|| super::service_error(err))?;
            // The URL holds a password: it is not sent back to the page.
            let f = SystemForm {
                url: String::new(),
                ..f
            };
            let page = list_page(&state, &ctx, &ListQuery::default(), f, e).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

pub(super) async fn system_of(
    state: &AppState,
    ctx: &TenantCtx,
    id: &str,
) -> Result<System, PageError> {
    let id: SystemId = id.parse().map_err(|_| PageError::NOT_FOUND)?;
    Ok(state.store.system(&ctx.scope, id).await?)
}

fn scan_state(m: &'static crate::i18n::Msgs, s: &str) -> &'static str {
    match s {
        "queued" => m.scan_state_queued,
        "running" => m.scan_state_running,
        "done" => m.scan_state_done,
        _ => m.scan_state_failed,
    }
}

/// What a scan found, in the reader's words: counted from its findings
/// once done (the stored summary is for the logs); a failure's reason as
/// it was recorded.
fn scan_message(l: &Layout, scan: &vigie_store::SystemScan) -> String {
    if scan.state != "done" {
        return scan.message.clone();
    }
    let m = l.m;
    let found = discovery::findings(scan);
    let gaps = found.iter().filter(|f| f.gap != Gap::Declared).count();
    let register = found.iter().filter(|f| f.register_gap).count();
    format!(
        "{}, {}, {}",
        l.count(found.len(), m.scan_column_one, m.scan_column_many),
        l.count(gaps, m.scan_gap_one, m.scan_gap_many),
        l.count(register, m.scan_register_one, m.scan_register_many)
    )
}

async fn edit_page(
    state: &AppState,
    ctx: &TenantCtx,
    s: &System,
    f: SystemForm,
    e: Errors,
    flash: Option<&str>,
) -> Result<EditPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let mut l =
        Layout::for_tenant(ctx, &s.name, state.settings.demo).with_flash(flash_text(m, flash));
    let copies: Vec<CopyRow> = state
        .store
        .copies(&ctx.scope, s.id)
        .await?
        .into_iter()
        .map(|c| CopyRow {
            when: l.when(c.created_at),
            target: c.target_hint,
            state: match c.state.as_str() {
                "queued" => m.copy_queued,
                "running" => m.copy_running,
                "done" => m.copy_done,
                _ => m.copy_failed,
            },
            rows: c.rows_copied,
            detail: if c.error.is_empty() {
                c.summary
            } else {
                c.error
            },
        })
        .collect();
    // Long work shows its progress: the page reloads itself meanwhile.
    if copies
        .iter()
        .any(|c| c.state == m.copy_queued || c.state == m.copy_running)
    {
        l.refresh = Some(5);
    }
    let scans = state
        .store
        .scans(&ctx.scope, s.id, 20)
        .await?
        .into_iter()
        .map(|x| ScanRow {
            id: x.id,
            when: l.when(x.requested_at),
            state: scan_state(m, &x.state),
            message: scan_message(&l, &x),
        })
        .collect();
    Ok(EditPage {
        scans,
        action: format!("{}/systemes/{}", ctx.base(), s.id),
        url_hint: s.url_hint.clone(),
        checked: checked(&l, s),
        note: s.check_result.clone(),
        f,
        e,
        can_write: ctx.scope.allows(Permission::Write),
        can_manage: ctx.scope.allows(Permission::ManageSystems),
        copies,
        copy_error: None,
        typed_to: String::new(),
        l,
    })
}

/// The DPO asks for a masked copy into a test database (C30); the worker
/// runs it and the page shows its progress.
pub async fn copy(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageSystems, "systems.copy").await?;
    let s = system_of(&state, &ctx, &id).await?;
    let to = super::forms::field(&pairs, "to");
    let actor = ctx.me.user.name.as_str().to_owned();
    match vigie_service::copies::request(
        state.ctx(),
        &ctx.scope,
        s.id,
        &to,
        &actor,
        Timestamp::now(),
    )
    .await
    {
        Ok(c) => {
            ctx.trace(
                &state,
                "systems.copy",
                &format!("system:{}:copy:{}", s.id, c.id),
            )
            .await?;
            Ok(see_other(
                &format!("{}/systemes/{}", ctx.base(), s.id),
                "copy_queued",
            ))
        }
        Err(ServiceError::Invalid { message, .. }) => {
            let f = SystemForm {
                name: s.name.clone(),
                url: String::new(),
                dataset: s.dataset.clone(),
            };
            let mut page = edit_page(&state, &ctx, &s, f, Errors::default(), None).await?;
            page.copy_error = Some(message);
            page.typed_to = to;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
        Err(e) => Err(PageError::Internal(e.to_string())),
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<super::forms::FlashQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "systems.show").await?;
    let s = system_of(&state, &ctx, &id).await?;
    ctx.trace(&state, "systems.show", &format!("system:{}", s.id))
        .await?;
    let f = SystemForm {
        name: s.name.clone(),
        url: String::new(),
        dataset: s.dataset.clone(),
    };
    render(edit_page(&state, &ctx, &s, f, Errors::default(), q.flash.as_deref()).await?)
}

pub async fn update(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<SystemForm>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageSystems, "systems.update").await?;
    let m = ctx.me.client.lang.msgs();
    let s = system_of(&state, &ctx, &id).await?;
    let actor = ctx.me.user.name.as_str().to_owned();
    match systems::update(
        state.ctx(),
        &ctx.scope,
        s.clone(),
        &input(&f),
        &actor,
        Timestamp::now(),
    )
    .await
    {
        Ok(s) => {
            ctx.trace(&state, "systems.update", &format!("system:{}", s.id))
                .await?;
            Ok(see_other(
                &format!("{}/systemes/{}", ctx.base(), s.id),
                "system_saved",
            ))
        }
        Err(err) => {
            let e = errors(m, &err).ok_or_else(|| super::service_error(err))?;
            let f = SystemForm {
                url: String::new(),
                ..f
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&state, &ctx, &s, f, e, None).await?,
            )
        }
    }
}

/// Queues a scan of the system (C39).
pub async fn scan(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "systems.scan").await?;
    let s = system_of(&state, &ctx, &id).await?;
    let scan = discovery::request(state.ctx(), &ctx.scope, s.id, Timestamp::now())
        .await
        .map_err(super::service_error)?;
    ctx.trace(
        &state,
        "systems.scan",
        &format!("system:{}/scan:{}", s.id, scan.id),
    )
    .await?;
    Ok(see_other(
        &format!("{}/systemes/{}", ctx.base(), s.id),
        "scan_queued",
    ))
}

pub struct FindingRow {
    pub table: String,
    pub column: String,
    pub kind: String,
    pub matched: usize,
    pub sampled: usize,
    pub example: String,
    pub sensitive: bool,
    pub gap: &'static str,
    pub acceptable: bool,
    /// Its table is not in the dataset: the assistant adds it.
    pub undeclared_table: bool,
    pub category: String,
    pub register_gap: bool,
    /// C38: birth dates of minors found.
    pub minors: usize,
    /// The first rows holding it, by key (issue 19).
    pub rows: Vec<String>,
}

#[derive(Template)]
#[template(path = "scan.html")]
struct ScanPage {
    l: Layout,
    system: String,
    base: String,
    state: &'static str,
    finished: bool,
    message: String,
    rows: Vec<FindingRow>,
    can_write: bool,
}

pub async fn scan_report(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, scan)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "systems.scan.read").await?;
    let s = system_of(&state, &ctx, &id).await?;
    let scan_id: i64 = scan.parse().map_err(|_| PageError::NOT_FOUND)?;
    let scan = state.store.scan(&ctx.scope, scan_id).await?;
    if scan.system != s.id {
        return Err(PageError::NOT_FOUND);
    }
    ctx.trace(&state, "systems.scan.read", &format!("scan:{}", scan.id))
        .await?;
    let m = ctx.me.client.lang.msgs();
    let rows = discovery::findings(&scan)
        .into_iter()
        .map(|f| FindingRow {
            gap: match f.gap {
                Gap::Declared => m.gap_declared,
                Gap::UndeclaredColumn => m.gap_undeclared_column,
                Gap::UndeclaredTable => m.gap_undeclared_table,
            },
            acceptable: f.gap == Gap::UndeclaredColumn,
            undeclared_table: f.gap == Gap::UndeclaredTable,
            register_gap: f.register_gap,
            minors: f.minors,
            table: f.table,
            column: f.column,
            kind: crate::labels::pii_kind(m, &f.kind).to_owned(),
            matched: f.matched,
            sampled: f.sampled,
            example: f.example,
            sensitive: f.sensitive,
            category: f.category,
            rows: f.rows,
        })
        .collect();
    let l = Layout::for_tenant(&ctx, m.scan_title, state.settings.demo);
    render(ScanPage {
        message: scan_message(&l, &scan),
        l,
        system: s.name.clone(),
        base: format!("{}/systemes/{}", ctx.base(), s.id),
        state: scan_state(m, &scan.state),
        finished: matches!(scan.state.as_str(), "done" | "failed"),
        rows,
        can_write: ctx.scope.allows(Permission::ManageSystems),
    })
}

#[derive(Deserialize)]
pub struct AcceptInput {
    #[serde(default)]
    table: String,
    #[serde(default)]
    column: String,
    #[serde(default)]
    category: String,
}

/// Adds a finding's column to the dataset, in one step (C39).
pub async fn accept(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<AcceptInput>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageSystems, "systems.accept").await?;
    let m = ctx.me.client.lang.msgs();
    let s = system_of(&state, &ctx, &id).await?;
    let target = format!("{}/systemes/{}", ctx.base(), s.id);
    let actor = ctx.me.user.name.as_str().to_owned();
    match discovery::accept(
        state.ctx(),
        &ctx.scope,
        s.clone(),
        (&f.table, &f.column),
        &f.category,
        &actor,
        Timestamp::now(),
    )
    .await
    {
        Ok(_) => {
            ctx.trace(
                &state,
                "systems.accept",
                &format!("system:{}/{}.{}", s.id, f.table, f.column),
            )
            .await?;
            Ok(see_other(&target, "scan_accepted"))
        }
        Err(err) => {
            let e = errors(m, &err).ok_or_else(|| super::service_error(err))?;
            let form = SystemForm {
                name: s.name.clone(),
                url: String::new(),
                dataset: s.dataset.clone(),
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&state, &ctx, &s, form, e, None).await?,
            )
        }
    }
}
