//! The provider's sub-processor registry and its notices through the API
//! (C09, issue 20), with a provider token, as on the administration pages:
//! the registry; a change told to the chosen clients (each a 10-day window
//! on its calendar, its DPOs mailed); an objection's resolution recorded.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{NoticeId, SubProcessorId, subprocessor::ChangeKind, tenant::TenantSlug};
use vigie_service::subprocessors;

use super::{
    ApiError, ApiFailure, ApiJson, ListParams,
    problems::ProviderApi,
    service_failure,
    subprocessors::{SubProcessorOut, subprocessor_out},
};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryPage {
    pub items: Vec<SubProcessorOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// What a notice announces.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeIn {
    Added,
    Replaced,
}

/// A change told to clients.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeNoticeIn {
    pub kind: ChangeIn,
    /// Who is replaced, for a replacement.
    #[serde(default)]
    pub replaces: String,
    /// The processing activities concerned, as the clients will read them.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub activities: String,
    /// The clients' short names.
    #[schema(min_items = 1)]
    pub tenants: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeMadeOut {
    pub notice: i64,
}

/// How an objection was resolved.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResolutionIn {
    /// The client's short name.
    pub tenant: String,
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub resolution: String,
}

#[utoipa::path(get, path = "/api/v1/provider/subprocessors", tag = "provider", params(ListParams),
    responses((status = 200, description = "The provider's sub-processors (`q` in the name)", body = RegistryPage)),
    security(("bearer" = [])))]
pub async fn registry(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<RegistryPage>, ApiFailure> {
    let page = state
        .store
        .subprocessors(&q.q, super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.subprocessors.list", "instance")
        .await?;
    Ok(Json(RegistryPage {
        items: page.items.iter().map(subprocessor_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

async fn tenant_of(state: &AppState, slug: &str) -> Result<vigie_store::Tenant, ApiFailure> {
    let slug = TenantSlug::parse(slug).map_err(|_| ApiFailure::NotFound)?;
    Ok(state.store.tenant_by_slug(&slug).await?)
}

#[utoipa::path(post, path = "/api/v1/provider/subprocessors/{id}/notices", tag = "provider", request_body = ChangeNoticeIn,
    params(("id" = i64, Path, description = "Sub-processor id")),
    responses((status = 201, description = "Told: each client has its 10-day window, its DPOs are mailed", body = NoticeMadeOut),
              (status = 400, description = "A replacement without who is replaced, or the record refused by the transfer guard", body = ApiError),
              (status = 404, description = "No such sub-processor, or a client's short name unknown", body = ApiError)),
    security(("bearer" = [])))]
pub async fn notify(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ChangeNoticeIn>,
) -> Result<(StatusCode, Json<NoticeMadeOut>), ApiFailure> {
    let sp = state.store.subprocessor(SubProcessorId(id)).await?;
    let mut tenants = Vec::new();
    for slug in &input.tenants {
        let t = tenant_of(&state, slug).await?;
        if !tenants.iter().any(|x: &vigie_store::Tenant| x.id == t.id) {
            tenants.push(t);
        }
    }
    let kind = match input.kind {
        ChangeIn::Added => ChangeKind::Added,
        ChangeIn::Replaced => ChangeKind::Replaced,
    };
    let notice = subprocessors::notify(
        state.ctx(),
        &sp,
        kind,
        &input.replaces,
        &input.activities,
        &tenants,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    p.trace(
        &state,
        "api.provider.subprocessors.notify",
        &format!("notice:{notice}"),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(NoticeMadeOut { notice: notice.0 }),
    ))
}

#[utoipa::path(post, path = "/api/v1/provider/notices/{notice}/resolutions", tag = "provider", request_body = ResolutionIn,
    params(("notice" = i64, Path, description = "Notice id")),
    responses((status = 204, description = "The client's objection is resolved, as told"),
              (status = 404, body = ApiError),
              (status = 409, description = "The client did not object to this notice", body = ApiError)),
    security(("bearer" = [])))]
pub async fn resolve(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(notice): Path<i64>,
    ApiJson(input): ApiJson<ResolutionIn>,
) -> Result<StatusCode, ApiFailure> {
    let t = tenant_of(&state, &input.tenant).await?;
    subprocessors::resolve(
        state.ctx(),
        NoticeId(notice),
        t.id,
        &input.resolution,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    p.trace(
        &state,
        "api.provider.subprocessors.resolve",
        &format!("notice:{notice}/tenant:{}", t.id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
