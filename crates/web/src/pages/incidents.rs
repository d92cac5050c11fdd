//! The incident and breach register in the pages (C17–C20): anyone of the
//! tenant declares; the DPO qualifies, notifies the CNIL in phases,
//! decides on informing the people; the notification prints as the CNIL
//! form's sections.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use jiff::{Timestamp, civil::DateTime, tz::TimeZone};
use vigie_domain::{
    breach::{
        CnilClock, Criterion, Facts, InformDecision, Intake, PhaseKind, ServiceClocks, update_every,
    },
    role::Permission,
};
use vigie_service::breaches::{self, Declaration};
use vigie_store::{Incident, Phase};

use super::forms::{
    FieldErrors, ListQuery, Typed, field, field_errors, flash_text, render, render_status,
    see_other, ticked,
};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    i18n::Msgs,
    labels,
    layout::{Layout, Pager, breach_clock_text, query_of},
};

/// `datetime-local` as the reader means it: in their time zone.
pub(super) fn parse_local(value: &str, zone: &TimeZone) -> Option<Timestamp> {
    let dt: DateTime = value.trim().parse().ok()?;
    dt.to_zoned(zone.clone()).ok().map(|z| z.timestamp())
}

pub(super) fn local(t: Timestamp, zone: &TimeZone) -> String {
    t.to_zoned(zone.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

pub struct IncidentRow {
    pub href: String,
    pub reference: String,
    pub title: String,
    pub aware: String,
    pub status: &'static str,
    pub clock: String,
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    l: Layout,
    q: String,
    base: String,
    rows: Vec<IncidentRow>,
    pager: Pager,
    intakes: Vec<(&'static str, &'static str)>,
    typed: Typed,
    errors: FieldErrors,
}

async fn list_page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &ListQuery,
    typed: Typed,
    errors: BTreeMap<&'static str, String>,
) -> Result<ListPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.incidents_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let base = format!("{}/incidents", ctx.base());
    let page = state.store.incidents(&ctx.scope, &q.q, q.page()).await?;
    let now = Timestamp::now();
    let rows = page
        .items
        .iter()
        .map(|i| IncidentRow {
            href: format!("{base}/{}", i.id),
            reference: i.reference.clone(),
            title: i.title.clone(),
            aware: l.when(i.aware_at),
            status: labels::incident_status(m, i.status),
            clock: if i.clock_runs() {
                breach_clock_text(m, i, now)
            } else {
                String::new()
            },
        })
        .collect();
    let mut typed = typed;
    if typed.get("aware_at").is_empty() {
        typed.0.insert("aware_at".into(), local(now, l.time_zone()));
    }
    Ok(ListPage {
        pager: Pager::new(&page, &base, &query_of(&[("q", &q.q)])),
        q: q.q.clone(),
        intakes: [Intake::Account, Intake::Phone, Intake::Mail, Intake::Fax]
            .into_iter()
            .map(|k| (k.as_str(), labels::incident_intake(m, k)))
            .collect(),
        base,
        rows,
        typed,
        errors: FieldErrors(errors),
        l,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "incidents.list").await?;
    let page = list_page(&state, &ctx, &q, Typed::default(), BTreeMap::new()).await?;
    ctx.trace(
        &state,
        "incidents.list",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(page)
}

/// The reader's time zone, for the dates they type.
pub(super) fn zone_of(me: &crate::auth::SignedIn) -> TimeZone {
    TimeZone::get(&me.user.time_zone).unwrap_or_else(|_| vigie_domain::time::legal_zone())
}

/// The short declaration form (C19), read: received by phone, post or
/// fax, it says who called or wrote and who recorded it.
pub(super) fn declaration_of(
    pairs: &[(String, String)],
    me: &crate::auth::SignedIn,
) -> Result<Declaration, BTreeMap<&'static str, String>> {
    let m = me.client.lang.msgs();
    let Some(aware_at) = parse_local(&field(pairs, "aware_at"), &zone_of(me)) else {
        return Err(BTreeMap::from([(
            "aware_at",
            m.datetime_invalid.to_owned(),
        )]));
    };
    let intake = match Intake::parse(&field(pairs, "intake")) {
        Some(i @ (Intake::Phone | Intake::Mail | Intake::Fax)) => i,
        _ => Intake::Account,
    };
    let name = me.user.name.as_str();
    let caller = field(pairs, "reported_by");
    let declared_by = match (intake, caller.trim()) {
        (Intake::Account, _) | (_, "") => name.to_owned(),
        (_, caller) => format!("{caller} (reçu par {name})"),
    };
    Ok(Declaration {
        title: field(pairs, "title"),
        description: field(pairs, "description"),
        aware_at,
        intake,
        declared_by,
    })
}

/// Anyone of the tenant declares (C19).
pub async fn declare(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "incident.declare").await?;
    let m = ctx.me.client.lang.msgs();
    let errors = match declaration_of(&pairs, &ctx.me) {
        Err(e) => e,
        Ok(d) => match breaches::declare(state.ctx(), &ctx.scope, &d, Timestamp::now()).await {
            Ok(i) => {
                ctx.trace(&state, "incident.declare", &format!("incident:{}", i.id))
                    .await?;
                return Ok(see_other(
                    &format!("{}/incidents/{}", ctx.base(), i.id),
                    "saved",
                ));
            }
            Err(e) => field_errors(m, e)?,
        },
    };
    let page = list_page(
        &state,
        &ctx,
        &ListQuery::default(),
        Typed::of(&pairs),
        errors,
    )
    .await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

pub struct PhaseRow {
    pub n: i64,
    pub kind: &'static str,
    pub sent: String,
    pub by: String,
    pub late_reason: String,
}

/// One input of the qualification form.
pub struct FactField {
    pub name: &'static str,
    pub label: &'static str,
    /// `text`, `textarea`, `datetime-local` or `number`.
    pub kind: &'static str,
}

pub(super) fn fact_fields(m: &'static Msgs) -> Vec<FactField> {
    let f = |name, label, kind| FactField { name, label, kind };
    vec![
        f("started_at", m.fact_started, "datetime-local"),
        f("ended_at", m.fact_ended, "datetime-local"),
        f("origin", m.fact_origin, "text"),
        f("cause", m.fact_cause, "text"),
        f("systems", m.fact_systems, "textarea"),
        f("activities", m.fact_activities, "textarea"),
        f("subprocessors", m.fact_subprocessors, "text"),
        f("person_categories", m.fact_person_categories, "text"),
        f("persons", m.fact_persons, "number"),
        f("records", m.fact_records, "number"),
        f("consequences", m.fact_consequences, "textarea"),
        f("measures_taken", m.fact_measures_taken, "textarea"),
        f("measures_proposed", m.fact_measures_proposed, "textarea"),
        f("dpo_contact", m.fact_dpo_contact, "text"),
    ]
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "incident.html")]
struct ShowPage {
    l: Layout,
    base: String,
    i: Incident,
    status: &'static str,
    intake: &'static str,
    aware: String,
    deadline: String,
    clock: String,
    late: bool,
    /// C19: the crisis process's level now, and how often those impacted
    /// are kept informed.
    level: u8,
    update_hours: Option<i64>,
    /// C34: intervention and recovery due, in working hours.
    intervention_by: String,
    recovery_by: String,
    can_handle: bool,
    phases: Vec<PhaseRow>,
    /// What the provider told of a provider-wide incident: (when, text,
    /// closing).
    provider_updates: Vec<(String, String, bool)>,
    criteria: Vec<Choice>,
    decisions: Vec<Choice>,
    kinds: Vec<Choice>,
    typed: Typed,
    errors: FieldErrors,
    draft: String,
    fields: Vec<FactField>,
}

/// The facts as stored, as the form shows them.
pub(super) fn typed_of_facts(
    f: &Facts,
    aware_at: Timestamp,
    zone: &TimeZone,
) -> BTreeMap<String, String> {
    let t = |v: Option<Timestamp>| v.map(|t| local(t, zone)).unwrap_or_default();
    let n = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut out = BTreeMap::from([
        ("aware_at".to_owned(), local(aware_at, zone)),
        (
            "is_breach".to_owned(),
            match f.is_breach {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
        ),
        ("not_breach_reason".to_owned(), f.not_breach_reason.clone()),
        ("started_at".to_owned(), t(f.started_at)),
        ("ended_at".to_owned(), t(f.ended_at)),
        ("origin".to_owned(), f.origin.clone()),
        ("cause".to_owned(), f.cause.clone()),
        ("systems".to_owned(), f.systems.clone()),
        ("activities".to_owned(), f.activities.clone()),
        ("subprocessors".to_owned(), f.subprocessors.clone()),
        ("person_categories".to_owned(), f.person_categories.clone()),
        ("persons".to_owned(), n(f.persons)),
        ("records".to_owned(), n(f.records)),
        ("consequences".to_owned(), f.consequences.clone()),
        ("measures_taken".to_owned(), f.measures_taken.clone()),
        ("measures_proposed".to_owned(), f.measures_proposed.clone()),
        ("dpo_contact".to_owned(), f.dpo_contact.clone()),
    ]);
    for c in &f.criteria {
        out.insert(format!("crit_{}", c.as_str()), "on".into());
    }
    out
}

/// The facts as typed in the form, or as stored.
fn typed_of(i: &Incident, zone: &TimeZone) -> Typed {
    let mut out = typed_of_facts(&i.facts, i.aware_at, zone);
    out.insert("inform_reasoning".to_owned(), i.inform_reasoning.clone());
    Typed(out)
}

/// The criteria boxes, ticked as typed.
pub(super) fn criteria_choices(m: &'static Msgs, typed: &Typed) -> Vec<Choice> {
    Criterion::ALL
        .iter()
        .map(|c| Choice {
            value: c.as_str(),
            label: labels::criterion(m, *c),
            selected: !typed.get(&format!("crit_{}", c.as_str())).is_empty(),
        })
        .collect()
}

async fn show_page(
    state: &AppState,
    ctx: &TenantCtx,
    i: Incident,
    typed: Option<Typed>,
    errors: BTreeMap<&'static str, String>,
    flash: Option<&str>,
) -> Result<ShowPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(
        ctx,
        &format!("{} — {}", i.reference, i.title),
        state.settings.demo,
    )
    .with_flash(flash_text(m, flash));
    let typed = typed.unwrap_or_else(|| typed_of(&i, l.time_zone()));
    let phases = state
        .store
        .phases(&ctx.scope, i.id)
        .await?
        .iter()
        .map(|p| PhaseRow {
            n: p.n,
            kind: labels::phase_kind(m, p.kind),
            sent: l.when(p.sent_at),
            by: p.sent_by.clone(),
            late_reason: p.late_reason.clone(),
        })
        .collect();
    let provider_updates = state
        .store
        .updates_for_incident(&ctx.scope, i.id)
        .await?
        .into_iter()
        .map(|u| (l.when(u.sent_at), u.body, u.closing))
        .collect();
    let now = Timestamp::now();
    let clock = CnilClock {
        awareness: i.aware_at,
    };
    let calendar = state.store.calendar(&ctx.scope).await?;
    let service = ServiceClocks::of(calendar, i.declared_at, i.aware_at);
    Ok(ShowPage {
        base: format!("{}/incidents/{}", ctx.base(), i.id),
        status: labels::incident_status(m, i.status),
        intake: labels::incident_intake(m, i.intake),
        aware: l.when(i.aware_at),
        deadline: l.when(clock.deadline()),
        clock: if i.clock_runs() {
            breach_clock_text(m, &i, now)
        } else {
            String::new()
        },
        late: i.notified_at.is_none() && clock.is_late(now),
        level: state.settings.escalation.level(&i.facts, i.aware_at, now),
        update_hours: update_every(state.settings.escalation.level(&i.facts, i.aware_at, now))
            .map(|d| d.as_hours()),
        intervention_by: l.when(service.intervention),
        recovery_by: l.when(service.recovery),
        can_handle: ctx.scope.allows(Permission::HandleBreaches),
        phases,
        provider_updates,
        criteria: criteria_choices(m, &typed),
        decisions: InformDecision::ALL
            .iter()
            .map(|d| Choice {
                value: d.as_str(),
                label: labels::inform_decision(m, *d),
                selected: i.inform == Some(*d),
            })
            .collect(),
        kinds: PhaseKind::ALL
            .iter()
            .filter(|k| {
                (**k == PhaseKind::Initial) == i.notified_at.is_none() || **k == PhaseKind::Complete
            })
            .map(|k| Choice {
                value: k.as_str(),
                label: labels::phase_kind(m, *k),
                selected: false,
            })
            .collect(),
        draft: breaches::draft_message(&i, ctx.tenant.name.as_str()),
        fields: fact_fields(m),
        typed,
        errors: FieldErrors(errors),
        i,
        l,
    })
}

async fn load(state: &AppState, ctx: &TenantCtx, id: i64) -> Result<Incident, PageError> {
    Ok(state.store.incident(&ctx.scope, id).await?)
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "incident.read").await?;
    let i = load(&state, &ctx, id).await?;
    ctx.trace(&state, "incident.read", &format!("incident:{id}"))
        .await?;
    render(show_page(&state, &ctx, i, None, BTreeMap::new(), q.flash.as_deref()).await?)
}

/// Reads the facts form; a number or a date that is not one is an error
/// on its field, never a silent blank.
pub(super) fn facts_of(
    pairs: &[(String, String)],
    zone: &TimeZone,
    m: &'static Msgs,
    errors: &mut BTreeMap<&'static str, String>,
) -> Facts {
    let mut when = |name: &'static str| {
        let v = field(pairs, name);
        if v.trim().is_empty() {
            return None;
        }
        let t = parse_local(&v, zone);
        if t.is_none() {
            errors.insert(name, m.datetime_invalid.to_owned());
        }
        t
    };
    let started_at = when("started_at");
    let ended_at = when("ended_at");
    let mut count = |name: &'static str| {
        let v = field(pairs, name);
        if v.trim().is_empty() {
            return None;
        }
        let n = v.trim().replace([' ', '\u{a0}'], "").parse::<u64>().ok();
        if n.is_none() {
            errors.insert(name, m.count_invalid.to_owned());
        }
        n
    };
    let persons = count("persons");
    let records = count("records");
    Facts {
        criteria: Criterion::ALL
            .iter()
            .copied()
            .filter(|c| ticked(pairs, &format!("crit_{}", c.as_str())))
            .collect(),
        is_breach: match field(pairs, "is_breach").as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        not_breach_reason: field(pairs, "not_breach_reason").trim().to_owned(),
        started_at,
        ended_at,
        origin: field(pairs, "origin").trim().to_owned(),
        cause: field(pairs, "cause").trim().to_owned(),
        systems: field(pairs, "systems").trim().to_owned(),
        activities: field(pairs, "activities").trim().to_owned(),
        subprocessors: field(pairs, "subprocessors").trim().to_owned(),
        person_categories: field(pairs, "person_categories").trim().to_owned(),
        persons,
        records,
        consequences: field(pairs, "consequences").trim().to_owned(),
        measures_taken: field(pairs, "measures_taken").trim().to_owned(),
        measures_proposed: field(pairs, "measures_proposed").trim().to_owned(),
        dpo_contact: field(pairs, "dpo_contact").trim().to_owned(),
    }
}

/// The DPO's actions on an incident: qualify, notify, inform, close.
pub async fn act(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id, action)): Path<(String, i64, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let trail_action = format!("incident.{action}");
    require_traced(&state, &ctx, Permission::HandleBreaches, &trail_action).await?;
    let m = ctx.me.client.lang.msgs();
    let i = load(&state, &ctx, id).await?;
    let zone = zone_of(&ctx.me);
    let now = Timestamp::now();
    let c = state.ctx();
    let actor = ctx.me.user.name.as_str().to_owned();
    let mut errors = BTreeMap::new();
    let result = match action.as_str() {
        "qualify" => {
            let facts = facts_of(&pairs, &zone, m, &mut errors);
            let aware_at = parse_local(&field(&pairs, "aware_at"), &zone);
            if aware_at.is_none() {
                errors.insert("aware_at", m.datetime_invalid.to_owned());
            }
            match aware_at {
                Some(aware_at) if errors.is_empty() => {
                    breaches::qualify(c, &ctx.scope, &i, facts, aware_at, now)
                        .await
                        .map(drop)
                }
                _ => Ok(()),
            }
        }
        "notify" => {
            let kind = PhaseKind::parse(&field(&pairs, "kind")).ok_or(PageError::NOT_FOUND)?;
            breaches::notify(
                c,
                &ctx.scope,
                &i,
                kind,
                &field(&pairs, "late_reason"),
                &actor,
                now,
            )
            .await
            .map(drop)
        }
        "inform" => {
            let d = InformDecision::parse(&field(&pairs, "inform")).ok_or(PageError::NOT_FOUND)?;
            breaches::decide_inform(
                c,
                &ctx.scope,
                &i,
                d,
                &field(&pairs, "inform_reasoning"),
                now,
            )
            .await
            .map(drop)
        }
        "close" => breaches::close(c, &ctx.scope, &i, now).await.map(drop),
        _ => return Err(PageError::NOT_FOUND),
    };
    if let Err(e) = result {
        errors.extend(field_errors(m, e)?);
    }
    if errors.is_empty() {
        ctx.trace(&state, &trail_action, &format!("incident:{id}"))
            .await?;
        return Ok(see_other(
            &format!("{}/incidents/{id}", ctx.base()),
            "saved",
        ));
    }
    let page = show_page(&state, &ctx, i, Some(Typed::of(&pairs)), errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

#[derive(Template)]
#[template(path = "notification.html")]
struct NotificationPage {
    l: Layout,
    i: Incident,
    organisation: String,
    phase: Option<Phase>,
    facts: Facts,
    criteria: Vec<&'static str>,
    aware: String,
    started: String,
    ended: String,
    sent: String,
    inform: &'static str,
}

/// The notification as the CNIL form's sections, to print or paste: the
/// phase asked (`?phase=n`), else the facts as they stand (a draft).
pub async fn notification(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "incident.notification").await?;
    let m = ctx.me.client.lang.msgs();
    let i = load(&state, &ctx, id).await?;
    let phases = state.store.phases(&ctx.scope, id).await?;
    let phase = match q.get("phase") {
        Some(n) => Some(
            phases
                .into_iter()
                .find(|p| p.n.to_string() == *n)
                .ok_or(PageError::NOT_FOUND)?,
        ),
        None => None,
    };
    ctx.trace(&state, "incident.notification", &format!("incident:{id}"))
        .await?;
    let facts = phase
        .as_ref()
        .map_or_else(|| i.facts.clone(), |p| p.facts.clone());
    if q.get("format").map(String::as_str) == Some("json") {
        let body = serde_json::json!({
            "reference": i.reference,
            "organisation": ctx.tenant.name.as_str(),
            "title": i.title,
            "description": i.description,
            "aware_at": i.aware_at.to_string(),
            "phase": phase.as_ref().map(|p| serde_json::json!({
                "n": p.n, "kind": p.kind.as_str(), "sent_at": p.sent_at.to_string(),
                "sent_by": p.sent_by, "late_reason": p.late_reason,
            })),
            "facts": facts,
            "inform": i.inform.map(|d| d.as_str()),
            "inform_reasoning": i.inform_reasoning,
        });
        return Ok((
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response());
    }
    let l = Layout::for_tenant(
        &ctx,
        &format!("{} — {}", m.notification_title, i.reference),
        state.settings.demo,
    );
    let t = |v: Option<Timestamp>| v.map(|x| l.when(x)).unwrap_or_default();
    if q.get("format").map(String::as_str) == Some("pdf") {
        let doc = NotificationDoc {
            m,
            i: &i,
            organisation: ctx.tenant.name.as_str(),
            phase: phase.as_ref(),
            facts: &facts,
            when: &|v| t(v),
        };
        let name = match &phase {
            Some(p) => format!("notification-{}-{}.pdf", i.reference, p.n),
            None => format!("notification-{}-brouillon.pdf", i.reference),
        };
        return Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            doc.pdf(),
        )
            .into_response());
    }
    render(NotificationPage {
        organisation: ctx.tenant.name.as_str().to_owned(),
        criteria: facts
            .criteria
            .iter()
            .map(|c| labels::criterion(m, *c))
            .collect(),
        aware: l.when(i.aware_at),
        started: t(facts.started_at),
        ended: t(facts.ended_at),
        sent: phase
            .as_ref()
            .map(|p| l.when(p.sent_at))
            .unwrap_or_default(),
        inform: i.inform.map_or("", |d| labels::inform_decision(m, d)),
        facts,
        phase,
        i,
        l,
    })
}

/// The notification as a PDF, in the sections of the CNIL's form (C18).
struct NotificationDoc<'a> {
    m: &'static Msgs,
    i: &'a Incident,
    organisation: &'a str,
    phase: Option<&'a Phase>,
    facts: &'a Facts,
    when: &'a dyn Fn(Option<Timestamp>) -> String,
}

impl NotificationDoc<'_> {
    fn pdf(&self) -> Vec<u8> {
        use crate::pdf::Block::{Field, Heading, Para, Title};
        let (m, i, f) = (self.m, self.i, self.facts);
        let count = |n: Option<u64>| n.map(|v| v.to_string()).unwrap_or_default();
        let mut blocks = vec![
            Title(format!("{} — {}", m.notification_title, i.reference)),
            Para(match self.phase {
                Some(p) => format!(
                    "{} n° {} ({}) — {} — {}",
                    m.notify_kind,
                    p.n,
                    labels::phase_kind(m, p.kind),
                    (self.when)(Some(p.sent_at)),
                    p.sent_by
                ),
                None => m.notification_draft.to_owned(),
            }),
            Heading(format!("1. {}", m.incident_reference)),
            Field(
                m.incident_reference.into(),
                format!("{} — {}", i.reference, self.organisation),
            ),
            Field(m.fact_dpo_contact.into(), f.dpo_contact.clone()),
            Heading(format!("2. {}", m.incident_title)),
            Field(m.incident_title.into(), i.title.clone()),
            Field(m.incident_description.into(), i.description.clone()),
            Field(
                m.fact_criteria.into(),
                f.criteria
                    .iter()
                    .map(|c| labels::criterion(m, *c))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Field(m.incident_aware.into(), (self.when)(Some(i.aware_at))),
            Field(m.fact_started.into(), (self.when)(f.started_at)),
            Field(m.fact_ended.into(), (self.when)(f.ended_at)),
            Field(m.fact_origin.into(), f.origin.clone()),
            Field(m.fact_cause.into(), f.cause.clone()),
            Field(m.fact_systems.into(), f.systems.clone()),
            Field(m.fact_activities.into(), f.activities.clone()),
            Field(m.fact_subprocessors.into(), f.subprocessors.clone()),
            Heading(format!("3. {}", m.fact_person_categories)),
            Field(m.fact_person_categories.into(), f.person_categories.clone()),
            Field(m.fact_persons.into(), count(f.persons)),
            Field(m.fact_records.into(), count(f.records)),
            Heading(format!("4. {}", m.fact_consequences)),
            Para(f.consequences.clone()),
            Heading(format!("5. {}", m.fact_measures_taken)),
            Field(m.fact_measures_taken.into(), f.measures_taken.clone()),
            Field(m.fact_measures_proposed.into(), f.measures_proposed.clone()),
            Heading(format!("6. {}", m.inform_title)),
            Field(
                m.inform_decision.into(),
                i.inform
                    .map_or("", |d| labels::inform_decision(m, d))
                    .to_owned(),
            ),
            Field(m.inform_reasoning.into(), i.inform_reasoning.clone()),
        ];
        if let Some(p) = self.phase.filter(|p| !p.late_reason.is_empty()) {
            blocks.push(Heading(format!("7. {}", m.notify_late_reason)));
            blocks.push(Para(p.late_reason.clone()));
        }
        crate::pdf::render(
            &format!("{} {}", m.notification_title, i.reference),
            &format!("{} — {}", self.organisation, i.reference),
            &blocks,
        )
    }
}
