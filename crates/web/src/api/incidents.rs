//! The incident and breach register in the API (C17–C19): the provider's
//! monitoring declares incidents by machine; the DPO's tools qualify and
//! record notification phases.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{
    audit::Outcome,
    breach::{CnilClock, Facts, InformDecision, Intake, PhaseKind},
    role::Permission,
};
use vigie_service::breaches::{self, Declaration};
use vigie_store::{Incident, Phase};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, ListParams, required_instant, service_failure};
use crate::AppState;

/// One notification phase, as sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhaseOut {
    pub n: i64,
    /// `initial`, `complementary` or `complete`.
    pub kind: String,
    pub sent_at: String,
    pub sent_by: String,
    pub late_reason: String,
    pub facts: Facts,
}

/// An incident of the register.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentOut {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub description: String,
    pub declared_by: String,
    /// Awareness, RFC 3339: the 72-hour clock's start.
    pub aware_at: String,
    /// When the CNIL must be notified at the latest.
    pub deadline: String,
    /// Whether the clock runs (a breach or not yet qualified, not notified).
    pub clock_running: bool,
    /// The crisis process's escalation level now, 1 to 3 (C19).
    pub level: u8,
    /// `declared`, `qualified`, `notified` or `closed`.
    pub status: String,
    /// Its version: give it back to change the facts (a later save is a 409).
    pub updated_at: String,
    pub notified_at: Option<String>,
    pub late_reason: String,
    pub inform: Option<String>,
    pub inform_reasoning: String,
    pub facts: Facts,
    pub phases: Vec<PhaseOut>,
    /// `account`, `phone`, `mail`, `fax`, `vigie`, `partner`, or `processor`:
    /// notified by the provider, part of a provider-wide incident.
    pub intake: String,
    /// What the provider told since (only on one incident read).
    pub provider_updates: Vec<ProviderUpdateOut>,
}

/// News from the provider on a provider-wide incident (C19).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderUpdateOut {
    pub sent_at: String,
    pub body: String,
    /// The general information at closure.
    pub closing: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentPage {
    pub items: Vec<IncidentOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A declaration.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IncidentIn {
    /// What happened, in a few words (1 to 200 characters).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339; when it was noticed. Not in the future.
    #[schema(format = DateTime)]
    pub aware_at: String,
}

/// The qualification: the facts as known, at the version read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FactsIn {
    /// The incident's `updated_at` when read.
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// RFC 3339; may move earlier than declared, until notified.
    #[schema(format = DateTime)]
    pub aware_at: String,
    pub facts: Facts,
}

/// Whether the people concerned are told (Art. 34), and why.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InformIn {
    /// The incident's `updated_at` when read.
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub decision: InformDecision,
    /// The risk to the people, or the Art. 34.3 exemption: 1 to 5,000
    /// characters.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub reasoning: String,
}

/// The version read, for a change that replaces it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct VersionIn {
    /// The incident's `updated_at` when read.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A notification phase to record as sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PhaseIn {
    /// `initial`, `complementary` or `complete`.
    #[schema(pattern = "^(initial|complementary|complete)$")]
    pub kind: String,
    /// Required for a first notification after 72 hours (Art. 33.1).
    #[serde(default)]
    pub late_reason: String,
}

fn phase_out(p: &Phase) -> PhaseOut {
    PhaseOut {
        n: p.n,
        kind: p.kind.as_str().into(),
        sent_at: p.sent_at.to_string(),
        sent_by: p.sent_by.clone(),
        late_reason: p.late_reason.clone(),
        facts: p.facts.clone(),
    }
}

fn incident_out(
    i: &Incident,
    phases: &[Phase],
    updates: &[vigie_store::ProblemUpdate],
    rules: &vigie_domain::breach::EscalationRules,
) -> IncidentOut {
    IncidentOut {
        id: i.id,
        reference: i.reference.clone(),
        title: i.title.clone(),
        description: i.description.clone(),
        declared_by: i.declared_by.clone(),
        aware_at: i.aware_at.to_string(),
        deadline: CnilClock {
            awareness: i.aware_at,
        }
        .deadline()
        .to_string(),
        clock_running: i.clock_runs(),
        level: rules.level(&i.facts, i.aware_at, Timestamp::now()),
        status: i.status.as_str().into(),
        updated_at: i.updated_at.to_string(),
        notified_at: i.notified_at.map(|t| t.to_string()),
        late_reason: i.late_reason.clone(),
        inform: i.inform.map(|d| d.as_str().into()),
        inform_reasoning: i.inform_reasoning.clone(),
        facts: i.facts.clone(),
        phases: phases.iter().map(phase_out).collect(),
        intake: i.intake.as_str().into(),
        provider_updates: updates
            .iter()
            .map(|u| ProviderUpdateOut {
                sent_at: u.sent_at.to_string(),
                body: u.body.clone(),
                closing: u.closing,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListParams),
    responses((status = 200, description = "The tenant's incident register, newest awareness first", body = IncidentPage),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<IncidentPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.incidents.list")
        .await?;
    let page = state
        .store
        .incidents(&ctx.scope, &p.q, crate::api::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.incidents.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(IncidentPage {
        items: page
            .items
            .iter()
            .map(|i| incident_out(i, &[], &[], &state.settings.escalation))
            .collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = IncidentIn,
    responses((status = 201, description = "Declared; the DPOs are told", body = IncidentOut),
              (status = 400, description = "What is wrong, field by field", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn declare(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<IncidentIn>,
) -> Result<(StatusCode, Json<IncidentOut>), ApiFailure> {
    ctx.require(&state, Permission::Read, "api.incidents.declare")
        .await?;
    let d = Declaration {
        title: input.title,
        description: input.description,
        aware_at: required_instant("aware_at", &input.aware_at)?,
        intake: Intake::Account,
        declared_by: ctx.actor().label,
    };
    let i = breaches::declare(state.ctx(), &ctx.scope, &d, Timestamp::now())
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.incidents.declare",
        &format!("incident:{}", i.id),
        Outcome::Success,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(incident_out(&i, &[], &[], &state.settings.escalation)),
    ))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "One incident with its phases", body = IncidentOut),
              (status = 404, body = ApiError), (status = 401, body = ApiError)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<IncidentOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.incidents.read")
        .await?;
    let i = state.store.incident(&ctx.scope, id).await?;
    answered(&state, &ctx, "api.incidents.read", &i).await
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/facts", tag = "incidents", request_body = FactsIn,
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "Qualified", body = IncidentOut),
              (status = 400, description = "What is wrong, field by field", body = ApiError),
              (status = 404, body = ApiError),
              (status = 409, description = "Changed by someone else since `updated_at`", body = ApiError)),
    security(("bearer" = [])))]
pub async fn qualify(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<FactsIn>,
) -> Result<Json<IncidentOut>, ApiFailure> {
    ctx.require(&state, Permission::HandleBreaches, "api.incidents.qualify")
        .await?;
    let i = as_read(&state, &ctx, id, &input.updated_at).await?;
    let aware_at = required_instant("aware_at", &input.aware_at)?;
    let next = breaches::qualify(
        state.ctx(),
        &ctx.scope,
        &i,
        input.facts,
        aware_at,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    answered(&state, &ctx, "api.incidents.qualify", &next).await
}

/// The incident as it was read (`updated_at`), or a 409: someone changed
/// it since.
async fn as_read(
    state: &AppState,
    ctx: &ApiCtx,
    id: i64,
    updated_at: &str,
) -> Result<Incident, ApiFailure> {
    let i = state.store.incident(&ctx.scope, id).await?;
    let read_at = required_instant("updated_at", updated_at)?;
    if read_at.as_microsecond() != i.updated_at.as_microsecond() {
        return Err(ApiFailure::Conflict(
            "the incident was changed since it was read: read it again".into(),
        ));
    }
    Ok(i)
}

/// The call traced, and the incident as it now stands.
async fn answered(
    state: &AppState,
    ctx: &ApiCtx,
    action: &str,
    next: &Incident,
) -> Result<Json<IncidentOut>, ApiFailure> {
    ctx.trace(
        state,
        action,
        &format!("incident:{}", next.id),
        Outcome::Success,
    )
    .await?;
    let phases = state.store.phases(&ctx.scope, next.id).await?;
    let updates = state
        .store
        .updates_for_incident(&ctx.scope, next.id)
        .await?;
    Ok(Json(incident_out(
        next,
        &phases,
        &updates,
        &state.settings.escalation,
    )))
}

#[utoipa::path(put, path = "/api/v1/incidents/{id}/inform", tag = "incidents", request_body = InformIn,
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "The decision recorded with its reasoning (Art. 34)", body = IncidentOut),
              (status = 400, description = "No reasoning, or more than 5,000 characters", body = ApiError),
              (status = 404, body = ApiError),
              (status = 409, description = "Changed by someone else since `updated_at`", body = ApiError)),
    security(("bearer" = [])))]
pub async fn inform(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<InformIn>,
) -> Result<Json<IncidentOut>, ApiFailure> {
    ctx.require(&state, Permission::HandleBreaches, "api.incidents.inform")
        .await?;
    let i = as_read(&state, &ctx, id, &input.updated_at).await?;
    let next = breaches::decide_inform(
        state.ctx(),
        &ctx.scope,
        &i,
        input.decision,
        &input.reasoning,
        Timestamp::now(),
    )
    .await
    .map_err(|e| match service_failure(e) {
        // The service names the page's field.
        ApiFailure::BadRequest(m) => {
            ApiFailure::BadRequest(m.replacen("inform_reasoning", "reasoning", 1))
        }
        other => other,
    })?;
    answered(&state, &ctx, "api.incidents.inform", &next).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/close", tag = "incidents", request_body = VersionIn,
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 200, description = "Closed; its record and phases stay", body = IncidentOut),
              (status = 404, body = ApiError),
              (status = 409, description = "Not qualified yet, or changed by someone else since `updated_at`", body = ApiError)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<VersionIn>,
) -> Result<Json<IncidentOut>, ApiFailure> {
    ctx.require(&state, Permission::HandleBreaches, "api.incidents.close")
        .await?;
    let i = as_read(&state, &ctx, id, &input.updated_at).await?;
    if i.facts.is_breach.is_none() {
        return Err(ApiFailure::Conflict(
            "qualify the incident (is it a breach?) before closing it".into(),
        ));
    }
    let next = breaches::close(state.ctx(), &ctx.scope, &i, Timestamp::now())
        .await
        .map_err(service_failure)?;
    answered(&state, &ctx, "api.incidents.close", &next).await
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/phases", tag = "incidents", request_body = PhaseIn,
    params(("id" = i64, Path, description = "Incident id")),
    responses((status = 201, description = "Recorded as sent: never changed after", body = PhaseOut),
              (status = 400, description = "The body breaks a rule (no reasons for a late first notification)", body = ApiError),
              (status = 404, body = ApiError),
              (status = 409, description = "The incident does not allow it yet: not qualified as a breach, nothing said it touched, sections a complete notification needs, or the initial one sent already — each named", body = ApiError)),
    security(("bearer" = [])))]
pub async fn notify(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<PhaseIn>,
) -> Result<(StatusCode, Json<PhaseOut>), ApiFailure> {
    ctx.require(&state, Permission::HandleBreaches, "api.incidents.notify")
        .await?;
    let kind = PhaseKind::parse(&input.kind)
        .ok_or_else(|| ApiFailure::BadRequest("kind: initial, complementary or complete".into()))?;
    let i = state.store.incident(&ctx.scope, id).await?;
    let p = breaches::notify(
        state.ctx(),
        &ctx.scope,
        &i,
        kind,
        &input.late_reason,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(super::state_failure(&["is_breach", "criteria", "kind"]))?;
    ctx.trace(
        &state,
        "api.incidents.notify",
        &format!("incident:{id}/phase:{}", p.n),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(phase_out(&p))))
}
