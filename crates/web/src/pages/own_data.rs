//! The sweeps of Vigie's own data (C22) for the provider's administrators:
//! each run with what it counted and changed, its signature checked, its
//! signed report to download for `vigie retention verify`.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};

use super::forms::{ListQuery, render};
use crate::{
    AppState,
    auth::ProviderAdmin,
    error::PageError,
    layout::{Layout, Pager},
};

pub struct LineRow {
    pub what: &'static str,
    /// The client, for its requests.
    pub client: String,
    pub matched: i64,
    pub changed: i64,
}

pub struct SweepRow {
    pub id: i64,
    pub started: String,
    pub dry: bool,
    pub by: String,
    /// Still under way (or cut short: the next night resumes it).
    pub running: bool,
    pub signed: bool,
    pub lines: Vec<LineRow>,
}

#[derive(Template)]
#[template(path = "admin_own_data.html")]
struct OwnDataPage {
    l: Layout,
    /// The policy the newest sweep applied, as (what, period).
    policy: Vec<(&'static str, String)>,
    rows: Vec<SweepRow>,
    pager: Pager,
}

pub async fn page(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(&me, None, m.own_data_title, state.settings.demo);
    let page = state.store.own_sweeps(q.page()).await?;
    // The instance's key when it is set (always, but in some tests).
    let key = Some(state.settings.trail_public_key.as_str()).filter(|k| !k.is_empty());
    let mut rows = Vec::new();
    let mut policy = Vec::new();
    for s in &page.items {
        let report: Option<vigie_service::own_data::OwnReport> =
            serde_json::from_str(&s.report).ok();
        if policy.is_empty()
            && let Some(r) = &report
        {
            policy = r
                .policy
                .iter()
                .map(|(what, period)| (step_label(m, what), period.clone()))
                .collect();
        }
        let mut lines = Vec::new();
        for line in report.map(|r| r.lines).unwrap_or_default() {
            let client = match line.tenant {
                Some(t) => match state.store.tenant(vigie_domain::TenantId(t)).await {
                    Ok(t) => t.name.as_str().to_owned(),
                    Err(_) => format!("#{t}"),
                },
                None => String::new(),
            };
            lines.push(LineRow {
                what: step_label(m, &line.what),
                client,
                matched: line.matched,
                changed: line.changed,
            });
        }
        rows.push(SweepRow {
            id: s.id,
            started: l.when(s.started_at),
            dry: s.dry,
            by: s.started_by.clone(),
            running: s.ended_at.is_none(),
            signed: s.ended_at.is_some() && vigie_service::own_data::signed(s, key),
            lines,
        });
    }
    me.trace(&state, None, "retention.own_list", "instance")
        .await?;
    render(OwnDataPage {
        pager: Pager::new(&page, "/admin/conservation", ""),
        l,
        policy,
        rows,
    })
}

fn step_label(m: &crate::i18n::Msgs, what: &str) -> &'static str {
    match what {
        "inactivity_notices" => m.own_inactivity_notices,
        "inactive_accounts" | "inactive_account" => m.own_inactive_accounts,
        "unattached_accounts" | "unattached_account" => m.own_unattached_accounts,
        "closed_requests" | "closed_request" => m.own_closed_requests,
        "unconfirmed_requests" | "unconfirmed_request" => m.own_unconfirmed_requests,
        "tenants_destroyed" => m.own_tenants_destroyed,
        "consent_records" | "consent_record" => m.own_consent_records,
        "notice" => m.own_notice,
        _ => m.own_other,
    }
}

/// A sweep's signed report (JSON), as `vigie retention verify` reads it.
pub async fn report(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let s = state.store.own_sweep(id).await?;
    if s.ended_at.is_none() {
        return Err(PageError::NOT_FOUND);
    }
    me.trace(
        &state,
        None,
        "retention.own_report",
        &format!("own_sweep:{id}"),
    )
    .await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"vigie-conservation-{id}.json\""),
            ),
        ],
        vigie_service::own_data::exported(&s).to_string(),
    )
        .into_response())
}
