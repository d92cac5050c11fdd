//! The provider's own inbox of rights requests through the API (C14,
//! issue 20), with a provider token, as its administrators see it on the
//! pages: the requests the provider received (`provider_tenant`), and a
//! request about a client's data forwarded to that client, who answers it.

use axum::{
    Json,
    extract::{Path, Query, State},
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{RequestId, scope::TenantScope};
use vigie_service::rights;
use vigie_store::Tenant;

use super::{
    ApiError, ApiFailure, ApiJson,
    problems::ProviderApi,
    requests::{RequestPage, RequestParams, RequestSummaryOut, step_failure, summary},
};
use crate::AppState;

/// Where the request goes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ForwardIn {
    /// The client organisation's short name.
    pub client: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ForwardedOut {
    /// The client's copy, received on the original date, on its calendar.
    pub copy: RequestSummaryOut,
    /// The client's DPOs and agents told (0: nobody to tell yet).
    pub told: usize,
}

/// The provider's own organisation: 404 when none is configured.
async fn inbox(state: &AppState) -> Result<Tenant, ApiFailure> {
    let slug = state
        .settings
        .provider_tenant
        .clone()
        .ok_or(ApiFailure::NotFound)?;
    Ok(state.store.tenant_by_slug(&slug).await?)
}

#[utoipa::path(get, path = "/api/v1/provider/requests", tag = "provider", params(RequestParams),
    responses((status = 200, description = "The rights requests the provider received (its own organisation's), as `/requests` lists them", body = RequestPage),
              (status = 404, description = "No provider organisation is configured", body = ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<RequestParams>,
) -> Result<Json<RequestPage>, ApiFailure> {
    let provider = inbox(&state).await?;
    let today = crate::request_list::today();
    let due = crate::request_list::due_of(&q.due)
        .ok_or_else(|| ApiFailure::BadRequest("due: open, soon, late, stalled or all".into()))?;
    let filter = crate::request_list::filter_for(&q.q, due, today);
    let page = state
        .store
        .requests(
            &TenantScope::of_provider(provider.id),
            &filter,
            super::page_of(q.page, q.page_size)?,
        )
        .await?;
    p.trace(&state, "api.provider.requests.list", "instance")
        .await?;
    Ok(Json(RequestPage {
        items: page.items.iter().map(|r| summary(r, today)).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/provider/requests/{id}/forward", tag = "provider", request_body = ForwardIn,
    params(("id" = i64, Path, description = "Request id, in the provider's inbox")),
    responses((status = 200, description = "Forwarded: the client has its copy and its agents are told; the provider does not answer it", body = ForwardedOut),
              (status = 400, description = "The client named is the provider itself", body = ApiError),
              (status = 404, description = "No such request in the inbox, or no such client", body = ApiError),
              (status = 409, description = "The request's state does not allow it (forwarded already, closed)", body = ApiError)),
    security(("bearer" = [])))]
pub async fn forward(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ForwardIn>,
) -> Result<Json<ForwardedOut>, ApiFailure> {
    let provider = inbox(&state).await?;
    let r = state
        .store
        .request(&TenantScope::of_provider(provider.id), RequestId(id))
        .await?;
    let client = super::problems::client_by_slug(&state, &input.client).await?;
    let actor = p.actor_label();
    let f = rights::forward(
        state.ctx(),
        &r,
        &provider,
        &client,
        &actor,
        Timestamp::now(),
    )
    .await
    .map_err(step_failure)?;
    p.trace(
        &state,
        "api.provider.requests.forward",
        &format!("request:{id}/tenant:{}", client.id),
    )
    .await?;
    Ok(Json(ForwardedOut {
        copy: summary(&f.copy, crate::request_list::today()),
        told: f.told,
    }))
}
