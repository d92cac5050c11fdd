//! Connected systems and their scans through the API (C39, C27), as the
//! pages handle them: a system is saved only once its dataset fits the
//! live database, reached through the same confinement; its URL is never
//! given back (it holds a password). A scan is a job: queued with 202,
//! polled until `done` or `failed`, its findings masked.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{SystemId, audit::Outcome, role::Permission};
use vigie_service::{
    discovery::{self, Gap},
    systems::{self, SystemInput},
};
use vigie_store::{System, SystemScan};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, ListParams, service_failure};
use crate::AppState;

/// A connected system, without its URL's password.
#[derive(Debug, Serialize, ToSchema)]
pub struct SystemOut {
    pub id: i64,
    pub name: String,
    /// The URL without its password (of a SQLite file, its name only).
    pub url_hint: String,
    /// The dataset (TOML): which tables and columns hold whom.
    pub dataset: String,
    /// When the dataset was last found to fit the live database.
    pub checked_at: Option<String>,
    /// What did not fit then, if anything.
    pub check_result: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SystemPage {
    pub items: Vec<SystemOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A new system, or a new version of one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SystemIn {
    /// 1 to 100 characters.
    #[schema(
        max_length = 100,
        pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$"
    )]
    pub name: String,
    /// `postgres://…`, `mysql://…`, `mariadb://…` or `sqlite://…`; on an update, empty
    /// keeps the stored one. Vigie's own database, another tenant's or a
    /// place the provider keeps off limits is refused.
    #[serde(default)]
    pub url: String,
    /// The dataset (TOML).
    pub dataset: String,
}

/// A finding's column added to the dataset (C39).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptIn {
    pub table: String,
    pub column: String,
    /// The data category it declares (as the finding proposes).
    pub category: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingOut {
    pub table: String,
    pub column: String,
    /// What was recognised (`email`, `phone`, `nir`, `iban`…).
    pub kind: String,
    pub sampled: usize,
    pub matched: usize,
    /// Masked: never the value itself.
    pub example: String,
    /// Art. 9 hints or a NIR.
    pub sensitive: bool,
    /// `declared`, `undeclared_column` or `undeclared_table`.
    pub gap: String,
    /// The data category accepting it would declare.
    pub category: String,
    /// Sensitive data or minors' birth dates the register does not declare
    /// or promises not to hold (C38).
    pub register_gap: bool,
    pub minors: usize,
    /// The first rows holding it, by primary key (`id=42`), personal data
    /// in a key masked; empty where the table has no row address.
    pub rows: Vec<String>,
}

/// A scan: the job, then its report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanOut {
    pub id: i64,
    pub system: i64,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub requested_at: String,
    pub finished_at: Option<String>,
    pub message: String,
    pub findings: Vec<FindingOut>,
}

fn system_out(s: &System) -> SystemOut {
    SystemOut {
        id: s.id.0,
        name: s.name.clone(),
        url_hint: s.url_hint.clone(),
        dataset: s.dataset.clone(),
        checked_at: s.checked_at.map(|t| t.to_string()),
        check_result: s.check_result.clone(),
        created_at: s.created_at.to_string(),
        updated_at: s.updated_at.to_string(),
    }
}

fn scan_out(s: &SystemScan) -> ScanOut {
    ScanOut {
        id: s.id,
        system: s.system.0,
        state: s.state.clone(),
        requested_at: s.requested_at.to_string(),
        finished_at: s.finished_at.map(|t| t.to_string()),
        message: s.message.clone(),
        findings: discovery::findings(s)
            .into_iter()
            .map(|f| FindingOut {
                gap: match f.gap {
                    Gap::Declared => "declared",
                    Gap::UndeclaredColumn => "undeclared_column",
                    Gap::UndeclaredTable => "undeclared_table",
                }
                .into(),
                table: f.table,
                column: f.column,
                kind: f.kind,
                sampled: f.sampled,
                matched: f.matched,
                example: f.example,
                sensitive: f.sensitive,
                category: f.category,
                register_gap: f.register_gap,
                minors: f.minors,
                rows: f.rows,
            })
            .collect(),
    }
}

#[utoipa::path(get, path = "/api/v1/systems", tag = "systems", params(ListParams),
    responses((status = 200, description = "The tenant's connected systems", body = SystemPage)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<SystemPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.systems.list")
        .await?;
    let page = state
        .store
        .systems(&ctx.scope, &p.q, super::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.systems.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(SystemPage {
        items: page.items.iter().map(system_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/systems", tag = "systems", request_body = SystemIn,
    responses((status = 201, description = "Connected: its dataset fits the live database", body = SystemOut),
              (status = 400, description = "A field is wrong (the URL refused or unreachable, the dataset not fitting): named in the message", body = ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<SystemIn>,
) -> Result<(StatusCode, Json<SystemOut>), ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.systems.create")
        .await?;
    let s = systems::create(
        state.ctx(),
        &ctx.scope,
        &SystemInput {
            name: input.name,
            url: input.url,
            dataset: input.dataset,
        },
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.systems.create",
        &format!("system:{}", s.id),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(system_out(&s))))
}

#[utoipa::path(get, path = "/api/v1/systems/{id}", tag = "systems",
    params(("id" = i64, Path, description = "System id")),
    responses((status = 200, description = "One connected system", body = SystemOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<SystemOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.systems.read")
        .await?;
    let s = state.store.system(&ctx.scope, SystemId(id)).await?;
    ctx.trace(
        &state,
        "api.systems.read",
        &format!("system:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(system_out(&s)))
}

/// A live column, with what discovery found in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuideColumnOut {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    /// The kind of personal data found by the last scan, if any.
    pub found: Option<String>,
    /// How sure, from 0 to 1.
    pub confidence: Option<f64>,
    /// Its foreign keys, as `table.column`.
    pub references: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GuideTableOut {
    pub name: String,
    /// Its primary key when it is one column (a dataset needs one).
    pub primary_key: Option<String>,
    pub columns: Vec<GuideColumnOut>,
}

/// The live database and the dataset Vigie proposes for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetGuideOut {
    pub tables: Vec<GuideTableOut>,
    /// The proposed dataset (TOML): keys, and the columns discovery found;
    /// save it, changed or not, with `PUT /api/v1/systems/{id}`.
    pub proposed: String,
    /// The scan the findings come from, if any ran.
    pub scan: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/systems/{id}/dataset-guide", tag = "systems",
    params(("id" = i64, Path, description = "System id")),
    responses((status = 200, description = "The system's live tables and columns (its catalogue only: no row is read) and the dataset proposed", body = DatasetGuideOut),
              (status = 400, description = "The database could not be reached or read: why, never the driver's words", body = ApiError),
              (status = 403, description = "Not the DPO's", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn dataset_guide(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<DatasetGuideOut>, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.systems.guide")
        .await?;
    let s = state.store.system(&ctx.scope, SystemId(id)).await?;
    let g = vigie_service::dataset_guide::guide(state.ctx(), &ctx.scope, &s)
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.systems.guide",
        &format!("system:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(DatasetGuideOut {
        tables: g
            .tables
            .into_iter()
            .map(|t| GuideTableOut {
                name: t.name,
                primary_key: t.primary_key,
                columns: t
                    .columns
                    .into_iter()
                    .map(|c| GuideColumnOut {
                        confidence: c.found.as_ref().map(|f| f.1),
                        found: c.found.map(|f| f.0),
                        references: c.references.iter().map(ToString::to_string).collect(),
                        name: c.name,
                        data_type: c.data_type,
                        nullable: c.nullable,
                    })
                    .collect(),
            })
            .collect(),
        proposed: vigie_connect::dataset_text(&g.proposed),
        scan: g.scan,
    }))
}

#[utoipa::path(put, path = "/api/v1/systems/{id}", tag = "systems", request_body = SystemIn,
    params(("id" = i64, Path, description = "System id")),
    responses((status = 200, description = "Saved: its dataset fits the live database", body = SystemOut),
              (status = 400, description = "A field is wrong: named in the message", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SystemIn>,
) -> Result<Json<SystemOut>, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.systems.update")
        .await?;
    let s = state.store.system(&ctx.scope, SystemId(id)).await?;
    let s = systems::update(
        state.ctx(),
        &ctx.scope,
        s,
        &SystemInput {
            name: input.name,
            url: input.url,
            dataset: input.dataset,
        },
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.systems.update",
        &format!("system:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(system_out(&s)))
}

#[utoipa::path(post, path = "/api/v1/systems/{id}/accept", tag = "systems", request_body = AcceptIn,
    params(("id" = i64, Path, description = "System id")),
    responses((status = 200, description = "The column is in the dataset, checked against the live database", body = SystemOut),
              (status = 400, description = "The table is not in the dataset, or the column already is", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn accept(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AcceptIn>,
) -> Result<Json<SystemOut>, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.systems.accept")
        .await?;
    let s = state.store.system(&ctx.scope, SystemId(id)).await?;
    let s = discovery::accept(
        state.ctx(),
        &ctx.scope,
        s,
        (&input.table, &input.column),
        &input.category,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.systems.accept",
        &format!("system:{id}/{}.{}", input.table, input.column),
        Outcome::Success,
    )
    .await?;
    Ok(Json(system_out(&s)))
}

#[utoipa::path(get, path = "/api/v1/systems/{id}/scans", tag = "systems",
    params(("id" = i64, Path, description = "System id")),
    responses((status = 200, description = "The system's latest scans (20), newest first", body = Vec<ScanOut>),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn scans(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ScanOut>>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.systems.scans")
        .await?;
    let s = state.store.system(&ctx.scope, SystemId(id)).await?;
    let scans = state.store.scans(&ctx.scope, s.id, 20).await?;
    ctx.trace(
        &state,
        "api.systems.scans",
        &format!("system:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(scans.iter().map(scan_out).collect()))
}

#[utoipa::path(post, path = "/api/v1/systems/{id}/scans", tag = "systems",
    params(("id" = i64, Path, description = "System id")),
    responses((status = 202, description = "Queued: poll the scan until `done` or `failed`", body = ScanOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn scan(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<ScanOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.systems.scan")
        .await?;
    let s = state.store.system(&ctx.scope, SystemId(id)).await?;
    let scan = discovery::request(state.ctx(), &ctx.scope, s.id, Timestamp::now())
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.systems.scan",
        &format!("system:{id}/scan:{}", scan.id),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(scan_out(&scan))))
}

#[utoipa::path(get, path = "/api/v1/systems/{id}/scans/{scan}", tag = "systems",
    params(("id" = i64, Path, description = "System id"), ("scan" = i64, Path, description = "Scan id")),
    responses((status = 200, description = "The scan: its state, then its findings", body = ScanOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn scan_read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((id, scan)): Path<(i64, i64)>,
) -> Result<Json<ScanOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.systems.scan.read")
        .await?;
    let s = state.store.scan(&ctx.scope, scan).await?;
    if s.system != SystemId(id) {
        return Err(ApiFailure::NotFound);
    }
    ctx.trace(
        &state,
        "api.systems.scan.read",
        &format!("scan:{scan}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(scan_out(&s)))
}

/// A masked copy of a system into a test database (C30): the job, then
/// what it copied.
#[derive(Debug, Serialize, ToSchema)]
pub struct CopyOut {
    pub id: i64,
    pub system: i64,
    /// The test database, without its password.
    pub target_hint: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Rows copied so far (updated every two seconds while it runs).
    pub rows_copied: i64,
    /// `table: rows` per line, once done.
    pub summary: String,
    pub error: String,
    pub requested_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Where to copy to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CopyIn {
    /// An empty test database (`postgres://…`, `mysql://…`, `mariadb://…`,
    /// `sqlite://…`) the provider allows, never a connected system.
    pub to: String,
}

fn copy_out(c: &vigie_store::MaskedCopy) -> CopyOut {
    CopyOut {
        id: c.id,
        system: c.system.0,
        target_hint: c.target_hint.clone(),
        state: c.state.clone(),
        rows_copied: c.rows_copied,
        summary: c.summary.clone(),
        error: c.error.clone(),
        requested_by: c.requested_by.clone(),
        created_at: c.created_at.to_string(),
        updated_at: c.updated_at.to_string(),
    }
}

#[utoipa::path(post, path = "/api/v1/systems/{id}/copies", tag = "systems", request_body = CopyIn,
    params(("id" = i64, Path, description = "System id")),
    responses((status = 202, description = "Queued: poll the copy until `done` or `failed` (or have a `copy_finished` webhook)", body = CopyOut),
              (status = 400, description = "The URL is not a database address", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn copy(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CopyIn>,
) -> Result<(StatusCode, Json<CopyOut>), ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.systems.copy")
        .await?;
    let c = vigie_service::copies::request(
        state.ctx(),
        &ctx.scope,
        SystemId(id),
        &input.to,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.systems.copy",
        &format!("system:{id}:copy:{}", c.id),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(copy_out(&c))))
}

#[utoipa::path(get, path = "/api/v1/systems/{id}/copies", tag = "systems",
    params(("id" = i64, Path, description = "System id")),
    responses((status = 200, description = "The system's latest masked copies (20), newest first", body = Vec<CopyOut>),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn copies(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CopyOut>>, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.systems.copies")
        .await?;
    let s = state.store.system(&ctx.scope, SystemId(id)).await?;
    let all = state.store.copies(&ctx.scope, s.id).await?;
    ctx.trace(
        &state,
        "api.systems.copies",
        &format!("system:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(all.iter().map(copy_out).collect()))
}

#[utoipa::path(get, path = "/api/v1/systems/{id}/copies/{copy}", tag = "systems",
    params(("id" = i64, Path, description = "System id"), ("copy" = i64, Path, description = "Copy id")),
    responses((status = 200, description = "One copy: where it stands", body = CopyOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn copy_read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((id, copy)): Path<(i64, i64)>,
) -> Result<Json<CopyOut>, ApiFailure> {
    ctx.require(&state, Permission::ManageSystems, "api.systems.copies")
        .await?;
    let c = state.store.copy(&ctx.scope, copy).await?;
    if c.system.0 != id {
        return Err(ApiFailure::NotFound);
    }
    ctx.trace(
        &state,
        "api.systems.copies",
        &format!("system:{id}:copy:{copy}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(copy_out(&c)))
}
