//! Consent in the pages (C35–C37): the DPO declares the organisation's
//! websites and copies each one's `<script>` tag; everyone of the tenant
//! searches the recorded choices by device and downloads a device's proof;
//! agents put an address or number on the suppression list.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_domain::{
    consent::{Category, ChoiceKind, ConsentMethod},
    rights::Channel,
    role::Permission,
};
use vigie_service::consent::{self, SiteInput};

use super::forms::{
    FieldErrors, ListQuery, Typed, field, field_errors, flash_text, render, render_status,
    see_other,
};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    i18n::Msgs,
    layout::{Layout, Pager},
};

pub struct SiteRow {
    pub id: i64,
    pub name: String,
    pub origin: String,
    pub version: String,
    /// "Mesure d'audience : Matomo", one per purpose.
    pub purposes: Vec<String>,
    pub snippet: String,
    /// A form objecting to solicitation for the site's pages (C37).
    pub opposition_form: String,
}

pub struct RecordRow {
    pub seq: i64,
    pub at: String,
    pub device: String,
    pub site: String,
    pub kind: &'static str,
    pub given: String,
    pub method: &'static str,
    pub version: String,
}

pub struct SuppressionRow {
    pub channel: &'static str,
    pub source: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    l: Layout,
    base: String,
    sites: Vec<SiteRow>,
    device: String,
    records: Vec<RecordRow>,
    pager: Pager,
    suppressions: Vec<SuppressionRow>,
    suppressed_total: i64,
    can_manage: bool,
    can_write: bool,
    /// The optional purposes, for the site form: (name, label).
    categories: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    typed: Typed,
    errors: FieldErrors,
}

pub fn category_label(m: &'static Msgs, c: Category) -> &'static str {
    match c {
        Category::Necessary => m.consent_necessary,
        Category::Performance => m.consent_performance,
        Category::Functional => m.consent_functional,
        Category::Advertising => m.consent_advertising,
        Category::ThirdParty => m.consent_third_party,
    }
}

fn kind_label(m: &'static Msgs, k: ChoiceKind) -> &'static str {
    match k {
        ChoiceKind::AcceptAll => m.consent_accept_all,
        ChoiceKind::RefuseAll => m.consent_refuse_all,
        ChoiceKind::Partial => m.consent_partial,
        ChoiceKind::Withdraw => m.consent_withdraw,
    }
}

/// The form a site places to take objections to solicitation: it posts
/// to Vigie as is, and the banner's script keeps the visitor on the page.
pub(crate) fn opposition_form(
    m: &'static Msgs,
    vigie: &str,
    key: &str,
    lang: crate::i18n::Lang,
) -> String {
    let options: String = [Channel::Email, Channel::Sms, Channel::Phone]
        .iter()
        .map(|c| {
            format!(
                "<option value=\"{}\">{}</option>",
                c.as_str(),
                channel_label(m, *c)
            )
        })
        .collect();
    format!(
        "<form method=\"post\" action=\"{vigie}/c/{key}/opposition\" data-vigie-opposition>\n\
         <input type=\"hidden\" name=\"lang\" value=\"{}\">\n\
         <label for=\"vigie-channel\">{}</label> <select id=\"vigie-channel\" name=\"channel\">{options}</select>\n\
         <label for=\"vigie-value\">{}</label> <input id=\"vigie-value\" name=\"value\" required>\n\
         <button type=\"submit\">{}</button>\n</form>",
        lang.code(),
        m.consent_channel,
        m.consent_value,
        m.consent_object_self,
    )
}

fn channel_label(m: &'static Msgs, c: Channel) -> &'static str {
    match c {
        Channel::Email => m.channel_email,
        Channel::Sms => m.channel_sms,
        Channel::Phone => m.channel_phone,
        Channel::Post => m.channel_post,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default)]
    device: String,
}

async fn page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &PageQuery,
    typed: Typed,
    errors: BTreeMap<&'static str, String>,
) -> Result<ConsentPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.consent_title, state.settings.demo)
        .with_flash(flash_text(m, q.list.flash.as_deref()));
    let base = format!("{}/consentement", ctx.base());
    let vigie = state.settings.base_url.trim_end_matches('/');
    let stored = state.store.sites(&ctx.scope).await?;
    let sites = stored
        .iter()
        .map(|s| SiteRow {
            id: s.id,
            name: s.name.clone(),
            origin: s.origin.clone(),
            version: s.notice_version.clone(),
            purposes: s
                .purposes
                .iter()
                .map(|p| {
                    let label = category_label(m, p.category);
                    if p.services.is_empty() {
                        label.to_owned()
                    } else {
                        format!("{label} : {}", p.services.join(", "))
                    }
                })
                .collect(),
            snippet: crate::consent::snippet(vigie, &s.site_key),
            opposition_form: opposition_form(m, vigie, &s.site_key, ctx.me.client.lang),
        })
        .collect();
    let device = q.device.trim().to_owned();
    let found = state
        .store
        .consents(&ctx.scope, &device, q.list.page())
        .await?;
    let records = found
        .items
        .iter()
        .map(|c| RecordRow {
            seq: c.record.seq,
            at: l.when(c.record.at),
            device: c.record.device.clone(),
            site: stored
                .iter()
                .find(|s| s.id == c.record.site)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            kind: kind_label(m, c.record.kind),
            given: c
                .record
                .choices
                .0
                .iter()
                .filter(|(k, v)| **v && **k != Category::Necessary)
                .map(|(k, _)| category_label(m, *k))
                .collect::<Vec<_>>()
                .join(", "),
            method: match c.record.method {
                ConsentMethod::Banner => m.consent_by_banner,
                ConsentMethod::Form => m.consent_by_form,
                ConsentMethod::Paper => m.consent_by_paper,
            },
            version: c.record.notice_version.clone(),
        })
        .collect();
    let list = state
        .store
        .suppressions(
            &ctx.scope,
            "",
            vigie_domain::page::Page::new(Some(1), Some(20)),
        )
        .await?;
    Ok(ConsentPage {
        pager: Pager::new(
            &found,
            &base,
            &format!("device={}", urlencoding::encode(&device)),
        ),
        base,
        sites,
        device,
        records,
        suppressed_total: list.total,
        suppressions: list
            .items
            .iter()
            .map(|s| SuppressionRow {
                channel: channel_label(m, s.channel),
                source: s.source.clone(),
                at: l.when(s.created_at),
            })
            .collect(),
        can_manage: ctx.scope.allows(Permission::ManageSystems),
        can_write: ctx.scope.allows(Permission::Write),
        categories: Category::ALL
            .iter()
            .filter(|c| **c != Category::Necessary)
            .map(|c| (c.as_str(), category_label(m, *c)))
            .collect(),
        channels: [Channel::Email, Channel::Sms, Channel::Phone]
            .into_iter()
            .map(|c| (c.as_str(), channel_label(m, c)))
            .collect(),
        typed,
        errors: FieldErrors(errors),
        l,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "consent.list").await?;
    let p = page(&state, &ctx, &q, Typed::default(), BTreeMap::new()).await?;
    ctx.trace(&state, "consent.list", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    render(p)
}

/// The DPO declares a website and its purposes.
pub async fn create_site(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(
        &state,
        &ctx,
        Permission::ManageSystems,
        "consent.site_create",
    )
    .await?;
    let input = SiteInput {
        name: field(&pairs, "name"),
        origin: field(&pairs, "origin"),
        notice_version: field(&pairs, "notice_version"),
        services: Category::ALL
            .iter()
            .map(|c| (*c, field(&pairs, c.as_str())))
            .collect(),
    };
    let done = consent::create_site(state.ctx(), &ctx.scope, &input, Timestamp::now())
        .await
        .map(|s| format!("consent_site:{}", s.id));
    answer(&state, &ctx, &pairs, "consent.site_create", done).await
}

/// The DPO publishes a new version of the site's notice: every visitor is
/// asked again.
pub async fn new_notice(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(
        &state,
        &ctx,
        Permission::ManageSystems,
        "consent.site_notice",
    )
    .await?;
    let done = consent::new_notice(
        state.ctx(),
        &ctx.scope,
        id,
        &field(&pairs, "notice_version"),
        Timestamp::now(),
    )
    .await
    .map(|s| {
        state.consent_sites.forget(&s.site_key);
        format!("consent_site:{}", s.id)
    });
    answer(&state, &ctx, &pairs, "consent.site_notice", done).await
}

/// Saved: traced, and back to the page; refused: the page again with what
/// was typed and each field's error.
async fn answer(
    state: &AppState,
    ctx: &TenantCtx,
    pairs: &[(String, String)],
    action: &str,
    done: vigie_service::Result<String>,
) -> Result<Response, PageError> {
    let errors = match done {
        Ok(object) => {
            ctx.trace(state, action, &object).await?;
            return Ok(see_other(&format!("{}/consentement", ctx.base()), "saved"));
        }
        Err(e) => field_errors(ctx.me.client.lang.msgs(), e)?,
    };
    let p = page(state, ctx, &PageQuery::default(), Typed::of(pairs), errors).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, p)
}

/// A device's proof: its choices and the chain's check, as JSON.
pub async fn proof(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "consent.proof").await?;
    let p = consent::proof(state.ctx(), &ctx.scope, q.device.trim())
        .await
        .map_err(|_| PageError::NOT_FOUND)?;
    ctx.trace(&state, "consent.proof", &format!("device:{}", p.device))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"preuve-consentement-{}.json\"",
                    p.device
                ),
            ),
        ],
        serde_json::to_string_pretty(&p).unwrap_or_default(),
    )
        .into_response())
}

/// An agent records an objection to solicitation on one channel (C37).
pub async fn object(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "consent.objection").await?;
    let channel = Channel::parse(&field(&pairs, "channel")).unwrap_or(Channel::Post);
    let source = format!("agent:{}", ctx.me.user.name.as_str());
    let done = consent::object(
        state.ctx(),
        &ctx.scope,
        channel,
        &field(&pairs, "value"),
        &source,
        Timestamp::now(),
    )
    .await
    // The value itself never goes in the trail.
    .map(|_| format!("channel:{}", channel.as_str()));
    answer(&state, &ctx, &pairs, "consent.objection", done).await
}

/// The suppression list as CSV for the organisation's mailing tools (the
/// DPO's; traced).
pub async fn suppression_csv(
    State(state): State<AppState>,
    ctx: TenantCtx,
) -> Result<Response, PageError> {
    require_traced(
        &state,
        &ctx,
        Permission::ManageSystems,
        "consent.suppression_export",
    )
    .await?;
    let csv = consent::suppression_csv(state.ctx(), &ctx.scope)
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?;
    ctx.trace(
        &state,
        "consent.suppression_export",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"liste-opposition.csv\"".to_owned(),
            ),
        ],
        csv,
    )
        .into_response())
}
