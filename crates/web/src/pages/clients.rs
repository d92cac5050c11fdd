//! The client's side of the processing contract: audits it asks of the
//! provider (C40) and the instructions it gives (C41), and the provider's
//! processor register across every client (C02, Art. 30.2) where it plans
//! and answers audits and flags instructions.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::{Timestamp, civil::Date};
use vigie_domain::{
    audits::{Audit, Instruction},
    register::RecipientKind,
    role::Permission,
    tenant::TenantSlug,
};
use vigie_service::{ServiceError, audits};
use vigie_store::{StoreError, Tenant};

use super::forms::{
    FieldErrors, FlashQuery, ListQuery, Typed, field, field_errors, flash_text, render,
    render_status, see_other, ticked,
};
use crate::{
    AppState,
    auth::{ProviderAdmin, TenantCtx, require_traced},
    error::PageError,
    layout::{Layout, Pager, query_of},
};

pub struct AuditRow {
    pub id: i64,
    pub requested: String,
    pub planned: String,
    pub scope: String,
    pub auditor: String,
    pub authority: String,
    pub plan: String,
    pub report: String,
    pub answers: String,
}

fn audit_rows(list: &[vigie_store::StoredAudit]) -> Vec<AuditRow> {
    list.iter()
        .map(|a| AuditRow {
            id: a.id,
            requested: a.requested_on.to_string(),
            planned: a.planned_on.to_string(),
            scope: a.body.scope.clone(),
            auditor: a.body.auditor.clone(),
            authority: if a.body.authority_required {
                a.body.authority.clone()
            } else {
                String::new()
            },
            plan: a.body.plan.clone(),
            report: a.body.report.clone(),
            answers: a.body.answers.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "audits.html")]
struct AuditsPage {
    l: Layout,
    base: String,
    rows: Vec<AuditRow>,
    can_write: bool,
    typed: Typed,
    errors: FieldErrors,
}

async fn audits_page(
    state: &AppState,
    ctx: &TenantCtx,
    typed: Typed,
    errors: BTreeMap<&'static str, String>,
    flash: Option<&str>,
) -> Result<AuditsPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.audits_title, state.settings.demo)
        .with_flash(flash_text(m, flash));
    let list = state.store.audits(&ctx.scope).await?;
    Ok(AuditsPage {
        base: format!("{}/audits", ctx.base()),
        rows: audit_rows(&list),
        can_write: ctx.scope.allows(Permission::Write),
        typed,
        errors: FieldErrors(errors),
        l,
    })
}

pub async fn audits_list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "audits.list").await?;
    ctx.trace(&state, "audits.list", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    render(
        audits_page(
            &state,
            &ctx,
            Typed::default(),
            BTreeMap::new(),
            q.flash.as_deref(),
        )
        .await?,
    )
}

pub async fn audits_create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "audits.request").await?;
    let typed = Typed::of(&pairs);
    let body = Audit {
        scope: field(&pairs, "scope").trim().to_owned(),
        auditor: field(&pairs, "auditor").trim().to_owned(),
        authority_required: ticked(&pairs, "authority_required"),
        authority: field(&pairs, "authority").trim().to_owned(),
        ..Audit::default()
    };
    let errors = match field(&pairs, "planned_on").trim().parse::<Date>() {
        Err(_) => BTreeMap::from([(
            "planned_on",
            ctx.me.client.lang.msgs().date_invalid.to_owned(),
        )]),
        Ok(planned) => {
            let by = ctx.me.user.email.to_string();
            match audits::request_audit(
                state.ctx(),
                &ctx.scope,
                planned,
                &body,
                &by,
                Timestamp::now(),
            )
            .await
            {
                Ok(a) => {
                    ctx.trace(&state, "audits.request", &format!("audit:{}", a.id))
                        .await?;
                    return Ok(see_other(&format!("{}/audits", ctx.base()), "saved"));
                }
                Err(e) => field_errors(ctx.me.client.lang.msgs(), e)?,
            }
        }
    };
    let page = audits_page(&state, &ctx, typed, errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

pub struct InstructionRow {
    pub id: i64,
    pub given_on: String,
    pub given_by: String,
    pub purpose: String,
    pub operation: String,
    pub flagged: bool,
    pub flag_reason: String,
}

fn instruction_rows(list: &[vigie_store::StoredInstruction]) -> Vec<InstructionRow> {
    list.iter()
        .map(|i| InstructionRow {
            id: i.id,
            given_on: i.given_on.to_string(),
            given_by: i.body.given_by.clone(),
            purpose: i.body.purpose.clone(),
            operation: i.body.operation.clone(),
            flagged: i.body.flagged_unlawful,
            flag_reason: i.body.flag_reason.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "instructions.html")]
struct InstructionsPage {
    l: Layout,
    base: String,
    q: String,
    rows: Vec<InstructionRow>,
    pager: Pager,
    can_write: bool,
    typed: Typed,
    errors: FieldErrors,
}

async fn instructions_page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &ListQuery,
    typed: Typed,
    errors: BTreeMap<&'static str, String>,
) -> Result<InstructionsPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.instructions_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let list = state.store.instructions(&ctx.scope, &q.q, q.page()).await?;
    let base = format!("{}/instructions", ctx.base());
    Ok(InstructionsPage {
        rows: instruction_rows(&list.items),
        pager: Pager::new(&list, &base, &query_of(&[("q", &q.q)])),
        q: q.q.clone(),
        base,
        can_write: ctx.scope.allows(Permission::Write),
        typed,
        errors: FieldErrors(errors),
        l,
    })
}

pub async fn instructions_list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "instructions.list").await?;
    ctx.trace(
        &state,
        "instructions.list",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(instructions_page(&state, &ctx, &q, Typed::default(), BTreeMap::new()).await?)
}

pub async fn instructions_create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "instructions.record").await?;
    let typed = Typed::of(&pairs);
    let body = Instruction {
        given_by: field(&pairs, "given_by").trim().to_owned(),
        purpose: field(&pairs, "purpose").trim().to_owned(),
        operation: field(&pairs, "operation").trim().to_owned(),
        ..Instruction::default()
    };
    let errors = match field(&pairs, "given_on").trim().parse::<Date>() {
        Err(_) => BTreeMap::from([(
            "given_on",
            ctx.me.client.lang.msgs().date_invalid.to_owned(),
        )]),
        Ok(given_on) => {
            let by = ctx.me.user.email.to_string();
            match audits::record_instruction(
                state.ctx(),
                &ctx.scope,
                given_on,
                &body,
                &by,
                Timestamp::now(),
            )
            .await
            {
                Ok(i) => {
                    ctx.trace(
                        &state,
                        "instructions.record",
                        &format!("instruction:{}", i.id),
                    )
                    .await?;
                    return Ok(see_other(&format!("{}/instructions", ctx.base()), "saved"));
                }
                Err(e) => field_errors(ctx.me.client.lang.msgs(), e)?,
            }
        }
    };
    let page = instructions_page(&state, &ctx, &ListQuery::default(), typed, errors).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// One client in the processor register, as read from its records: for
/// the page and for the API.
pub(crate) struct ClientFacts {
    pub slug: String,
    pub name: String,
    pub activities: Vec<String>,
    pub subprocessors: Vec<String>,
    pub transfers: Vec<String>,
    pub security: Vec<String>,
    pub audits: Vec<vigie_store::StoredAudit>,
    /// The 50 latest.
    pub instructions: Vec<vigie_store::StoredInstruction>,
}

/// One client in the processor register.
pub struct ClientSection {
    pub slug: String,
    pub name: String,
    pub activities: Vec<String>,
    pub subprocessors: Vec<String>,
    pub transfers: Vec<String>,
    pub security: Vec<String>,
    pub audits: Vec<AuditRow>,
    pub instructions: Vec<InstructionRow>,
}

#[derive(Template)]
#[template(path = "processor_register.html")]
struct ProcessorPage {
    l: Layout,
    clients: Vec<ClientSection>,
    pager: Pager,
    q: String,
    error: Option<String>,
}

pub(crate) async fn client_facts(state: &AppState, t: &Tenant) -> Result<ClientFacts, StoreError> {
    let activities = state
        .store
        .all_activities(&vigie_domain::scope::TenantScope::of_provider(t.id))
        .await?
        .into_iter()
        .filter(|a| a.is_current())
        .collect::<Vec<_>>();
    let sps = state
        .store
        .subprocessors_of_tenant(&vigie_domain::scope::TenantScope::of_provider(t.id))
        .await?;
    let mut transfers: Vec<String> = activities
        .iter()
        .flat_map(|a| a.body.transfers.iter())
        .map(|x| format!("{} ({}, {})", x.recipient, x.country, x.safeguard.as_str()))
        .collect();
    transfers.extend(sps.iter().flat_map(|s| {
        s.body
            .sites
            .iter()
            .filter(|x| !x.country.in_eea())
            .map(|x| format!("{} — {} ({})", s.body.name, x.name, x.country.as_str()))
    }));
    let mut security: Vec<String> = activities
        .iter()
        .flat_map(|a| {
            // The checklist's measures by name (French, as this register
            // is written), then the free-text ones.
            a.body
                .measures
                .iter()
                .map(|m| crate::labels::register::measure("fr", m.kind).to_owned())
                .chain(a.body.security_measures.iter().cloned())
        })
        .collect();
    security.sort();
    security.dedup();
    let audits = state
        .store
        .audits(&vigie_domain::scope::TenantScope::of_provider(t.id))
        .await?;
    let instructions = state
        .store
        .instructions(
            &vigie_domain::scope::TenantScope::of_provider(t.id),
            "",
            vigie_domain::page::Page::new(Some(1), Some(50)),
        )
        .await?;
    Ok(ClientFacts {
        slug: t.slug.to_string(),
        name: t.name.as_str().to_owned(),
        activities: activities
            .iter()
            .map(|a| {
                let processors: Vec<&str> = a
                    .body
                    .recipients
                    .iter()
                    .filter(|r| r.kind == RecipientKind::Processor)
                    .map(|r| r.name.as_str())
                    .collect();
                if processors.is_empty() {
                    a.body.name.clone()
                } else {
                    format!("{} — {}", a.body.name, processors.join(", "))
                }
            })
            .collect(),
        subprocessors: sps
            .iter()
            .map(|s| format!("{} ({})", s.body.name, s.body.purpose))
            .collect(),
        transfers,
        security,
        audits,
        instructions: instructions.items,
    })
}

async fn section(state: &AppState, t: &Tenant) -> Result<ClientSection, PageError> {
    let f = client_facts(state, t).await?;
    Ok(ClientSection {
        audits: audit_rows(&f.audits),
        instructions: instruction_rows(&f.instructions),
        slug: f.slug,
        name: f.name,
        activities: f.activities,
        subprocessors: f.subprocessors,
        transfers: f.transfers,
        security: f.security,
    })
}

async fn processor_page(
    state: &AppState,
    me: &crate::auth::SignedIn,
    q: &ListQuery,
    error: Option<String>,
) -> Result<ProcessorPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(me, None, m.processor_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let tenants = state.store.list_tenants(&q.q, q.page()).await?;
    let mut clients = Vec::new();
    for t in &tenants.items {
        clients.push(section(state, t).await?);
    }
    Ok(ProcessorPage {
        pager: Pager::new(
            &tenants,
            "/admin/registre-sous-traitant",
            &query_of(&[("q", &q.q)]),
        ),
        q: q.q.clone(),
        clients,
        error,
        l,
    })
}

/// The processor's register across clients (C02).
pub async fn processor_register(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    me.trace(&state, None, "processor_register.read", "instance")
        .await?;
    render(processor_page(&state, &me, &q, None).await?)
}

async fn client(state: &AppState, slug: &str) -> Result<Tenant, PageError> {
    let slug = TenantSlug::parse(slug).map_err(|_| PageError::NOT_FOUND)?;
    Ok(state.store.tenant_by_slug(&slug).await?)
}

async fn after(
    state: &AppState,
    me: &crate::auth::SignedIn,
    t: &Tenant,
    action: &str,
    object: String,
    result: Result<(), ServiceError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => {
            me.trace(state, Some(t), action, &object).await?;
            Ok(see_other("/admin/registre-sous-traitant", "saved"))
        }
        Err(ServiceError::Store(StoreError::NotFound)) => Err(PageError::NOT_FOUND),
        Err(e) => {
            let text = field_errors(me.client.lang.msgs(), e)?
                .into_values()
                .next()
                .unwrap_or_default();
            let page = processor_page(state, me, &ListQuery::default(), Some(text)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

/// The provider plans an audit, records its report and answers (C40).
pub async fn answer_audit(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path((slug, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = client(&state, &slug).await?;
    let r = audits::answer_audit(
        state.ctx(),
        &vigie_domain::scope::TenantScope::of_provider(t.id),
        id,
        &field(&pairs, "plan"),
        &field(&pairs, "report"),
        &field(&pairs, "answers"),
        Timestamp::now(),
    )
    .await;
    after(&state, &me, &t, "audits.answer", format!("audit:{id}"), r).await
}

/// The provider flags an instruction it believes unlawful (C41).
pub async fn flag_instruction(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path((slug, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = client(&state, &slug).await?;
    let r = audits::flag_instruction(
        state.ctx(),
        &vigie_domain::scope::TenantScope::of_provider(t.id),
        id,
        ticked(&pairs, "flagged"),
        &field(&pairs, "flag_reason"),
        Timestamp::now(),
    )
    .await;
    after(
        &state,
        &me,
        &t,
        "instructions.flag",
        format!("instruction:{id}"),
        r,
    )
    .await
}
