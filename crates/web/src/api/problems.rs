//! Provider-wide incidents ("problèmes") in the API (C17, C19), for the
//! provider's own monitoring: it authenticates with a provider token (made
//! by an administrator on `/admin/jetons`), declares, qualifies, records
//! the impacted clients, notifies each one and sends the updates.

use axum::{
    Json,
    extract::{FromRequestParts, Path, Query, State},
    http::{StatusCode, request::Parts},
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{
    audit::{Actor, Outcome},
    breach::{Facts, Intake, notice_due},
    tenant::TenantSlug,
};
use vigie_service::{breaches::Declaration, problems};
use vigie_store::{ImpactedClient, Problem, ProblemUpdate, ProviderToken, StoreError};

use super::{ApiError, ApiFailure, ApiJson, ListParams, bearer, required_instant, service_failure};
use crate::{
    AppState,
    client::{Client, client_of},
    secrets::token_hash,
};

/// A caller authenticated by a provider token whose maker is still an
/// active administrator of the provider.
pub struct ProviderApi {
    pub token: ProviderToken,
    pub client: Client,
}

impl ProviderApi {
    /// Who acts, as the trail and the records name it.
    pub(crate) fn actor_label(&self) -> String {
        format!("provider-token:{}:{}", self.token.id, self.token.name)
    }

    fn actor(&self) -> Actor {
        Actor {
            user: Some(self.token.created_by),
            label: self.actor_label(),
        }
    }

    pub(crate) async fn trace(
        &self,
        state: &AppState,
        action: &str,
        object: &str,
    ) -> Result<(), ApiFailure> {
        self.record(state, None, action, object).await
    }

    /// A change made in one client's records: in its trail as well, as the
    /// pages write it.
    pub(crate) async fn trace_in(
        &self,
        state: &AppState,
        tenant: &vigie_store::Tenant,
        action: &str,
        object: &str,
    ) -> Result<(), ApiFailure> {
        self.record(state, Some(tenant.id), action, object).await
    }

    async fn record(
        &self,
        state: &AppState,
        tenant: Option<vigie_domain::TenantId>,
        action: &str,
        object: &str,
    ) -> Result<(), ApiFailure> {
        Ok(state
            .trace(
                self.actor(),
                tenant,
                &self.client,
                action,
                object,
                Outcome::Success,
            )
            .await?)
    }
}

/// A client named by its short name in a provider's call: 404 when there
/// is none.
pub(crate) async fn client_by_slug(
    state: &AppState,
    slug: &str,
) -> Result<vigie_store::Tenant, ApiFailure> {
    let slug = TenantSlug::parse(slug).map_err(|_| ApiFailure::NotFound)?;
    Ok(state.store.tenant_by_slug(&slug).await?)
}

impl FromRequestParts<AppState> for ProviderApi {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let secret = bearer(parts).ok_or(ApiFailure::Unauthorized)?;
        let token = match state
            .store
            .provider_token_by_hash(&token_hash(secret))
            .await
        {
            Ok(t) => t,
            Err(StoreError::NotFound) => return Err(ApiFailure::Unauthorized),
            Err(e) => return Err(e.into()),
        };
        if token.revoked || token.expires_at <= Timestamp::now() {
            return Err(ApiFailure::Unauthorized);
        }
        let maker = state.store.user(token.created_by).await;
        match maker {
            Ok(u) if u.is_provider_admin && !u.disabled => {}
            Ok(_) | Err(StoreError::NotFound) => return Err(ApiFailure::Unauthorized),
            Err(e) => return Err(e.into()),
        }
        Ok(ProviderApi {
            token,
            client: client_of(parts),
        })
    }
}

/// One client on the list, with its notice clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactedOut {
    /// The client's short name.
    pub tenant: String,
    pub tenant_name: String,
    pub part: String,
    pub persons: Option<u64>,
    pub notice_hours: i64,
    /// When the notice is due at the latest, RFC 3339.
    pub notice_due: String,
    pub noticed_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateOut {
    pub n: i64,
    pub sent_at: String,
    pub sent_by: String,
    pub body: String,
    pub closing: bool,
}

/// A provider-wide incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemOut {
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub description: String,
    pub declared_by: String,
    pub aware_at: String,
    /// `open` or `closed`.
    pub status: String,
    /// The crisis process's escalation level now, 1 to 3.
    pub level: u8,
    /// When the clients told are owed the next update, if any.
    pub update_due: Option<String>,
    /// Its version: give it back to change the facts (a later save is a 409).
    pub updated_at: String,
    pub facts: Facts,
    pub clients: Vec<ImpactedOut>,
    pub updates: Vec<UpdateOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemPage {
    pub items: Vec<ProblemOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A declaration by the provider's monitoring.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProblemIn {
    /// What happened, in a few words (1 to 200 characters).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// RFC 3339; not in the future.
    #[schema(format = DateTime)]
    pub aware_at: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProblemFactsIn {
    /// The incident's `updated_at` when read.
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(format = DateTime)]
    pub aware_at: String,
    pub facts: Facts,
}

/// A client to put on the list.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClientIn {
    /// The client's short name.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")]
    pub tenant: String,
    /// What concerns it, told to it alone (1 to 5,000 characters).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub part: String,
    pub persons: Option<u64>,
}

/// The client to notify now.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NoticeIn {
    /// The client's short name.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$")]
    pub tenant: String,
}

/// News to every client told; `closing` sends the general information
/// and closes the incident.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateIn {
    /// What the clients are told (1 to 10,000 characters).
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub body: String,
    #[serde(default)]
    pub closing: bool,
}

async fn problem_out(state: &AppState, p: &Problem, full: bool) -> Result<ProblemOut, ApiFailure> {
    let (clients, updates): (Vec<ImpactedClient>, Vec<ProblemUpdate>) = if full {
        (
            state.store.impacted(p.id).await?,
            state.store.problem_updates(p.id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let clocks = problems::clocks(
        &state.settings.escalation,
        p,
        &clients,
        &updates,
        Timestamp::now(),
    );
    let mut out = Vec::new();
    for c in &clients {
        out.push(ImpactedOut {
            tenant: state.store.tenant(c.tenant).await?.slug.to_string(),
            tenant_name: c.tenant_name.clone(),
            part: c.part.clone(),
            persons: c.persons,
            notice_hours: c.notice_hours,
            notice_due: notice_due(p.aware_at, c.notice_hours).to_string(),
            noticed_at: c.noticed_at.map(|t| t.to_string()),
        });
    }
    Ok(ProblemOut {
        id: p.id,
        reference: p.reference.clone(),
        title: p.title.clone(),
        description: p.description.clone(),
        declared_by: p.declared_by.clone(),
        aware_at: p.aware_at.to_string(),
        status: p.status.as_str().into(),
        level: clocks.level,
        update_due: clocks.update_due.map(|t| t.to_string()),
        updated_at: p.updated_at.to_string(),
        facts: p.facts.clone(),
        clients: out,
        updates: updates
            .iter()
            .map(|u| UpdateOut {
                n: u.n,
                sent_at: u.sent_at.to_string(),
                sent_by: u.sent_by.clone(),
                body: u.body.clone(),
                closing: u.closing,
            })
            .collect(),
    })
}

async fn tenant_of(state: &AppState, slug: &str) -> Result<vigie_store::Tenant, ApiFailure> {
    let slug = TenantSlug::parse(slug)
        .map_err(|_| ApiFailure::BadRequest("tenant: no such client".into()))?;
    match state.store.tenant_by_slug(&slug).await {
        Ok(t) => Ok(t),
        Err(StoreError::NotFound) => Err(ApiFailure::BadRequest("tenant: no such client".into())),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/provider/problems", tag = "provider", params(ListParams),
    responses((status = 200, description = "The provider-wide incidents, newest awareness first", body = ProblemPage),
              (status = 401, body = ApiError)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    api: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<ProblemPage>, ApiFailure> {
    let page = state
        .store
        .problems(&q.q, crate::api::page_of(q.page, q.page_size)?)
        .await?;
    api.trace(&state, "api.problems.list", "problems").await?;
    let mut items = Vec::new();
    for p in &page.items {
        items.push(problem_out(&state, p, false).await?);
    }
    Ok(Json(ProblemPage {
        items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[utoipa::path(post, path = "/api/v1/provider/problems", tag = "provider", request_body = ProblemIn,
    responses((status = 201, description = "Declared; the administrators are told", body = ProblemOut),
              (status = 400, description = "What is wrong, field by field", body = ApiError),
              (status = 401, body = ApiError)),
    security(("bearer" = [])))]
pub async fn declare(
    State(state): State<AppState>,
    api: ProviderApi,
    ApiJson(input): ApiJson<ProblemIn>,
) -> Result<(StatusCode, Json<ProblemOut>), ApiFailure> {
    let d = Declaration {
        title: input.title,
        description: input.description,
        aware_at: required_instant("aware_at", &input.aware_at)?,
        intake: Intake::Account,
        declared_by: api.actor().label,
    };
    let p = problems::declare(state.ctx(), &d, Timestamp::now())
        .await
        .map_err(service_failure)?;
    api.trace(&state, "api.problems.declare", &format!("problem:{}", p.id))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(problem_out(&state, &p, true).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/provider/problems/{id}", tag = "provider",
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 200, description = "One provider-wide incident, its clients and updates", body = ProblemOut),
              (status = 404, body = ApiError), (status = 401, body = ApiError)),
    security(("bearer" = [])))]
pub async fn read(
    State(state): State<AppState>,
    api: ProviderApi,
    Path(id): Path<i64>,
) -> Result<Json<ProblemOut>, ApiFailure> {
    let p = state.store.problem(id).await?;
    api.trace(&state, "api.problems.read", &format!("problem:{id}"))
        .await?;
    Ok(Json(problem_out(&state, &p, true).await?))
}

#[utoipa::path(put, path = "/api/v1/provider/problems/{id}/facts", tag = "provider", request_body = ProblemFactsIn,
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 200, description = "Qualified", body = ProblemOut),
              (status = 400, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "Changed by someone else since `updated_at`", body = ApiError)),
    security(("bearer" = [])))]
pub async fn qualify(
    State(state): State<AppState>,
    api: ProviderApi,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ProblemFactsIn>,
) -> Result<Json<ProblemOut>, ApiFailure> {
    let p = state.store.problem(id).await?;
    let read_at = required_instant("updated_at", &input.updated_at)?;
    if read_at.as_microsecond() != p.updated_at.as_microsecond() {
        return Err(ApiFailure::Conflict(
            "the incident was changed since it was read: read it again".into(),
        ));
    }
    let aware_at = required_instant("aware_at", &input.aware_at)?;
    let next = problems::qualify(state.ctx(), &p, input.facts, aware_at, Timestamp::now())
        .await
        .map_err(service_failure)?;
    api.trace(&state, "api.problems.qualify", &format!("problem:{id}"))
        .await?;
    Ok(Json(problem_out(&state, &next, true).await?))
}

#[utoipa::path(post, path = "/api/v1/provider/problems/{id}/clients", tag = "provider", request_body = ClientIn,
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 201, description = "On the list, with its contract's notice limit", body = ProblemOut),
              (status = 400, description = "No such client (`tenant`), or a rule of the body", body = ApiError),
              (status = 404, description = "No such incident", body = ApiError),
              (status = 409, description = "The incident is closed", body = ApiError)),
    security(("bearer" = [])))]
pub async fn add_client(
    State(state): State<AppState>,
    api: ProviderApi,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ClientIn>,
) -> Result<(StatusCode, Json<ProblemOut>), ApiFailure> {
    let p = state.store.problem(id).await?;
    let t = tenant_of(&state, &input.tenant).await?;
    problems::add_client(
        state.ctx(),
        &p,
        &t,
        &input.part,
        input.persons,
        &api.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(super::state_failure(&["status"]))?;
    state
        .trace(
            api.actor(),
            Some(t.id),
            &api.client,
            "api.problems.add_client",
            &format!("problem:{id}"),
            Outcome::Success,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(problem_out(&state, &p, true).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/provider/problems/{id}/notices", tag = "provider", request_body = NoticeIn,
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 201, description = "Told: the incident is open in the client's register, its DPOs emailed", body = ProblemOut),
              (status = 400, description = "No such client (`tenant`)", body = ApiError),
              (status = 404, description = "No such incident", body = ApiError),
              (status = 409, description = "The incident is closed, or the client is not on its list or was told already", body = ApiError)),
    security(("bearer" = [])))]
pub async fn notice(
    State(state): State<AppState>,
    api: ProviderApi,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<NoticeIn>,
) -> Result<(StatusCode, Json<ProblemOut>), ApiFailure> {
    let p = state.store.problem(id).await?;
    let t = tenant_of(&state, &input.tenant).await?;
    let on_list = state.store.impacted(p.id).await?;
    let c = on_list
        .iter()
        .find(|c| c.tenant == t.id)
        .ok_or_else(|| ApiFailure::BadRequest("tenant: not on this incident's list".into()))?;
    let i = problems::notice(
        state.ctx(),
        &p,
        c,
        t.slug.as_str(),
        &api.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(super::state_failure(&["status", "tenant"]))?;
    state
        .trace(
            api.actor(),
            Some(t.id),
            &api.client,
            "api.problems.notice",
            &format!("problem:{id}:incident:{}", i.id),
            Outcome::Success,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(problem_out(&state, &p, true).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/provider/problems/{id}/updates", tag = "provider", request_body = UpdateIn,
    params(("id" = i64, Path, description = "Problem id")),
    responses((status = 201, description = "Sent to every client told; kept as sent", body = ProblemOut),
              (status = 400, body = ApiError), (status = 404, body = ApiError),
              (status = 409, description = "The incident is closed, no client was told yet, or closing while a client on the list was never told", body = ApiError)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    api: ProviderApi,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<UpdateIn>,
) -> Result<(StatusCode, Json<ProblemOut>), ApiFailure> {
    let p = state.store.problem(id).await?;
    problems::update(
        state.ctx(),
        &p,
        &input.body,
        input.closing,
        &api.actor().label,
        Timestamp::now(),
    )
    .await
    .map_err(super::state_failure(&["status", "closing", "body"]))?;
    api.trace(&state, "api.problems.update", &format!("problem:{id}"))
        .await?;
    let p = state.store.problem(id).await?;
    Ok((
        StatusCode::CREATED,
        Json(problem_out(&state, &p, true).await?),
    ))
}
