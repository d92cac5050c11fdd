//! The provider's register models through a client's API (C05, issue 20),
//! as on the models page: each product's model with what this tenant
//! imported and what changed since; importing its activities as drafts;
//! taking chosen fields of an update into an activity (a new version).

use axum::{
    Json,
    extract::{Path, Query, State},
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{ActivityId, audit::Outcome, page::Page, role::Permission};
use vigie_service::models;

use super::{ActivityOut, ApiCtx, ApiError, ApiFailure, ApiJson, ListParams, service_failure};
use crate::AppState;

/// One field a model changed since the tenant's version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelChangeOut {
    /// The activity's field, as in `activity`.
    pub field: String,
    /// The model's value when imported or last taken, now, and the tenant's now.
    pub before: String,
    pub model: String,
    pub yours: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelUpdateOut {
    pub activity: i64,
    pub name: String,
    /// The model's version the activity follows, and the current one.
    pub from: i64,
    pub to: i64,
    pub changes: Vec<ModelChangeOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelOut {
    pub id: i64,
    pub product: String,
    pub version: i64,
    pub activities: usize,
    /// How many of them this tenant imported.
    pub imported: usize,
    pub updates: Vec<ModelUpdateOut>,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelPage {
    pub items: Vec<ModelOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedOut {
    /// Activities added as drafts (those imported before are skipped).
    pub imported: usize,
}

/// The fields to take from the model's current version.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TakeIn {
    #[schema(min_items = 1)]
    pub fields: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/models", tag = "register", params(ListParams),
    responses((status = 200, description = "The provider's models (`q` in the product), with what this tenant imported and what changed since", body = ModelPage)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<ModelPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.models.list")
        .await?;
    let page: Page = super::page_of(p.page, p.page_size)?;
    let list = state.store.models(&p.q, page).await?;
    let mut items = Vec::new();
    for m in &list.items {
        let imported = state.store.linked_activities(&ctx.scope, m.id).await?.len();
        let updates = models::updates(state.ctx(), &ctx.scope, m.id)
            .await
            .map_err(service_failure)?;
        items.push(ModelOut {
            id: m.id,
            product: m.product.clone(),
            version: m.version,
            activities: m.activities.len(),
            imported,
            updates: updates
                .into_iter()
                .map(|u| ModelUpdateOut {
                    activity: u.activity.0,
                    name: u.name,
                    from: u.from,
                    to: u.to,
                    changes: u
                        .changes
                        .into_iter()
                        .map(|c| ModelChangeOut {
                            field: c.field,
                            before: c.before,
                            model: c.model,
                            yours: c.yours,
                        })
                        .collect(),
                })
                .collect(),
            updated_at: m.updated_at.to_string(),
        });
    }
    ctx.trace(
        &state,
        "api.models.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(ModelPage {
        items,
        total: list.total,
        page: list.page,
        page_size: list.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/models/{id}/import", tag = "register",
    params(("id" = i64, Path, description = "Model id")),
    responses((status = 200, description = "Its activities are in the register as drafts, with this tenant as controller", body = ImportedOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn import(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<ImportedOut>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.models.import")
        .await?;
    let n = models::import(
        state.ctx(),
        &ctx.scope,
        id,
        ctx.tenant.name.as_str(),
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.models.import",
        &format!("model:{id}/activities:{n}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(ImportedOut { imported: n }))
}

#[utoipa::path(post, path = "/api/v1/models/{id}/activities/{activity}/take", tag = "register", request_body = TakeIn,
    params(("id" = i64, Path, description = "Model id"), ("activity" = i64, Path, description = "The tenant's activity imported from the model")),
    responses((status = 200, description = "A new version of the activity with the fields taken; it now follows the model's current version", body = ActivityOut),
              (status = 400, description = "A field the update does not change", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn take(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((id, activity)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<TakeIn>,
) -> Result<Json<ActivityOut>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.models.take")
        .await?;
    let a = models::take(
        state.ctx(),
        &ctx.scope,
        id,
        ActivityId(activity),
        &input.fields,
        &ctx.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    ctx.trace(
        &state,
        "api.models.take",
        &format!("activity:{}/v{}", a.id, a.version),
        Outcome::Success,
    )
    .await?;
    Ok(Json(super::activity_out(&a)))
}
