//! The instance's backups in the API (C33, C34), for the provider's own
//! supervision: every backup with its targets, checksum and restore test,
//! anomalies first, and the RPO and RTO achieved beside the promise.

use axum::{
    Json,
    extract::{Query, State},
};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;
use vigie_domain::backup::{Continuity, PROMISED_WORKING_MINUTES};

use super::{ApiFailure, ListParams, problems::ProviderApi};
use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct BackupOut {
    pub name: String,
    /// `running`, `done`, `failed`, `deleted` (rotated out).
    pub state: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub backend: String,
    pub size: i64,
    pub sha256: String,
    pub targets: Vec<String>,
    pub error: String,
    /// `` (never tested), `ok`, `failed`.
    pub restore_state: String,
    pub restore_at: Option<String>,
    pub restore_ms: Option<i64>,
    pub restore_detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContinuityOut {
    /// Backups are configured (recipients and targets).
    pub configured: bool,
    /// Seconds of data a loss now would cost: the age of the newest
    /// backup whose restore test passed.
    pub rpo_seconds: Option<i64>,
    pub rpo_held: bool,
    /// The last restore test's duration.
    pub rto_seconds: Option<f64>,
    pub rto_held: bool,
    /// The promise, in working hours (service-hours calendar).
    pub promised_working_hours: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BackupPage {
    pub continuity: ContinuityOut,
    pub items: Vec<BackupOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[utoipa::path(get, path = "/api/v1/provider/backups", tag = "provider", params(ListParams),
    responses((status = 200, description = "The backups, failures first, with the RPO and RTO achieved", body = BackupPage),
              (status = 401, body = super::ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    api: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<BackupPage>, ApiFailure> {
    let page = state
        .store
        .backups(crate::api::page_of(q.page, q.page_size)?)
        .await?;
    let tested = state
        .store
        .good_backups()
        .await?
        .into_iter()
        .find(|b| b.restore_state == "ok")
        .and_then(|b| Some((b.ended_at?, b.restore_ms?)));
    let c = Continuity::of(
        tested,
        Timestamp::now(),
        vigie_domain::calendar::Calendar::France,
    );
    api.trace(&state, "api.backups.list", "backups").await?;
    Ok(Json(BackupPage {
        continuity: ContinuityOut {
            configured: state.settings.backups.configured,
            rpo_seconds: c.rpo.map(|d| d.as_secs()),
            rpo_held: c.rpo_held,
            rto_seconds: c.rto.map(|d| d.as_secs_f64()),
            rto_held: c.rto_held,
            promised_working_hours: PROMISED_WORKING_MINUTES / 60,
        },
        items: page
            .items
            .into_iter()
            .map(|b| BackupOut {
                targets: b
                    .targets
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect(),
                name: b.name,
                state: b.state,
                started_at: b.started_at.to_string(),
                ended_at: b.ended_at.map(|t| t.to_string()),
                backend: b.backend,
                size: b.size,
                sha256: b.sha256,
                error: b.error,
                restore_state: b.restore_state,
                restore_at: b.restore_at.map(|t| t.to_string()),
                restore_ms: b.restore_ms,
                restore_detail: b.restore_detail,
            })
            .collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}
