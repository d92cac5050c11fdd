//! Retention rules in the pages (C21, C22): the DPO writes a rule per
//! table of a connected system (or starts from one of the seeds' ready-made
//! durations), previews what each would touch today, asks for a sweep
//! now; everyone of the tenant reads the rules and the signed reports.

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
    page::Page,
    retention::{PeriodUnit, RetentionAction, TEMPLATES},
    role::Permission,
};
use vigie_service::retention::{self, RuleInput, SignedReport};

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

pub struct RuleRow {
    pub id: i64,
    pub label: String,
    pub system: String,
    pub place: String,
    pub period: String,
    pub action: &'static str,
    pub done_before: String,
}

pub struct PreviewRow {
    pub label: String,
    /// "12 rows dated before …".
    pub matched: String,
    pub error: String,
    /// key, then (column, before, after).
    pub examples: Vec<(String, Vec<retention::ExampleColumn>)>,
}

pub struct RunRow {
    pub id: i64,
    pub started: String,
    pub by: String,
    pub dry: bool,
    pub done: bool,
    pub changed: i64,
}

#[derive(Template)]
#[template(path = "retention.html")]
struct RetentionPage {
    l: Layout,
    base: String,
    rules: Vec<RuleRow>,
    runs: Vec<RunRow>,
    pager: Pager,
    preview: Option<Vec<PreviewRow>>,
    can_manage: bool,
    /// (id, name) of the tenant's systems.
    systems: Vec<(String, String)>,
    /// (key, "what — how long, action").
    templates: Vec<(&'static str, String)>,
    units: Vec<(&'static str, &'static str)>,
    /// The table and trigger inputs: (name, label).
    place_fields: Vec<(&'static str, &'static str)>,
    actions: Vec<(&'static str, &'static str)>,
    typed: Typed,
    errors: FieldErrors,
}

fn action_label(m: &'static Msgs, a: RetentionAction) -> &'static str {
    match a {
        RetentionAction::Delete => m.retention_delete,
        RetentionAction::Anonymise => m.retention_anonymise,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(flatten)]
    list: ListQuery,
    /// `1`: show what each rule would touch today.
    #[serde(default)]
    apercu: String,
}

async fn page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &PageQuery,
    typed: Typed,
    errors: BTreeMap<&'static str, String>,
) -> Result<RetentionPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.retention_title, state.settings.demo)
        .with_flash(flash_text(m, q.list.flash.as_deref()));
    let base = format!("{}/conservation", ctx.base());
    let systems: Vec<(i64, String)> = state
        .store
        .systems(&ctx.scope, "", Page::new(Some(1), Some(200)))
        .await?
        .items
        .into_iter()
        .map(|s| (s.id.0, s.name))
        .collect();
    let name_of = |id: i64| {
        systems
            .iter()
            .find(|(s, _)| *s == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let rules = state
        .store
        .rules(&ctx.scope)
        .await?
        .into_iter()
        .map(|r| RuleRow {
            id: r.id,
            system: name_of(r.rule.system.0),
            place: format!("{}.{}", r.rule.table, r.rule.trigger_column),
            period: r.rule.period.to_string(),
            action: action_label(m, r.rule.action),
            done_before: r.done_before.map(|d| d.to_string()).unwrap_or_default(),
            label: r.rule.label,
        })
        .collect();
    let can_manage = ctx.scope.allows(Permission::ManageSystems);
    let preview = if q.apercu == "1" && can_manage {
        let rows = retention::preview(state.ctx(), &ctx.scope, Timestamp::now())
            .await
            .map_err(|e| match e {
                vigie_service::ServiceError::Store(s) => s.into(),
                e => PageError::Internal(e.to_string()),
            })?;
        Some(
            rows.into_iter()
                .map(|p| PreviewRow {
                    label: p.rule.rule.label.clone(),
                    matched: m
                        .retention_matched
                        .replace("{n}", &p.matched.to_string())
                        .replace("{date}", &p.cutoff.to_string()),
                    error: p.error.unwrap_or_default(),
                    examples: p.examples,
                })
                .collect(),
        )
    } else {
        None
    };
    let page = state.store.runs(&ctx.scope, q.list.page()).await?;
    let runs = page
        .items
        .iter()
        .map(|r| RunRow {
            id: r.id,
            started: l.when(r.started_at),
            by: r.started_by.clone(),
            dry: r.dry,
            done: r.status == "done",
            changed: serde_json::from_str::<SignedReport>(&r.report)
                .map(|s| s.report.rules.iter().map(|x| x.changed).sum())
                .unwrap_or(0),
        })
        .collect();
    Ok(RetentionPage {
        pager: Pager::new(&page, &base, ""),
        base,
        rules,
        runs,
        preview,
        can_manage,
        systems: systems
            .into_iter()
            .map(|(id, n)| (id.to_string(), n))
            .collect(),
        templates: TEMPLATES
            .iter()
            .map(|t| {
                let period = t.period().map(|p| p.to_string()).unwrap_or_default();
                (
                    t.key,
                    format!("{} — {period}, {}", t.label, action_label(m, t.action)),
                )
            })
            .collect(),
        place_fields: vec![
            ("table", m.retention_table),
            ("trigger_column", m.retention_trigger),
        ],
        units: vec![
            (PeriodUnit::Days.as_str(), m.unit_days),
            (PeriodUnit::Months.as_str(), m.unit_months),
            (PeriodUnit::Years.as_str(), m.unit_years),
        ],
        actions: RetentionAction::ALL
            .iter()
            .map(|a| (a.as_str(), action_label(m, *a)))
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
    require_traced(&state, &ctx, Permission::Read, "retention.list").await?;
    let p = page(&state, &ctx, &q, Typed::default(), BTreeMap::new()).await?;
    let action = if p.preview.is_some() {
        "retention.preview"
    } else {
        "retention.list"
    };
    ctx.trace(&state, action, &format!("tenant:{}", ctx.tenant.id))
        .await?;
    render(p)
}

/// The DPO adds a rule; a ready-made one fills what was left blank.
pub async fn create(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(
        &state,
        &ctx,
        Permission::ManageSystems,
        "retention.rule_create",
    )
    .await?;
    let m = ctx.me.client.lang.msgs();
    let template = TEMPLATES
        .iter()
        .find(|t| t.key == field(&pairs, "template"));
    let or = |name: &str, default: String| {
        let v = field(&pairs, name);
        if v.trim().is_empty() { default } else { v }
    };
    let input = RuleInput {
        system: field(&pairs, "system").trim().parse().unwrap_or(0),
        label: or(
            "label",
            template.map(|t| t.label.to_owned()).unwrap_or_default(),
        ),
        table: field(&pairs, "table"),
        trigger_column: field(&pairs, "trigger_column"),
        amount: or(
            "amount",
            template.map(|t| t.amount.to_string()).unwrap_or_default(),
        ),
        unit: or(
            "unit",
            template
                .map(|t| t.unit.as_str().to_owned())
                .unwrap_or_default(),
        ),
        action: or(
            "action",
            template
                .map(|t| t.action.as_str().to_owned())
                .unwrap_or_default(),
        ),
    };
    let errors =
        match retention::create_rule(state.ctx(), &ctx.scope, &input, Timestamp::now()).await {
            Ok(r) => {
                ctx.trace(
                    &state,
                    "retention.rule_create",
                    &format!("retention_rule:{}", r.id),
                )
                .await?;
                return Ok(see_other(&format!("{}/conservation", ctx.base()), "saved"));
            }
            Err(e) => field_errors(m, e)?,
        };
    let p = page(
        &state,
        &ctx,
        &PageQuery::default(),
        Typed::of(&pairs),
        errors,
    )
    .await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, p)
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(
        &state,
        &ctx,
        Permission::ManageSystems,
        "retention.rule_delete",
    )
    .await?;
    state.store.delete_rule(&ctx.scope, id).await?;
    ctx.trace(
        &state,
        "retention.rule_delete",
        &format!("retention_rule:{id}"),
    )
    .await?;
    Ok(see_other(&format!("{}/conservation", ctx.base()), "saved"))
}

/// A sweep now: queued for the worker, which signs its report.
pub async fn sweep(State(state): State<AppState>, ctx: TenantCtx) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageSystems, "retention.sweep").await?;
    let m = ctx.me.client.lang.msgs();
    match retention::request(state.ctx(), &ctx.scope, Timestamp::now()).await {
        Ok(()) => {
            ctx.trace(
                &state,
                "retention.sweep",
                &format!("tenant:{}", ctx.tenant.id),
            )
            .await?;
            Ok(see_other(
                &format!("{}/conservation", ctx.base()),
                "sweep_queued",
            ))
        }
        Err(e) => {
            let errors = field_errors(m, e)?;
            let p = page(
                &state,
                &ctx,
                &PageQuery::default(),
                Typed::default(),
                errors,
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, p)
        }
    }
}

#[derive(Template)]
#[template(path = "retention_report.html")]
struct ReportPage {
    l: Layout,
    base: String,
    signed: SignedReport,
    run: i64,
    started: String,
}

/// One report: printable, its signed JSON, or CSV.
pub async fn report(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, format)): Path<(String, i64, String)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "retention.report").await?;
    let run = state.store.run(&ctx.scope, id).await?;
    let signed: SignedReport =
        serde_json::from_str(&run.report).map_err(|_| PageError::NOT_FOUND)?;
    ctx.trace(&state, "retention.report", &format!("retention_run:{id}"))
        .await?;
    let name = format!("rapport-conservation-{}-{id}", ctx.tenant.slug);
    match format.as_str() {
        "rapport" => {
            let m = ctx.me.client.lang.msgs();
            let l = Layout::for_tenant(&ctx, m.retention_report_title, state.settings.demo);
            render(ReportPage {
                base: format!("{}/conservation", ctx.base()),
                started: l.when(run.started_at),
                run: id,
                signed,
                l,
            })
        }
        "export.json" => Ok((
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.json\""),
                ),
            ],
            run.report,
        )
            .into_response()),
        "export.csv" => {
            let body = report_csv(&signed).map_err(|e| PageError::Internal(e.to_string()))?;
            Ok((
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.csv\""),
                    ),
                ],
                body,
            )
                .into_response())
        }
        _ => Err(PageError::NOT_FOUND),
    }
}

/// A sweep's report as CSV, one line per rule, for a spreadsheet.
pub(crate) fn report_csv(signed: &SignedReport) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let head = [
        "rule",
        "label",
        "system",
        "table",
        "trigger_column",
        "action",
        "period",
        "cutoff",
        "matched",
        "changed",
        "error",
    ];
    let mut rows = vec![head.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    for r in &signed.report.rules {
        rows.push(vec![
            r.rule.to_string(),
            r.label.clone(),
            r.system.to_string(),
            r.table.clone(),
            r.trigger_column.clone(),
            r.action.clone(),
            r.period.clone(),
            r.cutoff.clone(),
            r.matched.to_string(),
            r.changed.to_string(),
            r.error.clone(),
        ]);
    }
    for row in rows {
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
