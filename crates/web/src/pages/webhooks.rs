//! A tenant's webhooks (issue 20), for its DPO: the endpoints, each with
//! its deliveries and their last answer; add one (its secret shown once),
//! pause, resume, test, remove, send a delivery again.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_domain::{
    role::Permission,
    webhook::{DeliveryState, EventKind},
};
use vigie_store::Webhook;

use super::forms::{ListQuery, flash_text, render, render_status, see_other};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    i18n::Msgs,
    layout::{Layout, Pager},
};

fn event_label(m: &'static Msgs, k: EventKind) -> &'static str {
    match k {
        EventKind::ScanFinished => m.event_scan_finished,
        EventKind::ExecutionFinished => m.event_execution_finished,
        EventKind::CopyFinished => m.event_copy_finished,
        EventKind::Ping => m.event_ping,
    }
}

fn state_label(m: &'static Msgs, s: DeliveryState) -> &'static str {
    match s {
        DeliveryState::Pending => m.delivery_pending,
        DeliveryState::Delivered => m.delivery_delivered,
        DeliveryState::Abandoned => m.delivery_abandoned,
    }
}

pub struct HookRow {
    pub id: i64,
    pub url: String,
    pub description: String,
    pub events: String,
    pub active: bool,
}

fn hook_row(m: &'static Msgs, h: &Webhook) -> HookRow {
    HookRow {
        id: h.id,
        url: h.url.clone(),
        description: h.description.clone(),
        events: h
            .events
            .kinds()
            .map(|k| event_label(m, k))
            .collect::<Vec<_>>()
            .join(", "),
        active: h.active,
    }
}

/// An event's box on the form.
pub struct EventBox {
    pub name: String,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct HooksPage {
    l: Layout,
    rows: Vec<HookRow>,
    pager: Pager,
    base: String,
    q: String,
    created: Option<String>,
    url: String,
    description: String,
    events: Vec<EventBox>,
    url_error: Option<String>,
    description_error: Option<&'static str>,
    events_error: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HookForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    description: String,
    event_scan_finished: Option<String>,
    event_execution_finished: Option<String>,
    event_copy_finished: Option<String>,
}

impl HookForm {
    fn codes(&self) -> Vec<&'static str> {
        [
            (&self.event_scan_finished, EventKind::ScanFinished),
            (&self.event_execution_finished, EventKind::ExecutionFinished),
            (&self.event_copy_finished, EventKind::CopyFinished),
        ]
        .into_iter()
        .filter(|(on, _)| on.is_some())
        .map(|(_, k)| k.as_str())
        .collect()
    }
}

#[derive(Default)]
struct Draft {
    form: HookForm,
    url_error: Option<String>,
    description_error: Option<&'static str>,
    events_error: Option<&'static str>,
    created: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &ListQuery,
    d: Draft,
) -> Result<HooksPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.webhooks_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let list = state.store.webhooks(&ctx.scope, &q.q, q.page()).await?;
    let base = format!("{}/webhooks", ctx.base());
    ctx.trace(state, "webhooks.list", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    let fresh = d.url_error.is_none() && d.events_error.is_none() && d.description_error.is_none();
    let codes = d.form.codes();
    let events = [
        EventKind::ScanFinished,
        EventKind::ExecutionFinished,
        EventKind::CopyFinished,
    ]
    .into_iter()
    .map(|k| EventBox {
        // The form's box: `event_` and the event's code.
        name: format!("event_{}", k.as_str()),
        label: event_label(m, k),
        // All asked for on a new form; as sent on a refused one.
        checked: fresh || codes.contains(&k.as_str()),
    })
    .collect();
    let query = if q.q.is_empty() {
        String::new()
    } else {
        format!("q={}", urlencoding::encode(&q.q))
    };
    Ok(HooksPage {
        pager: Pager::new(&list, &base, &query),
        rows: list.items.iter().map(|h| hook_row(m, h)).collect(),
        l,
        base,
        q: q.q.clone(),
        created: d.created,
        url: d.form.url,
        description: d.form.description,
        events,
        url_error: d.url_error,
        description_error: d.description_error,
        events_error: d.events_error,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "webhooks.list").await?;
    render(page(&state, &ctx, &q, Draft::default()).await?)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(f): Form<HookForm>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "webhook.create").await?;
    let m = ctx.me.client.lang.msgs();
    let made = vigie_service::webhooks::create(
        state.ctx(),
        &ctx.scope,
        &f.url,
        &f.description,
        &f.codes(),
        ctx.me.user.name.as_str(),
        Timestamp::now(),
    )
    .await;
    let d = match made {
        Ok((hook, secret)) => {
            ctx.trace(&state, "webhook.create", &format!("webhook:{}", hook.id))
                .await?;
            Draft {
                created: Some(secret),
                ..Draft::default()
            }
        }
        Err(vigie_service::ServiceError::Invalid { field, message }) => {
            let mut d = Draft::default();
            match field {
                // The reason in the interface's words, the detail (the host
                // and port refused) as Vigie wrote it.
                "url" => d.url_error = Some(format!("{} ({message})", m.webhook_url_invalid)),
                "description" => d.description_error = Some(m.webhook_description_invalid),
                _ => d.events_error = Some(m.webhook_events_invalid),
            }
            d.form = f;
            let p = page(&state, &ctx, &ListQuery::default(), d).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, p);
        }
        Err(e) => return Err(super::service_error(e)),
    };
    render(page(&state, &ctx, &ListQuery::default(), d).await?)
}

pub struct DeliveryRow {
    pub id: i64,
    pub event_id: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub pending: bool,
    pub attempts: i64,
    pub last: String,
    pub next: String,
    pub created: String,
}

pub struct StateOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct HookPage {
    l: Layout,
    hook: HookRow,
    base: String,
    rows: Vec<DeliveryRow>,
    pager: Pager,
    q: String,
    states: Vec<StateOption>,
    /// Just rotated: the new secret, shown this once.
    rotated: Option<String>,
    /// While the replaced secret still signs: until when.
    overlap_until: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DeliveryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    page: Option<u32>,
    page_size: Option<u32>,
    flash: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
    Query(q): Query<DeliveryQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "webhook.read").await?;
    hook_page(&state, &ctx, id, q, None).await
}

/// Gives the endpoint a new secret, shown once on its page; the replaced
/// one keeps signing beside it for a day.
pub async fn rotate(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "webhook.rotate").await?;
    let (secret, _) =
        vigie_service::webhooks::rotate(state.ctx(), &ctx.scope, id, Timestamp::now())
            .await
            .map_err(super::service_error)?;
    ctx.trace(&state, "webhook.rotate", &format!("webhook:{id}"))
        .await?;
    hook_page(&state, &ctx, id, DeliveryQuery::default(), Some(secret)).await
}

async fn hook_page(
    state: &AppState,
    ctx: &TenantCtx,
    id: i64,
    q: DeliveryQuery,
    rotated: Option<String>,
) -> Result<Response, PageError> {
    let m = ctx.me.client.lang.msgs();
    let hook = state.store.webhook(&ctx.scope, id).await?;
    // An unknown state shows every delivery, as an empty one does.
    let wanted = DeliveryState::parse(&q.state);
    let list = state
        .store
        .deliveries(
            &ctx.scope,
            id,
            wanted,
            &q.q,
            vigie_domain::page::Page::new(q.page, q.page_size),
        )
        .await?;
    let l = Layout::for_tenant(ctx, &hook.url, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let base = format!("{}/webhooks/{id}", ctx.base());
    let mut query = Vec::new();
    if !q.q.is_empty() {
        query.push(format!("q={}", urlencoding::encode(&q.q)));
    }
    if let Some(s) = wanted {
        query.push(format!("state={}", s.as_str()));
    }
    let rows = list
        .items
        .iter()
        .map(|d| DeliveryRow {
            id: d.id,
            event_id: d.event_id.clone(),
            kind: event_label(m, d.kind),
            state: state_label(m, d.state),
            pending: d.state == DeliveryState::Pending,
            attempts: d.attempts,
            last: match (d.last_status, d.last_error.is_empty()) {
                (Some(s), true) => format!("HTTP {s}"),
                (_, false) => d.last_error.clone(),
                (None, true) => String::new(),
            },
            next: if d.state == DeliveryState::Pending {
                l.when(d.next_attempt_at)
            } else {
                d.delivered_at.map(|t| l.when(t)).unwrap_or_default()
            },
            created: l.when(d.created_at),
        })
        .collect();
    let states = std::iter::once(("", m.trail_any))
        .chain(
            DeliveryState::ALL
                .iter()
                .map(|s| (s.as_str(), state_label(m, *s))),
        )
        .map(|(value, label)| StateOption {
            value,
            label,
            selected: wanted.map_or("", DeliveryState::as_str) == value,
        })
        .collect();
    ctx.trace(state, "webhook.read", &format!("webhook:{id}"))
        .await?;
    let overlap_until = hook
        .previous_until
        .filter(|t| *t > Timestamp::now())
        .map(|t| l.when(t));
    render(HookPage {
        rotated,
        overlap_until,
        pager: Pager::new(&list, &base, &query.join("&")),
        hook: hook_row(m, &hook),
        l,
        base,
        rows,
        q: q.q,
        states,
    })
}

/// Pause, resume, test or remove an endpoint: `action` as written in the
/// form's address.
pub async fn act(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, action)): Path<(String, i64, String)>,
) -> Result<Response, PageError> {
    let traced = match action.as_str() {
        "pause" => "webhook.pause",
        "resume" => "webhook.resume",
        "ping" => "webhook.ping",
        "delete" => "webhook.delete",
        _ => return Err(PageError::NOT_FOUND),
    };
    require_traced(&state, &ctx, Permission::ManageTokens, traced).await?;
    let s = &state.store;
    let back = format!("{}/webhooks/{id}", ctx.base());
    let (to, flash, object) = match action.as_str() {
        "pause" | "resume" => {
            s.set_webhook_active(&ctx.scope, id, action == "resume")
                .await?;
            (back, "saved", format!("webhook:{id}"))
        }
        "ping" => {
            let event =
                vigie_service::webhooks::ping(state.ctx(), &ctx.scope, id, Timestamp::now())
                    .await
                    .map_err(super::service_error)?;
            (back, "webhook_pinged", format!("webhook:{id}/{event}"))
        }
        _ => {
            s.delete_webhook(&ctx.scope, id).await?;
            (
                format!("{}/webhooks", ctx.base()),
                "deleted",
                format!("webhook:{id}"),
            )
        }
    };
    ctx.trace(&state, traced, &object).await?;
    Ok(see_other(&to, flash))
}

pub async fn redeliver(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, delivery)): Path<(String, i64, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageTokens, "webhook.redeliver").await?;
    let d = state.store.delivery(&ctx.scope, delivery).await?;
    if d.webhook != id {
        return Err(PageError::NOT_FOUND);
    }
    // Pending already (sent twice from two tabs): nothing to do.
    match state
        .store
        .redeliver(&ctx.scope, delivery, Timestamp::now())
        .await
    {
        Ok(_) | Err(vigie_store::StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    ctx.trace(
        &state,
        "webhook.redeliver",
        &format!("webhook:{id}/delivery:{delivery}"),
    )
    .await?;
    Ok(see_other(
        &format!("{}/webhooks/{id}", ctx.base()),
        "webhook_redelivered",
    ))
}
