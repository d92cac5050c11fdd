//! The provider administrator's page of client databases (C27): which
//! tenant holds each one Vigie has reached, the databases declared shared
//! between tenants (processor mode) with each tenant's row filter, and the
//! release of a binding made by mistake. Every action is traced (C28).

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_service::{
    ServiceError,
    targets::{self, SharedInput},
};
use vigie_store::{TargetOwner, Tenant};

use super::forms::{ListQuery, flash_text, render, render_status, see_other};
use crate::{
    AppState,
    auth::{ProviderAdmin, SignedIn},
    error::PageError,
    layout::{Layout, Pager, query_of},
};

pub struct TargetRow {
    pub identity: String,
    pub location: String,
    /// The tenant holding it, or the shared database's name.
    pub owner: String,
    pub shared: bool,
    /// Shared: `organisation: column = value`, one per tenant.
    pub filters: Vec<String>,
    pub since: String,
}

#[derive(Default)]
pub struct SharedDraft {
    pub label: String,
    pub column: String,
    pub tenants: String,
    pub error: Option<String>,
    pub field: &'static str,
}

#[derive(Template)]
#[template(path = "admin_targets.html")]
struct TargetsPage {
    l: Layout,
    q: String,
    rows: Vec<TargetRow>,
    pager: Pager,
    draft: SharedDraft,
}

async fn tenant_name(state: &AppState, id: vigie_domain::TenantId) -> String {
    match state.store.tenant(id).await {
        Ok(Tenant { name, slug, .. }) => format!("{} ({})", name.as_str(), slug.as_str()),
        Err(_) => format!("#{}", id.0),
    }
}

async fn page(
    state: &AppState,
    me: &SignedIn,
    q: &ListQuery,
    draft: SharedDraft,
) -> Result<TargetsPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(me, None, m.targets_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let found = state.store.targets(&q.q, q.page()).await?;
    let mut rows = Vec::new();
    for b in &found.items {
        let mut filters = Vec::new();
        for (t, v) in &b.tenants {
            filters.push(format!(
                "{} : {} = {v}",
                tenant_name(state, *t).await,
                b.column
            ));
        }
        rows.push(TargetRow {
            identity: b.identity.clone(),
            location: b.location.clone(),
            owner: match b.owner {
                TargetOwner::Tenant(t) => tenant_name(state, t).await,
                TargetOwner::Shared => b.label.clone(),
            },
            shared: b.owner == TargetOwner::Shared,
            filters,
            since: l.when(b.bound_at),
        });
    }
    me.trace(state, None, "targets.list", "instance").await?;
    Ok(TargetsPage {
        pager: Pager::new(&found, "/admin/bases", &query_of(&[("q", &q.q)])),
        l,
        q: q.q.clone(),
        rows,
        draft,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    render(page(&state, &me, &q, SharedDraft::default()).await?)
}

#[derive(Deserialize)]
pub struct SharedForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    column: String,
    #[serde(default)]
    tenants: String,
}

/// Declares a database shared between tenants.
pub async fn declare(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Form(f): Form<SharedForm>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let input = SharedInput {
        url: f.url.clone(),
        label: f.label.clone(),
        column: f.column.clone(),
        tenants: f.tenants.clone(),
    };
    let (field, error) = match targets::declare_shared(state.ctx(), &input, Timestamp::now()).await
    {
        Ok(b) => {
            me.trace(
                &state,
                None,
                "targets.share",
                &format!("target:{}", b.identity),
            )
            .await?;
            return Ok(see_other("/admin/bases", "saved"));
        }
        Err(ServiceError::Invalid { field, message }) => (field, message),
        Err(ServiceError::Exec(vigie_connect::ExecError::Connect(c))) => {
            ("url", crate::labels::connect_message(m, &c))
        }
        Err(ServiceError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(PageError::Internal(e.to_string())),
    };
    // The URL holds a password: it is not sent back to the page.
    let draft = SharedDraft {
        label: f.label,
        column: f.column,
        tenants: f.tenants,
        error: Some(error),
        field,
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        page(&state, &me, &ListQuery::default(), draft).await?,
    )
}

#[derive(Deserialize)]
pub struct ReleaseForm {
    #[serde(default)]
    identity: String,
}

/// Forgets a binding: the next tenant to reach that database holds it.
pub async fn release(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Form(f): Form<ReleaseForm>,
) -> Result<Response, PageError> {
    state.store.release_target(&f.identity).await?;
    me.trace(
        &state,
        None,
        "targets.release",
        &format!("target:{}", f.identity),
    )
    .await?;
    Ok(see_other("/admin/bases", "saved"))
}
