//! The JSON API under `/api/v1`, for a tenant's own tools. Callers present
//! a tenant API token (`Authorization: Bearer vigie_…`); the token's tenant
//! and role are its whole scope. Errors are JSON with a stable `code`.

use axum::{
    Json, Router,
    extract::{FromRequestParts, Path, Query, State},
    http::{StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use vigie_domain::{
    ActivityId, UserId,
    audit::{Actor, Outcome},
    page::{Page, Paged},
    register::ActivityStatus,
    role::{Permission, Role, Roles},
    scope::TenantScope,
};
use vigie_store::{ApiToken, StoreError, Tenant, TrailFilter};

pub(crate) use body::ApiJson;
use contract::{BearerAuth, CommonErrors, Strict};

use crate::{
    AppState,
    client::{Client, client_of},
    secrets::token_hash,
};

mod backups;
mod body;
mod clients;
mod consent;
mod contract;
mod followup;
mod incidents;
mod models;
mod people;
mod problems;
mod provider_admin;
mod provider_clients;
mod provider_instance;
mod provider_requests;
mod provider_subprocessors;
mod register_docs;
mod request_docs;
mod requests;
mod retention;
mod subprocessors;
mod systems;
mod tokens;
mod webhooks;

/// A JSON error: `code` is stable, `message` is for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// One of `unauthorized`, `forbidden`, `not_found`, `bad_request`,
    /// `conflict`, `unavailable` (503: the database cannot serve now,
    /// nothing was changed), `internal`; for a request the API cannot read:
    /// `invalid_body` (422, JSON of the wrong shape, the field named in
    /// `message`), `unknown_field` (422, a field the operation does not
    /// take), `invalid_character` (422, a NUL character in a field, named
    /// in `message`),
    /// `unsupported_media_type`, `method_not_allowed`, `too_large`.
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug)]
pub enum ApiFailure {
    Unauthorized,
    Forbidden,
    NotFound,
    BadRequest(String),
    Conflict(String),
    /// 422: a body the API cannot take, with its stable code
    /// (`invalid_body`, `unknown_field`).
    Unprocessable {
        code: &'static str,
        message: String,
    },
    UnsupportedMediaType,
    TooLarge,
    Unavailable,
    Internal,
}

impl ApiFailure {
    pub(crate) fn invalid_body(message: String) -> Self {
        ApiFailure::Unprocessable {
            code: "invalid_body",
            message,
        }
    }
}

/// The last page number a list takes (500 million items at the largest size).
const PAGE_MAX: u32 = 1_000_000;

/// A page of a list as asked: out of its documented bounds it is refused,
/// naming the field, not quietly clamped (schemathesis, issue 20).
pub(crate) fn page_of(page: Option<u32>, size: Option<u32>) -> Result<Page, ApiFailure> {
    if page.is_some_and(|p| p == 0 || p > PAGE_MAX) {
        return Err(ApiFailure::BadRequest(format!(
            "page: from 1 to {PAGE_MAX}"
        )));
    }
    if size.is_some_and(|s| s == 0 || s > Page::MAX_SIZE) {
        return Err(ApiFailure::BadRequest(format!(
            "page_size: from 1 to {}",
            Page::MAX_SIZE
        )));
    }
    Ok(Page::new(page, size))
}

/// The API's 503, for the layers outside the handlers.
pub(crate) fn unavailable() -> Response {
    ApiFailure::Unavailable.into_response()
}

impl From<StoreError> for ApiFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiFailure::NotFound,
            StoreError::Conflict(m) => ApiFailure::Conflict(m),
            StoreError::Unavailable(m) => {
                tracing::warn!("database unavailable: {m}");
                ApiFailure::Unavailable
            }
            other => {
                tracing::error!("api: {other}");
                ApiFailure::Internal
            }
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiFailure::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid, unexpired API token is required (Authorization: Bearer …)".to_owned(),
            ),
            ApiFailure::Forbidden => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "the token's role does not allow this".to_owned(),
            ),
            ApiFailure::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such object".to_owned(),
            ),
            ApiFailure::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            ApiFailure::Conflict(m) => (StatusCode::CONFLICT, "conflict", m),
            ApiFailure::Unprocessable { code, message } => {
                (StatusCode::UNPROCESSABLE_ENTITY, code, message)
            }
            ApiFailure::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON (Content-Type: application/json)".to_owned(),
            ),
            ApiFailure::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the body is larger than this operation takes".to_owned(),
            ),
            ApiFailure::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database is unavailable; nothing was changed, try again".to_owned(),
            ),
            ApiFailure::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "unexpected error; nothing was changed".to_owned(),
            ),
        };
        let mut res = (status, Json(ApiError { code, message })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

/// A caller authenticated by a tenant API token.
pub struct ApiCtx {
    pub token: ApiToken,
    pub tenant: Tenant,
    pub scope: TenantScope,
    pub client: Client,
}

impl ApiCtx {
    fn actor(&self) -> Actor {
        Actor {
            user: self.token.created_by,
            label: format!("token:{}:{}", self.token.id, self.token.name),
        }
    }

    async fn trace(
        &self,
        state: &AppState,
        action: &str,
        object: &str,
        outcome: Outcome,
    ) -> Result<(), ApiFailure> {
        Ok(state
            .trace(
                self.actor(),
                Some(self.tenant.id),
                &self.client,
                action,
                object,
                outcome,
            )
            .await?)
    }

    /// Checks the permission; a refusal is traced.
    async fn require(
        &self,
        state: &AppState,
        p: Permission,
        action: &str,
    ) -> Result<(), ApiFailure> {
        if self.scope.allows(p) {
            return Ok(());
        }
        self.trace(state, action, "", Outcome::Denied).await?;
        Err(ApiFailure::Forbidden)
    }
}

impl FromRequestParts<AppState> for ApiCtx {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let secret = bearer(parts).ok_or(ApiFailure::Unauthorized)?;
        let token = match state.store.token_by_hash(&token_hash(secret)).await {
            Ok(t) => t,
            Err(StoreError::NotFound) => return Err(ApiFailure::Unauthorized),
            Err(e) => return Err(e.into()),
        };
        if token.revoked || token.expires_at <= Timestamp::now() {
            return Err(ApiFailure::Unauthorized);
        }
        // The token acts for its creator: no more than they still hold
        // in this tenant (removed or demoted since, it stops).
        if let Some(creator) = token.created_by {
            let holds = state
                .store
                .memberships(creator)
                .await?
                .iter()
                .any(|m| m.tenant.id == token.tenant && m.roles.covers(token.role));
            if !holds {
                return Err(ApiFailure::Unauthorized);
            }
        }
        let tenant = state.store.tenant(token.tenant).await?;
        let scope = TenantScope::from_verified_membership(
            tenant.id,
            token.created_by,
            Roles::new(vec![token.role]),
        );
        Ok(ApiCtx {
            token,
            tenant,
            scope,
            client: client_of(parts),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    /// The tenant's short name.
    pub tenant: String,
    pub tenant_name: String,
    /// dpo, user_manager, agent or auditor.
    pub role: String,
    pub token_name: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub disabled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPage {
    pub items: Vec<MemberOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordOut {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub ip: String,
    /// success, failure, denied or interrupted.
    pub outcome: String,
    /// BLAKE3 chain hash, hex.
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordPage {
    pub items: Vec<RecordOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Text searched in names and emails (members) or actor, action and object (trail).
    #[serde(default)]
    pub q: String,
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrailParams {
    #[serde(default)]
    pub q: String,
    /// Only actions starting with this (`auth.`, `user.`…).
    #[serde(default)]
    pub action: String,
    /// success, failure, denied or interrupted.
    #[serde(default)]
    #[param(pattern = "^(success|failure|denied|interrupted)?$")]
    pub outcome: String,
    /// RFC 3339 instant, inclusive.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// RFC 3339 instant, inclusive.
    #[param(format = DateTime)]
    pub to: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "token",
    responses((status = 200, description = "The token's tenant and role", body = MeOut),
              (status = 401, description = "Missing, unknown, revoked or expired token", body = ApiError)),
    security(("bearer" = [])))]
async fn me(State(state): State<AppState>, ctx: ApiCtx) -> Result<Json<MeOut>, ApiFailure> {
    ctx.trace(
        &state,
        "api.me",
        &format!("token:{}", ctx.token.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(MeOut {
        tenant: ctx.tenant.slug.to_string(),
        tenant_name: ctx.tenant.name.as_str().into(),
        role: ctx.token.role.as_str().into(),
        token_name: ctx.token.name.clone(),
        expires_at: ctx.token.expires_at.to_string(),
    }))
}

pub(crate) fn member_out(m: &vigie_store::Member) -> MemberOut {
    MemberOut {
        id: m.user.id.0,
        email: m.user.email.to_string(),
        name: m.user.name.as_str().into(),
        roles: m.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        disabled: m.user.disabled,
    }
}

#[utoipa::path(get, path = "/api/v1/members", tag = "members", params(ListParams),
    responses((status = 200, description = "People with a role in the token's tenant", body = MemberPage),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn members(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<MemberPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.members.list")
        .await?;
    let page: Paged<_> = state
        .store
        .members(&ctx.scope, &p.q, crate::api::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.members.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(MemberPage {
        items: page.items.iter().map(member_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(get, path = "/api/v1/members/{id}", tag = "members",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, description = "One person of the tenant", body = MemberOut),
              (status = 404, description = "No such person in this tenant", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn member(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<MemberOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.members.read")
        .await?;
    let m = state.store.member(&ctx.scope, UserId(id)).await?;
    ctx.trace(
        &state,
        "api.members.read",
        &format!("user:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(member_out(&m)))
}

/// A required RFC 3339 instant of a body, or a 400 naming its field.
fn required_instant(field: &str, v: &str) -> Result<Timestamp, ApiFailure> {
    v.parse()
        .map_err(|_| ApiFailure::BadRequest(format!("{field}: an RFC 3339 date and time")))
}

/// The bearer secret of a request, if it carries one.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

fn instant(s: &Option<String>, field: &str) -> Result<Option<Timestamp>, ApiFailure> {
    s.as_deref()
        .map(|v| {
            v.trim().parse::<Timestamp>().map_err(|_| {
                ApiFailure::BadRequest(format!(
                    "`{field}` must be an RFC 3339 instant, like 2026-11-23T09:00:00Z"
                ))
            })
        })
        .transpose()
}

#[utoipa::path(get, path = "/api/v1/trail", tag = "trail", params(TrailParams),
    responses((status = 200, description = "The tenant's access trail, newest first", body = RecordPage),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn trail(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<TrailParams>,
) -> Result<Json<RecordPage>, ApiFailure> {
    ctx.require(&state, Permission::ReadTrail, "api.trail.read")
        .await?;
    let filter = trail_filter(&p)?;
    let page = state
        .store
        .tenant_trail(
            &ctx.scope,
            &filter,
            crate::api::page_of(p.page, p.page_size)?,
        )
        .await?;
    ctx.trace(
        &state,
        "api.trail.read",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(record_page(&page)))
}

/// The trail's filters from the query, each refused by name.
pub(crate) fn trail_filter(p: &TrailParams) -> Result<TrailFilter, ApiFailure> {
    let outcome = match p.outcome.trim() {
        "" => None,
        o => Some(Outcome::parse(o).ok_or_else(|| {
            ApiFailure::BadRequest(
                "`outcome` must be success, failure, denied or interrupted".into(),
            )
        })?),
    };
    Ok(TrailFilter {
        search: p.q.clone(),
        action_prefix: p.action.clone(),
        outcome,
        from: instant(&p.from, "from")?,
        to: instant(&p.to, "to")?,
    })
}

pub(crate) fn record_page(
    page: &vigie_domain::page::Paged<vigie_domain::audit::AuditRecord>,
) -> RecordPage {
    RecordPage {
        items: page
            .items
            .iter()
            .map(|r| RecordOut {
                seq: r.seq,
                at: r.at.to_string(),
                actor: r.event.actor.label.clone(),
                action: r.event.action.clone(),
                object: r.event.object.clone(),
                ip: r.event.ip.clone(),
                outcome: r.event.outcome.as_str().into(),
                hash: r.hash.to_hex(),
            })
            .collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }
}

/// One activity of the register with its version and computed flags.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityOut {
    pub id: i64,
    pub version: i64,
    /// `draft`, `complete`, `checked` or `archived`.
    pub status: String,
    pub updated_at: String,
    pub updated_by: String,
    pub completeness: u8,
    pub sensitive_data: bool,
    pub dpia_required: bool,
    /// Every field of the activity (Art. 30.1 and beyond).
    pub activity: vigie_domain::register::Activity,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<ActivityOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A new activity.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityIn {
    /// `draft` (default), `complete`, `checked` (DPO tokens only) or
    /// `archived` (no longer carried out: out of the current register,
    /// its versions kept). `activity.published` puts it on the public
    /// privacy policy: complete or checked activities only.
    #[serde(default)]
    #[schema(pattern = "^(draft|complete|checked|archived)?$")]
    pub status: Option<String>,
    pub activity: vigie_domain::register::Activity,
}

/// A new version of an activity.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityChangeIn {
    /// As for a new activity.
    #[serde(default)]
    #[schema(pattern = "^(draft|complete|checked|archived)?$")]
    pub status: Option<String>,
    /// The version it was read at (a later save is a 409).
    pub version: i64,
    /// Why it changes (kept in the history, C04).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub reason: String,
    pub activity: vigie_domain::register::Activity,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterParams {
    /// Words in the name, purposes, people or recipients.
    #[serde(default)]
    pub q: String,
    /// `draft`, `complete`, `checked` or `archived` (without it: every
    /// activity but archived ones).
    #[param(pattern = "^(draft|complete|checked|archived)?$")]
    pub status: Option<String>,
    /// Only activities with Art. 9/10 data or the NIR.
    #[serde(default)]
    pub sensitive: bool,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

pub(crate) fn activity_out(a: &vigie_store::StoredActivity) -> ActivityOut {
    ActivityOut {
        id: a.id.0,
        version: a.version,
        status: a.status.as_str().into(),
        updated_at: a.updated_at.to_string(),
        updated_by: a.updated_by.clone(),
        completeness: a.body.completeness(),
        sensitive_data: a.body.has_sensitive_data(),
        dpia_required: a.body.dpia_required(),
        activity: a.body.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/register", tag = "register", params(RegisterParams),
    responses((status = 200, description = "The tenant's register of processing activities", body = ActivityPage),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn register_list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<RegisterParams>,
) -> Result<Json<ActivityPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.register.list")
        .await?;
    let status = match p.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(ActivityStatus::parse(s).ok_or_else(|| {
            ApiFailure::BadRequest(format!(
                "status: {s} is not draft, complete, checked or archived"
            ))
        })?),
    };
    let filter = vigie_store::ActivityFilter {
        search: p.q.clone(),
        status,
        sensitive_only: p.sensitive,
    };
    let page = state
        .store
        .activities(
            &ctx.scope,
            &filter,
            crate::api::page_of(p.page, p.page_size)?,
        )
        .await?;
    ctx.trace(
        &state,
        "api.register.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(ActivityPage {
        items: page.items.iter().map(activity_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(get, path = "/api/v1/register/{id}", tag = "register",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "One activity", body = ActivityOut),
              (status = 404, body = ApiError), (status = 401, body = ApiError)),
    security(("bearer" = [])))]
async fn register_read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<ActivityOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.register.read")
        .await?;
    let a = state.store.activity(&ctx.scope, ActivityId(id)).await?;
    ctx.trace(
        &state,
        "api.register.read",
        &format!("activity:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(activity_out(&a)))
}

/// The organisation sheet as saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct SheetOut {
    pub updated_at: String,
    pub updated_by: String,
    /// `legal_name`, `address`, `siren`, `representative`,
    /// `representative_title`, `dpo_name`, `dpo_contact`,
    /// `dpo_designation`, `referent_name`, `referent_contact`.
    pub sheet: vigie_domain::organisation::OrganisationSheet,
}

impl From<vigie_store::StoredSheet> for SheetOut {
    fn from(s: vigie_store::StoredSheet) -> Self {
        SheetOut {
            updated_at: s.updated_at.to_string(),
            updated_by: s.updated_by,
            sheet: s.sheet,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/organisation", tag = "register",
    responses((status = 200, description = "The organisation sheet", body = SheetOut),
              (status = 404, description = "None saved yet", body = ApiError), (status = 401, body = ApiError)),
    security(("bearer" = [])))]
async fn organisation_read(
    State(state): State<AppState>,
    ctx: ApiCtx,
) -> Result<Json<SheetOut>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.organisation.read")
        .await?;
    let s = state
        .store
        .organisation_sheet(&ctx.scope)
        .await?
        .ok_or(ApiFailure::NotFound)?;
    ctx.trace(
        &state,
        "api.organisation.read",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(SheetOut::from(s)))
}

#[utoipa::path(put, path = "/api/v1/organisation", tag = "register",
    request_body(content = vigie_domain::organisation::OrganisationSheet, description = "The whole sheet (absent fields empty)"),
    responses((status = 200, description = "Saved, normalised (SIREN without spaces)", body = SheetOut),
              (status = 400, description = "A field breaks a rule: named in the message", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn organisation_update(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(sheet): ApiJson<vigie_domain::organisation::OrganisationSheet>,
) -> Result<Json<SheetOut>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.organisation.update")
        .await?;
    let by = format!("api:token:{}", ctx.token.name);
    let s =
        vigie_service::register::save_sheet(state.ctx(), &ctx.scope, sheet, &by, Timestamp::now())
            .await
            .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.organisation.update",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(SheetOut::from(s)))
}

fn status_of(ctx: &ApiCtx, s: &Option<String>) -> Result<ActivityStatus, ApiFailure> {
    let status = match s.as_deref() {
        None | Some("") => ActivityStatus::Draft,
        Some(s) => ActivityStatus::parse(s).ok_or_else(|| {
            ApiFailure::BadRequest(format!("status: {s} is not draft, complete or checked"))
        })?,
    };
    if status == ActivityStatus::Checked && !ctx.scope.roles().contains(Role::Dpo) {
        return Err(ApiFailure::BadRequest(
            "status: only a DPO marks an activity as checked".into(),
        ));
    }
    Ok(status)
}

/// `field: message`, the field said once (some messages name it already).
fn at_field(field: &str, message: &str) -> String {
    match message.strip_prefix(field) {
        Some(rest) if rest.starts_with(':') => message.to_owned(),
        _ => format!("{field}: {message}"),
    }
}

/// Several fields' refusals, each named, in one message.
fn fields_text(all: &[(&str, String)]) -> String {
    all.iter()
        .map(|(f, m)| at_field(f, m))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A refusal that the object as it stands causes, not the request (a
/// breach not yet qualified, no rule to sweep with): 409, as the request
/// may succeed once the object changes. `fields` are the ones meaning so;
/// several fields at once (what a phase still lacks) are always such.
pub(crate) fn state_failure(
    fields: &'static [&'static str],
) -> impl Fn(vigie_service::ServiceError) -> ApiFailure {
    move |e| match e {
        vigie_service::ServiceError::Invalid { field, message } if fields.contains(&field) => {
            ApiFailure::Conflict(at_field(field, &message))
        }
        vigie_service::ServiceError::Fields(all) => ApiFailure::Conflict(fields_text(&all)),
        other => service_failure(other),
    }
}

fn service_failure(e: vigie_service::ServiceError) -> ApiFailure {
    match e {
        vigie_service::ServiceError::Invalid { field, message } => {
            ApiFailure::BadRequest(at_field(field, &message))
        }
        vigie_service::ServiceError::Fields(all) => ApiFailure::BadRequest(fields_text(&all)),
        vigie_service::ServiceError::Link(r) => {
            ApiFailure::BadRequest(format!("{}: {r}", r.field()))
        }
        // Their own display names the field.
        e @ (vigie_service::ServiceError::Audit(_) | vigie_service::ServiceError::Transfer(_)) => {
            ApiFailure::BadRequest(e.to_string())
        }
        // Why a connection was refused or failed, never the driver's words (C27).
        vigie_service::ServiceError::Exec(vigie_connect::ExecError::Connect(c)) => {
            ApiFailure::BadRequest(format!(
                "url: {}",
                crate::labels::connect_message(crate::i18n::Lang::En.msgs(), &c)
            ))
        }
        vigie_service::ServiceError::Store(StoreError::Conflict(m)) => ApiFailure::Conflict(m),
        vigie_service::ServiceError::Store(e) => e.into(),
        other => {
            tracing::error!("api: {other}");
            ApiFailure::Internal
        }
    }
}

#[utoipa::path(post, path = "/api/v1/register", tag = "register", request_body = ActivityIn,
    responses((status = 201, description = "Created, version 1", body = ActivityOut),
              (status = 400, description = "What is wrong, field by field", body = ApiError),
              (status = 422, description = "A body of the wrong shape (`invalid_body`) or a NUL character in a field (`invalid_character`)", body = ApiError),
              (status = 401, body = ApiError), (status = 403, body = ApiError)),
    security(("bearer" = [])))]
async fn register_create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<ActivityIn>,
) -> Result<(StatusCode, Json<ActivityOut>), ApiFailure> {
    ctx.require(&state, Permission::Write, "api.register.create")
        .await?;
    let status = status_of(&ctx, &input.status)?;
    let a = vigie_service::register::create(
        state.ctx(),
        &ctx.scope,
        input.activity,
        status,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.register.create",
        &format!("activity:{}", a.id),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(activity_out(&a))))
}

#[utoipa::path(put, path = "/api/v1/register/{id}", tag = "register", request_body = ActivityChangeIn,
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "The new version", body = ActivityOut),
              (status = 400, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "Saved by someone else since `version`", body = ApiError),
              (status = 422, description = "A body of the wrong shape (`invalid_body`) or a NUL character in a field (`invalid_character`)", body = ApiError)),
    security(("bearer" = [])))]
async fn register_update(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ActivityChangeIn>,
) -> Result<Json<ActivityOut>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.register.update")
        .await?;
    let status = status_of(&ctx, &input.status)?;
    let a = vigie_service::register::save(
        state.ctx(),
        &ctx.scope,
        ActivityId(id),
        input.version,
        input.activity,
        status,
        &ctx.actor().label,
        &input.reason,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.register.update",
        &format!("activity:{id}/v{}", a.version),
        Outcome::Success,
    )
    .await?;
    Ok(Json(activity_out(&a)))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Vigie API", version = "1", description = "A tenant's data in Vigie. Authenticate with a tenant API token; the `/provider` operations take a provider token instead."),
    paths(me, members, member, people::add, people::set_roles, people::remove, people::disable, people::enable, people::password_reset, people::invitations, people::withdraw_invitation, trail, register_list, register_read, register_create, register_update,
        organisation_read, organisation_update,
        followup::dpia_read, followup::dpia_save, followup::list, followup::create, followup::close,
        followup::evidence_list, followup::evidence_upload, followup::evidence_file, followup::evidence_delete,
        requests::list, requests::record, requests::read, requests::verify, requests::ask, requests::extend, requests::preview,
        requests::approve, requests::retry, requests::confirm, requests::answer, requests::refuse, requests::close,
        systems::list, systems::create, systems::read, systems::update, systems::accept, systems::dataset_guide, systems::scans, systems::scan, systems::scan_read, systems::copy, systems::copies, systems::copy_read,
        subprocessors::list, subprocessors::notices, subprocessors::object, subprocessors::accept,
        incidents::list, incidents::declare, incidents::read, incidents::qualify, incidents::notify, incidents::inform, incidents::close,
        problems::list, problems::declare, problems::read, problems::qualify, problems::add_client, problems::notice, problems::update,
        retention::rules, retention::create, retention::delete, retention::preview, retention::runs, retention::request, retention::run, retention::run_csv,
        backups::list,
        provider_admin::tenants, provider_admin::create_tenant, provider_admin::accounts, provider_admin::disable, provider_admin::enable,
        provider_admin::jobs, provider_admin::outbox, provider_admin::trail, provider_admin::checkpoints, provider_admin::certificates, provider_admin::publish_model,
        provider_requests::list, provider_requests::forward,
        provider_instance::databases, provider_instance::declare, provider_instance::release, provider_instance::sweeps, provider_instance::sweep_report, provider_instance::tokens, provider_instance::create_token, provider_instance::revoke_token,
        provider_clients::grant, provider_clients::notice_hours, provider_clients::set_notice_hours, provider_clients::ending, provider_clients::end_contract, provider_clients::cancel_ending, provider_clients::reversibility, provider_clients::certificate, provider_clients::password_reset, provider_clients::processor_register, provider_clients::answer_audit, provider_clients::flag_instruction,
        provider_subprocessors::registry, provider_subprocessors::create, provider_subprocessors::read, provider_subprocessors::update, provider_subprocessors::notify, provider_subprocessors::resolve,
        tokens::list, tokens::create, tokens::revoke,
        models::list, models::import, models::take,
        request_docs::timeline_csv, request_docs::letter, request_docs::attachments, request_docs::attachment,
        request_docs::export, request_docs::export_file,
        register_docs::versions, register_docs::history, register_docs::export, register_docs::activity_export, register_docs::annual_report, register_docs::dpia_export,
        clients::audits_list, clients::audits_create, clients::instructions_list, clients::instructions_create,
        webhooks::list, webhooks::create, webhooks::read, webhooks::delete, webhooks::pause, webhooks::resume, webhooks::ping, webhooks::rotate,
        webhooks::deliveries, webhooks::redeliver,
        consent::sites, consent::create_site, consent::new_notice, consent::records, consent::record, consent::proof, consent::current, consent::check, consent::add, consent::suppression_csv,
        crate::consent::record, crate::consent::opposition),
    components(schemas(ApiError, MeOut, MemberOut, MemberPage, people::PersonIn, people::AddedOut, people::RolesIn, people::InvitationOut, RecordOut, RecordPage, ActivityOut, ActivityPage, ActivityIn, ActivityChangeIn, SheetOut,
        followup::DpiaOut, followup::DpiaVersionOut, followup::DpiaIn, followup::FollowUpOut, followup::FollowUpPage, followup::FollowUpIn, followup::CloseIn,
        followup::EvidenceOut, followup::EvidencePage,
        requests::RequestOut, requests::RequestSummaryOut, requests::RequestPage, requests::IdentityOut, requests::EventOut, requests::TaskOut,
        requests::RecordIn, requests::VerifyIn, requests::MessageIn, requests::ReasonIn, requests::AnswerIn, requests::CorrectionIn, requests::ApproveIn,
        requests::PreviewOut, requests::PreviewTableOut, requests::LeftOut,
        systems::SystemOut, systems::SystemPage, systems::DatasetGuideOut, systems::GuideTableOut, systems::GuideColumnOut, systems::SystemIn, systems::AcceptIn, systems::FindingOut, systems::ScanOut, systems::CopyOut, systems::CopyIn,
        subprocessors::SubProcessorSiteOut, subprocessors::SubProcessorOut, subprocessors::NoticeOut, subprocessors::ObjectionIn,
        incidents::IncidentOut, incidents::IncidentPage, incidents::IncidentIn, incidents::FactsIn, incidents::InformIn, incidents::VersionIn, incidents::PhaseIn, incidents::PhaseOut, incidents::ProviderUpdateOut,
        problems::ProblemOut, problems::ProblemPage, problems::ProblemIn, problems::ProblemFactsIn, problems::ClientIn, problems::NoticeIn, problems::UpdateIn, problems::ImpactedOut, problems::UpdateOut,
        retention::RuleOut, retention::RuleIn, retention::RetentionPreviewOut, retention::RunOut, retention::RunPage,
        provider_admin::TenantOut, provider_admin::TenantPage, provider_admin::TenantIn, provider_admin::AccountOut, provider_admin::AccountPage,
        provider_requests::ForwardIn, provider_requests::ForwardedOut,
        provider_subprocessors::RegistryPage, provider_subprocessors::ChangeIn, provider_subprocessors::ChangeNoticeIn,
        provider_instance::ShareOut, provider_instance::DatabaseOut, provider_instance::DatabasePage, provider_instance::SharedDatabaseIn, provider_instance::ReleaseIn, provider_instance::SweepLineOut, provider_instance::SweepOut, provider_instance::SweepPage, provider_instance::ProviderTokenOut, provider_instance::ProviderTokenPage, provider_instance::ProviderTokenIn, provider_instance::ProviderTokenCreatedOut,
        provider_clients::GrantOut, provider_clients::NoticeHoursIn, provider_clients::EndingIn, provider_clients::EndingOut, provider_clients::ProcessorClientOut, provider_clients::ProcessorRegisterPage, provider_clients::AuditAnswerIn, provider_clients::InstructionFlagIn,
        provider_subprocessors::NoticeMadeOut, provider_subprocessors::ResolutionIn, provider_subprocessors::DataCentreIn, provider_subprocessors::SubProcessorIn, provider_subprocessors::SubProcessorRecordOut,
        provider_admin::PublishIn, provider_admin::PublishedOut,
        provider_admin::CheckpointOut, provider_admin::CheckpointPage, provider_admin::CertificateOut, provider_admin::CertificatePage,
        provider_admin::JobOut, provider_admin::JobPage, provider_admin::MessageOut, provider_admin::MessagePage,
        backups::BackupOut, backups::BackupPage, backups::ContinuityOut,
        request_docs::AttachmentOut, request_docs::ExportFileOut,
        register_docs::VersionOut, register_docs::VersionPage,
        models::ModelChangeOut, models::ModelUpdateOut, models::ModelOut, models::ModelPage, models::ImportedOut, models::TakeIn,
        tokens::TokenOut, tokens::TokenPage, tokens::TokenIn, tokens::TokenCreatedOut,
        clients::AuditOut, clients::AuditPage, clients::AuditIn, clients::InstructionOut, clients::InstructionPage, clients::InstructionIn,
        webhooks::EventIn, webhooks::WebhookIn, webhooks::WebhookOut, webhooks::WebhookCreatedOut, webhooks::WebhookPage,
        webhooks::DeliveryOut, webhooks::DeliveryPage, webhooks::PingOut, webhooks::RotatedOut,
        consent::SiteOut, consent::ConsentSiteIn, consent::NoticeVersionIn, consent::ConsentOut, consent::ConsentPage, consent::ChoiceIn, consent::SuppressionIn, consent::SuppressedOut,
        crate::consent::BannerChoice, crate::consent::OppositionInput, crate::consent::PublicError)),
    modifiers(&BearerAuth, &CommonErrors, &Strict)
)]
pub struct ApiDoc;

/// The OpenAPI document, as served and as committed in `docs/openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

async fn api_not_found() -> ApiFailure {
    ApiFailure::NotFound
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(me))
        .route("/members", get(members).post(people::add))
        .route("/members/{id}", get(member).delete(people::remove))
        .route("/members/{id}/roles", axum::routing::put(people::set_roles))
        .route(
            "/members/{id}/disable",
            axum::routing::post(people::disable),
        )
        .route("/members/{id}/enable", axum::routing::post(people::enable))
        .route(
            "/members/{id}/password-reset",
            axum::routing::post(people::password_reset),
        )
        .route("/invitations", get(people::invitations))
        .route(
            "/invitations/{id}",
            axum::routing::delete(people::withdraw_invitation),
        )
        .route("/trail", get(trail))
        .route("/register", get(register_list).post(register_create))
        .route("/register/history", get(register_docs::history))
        .route("/register/export", get(register_docs::export))
        .route("/register/{id}", get(register_read).put(register_update))
        .route("/register/{id}/versions", get(register_docs::versions))
        .route(
            "/register/{id}/dpia/export",
            get(register_docs::dpia_export),
        )
        .route("/register/{id}/export", get(register_docs::activity_export))
        .route(
            "/organisation",
            get(organisation_read).put(organisation_update),
        )
        .route(
            "/register/{id}/dpia",
            get(followup::dpia_read).put(followup::dpia_save),
        )
        .route("/follow-ups", get(followup::list).post(followup::create))
        .route(
            "/follow-ups/{id}/close",
            axum::routing::post(followup::close),
        )
        .route(
            "/evidence",
            get(followup::evidence_list)
                .post(followup::evidence_upload)
                // The largest document kept, not the 2 MiB of other bodies.
                .layer(axum::extract::DefaultBodyLimit::max(
                    vigie_domain::followup::EVIDENCE_MAX_BYTES,
                )),
        )
        .route(
            "/evidence/{id}",
            get(followup::evidence_file).delete(followup::evidence_delete),
        )
        .route("/requests", get(requests::list).post(requests::record))
        .route("/requests/{id}", get(requests::read))
        .route(
            "/requests/{id}/verify",
            axum::routing::post(requests::verify),
        )
        .route("/requests/{id}/ask", axum::routing::post(requests::ask))
        .route(
            "/requests/{id}/extend",
            axum::routing::post(requests::extend),
        )
        .route(
            "/requests/{id}/preview",
            axum::routing::post(requests::preview),
        )
        .route(
            "/requests/{id}/approve",
            axum::routing::post(requests::approve),
        )
        .route("/requests/{id}/retry", axum::routing::post(requests::retry))
        .route(
            "/requests/{id}/tasks/{task}/confirm",
            axum::routing::post(requests::confirm),
        )
        .route(
            "/requests/{id}/answer",
            axum::routing::post(requests::answer),
        )
        .route(
            "/requests/{id}/refuse",
            axum::routing::post(requests::refuse),
        )
        .route("/requests/{id}/close", axum::routing::post(requests::close))
        .route(
            "/requests/{id}/timeline.csv",
            get(request_docs::timeline_csv),
        )
        .route("/requests/{id}/letter.pdf", get(request_docs::letter))
        .route("/requests/{id}/attachments", get(request_docs::attachments))
        .route(
            "/requests/{id}/attachments/{attachment}",
            get(request_docs::attachment),
        )
        .route("/requests/{id}/export", get(request_docs::export))
        .route(
            "/requests/{id}/export/{file}",
            get(request_docs::export_file),
        )
        .route("/systems", get(systems::list).post(systems::create))
        .route("/systems/{id}", get(systems::read).put(systems::update))
        .route("/systems/{id}/accept", axum::routing::post(systems::accept))
        .route("/systems/{id}/dataset-guide", get(systems::dataset_guide))
        .route(
            "/systems/{id}/scans",
            get(systems::scans).post(systems::scan),
        )
        .route("/systems/{id}/scans/{scan}", get(systems::scan_read))
        .route(
            "/systems/{id}/copies",
            get(systems::copies).post(systems::copy),
        )
        .route("/systems/{id}/copies/{copy}", get(systems::copy_read))
        .route("/report/{year}", get(register_docs::annual_report))
        .route("/models", get(models::list))
        .route("/models/{id}/import", axum::routing::post(models::import))
        .route(
            "/models/{id}/activities/{activity}/take",
            axum::routing::post(models::take),
        )
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route(
            "/audits",
            get(clients::audits_list).post(clients::audits_create),
        )
        .route(
            "/instructions",
            get(clients::instructions_list).post(clients::instructions_create),
        )
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/webhooks/{id}",
            get(webhooks::read).delete(webhooks::delete),
        )
        .route("/webhooks/{id}/pause", axum::routing::post(webhooks::pause))
        .route(
            "/webhooks/{id}/resume",
            axum::routing::post(webhooks::resume),
        )
        .route("/webhooks/{id}/ping", axum::routing::post(webhooks::ping))
        .route(
            "/webhooks/{id}/rotate",
            axum::routing::post(webhooks::rotate),
        )
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery}/redeliver",
            axum::routing::post(webhooks::redeliver),
        )
        .route("/subprocessors", get(subprocessors::list))
        .route("/subprocessors/notices", get(subprocessors::notices))
        .route(
            "/subprocessors/notices/{notice}/objection",
            axum::routing::post(subprocessors::object),
        )
        .route(
            "/subprocessors/notices/{notice}/acceptance",
            axum::routing::post(subprocessors::accept),
        )
        .route("/incidents", get(incidents::list).post(incidents::declare))
        .route("/incidents/{id}", get(incidents::read))
        .route(
            "/incidents/{id}/facts",
            axum::routing::put(incidents::qualify),
        )
        .route(
            "/incidents/{id}/phases",
            axum::routing::post(incidents::notify),
        )
        .route(
            "/incidents/{id}/inform",
            axum::routing::put(incidents::inform),
        )
        .route(
            "/incidents/{id}/close",
            axum::routing::post(incidents::close),
        )
        .route(
            "/retention/rules",
            get(retention::rules).post(retention::create),
        )
        .route(
            "/retention/rules/{id}",
            axum::routing::delete(retention::delete),
        )
        .route("/retention/preview", get(retention::preview))
        .route(
            "/retention/runs",
            get(retention::runs).post(retention::request),
        )
        .route("/retention/runs/{id}", get(retention::run))
        .route("/retention/runs/{id}/report.csv", get(retention::run_csv))
        .route(
            "/consent/sites",
            get(consent::sites).post(consent::create_site),
        )
        .route(
            "/consent/sites/{id}/notices",
            axum::routing::post(consent::new_notice),
        )
        .route(
            "/consent/records",
            get(consent::records).post(consent::record),
        )
        .route("/consent/devices/{device}/proof", get(consent::proof))
        .route(
            "/consent/sites/{id}/devices/{device}",
            get(consent::current),
        )
        .route("/suppression", axum::routing::post(consent::add))
        .route("/suppression/check", axum::routing::post(consent::check))
        .route("/suppression/export.csv", get(consent::suppression_csv))
        .route(
            "/provider/problems",
            get(problems::list).post(problems::declare),
        )
        .route("/provider/backups", get(backups::list))
        .route(
            "/provider/tenants",
            get(provider_admin::tenants).post(provider_admin::create_tenant),
        )
        .route("/provider/accounts", get(provider_admin::accounts))
        .route(
            "/provider/accounts/{id}/disable",
            axum::routing::post(provider_admin::disable),
        )
        .route(
            "/provider/accounts/{id}/enable",
            axum::routing::post(provider_admin::enable),
        )
        .route("/provider/jobs", get(provider_admin::jobs))
        .route("/provider/outbox", get(provider_admin::outbox))
        .route("/provider/trail", get(provider_admin::trail))
        .route("/provider/checkpoints", get(provider_admin::checkpoints))
        .route(
            "/provider/models",
            axum::routing::post(provider_admin::publish_model),
        )
        .route("/provider/certificates", get(provider_admin::certificates))
        .route(
            "/provider/certificates/{id}",
            get(provider_clients::certificate),
        )
        .route(
            "/provider/accounts/{id}/password-reset",
            axum::routing::post(provider_clients::password_reset),
        )
        .route(
            "/provider/tenants/{slug}/grants",
            axum::routing::post(provider_clients::grant),
        )
        .route(
            "/provider/tenants/{slug}/notice-hours",
            get(provider_clients::notice_hours).put(provider_clients::set_notice_hours),
        )
        .route(
            "/provider/tenants/{slug}/ending",
            get(provider_clients::ending)
                .post(provider_clients::end_contract)
                .delete(provider_clients::cancel_ending),
        )
        .route(
            "/provider/tenants/{slug}/reversibility",
            get(provider_clients::reversibility),
        )
        .route(
            "/provider/tenants/{slug}/audits/{id}/answer",
            axum::routing::put(provider_clients::answer_audit),
        )
        .route(
            "/provider/tenants/{slug}/instructions/{id}/flag",
            axum::routing::put(provider_clients::flag_instruction),
        )
        .route(
            "/provider/databases",
            get(provider_instance::databases).post(provider_instance::declare),
        )
        .route(
            "/provider/databases/release",
            axum::routing::post(provider_instance::release),
        )
        .route("/provider/own-data/sweeps", get(provider_instance::sweeps))
        .route(
            "/provider/own-data/sweeps/{id}/report",
            get(provider_instance::sweep_report),
        )
        .route(
            "/provider/tokens",
            get(provider_instance::tokens).post(provider_instance::create_token),
        )
        .route(
            "/provider/tokens/{id}",
            axum::routing::delete(provider_instance::revoke_token),
        )
        .route(
            "/provider/processor-register",
            get(provider_clients::processor_register),
        )
        .route("/provider/requests", get(provider_requests::list))
        .route(
            "/provider/requests/{id}/forward",
            axum::routing::post(provider_requests::forward),
        )
        .route(
            "/provider/subprocessors",
            get(provider_subprocessors::registry).post(provider_subprocessors::create),
        )
        .route(
            "/provider/subprocessors/{id}",
            get(provider_subprocessors::read).put(provider_subprocessors::update),
        )
        .route(
            "/provider/subprocessors/{id}/notices",
            axum::routing::post(provider_subprocessors::notify),
        )
        .route(
            "/provider/notices/{notice}/resolutions",
            axum::routing::post(provider_subprocessors::resolve),
        )
        .route("/provider/problems/{id}", get(problems::read))
        .route(
            "/provider/problems/{id}/facts",
            axum::routing::put(problems::qualify),
        )
        .route(
            "/provider/problems/{id}/clients",
            axum::routing::post(problems::add_client),
        )
        .route(
            "/provider/problems/{id}/notices",
            axum::routing::post(problems::notice),
        )
        .route(
            "/provider/problems/{id}/updates",
            axum::routing::post(problems::update),
        )
        .fallback(api_not_found)
        .layer(axum::middleware::from_fn(errors_as_json))
}

/// Every API error is JSON with a stable `code`, those of the extractors
/// too (a malformed body, a wrong content type, a bad path or query):
/// their plain-text answers are rewritten here, their words kept.
async fn errors_as_json(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.is_success() || status.is_redirection() || is_json {
        return res;
    }
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let mut out = (parts.status, Json(ApiError { code, message })).into_response();
    if let Some(v) = parts.headers.get(header::WWW_AUTHENTICATE) {
        out.headers_mut()
            .insert(header::WWW_AUTHENTICATE, v.clone());
    }
    out
}
