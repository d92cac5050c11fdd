//! Provider-wide incidents ("problèmes") in the provider administrator's
//! pages (C17, C19): declare, qualify, record the impacted clients each
//! with its part, notify each within its contractual limit, keep them
//! informed on the level's schedule, close with the general information.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use vigie_domain::{
    breach::{Intake, hours_and_minutes, notice_due},
    page::Page,
    tenant::TenantSlug,
};
use vigie_service::problems;
use vigie_store::Problem;

use super::{
    forms::{
        FieldErrors, ListQuery, Typed, field, field_errors, flash_text, render, render_status,
        see_other, ticked,
    },
    incidents::{
        Choice, FactField, criteria_choices, declaration_of, fact_fields, facts_of, local,
        parse_local, typed_of_facts, zone_of,
    },
};
use crate::{
    AppState,
    auth::{ProviderAdmin, SignedIn},
    error::PageError,
    labels,
    layout::{Layout, Pager, query_of},
};

const BASE: &str = "/admin/problemes";

pub struct ProblemRow {
    pub href: String,
    pub reference: String,
    pub title: String,
    pub aware: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "admin_problems.html")]
struct ListPage {
    l: Layout,
    q: String,
    base: String,
    rows: Vec<ProblemRow>,
    pager: Pager,
    intakes: Vec<(&'static str, &'static str)>,
    typed: Typed,
    errors: FieldErrors,
}

async fn list_page(
    state: &AppState,
    me: &SignedIn,
    q: &ListQuery,
    typed: Typed,
    errors: BTreeMap<&'static str, String>,
) -> Result<ListPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(me, None, m.problems_title, state.settings.demo)
        .with_flash(flash_text(m, q.flash.as_deref()));
    let page = state.store.problems(&q.q, q.page()).await?;
    let rows = page
        .items
        .iter()
        .map(|p| ProblemRow {
            href: format!("{BASE}/{}", p.id),
            reference: p.reference.clone(),
            title: p.title.clone(),
            aware: l.when(p.aware_at),
            status: labels::problem_status(m, p.status),
        })
        .collect();
    let mut typed = typed;
    if typed.get("aware_at").is_empty() {
        typed
            .0
            .insert("aware_at".into(), local(Timestamp::now(), l.time_zone()));
    }
    Ok(ListPage {
        pager: Pager::new(&page, BASE, &query_of(&[("q", &q.q)])),
        q: q.q.clone(),
        intakes: [Intake::Account, Intake::Phone, Intake::Mail, Intake::Fax]
            .into_iter()
            .map(|k| (k.as_str(), labels::incident_intake(m, k)))
            .collect(),
        base: BASE.to_owned(),
        rows,
        typed,
        errors: FieldErrors(errors),
        l,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let page = list_page(&state, &me, &q, Typed::default(), BTreeMap::new()).await?;
    me.trace(&state, None, "problems.list", "problems").await?;
    render(page)
}

/// The provider's staff declare a provider-wide incident (C19).
pub async fn declare(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let errors = match declaration_of(&pairs, &me) {
        Err(e) => e,
        Ok(d) => match problems::declare(state.ctx(), &d, Timestamp::now()).await {
            Ok(p) => {
                me.trace(
                    &state,
                    None,
                    "problem.declare",
                    &format!("problem:{}", p.id),
                )
                .await?;
                return Ok(see_other(&format!("{BASE}/{}", p.id), "saved"));
            }
            Err(e) => field_errors(m, e)?,
        },
    };
    let page = list_page(
        &state,
        &me,
        &ListQuery::default(),
        Typed::of(&pairs),
        errors,
    )
    .await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// One client on the list, with its notice clock.
pub struct ClientRow {
    pub slug: String,
    pub name: String,
    pub part: String,
    pub persons: String,
    pub notice_hours: i64,
    pub due: String,
    /// Time left, or past, while not told.
    pub clock: String,
    pub late: bool,
    pub noticed: Option<String>,
}

pub struct UpdateRow {
    pub n: i64,
    pub sent: String,
    pub by: String,
    pub body: String,
    pub closing: bool,
}

#[derive(Template)]
#[template(path = "admin_problem.html")]
struct ShowPage {
    l: Layout,
    base: String,
    p: Problem,
    status: &'static str,
    intake: &'static str,
    aware: String,
    level: u8,
    update_hours: Option<i64>,
    update_due: String,
    update_late: bool,
    clients: Vec<ClientRow>,
    updates: Vec<UpdateRow>,
    /// Tenants to pick from (slug, name).
    tenants: Vec<(String, String)>,
    open: bool,
    criteria: Vec<Choice>,
    fields: Vec<FactField>,
    typed: Typed,
    errors: FieldErrors,
}

async fn show_page(
    state: &AppState,
    me: &SignedIn,
    p: Problem,
    typed: Option<Typed>,
    errors: BTreeMap<&'static str, String>,
    flash: Option<&str>,
) -> Result<ShowPage, PageError> {
    let m = me.client.lang.msgs();
    let l = Layout::signed_in(
        me,
        None,
        &format!("{} — {}", p.reference, p.title),
        state.settings.demo,
    )
    .with_flash(flash_text(m, flash));
    let typed = typed.unwrap_or_else(|| Typed(typed_of_facts(&p.facts, p.aware_at, l.time_zone())));
    let now = Timestamp::now();
    let impacted = state.store.impacted(p.id).await?;
    let sent = state.store.problem_updates(p.id).await?;
    let rules = &state.settings.escalation;
    let clocks = problems::clocks(rules, &p, &impacted, &sent, now);
    let on_list: Vec<_> = impacted.iter().map(|c| c.tenant).collect();
    let tenants = state
        .store
        .list_tenants("", Page::new(Some(1), Some(200)))
        .await?
        .items
        .into_iter()
        .filter(|t| !on_list.contains(&t.id))
        .map(|t| (t.slug.to_string(), t.name.as_str().to_owned()))
        .collect();
    let mut clients = Vec::new();
    for c in &impacted {
        let due = notice_due(p.aware_at, c.notice_hours);
        let left = now.duration_until(due);
        let slug = state.store.tenant(c.tenant).await?.slug.to_string();
        clients.push(ClientRow {
            slug,
            name: c.tenant_name.clone(),
            part: c.part.clone(),
            persons: c.persons.map(|n| n.to_string()).unwrap_or_default(),
            notice_hours: c.notice_hours,
            due: l.when(due),
            clock: match (c.noticed_at, left.is_negative()) {
                (Some(_), _) => String::new(),
                (None, false) => m.notice_left.replace("{left}", &hours_and_minutes(left)),
                (None, true) => m.notice_late.replace("{late}", &hours_and_minutes(left)),
            },
            late: c.noticed_at.is_none() && left.is_negative(),
            noticed: c.noticed_at.map(|t| l.when(t)),
        });
    }
    Ok(ShowPage {
        base: format!("{BASE}/{}", p.id),
        status: labels::problem_status(m, p.status),
        intake: labels::incident_intake(m, p.intake),
        aware: l.when(p.aware_at),
        level: clocks.level,
        update_hours: vigie_domain::breach::update_every(clocks.level).map(|d| d.as_hours()),
        update_due: clocks.update_due.map(|t| l.when(t)).unwrap_or_default(),
        update_late: clocks.update_due.is_some_and(|t| t < now),
        updates: sent
            .iter()
            .map(|u| UpdateRow {
                n: u.n,
                sent: l.when(u.sent_at),
                by: u.sent_by.clone(),
                body: u.body.clone(),
                closing: u.closing,
            })
            .collect(),
        clients,
        tenants,
        open: p.status == vigie_domain::breach::ProblemStatus::Open,
        criteria: criteria_choices(m, &typed),
        fields: fact_fields(m),
        typed,
        errors: FieldErrors(errors),
        p,
        l,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let p = state.store.problem(id).await?;
    me.trace(&state, None, "problem.read", &format!("problem:{id}"))
        .await?;
    render(show_page(&state, &me, p, None, BTreeMap::new(), q.flash.as_deref()).await?)
}

/// The provider's actions: qualify, add a client, notify one, send news.
pub async fn act(
    State(state): State<AppState>,
    ProviderAdmin(me): ProviderAdmin,
    Path((id, action)): Path<(i64, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    let p = state.store.problem(id).await?;
    let zone = zone_of(&me);
    let now = Timestamp::now();
    let c = state.ctx();
    let actor = me.user.name.as_str().to_owned();
    let mut errors = BTreeMap::new();
    let mut touched = None;
    let result = match action.as_str() {
        "qualify" => {
            let facts = facts_of(&pairs, &zone, m, &mut errors);
            let aware_at = parse_local(&field(&pairs, "aware_at"), &zone);
            if aware_at.is_none() {
                errors.insert("aware_at", m.datetime_invalid.to_owned());
            }
            match aware_at {
                Some(aware_at) if errors.is_empty() => {
                    problems::qualify(c, &p, facts, aware_at, now)
                        .await
                        .map(drop)
                }
                _ => Ok(()),
            }
        }
        "add" | "notice" => {
            let tenant = match TenantSlug::parse(field(&pairs, "tenant").trim()) {
                Ok(slug) => state.store.tenant_by_slug(&slug).await.ok(),
                Err(_) => None,
            };
            match tenant {
                None => {
                    errors.insert("tenant", m.problem_no_such_client.to_owned());
                    Ok(())
                }
                Some(t) if action == "add" => {
                    let persons = field(&pairs, "persons");
                    let persons = match persons.trim() {
                        "" => Ok(None),
                        n => n.replace([' ', '\u{a0}'], "").parse::<u64>().map(Some),
                    };
                    match persons {
                        Err(_) => {
                            errors.insert("persons", m.count_invalid.to_owned());
                            Ok(())
                        }
                        Ok(persons) => {
                            touched = Some(t.clone());
                            problems::add_client(
                                c,
                                &p,
                                &t,
                                &field(&pairs, "part"),
                                persons,
                                &actor,
                                now,
                            )
                            .await
                        }
                    }
                }
                Some(t) => {
                    let on_list = state.store.impacted(p.id).await?;
                    match on_list.iter().find(|x| x.tenant == t.id) {
                        None => {
                            errors.insert("tenant", m.problem_no_such_client.to_owned());
                            Ok(())
                        }
                        Some(client) => {
                            touched = Some(t.clone());
                            problems::notice(c, &p, client, t.slug.as_str(), &actor, now)
                                .await
                                .map(drop)
                        }
                    }
                }
            }
        }
        "update" => problems::update(
            c,
            &p,
            &field(&pairs, "body"),
            ticked(&pairs, "closing"),
            &actor,
            now,
        )
        .await
        .map(drop),
        _ => return Err(PageError::NOT_FOUND),
    };
    if let Err(e) = result {
        errors.extend(field_errors(m, e)?);
    }
    let trail_action = format!("problem.{action}");
    if errors.is_empty() {
        me.trace(
            &state,
            touched.as_ref(),
            &trail_action,
            &format!("problem:{id}"),
        )
        .await?;
        return Ok(see_other(&format!("{BASE}/{id}"), "saved"));
    }
    let page = show_page(&state, &me, p, Some(Typed::of(&pairs)), errors, None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}
