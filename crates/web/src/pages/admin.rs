//! The provider administrator's pages: client organisations, accounts,
//! checkpoints, jobs and the outbox. Every action is traced (C28).

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;
use vigie_domain::{
    UserId,
    account::{DisplayName, Email},
    jobs::JobState,
    tenant::{TenantName, TenantSlug},
};
use vigie_store::StoreError;

use super::{
    forms::{
        ListQuery, RoleBoxes, RoleChoice, flash_text, render, render_status, role_choices,
        see_other,
    },
    invite::{self, send_password_link},
};
use crate::{
    AppState,
    auth::ProviderAdmin,
    error::PageError,
    layout::{Layout, Pager, query_of},
};

pub struct TenantRow {
    pub slug: String,
    pub name: String,
    pub created: String,
    /// The contract's limit for the provider's breach notice (C17).
    pub notice_hours: i64,
    /// The day its data are destroyed, once its contract is ending (C24).
    pub destroy_on: Option<String>,
}

pub struct CertificateRow {
    pub id: i64,
    pub organisation: String,
    pub destroyed: String,
}

#[derive(Default)]
pub struct TenantDraft {
    pub slug: String,
    pub name: String,
    pub slug_error: Option<&'static str>,
    pub name_error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "admin_tenants.html")]
struct TenantsPage {
    l: Layout,
    q: String,
    rows: Vec<TenantRow>,
    pager: Pager,
    draft: TenantDraft,
    choices: Vec<RoleChoice>,
    roles_error: Option<&'static str>,
    /// A refused notice limit: the client's slug and why.
    notice_error: Option<(String, &'static str)>,
    /// A refused ending: the client's slug and why.
    ending_error: Option<(String, String)>,
    certificates: Vec<CertificateRow>,
}

async fn tenants_page(
    state: &AppState,
    me: &crate::auth::SignedIn,
    q: &ListQuery,
    draft: TenantDraft,
) -> Result<TenantsPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(me, None, m.admin_tenants_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let page = state.store.list_tenants(&q.q, q.page()).await?;
    let mut rows = Vec::new();
    for t in &page.items {
        rows.push(TenantRow {
            slug: t.slug.to_string(),
            name: t.name.as_str().into(),
            created: l.when(t.created_at),
            notice_hours: state.store.processor_notice_hours(t.id).await?,
            destroy_on: state
                .store
                .ending(t.id)
                .await?
                .map(|e| e.destroy_on.to_string()),
        });
    }
    me.trace(state, None, "tenants.list", "instance").await?;
    Ok(TenantsPage {
        choices: role_choices(
            m,
            &vigie_domain::role::Roles::new(vec![vigie_domain::role::Role::UserManager]),
        ),
        pager: Pager::new(&page, "/admin/tenants", &query_of(&[("q", &q.q)])),
        l,
        q: q.q.clone(),
        rows,
        draft,
        roles_error: None,
        notice_error: None,
        ending_error: None,
        certificates: state
            .store
            .certificates(vigie_domain::page::Page::new(Some(1), Some(50)))
            .await?
            .items
            .into_iter()
            .map(|c| CertificateRow {
                id: c.id,
                organisation: format!("{} ({})", c.tenant_name, c.tenant_slug),
                destroyed: l2_when(me, c.destroyed_at),
            })
            .collect(),
    })
}

fn l2_when(me: &crate::auth::SignedIn, t: jiff::Timestamp) -> String {
    let tz = jiff::tz::TimeZone::get(&me.user.time_zone)
        .unwrap_or_else(|_| vigie_domain::time::legal_zone());
    t.to_zoned(tz).strftime("%d/%m/%Y %H:%M %Z").to_string()
}

/// Ends a client's contract (C24): its data are destroyed after the
/// delay, unless cancelled.
pub async fn end_contract(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let slug = TenantSlug::parse(&slug).map_err(|_| PageError::NOT_FOUND)?;
    let tenant = state.store.tenant_by_slug(&slug).await?;
    let m = me.client.lang.msgs();
    let delay = super::forms::field(&pairs, "delay").trim().parse::<i64>();
    let result = match delay {
        Ok(d) => vigie_service::reversibility::start_ending(
            state.ctx(),
            &tenant,
            d,
            me.user.name.as_str(),
            jiff::Timestamp::now(),
        )
        .await
        .map(drop)
        .map_err(|e| match e {
            vigie_service::ServiceError::Invalid { message, .. } => message,
            e => e.to_string(),
        }),
        Err(_) => Err(m.ending_delay_invalid.to_owned()),
    };
    match result {
        Ok(()) => {
            me.trace(
                &state,
                Some(&tenant),
                "tenant.end_contract",
                &format!("tenant:{}", tenant.id),
            )
            .await?;
            Ok(see_other("/admin/tenants", "saved"))
        }
        Err(why) => {
            let mut page =
                tenants_page(&state, &me, &ListQuery::default(), TenantDraft::default()).await?;
            page.ending_error = Some((slug.to_string(), why));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

/// Cancels a client's ending before its day.
pub async fn cancel_ending(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let slug = TenantSlug::parse(&slug).map_err(|_| PageError::NOT_FOUND)?;
    let tenant = state.store.tenant_by_slug(&slug).await?;
    state.store.cancel_ending(tenant.id).await?;
    me.trace(
        &state,
        Some(&tenant),
        "tenant.end_contract_cancel",
        &format!("tenant:{}", tenant.id),
    )
    .await?;
    Ok(see_other("/admin/tenants", "saved"))
}

/// A destruction certificate, as signed (JSON).
pub async fn certificate(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    use axum::response::IntoResponse;
    let c = state.store.certificate(id).await?;
    me.trace(
        &state,
        None,
        "tenant.certificate",
        &format!("certificate:{id}"),
    )
    .await?;
    let (signature, public_key) = c.signature.split_once(':').unwrap_or((&c.signature, ""));
    let body = serde_json::json!({
        "certificate": serde_json::from_str::<serde_json::Value>(&c.certificate).unwrap_or_default(),
        "signed_text": c.certificate,
        "signature": signature,
        "public_key": public_key,
    });
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

pub async fn tenants(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    render(tenants_page(&state, &me, &q, TenantDraft::default()).await?)
}

#[derive(Deserialize)]
pub struct NewTenant {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
}

pub async fn create_tenant(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Form(f): Form<NewTenant>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let slug = TenantSlug::parse(&f.slug);
    let name = TenantName::parse(&f.name);
    let mut draft = TenantDraft {
        slug: f.slug.clone(),
        name: f.name.clone(),
        slug_error: slug.is_err().then_some(m.slug_invalid),
        name_error: name.is_err().then_some(m.name_invalid),
    };
    if let (Ok(slug), Ok(name)) = (&slug, &name) {
        match state.store.create_tenant(slug, name).await {
            Ok(t) => {
                me.trace(
                    &state,
                    Some(&t),
                    "tenant.create",
                    &format!("tenant:{}", t.id),
                )
                .await?;
                return Ok(see_other("/admin/tenants", "tenant_created"));
            }
            Err(StoreError::Conflict(_)) => draft.slug_error = Some(m.slug_taken),
            Err(e) => return Err(e.into()),
        }
    }
    let page = tenants_page(&state, &me, &ListQuery::default(), draft).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

#[derive(Deserialize)]
pub struct Grant {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(flatten)]
    roles: RoleBoxes,
}

/// Gives a person roles in a tenant: how a new client gets its first user
/// manager, who then runs its own accounts (C26).
pub async fn grant(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(slug): Path<String>,
    Form(f): Form<Grant>,
) -> Result<Response, PageError> {
    let slug = TenantSlug::parse(&slug).map_err(|_| PageError::NOT_FOUND)?;
    let tenant = state.store.tenant_by_slug(&slug).await?;
    let roles = f.roles.roles();
    let (Ok(email), Ok(name), false) = (
        Email::parse(&f.email),
        DisplayName::parse(&f.name),
        roles.is_empty(),
    ) else {
        let m = me.client.lang.msgs();
        let mut page =
            tenants_page(&state, &me, &ListQuery::default(), TenantDraft::default()).await?;
        page.roles_error = Some(m.form_has_errors);
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, page);
    };
    let (user, created) = invite::grant(&state, &tenant, &email, &name, &roles).await?;
    me.trace(
        &state,
        Some(&tenant),
        "tenant.grant",
        &format!("user:{}", user.id),
    )
    .await?;
    Ok(see_other(
        "/admin/tenants",
        if created {
            "user_added"
        } else {
            "user_granted_existing"
        },
    ))
}

/// The end-of-contract export of a client (C24, "réversibilité"):
/// everything Vigie holds for it, JSON and CSV with a README, as one
/// archive.
pub async fn reversibility(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let slug = TenantSlug::parse(&slug).map_err(|_| PageError::NOT_FOUND)?;
    let tenant = state.store.tenant_by_slug(&slug).await?;
    let now = jiff::Timestamp::now();
    // The provider acting in its client's records, at its own request.
    let scope = vigie_domain::scope::TenantScope::of_provider(tenant.id);
    let files = export_files(&state, &scope, &tenant, now).await?;
    me.trace(
        &state,
        Some(&tenant),
        "tenant.reversibility_export",
        &format!("tenant:{}", tenant.id),
    )
    .await?;
    Ok(archive_response(&tenant, &files, now))
}

/// The export's files, for the provider's page and the client's link.
pub(super) async fn export_files(
    state: &AppState,
    scope: &vigie_domain::scope::TenantScope,
    tenant: &vigie_store::Tenant,
    now: jiff::Timestamp,
) -> Result<Vec<(String, Vec<u8>)>, PageError> {
    vigie_service::reversibility::export(state.ctx(), scope, tenant, now)
        .await
        .map_err(|e| match e {
            vigie_service::ServiceError::Store(s) => s.into(),
            e => PageError::Internal(e.to_string()),
        })
}

/// The export as a download: `reversibilite-{slug}-{day}.tar`.
pub(crate) fn archive_response(
    tenant: &vigie_store::Tenant,
    files: &[(String, Vec<u8>)],
    now: jiff::Timestamp,
) -> Response {
    use axum::response::IntoResponse;
    let name = format!(
        "reversibilite-{}-{}.tar",
        tenant.slug,
        vigie_domain::time::legal_date(now)
    );
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/x-tar".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        vigie_service::tar::archive(files, now.as_second()),
    )
        .into_response()
}

/// Sets the limit of a client's contract for the provider's notice of a
/// breach touching it (C17: "without undue delay", e.g. 24 or 48 hours).
pub async fn notice_hours(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let slug = TenantSlug::parse(&slug).map_err(|_| PageError::NOT_FOUND)?;
    let tenant = state.store.tenant_by_slug(&slug).await?;
    let value = super::forms::field(&pairs, "hours");
    let hours = value.trim().parse::<i64>().ok();
    match hours.map(|h| (h, vigie_domain::breach::check_notice_hours(h))) {
        Some((h, Ok(()))) => {
            state.store.set_processor_notice_hours(tenant.id, h).await?;
            me.trace(
                &state,
                Some(&tenant),
                "tenant.notice_hours",
                &format!("tenant:{}:{h}h", tenant.id),
            )
            .await?;
            Ok(see_other("/admin/tenants", "saved"))
        }
        _ => {
            let m = me.client.lang.msgs();
            let mut page =
                tenants_page(&state, &me, &ListQuery::default(), TenantDraft::default()).await?;
            page.notice_error = Some((slug.to_string(), m.notice_hours_invalid));
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub admin: bool,
    pub disabled: bool,
    pub totp: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    l: Layout,
    q: String,
    rows: Vec<UserRow>,
    pager: Pager,
}

pub async fn users(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let page = state.store.list_users(&q.q, q.page()).await?;
    let rows = page
        .items
        .iter()
        .map(|u| UserRow {
            id: u.id.0,
            name: u.name.as_str().into(),
            email: u.email.to_string(),
            admin: u.is_provider_admin,
            disabled: u.disabled,
            totp: u.totp_enabled,
        })
        .collect();
    me.trace(&state, None, "users.list", "instance").await?;
    render(UsersPage {
        l: Layout::signed_in(&me, None, m.admin_users_title, state.settings.demo)
            .with_flash(flash_text(m, q.flash.as_deref())),
        pager: Pager::new(&page, "/admin/users", &query_of(&[("q", &q.q)])),
        q: q.q,
        rows,
    })
}

async fn set_disabled(
    state: &AppState,
    me: &crate::auth::SignedIn,
    id: i64,
    disabled: bool,
) -> Result<Response, PageError> {
    state.store.set_disabled(UserId(id), disabled).await?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    me.trace(state, None, action, &format!("user:{id}")).await?;
    Ok(see_other(
        "/admin/users",
        if disabled {
            "user_disabled"
        } else {
            "user_enabled"
        },
    ))
}

pub async fn disable_user(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    set_disabled(&state, &me, id, true).await
}

pub async fn enable_user(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    set_disabled(&state, &me, id, false).await
}

pub async fn reset_user(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let user = state.store.user(UserId(id)).await?;
    send_password_link(&state, &user, None).await?;
    me.trace(&state, None, "user.reset_link", &format!("user:{id}"))
        .await?;
    Ok(see_other("/admin/users", "reset_sent"))
}

pub struct CheckpointRow {
    pub seq: i64,
    pub hash: String,
    pub signed: String,
}

#[derive(Template)]
#[template(path = "admin_checkpoints.html")]
struct CheckpointsPage {
    l: Layout,
    public_key: String,
    rows: Vec<CheckpointRow>,
    pager: Pager,
}

pub async fn checkpoints(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let l = Layout::signed_in(
        &me,
        None,
        me.client.lang.msgs().checkpoints_title,
        state.settings.demo,
    );
    let page = state.store.checkpoints(q.page()).await?;
    let rows = page
        .items
        .iter()
        .map(|c| CheckpointRow {
            seq: c.seq,
            hash: c.hash.to_hex(),
            signed: l.when(c.signed_at),
        })
        .collect();
    me.trace(&state, None, "checkpoints.list", "instance")
        .await?;
    render(CheckpointsPage {
        pager: Pager::new(&page, "/admin/checkpoints", ""),
        public_key: state.settings.trail_public_key.clone(),
        l,
        rows,
    })
}

pub struct JobRow {
    pub kind: &'static str,
    pub run_at: String,
    pub state: &'static str,
    pub failed: bool,
    pub attempts: i32,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    l: Layout,
    rows: Vec<JobRow>,
    pager: Pager,
}

pub async fn jobs(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let l = Layout::signed_in(
        &me,
        None,
        me.client.lang.msgs().jobs_title,
        state.settings.demo,
    );
    let page = state.store.list_jobs(q.page()).await?;
    let rows = page
        .items
        .iter()
        .map(|j| JobRow {
            kind: j.kind.as_str(),
            run_at: l.when(j.run_at),
            state: j.state.as_str(),
            failed: j.state == JobState::Failed,
            attempts: j.attempts,
            summary: j.summary.clone(),
        })
        .collect();
    me.trace(&state, None, "jobs.list", "instance").await?;
    render(JobsPage {
        pager: Pager::new(&page, "/admin/jobs", ""),
        l,
        rows,
    })
}

pub struct MessageRow {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub created: String,
    pub sent: Option<String>,
    pub attempts: i32,
    pub error: String,
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage {
    l: Layout,
    demo: bool,
    q: String,
    rows: Vec<MessageRow>,
    pager: Pager,
}

pub async fn outbox(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let l = Layout::signed_in(
        &me,
        None,
        me.client.lang.msgs().outbox_title,
        state.settings.demo,
    );
    let page = state.store.list_messages(&q.q, q.page()).await?;
    let rows = page
        .items
        .iter()
        .map(|m| MessageRow {
            id: m.id.0,
            to: m.to.clone(),
            subject: m.subject.clone(),
            created: l.when(m.created_at),
            sent: m.sent_at.map(|t| l.when(t)),
            attempts: m.attempts,
            error: m.last_error.clone(),
        })
        .collect();
    me.trace(&state, None, "outbox.list", "instance").await?;
    render(OutboxPage {
        demo: state.settings.demo,
        pager: Pager::new(&page, "/admin/outbox", &query_of(&[("q", &q.q)])),
        l,
        q: q.q,
        rows,
    })
}
