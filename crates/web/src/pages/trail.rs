//! Browsing, filtering and exporting the access trail (C28): a tenant's
//! records for its DPO and auditors, the whole instance for the provider.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use jiff::{Timestamp, civil::Date, tz::TimeZone};
use serde::Deserialize;
use vigie_domain::{
    audit::{AuditRecord, Outcome},
    page::{Page, Paged},
    role::Permission,
};
use vigie_store::TrailFilter;

use super::forms::render_status;
use crate::{
    AppState,
    auth::{ProviderAdmin, SignedIn, TenantCtx, require_traced},
    error::PageError,
    layout::{Layout, Pager, query_of},
};

#[derive(Debug, Default, Deserialize)]
pub struct TrailQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<u32>,
}

impl TrailQuery {
    /// The filter, with dates read as whole days in the reader's zone; the
    /// name of any field that does not parse.
    fn filter(&self, tz: &TimeZone) -> (TrailFilter, Vec<&'static str>) {
        let mut bad = Vec::new();
        let mut day = |s: &str, field: &'static str, end: bool| -> Option<Timestamp> {
            if s.trim().is_empty() {
                return None;
            }
            let d = match s.trim().parse::<Date>() {
                Ok(d) => d,
                Err(_) => {
                    bad.push(field);
                    return None;
                }
            };
            let d = if end { d.tomorrow().ok()? } else { d };
            d.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
        };
        let from = day(&self.from, "from", false);
        let to = day(&self.to, "to", true).map(|t| t - jiff::SignedDuration::from_micros(1));
        let f = TrailFilter {
            search: self.q.clone(),
            action_prefix: self.action.clone(),
            outcome: Outcome::parse(&self.outcome),
            from,
            to,
        };
        (f, bad)
    }

    fn query(&self) -> String {
        query_of(&[
            ("q", &self.q),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }
}

pub struct RecordRow {
    pub seq: i64,
    pub when: String,
    pub who: String,
    pub action: String,
    pub object: String,
    pub ip: String,
    pub outcome: &'static str,
    pub failed: bool,
}

pub struct OutcomeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "trail.html")]
struct TrailPage {
    l: Layout,
    q: String,
    action: String,
    from: String,
    to: String,
    outcomes: Vec<OutcomeChoice>,
    rows: Vec<RecordRow>,
    pager: Pager,
    export: String,
    date_errors: Vec<&'static str>,
}

fn outcome_label(l: &Layout, o: Outcome) -> &'static str {
    match o {
        Outcome::Success => l.m.outcome_success,
        Outcome::Failure => l.m.outcome_failure,
        Outcome::Denied => l.m.outcome_denied,
        Outcome::Interrupted => l.m.outcome_interrupted,
    }
}

fn trail_page(
    l: Layout,
    q: &TrailQuery,
    page: &Paged<AuditRecord>,
    path: &str,
    bad: Vec<&'static str>,
) -> TrailPage {
    let rows = page
        .items
        .iter()
        .map(|r| RecordRow {
            seq: r.seq,
            when: l.when(r.at),
            who: r.event.actor.label.clone(),
            action: r.event.action.clone(),
            object: r.event.object.clone(),
            ip: r.event.ip.clone(),
            outcome: outcome_label(&l, r.event.outcome),
            failed: r.event.outcome != Outcome::Success,
        })
        .collect();
    let outcomes = [
        ("", l.m.trail_any),
        ("success", l.m.outcome_success),
        ("failure", l.m.outcome_failure),
        ("denied", l.m.outcome_denied),
        ("interrupted", l.m.outcome_interrupted),
    ]
    .into_iter()
    .map(|(value, label)| OutcomeChoice {
        value,
        label,
        selected: q.outcome == value,
    })
    .collect();
    let query = q.query();
    TrailPage {
        pager: Pager::new(page, path, &query),
        export: if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        },
        l,
        q: q.q.clone(),
        action: q.action.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        outcomes,
        rows,
        date_errors: bad,
    }
}

pub async fn tenant_page(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<TrailQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ReadTrail, "trail.read").await?;
    let l = Layout::for_tenant(
        &ctx,
        ctx.me.client.lang.msgs().trail_title,
        state.settings.demo,
    );
    let (filter, bad) = q.filter(l.time_zone());
    let page = state
        .store
        .tenant_trail(&ctx.scope, &filter, Page::new(q.page, None))
        .await?;
    ctx.trace(&state, "trail.read", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    let status = if bad.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let path = format!("{}/trail", ctx.base());
    render_status(status, trail_page(l, &q, &page, &path, bad))
}

pub async fn instance_page(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<TrailQuery>,
) -> Result<Response, PageError> {
    let l = Layout::signed_in(
        &me,
        None,
        me.client.lang.msgs().trail_title,
        state.settings.demo,
    );
    let (filter, bad) = q.filter(l.time_zone());
    let page = state
        .store
        .instance_trail(&filter, Page::new(q.page, None))
        .await?;
    me.trace(&state, None, "trail.read", "instance").await?;
    let status = if bad.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(status, trail_page(l, &q, &page, "/admin/trail", bad))
}

/// Every record matching the filter, oldest first, read page by page.
async fn all_records(
    state: &AppState,
    ctx: Option<&TenantCtx>,
    filter: &TrailFilter,
) -> Result<Vec<AuditRecord>, PageError> {
    let mut out = Vec::new();
    let mut n = 1;
    loop {
        let p = Page::new(Some(n), Some(Page::MAX_SIZE));
        let page = match ctx {
            Some(c) => state.store.tenant_trail(&c.scope, filter, p).await?,
            None => state.store.instance_trail(filter, p).await?,
        };
        let more = page.has_next();
        out.extend(page.items);
        if !more {
            break;
        }
        n += 1;
    }
    out.reverse();
    Ok(out)
}

#[derive(Clone, Copy)]
enum Format {
    Csv,
    Json,
}

fn export(records: &[AuditRecord], format: Format, name: &str) -> Result<Response, PageError> {
    let (body, ctype, ext) = match format {
        Format::Json => (
            serde_json::to_vec_pretty(records).map_err(|e| PageError::Internal(e.to_string()))?,
            "application/json",
            "json",
        ),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let internal = |e: csv::Error| PageError::Internal(e.to_string());
            w.write_record([
                "seq",
                "at",
                "actor_user",
                "actor",
                "tenant",
                "action",
                "object",
                "ip",
                "user_agent",
                "outcome",
                "hash",
            ])
            .map_err(internal)?;
            for r in records {
                let e = &r.event;
                w.write_record(
                    [
                        r.seq.to_string(),
                        r.at.to_string(),
                        e.actor.user.map(|u| u.to_string()).unwrap_or_default(),
                        e.actor.label.clone(),
                        e.tenant.map(|t| t.to_string()).unwrap_or_default(),
                        e.action.clone(),
                        e.object.clone(),
                        e.ip.clone(),
                        e.user_agent.clone(),
                        e.outcome.as_str().to_owned(),
                        r.hash.to_hex(),
                    ]
                    .map(|c| vigie_domain::cell::spreadsheet_safe(&c)),
                )
                .map_err(internal)?;
            }
            (
                w.into_inner()
                    .map_err(|e| PageError::Internal(e.to_string()))?,
                "text/csv; charset=utf-8",
                "csv",
            )
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn tenant_export(
    state: AppState,
    ctx: TenantCtx,
    q: TrailQuery,
    f: Format,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ReadTrail, "trail.export").await?;
    let tz = jiff::tz::TimeZone::get(&ctx.me.user.time_zone).unwrap_or(TimeZone::UTC);
    let (filter, _) = q.filter(&tz);
    let records = all_records(&state, Some(&ctx), &filter).await?;
    ctx.trace(&state, "trail.export", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    export(&records, f, &format!("journal-{}", ctx.tenant.slug))
}

async fn instance_export(
    state: AppState,
    me: SignedIn,
    q: TrailQuery,
    f: Format,
) -> Result<Response, PageError> {
    let tz = jiff::tz::TimeZone::get(&me.user.time_zone).unwrap_or(TimeZone::UTC);
    let (filter, _) = q.filter(&tz);
    let records = all_records(&state, None, &filter).await?;
    me.trace(&state, None, "trail.export", "instance").await?;
    export(&records, f, "journal-instance")
}

pub async fn tenant_csv(
    State(s): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<TrailQuery>,
) -> Result<Response, PageError> {
    tenant_export(s, ctx, q, Format::Csv).await
}

pub async fn tenant_json(
    State(s): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<TrailQuery>,
) -> Result<Response, PageError> {
    tenant_export(s, ctx, q, Format::Json).await
}

pub async fn instance_csv(
    State(s): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<TrailQuery>,
) -> Result<Response, PageError> {
    instance_export(s, me, q, Format::Csv).await
}

pub async fn instance_json(
    State(s): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<TrailQuery>,
) -> Result<Response, PageError> {
    instance_export(s, me, q, Format::Json).await
}
