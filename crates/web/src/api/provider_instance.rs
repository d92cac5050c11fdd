//! The instance's own settings through the API (issue 20), with a provider
//! token, as on the administration pages: databases shared between
//! clients (C27: which client sees which rows), the sweeps of Vigie's own
//! data with their signed reports (C22), and the provider's tokens.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{TenantId, tenant::TenantSlug};
use vigie_service::targets::{self, SharedInput};
use vigie_store::{ProviderToken, TargetBinding, TargetOwner};

use super::{
    ApiError, ApiFailure, ApiJson, ListParams, problems::ProviderApi, provider_admin::PageParams,
    service_failure,
};
use crate::{AppState, secrets::token_hash};

/// A client's rows in a shared database: where `column` holds `value`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ShareOut {
    /// The client's short name.
    pub tenant: String,
    pub value: String,
}

/// A database Vigie knows, and whose it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseOut {
    /// What the database is, whatever the address it is reached by.
    pub identity: String,
    /// Where it was reached from, without credentials.
    pub location: String,
    /// Shared between clients, or one client's own.
    pub shared: bool,
    /// The owning client's short name, when it is one client's.
    pub tenant: Option<String>,
    /// Shared: the provider's name for it.
    pub label: String,
    /// Shared: the column that tells whose rows are whose.
    pub column: String,
    pub shares: Vec<ShareOut>,
    pub bound_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DatabasePage {
    pub items: Vec<DatabaseOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A database shared between clients, declared.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SharedDatabaseIn {
    /// How Vigie reaches it (only a place the provider's `[connect]` list
    /// allows); not kept: each client's system has its own address.
    pub url: String,
    /// 1 to 100 characters.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub label: String,
    /// The column that tells whose rows are whose.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub column: String,
    /// Each client and its value in `column`; one at least.
    #[schema(min_items = 1)]
    pub shares: Vec<ShareOut>,
}

/// A database to forget.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReleaseIn {
    pub identity: String,
}

async fn slug_of(state: &AppState, id: TenantId) -> Result<String, ApiFailure> {
    Ok(state.store.tenant(id).await?.slug.to_string())
}

/// A binding as the provider reads it: clients by their short names.
async fn database_out(state: &AppState, b: &TargetBinding) -> Result<DatabaseOut, ApiFailure> {
    let mut shares = Vec::with_capacity(b.tenants.len());
    for (t, value) in &b.tenants {
        shares.push(ShareOut {
            tenant: slug_of(state, *t).await?,
            value: value.clone(),
        });
    }
    Ok(DatabaseOut {
        identity: b.identity.clone(),
        location: b.location.clone(),
        shared: b.owner == TargetOwner::Shared,
        tenant: match b.owner {
            TargetOwner::Tenant(t) => Some(slug_of(state, t).await?),
            TargetOwner::Shared => None,
        },
        label: b.label.clone(),
        column: b.column.clone(),
        shares,
        bound_at: b.bound_at.to_string(),
    })
}

#[utoipa::path(get, path = "/api/v1/provider/databases", tag = "provider", params(ListParams),
    responses((status = 200, description = "The databases Vigie knows and whose each is (`q` in the identity or the name)", body = DatabasePage)),
    security(("bearer" = [])))]
pub async fn databases(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<DatabasePage>, ApiFailure> {
    let page = state
        .store
        .targets(&q.q, super::page_of(q.page, q.page_size)?)
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for b in &page.items {
        items.push(database_out(&state, b).await?);
    }
    p.trace(&state, "api.provider.databases.list", "instance")
        .await?;
    Ok(Json(DatabasePage {
        items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/provider/databases", tag = "provider", request_body = SharedDatabaseIn,
    responses((status = 201, description = "Declared (or, already shared, its clients and values replaced): each client listed sees only its rows, no other client can connect a system to it", body = DatabaseOut),
              (status = 400, description = "A field is wrong (named), the address refused or unreachable, or one client already holds this database", body = ApiError)),
    security(("bearer" = [])))]
pub async fn declare(
    State(state): State<AppState>,
    p: ProviderApi,
    ApiJson(input): ApiJson<SharedDatabaseIn>,
) -> Result<(StatusCode, Json<DatabaseOut>), ApiFailure> {
    // The service reads the pages' « client = value » lines: each pair
    // written so, with nothing that could start another line.
    let mut lines = String::new();
    for (i, s) in input.shares.iter().enumerate() {
        TenantSlug::parse(&s.tenant)
            .ok()
            .filter(|t| t.as_str() == s.tenant)
            .ok_or_else(|| {
                ApiFailure::BadRequest(format!("shares[{i}].tenant: a client's short name"))
            })?;
        if s.value.contains(['\n', '\r']) {
            return Err(ApiFailure::BadRequest(format!(
                "shares[{i}].value: one line"
            )));
        }
        lines.push_str(&format!("{} = {}\n", s.tenant, s.value));
    }
    let b = targets::declare_shared(
        state.ctx(),
        &SharedInput {
            url: input.url,
            label: input.label,
            column: input.column,
            tenants: lines,
        },
        Timestamp::now(),
    )
    .await
    .map_err(|e| match service_failure(e) {
        // The service names the pages' field.
        ApiFailure::BadRequest(m) => ApiFailure::BadRequest(
            m.strip_prefix("tenants:")
                .map(|rest| format!("shares:{rest}"))
                .unwrap_or(m),
        ),
        other => other,
    })?;
    p.trace(
        &state,
        "api.provider.databases.share",
        &format!("target:{}", b.identity),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(database_out(&state, &b).await?)))
}

#[utoipa::path(post, path = "/api/v1/provider/databases/release", tag = "provider", request_body = ReleaseIn,
    responses((status = 204, description = "Forgotten: a client may connect a system to it again"),
              (status = 404, description = "No database with this identity", body = ApiError)),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    p: ProviderApi,
    ApiJson(input): ApiJson<ReleaseIn>,
) -> Result<StatusCode, ApiFailure> {
    state.store.release_target(&input.identity).await?;
    p.trace(
        &state,
        "api.provider.databases.release",
        &format!("target:{}", input.identity),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What one step of a sweep counted and changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SweepLineOut {
    /// The step: `inactive_accounts`, `closed_requests`,
    /// `consent_records`…
    pub what: String,
    /// The client, for its requests.
    pub tenant: Option<i64>,
    pub matched: i64,
    pub changed: i64,
}

/// A sweep of Vigie's own data (C22).
#[derive(Debug, Serialize, ToSchema)]
pub struct SweepOut {
    pub id: i64,
    /// Counted only, nothing changed.
    pub dry: bool,
    pub started_by: String,
    pub started_at: String,
    /// None while it runs (or when it was cut short: the next night
    /// resumes it).
    pub ended_at: Option<String>,
    /// Its report is signed with the instance's key.
    pub signed: bool,
    /// The retention policy applied, as (what, period).
    pub policy: Vec<(String, String)>,
    pub lines: Vec<SweepLineOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SweepPage {
    pub items: Vec<SweepOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[utoipa::path(get, path = "/api/v1/provider/own-data/sweeps", tag = "provider", params(PageParams),
    responses((status = 200, description = "The sweeps of Vigie's own data, latest first, with what each counted and changed", body = SweepPage)),
    security(("bearer" = [])))]
pub async fn sweeps(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<PageParams>,
) -> Result<Json<SweepPage>, ApiFailure> {
    let page = state
        .store
        .own_sweeps(super::page_of(q.page, q.page_size)?)
        .await?;
    let key = Some(state.settings.trail_public_key.as_str()).filter(|k| !k.is_empty());
    let items = page
        .items
        .iter()
        .map(|s| {
            let report: Option<vigie_service::own_data::OwnReport> =
                serde_json::from_str(&s.report).ok();
            let (policy, lines) = report.map(|r| (r.policy, r.lines)).unwrap_or_default();
            SweepOut {
                id: s.id,
                dry: s.dry,
                started_by: s.started_by.clone(),
                started_at: s.started_at.to_string(),
                ended_at: s.ended_at.map(|t| t.to_string()),
                signed: s.ended_at.is_some() && vigie_service::own_data::signed(s, key),
                policy,
                lines: lines
                    .into_iter()
                    .map(|l| SweepLineOut {
                        what: l.what,
                        tenant: l.tenant,
                        matched: l.matched,
                        changed: l.changed,
                    })
                    .collect(),
            }
        })
        .collect();
    p.trace(&state, "api.provider.own_data.list", "instance")
        .await?;
    Ok(Json(SweepPage {
        items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(get, path = "/api/v1/provider/own-data/sweeps/{id}/report", tag = "provider",
    params(("id" = i64, Path, description = "Sweep id")),
    responses((status = 200, description = "The sweep's signed report, as `vigie retention verify` reads it", body = serde_json::Value),
              (status = 404, description = "No such sweep, or one still running", body = ApiError)),
    security(("bearer" = [])))]
pub async fn sweep_report(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
) -> Result<Response, ApiFailure> {
    let s = state.store.own_sweep(id).await?;
    if s.ended_at.is_none() {
        return Err(ApiFailure::NotFound);
    }
    p.trace(
        &state,
        "api.provider.own_data.report",
        &format!("own_sweep:{id}"),
    )
    .await?;
    Ok(Json(vigie_service::own_data::exported(&s)).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderTokenOut {
    pub id: i64,
    pub name: String,
    pub expires_at: String,
    pub created_at: String,
    pub revoked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderTokenPage {
    pub items: Vec<ProviderTokenOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProviderTokenIn {
    /// 1 to 100 characters, spaces around not counted.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub name: String,
    #[schema(minimum = 1, maximum = 365)]
    pub days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderTokenCreatedOut {
    pub token: ProviderTokenOut,
    /// `vigie_…`: shown this once, stored only as a hash.
    pub secret: String,
}

fn provider_token_out(t: &ProviderToken) -> ProviderTokenOut {
    ProviderTokenOut {
        id: t.id,
        name: t.name.clone(),
        expires_at: t.expires_at.to_string(),
        created_at: t.created_at.to_string(),
        revoked: t.revoked,
    }
}

#[utoipa::path(get, path = "/api/v1/provider/tokens", tag = "provider", params(PageParams),
    responses((status = 200, description = "The provider's tokens, newest first (never their secrets)", body = ProviderTokenPage)),
    security(("bearer" = [])))]
pub async fn tokens(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<PageParams>,
) -> Result<Json<ProviderTokenPage>, ApiFailure> {
    let page = state
        .store
        .provider_tokens(super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.tokens.list", "instance")
        .await?;
    Ok(Json(ProviderTokenPage {
        items: page.items.iter().map(provider_token_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/provider/tokens", tag = "provider", request_body = ProviderTokenIn,
    responses((status = 201, description = "Made for the same administrator as this token; its secret is in the answer, and only there", body = ProviderTokenCreatedOut),
              (status = 400, description = "A name of more than 100 characters", body = ApiError)),
    security(("bearer" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    p: ProviderApi,
    ApiJson(input): ApiJson<ProviderTokenIn>,
) -> Result<(StatusCode, Json<ProviderTokenCreatedOut>), ApiFailure> {
    let name = vigie_service::token_name(&input.name)
        .ok_or_else(|| ApiFailure::BadRequest("name: 1 to 100 characters".into()))?;
    let days = vigie_service::token_days(input.days)
        .ok_or_else(|| ApiFailure::BadRequest("days: from 1 to 365".into()))?;
    let secret = vigie_service::new_token_secret();
    let now = Timestamp::now();
    let token = state
        .store
        .create_provider_token(
            name,
            &token_hash(&secret),
            now + SignedDuration::from_hours(24 * days),
            p.token.created_by,
            now,
        )
        .await?;
    p.trace(
        &state,
        "api.provider.tokens.create",
        &format!("provider-token:{}", token.id),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ProviderTokenCreatedOut {
            token: provider_token_out(&token),
            secret,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/provider/tokens/{id}", tag = "provider",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked: it stops at once (this one too, if named)"),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    state.store.revoke_provider_token(id).await?;
    p.trace(
        &state,
        "api.provider.tokens.revoke",
        &format!("provider-token:{id}"),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
