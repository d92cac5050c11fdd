//! An activity's impact assessment (AIPD, issue 17) in the pages: the
//! CNIL method's four parts as one form, each save a new version, older
//! versions readable, and the assessment printed as PDF or ODT.

use std::collections::BTreeMap;

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
    ActivityId,
    dpia::{
        Decision, Dpia, DpiaProblem, DpiaStatus, FearedEvent, Justification, Level, Principle, Risk,
    },
    role::Permission,
};
use vigie_service::register;
use vigie_store::{StoredActivity, StoredDpia};

use super::{
    forms::{
        FieldErrors, Typed, field, field_errors, flash_text, render, render_status, see_other,
    },
    register::{Print, deliver, print_frame},
};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    labels::dpia as dl,
    layout::Layout,
    print::Section,
};

/// One text of the form: its name, label, what is typed and its error.
struct TextRow {
    name: String,
    label: &'static str,
    value: String,
    error: Option<String>,
}

/// A select's option.
struct Opt {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

struct RiskRow {
    code: &'static str,
    label: &'static str,
    texts: Vec<TextRow>,
    likelihood: Vec<Opt>,
    severity: Vec<Opt>,
    error: Option<String>,
}

struct VersionRow {
    version: i64,
    when: String,
    by: String,
    decision: &'static str,
}

#[derive(Template)]
#[template(path = "dpia.html")]
struct DpiaPage {
    l: Layout,
    action: String,
    activity_url: String,
    activity_name: String,
    status: &'static str,
    /// The version the form saves over (0: none yet).
    version: i64,
    /// Viewing an older version: read only.
    old: Option<i64>,
    can_write: bool,
    errors: FieldErrors,
    context: Vec<TextRow>,
    principles: Vec<TextRow>,
    risks: Vec<RiskRow>,
    planned: TextRow,
    validation: Vec<TextRow>,
    decisions: Vec<Opt>,
    decided_by: TextRow,
    prior_consultation: bool,
    versions: Vec<VersionRow>,
    /// "?version=N" on the print links when an older one is shown.
    print_query: String,
    /// Words of the form: the parts' headings and the risks' labels.
    t: Words,
}

/// The assessment's labels in the page's language, for the template.
struct Words(&'static str);

impl Words {
    fn get(&self, key: &str) -> &'static str {
        dl::field(self.0, key)
    }
}

fn principle_name(p: Principle) -> String {
    format!("principle.{}", p.as_str())
}

fn risk_name(e: FearedEvent, part: &str) -> String {
    format!("risk.{}.{part}", e.as_str())
}

const RISK_TEXTS: [&str; 4] = ["sources", "threats", "impacts", "measures"];

fn risk_text(r: &Risk, part: &str) -> String {
    match part {
        "sources" => r.sources.clone(),
        "threats" => r.threats.clone(),
        "impacts" => r.impacts.clone(),
        _ => r.measures.clone(),
    }
}

/// The assessment as the form's fields, and back.
fn pairs_of(d: &Dpia) -> Vec<(String, String)> {
    let d = d.clone().normalised();
    let mut out = vec![
        ("overview".to_owned(), d.overview.clone()),
        ("lifecycle".into(), d.lifecycle.clone()),
        ("supports".into(), d.supports.clone()),
        ("standards".into(), d.standards.clone()),
        ("planned_measures".into(), d.planned_measures.join("\n")),
        ("dpo_opinion".into(), d.dpo_opinion.clone()),
        ("subjects_opinion".into(), d.subjects_opinion.clone()),
        (
            "decision".into(),
            d.decision.map(Decision::as_str).unwrap_or_default().into(),
        ),
        ("decided_by".into(), d.decided_by.clone()),
    ];
    for j in &d.principles {
        out.push((principle_name(j.principle), j.text.clone()));
    }
    for r in &d.risks {
        for part in RISK_TEXTS {
            out.push((risk_name(r.event, part), risk_text(r, part)));
        }
        for (part, level) in [("likelihood", r.likelihood), ("severity", r.severity)] {
            out.push((
                risk_name(r.event, part),
                level.map(Level::as_str).unwrap_or_default().into(),
            ));
        }
    }
    out
}

fn dpia_of(pairs: &[(String, String)]) -> Dpia {
    let f = |k: &str| field(pairs, k);
    Dpia {
        overview: f("overview"),
        lifecycle: f("lifecycle"),
        supports: f("supports"),
        standards: f("standards"),
        principles: Principle::ALL
            .iter()
            .map(|&principle| Justification {
                principle,
                text: f(&principle_name(principle)),
            })
            .collect(),
        risks: FearedEvent::ALL
            .iter()
            .map(|&event| Risk {
                event,
                sources: f(&risk_name(event, "sources")),
                threats: f(&risk_name(event, "threats")),
                impacts: f(&risk_name(event, "impacts")),
                measures: f(&risk_name(event, "measures")),
                likelihood: Level::parse(&f(&risk_name(event, "likelihood"))),
                severity: Level::parse(&f(&risk_name(event, "severity"))),
            })
            .collect(),
        planned_measures: f("planned_measures").lines().map(str::to_owned).collect(),
        dpo_opinion: f("dpo_opinion"),
        subjects_opinion: f("subjects_opinion"),
        decision: Decision::parse(&f("decision")),
        decided_by: f("decided_by"),
    }
}

fn activity_id(id: &str) -> Result<ActivityId, PageError> {
    id.parse().map_err(|_| PageError::NOT_FOUND)
}

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<i64>,
    flash: Option<String>,
}

/// The version asked for (the latest when none), or 404.
fn chosen(versions: &[StoredDpia], asked: Option<i64>) -> Result<Option<&StoredDpia>, PageError> {
    match asked {
        None => Ok(versions.first()),
        Some(n) => versions
            .iter()
            .find(|v| v.version == n)
            .map(Some)
            .ok_or(PageError::NOT_FOUND),
    }
}

struct Shown<'a> {
    activity: &'a StoredActivity,
    versions: &'a [StoredDpia],
    old: Option<i64>,
    typed: Typed,
    errors: BTreeMap<&'static str, String>,
    flash: Option<&'a str>,
}

fn page(ctx: &TenantCtx, state: &AppState, s: Shown) -> DpiaPage {
    let m = ctx.me.client.lang.msgs();
    let lang = ctx.me.client.lang.code();
    let title = format!("{} — {}", m.dpia_title, s.activity.body.name);
    let l = Layout::for_tenant(ctx, &title, state.settings.demo).with_flash(flash_text(m, s.flash));
    let activity_url = format!("{}/registre/{}", ctx.base(), s.activity.id);
    let err = |name: &str| s.errors.get(name).cloned();
    let text = |name: String, label: &'static str| TextRow {
        value: s.typed.get(&name).to_owned(),
        error: err(&name),
        label,
        name,
    };
    let opts = |name: &str, all: &'static [Level]| -> Vec<Opt> {
        all.iter()
            .map(|&v| Opt {
                value: v.as_str(),
                label: dl::level(lang, v),
                selected: s.typed.get(name) == v.as_str(),
            })
            .collect()
    };
    let latest = s.versions.first();
    let shown = chosen(s.versions, s.old).ok().flatten();
    let status = DpiaStatus::of(s.activity.body.dpia_required(), latest.map(|v| &v.dpia));
    DpiaPage {
        action: format!("{activity_url}/aipd"),
        activity_name: s.activity.body.name.clone(),
        status: dl::status(lang, status),
        version: latest.map_or(0, |v| v.version),
        old: s.old,
        can_write: s.old.is_none() && ctx.scope.allows(Permission::Write),
        context: ["overview", "lifecycle", "supports", "standards"]
            .into_iter()
            .map(|k| text(k.into(), dl::field(lang, k)))
            .collect(),
        principles: Principle::ALL
            .iter()
            .map(|&p| text(principle_name(p), dl::principle(lang, p)))
            .collect(),
        risks: FearedEvent::ALL
            .iter()
            .map(|&e| RiskRow {
                code: e.as_str(),
                label: dl::event(lang, e),
                texts: RISK_TEXTS
                    .iter()
                    .map(|part| text(risk_name(e, part), dl::field(lang, part)))
                    .collect(),
                likelihood: opts(&risk_name(e, "likelihood"), Level::ALL),
                severity: opts(&risk_name(e, "severity"), Level::ALL),
                error: err(&risk_name(e, "likelihood")),
            })
            .collect(),
        planned: text(
            "planned_measures".into(),
            dl::field(lang, "planned_measures"),
        ),
        validation: ["dpo_opinion", "subjects_opinion"]
            .into_iter()
            .map(|k| text(k.into(), dl::field(lang, k)))
            .collect(),
        decisions: Decision::ALL
            .iter()
            .map(|&d| Opt {
                value: d.as_str(),
                label: dl::decision(lang, d),
                selected: s.typed.get("decision") == d.as_str(),
            })
            .collect(),
        decided_by: text("decided_by".into(), dl::field(lang, "decided_by")),
        prior_consultation: shown.is_some_and(|v| v.dpia.prior_consultation()),
        versions: s
            .versions
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                when: l.when(v.saved_at),
                by: v.saved_by.clone(),
                decision: v.dpia.decision.map_or("", |d| dl::decision(lang, d)),
            })
            .collect(),
        print_query: s.old.map(|n| format!("?version={n}")).unwrap_or_default(),
        errors: FieldErrors(s.errors),
        t: Words(lang),
        activity_url,
        l,
    }
}

async fn load(
    state: &AppState,
    ctx: &TenantCtx,
    id: &str,
) -> Result<(StoredActivity, Vec<StoredDpia>), PageError> {
    let id = activity_id(id)?;
    let a = state.store.activity(&ctx.scope, id).await?;
    let versions = state.store.dpia_versions(&ctx.scope, id).await?;
    Ok((a, versions))
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "dpia.read").await?;
    let (a, versions) = load(&state, &ctx, &id).await?;
    let blank = Dpia::blank();
    let shown = chosen(&versions, q.version)?.map_or(&blank, |v| &v.dpia);
    let typed = Typed::of(&pairs_of(shown));
    // The latest is the form itself; only older ones are read-only views.
    let old = q
        .version
        .filter(|n| versions.first().is_some_and(|v| v.version != *n));
    ctx.trace(&state, "dpia.read", &format!("activity:{}", a.id))
        .await?;
    render(page(
        &ctx,
        &state,
        Shown {
            activity: &a,
            versions: &versions,
            old,
            typed,
            errors: BTreeMap::new(),
            flash: q.flash.as_deref(),
        },
    ))
}

pub async fn save(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "dpia.save").await?;
    let (a, versions) = load(&state, &ctx, &id).await?;
    let m = ctx.me.client.lang.msgs();
    let expected: i64 = field(&pairs, "version").parse().unwrap_or(-1);
    let by = ctx.me.user.name.as_str().to_owned();
    let dpia = dpia_of(&pairs);
    // Every missing part said beside it, in the reader's words (the
    // service refuses the same).
    let problems = dpia.clone().normalised().problems();
    let errors = if problems.is_empty() {
        let saved = register::save_dpia(
            state.ctx(),
            &ctx.scope,
            a.id,
            expected,
            dpia,
            &by,
            Timestamp::now(),
        )
        .await;
        match saved {
            Ok(saved) => {
                ctx.trace(
                    &state,
                    "dpia.save",
                    &format!("activity:{} version:{}", a.id, saved.version),
                )
                .await?;
                return Ok(see_other(
                    &format!("{}/registre/{}/aipd", ctx.base(), a.id),
                    "saved",
                ));
            }
            Err(e) => field_errors(m, e)?,
        }
    } else {
        problems
            .iter()
            .map(|p| {
                let text = match p {
                    DpiaProblem::Overview => m.dpia_err_overview,
                    DpiaProblem::Unassessed(_) => m.dpia_err_unassessed,
                    DpiaProblem::DpoOpinion => m.dpia_err_dpo_opinion,
                    DpiaProblem::DecidedBy => m.dpia_err_decided_by,
                    DpiaProblem::NoPlannedMeasures => m.dpia_err_planned,
                    DpiaProblem::TooLong(_) => m.dpia_err_too_long,
                };
                (p.field(), text.to_owned())
            })
            .collect()
    };
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        page(
            &ctx,
            &state,
            Shown {
                activity: &a,
                versions: &versions,
                old: None,
                typed: Typed::of(&pairs),
                errors,
                flash: None,
            },
        ),
    )
}

/// The assessment as a printable document: the organisation sheet as the
/// cover, then the method's four parts.
/// One version of an activity's assessment, printed under `frame`.
pub(crate) fn document(
    frame: &super::activity_text::PrintFrame,
    a: &StoredActivity,
    v: &StoredDpia,
) -> crate::print::Document {
    let lang = frame.lang;
    let m = frame.m;
    let d = v.dpia.clone().normalised();
    let one = |s: &str| vec![s.to_owned()];
    let mut cover = super::activity_text::cover(m, frame.sheet.as_ref());
    cover.push((m.act_name.to_owned(), a.body.name.clone()));
    cover.push((
        m.register_version.to_owned(),
        format!("{} — {}", v.version, v.saved_by),
    ));
    let context = Section::page(
        dl::field(lang, "context").to_owned(),
        ["overview", "lifecycle", "supports", "standards"]
            .into_iter()
            .zip([&d.overview, &d.lifecycle, &d.supports, &d.standards])
            .map(|(k, v)| (dl::field(lang, k).to_owned(), one(v)))
            .collect(),
    );
    let principles = Section::page(
        dl::field(lang, "principles").to_owned(),
        d.principles
            .iter()
            .map(|j| (dl::principle(lang, j.principle).to_owned(), one(&j.text)))
            .collect(),
    );
    let level = |l: Option<Level>| l.map_or("—", |l| dl::level(lang, l));
    let mut sections = vec![context, principles];
    // Each feared event under its own heading ("3.1 …"), the three on
    // the pages of part 3.
    for (i, r) in d.risks.iter().enumerate() {
        let mut fields = vec![
            (
                dl::field(lang, "likelihood").to_owned(),
                one(level(r.likelihood)),
            ),
            (
                dl::field(lang, "severity").to_owned(),
                one(level(r.severity)),
            ),
        ];
        for part in RISK_TEXTS {
            fields.push((dl::field(lang, part).to_owned(), one(&risk_text(r, part))));
        }
        let heading = format!("3.{} {}", i + 1, dl::event(lang, r.event));
        sections.push(if i == 0 {
            Section::page(heading, fields)
        } else {
            Section::follows(heading, fields)
        });
    }
    let mut planned = vec![(
        dl::field(lang, "planned_measures_short").to_owned(),
        d.planned_measures.clone(),
    )];
    if d.prior_consultation() {
        planned.push((
            m.dpia_prior_consultation_short.to_owned(),
            one(dl::field(lang, "prior_consultation")),
        ));
    }
    sections.push(Section::follows(
        format!(
            "3.{} {}",
            d.risks.len() + 1,
            dl::field(lang, "planned_measures_short")
        ),
        planned,
    ));
    sections.push(Section::page(
        dl::field(lang, "validation").to_owned(),
        vec![
            (
                dl::field(lang, "dpo_opinion").to_owned(),
                one(&d.dpo_opinion),
            ),
            (
                dl::field(lang, "subjects_opinion").to_owned(),
                one(&d.subjects_opinion),
            ),
            (
                dl::field(lang, "decision").to_owned(),
                one(d.decision.map_or("—", |x| dl::decision(lang, x))),
            ),
            (dl::field(lang, "decided_by").to_owned(), one(&d.decided_by)),
        ],
    ));
    let title = format!("{} — {}", m.dpia_title, a.body.name);
    frame.document(&title, cover, sections)
}

async fn print(
    state: AppState,
    ctx: TenantCtx,
    id: &str,
    asked: Option<i64>,
    format: Print,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "dpia.export").await?;
    let (a, versions) = load(&state, &ctx, id).await?;
    let v = chosen(&versions, asked)?.ok_or(PageError::NOT_FOUND)?;
    let frame = print_frame(&state, &ctx).await?;
    let doc = document(&frame, &a, v);
    let file = format!("aipd-{}-{}-v{}", ctx.tenant.slug, a.id, v.version);
    deliver(&state, &ctx, &doc, &file, format, "dpia.export").await
}

/// The assessment as PDF (the latest version, or `?version=N`).
pub async fn pdf(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, PageError> {
    print(state, ctx, &id, q.version, Print::Pdf).await
}

/// The assessment as OpenDocument text.
pub async fn odt(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<VersionQuery>,
) -> Result<Response, PageError> {
    print(state, ctx, &id, q.version, Print::Odt).await
}
