//! The provider's administration through the API (issue 20), for its own
//! tools, with a provider token, as the administration pages: the client
//! organisations (list, create), the accounts (list, disable, enable),
//! the instance's jobs and outgoing email (their state, never an email's
//! body), and the instance's access trail.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{
    UserId,
    tenant::{TenantName, TenantSlug},
};
use vigie_store::{StoreError, Tenant};

use super::{
    ApiError, ApiFailure, ApiJson, ListParams, RecordPage, TrailParams, problems::ProviderApi,
};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantOut {
    pub id: i64,
    /// The short name in addresses (`/t/{slug}`).
    pub slug: String,
    pub name: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantPage {
    pub items: Vec<TenantOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TenantIn {
    /// 2 to 63 characters: lowercase letters, digits, dashes inside.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")]
    pub slug: String,
    /// 1 to 200 characters, no control character.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub provider_admin: bool,
    pub disabled: bool,
    /// A second factor is set.
    pub totp: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    pub items: Vec<AccountOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobOut {
    pub id: i64,
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub run_at: String,
    pub attempts: i32,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// What the run did, or why it failed.
    pub summary: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobPage {
    pub items: Vec<JobOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// An outgoing email's state; its body stays in Vigie.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageOut {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub created_at: String,
    pub attempts: i32,
    pub next_attempt_at: String,
    pub sent_at: Option<String>,
    pub last_error: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    pub items: Vec<MessageOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

fn tenant_out(t: &Tenant) -> TenantOut {
    TenantOut {
        id: t.id.0,
        slug: t.slug.as_str().to_owned(),
        name: t.name.as_str().to_owned(),
        created_at: t.created_at.to_string(),
    }
}

#[utoipa::path(get, path = "/api/v1/provider/tenants", tag = "provider", params(ListParams),
    responses((status = 200, description = "The client organisations (`q` in the short name or the name)", body = TenantPage)),
    security(("bearer" = [])))]
pub async fn tenants(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<TenantPage>, ApiFailure> {
    let page = state
        .store
        .list_tenants(&q.q, super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.tenants.list", "instance")
        .await?;
    Ok(Json(TenantPage {
        items: page.items.iter().map(tenant_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/provider/tenants", tag = "provider", request_body = TenantIn,
    responses((status = 201, description = "Created, with no member yet", body = TenantOut),
              (status = 400, description = "A name of more than 200 characters", body = ApiError),
              (status = 409, description = "The short name is taken", body = ApiError)),
    security(("bearer" = [])))]
pub async fn create_tenant(
    State(state): State<AppState>,
    p: ProviderApi,
    ApiJson(input): ApiJson<TenantIn>,
) -> Result<(StatusCode, Json<TenantOut>), ApiFailure> {
    // Read as written: the pages trim a typed name, a program's is exact.
    let slug = TenantSlug::parse(&input.slug)
        .ok()
        .filter(|s| s.as_str() == input.slug)
        .ok_or_else(|| {
            ApiFailure::BadRequest(
                "slug: 2 to 63 lowercase letters, digits or dashes, no dash at either end".into(),
            )
        })?;
    let name =
        TenantName::parse(&input.name).map_err(|e| ApiFailure::BadRequest(format!("name: {e}")))?;
    let t = match state.store.create_tenant(&slug, &name).await {
        Ok(t) => t,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiFailure::Conflict(format!("slug: {slug} is taken")));
        }
        Err(e) => return Err(e.into()),
    };
    p.trace(
        &state,
        "api.provider.tenant.create",
        &format!("tenant:{}", t.id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(tenant_out(&t))))
}

#[utoipa::path(get, path = "/api/v1/provider/accounts", tag = "provider", params(ListParams),
    responses((status = 200, description = "Every account of the instance (`q` in the email or the name)", body = AccountPage)),
    security(("bearer" = [])))]
pub async fn accounts(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<AccountPage>, ApiFailure> {
    let page = state
        .store
        .list_users(&q.q, super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.accounts.list", "instance")
        .await?;
    Ok(Json(AccountPage {
        items: page
            .items
            .iter()
            .map(|u| AccountOut {
                id: u.id.0,
                email: u.email.to_string(),
                name: u.name.as_str().to_owned(),
                provider_admin: u.is_provider_admin,
                disabled: u.disabled,
                totp: u.totp_enabled,
            })
            .collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

async fn set_disabled(
    state: &AppState,
    p: &ProviderApi,
    id: i64,
    disabled: bool,
) -> Result<StatusCode, ApiFailure> {
    // The token acts for its maker: disabling them would stop it too.
    if disabled && UserId(id) == p.token.created_by {
        return Err(ApiFailure::Conflict(
            "id: the account this token acts for".into(),
        ));
    }
    state.store.user(UserId(id)).await?;
    state.store.set_disabled(UserId(id), disabled).await?;
    let action = if disabled {
        "api.provider.account.disable"
    } else {
        "api.provider.account.enable"
    };
    p.trace(state, action, &format!("user:{id}")).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/provider/accounts/{id}/disable", tag = "provider",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 204, description = "Disabled: its sessions and tokens stop"),
              (status = 404, body = ApiError),
              (status = 409, description = "The account this token acts for", body = ApiError)),
    security(("bearer" = [])))]
pub async fn disable(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    set_disabled(&state, &p, id, true).await
}

#[utoipa::path(post, path = "/api/v1/provider/accounts/{id}/enable", tag = "provider",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 204, description = "Enabled again"), (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn enable(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    set_disabled(&state, &p, id, false).await
}

#[utoipa::path(get, path = "/api/v1/provider/jobs", tag = "provider", params(ListParams),
    responses((status = 200, description = "The instance's jobs, latest first: what each did or why it failed", body = JobPage)),
    security(("bearer" = [])))]
pub async fn jobs(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<JobPage>, ApiFailure> {
    let page = state
        .store
        .list_jobs(super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.jobs.list", "instance")
        .await?;
    Ok(Json(JobPage {
        items: page
            .items
            .iter()
            .map(|j| JobOut {
                id: j.id.0,
                kind: j.kind.as_str().to_owned(),
                state: j.state.as_str().to_owned(),
                run_at: j.run_at.to_string(),
                attempts: j.attempts,
                started_at: j.started_at.map(|t| t.to_string()),
                finished_at: j.finished_at.map(|t| t.to_string()),
                summary: j.summary.clone(),
            })
            .collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(get, path = "/api/v1/provider/outbox", tag = "provider", params(ListParams),
    responses((status = 200, description = "Outgoing email, latest first (`q` in the recipient or the subject); never a body", body = MessagePage)),
    security(("bearer" = [])))]
pub async fn outbox(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<MessagePage>, ApiFailure> {
    let page = state
        .store
        .list_messages(&q.q, super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.outbox.list", "instance")
        .await?;
    Ok(Json(MessagePage {
        items: page
            .items
            .iter()
            .map(|m| MessageOut {
                id: m.id.0,
                recipient: m.to.clone(),
                subject: m.subject.clone(),
                created_at: m.created_at.to_string(),
                attempts: m.attempts,
                next_attempt_at: m.next_attempt_at.to_string(),
                sent_at: m.sent_at.map(|t| t.to_string()),
                last_error: m.last_error.clone(),
            })
            .collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(get, path = "/api/v1/provider/trail", tag = "provider", params(TrailParams),
    responses((status = 200, description = "The instance's access trail, every tenant's and the instance's own, newest first", body = RecordPage),
              (status = 400, body = ApiError)),
    security(("bearer" = [])))]
pub async fn trail(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<TrailParams>,
) -> Result<Json<RecordPage>, ApiFailure> {
    let filter = super::trail_filter(&q)?;
    let page = state
        .store
        .instance_trail(&filter, super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.trail.read", "instance")
        .await?;
    Ok(Json(super::record_page(&page)))
}

/// A signed checkpoint of the access trail (C28): what an outside witness
/// keeps to prove later that the trail was not rewritten.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointOut {
    /// The trail's record this checkpoint signs the chain up to.
    pub seq: i64,
    /// BLAKE3 chain hash at `seq`, hex.
    pub hash: String,
    pub signed_at: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
    /// Ed25519 signature, hex (`vigie audit verify` checks it).
    pub signature: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointPage {
    pub items: Vec<CheckpointOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// The signed record of a client's data destroyed at its contract's end (C24).
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateOut {
    pub id: i64,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub destroyed_at: String,
    /// The certificate as signed (JSON text).
    pub certificate: String,
    /// Ed25519 signature of `certificate`, hex.
    pub signature: String,
}

impl CertificateOut {
    pub(super) fn of(c: &vigie_store::DestructionCertificate) -> Self {
        CertificateOut {
            id: c.id,
            tenant_slug: c.tenant_slug.clone(),
            tenant_name: c.tenant_name.clone(),
            destroyed_at: c.destroyed_at.to_string(),
            certificate: c.certificate.clone(),
            signature: c.signature.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificatePage {
    pub items: Vec<CertificateOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[utoipa::path(get, path = "/api/v1/provider/checkpoints", tag = "provider", params(PageParams),
    responses((status = 200, description = "The trail's signed checkpoints, latest first: copy them somewhere Vigie cannot write", body = CheckpointPage)),
    security(("bearer" = [])))]
pub async fn checkpoints(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<PageParams>,
) -> Result<Json<CheckpointPage>, ApiFailure> {
    let page = state
        .store
        .checkpoints(super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.checkpoints.list", "instance")
        .await?;
    Ok(Json(CheckpointPage {
        items: page
            .items
            .iter()
            .map(|c| CheckpointOut {
                seq: c.seq,
                hash: c.hash.to_hex(),
                signed_at: c.signed_at.to_string(),
                public_key: c.public_key.clone(),
                signature: c.signature.clone(),
            })
            .collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// A page, and nothing to search.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Items per page, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/provider/certificates", tag = "provider", params(PageParams),
    responses((status = 200, description = "Certificates of destruction, latest first", body = CertificatePage)),
    security(("bearer" = [])))]
pub async fn certificates(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<PageParams>,
) -> Result<Json<CertificatePage>, ApiFailure> {
    let page = state
        .store
        .certificates(super::page_of(q.page, q.page_size)?)
        .await?;
    p.trace(&state, "api.provider.certificates.list", "instance")
        .await?;
    Ok(Json(CertificatePage {
        items: page.items.iter().map(CertificateOut::of).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// A register published as a product's model (C05).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublishIn {
    /// The software product, 1 to 200 characters: a new model, or its
    /// next version when one has this name.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub product: String,
    /// The short name of the organisation whose register is the model.
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedOut {
    pub id: i64,
    pub product: String,
    pub version: i64,
    pub activities: usize,
}

#[utoipa::path(post, path = "/api/v1/provider/models", tag = "provider", request_body = PublishIn,
    responses((status = 201, description = "Published: clients see it, and what changed for those who imported it", body = PublishedOut),
              (status = 400, description = "A product name of more than 200 characters", body = ApiError),
              (status = 404, description = "No such organisation", body = ApiError),
              (status = 409, description = "The source's register holds no activity", body = ApiError)),
    security(("bearer" = [])))]
pub async fn publish_model(
    State(state): State<AppState>,
    p: ProviderApi,
    ApiJson(input): ApiJson<PublishIn>,
) -> Result<(StatusCode, Json<PublishedOut>), ApiFailure> {
    let source = super::problems::client_by_slug(&state, &input.source).await?;
    let by = p.actor_label();
    let m = vigie_service::models::publish(
        state.ctx(),
        &input.product,
        source.id,
        &by,
        jiff::Timestamp::now(),
    )
    .await
    .map_err(super::state_failure(&["source"]))?;
    p.trace(
        &state,
        "api.provider.models.publish",
        &format!("model:{}/v{}", m.id, m.version),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(PublishedOut {
            id: m.id,
            product: m.product.clone(),
            version: m.version,
            activities: m.activities.len(),
        }),
    ))
}
