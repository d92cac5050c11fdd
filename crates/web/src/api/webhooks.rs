//! A tenant's webhook endpoints through the API (issue 20): told when a
//! scan or a rights request's execution ends, signed with a secret shown
//! once, tried again with a backoff; each delivery listed with its last
//! answer and sent again on request. The DPO's, as the API tokens.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::{audit::Outcome, role::Permission, webhook::DeliveryState};
use vigie_store::{Delivery, Webhook};

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, ListParams, service_failure};
use crate::AppState;

/// An event an endpoint may ask for.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema)]
pub enum EventIn {
    /// A connected system's scan ended (done or failed).
    #[serde(rename = "scan_finished")]
    Scan,
    /// A rights request's execution ended on every system (each task
    /// done, failed or held for an agent).
    #[serde(rename = "execution_finished")]
    Execution,
    /// A masked copy into a test database ended (done or failed).
    #[serde(rename = "copy_finished")]
    Copy,
}

impl EventIn {
    fn code(self) -> &'static str {
        match self {
            EventIn::Scan => "scan_finished",
            EventIn::Execution => "execution_finished",
            EventIn::Copy => "copy_finished",
        }
    }
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookIn {
    /// `https://` (or `http://`) on a host and port the provider allows
    /// (`[webhooks] hosts`); no user or password, no fragment.
    #[schema(max_length = 2000, pattern = "^https?://")]
    pub url: String,
    /// What it is for, up to 200 characters.
    #[serde(default)]
    #[schema(max_length = 200, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$")]
    pub description: String,
    /// At least one.
    #[schema(min_items = 1)]
    pub events: Vec<EventIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// `scan_finished`, `execution_finished`, `copy_finished`.
    pub events: Vec<String>,
    /// A paused endpoint is not tried; its deliveries wait.
    pub active: bool,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreatedOut {
    pub webhook: WebhookOut,
    /// `whsec_…`: the key of every signature, shown this once. Check
    /// `webhook-signature: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">`
    /// with the bytes after `whsec_`, base64-decoded (Standard Webhooks).
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookPage {
    pub items: Vec<WebhookOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// One event for one endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: i64,
    pub webhook: i64,
    /// The `webhook-id` header: the same at every try.
    pub event_id: String,
    /// `scan_finished`, `execution_finished`, `copy_finished` or `ping`.
    pub kind: String,
    /// `pending`, `delivered` or `abandoned` (every try failed).
    pub state: String,
    pub attempts: i64,
    /// When pending: the next try.
    pub next_attempt_at: Option<String>,
    /// The endpoint's HTTP status at the last try, when it answered.
    pub last_status: Option<i64>,
    pub last_error: String,
    pub delivered_at: Option<String>,
    pub created_at: String,
    /// The JSON body sent, exactly as signed.
    pub payload: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PingOut {
    /// The test event's id (`webhook-id`).
    pub event_id: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Text searched in the event's id and kind.
    #[serde(default)]
    pub q: String,
    /// `pending`, `delivered` or `abandoned`.
    #[param(pattern = "^(pending|delivered|abandoned)?$")]
    pub state: Option<String>,
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

pub(crate) fn webhook_out(h: &Webhook) -> WebhookOut {
    WebhookOut {
        id: h.id,
        url: h.url.clone(),
        description: h.description.clone(),
        events: h.events.kinds().map(|k| k.as_str().to_owned()).collect(),
        active: h.active,
        created_at: h.created_at.to_string(),
        created_by: h.created_by.clone(),
    }
}

fn delivery_out(d: &Delivery) -> DeliveryOut {
    DeliveryOut {
        id: d.id,
        webhook: d.webhook,
        event_id: d.event_id.clone(),
        kind: d.kind.as_str().to_owned(),
        state: d.state.as_str().to_owned(),
        attempts: d.attempts,
        next_attempt_at: (d.state == DeliveryState::Pending).then(|| d.next_attempt_at.to_string()),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        delivered_at: d.delivered_at.map(|t| t.to_string()),
        created_at: d.created_at.to_string(),
        payload: d.payload.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(ListParams),
    responses((status = 200, description = "The tenant's endpoints, newest first (`q` in the address or description)", body = WebhookPage)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<WebhookPage>, ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.webhooks.list")
        .await?;
    let page = state
        .store
        .webhooks(&ctx.scope, &p.q, super::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.webhooks.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(WebhookPage {
        items: page.items.iter().map(webhook_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookIn,
    responses((status = 201, description = "Recorded and active; its secret is in the answer, and only there", body = WebhookCreatedOut),
              (status = 400, description = "The address is not one the provider allows, or a field is wrong: named in the message", body = ApiError)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<WebhookIn>,
) -> Result<(StatusCode, Json<WebhookCreatedOut>), ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.webhooks.create")
        .await?;
    let events: Vec<&str> = input.events.iter().map(|e| e.code()).collect();
    let (hook, secret) = vigie_service::webhooks::create(
        state.ctx(),
        &ctx.scope,
        &input.url,
        &input.description,
        &events,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.webhooks.create",
        &format!("webhook:{}", hook.id),
        Outcome::Success,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookCreatedOut {
            webhook: webhook_out(&hook),
            secret,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 200, description = "One endpoint (never its secret)", body = WebhookOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<WebhookOut>, ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.webhooks.read")
        .await?;
    let h = state.store.webhook(&ctx.scope, id).await?;
    ctx.trace(
        &state,
        "api.webhooks.read",
        &format!("webhook:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(webhook_out(&h)))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 204, description = "Removed, with its deliveries"),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.webhooks.delete")
        .await?;
    state.store.delete_webhook(&ctx.scope, id).await?;
    ctx.trace(
        &state,
        "api.webhooks.delete",
        &format!("webhook:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_active(
    state: &AppState,
    ctx: &ApiCtx,
    id: i64,
    active: bool,
) -> Result<Json<WebhookOut>, ApiFailure> {
    let action = if active {
        "api.webhooks.resume"
    } else {
        "api.webhooks.pause"
    };
    ctx.require(state, Permission::ManageTokens, action).await?;
    state
        .store
        .set_webhook_active(&ctx.scope, id, active)
        .await?;
    ctx.trace(state, action, &format!("webhook:{id}"), Outcome::Success)
        .await?;
    Ok(Json(webhook_out(
        &state.store.webhook(&ctx.scope, id).await?,
    )))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/pause", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 200, description = "Paused: not tried, its deliveries wait (new events still queue)", body = WebhookOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn pause(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<WebhookOut>, ApiFailure> {
    set_active(&state, &ctx, id, false).await
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/resume", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 200, description = "Active again: what waits is tried", body = WebhookOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn resume(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<WebhookOut>, ApiFailure> {
    set_active(&state, &ctx, id, true).await
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/ping", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 202, description = "A `ping` event is queued for this endpoint; its delivery shows the answer", body = PingOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn ping(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<PingOut>), ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.webhooks.ping")
        .await?;
    let event_id = vigie_service::webhooks::ping(state.ctx(), &ctx.scope, id, Timestamp::now())
        .await
        .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.webhooks.ping",
        &format!("webhook:{id}/{event_id}"),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(PingOut { event_id })))
}

/// A new signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedOut {
    /// `whsec_…`: shown this once, sealed at rest.
    pub secret: String,
    /// Until then every call is signed with the replaced secret too (two
    /// `v1,…` in `webhook-signature`): switch the receiver before.
    pub previous_valid_until: String,
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id")),
    responses((status = 200, description = "A new secret; the replaced one keeps signing beside it for a day", body = RotatedOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn rotate(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<RotatedOut>, ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.webhooks.rotate")
        .await?;
    let (secret, until) =
        vigie_service::webhooks::rotate(state.ctx(), &ctx.scope, id, Timestamp::now())
            .await
            .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.webhooks.rotate",
        &format!("webhook:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(RotatedOut {
        secret,
        previous_valid_until: until.to_string(),
    }))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id"), DeliveryParams),
    responses((status = 200, description = "The endpoint's deliveries, newest first", body = DeliveryPage),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    Query(p): Query<DeliveryParams>,
) -> Result<Json<DeliveryPage>, ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.webhooks.deliveries")
        .await?;
    let wanted = match p.state.as_deref().unwrap_or("") {
        "" => None,
        s => Some(DeliveryState::parse(s).ok_or_else(|| {
            ApiFailure::BadRequest("state: pending, delivered or abandoned".into())
        })?),
    };
    // The endpoint must be the tenant's: 404 otherwise, not an empty list.
    state.store.webhook(&ctx.scope, id).await?;
    let page = state
        .store
        .deliveries(
            &ctx.scope,
            id,
            wanted,
            &p.q,
            super::page_of(p.page, p.page_size)?,
        )
        .await?;
    ctx.trace(
        &state,
        "api.webhooks.deliveries",
        &format!("webhook:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(DeliveryPage {
        items: page.items.iter().map(delivery_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", tag = "webhooks",
    params(("id" = i64, Path, description = "Endpoint id"), ("delivery" = i64, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued again, due now, its tries counted from the first", body = DeliveryOut),
              (status = 404, body = ApiError),
              (status = 409, description = "It is waiting for its next try already", body = ApiError)),
    security(("bearer" = [])))]
pub async fn redeliver(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((id, delivery)): Path<(i64, i64)>,
) -> Result<(StatusCode, Json<DeliveryOut>), ApiFailure> {
    ctx.require(&state, Permission::ManageTokens, "api.webhooks.redeliver")
        .await?;
    let d = state.store.delivery(&ctx.scope, delivery).await?;
    if d.webhook != id {
        return Err(ApiFailure::NotFound);
    }
    let d = state
        .store
        .redeliver(&ctx.scope, delivery, Timestamp::now())
        .await?;
    ctx.trace(
        &state,
        "api.webhooks.redeliver",
        &format!("webhook:{id}/delivery:{delivery}"),
        Outcome::Success,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(delivery_out(&d))))
}
