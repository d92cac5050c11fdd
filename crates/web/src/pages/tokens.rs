//! A tenant's API tokens: a role and an expiry each, hashed at rest, shown
//! once.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use vigie_domain::{
    ApiTokenId,
    role::{Permission, Role},
};
use vigie_store::NewApiToken;

use super::forms::{ListQuery, render, render_status, see_other};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    layout::{Layout, Pager},
    secrets::{random_token, token_hash},
};

/// Tokens start with this, so that a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "vigie_";

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    pub expires: String,
    pub revoked: bool,
    pub expired: bool,
}

pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    l: Layout,
    rows: Vec<TokenRow>,
    pager: Pager,
    base: String,
    created: Option<String>,
    name: String,
    days: String,
    roles: Vec<RoleOption>,
    name_error: Option<&'static str>,
    days_error: Option<&'static str>,
    role_error: Option<&'static str>,
}

#[derive(Default)]
struct Draft {
    name: String,
    days: String,
    role: String,
    name_error: Option<&'static str>,
    days_error: Option<&'static str>,
    role_error: Option<&'static str>,
    created: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &ListQuery,
    d: Draft,
) -> Result<TokensPage, PageError> {
    let l = Layout::for_tenant(
        ctx,
        ctx.me.client.lang.msgs().tokens_title,
        state.settings.demo,
    );
    let list = state.store.list_tokens(&ctx.scope, q.page()).await?;
    let base = format!("{}/tokens", ctx.base());
    let now = Timestamp::now();
    let rows = list
        .items
        .iter()
        .map(|t| TokenRow {
            id: t.id.0,
            name: t.name.clone(),
            role: l.role_label(t.role),
            expires: l.when(t.expires_at),
            revoked: t.revoked,
            expired: t.expires_at < now,
        })
        .collect();
    let role = if d.role.is_empty() {
        "auditor"
    } else {
        d.role.as_str()
    };
    // A token never carries more than its creator holds (issue 12).
    let roles = Role::ALL
        .into_iter()
        .filter(|r| ctx.scope.roles().covers(*r))
        .map(|r| RoleOption {
            value: r.as_str(),
            label: l.role_label(r),
            selected: r.as_str() == role,
        })
        .collect();
    ctx.trace(state, "tokens.list", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    Ok(TokensPage {
        pager: Pager::new(&list, &base, ""),
        l,
        rows,
        base,
        created: d.created,
        name: d.name,
        days: if d.days.is_empty() {
            "90".into()
        } else {
            d.days
        },
        roles,
        name_error: d.name_error,
        days_error: d.days_error,
        role_error: d.role_error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "tokens.list").await?;
    render(page(&state, &ctx, &q, Draft::default()).await?)
}

#[derive(Deserialize)]
pub struct CreateInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    days: String,
}

pub async fn create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(f): Form<CreateInput>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "token.create").await?;
    let m = ctx.me.client.lang.msgs();
    let name = f.name.trim();
    let days = f
        .days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=365).contains(d));
    let role = Role::parse(&f.role).filter(|r| ctx.scope.roles().covers(*r));
    let name_ok = !name.is_empty() && name.chars().count() <= 100;
    let (Some(days), Some(role), true) = (days, role, name_ok) else {
        let d = Draft {
            name: f.name.clone(),
            days: f.days.clone(),
            role: f.role.clone(),
            name_error: (!name_ok).then_some(m.token_name_invalid),
            days_error: days.is_none().then_some(m.token_days_invalid),
            role_error: role.is_none().then_some(m.token_role_not_held),
            created: None,
        };
        let p = page(&state, &ctx, &ListQuery::default(), d).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, p);
    };
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let now = Timestamp::now();
    let token = state
        .store
        .create_token(
            &ctx.scope,
            &NewApiToken {
                name: name.to_owned(),
                role,
                token_hash: token_hash(&secret),
                expires_at: now + SignedDuration::from_hours(24 * days),
                created_by: Some(ctx.me.user.id),
                created_at: now,
            },
        )
        .await?;
    ctx.trace(&state, "token.create", &format!("token:{}", token.id))
        .await?;
    let d = Draft {
        created: Some(secret),
        ..Draft::default()
    };
    render(page(&state, &ctx, &ListQuery::default(), d).await?)
}

pub async fn revoke(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "token.revoke").await?;
    state.store.revoke_token(&ctx.scope, ApiTokenId(id)).await?;
    ctx.trace(&state, "token.revoke", &format!("token:{id}"))
        .await?;
    Ok(see_other(&format!("{}/tokens", ctx.base()), "saved"))
}
