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
use vigie_domain::{SystemId, role::Permission};
use vigie_service::{
    ServiceError,
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
    pub url: Option<&'static str>,
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
    can_write: bool,
}

#[derive(Template)]
#[template(path = "system.html")]
struct EditPage {
    l: Layout,
    action: String,
    url_hint: String,
    checked: String,
    note: String,
    f: SystemForm,
    e: Errors,
    can_write: bool,
}

fn errors(m: &'static crate::i18n::Msgs, e: &ServiceError) -> Option<Errors> {
    let mut out = Errors::default();
    match e {
        ServiceError::Invalid { field: "name", .. } => out.name = Some(m.system_name_invalid),
        ServiceError::Invalid { field: "url", .. } => out.url = Some(m.system_url_invalid),
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
        can_write: ctx.scope.allows(Permission::Write),
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
    require_traced(&state, &ctx, Permission::Write, "systems.create").await?;
    let m = ctx.me.client.lang.msgs();
    match systems::create(state.ctx(), &ctx.scope, &input(&f), Timestamp::now()).await {
        Ok(s) => {
            ctx.trace(&state, "systems.create", &format!("system:{}", s.id))
                .await?;
            Ok(see_other(
                &format!("{}/systemes/{}", ctx.base(), s.id),
                "system_saved",
            ))
        }
        Err(err) => {
            let e = errors(m, &err).ok_or_else(|| service_error(err))?;
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

fn service_error(e: ServiceError) -> PageError {
    match e {
        ServiceError::Store(e) => PageError::Store(e),
        e => PageError::Internal(e.to_string()),
    }
}

async fn system_of(state: &AppState, ctx: &TenantCtx, id: &str) -> Result<System, PageError> {
    let id: SystemId = id.parse().map_err(|_| PageError::NOT_FOUND)?;
    Ok(state.store.system(ctx.tenant.id, id).await?)
}

fn edit_page(
    state: &AppState,
    ctx: &TenantCtx,
    s: &System,
    f: SystemForm,
    e: Errors,
    flash: Option<&str>,
) -> EditPage {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, &s.name, state.settings.demo).with_flash(flash_text(m, flash));
    EditPage {
        action: format!("{}/systemes/{}", ctx.base(), s.id),
        url_hint: s.url_hint.clone(),
        checked: checked(&l, s),
        note: s.check_result.clone(),
        f,
        e,
        can_write: ctx.scope.allows(Permission::Write),
        l,
    }
}

#[derive(Deserialize)]
pub struct ShowQuery {
    flash: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
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
    render(edit_page(
        &state,
        &ctx,
        &s,
        f,
        Errors::default(),
        q.flash.as_deref(),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<SystemForm>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "systems.update").await?;
    let m = ctx.me.client.lang.msgs();
    let s = system_of(&state, &ctx, &id).await?;
    match systems::update(
        state.ctx(),
        &ctx.scope,
        s.clone(),
        &input(&f),
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
            let e = errors(m, &err).ok_or_else(|| service_error(err))?;
            let f = SystemForm {
                url: String::new(),
                ..f
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                edit_page(&state, &ctx, &s, f, e, None),
            )
        }
    }
}
