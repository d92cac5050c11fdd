//! Consent in the API (C35, C37): the tenant's sites, the recorded
//! choices and a device's proof and current choices; the suppression list
//! checked and fed by the organisation's tools — values sent in a body,
//! compared by keyed hash, never returned.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{audit::Outcome, consent::Category, rights::Channel, role::Permission};
use vigie_service::consent;
use vigie_store::StoredConsent;

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, service_failure};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct SiteOut {
    pub id: i64,
    pub name: String,
    pub origin: String,
    pub notice_version: String,
    /// `<script src=…>` for the site's pages.
    pub script: String,
    /// Per purpose (`performance`, `third_party`…), its services.
    #[schema(value_type = Object)]
    pub purposes: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentOut {
    pub seq: i64,
    pub at: String,
    pub site: i64,
    pub device: String,
    /// `accept_all`, `refuse_all`, `partial` or `withdraw`.
    pub kind: String,
    /// Per purpose, given or not.
    #[schema(value_type = Object)]
    pub choices: serde_json::Value,
    /// `banner`, `form` or `paper`.
    pub method: String,
    pub notice_version: String,
    /// Its hash in the tenant's chain.
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentPage {
    pub items: Vec<ConsentOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A choice given on a form or on paper, recorded by the organisation's
/// tool (the banner's own go through `POST /c/{key}/choix`).
#[derive(Deserialize, ToSchema)]
pub struct ChoiceIn {
    /// The site's id (`GET /api/v1/consent/sites`).
    pub site: i64,
    /// A pseudonymous identifier of the device or person (16–64 letters,
    /// digits or dashes): never an address or a name.
    #[schema(pattern = "^[A-Za-z0-9-]{16,64}$")]
    pub device: String,
    /// Per optional purpose of the site (`performance`, `functional`,
    /// `advertising`, `third_party`), given or not.
    pub choices: std::collections::BTreeMap<String, bool>,
    /// `form` or `paper`.
    #[schema(pattern = "^(form|paper)$")]
    pub method: String,
}

#[derive(Deserialize, ToSchema)]
pub struct SuppressionIn {
    /// `email`, `sms` or `phone`.
    #[schema(pattern = "^(email|sms|phone)$")]
    pub channel: String,
    pub value: String,
}

#[derive(Serialize, ToSchema)]
pub struct SuppressedOut {
    pub suppressed: bool,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecordParams {
    #[serde(default)]
    pub device: String,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

fn consent_out(c: &StoredConsent) -> ConsentOut {
    ConsentOut {
        seq: c.record.seq,
        at: c.record.at.to_string(),
        site: c.record.site,
        device: c.record.device.clone(),
        kind: c.record.kind.as_str().into(),
        choices: serde_json::to_value(&c.record.choices).unwrap_or_default(),
        method: c.record.method.as_str().into(),
        notice_version: c.record.notice_version.clone(),
        hash: c.hash.to_hex(),
    }
}

fn site_out(base: &str, s: vigie_store::ConsentSite) -> SiteOut {
    SiteOut {
        script: crate::consent::snippet(base, &s.site_key),
        purposes: s
            .purposes
            .iter()
            .map(|p| {
                (
                    p.category.as_str().to_owned(),
                    serde_json::json!(p.services),
                )
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        id: s.id,
        name: s.name,
        origin: s.origin,
        notice_version: s.notice_version,
    }
}

/// A website declared, with its banner's purposes (C35).
#[derive(Deserialize, ToSchema)]
pub struct ConsentSiteIn {
    /// 1 to 200 characters.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub name: String,
    /// `https://www.example.fr` (http only on localhost).
    pub origin: String,
    /// The notice's version, 1 to 40 letters, digits, `.`, `-` or `_`:
    /// a new one asks every visitor again.
    #[schema(pattern = "^[A-Za-z0-9._-]{1,40}$")]
    pub notice_version: String,
    /// Per optional purpose (`performance`, `functional`, `advertising`,
    /// `third_party`), the services behind it ("Matomo"); a purpose left
    /// out or empty is not used by the site. Strictly necessary cookies
    /// are always on.
    #[serde(default)]
    pub purposes: std::collections::BTreeMap<String, Vec<String>>,
}

/// A new version of a site's notice.
#[derive(Deserialize, ToSchema)]
pub struct NoticeVersionIn {
    #[schema(pattern = "^[A-Za-z0-9._-]{1,40}$")]
    pub notice_version: String,
}

#[utoipa::path(post, path = "/api/v1/consent/sites", tag = "consent", request_body = ConsentSiteIn,
    responses((status = 201, description = "Declared: its banner's script is in the answer", body = SiteOut),
              (status = 400, description = "A field is wrong: named in the message", body = ApiError),
              (status = 403, description = "Not the DPO's", body = ApiError)),
    security(("bearer" = [])))]
pub async fn create_site(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<ConsentSiteIn>,
) -> Result<(StatusCode, Json<SiteOut>), ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.consent.site_create")
        .await?;
    let mut services = std::collections::BTreeMap::new();
    for (purpose, names) in &input.purposes {
        let category = Category::parse(purpose)
            .filter(|c| *c != Category::Necessary)
            .ok_or_else(|| {
                ApiFailure::BadRequest(format!(
                    "purposes.{purpose}: performance, functional, advertising or third_party"
                ))
            })?;
        // The service splits a purpose's text at commas and line breaks.
        if names.iter().any(|n| n.contains([',', '\n', '\r'])) {
            return Err(ApiFailure::BadRequest(format!(
                "purposes.{purpose}: a service's name has no comma or line break"
            )));
        }
        services.insert(category, names.join("\n"));
    }
    let site = consent::create_site(
        state.ctx(),
        &ctx.scope,
        &consent::SiteInput {
            name: input.name,
            origin: input.origin,
            notice_version: input.notice_version,
            services,
        },
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.consent.site_create",
        &format!("consent_site:{}", site.id),
        Outcome::Success,
    )
    .await?;
    let base = state.settings.base_url.trim_end_matches('/').to_owned();
    Ok((StatusCode::CREATED, Json(site_out(&base, site))))
}

#[utoipa::path(post, path = "/api/v1/consent/sites/{id}/notices", tag = "consent", request_body = NoticeVersionIn,
    params(("id" = i64, Path, description = "Site id")),
    responses((status = 200, description = "Published: every visitor is asked again", body = SiteOut),
              (status = 400, description = "Not a version, or the current one", body = ApiError),
              (status = 403, description = "Not the DPO's", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn new_notice(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NoticeVersionIn>,
) -> Result<Json<SiteOut>, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.consent.site_notice")
        .await?;
    let site = consent::new_notice(
        state.ctx(),
        &ctx.scope,
        id,
        &input.notice_version,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    // The banner's cached settings are read again.
    state.consent_sites.forget(&site.site_key);
    ctx.trace(
        &state,
        "api.consent.site_notice",
        &format!("consent_site:{id}"),
        Outcome::Success,
    )
    .await?;
    let base = state.settings.base_url.trim_end_matches('/').to_owned();
    Ok(Json(site_out(&base, site)))
}

fn channel(raw: &str) -> Result<Channel, ApiFailure> {
    Channel::parse(raw)
        .filter(|c| *c != Channel::Post)
        .ok_or_else(|| ApiFailure::BadRequest("channel: email, sms or phone".into()))
}

#[utoipa::path(get, path = "/api/v1/consent/sites", tag = "consent",
    responses((status = 200, description = "The tenant's websites and their banners", body = [SiteOut]),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn sites(
    State(state): State<AppState>,
    ctx: ApiCtx,
) -> Result<Json<Vec<SiteOut>>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.consent.sites")
        .await?;
    let base = state.settings.base_url.trim_end_matches('/').to_owned();
    let out = state
        .store
        .sites(&ctx.scope)
        .await?
        .into_iter()
        .map(|s| site_out(&base, s))
        .collect();
    ctx.trace(
        &state,
        "api.consent.sites",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(out))
}

#[utoipa::path(get, path = "/api/v1/consent/records", tag = "consent", params(RecordParams),
    responses((status = 200, description = "Recorded choices, newest first; one device's with `device`", body = ConsentPage),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn records(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(q): Query<RecordParams>,
) -> Result<Json<ConsentPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.consent.records")
        .await?;
    let page = state
        .store
        .consents(
            &ctx.scope,
            q.device.trim(),
            crate::api::page_of(q.page, q.page_size)?,
        )
        .await?;
    ctx.trace(
        &state,
        "api.consent.records",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(ConsentPage {
        items: page.items.iter().map(consent_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/consent/records", tag = "consent", request_body = ChoiceIn,
    responses((status = 201, description = "Recorded, chained; its kind judged against the device's previous choice on the site", body = ConsentOut),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError),
              (status = 404, description = "No such site in this organisation", body = ApiError)),
    security(("bearer" = [])))]
pub async fn record(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<ChoiceIn>,
) -> Result<(StatusCode, Json<ConsentOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.consent.record")
        .await?;
    let method = vigie_domain::consent::ConsentMethod::parse(&input.method)
        .filter(|m| *m != vigie_domain::consent::ConsentMethod::Banner)
        .ok_or_else(|| ApiFailure::BadRequest("method: form or paper".into()))?;
    let stored = consent::record_by_agent(
        state.ctx(),
        &ctx.scope,
        input.site,
        &input.device,
        &input.choices,
        method,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.consent.record",
        &format!("device:{}", stored.record.device),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(consent_out(&stored))))
}

#[utoipa::path(get, path = "/api/v1/consent/devices/{device}/proof", tag = "consent",
    params(("device" = String, Path, description = "The banner's device identifier (16 to 64 letters, digits or dashes)", pattern = "^[A-Za-z0-9-]{16,64}$")),
    responses((status = 200, description = "Every choice of the device, and whether the tenant's chain holds", body = Object),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn proof(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(device): Path<String>,
) -> Result<Json<consent::Proof>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.consent.proof")
        .await?;
    let p = consent::proof(state.ctx(), &ctx.scope, &device)
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.consent.proof",
        &format!("device:{}", p.device),
        Outcome::Success,
    )
    .await?;
    Ok(Json(p))
}

#[utoipa::path(get, path = "/api/v1/consent/sites/{id}/devices/{device}", tag = "consent",
    params(("id" = i64, Path, description = "Site id"), ("device" = String, Path, description = "The banner's device identifier (16 to 64 letters, digits or dashes)", pattern = "^[A-Za-z0-9-]{16,64}$")),
    responses((status = 200, description = "The device's choice that holds on this site (13 months, current notice)", body = ConsentOut),
              (status = 404, description = "None holds: the banner asks", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn current(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((id, device)): Path<(i64, String)>,
) -> Result<Json<ConsentOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.consent.current")
        .await?;
    let site = state.store.site(&ctx.scope, id).await?;
    let holds = consent::current(state.ctx(), &site, &device, Timestamp::now())
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.consent.current",
        &format!("device:{device}"),
        Outcome::Success,
    )
    .await?;
    holds
        .map(|c| Json(consent_out(&c)))
        .ok_or(ApiFailure::NotFound)
}

#[utoipa::path(post, path = "/api/v1/suppression/check", tag = "consent", request_body = SuppressionIn,
    responses((status = 200, description = "Whether the address or number objects to solicitation", body = SuppressedOut),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn check(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<SuppressionIn>,
) -> Result<Json<SuppressedOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.suppression.check")
        .await?;
    let c = channel(&input.channel)?;
    let suppressed = consent::is_suppressed(state.ctx(), &ctx.scope, c, &input.value)
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.suppression.check",
        &format!("channel:{}", c.as_str()),
        Outcome::Success,
    )
    .await?;
    Ok(Json(SuppressedOut { suppressed }))
}

#[utoipa::path(post, path = "/api/v1/suppression", tag = "consent", request_body = SuppressionIn,
    responses((status = 201, description = "On the list (it may have been already)", body = SuppressedOut),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<SuppressionIn>,
) -> Result<(StatusCode, Json<SuppressedOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.suppression.add")
        .await?;
    let c = channel(&input.channel)?;
    consent::object(
        state.ctx(),
        &ctx.scope,
        c,
        &input.value,
        &format!("api:token:{}", ctx.token.name),
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.suppression.add",
        &format!("channel:{}", c.as_str()),
        Outcome::Success,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(SuppressedOut { suppressed: true }),
    ))
}

#[utoipa::path(get, path = "/api/v1/suppression/export.csv", tag = "consent",
    responses((status = 200, description = "The suppression list for the organisation's mailing tools (C37): every address or number that objected, by channel",
                  content((Vec<u8> = "text/csv")))),
    security(("bearer" = [])))]
pub async fn suppression_csv(
    State(state): State<AppState>,
    ctx: ApiCtx,
) -> Result<axum::response::Response, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.suppression.export")
        .await?;
    let csv = vigie_service::consent::suppression_csv(state.ctx(), &ctx.scope)
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.suppression.export",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(crate::pages::download(
        "text/csv; charset=utf-8",
        "liste-opposition.csv".into(),
        csv,
    ))
}
