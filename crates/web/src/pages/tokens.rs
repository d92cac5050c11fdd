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
    auth::{ProviderAdmin, SignedIn, TenantCtx, require_traced},
    error::PageError,
    layout::{Layout, Pager},
    secrets::token_hash,
};

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
    intro: &'static str,
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
        intro: ctx.me.client.lang.msgs().tokens_intro,
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

/// The name and lifetime of a new token, or the form again with what is
/// wrong (`role_ok`: the role asked is one the maker holds).
fn checked(
    m: &'static crate::i18n::Msgs,
    f: &CreateInput,
    role_ok: bool,
) -> Result<(String, i64), Box<Draft>> {
    let name = vigie_service::token_name(&f.name);
    let days = f
        .days
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(vigie_service::token_days);
    let name_ok = name.is_some();
    match (name, days, role_ok) {
        (Some(name), Some(days), true) => Ok((name.to_owned(), days)),
        _ => Err(Box::new(Draft {
            name: f.name.clone(),
            days: f.days.clone(),
            role: f.role.clone(),
            name_error: (!name_ok).then_some(m.token_name_invalid),
            days_error: days.is_none().then_some(m.token_days_invalid),
            role_error: (!role_ok).then_some(m.token_role_not_held),
            created: None,
        })),
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(f): Form<CreateInput>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "token.create").await?;
    let m = ctx.me.client.lang.msgs();
    let role = Role::parse(&f.role).filter(|r| ctx.scope.roles().covers(*r));
    let (Ok((name, days)), Some(role)) = (checked(m, &f, role.is_some()), role) else {
        let d = checked(m, &f, role.is_some())
            .err()
            .map(|d| *d)
            .unwrap_or_default();
        let p = page(&state, &ctx, &ListQuery::default(), d).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, p);
    };
    let secret = vigie_service::new_token_secret();
    let now = Timestamp::now();
    let token = state
        .store
        .create_token(
            &ctx.scope,
            &NewApiToken {
                name,
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

/// The provider's own tokens, for its monitoring (`/api/v1/provider`).
async fn provider_page(
    state: &AppState,
    me: &SignedIn,
    q: &ListQuery,
    d: Draft,
) -> Result<TokensPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(me, None, m.provider_tokens_title, state.settings.demo);
    let list = state.store.provider_tokens(q.page()).await?;
    let base = "/admin/jetons".to_owned();
    let now = Timestamp::now();
    let rows = list
        .items
        .iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name.clone(),
            role: m.provider_token_role,
            expires: l.when(t.expires_at),
            revoked: t.revoked,
            expired: t.expires_at < now,
        })
        .collect();
    me.trace(state, None, "provider_tokens.list", "instance")
        .await?;
    Ok(TokensPage {
        intro: m.provider_tokens_intro,
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
        roles: Vec::new(),
        name_error: d.name_error,
        days_error: d.days_error,
        role_error: None,
    })
}

pub async fn provider_list(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    render(provider_page(&state, &me, &q, Draft::default()).await?)
}

pub async fn provider_create(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Form(f): Form<CreateInput>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let (name, days) = match checked(m, &f, true) {
        Ok(v) => v,
        Err(d) => {
            let p = provider_page(&state, &me, &ListQuery::default(), *d).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, p);
        }
    };
    let secret = vigie_service::new_token_secret();
    let now = Timestamp::now();
    let token = state
        .store
        .create_provider_token(
            &name,
            &token_hash(&secret),
            now + SignedDuration::from_hours(24 * days),
            me.user.id,
            now,
        )
        .await?;
    me.trace(
        &state,
        None,
        "provider_token.create",
        &format!("provider-token:{}", token.id),
    )
    .await?;
    let d = Draft {
        created: Some(secret),
        ..Draft::default()
    };
    render(provider_page(&state, &me, &ListQuery::default(), d).await?)
}

pub async fn provider_revoke(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    state.store.revoke_provider_token(id).await?;
    me.trace(
        &state,
        None,
        "provider_token.revoke",
        &format!("provider-token:{id}"),
    )
    .await?;
    Ok(see_other("/admin/jetons", "saved"))
}
