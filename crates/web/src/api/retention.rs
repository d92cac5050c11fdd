//! Retention rules and their sweeps in the API (C21, C22): the DPO's
//! tools write rules and read the preview; anyone of the tenant reads the
//! signed reports.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{audit::Outcome, role::Permission};
use vigie_service::retention::{self, RuleInput, SignedReport};
use vigie_store::{RetentionRun, StoredRule};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, ListParams, service_failure};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleOut {
    pub id: i64,
    pub system: i64,
    pub label: String,
    pub table: String,
    pub trigger_column: String,
    pub amount: i64,
    /// `days`, `months` or `years`.
    pub unit: String,
    /// `delete` or `anonymise`.
    pub action: String,
    /// The cutoff of the last complete sweep, `YYYY-MM-DD`.
    pub done_before: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RuleIn {
    pub system: i64,
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    #[schema(min_length = 1)]
    pub table: String,
    #[schema(min_length = 1)]
    pub trigger_column: String,
    pub amount: i64,
    #[schema(pattern = "^(days|months|years)$")]
    pub unit: String,
    #[schema(pattern = "^(delete|anonymise)$")]
    pub action: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionPreviewOut {
    pub rule: i64,
    /// Rows whose trigger falls before this day are past their period.
    pub cutoff: String,
    pub matched: u64,
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunOut {
    pub id: i64,
    pub dry: bool,
    /// `running` or `done`.
    pub status: String,
    pub started_by: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    /// The signed report (with its signature and public key), once done.
    #[schema(value_type = Object)]
    pub report: Option<SignedReport>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunPage {
    pub items: Vec<RunOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

fn rule_out(r: &StoredRule) -> RuleOut {
    RuleOut {
        id: r.id,
        system: r.rule.system.0,
        label: r.rule.label.clone(),
        table: r.rule.table.clone(),
        trigger_column: r.rule.trigger_column.clone(),
        amount: r.rule.period.amount(),
        unit: r.rule.period.unit().as_str().into(),
        action: r.rule.action.as_str().into(),
        done_before: r.done_before.map(|d| d.to_string()),
    }
}

fn run_out(r: &RetentionRun) -> RunOut {
    RunOut {
        id: r.id,
        dry: r.dry,
        status: r.status.clone(),
        started_by: r.started_by.clone(),
        started_at: r.started_at.to_string(),
        ended_at: r.ended_at.map(|t| t.to_string()),
        report: serde_json::from_str(&r.report).ok(),
    }
}

#[utoipa::path(get, path = "/api/v1/retention/rules", tag = "retention",
    responses((status = 200, description = "The tenant's retention rules", body = [RuleOut]),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn rules(
    State(state): State<AppState>,
    ctx: ApiCtx,
) -> Result<Json<Vec<RuleOut>>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.retention.rules")
        .await?;
    let all = state.store.rules(&ctx.scope).await?;
    ctx.trace(
        &state,
        "api.retention.rules",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(all.iter().map(rule_out).collect()))
}

#[utoipa::path(post, path = "/api/v1/retention/rules", tag = "retention", request_body = RuleIn,
    responses((status = 201, description = "Checked against the system's dataset and live schema, and recorded", body = RuleOut),
              (status = 400, description = "What is wrong, field by field", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<RuleIn>,
) -> Result<(StatusCode, Json<RuleOut>), ApiFailure> {
    ctx.require(
        &state,
        Permission::ManageSystems,
        "api.retention.rule_create",
    )
    .await?;
    let r = retention::create_rule(
        state.ctx(),
        &ctx.scope,
        &RuleInput {
            system: input.system,
            label: input.label,
            table: input.table,
            trigger_column: input.trigger_column,
            amount: input.amount.to_string(),
            unit: input.unit,
            action: input.action,
        },
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.retention.rule_create",
        &format!("retention_rule:{}", r.id),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(rule_out(&r))))
}

#[utoipa::path(delete, path = "/api/v1/retention/rules/{id}", tag = "retention",
    params(("id" = i64, Path, description = "Rule id")),
    responses((status = 204, description = "Removed"), (status = 404, body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    ctx.require(
        &state,
        Permission::ManageSystems,
        "api.retention.rule_delete",
    )
    .await?;
    state.store.delete_rule(&ctx.scope, id).await?;
    ctx.trace(
        &state,
        "api.retention.rule_delete",
        &format!("retention_rule:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/retention/preview", tag = "retention",
    responses((status = 200, description = "What each rule would touch today; nothing is changed", body = [RetentionPreviewOut]),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn preview(
    State(state): State<AppState>,
    ctx: ApiCtx,
) -> Result<Json<Vec<RetentionPreviewOut>>, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.retention.preview")
        .await?;
    let rows = retention::preview(state.ctx(), &ctx.scope, Timestamp::now())
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.retention.preview",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|p| RetentionPreviewOut {
                rule: p.rule.id,
                cutoff: p.cutoff.to_string(),
                matched: p.matched,
                error: p.error,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/retention/runs", tag = "retention", params(ListParams),
    responses((status = 200, description = "The sweeps, newest first, with their signed reports", body = RunPage),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn runs(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<RunPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.retention.runs")
        .await?;
    let page = state
        .store
        .runs(&ctx.scope, crate::api::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.retention.runs",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(RunPage {
        items: page.items.iter().map(run_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/retention/runs", tag = "retention",
    responses((status = 202, description = "A sweep is queued; its run appears in the list"),
              (status = 409, description = "No rule to sweep with yet (`rules`)", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
pub async fn request(State(state): State<AppState>, ctx: ApiCtx) -> Result<StatusCode, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.retention.sweep")
        .await?;
    retention::request(state.ctx(), &ctx.scope, Timestamp::now())
        .await
        .map_err(super::state_failure(&["rules"]))?;
    ctx.trace(
        &state,
        "api.retention.sweep",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

#[utoipa::path(get, path = "/api/v1/retention/runs/{id}", tag = "retention",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, description = "One sweep with its signed report", body = RunOut),
              (status = 404, body = ApiError), (status = 401, body = ApiError)),
    security(("bearer" = [])))]
pub async fn run(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<RunOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.retention.run")
        .await?;
    let r = state.store.run(&ctx.scope, id).await?;
    ctx.trace(
        &state,
        "api.retention.run",
        &format!("retention_run:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(run_out(&r)))
}

#[utoipa::path(get, path = "/api/v1/retention/runs/{id}/report.csv", tag = "retention",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, description = "The sweep's report, one line per rule (what it matched and changed, or its error), for a spreadsheet",
                  content((String = "text/csv"))),
              (status = 404, description = "No such sweep, or one still running", body = ApiError)),
    security(("bearer" = [])))]
pub async fn run_csv(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<axum::response::Response, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.retention.report")
        .await?;
    let r = state.store.run(&ctx.scope, id).await?;
    let signed: vigie_service::retention::SignedReport =
        serde_json::from_str(&r.report).map_err(|_| ApiFailure::NotFound)?;
    let body = crate::pages::retention::report_csv(&signed).map_err(|e| {
        tracing::error!("api: retention report: {e}");
        ApiFailure::Internal
    })?;
    ctx.trace(
        &state,
        "api.retention.report",
        &format!("retention_run:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(crate::pages::download(
        "text/csv; charset=utf-8",
        format!("rapport-conservation-{}-{id}.csv", ctx.tenant.slug),
        body,
    ))
}
