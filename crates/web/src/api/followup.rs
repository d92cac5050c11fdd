//! The DPO's follow-up in the API (issue 17): an activity's impact
//! assessment and its versions, the advice and the action plan, the
//! evidence documents — the same rules, permissions and trail records as
//! the pages.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::{
    ActivityId,
    audit::Outcome,
    dpia::{Dpia, DpiaStatus},
    followup::{FollowUpKind, FollowUpStatus, NewFollowUp},
    role::Permission,
};
use vigie_service::{followup, register};
use vigie_store::{EvidenceMeta, FollowUpFilter, StoredDpia, StoredFollowUp};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, service_failure};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct DpiaVersionOut {
    pub version: i64,
    pub saved_at: String,
    pub saved_by: String,
    /// The assessment: `overview`, `lifecycle`, `supports`, `standards`,
    /// `principles` ([{principle, text}]), `risks` ([{event, sources,
    /// threats, impacts, measures, likelihood, severity}]),
    /// `planned_measures`, `dpo_opinion`, `subjects_opinion`, `decision`,
    /// `decided_by`.
    pub dpia: Dpia,
    /// A high residual risk remains: the CNIL is consulted first (Art. 36).
    pub prior_consultation: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DpiaOut {
    pub activity: i64,
    /// `not_required`, `missing`, `in_progress`, `accepted`,
    /// `accepted_with_actions` or `refused`.
    pub status: String,
    /// Every version, newest first.
    pub versions: Vec<DpiaVersionOut>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DpiaIn {
    /// The version this one follows (0 for the first): another save since
    /// is a 409.
    pub version: i64,
    pub dpia: Dpia,
}

fn version_out(v: &StoredDpia) -> DpiaVersionOut {
    DpiaVersionOut {
        version: v.version,
        saved_at: v.saved_at.to_string(),
        saved_by: v.saved_by.clone(),
        prior_consultation: v.dpia.prior_consultation(),
        dpia: v.dpia.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/register/{id}/dpia", tag = "register",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "The activity's impact assessment, every version", body = DpiaOut),
              (status = 404, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn dpia_read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<DpiaOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.dpia.read")
        .await?;
    let a = state.store.activity(&ctx.scope, ActivityId(id)).await?;
    let versions = state.store.dpia_versions(&ctx.scope, a.id).await?;
    ctx.trace(
        &state,
        "api.dpia.read",
        &format!("activity:{id}"),
        Outcome::Success,
    )
    .await?;
    let status = DpiaStatus::of(a.body.dpia_required(), versions.first().map(|v| &v.dpia));
    Ok(Json(DpiaOut {
        activity: id,
        status: status.as_str().into(),
        versions: versions.iter().map(version_out).collect(),
    }))
}

#[utoipa::path(put, path = "/api/v1/register/{id}/dpia", tag = "register", request_body = DpiaIn,
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "Saved as the next version, normalised to the method's parts", body = DpiaVersionOut),
              (status = 400, description = "What a decision lacks, field by field", body = ApiError),
              (status = 409, description = "Saved by someone else since `version`", body = ApiError),
              (status = 404, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn dpia_save(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DpiaIn>,
) -> Result<Json<DpiaVersionOut>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.dpia.save")
        .await?;
    let by = format!("api:token:{}", ctx.token.name);
    let saved = register::save_dpia(
        state.ctx(),
        &ctx.scope,
        ActivityId(id),
        input.version,
        input.dpia,
        &by,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.dpia.save",
        &format!("activity:{id} version:{}", saved.version),
        Outcome::Success,
    )
    .await?;
    Ok(Json(version_out(&saved)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpOut {
    pub id: i64,
    /// `advice` or `action`.
    pub kind: String,
    pub activity: Option<i64>,
    pub title: String,
    pub detail: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    /// `open`, `done` (followed) or `declined` (not followed, abandoned).
    pub status: String,
    pub response: String,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpPage {
    pub items: Vec<FollowUpOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowUpIn {
    /// `advice` or `action`.
    #[schema(pattern = "^(advice|action)$")]
    pub kind: String,
    pub activity: Option<i64>,
    /// What is advised or to be done (1 to 300 characters).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub title: String,
    #[serde(default)]
    pub detail: String,
    /// Required for an action.
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD`; required for an action.
    #[schema(format = Date)]
    pub due: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CloseIn {
    /// `done` or `declined`.
    #[schema(pattern = "^(done|declined)$")]
    pub status: String,
    /// Why, when declined.
    #[serde(default)]
    pub response: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpParams {
    /// Text searched in the title, details and owner.
    #[serde(default)]
    pub q: String,
    /// `advice` or `action`.
    #[param(pattern = "^(advice|action)?$")]
    pub kind: Option<String>,
    /// `open`, `done` or `declined`.
    #[param(pattern = "^(open|done|declined)?$")]
    pub status: Option<String>,
    pub activity: Option<i64>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

fn follow_up_out(f: &StoredFollowUp) -> FollowUpOut {
    FollowUpOut {
        id: f.id,
        kind: f.kind.as_str().into(),
        activity: f.activity.map(|a| a.0),
        title: f.title.clone(),
        detail: f.detail.clone(),
        owner: f.owner.clone(),
        due: f.due.map(|d| d.to_string()),
        status: f.status.as_str().into(),
        response: f.response.clone(),
        created_at: f.created_at.to_string(),
        created_by: f.created_by.clone(),
        updated_at: f.updated_at.to_string(),
        updated_by: f.updated_by.clone(),
    }
}

/// A closed-list value of a query or body, or a 400 naming it.
fn closed<T>(
    field: &str,
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiFailure> {
    match v {
        None | Some("") => Ok(None),
        Some(s) => parse(s).map(Some).ok_or_else(|| {
            ApiFailure::BadRequest(format!("{field}: {s} is not one of the listed values"))
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/follow-ups", tag = "follow-up", params(FollowUpParams),
    responses((status = 200, description = "Open ones first by due date, then the rest newest first", body = FollowUpPage),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<FollowUpParams>,
) -> Result<Json<FollowUpPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.followup.list")
        .await?;
    let filter = FollowUpFilter {
        search: p.q.clone(),
        kind: closed("kind", p.kind.as_deref(), FollowUpKind::parse)?,
        status: closed("status", p.status.as_deref(), FollowUpStatus::parse)?,
        activity: p.activity.map(ActivityId),
    };
    let page = state
        .store
        .follow_ups(
            &ctx.scope,
            &filter,
            crate::api::page_of(p.page, p.page_size)?,
        )
        .await?;
    ctx.trace(
        &state,
        "api.followup.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(FollowUpPage {
        items: page.items.iter().map(follow_up_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/follow-ups", tag = "follow-up", request_body = FollowUpIn,
    responses((status = 201, description = "Recorded, open", body = FollowUpOut),
              (status = 400, description = "What is wrong, field by field", body = ApiError),
              (status = 404, description = "The activity is not the organisation's", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<FollowUpIn>,
) -> Result<(StatusCode, Json<FollowUpOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.followup.create")
        .await?;
    let kind = closed("kind", Some(&input.kind), FollowUpKind::parse)?
        .ok_or_else(|| ApiFailure::BadRequest("kind: advice or action".into()))?;
    let due =
        match input.due.as_deref() {
            None | Some("") => None,
            Some(d) => Some(d.parse().map_err(|_| {
                ApiFailure::BadRequest(format!("due: {d} is not a date YYYY-MM-DD"))
            })?),
        };
    let item = NewFollowUp {
        kind,
        activity: input.activity.map(ActivityId),
        title: input.title,
        detail: input.detail,
        owner: input.owner,
        due,
    };
    let by = format!("api:token:{}", ctx.token.name);
    let saved = followup::create(state.ctx(), &ctx.scope, item, &by, Timestamp::now())
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.followup.create",
        &format!("follow_up:{}", saved.id),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(follow_up_out(&saved))))
}

#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/close", tag = "follow-up", request_body = CloseIn,
    params(("id" = i64, Path, description = "Item id")),
    responses((status = 200, description = "Closed", body = FollowUpOut),
              (status = 400, description = "Declined without its reason", body = ApiError),
              (status = 409, description = "Already closed", body = ApiError),
              (status = 404, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CloseIn>,
) -> Result<Json<FollowUpOut>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.followup.close")
        .await?;
    let status = closed("status", Some(&input.status), FollowUpStatus::parse)?
        .ok_or_else(|| ApiFailure::BadRequest("status: done or declined".into()))?;
    let by = format!("api:token:{}", ctx.token.name);
    let closed_item = followup::close(
        state.ctx(),
        &ctx.scope,
        id,
        status,
        &input.response,
        &by,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.followup.close",
        &format!("follow_up:{id} {}", status.as_str()),
        Outcome::Success,
    )
    .await?;
    Ok(Json(follow_up_out(&closed_item)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceOut {
    pub id: i64,
    pub activity: Option<i64>,
    pub name: String,
    /// What the bytes are, as served back.
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
    pub uploaded_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidencePage {
    pub items: Vec<EvidenceOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceParams {
    pub activity: Option<i64>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// The document's name, 1 to 200 characters (a path is cut to its
    /// last part).
    #[param(max_length = 200, pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085/\\\\]$")]
    pub name: String,
    pub activity: Option<i64>,
}

fn evidence_out(e: &EvidenceMeta) -> EvidenceOut {
    EvidenceOut {
        id: e.id,
        activity: e.activity.map(|a| a.0),
        name: e.name.clone(),
        media_type: e.kind.media_type().into(),
        size: e.size,
        sha256: e.sha256.clone(),
        uploaded_at: e.uploaded_at.to_string(),
        uploaded_by: e.uploaded_by.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/evidence", tag = "follow-up", params(EvidenceParams),
    responses((status = 200, description = "The evidence documents, newest first", body = EvidencePage),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn evidence_list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<EvidenceParams>,
) -> Result<Json<EvidencePage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.evidence.list")
        .await?;
    let page = state
        .store
        .evidence(
            &ctx.scope,
            p.activity.map(ActivityId),
            crate::api::page_of(p.page, p.page_size)?,
        )
        .await?;
    ctx.trace(
        &state,
        "api.evidence.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(EvidencePage {
        items: page.items.iter().map(evidence_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/evidence", tag = "follow-up", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The document's bytes, 10 MiB at most: PDF, PNG, JPEG, OpenDocument, Office or UTF-8 text, read from the content"),
    responses((status = 201, description = "Kept, with its SHA-256", body = EvidenceOut),
              (status = 400, description = "Not a kept type, empty, or a bad name", body = ApiError),
              (status = 404, description = "No such activity in this tenant", body = ApiError),
              (status = 409, description = "The organisation's 500 MiB would be passed", body = ApiError),
              (status = 413, description = "Over 10 MiB", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn evidence_upload(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<UploadParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<EvidenceOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.evidence.add")
        .await?;
    let by = format!("api:token:{}", ctx.token.name);
    let kept = followup::add_evidence(
        state.ctx(),
        &ctx.scope,
        p.activity.map(ActivityId),
        &p.name,
        body.to_vec(),
        &by,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.evidence.add",
        &format!("evidence:{} sha256:{}", kept.id, kept.sha256),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(evidence_out(&kept))))
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "follow-up",
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The document's bytes, as an attachment of the type read from them when kept",
                  content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"),
                      (Vec<u8> = "application/vnd.oasis.opendocument"), (Vec<u8> = "application/vnd.openxmlformats-officedocument"),
                      (Vec<u8> = "text/plain"))),
              (status = 404, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn evidence_file(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.evidence.read")
        .await?;
    let (meta, bytes) = state.store.evidence_file(&ctx.scope, id).await?;
    ctx.trace(
        &state,
        "api.evidence.read",
        &format!("evidence:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(crate::pages::document_download(
        &meta.name, meta.kind, bytes,
    ))
}

#[utoipa::path(delete, path = "/api/v1/evidence/{id}", tag = "follow-up",
    params(("id" = i64, Path, description = "Document id")),
    responses((status = 204, description = "Removed"), (status = 404, body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn evidence_delete(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.evidence.delete")
        .await?;
    let gone = followup::delete_evidence(state.ctx(), &ctx.scope, id)
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.evidence.delete",
        &format!("evidence:{id} sha256:{}", gone.sha256),
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
