//! The DPO's annual report (issue 17), generated from what Vigie keeps:
//! the register and its assessments, the rights requests, the incidents,
//! the advice and the action plan, the evidence — one document shown as a
//! page and printed as PDF or ODT.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use jiff::{SignedDuration, Timestamp, civil::Date};
use serde::Deserialize;
use vigie_domain::{
    dpia::{Decision, DpiaStatus},
    followup::{FollowUpKind, FollowUpStatus, overdue},
    page::Page,
    register::ActivityStatus,
    rights::RequestKind,
    role::Permission,
};
use vigie_store::RequestFilter;

use super::{
    activity_text::PrintFrame,
    forms::render,
    register::{Print, deliver, print_frame},
};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    labels,
    layout::Layout,
    print::{Document, Section},
};

#[derive(Deserialize)]
pub struct YearQuery {
    annee: Option<i16>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    l: Layout,
    doc: Document,
    year: i16,
    base: String,
}

/// Years a report can be asked for.
fn year_ok(year: i16) -> Result<i16, PageError> {
    (2000..=2100)
        .contains(&year)
        .then_some(year)
        .ok_or(PageError::NOT_FOUND)
}

/// Every page of a paged list, read to its end.
async fn read_all<T, F, Fut>(mut page_of: F) -> Result<Vec<T>, PageError>
where
    F: FnMut(Page) -> Fut,
    Fut: std::future::Future<Output = vigie_store::Result<vigie_domain::page::Paged<T>>>,
{
    let mut out = Vec::new();
    for n in 1.. {
        let p = page_of(Page::new(Some(n), Some(Page::MAX_SIZE))).await?;
        let more = p.has_next();
        out.extend(p.items);
        if !more {
            break;
        }
    }
    Ok(out)
}

fn count_line(label: &str, n: usize) -> (String, Vec<String>) {
    (label.to_owned(), vec![n.to_string()])
}

/// The DPO's annual report of `year` (the year's bounds in `tz`).
pub(crate) async fn build(
    state: &AppState,
    scope: &vigie_domain::scope::TenantScope,
    tz: jiff::tz::TimeZone,
    frame: &PrintFrame,
    year: i16,
) -> Result<Document, PageError> {
    let (lang, m) = (frame.lang, frame.m);
    let start = Date::new(year, 1, 1)
        .and_then(|d| d.to_zoned(tz.clone()))
        .map_err(|e| PageError::Internal(e.to_string()))?
        .timestamp();
    let end = Date::new(year + 1, 1, 1)
        .and_then(|d| d.to_zoned(tz.clone()))
        .map_err(|e| PageError::Internal(e.to_string()))?
        .timestamp();
    let in_year = |t: Timestamp| t >= start && t < end;
    let today = Timestamp::now().to_zoned(tz).date();

    // The register and its assessments.
    let all = state.store.all_activities(scope).await?;
    let dpias = state.store.latest_dpias(scope).await?;
    let current: Vec<_> = all.iter().filter(|a| a.is_current()).collect();
    let by_status = |s: ActivityStatus| current.iter().filter(|a| a.status == s).count();
    let mut missing = Vec::new();
    let (mut validated, mut in_progress) = (0, 0);
    for a in &current {
        let latest = dpias.iter().find(|d| d.activity == a.id).map(|d| &d.dpia);
        match DpiaStatus::of(a.body.dpia_required(), latest) {
            DpiaStatus::Missing => missing.push(a.body.name.clone()),
            DpiaStatus::InProgress => in_progress += 1,
            DpiaStatus::Decided(Decision::Accepted | Decision::AcceptedWithActions) => {
                validated += 1
            }
            _ => {}
        }
    }
    let register = Section::page(
        m.report_register.to_owned(),
        vec![
            count_line(m.report_activities, current.len()),
            (
                m.act_status.to_owned(),
                [
                    ActivityStatus::Draft,
                    ActivityStatus::Complete,
                    ActivityStatus::Checked,
                ]
                .into_iter()
                .map(|s| format!("{} : {}", labels::register::status(lang, s), by_status(s)))
                .collect(),
            ),
            count_line(
                m.report_published,
                current.iter().filter(|a| a.body.published).count(),
            ),
            count_line(
                m.report_sensitive,
                current
                    .iter()
                    .filter(|a| a.body.has_sensitive_data())
                    .count(),
            ),
            count_line(
                m.report_changed,
                current.iter().filter(|a| in_year(a.updated_at)).count(),
            ),
            count_line(
                m.report_dpia_required,
                current.iter().filter(|a| a.body.dpia_required()).count(),
            ),
            count_line(m.report_dpia_validated, validated),
            count_line(m.report_dpia_in_progress, in_progress),
            (m.report_dpia_missing.to_owned(), missing),
        ],
    );

    // Rights requests received during the year.
    let every = RequestFilter::default();
    let requests = read_all(|p| state.store.requests(scope, &every, p)).await?;
    let requests: Vec<_> = requests
        .into_iter()
        .filter(|r| in_year(r.received_at.unwrap_or(r.created_at)))
        .collect();
    let closed_late = requests
        .iter()
        .filter(|r| {
            !r.status.is_open()
                && r.due_on
                    .is_some_and(|d| r.updated_at.to_zoned(jiff::tz::TimeZone::UTC).date() > d)
        })
        .count();
    let open_late = requests
        .iter()
        .filter(|r| r.status.is_open() && r.due_on.is_some_and(|d| d < today))
        .count();
    let rights = Section::follows(
        m.report_rights.to_owned(),
        vec![
            count_line(m.report_received, requests.len()),
            (
                m.report_by_kind.to_owned(),
                RequestKind::ALL
                    .iter()
                    .map(|&k| (k, requests.iter().filter(|r| r.kind == k).count()))
                    .filter(|(_, n)| *n > 0)
                    .map(|(k, n)| format!("{} : {n}", labels::kind(m, k)))
                    .collect(),
            ),
            count_line(
                m.report_answered,
                requests.iter().filter(|r| !r.status.is_open()).count(),
            ),
            count_line(m.report_closed_late, closed_late),
            count_line(m.report_open_late, open_late),
        ],
    );

    // Incidents the organisation became aware of during the year.
    let incidents = read_all(|p| state.store.incidents(scope, "", p)).await?;
    let incidents: Vec<_> = incidents
        .into_iter()
        .filter(|i| in_year(i.aware_at))
        .collect();
    let breaches: Vec<_> = incidents
        .iter()
        .filter(|i| i.facts.is_breach == Some(true))
        .collect();
    let notified_in_time = breaches
        .iter()
        .filter(|i| {
            i.notified_at
                .is_some_and(|n| n.duration_since(i.aware_at) <= SignedDuration::from_hours(72))
        })
        .count();
    let incidents_section = Section::follows(
        m.report_incidents.to_owned(),
        vec![
            count_line(m.report_incidents_count, incidents.len()),
            count_line(m.report_breaches, breaches.len()),
            count_line(
                m.report_notified,
                breaches.iter().filter(|i| i.notified_at.is_some()).count(),
            ),
            count_line(m.report_notified_in_time, notified_in_time),
        ],
    );

    // Advice and the action plan: what was opened during the year, what is
    // still open whenever it was opened.
    let items = state.store.all_follow_ups(scope).await?;
    let of_year = |k: FollowUpKind| {
        items
            .iter()
            .filter(move |f| f.kind == k && in_year(f.created_at))
    };
    let with_status =
        |k: FollowUpKind, s: FollowUpStatus| of_year(k).filter(|f| f.status == s).count();
    let advice = Section::follows(
        m.report_advice.to_owned(),
        vec![
            count_line(m.report_given, of_year(FollowUpKind::Advice).count()),
            count_line(
                m.report_followed,
                with_status(FollowUpKind::Advice, FollowUpStatus::Done),
            ),
            (
                m.report_not_followed.to_owned(),
                of_year(FollowUpKind::Advice)
                    .filter(|f| f.status == FollowUpStatus::Declined)
                    .map(|f| format!("{} — {}", f.title, f.response))
                    .collect(),
            ),
            (
                m.report_awaiting.to_owned(),
                items
                    .iter()
                    .filter(|f| f.kind == FollowUpKind::Advice && f.status == FollowUpStatus::Open)
                    .map(|f| f.title.clone())
                    .collect(),
            ),
        ],
    );
    let actions = Section::follows(
        m.report_actions.to_owned(),
        vec![
            count_line(m.report_planned, of_year(FollowUpKind::Action).count()),
            count_line(
                m.report_done,
                with_status(FollowUpKind::Action, FollowUpStatus::Done),
            ),
            count_line(
                m.report_abandoned,
                with_status(FollowUpKind::Action, FollowUpStatus::Declined),
            ),
            (
                m.report_overdue.to_owned(),
                items
                    .iter()
                    .filter(|f| f.kind == FollowUpKind::Action && overdue(f.status, f.due, today))
                    .map(|f| {
                        format!(
                            "{} — {} — {}",
                            f.title,
                            f.owner,
                            f.due.map(|d| d.to_string()).unwrap_or_default()
                        )
                    })
                    .collect(),
            ),
        ],
    );
    let documents = state
        .store
        .evidence(scope, None, Page::new(Some(1), Some(1)))
        .await?
        .total;
    let evidence = Section::follows(
        m.evidence_title.to_owned(),
        vec![(m.report_documents.to_owned(), vec![documents.to_string()])],
    );
    let mut cover = super::activity_text::cover(m, frame.sheet.as_ref());
    cover.push((m.report_year.to_owned(), year.to_string()));
    let title = format!("{} {year}", m.report_title);
    Ok(frame.document(
        &title,
        cover,
        vec![
            register,
            rights,
            incidents_section,
            advice,
            actions,
            evidence,
        ],
    ))
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "report.read").await?;
    let m = ctx.me.client.lang.msgs();
    let frame = print_frame(&state, &ctx).await?;
    let l = Layout::for_tenant(&ctx, m.report_title, state.settings.demo);
    let this_year = Timestamp::now().to_zoned(l.time_zone().clone()).year();
    let year = year_ok(q.annee.unwrap_or(this_year))?;
    let doc = build(&state, &ctx.scope, l.time_zone().clone(), &frame, year).await?;
    ctx.trace(&state, "report.read", &year.to_string()).await?;
    render(ReportPage {
        doc,
        year,
        base: format!("{}/rapport-annuel", ctx.base()),
        l,
    })
}

/// The report printed: `format` is "pdf" or "odt".
pub async fn print(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, year, format)): Path<(String, i16, String)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "report.export").await?;
    let format = match format.as_str() {
        "pdf" => Print::Pdf,
        "odt" => Print::Odt,
        _ => return Err(PageError::NOT_FOUND),
    };
    let year = year_ok(year)?;
    let frame = print_frame(&state, &ctx).await?;
    let tz = Layout::for_tenant(&ctx, "", state.settings.demo)
        .time_zone()
        .clone();
    let doc = build(&state, &ctx.scope, tz, &frame, year).await?;
    let file = format!("rapport-dpo-{}-{year}", ctx.tenant.slug);
    deliver(&state, &ctx, &doc, &file, format, "report.export").await
}
