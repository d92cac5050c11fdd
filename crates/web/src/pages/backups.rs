//! The backups' supervision page (C33, C34) for the provider's
//! administrators: every backup with its size, duration, targets,
//! checksum and restore test, anomalies first; the RPO and RTO achieved
//! beside the promised 8 working hours.

use askama::Template;
use axum::{
    extract::{Query, State},
    response::Response,
};
use jiff::Timestamp;
use vigie_domain::backup::{Continuity, PROMISED_WORKING_MINUTES};

use super::forms::{ListQuery, render};
use crate::{
    AppState, BackupPlan,
    auth::ProviderAdmin,
    error::PageError,
    layout::{Layout, Pager},
};

pub struct BackupRow {
    pub name: String,
    pub started: String,
    pub state: String,
    pub anomaly: bool,
    pub size: String,
    pub duration: String,
    pub targets: String,
    pub sha256: String,
    pub restore: String,
    pub restore_failed: bool,
    pub restore_detail: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "admin_backups.html")]
struct BackupsPage {
    l: Layout,
    plan: BackupPlan,
    /// Anomalies of the whole, first (not configured, none recent…).
    alerts: Vec<String>,
    rpo: String,
    rpo_held: bool,
    rto: String,
    rto_held: bool,
    promised_hours: i64,
    rows: Vec<BackupRow>,
    pager: Pager,
}

fn human(d: jiff::SignedDuration) -> String {
    let s = d.as_secs();
    match s {
        ..60 => format!("{:.1} s", d.as_secs_f64()),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

fn size(n: i64) -> String {
    match n {
        ..1024 => format!("{n} o"),
        1024..1_048_576 => format!("{:.1} Kio", n as f64 / 1024.0),
        _ => format!("{:.1} Mio", n as f64 / 1_048_576.0),
    }
}

pub async fn page(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(&me, None, m.backups_title, state.settings.demo);
    let plan = state.settings.backups.clone();
    let now = Timestamp::now();
    let good = state.store.good_backups().await?;
    let tested = good
        .iter()
        .find(|b| b.restore_state == "ok")
        .and_then(|b| Some((b.ended_at?, b.restore_ms?)));
    let c = Continuity::of(tested, now, vigie_domain::calendar::Calendar::France);
    let mut alerts = Vec::new();
    if !plan.configured {
        alerts.push(m.backups_not_configured.to_owned());
    } else if !plan.restore_test {
        alerts.push(m.backups_no_identity.to_owned());
    }
    match good.first() {
        None => alerts.push(m.backups_none.to_owned()),
        Some(b)
            if b.ended_at.unwrap_or(b.started_at)
                < now - jiff::SignedDuration::from_hours(plan.max_age_hours.max(1)) =>
        {
            alerts.push(format!("{} {}", m.backups_late, l.when(b.started_at)));
        }
        Some(_) => {}
    }
    let page = state.store.backups(q.page()).await?;
    let rows = page
        .items
        .iter()
        .map(|b| BackupRow {
            name: b.name.clone(),
            started: l.when(b.started_at),
            anomaly: b.state == "failed" || b.restore_state == "failed",
            state: match b.state.as_str() {
                "done" => m.backup_done,
                "running" => m.backup_running,
                "deleted" => m.backup_deleted,
                _ => m.backup_failed,
            }
            .to_owned(),
            size: if b.size > 0 {
                size(b.size)
            } else {
                "—".into()
            },
            duration: b
                .ended_at
                .map(|e| human(e.duration_since(b.started_at)))
                .unwrap_or_else(|| "—".into()),
            targets: b.targets.replace(',', ", "),
            sha256: b.sha256.chars().take(16).collect(),
            restore: match b.restore_state.as_str() {
                "ok" => format!(
                    "{} ({})",
                    m.backup_restore_ok,
                    human(jiff::SignedDuration::from_millis(b.restore_ms.unwrap_or(0)))
                ),
                "failed" => m.backup_restore_failed.to_owned(),
                _ => m.backup_restore_never.to_owned(),
            },
            restore_failed: b.restore_state == "failed",
            restore_detail: b.restore_detail.clone(),
            error: b.error.clone(),
        })
        .collect();
    me.trace(&state, None, "backup.list", "instance").await?;
    render(BackupsPage {
        pager: Pager::new(&page, "/admin/sauvegardes", ""),
        rpo: c.rpo.map_or_else(|| "—".into(), human),
        rpo_held: c.rpo_held,
        rto: c.rto.map_or_else(|| "—".into(), human),
        rto_held: c.rto_held,
        promised_hours: PROMISED_WORKING_MINUTES / 60,
        l,
        plan,
        alerts,
        rows,
    })
}
