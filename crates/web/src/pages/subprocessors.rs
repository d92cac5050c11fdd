//! Sub-processors (C07–C10). The provider administrator keeps the registry
//! (behind the transfer guard), notifies changes to the tenants concerned
//! and resolves objections; each tenant sees its own list and its notices,
//! and objects or accepts within the window.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use vigie_domain::{
    NoticeId, SubProcessorId, TenantId,
    page::Page,
    register::Safeguard,
    role::Permission,
    subprocessor::{ChangeKind, Country, Site, SubProcessor, WindowState},
    tenant::TenantSlug,
};
use vigie_service::{ServiceError, subprocessors};
use vigie_store::{StoreError, StoredSubProcessor, TenantNotice};

use super::forms::{
    FieldErrors, FlashQuery, ListQuery, field, field_errors, flash_text, render, render_status,
    see_other, ticked,
};
use crate::{
    AppState,
    auth::{ProviderAdmin, SignedIn, TenantCtx, require_traced},
    error::PageError,
    labels::register as rl,
    layout::{Layout, Pager, query_of},
};

/// The registry form as typed.
#[derive(Debug, Default, Clone)]
pub struct SpForm {
    pub name: String,
    pub address: String,
    pub contact: String,
    pub purpose: String,
    pub sites: String,
    pub certifications: String,
    pub safeguard: String,
    pub dpf: bool,
}

impl SpForm {
    fn from_pairs(p: &[(String, String)]) -> Self {
        SpForm {
            name: field(p, "name"),
            address: field(p, "address"),
            contact: field(p, "contact"),
            purpose: field(p, "purpose"),
            sites: field(p, "sites"),
            certifications: field(p, "certifications"),
            safeguard: field(p, "safeguard"),
            dpf: ticked(p, "dpf"),
        }
    }

    fn of(b: &SubProcessor) -> Self {
        SpForm {
            name: b.name.clone(),
            address: b.address.clone(),
            contact: b.contact.clone(),
            purpose: b.purpose.clone(),
            sites: b
                .sites
                .iter()
                .map(|s| format!("{} ; {}", s.name, s.country.as_str()))
                .collect::<Vec<_>>()
                .join("\n"),
            certifications: b.certifications.join("\n"),
            safeguard: b
                .safeguard
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            dpf: b.dpf_certified,
        }
    }

    /// The record, or the line of the sites that is wrong.
    fn parse(&self, fr: bool) -> Result<SubProcessor, BTreeMap<&'static str, String>> {
        let mut sites = Vec::new();
        for (i, l) in self
            .sites
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let (name, country) = l.rsplit_once(';').unwrap_or((l, ""));
            match Country::parse(country) {
                Ok(country) => sites.push(Site {
                    name: name.trim().to_owned(),
                    country,
                }),
                Err(_) => {
                    let msg = if fr {
                        format!(
                            "Ligne {} : nom du centre ; code pays à deux lettres (FR, DE, US…).",
                            i + 1
                        )
                    } else {
                        format!(
                            "Line {}: data centre name ; two-letter country code (FR, DE, US…).",
                            i + 1
                        )
                    };
                    return Err(BTreeMap::from([("sites", msg)]));
                }
            }
        }
        Ok(SubProcessor {
            name: self.name.trim().to_owned(),
            address: self.address.trim().to_owned(),
            contact: self.contact.trim().to_owned(),
            purpose: self.purpose.trim().to_owned(),
            sites,
            certifications: self
                .certifications
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            safeguard: Safeguard::parse(&self.safeguard),
            dpf_certified: self.dpf,
        })
    }
}

pub struct SpRow {
    pub id: i64,
    pub name: String,
    pub purpose: String,
    pub countries: String,
    pub certifications: String,
}

fn row(s: &StoredSubProcessor) -> SpRow {
    SpRow {
        id: s.id.0,
        name: s.body.name.clone(),
        purpose: s.body.purpose.clone(),
        countries: s
            .body
            .sites
            .iter()
            .map(|x| format!("{} ({})", x.name, x.country.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
        certifications: s.body.certifications.join(", "),
    }
}

pub struct SafeguardOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn safeguards(lang: &str, chosen: &str) -> Vec<SafeguardOption> {
    let mut v = vec![SafeguardOption {
        value: "",
        label: if lang == "en" {
            "none (EU/EEA or adequacy)"
        } else {
            "aucune (UE/EEE ou adéquation)"
        },
        selected: chosen.is_empty(),
    }];
    v.extend(
        [
            Safeguard::StandardClauses,
            Safeguard::BindingRules,
            Safeguard::Derogation,
        ]
        .into_iter()
        .map(|s| SafeguardOption {
            value: s.as_str(),
            label: rl::safeguard(lang, s),
            selected: s.as_str() == chosen,
        }),
    );
    v
}

#[derive(Template)]
#[template(path = "admin_subprocessors.html")]
struct ListPage {
    l: Layout,
    rows: Vec<SpRow>,
    pager: Pager,
    q: String,
    f: SpForm,
    safeguards: Vec<SafeguardOption>,
    errors: FieldErrors,
    action: String,
}

async fn list_page(
    state: &AppState,
    me: &SignedIn,
    q: &ListQuery,
    f: SpForm,
    errors: BTreeMap<&'static str, String>,
) -> Result<ListPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(me, None, m.subprocessors_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let list = state.store.subprocessors(&q.q, q.page()).await?;
    me.trace(state, None, "subprocessors.list", "instance")
        .await?;
    Ok(ListPage {
        rows: list.items.iter().map(row).collect(),
        pager: Pager::new(&list, "/admin/sous-traitants", &query_of(&[("q", &q.q)])),
        q: q.q.clone(),
        safeguards: safeguards(l.lang, &f.safeguard),
        f,
        errors: FieldErrors(errors),
        action: "/admin/sous-traitants".into(),
        l,
    })
}

pub async fn admin_list(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    render(list_page(&state, &me, &q, SpForm::default(), BTreeMap::new()).await?)
}

pub async fn admin_create(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = SpForm::from_pairs(&pairs);
    let fr = me.client.lang.code() == "fr";
    let errors = match f.parse(fr) {
        Ok(body) => match subprocessors::create(state.ctx(), &body, Timestamp::now()).await {
            Ok(sp) => {
                me.trace(
                    &state,
                    None,
                    "subprocessors.create",
                    &format!("subprocessor:{}", sp.id),
                )
                .await?;
                return Ok(see_other(
                    &format!("/admin/sous-traitants/{}", sp.id),
                    "saved",
                ));
            }
            Err(e) => field_errors(me.client.lang.msgs(), e)?,
        },
        Err(e) => e,
    };
    let page = list_page(&state, &me, &ListQuery::default(), f, errors).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

pub struct NoticeRow {
    pub notice: i64,
    pub tenant: i64,
    pub tenant_name: String,
    pub received: String,
    pub deadline: String,
    pub state: &'static str,
    pub objected: bool,
    pub open: bool,
    pub reason: String,
    pub resolution: String,
    pub activities: String,
    /// "Ajout de OVHcloud", "Remplacement de X par OVHcloud": whom the
    /// notice is about, named (issue 18).
    pub what: String,
}

fn notice_row(l: &Layout, n: &TenantNotice) -> NoticeRow {
    let m = l.m;
    NoticeRow {
        notice: n.notice.0,
        tenant: n.tenant.0,
        tenant_name: n.tenant_name.clone(),
        received: l.when(n.received_at),
        deadline: n.deadline.to_string(),
        state: match n.state {
            WindowState::Open => m.window_open,
            WindowState::Objected => m.window_objected,
            WindowState::Accepted => m.window_accepted,
            WindowState::AcceptedBySilence => m.window_silence,
            WindowState::Resolved => m.window_resolved,
        },
        objected: n.state == WindowState::Objected,
        open: n.state == WindowState::Open,
        reason: n.reason.clone(),
        resolution: n.resolution.clone(),
        activities: n.activities.clone(),
        what: match n.kind {
            ChangeKind::Added => m.sp_notice_added.replace("{name}", &n.subprocessor_name),
            ChangeKind::Replaced => m
                .sp_notice_replaced
                .replace("{old}", n.replaces.trim())
                .replace("{name}", &n.subprocessor_name),
        },
    }
}

pub struct TenantChoice {
    pub slug: String,
    pub name: String,
    pub serves: bool,
}

#[derive(Template)]
#[template(path = "admin_subprocessor.html")]
struct ShowPage {
    l: Layout,
    action: String,
    f: SpForm,
    safeguards: Vec<SafeguardOption>,
    errors: FieldErrors,
    tenants: Vec<TenantChoice>,
    notices: Vec<NoticeRow>,
}

async fn show_page(
    state: &AppState,
    me: &SignedIn,
    sp: &StoredSubProcessor,
    f: SpForm,
    errors: BTreeMap<&'static str, String>,
    flash: Option<&str>,
) -> Result<ShowPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(me, None, &sp.body.name, state.settings.demo)
        .with_flash(flash_text(m, flash));
    let serving = state.store.tenants_of_subprocessor(sp.id).await?;
    let all = state
        .store
        .list_tenants("", Page::new(Some(1), Some(200)))
        .await?;
    let notices = state.store.notices_of_subprocessor(sp.id).await?;
    Ok(ShowPage {
        action: format!("/admin/sous-traitants/{}", sp.id),
        safeguards: safeguards(l.lang, &f.safeguard),
        tenants: all
            .items
            .iter()
            .map(|t| TenantChoice {
                slug: t.slug.to_string(),
                name: t.name.as_str().to_owned(),
                serves: serving.contains(&t.id),
            })
            .collect(),
        notices: notices.iter().map(|n| notice_row(&l, n)).collect(),
        f,
        errors: FieldErrors(errors),
        l,
    })
}

fn sp_id(id: &str) -> Result<SubProcessorId, PageError> {
    id.parse().map_err(|_| PageError::NOT_FOUND)
}

pub async fn admin_show(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<String>,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    let sp = state.store.subprocessor(sp_id(&id)?).await?;
    me.trace(
        &state,
        None,
        "subprocessors.read",
        &format!("subprocessor:{}", sp.id),
    )
    .await?;
    let f = SpForm::of(&sp.body);
    render(show_page(&state, &me, &sp, f, BTreeMap::new(), q.flash.as_deref()).await?)
}

pub async fn admin_save(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let sp = state.store.subprocessor(sp_id(&id)?).await?;
    let f = SpForm::from_pairs(&pairs);
    let errors = match f.parse(me.client.lang.code() == "fr") {
        Ok(body) => match subprocessors::save(state.ctx(), sp.id, &body, Timestamp::now()).await {
            Ok(()) => {
                me.trace(
                    &state,
                    None,
                    "subprocessors.save",
                    &format!("subprocessor:{}", sp.id),
                )
                .await?;
                return Ok(see_other(
                    &format!("/admin/sous-traitants/{}", sp.id),
                    "saved",
                ));
            }
            Err(e) => field_errors(me.client.lang.msgs(), e)?,
        },
        Err(e) => e,
    };
    let page = show_page(&state, &me, &sp, f, errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// Notifies the chosen tenants of the sub-processor's addition or of a
/// replacement (C09).
pub async fn admin_notify(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let sp = state.store.subprocessor(sp_id(&id)?).await?;
    let mut tenants = Vec::new();
    for (k, v) in &pairs {
        if k == "tenant" {
            let slug = TenantSlug::parse(v).map_err(|_| PageError::NOT_FOUND)?;
            tenants.push(state.store.tenant_by_slug(&slug).await?);
        }
    }
    let kind = ChangeKind::parse(&field(&pairs, "kind")).unwrap_or(ChangeKind::Added);
    let result = subprocessors::notify(
        state.ctx(),
        &sp,
        kind,
        &field(&pairs, "replaces"),
        &field(&pairs, "activities"),
        &tenants,
        Timestamp::now(),
    )
    .await;
    match result {
        Ok(n) => {
            me.trace(&state, None, "subprocessors.notify", &format!("notice:{n}"))
                .await?;
            Ok(see_other(
                &format!("/admin/sous-traitants/{}", sp.id),
                "notified",
            ))
        }
        Err(e) => {
            let errors = field_errors(me.client.lang.msgs(), e)?;
            let page = show_page(&state, &me, &sp, SpForm::of(&sp.body), errors, None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

/// Records how the provider resolved a tenant's objection.
pub async fn admin_resolve(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path((id, notice, tenant)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let sp = state.store.subprocessor(sp_id(&id)?).await?;
    let notice: NoticeId = notice.parse().map_err(|_| PageError::NOT_FOUND)?;
    let tenant: TenantId = tenant.parse().map_err(|_| PageError::NOT_FOUND)?;
    match subprocessors::resolve(
        state.ctx(),
        notice,
        tenant,
        &field(&pairs, "resolution"),
        Timestamp::now(),
    )
    .await
    {
        Ok(()) => {
            me.trace(
                &state,
                Some(&state.store.tenant(tenant).await?),
                "subprocessors.resolve",
                &format!("notice:{notice}"),
            )
            .await?;
            Ok(see_other(
                &format!("/admin/sous-traitants/{}", sp.id),
                "saved",
            ))
        }
        Err(e) => {
            let errors = field_errors(me.client.lang.msgs(), e)?;
            let page = show_page(&state, &me, &sp, SpForm::of(&sp.body), errors, None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}

#[derive(Template)]
#[template(path = "subprocessors.html")]
struct TenantPage {
    l: Layout,
    base: String,
    rows: Vec<SpRow>,
    notices: Vec<NoticeRow>,
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
    let l = Layout::for_tenant(ctx, m.subprocessors_title, state.settings.demo)
        .with_flash(flash_text(m, flash));
    let sps = state.store.subprocessors_of_tenant(&ctx.scope).await?;
    let notices = state.store.notices_of_tenant(&ctx.scope).await?;
    Ok(TenantPage {
        base: format!("{}/sous-traitants", ctx.base()),
        rows: sps.iter().map(row).collect(),
        notices: notices.iter().map(|n| notice_row(&l, n)).collect(),
        can_write: ctx.scope.allows(Permission::Write),
        error,
        l,
    })
}

/// A tenant's sub-processors and notices, self-service (C10).
pub async fn tenant_list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<FlashQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "subprocessors.tenant").await?;
    ctx.trace(
        &state,
        "subprocessors.tenant",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(tenant_page(&state, &ctx, q.flash.as_deref(), None).await?)
}

/// A tenant objects (with its reason) or accepts, within the window (C09).
pub async fn tenant_answer(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, notice, action)): Path<(String, String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "subprocessors.answer").await?;
    let notice: NoticeId = notice.parse().map_err(|_| PageError::NOT_FOUND)?;
    let now = Timestamp::now();
    let result = match action.as_str() {
        "objection" => {
            subprocessors::object(
                state.ctx(),
                &ctx.scope,
                notice,
                &field(&pairs, "reason"),
                now,
            )
            .await
        }
        "acceptation" => subprocessors::accept(state.ctx(), &ctx.scope, notice, now).await,
        _ => return Err(PageError::NOT_FOUND),
    };
    match result {
        Ok(()) => {
            ctx.trace(
                &state,
                &format!("subprocessors.{action}"),
                &format!("notice:{notice}"),
            )
            .await?;
            Ok(see_other(
                &format!("{}/sous-traitants", ctx.base()),
                "saved",
            ))
        }
        Err(ServiceError::Store(StoreError::NotFound)) => Err(PageError::NOT_FOUND),
        Err(e) => {
            let text = field_errors(ctx.me.client.lang.msgs(), e)?
                .into_values()
                .next()
                .unwrap_or_default();
            let page = tenant_page(&state, &ctx, None, Some(text)).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
        }
    }
}
