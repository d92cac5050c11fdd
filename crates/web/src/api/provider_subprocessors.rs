//! The provider's sub-processor registry and its notices through the API
//! (C08, C09, issue 20), with a provider token, as on the administration
//! pages: the registry and each record (made and changed under the
//! transfer guard); a change told to the chosen clients (each a 10-day
//! window on its calendar, its DPOs mailed); an objection's resolution
//! recorded.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{
    NoticeId, SubProcessorId,
    register::Safeguard,
    subprocessor::{ChangeKind, Country, Site, SubProcessor},
};
use vigie_service::subprocessors;
use vigie_store::StoredSubProcessor;

use super::{
    ApiError, ApiFailure, ApiJson, ListParams,
    problems::{ProviderApi, client_by_slug},
    service_failure,
    subprocessors::{SubProcessorOut, SubProcessorSiteOut, subprocessor_out},
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

/// A data centre as given: its name and its country's ISO 3166 code.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DataCentreIn {
    /// "Roubaix (RBX)", "Paris DC3"…
    pub name: String,
    /// Two capital letters: FR, DE, US…
    #[schema(pattern = "^[A-Z]{2}$")]
    pub country: String,
}

/// A sub-processor's record, whole (the same fields as the registry's
/// form): a change replaces every field.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubProcessorIn {
    /// 1 to 200 characters.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub contact: String,
    /// What it does with the data ("hébergement", "sauvegarde externalisée").
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub purpose: String,
    /// Where it keeps or reaches data: one at least.
    #[schema(min_items = 1)]
    pub sites: Vec<DataCentreIn>,
    /// ISO 27001, HDS…
    #[serde(default)]
    pub certifications: Vec<String>,
    /// The ground of transfers outside the EU/EEA, if any (C08).
    #[serde(default)]
    pub safeguard: Option<Safeguard>,
    /// For US sites: certified under the EU-US Data Privacy Framework.
    #[serde(default)]
    pub dpf_certified: bool,
}

/// A sub-processor's whole record, as the provider keeps it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubProcessorRecordOut {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub contact: String,
    pub purpose: String,
    pub sites: Vec<SubProcessorSiteOut>,
    pub certifications: Vec<String>,
    pub safeguard: Option<Safeguard>,
    pub dpf_certified: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl SubProcessorIn {
    /// The record, read as written: a country is two capital letters, not
    /// something the pages would tidy up.
    fn record(self) -> Result<SubProcessor, ApiFailure> {
        let mut sites = Vec::with_capacity(self.sites.len());
        for (i, s) in self.sites.into_iter().enumerate() {
            let country = Country::parse(&s.country)
                .ok()
                .filter(|c| c.as_str() == s.country)
                .ok_or_else(|| {
                    ApiFailure::BadRequest(format!(
                        "sites[{i}].country: two capital letters (FR, DE, US…)"
                    ))
                })?;
            sites.push(Site {
                name: s.name,
                country,
            });
        }
        Ok(SubProcessor {
            name: self.name,
            address: self.address,
            contact: self.contact,
            purpose: self.purpose,
            sites,
            certifications: self.certifications,
            safeguard: self.safeguard,
            dpf_certified: self.dpf_certified,
        })
    }
}

fn record_out(s: &StoredSubProcessor) -> SubProcessorRecordOut {
    let short = subprocessor_out(s);
    SubProcessorRecordOut {
        id: short.id,
        name: short.name,
        address: s.body.address.clone(),
        contact: s.body.contact.clone(),
        purpose: short.purpose,
        sites: short.sites,
        certifications: short.certifications,
        safeguard: s.body.safeguard,
        dpf_certified: s.body.dpf_certified,
        created_at: s.created_at.to_string(),
        updated_at: s.updated_at.to_string(),
    }
}

#[utoipa::path(post, path = "/api/v1/provider/subprocessors", tag = "provider", request_body = SubProcessorIn,
    responses((status = 201, description = "Recorded in the registry; no client is told until a notice is sent", body = SubProcessorRecordOut),
              (status = 400, description = "What is wrong, field by field, or the transfer guard's refusal (a site outside the EU/EEA with no ground, C08)", body = ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    p: ProviderApi,
    ApiJson(input): ApiJson<SubProcessorIn>,
) -> Result<(StatusCode, Json<SubProcessorRecordOut>), ApiFailure> {
    let body = input.record()?;
    let sp = subprocessors::create(state.ctx(), &body, Timestamp::now())
        .await
        .map_err(service_failure)?;
    p.trace(
        &state,
        "api.provider.subprocessors.create",
        &format!("subprocessor:{}", sp.id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(record_out(&sp))))
}

#[utoipa::path(get, path = "/api/v1/provider/subprocessors/{id}", tag = "provider",
    params(("id" = i64, Path, description = "Sub-processor id")),
    responses((status = 200, description = "The whole record", body = SubProcessorRecordOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
) -> Result<Json<SubProcessorRecordOut>, ApiFailure> {
    let sp = state.store.subprocessor(SubProcessorId(id)).await?;
    p.trace(
        &state,
        "api.provider.subprocessors.read",
        &format!("subprocessor:{id}"),
    )
    .await?;
    Ok(Json(record_out(&sp)))
}

#[utoipa::path(put, path = "/api/v1/provider/subprocessors/{id}", tag = "provider", request_body = SubProcessorIn,
    params(("id" = i64, Path, description = "Sub-processor id")),
    responses((status = 200, description = "Changed: every field replaced; clients are told by a notice, not by this", body = SubProcessorRecordOut),
              (status = 400, description = "What is wrong, field by field, or the transfer guard's refusal (C08)", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SubProcessorIn>,
) -> Result<Json<SubProcessorRecordOut>, ApiFailure> {
    let sp = state.store.subprocessor(SubProcessorId(id)).await?;
    let body = input.record()?;
    subprocessors::save(state.ctx(), sp.id, &body, Timestamp::now())
        .await
        .map_err(service_failure)?;
    p.trace(
        &state,
        "api.provider.subprocessors.save",
        &format!("subprocessor:{id}"),
    )
    .await?;
    Ok(Json(record_out(
        &state.store.subprocessor(SubProcessorId(id)).await?,
    )))
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
        let t = client_by_slug(&state, slug).await?;
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
    let t = client_by_slug(&state, &input.tenant).await?;
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
