//! Rights requests through the API (C11–C16), as the agents' pages handle
//! them: the list and a letter or email recorded, one request with its
//! timeline and its execution on the connected systems, and each step of
//! the request page. Approving starts the execution: the answer is 202 and
//! the request's `tasks` are the job to poll until none is `queued`,
//! `running` or `applying`.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::{
    RequestId,
    audit::Outcome,
    dataset::{Erasure, IdentityKind},
    rights::{Channel, Contact, Intake, RequestKind, RequestStatus, Verification},
    role::Permission,
};
use vigie_service::{
    ServiceError,
    rights::{self, IdentityCheck, RequestInput},
};
use vigie_store::{RightsRequest, StoreError};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, at_field, service_failure};
use crate::AppState;

/// One of the person's identifiers; `proven` once someone checked it.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityOut {
    /// Its position: what `verify` names in `proven`.
    pub n: usize,
    /// `email`, `phone`, `account_id`…
    pub kind: String,
    pub value: String,
    pub proven: bool,
    /// How it was proven (`email_code`, `document_seen`, `in_person`,
    /// `known_account`), when it was.
    pub proven_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub step: String,
    /// As written (French when Vigie wrote it).
    pub detail: String,
    /// The same in English when Vigie wrote it; empty when a person typed it.
    pub detail_en: String,
}

/// The request's step on one connected system.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    pub id: i64,
    pub system: String,
    /// `queued`, `running`, `applying`, `done`, `failed` or `held` (the
    /// identities matched someone else's rows: waits for `confirm`).
    pub state: String,
    pub found: i64,
    pub changed: i64,
    pub message: String,
    pub attempts: i64,
    pub updated_at: String,
}

/// A request in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestSummaryOut {
    pub id: i64,
    pub reference: String,
    /// `access`, `rectification`, `erasure`, `restriction`, `portability`,
    /// `objection` or `post_mortem`.
    pub kind: String,
    pub status: String,
    pub subject_name: String,
    /// `YYYY-MM-DD`: the answer is owed by then (C11).
    pub due_on: Option<String>,
    /// `late`, `soon` (within 7 days) or empty.
    pub urgency: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestPage {
    pub items: Vec<RequestSummaryOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// One request, whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestOut {
    pub id: i64,
    pub reference: String,
    pub kind: String,
    /// `web_form`, `letter`, `email` or `forwarded`.
    pub intake: String,
    /// `awaiting_email_check`, `received`, `awaiting_information`,
    /// `verified`, `executing`, `executed`, `answered`, `refused`,
    /// `forwarded` or `closed`.
    pub status: String,
    pub subject_name: String,
    pub subject_email: String,
    pub details: String,
    /// For an objection: the channels objected to.
    pub channels: Vec<String>,
    /// RFC 3339: when it was received (the clock's start).
    pub received_at: Option<String>,
    pub due_on: Option<String>,
    pub extended: bool,
    pub extension_reason: String,
    pub verification: Option<String>,
    pub identities: Vec<IdentityOut>,
    pub contact: Contact,
    pub answer: String,
    pub created_at: String,
    pub updated_at: String,
    /// The timeline, oldest first (C16).
    pub events: Vec<EventOut>,
    /// The execution on the connected systems, once approved.
    pub tasks: Vec<TaskOut>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestParams {
    /// Words in the reference, the person's name or address.
    #[serde(default)]
    pub q: String,
    /// `open` (default: still owed an answer), `soon` (due within 7 days),
    /// `late`, `stalled` (a task failed or held) or `all`.
    #[serde(default)]
    #[param(pattern = "^(open|soon|late|stalled|all)?$")]
    pub due: String,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

/// A request received by letter or email, recorded by an agent (C11).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RecordIn {
    #[schema(
        pattern = "^(access|rectification|erasure|restriction|portability|objection|post_mortem)$"
    )]
    pub kind: String,
    /// `letter` or `email`.
    #[schema(pattern = "^(letter|email)$")]
    pub intake: String,
    /// The day it was received (`YYYY-MM-DD`, not in the future): the
    /// month runs from it.
    #[schema(format = Date)]
    pub received_on: String,
    /// The person's name (1 to 200 characters).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub name: String,
    /// A letter may come without one.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub details: String,
    /// For an objection: `email`, `sms`, `phone`, `post`.
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub contact: Option<Contact>,
}

/// How the identity was checked (C12).
#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyIn {
    /// `document_seen`, `in_person` or `known_account`.
    #[schema(pattern = "^(email_code|document_seen|in_person|known_account)$")]
    pub method: String,
    /// Positions (`identities[].n`) of the identifiers proven.
    #[serde(default)]
    pub proven: Vec<i64>,
    /// An account number read on the letter, vouched for by the agent.
    #[serde(default)]
    pub account_id: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageIn {
    /// What the person is asked (sent to them, kept in the timeline).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReasonIn {
    /// Told to the person.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerIn {
    /// The answer sent to the person.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub answer: String,
}

/// One correction of a rectification.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CorrectionIn {
    /// The data category as the dataset names it.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub category: String,
    pub value: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApproveIn {
    /// For a rectification: what changes.
    #[serde(default)]
    pub corrections: Vec<CorrectionIn>,
    /// An erasure cannot be undone: `true` says the preview was read.
    #[serde(default)]
    pub confirm_erasure: bool,
}

/// What one system holds of the person, before anything changes.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    pub system: String,
    pub tables: Vec<PreviewTableOut>,
    /// Undeclared columns holding the person's words.
    pub left: Vec<LeftOut>,
    pub notes: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewTableOut {
    pub table: String,
    pub found: u64,
    /// Records shared with someone else: kept on erasure.
    pub shared: u64,
    /// Rows of someone else that name the person.
    pub mentioned: u64,
    /// `delete` or `anonymise`; none when the table only mentions the person.
    pub erasure: Option<String>,
    /// The first row, each value shortened to a hint.
    pub example: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeftOut {
    pub table: String,
    pub column: String,
    pub rows: u64,
    pub example: String,
    /// The rows stay after an erasure.
    pub stays: bool,
}

pub(super) fn summary(r: &RightsRequest, today: Date) -> RequestSummaryOut {
    RequestSummaryOut {
        id: r.id.0,
        reference: r.reference.clone(),
        kind: r.kind.as_str().into(),
        status: r.status.as_str().into(),
        subject_name: r.subject_name.clone(),
        due_on: r.due_on.map(|d| d.to_string()),
        urgency: crate::request_list::urgency_of(r, today).into(),
    }
}

async fn request_out(
    state: &AppState,
    ctx: &ApiCtx,
    r: RightsRequest,
) -> Result<RequestOut, ApiFailure> {
    let events = state.store.events(&ctx.scope, r.id).await?;
    let tasks = state.store.tasks(&ctx.scope, r.id).await?;
    Ok(RequestOut {
        id: r.id.0,
        reference: r.reference,
        kind: r.kind.as_str().into(),
        intake: r.intake.as_str().into(),
        status: r.status.as_str().into(),
        subject_name: r.subject_name,
        subject_email: r.subject_email,
        details: r.details,
        channels: r.channels.iter().map(|c| c.as_str().to_owned()).collect(),
        received_at: r.received_at.map(|t| t.to_string()),
        due_on: r.due_on.map(|d| d.to_string()),
        extended: r.extended,
        extension_reason: r.extension_reason,
        verification: r.verification.map(|v| v.as_str().to_owned()),
        identities: r
            .identities
            .iter()
            .enumerate()
            .map(|(n, i)| IdentityOut {
                n,
                kind: i.kind.as_str().into(),
                value: i.value.clone(),
                proven: i.is_proven(),
                proven_by: i.proof.as_ref().map(|p| p.method.as_str().to_owned()),
            })
            .collect(),
        contact: r.contact,
        answer: r.answer,
        created_at: r.created_at.to_string(),
        updated_at: r.updated_at.to_string(),
        events: events
            .into_iter()
            .map(|e| EventOut {
                at: e.at.to_string(),
                actor: e.actor,
                step: e.step,
                detail: e.detail,
                detail_en: e.detail_en,
            })
            .collect(),
        tasks: tasks
            .into_iter()
            .map(|t| TaskOut {
                id: t.id,
                system: t.system_name,
                state: t.state.as_str().into(),
                found: t.found,
                changed: t.changed,
                message: t.message,
                attempts: t.attempts,
                updated_at: t.updated_at.to_string(),
            })
            .collect(),
    })
}

/// A step the request's state does not allow now is a 409, as on the page.
pub(super) fn step_failure(e: ServiceError) -> ApiFailure {
    match e {
        ServiceError::Step(s) => ApiFailure::Conflict(s.to_string()),
        ServiceError::TooLateToExtend(d) => ApiFailure::Conflict(format!(
            "reason: an extension must be told within the first month (until {d})"
        )),
        ServiceError::Invalid {
            field: field @ ("confirm_erasure" | "task" | "status"),
            message,
        } => ApiFailure::Conflict(at_field(field, &message)),
        other => service_failure(other),
    }
}

fn request_id(id: i64) -> RequestId {
    RequestId(id)
}

#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(RequestParams),
    responses((status = 200, description = "The tenant's rights requests, most urgent first", body = RequestPage)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<RequestParams>,
) -> Result<Json<RequestPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.rights.list")
        .await?;
    let today = crate::request_list::today();
    let due = crate::request_list::due_of(&p.due)
        .ok_or_else(|| ApiFailure::BadRequest("due: open, soon, late, stalled or all".into()))?;
    let filter = crate::request_list::filter_for(&p.q, due, today);
    let page = state
        .store
        .requests(&ctx.scope, &filter, super::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.rights.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(RequestPage {
        items: page.items.iter().map(|r| summary(r, today)).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = RecordIn,
    responses((status = 201, description = "Recorded: the month runs from `received_on`", body = RequestOut),
              (status = 400, description = "A field breaks a rule: named in the message", body = ApiError)),
    security(("bearer" = [])))]
pub async fn record(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<RecordIn>,
) -> Result<(StatusCode, Json<RequestOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.rights.record")
        .await?;
    let bad = |m: &str| ApiFailure::BadRequest(m.to_owned());
    let kind = RequestKind::parse(&input.kind).ok_or_else(|| bad("kind: not a right"))?;
    let intake = Intake::parse(&input.intake)
        .filter(|i| matches!(i, Intake::Letter | Intake::Email))
        .ok_or_else(|| bad("intake: letter or email"))?;
    let received: Date = input
        .received_on
        .trim()
        .parse()
        .map_err(|_| bad("received_on: a date YYYY-MM-DD"))?;
    let email = match input.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(e) => Some(
            vigie_domain::account::Email::parse(e).map_err(|_| bad("email: an email address"))?,
        ),
    };
    let channels = input
        .channels
        .iter()
        .map(|c| Channel::parse(c).ok_or_else(|| bad("channels: email, sms, phone or post")))
        .collect::<Result<Vec<_>, _>>()?;
    let request = RequestInput {
        kind,
        name: input.name,
        email,
        phone: input.phone,
        details: input.details,
        channels,
        rectifications: Vec::new(),
        contact: input.contact.unwrap_or_default(),
    };
    let r = rights::record(
        state.ctx(),
        &ctx.scope,
        &ctx.actor().label,
        &request,
        intake,
        received,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.rights.record",
        &format!("request:{}", r.id),
        Outcome::Success,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(request_out(&state, &ctx, r).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "The request, its timeline and its execution", body = RequestOut),
              (status = 404, description = "No such request in this tenant", body = ApiError)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<RequestOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.rights.read")
        .await?;
    let r = state.store.request(&ctx.scope, request_id(id)).await?;
    ctx.trace(
        &state,
        "api.rights.read",
        &format!("request:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(request_out(&state, &ctx, r).await?))
}

/// Reads the request for a step: the permission, then the request.
async fn for_step(
    state: &AppState,
    ctx: &ApiCtx,
    id: i64,
    action: &str,
) -> Result<RightsRequest, ApiFailure> {
    ctx.require(state, Permission::Write, action).await?;
    Ok(state.store.request(&ctx.scope, request_id(id)).await?)
}

/// Traces the step and answers the request as it now stands.
async fn stepped(
    state: &AppState,
    ctx: &ApiCtx,
    id: i64,
    action: &str,
) -> Result<Json<RequestOut>, ApiFailure> {
    ctx.trace(state, action, &format!("request:{id}"), Outcome::Success)
        .await?;
    let r = state.store.request(&ctx.scope, request_id(id)).await?;
    Ok(Json(request_out(state, ctx, r).await?))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/verify", tag = "requests", request_body = VerifyIn,
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Identity checked: the identifiers proven are searched by (C12)", body = RequestOut),
              (status = 404, body = ApiError),
              (status = 409, description = "The request's state does not allow it", body = ApiError)),
    security(("bearer" = [])))]
pub async fn verify(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<VerifyIn>,
) -> Result<Json<RequestOut>, ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.verify").await?;
    let method = Verification::parse(&input.method).ok_or_else(|| {
        ApiFailure::BadRequest("method: document_seen, in_person or known_account".into())
    })?;
    let all: Vec<_> = r.identities.iter().collect();
    let proven = input
        .proven
        .iter()
        .map(|n| {
            usize::try_from(*n)
                .ok()
                .and_then(|i| all.get(i))
                .map(|i| (i.kind, i.value.clone()))
                .ok_or_else(|| ApiFailure::BadRequest(format!("proven: no identifier {n}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let account = input.account_id.trim();
    let check = IdentityCheck {
        proven,
        added: if account.is_empty() {
            vec![]
        } else {
            vec![(IdentityKind::AccountId, account.to_owned())]
        },
    };
    let actor = ctx.actor().label;
    let now = Timestamp::now();
    if r.status == RequestStatus::Verified {
        rights::check_identities(state.ctx(), &r, method, check, &actor, now).await
    } else {
        rights::verify(state.ctx(), &r, method, check, &actor, now).await
    }
    .map_err(step_failure)?;
    stepped(&state, &ctx, id, "api.rights.verify").await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/ask", tag = "requests", request_body = MessageIn,
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Asked: the person is emailed; the clock waits for the answer", body = RequestOut),
              (status = 404, body = ApiError),
              (status = 409, description = "The request's state does not allow it", body = ApiError)),
    security(("bearer" = [])))]
pub async fn ask(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MessageIn>,
) -> Result<Json<RequestOut>, ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.ask").await?;
    rights::ask_information(
        state.ctx(),
        &r,
        &input.message,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(step_failure)?;
    stepped(&state, &ctx, id, "api.rights.ask").await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/extend", tag = "requests", request_body = ReasonIn,
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Extended by two months, the person told why (Art. 12.3)", body = RequestOut),
              (status = 404, body = ApiError),
              (status = 409, description = "Extended already, past the first month, or closed", body = ApiError)),
    security(("bearer" = [])))]
pub async fn extend(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReasonIn>,
) -> Result<Json<RequestOut>, ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.extend").await?;
    if input.reason.trim().is_empty() {
        return Err(ApiFailure::BadRequest(
            "reason: the reason is told to the person: it is required".into(),
        ));
    }
    rights::extend(
        state.ctx(),
        &r,
        &input.reason,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(|e| match e {
        // Extended already, or never received: the request's state.
        ServiceError::Invalid {
            field: "reason",
            message,
        } => ApiFailure::Conflict(at_field("reason", &message)),
        other => step_failure(other),
    })?;
    stepped(&state, &ctx, id, "api.rights.extend").await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/preview", tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "What each connected system holds of the person; nothing is changed", body = Vec<PreviewOut>),
              (status = 404, body = ApiError),
              (status = 409, description = "The request's state does not allow it", body = ApiError)),
    security(("bearer" = [])))]
pub async fn preview(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<PreviewOut>>, ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.preview").await?;
    let previews = rights::preview(state.ctx(), &r)
        .await
        .map_err(step_failure)?;
    ctx.trace(
        &state,
        "api.rights.preview",
        &format!("request:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(
        previews
            .into_iter()
            .map(|p| PreviewOut {
                system: p.system,
                tables: p
                    .tables
                    .into_iter()
                    .map(|t| PreviewTableOut {
                        table: t.table,
                        found: t.found,
                        shared: t.shared,
                        mentioned: t.mentioned,
                        erasure: t.erasure.map(|e| {
                            match e {
                                Erasure::Delete => "delete",
                                Erasure::Anonymise => "anonymise",
                            }
                            .to_owned()
                        }),
                        example: t.example,
                    })
                    .collect(),
                left: p
                    .left
                    .into_iter()
                    .map(|l| LeftOut {
                        table: l.table,
                        column: l.column,
                        rows: l.rows,
                        example: l.example,
                        stays: l.stays,
                    })
                    .collect(),
                notes: p.notes,
                error: p.error,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/approve", tag = "requests", request_body = ApproveIn,
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 202, description = "Approved: the execution is queued on every connected system; poll the request until no task is `queued`, `running` or `applying`", body = RequestOut),
              (status = 400, description = "A correction that cannot be read", body = ApiError),
              (status = 404, body = ApiError),
              (status = 409, description = "No identifier proven yet (`identities`), or an erasure without `confirm_erasure`", body = ApiError)),
    security(("bearer" = [])))]
pub async fn approve(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ApproveIn>,
) -> Result<(StatusCode, Json<RequestOut>), ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.approve").await?;
    // An erasure cannot be undone: approved only once the preview was read.
    if r.kind == RequestKind::Erasure && !input.confirm_erasure {
        return Err(ApiFailure::Conflict(
            "confirm_erasure: read the preview, then approve with confirm_erasure true".into(),
        ));
    }
    let corrections = input
        .corrections
        .into_iter()
        .map(|c| {
            let category = c.category.trim();
            if category.is_empty() {
                Err(ApiFailure::BadRequest(
                    "corrections: each names its category".into(),
                ))
            } else {
                Ok((category.to_owned(), c.value.trim().to_owned()))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    rights::approve(
        state.ctx(),
        &r,
        corrections,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(|e| match e {
        // No identifier proven yet: the request's state, not the body (C12).
        ServiceError::Invalid {
            field: "identities",
            message,
        } => ApiFailure::Conflict(at_field("identities", &message)),
        other => step_failure(other),
    })?;
    let out = stepped(&state, &ctx, id, "api.rights.approve").await?;
    Ok((StatusCode::ACCEPTED, out))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/retry", tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 202, description = "The failed tasks are queued again", body = RequestOut),
              (status = 404, body = ApiError),
              (status = 409, description = "The request's state does not allow it", body = ApiError)),
    security(("bearer" = [])))]
pub async fn retry(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<RequestOut>), ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.retry").await?;
    rights::retry_failed(state.ctx(), &r, Timestamp::now())
        .await
        .map_err(step_failure)?;
    let out = stepped(&state, &ctx, id, "api.rights.retry").await?;
    Ok((StatusCode::ACCEPTED, out))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/tasks/{task}/confirm", tag = "requests",
    params(("id" = i64, Path, description = "Request id"), ("task" = i64, Path, description = "A held task's id")),
    responses((status = 202, description = "Every row found is the person's, an agent says: the task runs", body = RequestOut),
              (status = 404, body = ApiError),
              (status = 409, description = "The task is not held", body = ApiError)),
    security(("bearer" = [])))]
pub async fn confirm(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((id, task)): Path<(i64, i64)>,
) -> Result<(StatusCode, Json<RequestOut>), ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.confirm").await?;
    rights::confirm_task(state.ctx(), &r, task, &ctx.actor().label, Timestamp::now())
        .await
        .map_err(|e| match e {
            ServiceError::Store(StoreError::NotFound) => ApiFailure::NotFound,
            other => step_failure(other),
        })?;
    let out = stepped(&state, &ctx, id, "api.rights.confirm").await?;
    Ok((StatusCode::ACCEPTED, out))
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/answer", tag = "requests", request_body = AnswerIn,
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Answered: sent to the person, with the export when there is one (C13)", body = RequestOut),
              (status = 404, body = ApiError),
              (status = 409, description = "The request's state does not allow it (tasks still running)", body = ApiError)),
    security(("bearer" = [])))]
pub async fn answer(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AnswerIn>,
) -> Result<Json<RequestOut>, ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.answer").await?;
    rights::answer(
        state.ctx(),
        &ctx.tenant,
        &r,
        &input.answer,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(step_failure)?;
    stepped(&state, &ctx, id, "api.rights.answer").await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/refuse", tag = "requests", request_body = ReasonIn,
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Refused, the person told why and how to complain to the CNIL", body = RequestOut),
              (status = 404, body = ApiError),
              (status = 409, description = "The request's state does not allow it", body = ApiError)),
    security(("bearer" = [])))]
pub async fn refuse(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReasonIn>,
) -> Result<Json<RequestOut>, ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.refuse").await?;
    rights::refuse(
        state.ctx(),
        &r,
        &input.reason,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(step_failure)?;
    stepped(&state, &ctx, id, "api.rights.refuse").await
}

#[utoipa::path(post, path = "/api/v1/requests/{id}/close", tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Closed", body = RequestOut),
              (status = 404, body = ApiError),
              (status = 409, description = "The request's state does not allow it", body = ApiError)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<RequestOut>, ApiFailure> {
    let r = for_step(&state, &ctx, id, "api.rights.close").await?;
    rights::close(state.ctx(), &r, &ctx.actor().label, Timestamp::now())
        .await
        .map_err(step_failure)?;
    stepped(&state, &ctx, id, "api.rights.close").await
}
