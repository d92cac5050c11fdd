//! Provider-wide incidents ("problèmes", seed 002) at work (C17, C19): the
//! provider records the clients an incident touches, each with its own
//! part; tells each one "without undue delay" within its contractual
//! limit — the notice opens the incident in the client's own register,
//! where its 72-hour clock starts — keeps them informed on the schedule
//! the escalation level sets, and closes with a general information.

use jiff::Timestamp;
use vigie_domain::{
    breach::{
        EscalationRules, Facts, Intake, ProblemStatus, check_awareness, hours_and_minutes,
        next_update_due, notice_due,
    },
    role::Role,
    scope::TenantScope,
};
use vigie_store::{
    ImpactedClient, Incident, NewIncident, NewMessage, Problem, ProblemUpdate, Tenant,
};

use crate::{
    Ctx, Result, ServiceError,
    breaches::{Declaration, text},
    invalid,
};

/// Who is told of a provider's notice and updates in a client: its DPOs
/// and, where it has none yet, those who manage its accounts.
const TOLD: &[Role] = &[Role::Dpo, Role::UserManager];

fn next_version(p: &Problem, now: Timestamp) -> Timestamp {
    now.max(p.updated_at + jiff::SignedDuration::from_micros(1))
}

fn paris(t: Timestamp) -> String {
    t.to_zoned(vigie_domain::time::legal_zone())
        .strftime("%d/%m/%Y à %H:%M (heure de Paris)")
        .to_string()
}

/// Records a provider-wide incident; the clients' notice clocks start at
/// `aware_at`. The provider's administrators are told.
pub async fn declare(ctx: Ctx<'_>, d: &Declaration, now: Timestamp) -> Result<Problem> {
    let title = text("title", &d.title, 200)?;
    if title.is_empty() {
        return Err(invalid("title", "say in a few words what happened"));
    }
    let description = text("description", &d.description, 10_000)?;
    check_awareness(d.aware_at, now).map_err(|e| invalid(e.field, e.message))?;
    let p = ctx
        .store
        .create_problem(&vigie_store::NewProblem {
            title,
            description,
            intake: d.intake,
            declared_by: d.declared_by.clone(),
            aware_at: d.aware_at,
            at: now,
        })
        .await?;
    tell_admins_of(ctx, &p, now).await?;
    Ok(p)
}

/// Tells the provider's administrators of a new provider-wide incident.
pub(crate) async fn tell_admins_of(ctx: Ctx<'_>, p: &Problem, now: Timestamp) -> Result<()> {
    let admins = crate::provider_admins(ctx).await?;
    crate::mail_each(
        ctx,
        None,
        admins,
        &format!("Incident multi-clients déclaré : {} — {}", p.reference, p.title),
        &format!(
            "Bonjour,\n\n{} a déclaré un incident : {}\n\nConsignez les clients impactés et notifiez chacun dans son délai contractuel :\n{}/admin/problemes/{}\n",
            p.declared_by, p.title, ctx.base_url, p.id
        ),
        now,
    )
    .await?;
    Ok(())
}

/// The provider's qualification: the facts set the escalation level and
/// pre-fill what each client is told.
pub async fn qualify(
    ctx: Ctx<'_>,
    p: &Problem,
    facts: Facts,
    aware_at: Timestamp,
    now: Timestamp,
) -> Result<Problem> {
    let mut wrong: Vec<(&'static str, String)> = facts
        .check(now)
        .into_iter()
        .map(|e| (e.field, e.message.to_owned()))
        .collect();
    if let Err(e) = check_awareness(aware_at, now) {
        wrong.push((e.field, e.message.to_owned()));
    }
    if p.status == ProblemStatus::Closed {
        wrong.push(("status", "the incident is closed".to_owned()));
    }
    if !wrong.is_empty() {
        return Err(ServiceError::Fields(wrong));
    }
    let mut next = p.clone();
    next.facts = facts;
    next.aware_at = aware_at;
    next.updated_at = next_version(p, now);
    ctx.store.save_problem(&next, p.updated_at).await?;
    Ok(next)
}

/// Puts a client on the list of those impacted, with its part (told to it
/// alone) and the notice limit of its contract.
pub async fn add_client(
    ctx: Ctx<'_>,
    p: &Problem,
    tenant: &Tenant,
    part: &str,
    persons: Option<u64>,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    if p.status == ProblemStatus::Closed {
        return Err(invalid("status", "the incident is closed"));
    }
    let part = text("part", part, 5000)?;
    if part.is_empty() {
        return Err(invalid(
            "part",
            "say what concerns this client: its services, its data",
        ));
    }
    let notice_hours = ctx.store.processor_notice_hours(tenant.id).await?;
    ctx.store
        .add_impacted(
            p.id,
            &ImpactedClient {
                tenant: tenant.id,
                tenant_name: tenant.name.as_str().to_owned(),
                part,
                persons,
                notice_hours,
                added_at: now,
                added_by: actor.to_owned(),
                noticed_at: None,
                incident: None,
                notice_reminded: false,
            },
        )
        .await
        .map_err(|e| match e {
            vigie_store::StoreError::Conflict(_) => {
                invalid("tenant", "this client is on the list already")
            }
            e => e.into(),
        })
}

/// The provider's notice to one client (Art. 33.2): the incident opens in
/// the client's register with what the provider knows, its 72-hour clock
/// from now (the client becomes aware when told), and its DPOs are
/// emailed — all in one transaction, once.
pub async fn notice(
    ctx: Ctx<'_>,
    p: &Problem,
    c: &ImpactedClient,
    slug: &str,
    actor: &str,
    now: Timestamp,
) -> Result<Incident> {
    if c.noticed_at.is_some() {
        return Err(invalid("tenant", "this client was told already"));
    }
    let facts = Facts {
        persons: c.persons,
        records: None,
        is_breach: None,
        not_breach_reason: String::new(),
        dpo_contact: String::new(),
        ..p.facts.clone()
    };
    let description = if p.description.is_empty() {
        format!("Ce qui vous concerne : {}", c.part)
    } else {
        format!("{}\n\nCe qui vous concerne : {}", p.description, c.part)
    };
    let new = NewIncident {
        title: p.title.clone(),
        description,
        intake: Intake::Processor,
        declared_by: format!("Prestataire (sous-traitant), {actor} — {}", p.reference),
        aware_at: now,
        at: now,
        facts,
    };
    let deadline = vigie_domain::breach::CnilClock { awareness: now }.deadline();
    let subject = format!(
        "Notification d'incident par votre prestataire : {}",
        p.title
    );
    let body = format!(
        "Bonjour,\n\nEn tant que sous-traitant, nous vous notifions un incident de sécurité qui touche vos données (article 33.2 du RGPD) : {}\n\nCe qui vous concerne : {}\n\nL'incident est ouvert dans votre registre des violations, avec ce que nous savons :\n{}/t/{slug}/incidents\n\nS'il s'agit pour vous d'une violation de données personnelles, la CNIL doit être notifiée avant le {} (72 heures). Nous vous tiendrons informés de son évolution jusqu'à sa clôture.\n",
        p.title,
        c.part,
        ctx.base_url,
        paris(deadline)
    );
    let messages: Vec<NewMessage> = crate::members_to_tell(ctx, c.tenant, TOLD)
        .await?
        .into_iter()
        .map(|to| NewMessage {
            tenant: Some(c.tenant),
            to,
            subject: subject.clone(),
            body: body.clone(),
        })
        .collect();
    // The client's row on the list names the tenant: Vigie writes there
    // on the provider's behalf.
    let scope = TenantScope::of_system(c.tenant);
    ctx.store
        .notice_client(p.id, &scope, &new, &messages, now)
        .await
        .map_err(|e| match e {
            vigie_store::StoreError::Conflict(m) if m.contains("told") => {
                invalid("tenant", "this client was told already")
            }
            e => e.into(),
        })
}

/// News to every client told so far; with `closing`, the general
/// information at closure, which closes the incident and needs every
/// client on the list told first.
pub async fn update(
    ctx: Ctx<'_>,
    p: &Problem,
    body: &str,
    closing: bool,
    actor: &str,
    now: Timestamp,
) -> Result<ProblemUpdate> {
    if p.status == ProblemStatus::Closed {
        return Err(invalid("status", "the incident is closed"));
    }
    let body = text("body", body, 10_000)?;
    if body.is_empty() {
        return Err(invalid("body", "write what the clients are told"));
    }
    let clients = ctx.store.impacted(p.id).await?;
    let told: Vec<&ImpactedClient> = clients.iter().filter(|c| c.noticed_at.is_some()).collect();
    if told.is_empty() {
        return Err(invalid("body", "notify at least one client first"));
    }
    if closing && let Some(c) = clients.iter().find(|c| c.noticed_at.is_none()) {
        return Err(invalid(
            "closing",
            format!("{} was never told: notify it before closing", c.tenant_name),
        ));
    }
    let subject = if closing {
        format!("Clôture de l'incident : {}", p.title)
    } else {
        format!("Point de situation : {}", p.title)
    };
    let mut messages = Vec::new();
    for c in told {
        for to in crate::members_to_tell(ctx, c.tenant, TOLD).await? {
            messages.push(NewMessage {
                tenant: Some(c.tenant),
                to,
                subject: subject.clone(),
                body: format!("Bonjour,\n\n{body}\n\n— Votre prestataire, {actor}\n"),
            });
        }
    }
    let mut next = p.clone();
    if closing {
        next.status = ProblemStatus::Closed;
        next.closed_at = Some(now);
    }
    next.updated_at = next_version(p, now);
    let u = ProblemUpdate {
        n: 0,
        body,
        closing,
        sent_at: now,
        sent_by: actor.to_owned(),
    };
    Ok(ctx
        .store
        .add_problem_update(&next, p.updated_at, &u, &messages)
        .await?)
}

/// Where a provider-wide incident stands on its clocks at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemClocks {
    pub level: u8,
    /// The next update owed to the clients told, if the level sets a
    /// cadence and someone was told.
    pub update_due: Option<Timestamp>,
}

/// The level from the provider's facts — the people of every client
/// counted when the provider gave no total — and the next update due.
pub fn clocks(
    rules: &EscalationRules,
    p: &Problem,
    clients: &[ImpactedClient],
    updates: &[ProblemUpdate],
    now: Timestamp,
) -> ProblemClocks {
    let mut facts = p.facts.clone();
    if facts.persons.is_none() {
        let sum: u64 = clients.iter().filter_map(|c| c.persons).sum();
        facts.persons = (sum > 0).then_some(sum);
    }
    let level = rules.level(&facts, p.aware_at, now);
    let last_told = updates
        .iter()
        .map(|u| u.sent_at)
        .chain(clients.iter().filter_map(|c| c.noticed_at))
        .max();
    let update_due = match (p.status, last_told) {
        (ProblemStatus::Open, Some(t)) => next_update_due(level, t),
        _ => None,
    };
    ProblemClocks { level, update_due }
}

/// Reminds the provider's administrators of each client notice past half
/// its contractual delay and of each update that fell due; returns how
/// many reminders went. Queued before being counted: a crash in between
/// sends one twice, never none.
pub async fn remind(ctx: Ctx<'_>, rules: &EscalationRules, now: Timestamp) -> Result<usize> {
    let mut sent = 0;
    let open = ctx.store.open_problems().await?;
    if open.is_empty() {
        return Ok(0);
    }
    let admins = crate::provider_admins(ctx).await?;
    for p in open {
        let clients = ctx.store.impacted(p.id).await?;
        for c in clients
            .iter()
            .filter(|c| c.noticed_at.is_none() && !c.notice_reminded)
        {
            let due = notice_due(p.aware_at, c.notice_hours);
            let half = notice_due(p.aware_at, c.notice_hours / 2);
            if now < half {
                continue;
            }
            let left = now.duration_until(due);
            let state = if left.is_negative() {
                format!(
                    "le délai contractuel est dépassé de {}",
                    hours_and_minutes(left)
                )
            } else {
                format!("il reste {}", hours_and_minutes(left))
            };
            crate::mail_each(
                ctx,
                None,
                admins.clone(),
                &format!("{} : notifier {} avant le {}", p.reference, c.tenant_name, paris(due)),
                &format!(
                    "Bonjour,\n\n{} n'a pas encore été notifié de l'incident {} ({}) ; {state} ({} h prévues à son contrat).\n{}/admin/problemes/{}\n",
                    c.tenant_name, p.reference, p.title, c.notice_hours, ctx.base_url, p.id
                ),
                now,
            )
            .await?;
            if ctx.store.mark_notice_reminded(p.id, c.tenant).await? {
                sent += 1;
            }
        }
        let updates = ctx.store.problem_updates(p.id).await?;
        let Some(due) = clocks(rules, &p, &clients, &updates, now).update_due else {
            continue;
        };
        if now < due || p.reminded_for.is_some_and(|r| r >= due) {
            continue;
        }
        crate::mail_each(
            ctx,
            None,
            admins.clone(),
            &format!("{} : point de situation dû aux clients", p.reference),
            &format!(
                "Bonjour,\n\nLes clients touchés par l'incident {} ({}) attendent un point de situation depuis le {}.\n{}/admin/problemes/{}\n",
                p.reference,
                p.title,
                paris(due),
                ctx.base_url,
                p.id
            ),
            now,
        )
        .await?;
        if ctx.store.mark_problem_reminded(p.id, due).await? {
            sent += 1;
        }
    }
    Ok(sent)
}
