//! The sub-processors serving the tenant and the provider's notices of
//! change, through the API (C08–C10): a tenant's tools read them and
//! object (with a reason) or accept within the 10-day window, as the page
//! does.

use axum::{
    Json,
    extract::{Path, State},
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{NoticeId, audit::Outcome, role::Permission};
use vigie_service::{ServiceError, subprocessors};
use vigie_store::{StoredSubProcessor, TenantNotice};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, at_field, service_failure};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SubProcessorSiteOut {
    pub name: String,
    /// ISO 3166 code.
    pub country: String,
}

/// A sub-processor serving the tenant ("sous-traitant ultérieur").
#[derive(Debug, Serialize, ToSchema)]
pub struct SubProcessorOut {
    pub id: i64,
    pub name: String,
    pub purpose: String,
    pub sites: Vec<SubProcessorSiteOut>,
    pub certifications: Vec<String>,
}

/// A notice of change as the tenant received it, with its window.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeOut {
    pub notice: i64,
    pub subprocessor: i64,
    pub subprocessor_name: String,
    /// `added` or `replaced`.
    pub kind: String,
    /// For a replacement: who is replaced.
    pub replaces: String,
    /// The activities concerned, as told.
    pub activities: String,
    pub received_at: String,
    /// `YYYY-MM-DD`: the last day to object (10 days, C09).
    pub deadline: String,
    /// `open`, `objected`, `accepted`, `accepted_by_silence` or `resolved`.
    pub state: String,
    pub reason: String,
    pub answered_at: Option<String>,
    pub resolution: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ObjectionIn {
    /// Why the tenant objects (told to the provider).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub reason: String,
}

pub(super) fn subprocessor_out(s: &StoredSubProcessor) -> SubProcessorOut {
    SubProcessorOut {
        id: s.id.0,
        name: s.body.name.clone(),
        purpose: s.body.purpose.clone(),
        sites: s
            .body
            .sites
            .iter()
            .map(|x| SubProcessorSiteOut {
                name: x.name.clone(),
                country: x.country.as_str().to_owned(),
            })
            .collect(),
        certifications: s.body.certifications.clone(),
    }
}

fn notice_out(n: &TenantNotice) -> NoticeOut {
    NoticeOut {
        notice: n.notice.0,
        subprocessor: n.subprocessor.0,
        subprocessor_name: n.subprocessor_name.clone(),
        kind: n.kind.as_str().into(),
        replaces: n.replaces.clone(),
        activities: n.activities.clone(),
        received_at: n.received_at.to_string(),
        deadline: n.deadline.to_string(),
        state: n.state.as_str().into(),
        reason: n.reason.clone(),
        answered_at: n.answered_at.map(|t| t.to_string()),
        resolution: n.resolution.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/subprocessors", tag = "subprocessors",
    responses((status = 200, description = "The provider's sub-processors that serve this tenant", body = Vec<SubProcessorOut>)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
) -> Result<Json<Vec<SubProcessorOut>>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.subprocessors.list")
        .await?;
    let all = state.store.subprocessors_of_tenant(&ctx.scope).await?;
    ctx.trace(
        &state,
        "api.subprocessors.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(all.iter().map(subprocessor_out).collect()))
}

#[utoipa::path(get, path = "/api/v1/subprocessors/notices", tag = "subprocessors",
    responses((status = 200, description = "The notices of change the tenant received, with their windows", body = Vec<NoticeOut>)),
    security(("bearer" = [])))]
pub async fn notices(
    State(state): State<AppState>,
    ctx: ApiCtx,
) -> Result<Json<Vec<NoticeOut>>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.subprocessors.notices")
        .await?;
    let all = state.store.notices_of_tenant(&ctx.scope).await?;
    ctx.trace(
        &state,
        "api.subprocessors.notices",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(all.iter().map(notice_out).collect()))
}

/// The notice as it now stands for this tenant.
async fn answered(
    state: &AppState,
    ctx: &ApiCtx,
    notice: NoticeId,
    action: &str,
) -> Result<Json<NoticeOut>, ApiFailure> {
    ctx.trace(state, action, &format!("notice:{notice}"), Outcome::Success)
        .await?;
    let all = state.store.notices_of_tenant(&ctx.scope).await?;
    all.iter()
        .find(|n| n.notice == notice)
        .map(|n| Json(notice_out(n)))
        .ok_or(ApiFailure::NotFound)
}

/// The window closed (or was answered) since: the notice's state, a 409
/// (a blank reason is refused before the service is asked).
fn window_failure(e: ServiceError) -> ApiFailure {
    match e {
        ServiceError::Invalid {
            field: "reason",
            message,
        } => ApiFailure::Conflict(at_field("reason", &message)),
        other => service_failure(other),
    }
}

#[utoipa::path(post, path = "/api/v1/subprocessors/notices/{notice}/objection", tag = "subprocessors", request_body = ObjectionIn,
    params(("notice" = i64, Path, description = "Notice id")),
    responses((status = 200, description = "Objected, with the reason, within the window (C09)", body = NoticeOut),
              (status = 400, description = "No reason given", body = ApiError),
              (status = 404, body = ApiError),
              (status = 409, description = "The window is closed or was answered", body = ApiError)),
    security(("bearer" = [])))]
pub async fn object(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(notice): Path<i64>,
    ApiJson(input): ApiJson<ObjectionIn>,
) -> Result<Json<NoticeOut>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.subprocessors.objection")
        .await?;
    if input.reason.trim().is_empty() {
        return Err(ApiFailure::BadRequest(
            "reason: an objection states its reason".into(),
        ));
    }
    let notice = NoticeId(notice);
    subprocessors::object(
        state.ctx(),
        &ctx.scope,
        notice,
        &input.reason,
        Timestamp::now(),
    )
    .await
    .map_err(window_failure)?;
    answered(&state, &ctx, notice, "api.subprocessors.objection").await
}

#[utoipa::path(post, path = "/api/v1/subprocessors/notices/{notice}/acceptance", tag = "subprocessors",
    params(("notice" = i64, Path, description = "Notice id")),
    responses((status = 200, description = "Accepted in writing before the deadline", body = NoticeOut),
              (status = 404, body = ApiError),
              (status = 409, description = "The window is closed or was answered", body = ApiError)),
    security(("bearer" = [])))]
pub async fn accept(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(notice): Path<i64>,
) -> Result<Json<NoticeOut>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.subprocessors.acceptance")
        .await?;
    let notice = NoticeId(notice);
    subprocessors::accept(state.ctx(), &ctx.scope, notice, Timestamp::now())
        .await
        .map_err(window_failure)?;
    answered(&state, &ctx, notice, "api.subprocessors.acceptance").await
}
