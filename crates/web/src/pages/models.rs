//! Model registers in the UI (C03): the provider publishes a model from a
//! register it keeps for a product; a tenant imports it and, when it
//! changes, takes the fields it chooses, activity by activity.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use vigie_domain::{ActivityId, page::Page, role::Permission, tenant::TenantSlug};
use vigie_service::{ServiceError, models};

use super::forms::{
    FlashQuery, ListQuery, field_errors, flash_text, render, render_status, see_other,
};
use crate::{
    AppState,
    auth::{ProviderAdmin, SignedIn, TenantCtx, require_traced},
    error::PageError,
    layout::{Layout, Pager, query_of},
};

pub struct ModelRow {
    pub product: String,
    pub version: i64,
    pub activities: Vec<String>,
    pub updated: String,
}

/// A use case's refusal as one sentence.
fn message(m: &'static crate::i18n::Msgs, e: ServiceError) -> Result<String, PageError> {
    Ok(field_errors(m, e)?.into_values().next().unwrap_or_default())
}

pub struct TenantOption {
    pub slug: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin_models.html")]
struct AdminPage {
    l: Layout,
    rows: Vec<ModelRow>,
    pager: Pager,
    tenants: Vec<TenantOption>,
    error: Option<String>,
    product: String,
}

async fn admin_page(
    state: &AppState,
    me: &SignedIn,
    q: &ListQuery,
    error: Option<String>,
    product: String,
) -> Result<AdminPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(me, None, m.models_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let list = state.store.models(&q.q, q.page()).await?;
    let tenants = state
        .store
        .list_tenants("", Page::new(Some(1), Some(200)))
        .await?;
    Ok(AdminPage {
        rows: list
            .items
            .iter()
            .map(|x| ModelRow {
                product: x.product.clone(),
                version: x.version,
                activities: x.activities.iter().map(|a| a.name.clone()).collect(),
                updated: l.when(x.updated_at),
            })
            .collect(),
        pager: Pager::new(&list, "/admin/modeles", &query_of(&[("q", &q.q)])),
        tenants: tenants
            .items
            .iter()
            .map(|t| TenantOption {
                slug: t.slug.to_string(),
                name: t.name.as_str().to_owned(),
            })
            .collect(),
        error,
        product,
        l,
    })
}

pub async fn admin_list(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    me.trace(&state, None, "models.list", "instance").await?;
    render(admin_page(&state, &me, &q, None, String::new()).await?)
}

#[derive(serde::Deserialize)]
pub struct PublishInput {
    #[serde(default)]
    product: String,
    #[serde(default)]
    source: String,
}

pub async fn admin_publish(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Form(f): Form<PublishInput>,
) -> Result<Response, PageError> {
    let slug = TenantSlug::parse(&f.source).map_err(|_| PageError::NOT_FOUND)?;
    let source = state.store.tenant_by_slug(&slug).await?;
    let by = me.user.email.to_string();
    match models::publish(state.ctx(), &f.product, source.id, &by, Timestamp::now()).await {
        Ok(m) => {
            me.trace(
                &state,
                None,
                "models.publish",
                &format!("model:{}/v{}", m.id, m.version),
            )
            .await?;
            Ok(super::forms::see_other("/admin/modeles", "saved"))
        }
        Err(e) => {
            let text = message(me.client.lang.msgs(), e)?;
            let page =
                admin_page(&state, &me, &ListQuery::default(), Some(text), f.product).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

pub struct ChangeRow {
    pub field: String,
    /// The field's label in the reader's language.
    pub label: String,
    pub before: String,
    pub model: String,
    pub yours: String,
}

pub struct UpdateRow {
    pub activity: i64,
    pub name: String,
    pub from: i64,
    pub to: i64,
    pub changes: Vec<ChangeRow>,
}

pub struct TenantModel {
    pub id: i64,
    pub product: String,
    pub version: i64,
    pub activities: usize,
    pub imported: usize,
    pub updates: Vec<UpdateRow>,
}

#[derive(Template)]
#[template(path = "models.html")]
struct TenantPage {
    l: Layout,
    base: String,
    models: Vec<TenantModel>,
    can_write: bool,
    error: Option<String>,
}

async fn tenant_page(
    state: &AppState,
    ctx: &TenantCtx,
    flash: Option<&str>,
    error: Option<String>,
) -> Result<TenantPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.models_title, state.settings.demo)
        .with_flash(flash_text(m, flash));
    let list = state
        .store
        .models("", Page::new(Some(1), Some(100)))
        .await?;
    let mut out = Vec::new();
    for x in &list.items {
        let imported = state.store.linked_activities(&ctx.scope, x.id).await?.len();
        let updates = models::updates(state.ctx(), &ctx.scope, x.id)
            .await
            .map_err(super::service_error)?;
        out.push(TenantModel {
            id: x.id,
            product: x.product.clone(),
            version: x.version,
            activities: x.activities.len(),
            imported,
            updates: updates
                .into_iter()
                .map(|u| UpdateRow {
                    activity: u.activity.0,
                    name: u.name,
                    from: u.from,
                    to: u.to,
                    changes: u
                        .changes
                        .iter()
                        .map(|c| {
                            // Each value as the register's pages write it;
                            // a field they do not show, as stored.
                            let label = super::activity_text::fields_of(m)
                                .into_iter()
                                .find(|(k, _)| *k == c.field)
                                .map(|(_, label)| label);
                            let text = |a: &vigie_domain::register::Activity, raw: &str| match label
                            {
                                Some(_) => super::activity_text::lines(
                                    ctx.me.client.lang.code(),
                                    m,
                                    a,
                                    &c.field,
                                )
                                .join("\n"),
                                None => raw.to_owned(),
                            };
                            ChangeRow {
                                label: label.map_or_else(|| c.field.clone(), str::to_owned),
                                before: text(&u.before, &c.before),
                                model: text(&u.model, &c.model),
                                yours: text(&u.yours, &c.yours),
                                field: c.field.clone(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        });
    }
    Ok(TenantPage {
        base: format!("{}/modeles", ctx.base()),
        models: out,
        can_write: ctx.scope.allows(Permission::Write),
        error,
        l,
    })
}

pub async fn tenant_list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "models.tenant").await?;
    ctx.trace(
        &state,
        "models.tenant",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(tenant_page(&state, &ctx, q.flash.as_deref(), None).await?)
}

pub async fn tenant_import(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "models.import").await?;
    let by = ctx.me.user.email.to_string();
    match models::import(
        state.ctx(),
        &ctx.scope,
        id,
        ctx.tenant.name.as_str(),
        &by,
        Timestamp::now(),
    )
    .await
    {
        Ok(n) => {
            ctx.trace(
                &state,
                "models.import",
                &format!("model:{id}/activities:{n}"),
            )
            .await?;
            Ok(see_other(&format!("{}/modeles", ctx.base()), "saved"))
        }
        Err(e) => {
            let text = message(ctx.me.client.lang.msgs(), e)?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                tenant_page(&state, &ctx, None, Some(text)).await?,
            )
        }
    }
}

pub async fn tenant_take(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, activity)): Path<(String, i64, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "models.take").await?;
    let fields: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "field")
        .map(|(_, v)| v)
        .collect();
    let by = ctx.me.user.email.to_string();
    match models::take(
        state.ctx(),
        &ctx.scope,
        id,
        ActivityId(activity),
        &fields,
        &by,
        Timestamp::now(),
    )
    .await
    {
        Ok(a) => {
            ctx.trace(
                &state,
                "models.take",
                &format!("activity:{}/v{}", a.id, a.version),
            )
            .await?;
            Ok(see_other(&format!("{}/modeles", ctx.base()), "saved"))
        }
        Err(ServiceError::Store(vigie_store::StoreError::NotFound)) => Err(PageError::NOT_FOUND),
        Err(e) => {
            let text = message(ctx.me.client.lang.msgs(), e)?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                tenant_page(&state, &ctx, None, Some(text)).await?,
            )
        }
    }
}
