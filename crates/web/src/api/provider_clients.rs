//! The provider's dealings with one client through the API (issue 20),
//! with a provider token, as on the administration pages: giving a person
//! roles in it (C26), its limit for a breach notice (C17), the end of its
//! contract and its reversibility export (C24), the certificates that
//! follow, and the processor register across clients where the provider
//! answers audits and flags instructions (C02, C40, C41). What changes a
//! client is written to its trail as well as to the instance's.

use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{UserId, scope::TenantScope};
use vigie_service::audits;
use vigie_store::StoreError;

use super::{
    ApiError, ApiFailure, ApiJson, ListParams,
    clients::{AuditOut, InstructionOut, audit_out, instruction_out},
    people::PersonIn,
    problems::{ProviderApi, client_by_slug as client},
    provider_admin::CertificateOut,
    service_failure,
};
use crate::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantOut {
    pub user: i64,
    /// A new account, sent a link to choose its password; else an existing
    /// account given these roles as well.
    pub created: bool,
}

#[utoipa::path(post, path = "/api/v1/provider/tenants/{slug}/grants", tag = "provider", request_body = PersonIn,
    params(("slug" = String, Path, description = "The client's short name")),
    responses((status = 201, description = "A new account made with these roles, mailed a link to choose its password", body = GrantOut),
              (status = 200, description = "An existing account given these roles in the client", body = GrantOut),
              (status = 400, description = "A field is wrong: named in the message", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn grant(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<PersonIn>,
) -> Result<(StatusCode, Json<GrantOut>), ApiFailure> {
    let tenant = client(&state, &slug).await?;
    let (email, name, roles) = input.parsed()?;
    let (user, created) =
        crate::pages::invite::grant(&state, &tenant, &email, &name, &roles).await?;
    p.trace_in(
        &state,
        &tenant,
        "api.provider.tenant.grant",
        &format!("user:{}", user.id),
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(GrantOut {
            user: user.id.0,
            created,
        }),
    ))
}

/// A client's limit for the provider's notice of a breach (C17).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NoticeHoursIn {
    #[schema(minimum = 1, maximum = 72)]
    pub hours: i64,
}

#[utoipa::path(get, path = "/api/v1/provider/tenants/{slug}/notice-hours", tag = "provider",
    params(("slug" = String, Path, description = "The client's short name")),
    responses((status = 200, description = "The hours the contract gives the provider to tell this client of a breach", body = NoticeHoursIn),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn notice_hours(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(slug): Path<String>,
) -> Result<Json<NoticeHoursIn>, ApiFailure> {
    let tenant = client(&state, &slug).await?;
    let hours = state.store.processor_notice_hours(tenant.id).await?;
    p.trace(
        &state,
        "api.provider.tenant.notice_hours.read",
        &format!("tenant:{}", tenant.id),
    )
    .await?;
    Ok(Json(NoticeHoursIn { hours }))
}

#[utoipa::path(put, path = "/api/v1/provider/tenants/{slug}/notice-hours", tag = "provider", request_body = NoticeHoursIn,
    params(("slug" = String, Path, description = "The client's short name")),
    responses((status = 204, description = "Set: the provider's notices of a breach to this client are due within these hours"),
              (status = 400, description = "Not between 1 and 72 hours", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn set_notice_hours(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<NoticeHoursIn>,
) -> Result<StatusCode, ApiFailure> {
    let tenant = client(&state, &slug).await?;
    vigie_domain::breach::check_notice_hours(input.hours)
        .map_err(|e| ApiFailure::BadRequest(format!("hours: {e}")))?;
    state
        .store
        .set_processor_notice_hours(tenant.id, input.hours)
        .await?;
    p.trace_in(
        &state,
        &tenant,
        "api.provider.tenant.notice_hours",
        &format!("tenant:{}:{}h", tenant.id, input.hours),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The end of a client's contract (C24).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EndingIn {
    /// Days from today (Paris) to the destruction of its data.
    #[schema(minimum = 0, maximum = 365)]
    pub delay_days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndingOut {
    /// `YYYY-MM-DD`: the day its data are destroyed and a certificate is
    /// signed.
    pub destroy_on: String,
    pub started_by: String,
    pub started_at: String,
}

fn ending_out(e: &vigie_store::Ending) -> EndingOut {
    EndingOut {
        destroy_on: e.destroy_on.to_string(),
        started_by: e.started_by.clone(),
        started_at: e.started_at.to_string(),
    }
}

#[utoipa::path(get, path = "/api/v1/provider/tenants/{slug}/ending", tag = "provider",
    params(("slug" = String, Path, description = "The client's short name")),
    responses((status = 200, description = "The contract is ending: when its data are destroyed", body = EndingOut),
              (status = 404, description = "No such client, or its contract is not ending", body = ApiError)),
    security(("bearer" = [])))]
pub async fn ending(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(slug): Path<String>,
) -> Result<Json<EndingOut>, ApiFailure> {
    let tenant = client(&state, &slug).await?;
    let e = state
        .store
        .ending(tenant.id)
        .await?
        .ok_or(ApiFailure::NotFound)?;
    p.trace(
        &state,
        "api.provider.tenant.ending.read",
        &format!("tenant:{}", tenant.id),
    )
    .await?;
    Ok(Json(ending_out(&e)))
}

#[utoipa::path(post, path = "/api/v1/provider/tenants/{slug}/ending", tag = "provider", request_body = EndingIn,
    params(("slug" = String, Path, description = "The client's short name")),
    responses((status = 201, description = "Started: its DPOs and user managers are mailed the day and a link to the reversibility export", body = EndingOut),
              (status = 400, description = "A delay out of 0 to 365 days", body = ApiError),
              (status = 409, description = "The contract is already ending", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn end_contract(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(slug): Path<String>,
    ApiJson(input): ApiJson<EndingIn>,
) -> Result<(StatusCode, Json<EndingOut>), ApiFailure> {
    let tenant = client(&state, &slug).await?;
    if state.store.ending(tenant.id).await?.is_some() {
        return Err(ApiFailure::Conflict(
            "this client's contract is already ending: call it off first to change the day".into(),
        ));
    }
    let e = vigie_service::reversibility::start_ending(
        state.ctx(),
        &tenant,
        input.delay_days,
        &p.actor_label(),
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    p.trace_in(
        &state,
        &tenant,
        "api.provider.tenant.end_contract",
        &format!("tenant:{}", tenant.id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ending_out(&e))))
}

#[utoipa::path(delete, path = "/api/v1/provider/tenants/{slug}/ending", tag = "provider",
    params(("slug" = String, Path, description = "The client's short name")),
    responses((status = 204, description = "Called off: nothing will be destroyed (nothing to call off is not an error)"),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn cancel_ending(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(slug): Path<String>,
) -> Result<StatusCode, ApiFailure> {
    let tenant = client(&state, &slug).await?;
    match state.store.cancel_ending(tenant.id).await {
        Ok(()) | Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    p.trace_in(
        &state,
        &tenant,
        "api.provider.tenant.end_contract_cancel",
        &format!("tenant:{}", tenant.id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/provider/tenants/{slug}/reversibility", tag = "provider",
    params(("slug" = String, Path, description = "The client's short name")),
    responses((status = 200, description = "Everything Vigie holds for the client (register, requests, breaches, retention rules, trail), JSON and CSV with a README, as one tar archive",
                  content((Vec<u8> = "application/x-tar"))),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn reversibility(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(slug): Path<String>,
) -> Result<Response, ApiFailure> {
    let tenant = client(&state, &slug).await?;
    let now = Timestamp::now();
    // The provider acting in its client's records, at its own request.
    let scope = TenantScope::of_provider(tenant.id);
    let files = vigie_service::reversibility::export(state.ctx(), &scope, &tenant, now)
        .await
        .map_err(service_failure)?;
    p.trace_in(
        &state,
        &tenant,
        "api.provider.tenant.reversibility_export",
        &format!("tenant:{}", tenant.id),
    )
    .await?;
    Ok(crate::pages::admin::archive_response(&tenant, &files, now))
}

#[utoipa::path(get, path = "/api/v1/provider/certificates/{id}", tag = "provider",
    params(("id" = i64, Path, description = "Certificate id")),
    responses((status = 200, description = "A certificate of destruction as signed: check `signature` over `certificate` with the instance's public key", body = CertificateOut),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn certificate(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
) -> Result<Json<CertificateOut>, ApiFailure> {
    let c = state.store.certificate(id).await?;
    p.trace(
        &state,
        "api.provider.certificate.read",
        &format!("certificate:{id}"),
    )
    .await?;
    Ok(Json(CertificateOut::of(&c)))
}

#[utoipa::path(post, path = "/api/v1/provider/accounts/{id}/password-reset", tag = "provider",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 202, description = "A link to choose a new password is mailed to the person (valid one hour, used once)"),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn password_reset(
    State(state): State<AppState>,
    p: ProviderApi,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    let user = state.store.user(UserId(id)).await?;
    crate::pages::invite::send_password_link(&state, &user, None).await?;
    p.trace(
        &state,
        "api.provider.account.reset_link",
        &format!("user:{id}"),
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// One client in the processor register (C02, Art. 30.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcessorClientOut {
    pub slug: String,
    pub name: String,
    /// Its current activities, with the processors named in each.
    pub activities: Vec<String>,
    /// The provider's sub-processors serving it: name (purpose).
    pub subprocessors: Vec<String>,
    /// Transfers outside the EU/EEA, from its activities and its
    /// sub-processors' sites.
    pub transfers: Vec<String>,
    /// The security measures of its activities, once each.
    pub security: Vec<String>,
    pub audits: Vec<AuditOut>,
    /// The 50 latest.
    pub instructions: Vec<InstructionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProcessorRegisterPage {
    pub items: Vec<ProcessorClientOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

#[utoipa::path(get, path = "/api/v1/provider/processor-register", tag = "provider", params(ListParams),
    responses((status = 200, description = "The provider's register as a processor, client by client (`q` in the client's name)", body = ProcessorRegisterPage)),
    security(("bearer" = [])))]
pub async fn processor_register(
    State(state): State<AppState>,
    p: ProviderApi,
    Query(q): Query<ListParams>,
) -> Result<Json<ProcessorRegisterPage>, ApiFailure> {
    let page = state
        .store
        .list_tenants(&q.q, super::page_of(q.page, q.page_size)?)
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for t in &page.items {
        let f = crate::pages::clients::client_facts(&state, t).await?;
        items.push(ProcessorClientOut {
            audits: f.audits.iter().map(audit_out).collect(),
            instructions: f.instructions.iter().map(instruction_out).collect(),
            slug: f.slug,
            name: f.name,
            activities: f.activities,
            subprocessors: f.subprocessors,
            transfers: f.transfers,
            security: f.security,
        });
    }
    p.trace(&state, "api.provider.processor_register.read", "instance")
        .await?;
    Ok(Json(ProcessorRegisterPage {
        items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// The provider's side of an audit (C40).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AuditAnswerIn {
    /// When and how the audit is held.
    #[serde(default)]
    pub plan: String,
    /// The audit's report.
    #[serde(default)]
    pub report: String,
    /// The provider's answers to its findings.
    #[serde(default)]
    pub answers: String,
}

/// The provider's flag on an instruction (C41, Art. 28.3 h).
#[derive(Debug, Deserialize, ToSchema)]
pub struct InstructionFlagIn {
    /// The provider believes the instruction unlawful.
    pub flagged: bool,
    /// Why: required when flagged.
    #[serde(default)]
    pub flag_reason: String,
}

#[utoipa::path(put, path = "/api/v1/provider/tenants/{slug}/audits/{id}/answer", tag = "provider", request_body = AuditAnswerIn,
    params(("slug" = String, Path, description = "The client's short name"), ("id" = i64, Path, description = "Audit id")),
    responses((status = 204, description = "The plan, report and answers recorded, in the client's audits"),
              (status = 400, description = "What is wrong, field by field", body = ApiError),
              (status = 404, description = "No such client, or no such audit of this client", body = ApiError)),
    security(("bearer" = [])))]
pub async fn answer_audit(
    State(state): State<AppState>,
    p: ProviderApi,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(input): ApiJson<AuditAnswerIn>,
) -> Result<StatusCode, ApiFailure> {
    let t = client(&state, &slug).await?;
    // Another client's audit is not found in this one's scope: a 404.
    audits::answer_audit(
        state.ctx(),
        &TenantScope::of_provider(t.id),
        id,
        &input.plan,
        &input.report,
        &input.answers,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    p.trace_in(
        &state,
        &t,
        "api.provider.audits.answer",
        &format!("audit:{id}"),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/provider/tenants/{slug}/instructions/{id}/flag", tag = "provider", request_body = InstructionFlagIn,
    params(("slug" = String, Path, description = "The client's short name"), ("id" = i64, Path, description = "Instruction id")),
    responses((status = 204, description = "Flagged with its reason, in the client's instructions, or the flag lifted"),
              (status = 400, description = "Flagged without a reason", body = ApiError),
              (status = 404, description = "No such client, or no such instruction of this client", body = ApiError)),
    security(("bearer" = [])))]
pub async fn flag_instruction(
    State(state): State<AppState>,
    p: ProviderApi,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(input): ApiJson<InstructionFlagIn>,
) -> Result<StatusCode, ApiFailure> {
    let t = client(&state, &slug).await?;
    audits::flag_instruction(
        state.ctx(),
        &TenantScope::of_provider(t.id),
        id,
        input.flagged,
        &input.flag_reason,
        Timestamp::now(),
    )
    .await
    .map_err(service_failure)?;
    p.trace_in(
        &state,
        &t,
        "api.provider.instructions.flag",
        &format!("instruction:{id}"),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
