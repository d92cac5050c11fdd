//! A shared DPO's view (issue 17): every organisation where the person is
//! the DPO on one page — the register's state, what waits for a check,
//! requests late or due within 7 days, breach clocks running — sortable,
//! searchable, paginated, without JavaScript.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use jiff::{Timestamp, ToSpan};
use serde::Deserialize;
use vigie_domain::{
    dpia::DpiaStatus,
    followup::{FollowUpKind, overdue},
    page::Paged,
    register::ActivityStatus,
};
use vigie_store::RequestFilter;

use super::forms::render;
use crate::{
    AppState,
    auth::SignedIn,
    error::PageError,
    layout::{Layout, Pager, query_of},
};

pub struct OrgRow {
    pub name: String,
    pub href: String,
    pub activities: i64,
    /// Mean completeness of the current activities, in percent.
    pub completeness: i64,
    pub drafts: i64,
    /// Complete, not yet checked by the DPO.
    pub to_check: i64,
    pub late: i64,
    pub due_soon: i64,
    pub breaches: i64,
    /// Impact assessments required and not decided (missing or in
    /// progress).
    pub dpias: i64,
    /// Actions of the plan open past their due date.
    pub overdue: i64,
}

#[derive(Template)]
#[template(path = "dpo.html")]
struct DpoPage {
    l: Layout,
    rows: Vec<OrgRow>,
    pager: Pager,
    q: String,
    /// (key, label, link sorting by it, sorted by it now)
    columns: Vec<(&'static str, &'static str, String, bool)>,
}

#[derive(Deserialize, Default)]
pub struct DpoQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    page: Option<u32>,
}

const PAGE_SIZE: usize = 25;

/// The organisations of a shared DPO, with what needs them.
pub async fn overview(
    State(state): State<AppState>,
    me: SignedIn,
    Query(q): Query<DpoQuery>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(&me, None, m.dpo_title, state.settings.demo);
    let today = Timestamp::now().to_zoned(l.time_zone().clone()).date();
    let one = vigie_domain::page::Page::new(Some(1), Some(1));
    let needle = q.q.trim().to_lowercase();
    let mut rows = Vec::new();
    for (tenant, scope) in me.dpo_scopes() {
        if !needle.is_empty() && !tenant.name.as_str().to_lowercase().contains(&needle) {
            continue;
        }
        let current: Vec<_> = state
            .store
            .all_activities(&scope)
            .await?
            .into_iter()
            .filter(|a| a.is_current())
            .collect();
        let n = i64::try_from(current.len()).unwrap_or(i64::MAX);
        let completeness = if current.is_empty() {
            0
        } else {
            current
                .iter()
                .map(|a| i64::from(a.body.completeness()))
                .sum::<i64>()
                / n
        };
        let count = |s: ActivityStatus| {
            i64::try_from(current.iter().filter(|a| a.status == s).count()).unwrap_or(0)
        };
        let requests = |due_by| RequestFilter {
            open_only: true,
            due_by,
            ..Default::default()
        };
        let late = state
            .store
            .requests(&scope, &requests(today.yesterday().ok()), one)
            .await?
            .total;
        let due_soon = state
            .store
            .requests(&scope, &requests(today.checked_add(7.days()).ok()), one)
            .await?
            .total
            - late;
        let breaches = i64::try_from(state.store.running_clocks(Some(&scope)).await?.len())
            .unwrap_or(i64::MAX);
        let assessed = state.store.latest_dpias(&scope).await?;
        let dpias = current
            .iter()
            .filter(|a| {
                let latest = assessed
                    .iter()
                    .find(|d| d.activity == a.id)
                    .map(|d| &d.dpia);
                matches!(
                    DpiaStatus::of(a.body.dpia_required(), latest),
                    DpiaStatus::Missing | DpiaStatus::InProgress
                )
            })
            .count();
        let overdue = state
            .store
            .all_follow_ups(&scope)
            .await?
            .iter()
            .filter(|f| f.kind == FollowUpKind::Action && overdue(f.status, f.due, today))
            .count();
        rows.push(OrgRow {
            name: tenant.name.as_str().to_owned(),
            href: format!("/t/{}", tenant.slug),
            activities: n,
            completeness,
            drafts: count(ActivityStatus::Draft),
            to_check: count(ActivityStatus::Complete),
            late,
            due_soon,
            breaches,
            dpias: i64::try_from(dpias).unwrap_or(i64::MAX),
            overdue: i64::try_from(overdue).unwrap_or(i64::MAX),
        });
    }
    let key = |r: &OrgRow| -> i64 {
        match q.sort.as_str() {
            "completeness" => r.completeness,
            "to_check" => -r.to_check,
            "due_soon" => -r.due_soon,
            "breaches" => -r.breaches,
            "dpias" => -r.dpias,
            "overdue" => -r.overdue,
            // By default the most urgent first: late requests, then clocks.
            _ => -(r.late * 1000 + r.breaches),
        }
    };
    if q.sort == "name" {
        rows.sort_by(|a, b| a.name.cmp(&b.name));
    } else {
        rows.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name)));
    }
    let total = rows.len();
    let page = q.page.unwrap_or(1).max(1);
    let start = usize::try_from(page - 1).unwrap_or(0) * PAGE_SIZE;
    let shown: Vec<OrgRow> = rows.into_iter().skip(start).take(PAGE_SIZE).collect();
    let paged = Paged {
        items: Vec::<()>::new(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
        page,
        page_size: u32::try_from(PAGE_SIZE).unwrap_or(25),
    };
    me.trace(
        &state,
        None,
        "dpo.overview",
        &format!("organisations:{total}"),
    )
    .await?;
    let sort_link = |key: &str| format!("/dpo?{}", query_of(&[("q", &q.q), ("sort", key)]));
    let columns = [
        ("name", m.dpo_org),
        ("late", m.requests_late),
        ("due_soon", m.requests_soon),
        ("breaches", m.dpo_breaches),
        ("to_check", m.dpo_to_check),
        ("dpias", m.dpo_dpias),
        ("overdue", m.dpo_overdue),
        ("completeness", m.register_completeness),
    ]
    .into_iter()
    .map(|(k, label)| {
        let now = q.sort == k || (q.sort.is_empty() && k == "late");
        (k, label, sort_link(k), now)
    })
    .collect();
    render(DpoPage {
        pager: Pager::new(&paged, "/dpo", &query_of(&[("q", &q.q), ("sort", &q.sort)])),
        rows: shown,
        q: q.q.clone(),
        columns,
        l,
    })
}
