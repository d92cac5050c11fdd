//! The home page, the tenant switcher, the language switch and the
//! tenant dashboard.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Redirect, Response},
};
use jiff::{Timestamp, civil::Time};
use serde::Deserialize;
use vigie_domain::{page::Page, role::Permission};
use vigie_store::TrailFilter;

use super::forms::{ListQuery, flash_text, local_path, render};
use crate::{
    AppState,
    auth::{SignedIn, TenantCtx},
    client::lang_cookie,
    error::PageError,
    i18n::Lang,
    layout::Layout,
};

pub async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ok".into_response(),
        Err(e) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

/// Signed in: the tenant last used, else the first one, else the account.
pub async fn home(me: Option<SignedIn>) -> Response {
    let Some(me) = me else {
        return Redirect::to("/sign-in").into_response();
    };
    let current = me
        .memberships
        .iter()
        .find(|m| Some(m.tenant.id) == me.session_tenant)
        .or_else(|| me.memberships.first());
    match current {
        Some(m) => Redirect::to(&format!("/t/{}", m.tenant.slug)).into_response(),
        None if me.user.is_provider_admin => Redirect::to("/admin/tenants").into_response(),
        None => Redirect::to("/account?flash=no_tenant").into_response(),
    }
}

#[derive(Deserialize)]
pub struct SwitchQuery {
    #[serde(default)]
    tenant: String,
}

pub async fn switch(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<SwitchQuery>,
) -> Result<Response, PageError> {
    let m = me
        .memberships
        .iter()
        .find(|m| m.tenant.slug.as_str() == q.tenant)
        .ok_or(PageError::NOT_FOUND)?;
    state
        .store
        .set_session_tenant(&me.session_hash, Some(m.tenant.id))
        .await?;
    Ok(Redirect::to(&format!("/t/{}", m.tenant.slug)).into_response())
}

#[derive(Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    next: String,
}

/// Sets the language cookie (a strictly necessary preference) and goes back.
pub async fn lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, PageError> {
    let lang = Lang::parse(&code).ok_or(PageError::NOT_FOUND)?;
    Ok((
        [(
            header::SET_COOKIE,
            lang_cookie(lang.code(), state.settings.secure_cookies),
        )],
        Redirect::to(local_path(&q.next)),
    )
        .into_response())
}

pub struct Card {
    pub title: &'static str,
    pub text: String,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    tenant_name: String,
    cards: Vec<Card>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let l = Layout::for_tenant(
        &ctx,
        ctx.me.client.lang.msgs().dashboard_title,
        state.settings.demo,
    );
    let m = l.m;
    let one = Page::new(Some(1), Some(1));
    let members = state.store.members(&ctx.scope, "", one).await?.total;
    let mut cards = vec![Card {
        title: m.card_members,
        text: members.to_string(),
        href: Some(format!("{}/users", ctx.base())),
    }];
    if ctx.scope.allows(Permission::ReadTrail) {
        let midnight = Timestamp::now()
            .to_zoned(l.time_zone().clone())
            .with()
            .time(Time::midnight())
            .build()
            .map(|z| z.timestamp())
            .ok();
        let today = TrailFilter {
            from: midnight,
            ..Default::default()
        };
        let n = state
            .store
            .tenant_trail(&ctx.scope, &today, one)
            .await?
            .total;
        cards.push(Card {
            title: m.card_trail_today,
            text: n.to_string(),
            href: Some(format!("{}/trail", ctx.base())),
        });
    }
    let activities = state
        .store
        .activities(&ctx.scope, &vigie_store::ActivityFilter::default(), one)
        .await?
        .total;
    cards.push(Card {
        title: m.card_register,
        text: activities.to_string(),
        href: Some(format!("{}/registre", ctx.base())),
    });
    let open_windows = state
        .store
        .notices_of_tenant(&ctx.scope)
        .await?
        .iter()
        .filter(|n| n.state == vigie_domain::subprocessor::WindowState::Open)
        .count();
    cards.push(Card {
        title: m.card_open_windows,
        text: open_windows.to_string(),
        href: Some(format!("{}/sous-traitants", ctx.base())),
    });
    let today = Timestamp::now().to_zoned(l.time_zone().clone()).date();
    let requests = format!("{}/demandes", ctx.base());
    for (title, due, filter) in [
        (m.requests_late, today.yesterday().ok(), "late"),
        (
            m.requests_soon,
            today.checked_add(jiff::ToSpan::days(7)).ok(),
            "soon",
        ),
        (m.requests_open, None, "open"),
    ] {
        let f = vigie_store::RequestFilter {
            open_only: true,
            due_by: due,
            ..Default::default()
        };
        let n = state.store.requests(&ctx.scope, &f, one).await?.total;
        cards.push(Card {
            title,
            text: n.to_string(),
            href: Some(format!("{requests}?due={filter}")),
        });
    }
    let stalled = state
        .store
        .requests(
            &ctx.scope,
            &vigie_store::RequestFilter {
                stalled_only: true,
                ..Default::default()
            },
            one,
        )
        .await?
        .total;
    cards.push(Card {
        title: m.requests_stalled,
        text: stalled.to_string(),
        href: Some(format!("{requests}?due=stalled")),
    });
    let incidents = state.store.incidents(&ctx.scope, "", one).await?.total;
    cards.push(Card {
        title: m.card_breaches,
        text: incidents.to_string(),
        href: Some(format!("{}/incidents", ctx.base())),
    });
    let rules = state.store.rules(&ctx.scope).await?.len();
    cards.push(Card {
        title: m.card_retention,
        text: rules.to_string(),
        href: Some(format!("{}/conservation", ctx.base())),
    });
    // The instance's backups hold every client's data (C31).
    let newest = state.store.good_backups().await?.into_iter().next();
    cards.push(Card {
        title: m.card_backups,
        text: newest.map_or_else(|| m.card_backups_none.to_owned(), |b| l.when(b.started_at)),
        href: None,
    });
    ctx.trace(
        &state,
        "dashboard.read",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(DashboardPage {
        l: l.with_flash(flash_text(m, q.flash.as_deref())),
        tenant_name: ctx.tenant.name.as_str().to_owned(),
        cards,
    })
}
