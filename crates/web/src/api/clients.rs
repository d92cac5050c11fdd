//! A client's audits (C40) and documented instructions (C41) through the
//! API, as on their pages: any member reads them; writing needs `Write`;
//! an audit gives a month's notice, at most one in 12 months unless an
//! authority requires it; an instruction is not dated in the future.

use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
};
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{
    audit::Outcome,
    audits::{Audit, Instruction},
    role::Permission,
};
use vigie_service::audits;
use vigie_store::{StoredAudit, StoredInstruction};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, ListParams, service_failure};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub id: i64,
    #[schema(format = Date)]
    pub requested_on: String,
    #[schema(format = Date)]
    pub planned_on: String,
    /// What the audit covers.
    pub scope: String,
    pub auditor: String,
    pub authority_required: bool,
    pub authority: String,
    /// The provider's plan, report and answers, once written.
    pub plan: String,
    pub report: String,
    pub answers: String,
    pub created_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// An audit asked for.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AuditIn {
    /// At least a month from today, unless an authority requires it.
    #[schema(value_type = String, format = Date)]
    pub planned_on: Date,
    /// What the audit covers.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub scope: String,
    #[serde(default)]
    pub auditor: String,
    #[serde(default)]
    pub authority_required: bool,
    /// Which authority, when one requires it.
    #[serde(default)]
    pub authority: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstructionOut {
    pub id: i64,
    #[schema(format = Date)]
    pub given_on: String,
    pub given_by: String,
    pub purpose: String,
    pub operation: String,
    /// The provider believes it infringes the GDPR (Art. 28.3 h), and why.
    pub flagged_unlawful: bool,
    pub flag_reason: String,
    pub created_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstructionPage {
    pub items: Vec<InstructionOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// An instruction written down.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InstructionIn {
    /// Not in the future.
    #[schema(value_type = String, format = Date)]
    pub given_on: Date,
    #[serde(default)]
    pub given_by: String,
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub purpose: String,
    /// What the provider is to do with the data.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub operation: String,
}

pub(super) fn audit_out(a: &StoredAudit) -> AuditOut {
    AuditOut {
        id: a.id,
        requested_on: a.requested_on.to_string(),
        planned_on: a.planned_on.to_string(),
        scope: a.body.scope.clone(),
        auditor: a.body.auditor.clone(),
        authority_required: a.body.authority_required,
        authority: a.body.authority.clone(),
        plan: a.body.plan.clone(),
        report: a.body.report.clone(),
        answers: a.body.answers.clone(),
        created_by: a.created_by.clone(),
    }
}

pub(super) fn instruction_out(i: &StoredInstruction) -> InstructionOut {
    InstructionOut {
        id: i.id,
        given_on: i.given_on.to_string(),
        given_by: i.body.given_by.clone(),
        purpose: i.body.purpose.clone(),
        operation: i.body.operation.clone(),
        flagged_unlawful: i.body.flagged_unlawful,
        flag_reason: i.body.flag_reason.clone(),
        created_by: i.created_by.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/audits", tag = "audits", params(ListParams),
    responses((status = 200, description = "The audits asked for, latest planned first (`q` in what they cover and the auditor)", body = AuditPage)),
    security(("bearer" = [])))]
pub async fn audits_list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<AuditPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.audits.list")
        .await?;
    let page = super::page_of(p.page, p.page_size)?;
    // A few a year: read whole, filtered and cut here.
    let q = p.q.trim().to_lowercase();
    let mut all: Vec<StoredAudit> = state
        .store
        .audits(&ctx.scope)
        .await?
        .into_iter()
        .filter(|a| {
            q.is_empty()
                || format!("{} {}", a.body.scope, a.body.auditor)
                    .to_lowercase()
                    .contains(&q)
        })
        .collect();
    all.sort_by(|a, b| b.planned_on.cmp(&a.planned_on).then(b.id.cmp(&a.id)));
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let items = all
        .iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit()).unwrap_or(0))
        .map(audit_out)
        .collect();
    ctx.trace(
        &state,
        "api.audits.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(AuditPage {
        items,
        total,
        page: page.number(),
        page_size: page.size(),
    }))
}

#[utoipa::path(post, path = "/api/v1/audits", tag = "audits", request_body = AuditIn,
    responses((status = 201, description = "Asked for; the provider is told", body = AuditOut),
              (status = 400, description = "Less than a month's notice, a second audit within 12 months, or an authority not named: the field and the rule", body = ApiError)),
    security(("bearer" = [])))]
pub async fn audits_create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<AuditIn>,
) -> Result<(StatusCode, Json<AuditOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.audits.request")
        .await?;
    let body = Audit {
        scope: input.scope.trim().to_owned(),
        auditor: input.auditor.trim().to_owned(),
        authority_required: input.authority_required,
        authority: input.authority.trim().to_owned(),
        ..Audit::default()
    };
    let a = audits::request_audit(
        state.ctx(),
        &ctx.scope,
        input.planned_on,
        &body,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.audits.request",
        &format!("audit:{}", a.id),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(audit_out(&a))))
}

#[utoipa::path(get, path = "/api/v1/instructions", tag = "audits", params(ListParams),
    responses((status = 200, description = "The instructions given, newest first (`q` in their text)", body = InstructionPage)),
    security(("bearer" = [])))]
pub async fn instructions_list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<InstructionPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.instructions.list")
        .await?;
    let page = state
        .store
        .instructions(&ctx.scope, &p.q, super::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.instructions.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(InstructionPage {
        items: page.items.iter().map(instruction_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/instructions", tag = "audits", request_body = InstructionIn,
    responses((status = 201, description = "Written down", body = InstructionOut),
              (status = 400, description = "Dated in the future: the field and the rule", body = ApiError)),
    security(("bearer" = [])))]
pub async fn instructions_create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<InstructionIn>,
) -> Result<(StatusCode, Json<InstructionOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.instructions.record")
        .await?;
    let body = Instruction {
        given_by: input.given_by.trim().to_owned(),
        purpose: input.purpose.trim().to_owned(),
        operation: input.operation.trim().to_owned(),
        ..Instruction::default()
    };
    let i = audits::record_instruction(
        state.ctx(),
        &ctx.scope,
        input.given_on,
        &body,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.instructions.record",
        &format!("instruction:{}", i.id),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(instruction_out(&i))))
}
