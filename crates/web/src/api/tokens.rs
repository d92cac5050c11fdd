//! A tenant's API tokens through the API (issue 20), as on the tokens
//! page: the DPO's; a role the token's maker holds, 1 to 365 days, the
//! secret given once; revoked, a token stops at once.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{
    ApiTokenId,
    audit::Outcome,
    role::{Permission, Role},
};
use vigie_store::{ApiToken, NewApiToken};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, ListParams};
use crate::{AppState, secrets::token_hash};

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub expires_at: String,
    pub created_at: String,
    pub revoked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPage {
    pub items: Vec<TokenOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenIn {
    /// 1 to 100 characters, spaces around not counted.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub name: String,
    /// A role the token's maker holds in this tenant.
    pub role: Role,
    #[schema(minimum = 1, maximum = 365)]
    pub days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreatedOut {
    pub token: TokenOut,
    /// `vigie_…`: shown this once, stored only as a hash.
    pub secret: String,
}

fn token_out(t: &ApiToken) -> TokenOut {
    TokenOut {
        id: t.id.0,
        name: t.name.clone(),
        role: t.role,
        expires_at: t.expires_at.to_string(),
        created_at: t.created_at.to_string(),
        revoked: t.revoked,
    }
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(ListParams),
    responses((status = 200, description = "The tenant's tokens, newest first (never their secrets)", body = TokenPage)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<TokenPage>, ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.tokens.list")
        .await?;
    let page = state
        .store
        .list_tokens(&ctx.scope, super::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.tokens.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(TokenPage {
        items: page.items.iter().map(token_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = TokenIn,
    responses((status = 201, description = "Made; its secret is in the answer, and only there", body = TokenCreatedOut),
              (status = 400, description = "A name of more than 100 characters", body = ApiError),
              (status = 403, description = "Not the DPO's, or a role the maker does not hold", body = ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<TokenIn>,
) -> Result<(StatusCode, Json<TokenCreatedOut>), ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.tokens.create")
        .await?;
    // A token never carries more than its maker holds (issue 12): here the
    // maker is this token, acting with its own role.
    if !ctx.scope.roles().covers(input.role) {
        ctx.trace(&state, "api.tokens.create", "", Outcome::Denied)
            .await?;
        return Err(ApiFailure::Forbidden);
    }
    let name = vigie_service::token_name(&input.name)
        .ok_or_else(|| ApiFailure::BadRequest("name: 1 to 100 characters".into()))?;
    let days = vigie_service::token_days(input.days)
        .ok_or_else(|| ApiFailure::BadRequest("days: from 1 to 365".into()))?;
    let secret = vigie_service::new_token_secret();
    let now = Timestamp::now();
    let token = state
        .store
        .create_token(
            &ctx.scope,
            &NewApiToken {
                name: name.to_owned(),
                role: input.role,
                token_hash: token_hash(&secret),
                expires_at: now + SignedDuration::from_hours(24 * days),
                created_by: ctx.token.created_by,
                created_at: now,
            },
        )
        .await?;
    ctx.trace(
        &state,
        "api.tokens.create",
        &format!("token:{}", token.id),
        Outcome::Success,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreatedOut {
            token: token_out(&token),
            secret,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked: it stops at once (this one too, if named)"),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.tokens.revoke")
        .await?;
    state.store.revoke_token(&ctx.scope, ApiTokenId(id)).await?;
    ctx.trace(
        &state,
        "api.tokens.revoke",
        &format!("token:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
