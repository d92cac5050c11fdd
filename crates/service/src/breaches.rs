//! The incident and breach register at work (C17–C20): a declaration by
//! anyone with an account or recorded by an agent, the DPO's
//! qualification, notification to the CNIL in phases (each kept as sent),
//! the decision to inform the people with a draft message, and the
//! reminders that make the 72 hours impossible to miss.

use jiff::Timestamp;
use vigie_domain::{
    breach::{
        CnilClock, Facts, IncidentStatus, InformDecision, Intake, PhaseKind, REMINDER_HOURS,
        check_awareness, hours_and_minutes,
    },
    role::Role,
    scope::TenantScope,
};
use vigie_store::{Incident, NewIncident, Phase};

use crate::{Ctx, Result, ServiceError, invalid};

/// The `updated_at` of a change to `i`: now, and always after the one read,
/// so that a save over it is seen (the store compares them).
fn next_version(i: &Incident, now: Timestamp) -> Timestamp {
    now.max(i.updated_at + jiff::SignedDuration::from_micros(1))
}

/// What someone declares: short on purpose (C19).
#[derive(Debug, Clone)]
pub struct Declaration {
    pub title: String,
    pub description: String,
    /// When it was noticed: the clock's start.
    pub aware_at: Timestamp,
    pub intake: Intake,
    pub declared_by: String,
}

/// A trimmed text field of at most `max` characters.
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(invalid(field, format!("at most {max} characters")));
    }
    Ok(v.to_owned())
}

/// Records an incident; its clock starts at `aware_at`.
pub async fn declare(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    d: &Declaration,
    now: Timestamp,
) -> Result<Incident> {
    let title = text("title", &d.title, 200)?;
    if title.is_empty() {
        return Err(invalid("title", "say in a few words what happened"));
    }
    let description = text("description", &d.description, 10_000)?;
    check_awareness(d.aware_at, now).map_err(|e| invalid(e.field, e.message))?;
    let i = ctx
        .store
        .create_incident(
            scope,
            &NewIncident {
                title,
                description,
                intake: d.intake,
                declared_by: d.declared_by.clone(),
                aware_at: d.aware_at,
                at: now,
                facts: Default::default(),
            },
        )
        .await?;
    tell_dpos(ctx, scope, &i, now).await?;
    Ok(i)
}

/// The DPO's qualification (C18): the facts as known, and the moment of
/// awareness if it was noticed earlier than declared. An incident that
/// is not a breach stays, with the reason (C17).
pub async fn qualify(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    i: &Incident,
    facts: Facts,
    aware_at: Timestamp,
    now: Timestamp,
) -> Result<Incident> {
    let mut wrong: Vec<(&'static str, String)> = facts
        .check(now)
        .into_iter()
        .map(|e| (e.field, e.message.to_owned()))
        .collect();
    if let Err(e) = check_awareness(aware_at, now) {
        wrong.push((e.field, e.message.to_owned()));
    }
    // Compared as stored, to the microsecond.
    if i.notified_at.is_some() && aware_at.as_microsecond() != i.aware_at.as_microsecond() {
        wrong.push((
            "aware_at",
            "the CNIL was notified with this moment of awareness: it stays".to_owned(),
        ));
    }
    if i.notified_at.is_some() && facts.is_breach == Some(false) {
        wrong.push((
            "is_breach",
            "a notified breach stays a breach: close it with the CNIL's answer".to_owned(),
        ));
    }
    if !wrong.is_empty() {
        return Err(ServiceError::Fields(wrong));
    }
    let mut next = i.clone();
    next.facts = facts;
    next.aware_at = aware_at;
    if next.status == IncidentStatus::Declared {
        next.status = IncidentStatus::Qualified;
    }
    next.updated_at = next_version(i, now);
    ctx.store.save_incident(scope, &next, i.updated_at).await?;
    Ok(next)
}

/// Sends a notification phase (C18): kept as sent, never changed. A
/// complete notification needs every section; an initial one at least the
/// nature of the breach. The first after 72 hours needs the reasons for
/// the delay (Art. 33.1).
pub async fn notify(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    i: &Incident,
    kind: PhaseKind,
    late_reason: &str,
    actor: &str,
    now: Timestamp,
) -> Result<Phase> {
    if i.facts.is_breach != Some(true) {
        return Err(invalid(
            "is_breach",
            "qualify it as a personal-data breach before notifying",
        ));
    }
    let missing = i.facts.missing_for_notification();
    if kind == PhaseKind::Complete && !missing.is_empty() {
        return Err(ServiceError::Fields(
            missing
                .into_iter()
                .map(|f| (f, "needed in a complete notification".to_owned()))
                .collect(),
        ));
    }
    if i.facts.criteria.is_empty() {
        return Err(invalid(
            "criteria",
            "say what the breach touched (availability, integrity, confidentiality)",
        ));
    }
    let first = i.notified_at.is_none();
    if !first && kind == PhaseKind::Initial {
        return Err(invalid("kind", "the initial notification was sent already"));
    }
    let late = first
        && CnilClock {
            awareness: i.aware_at,
        }
        .is_late(now);
    let late_reason = text("late_reason", late_reason, 5000)?;
    if late && late_reason.is_empty() {
        return Err(invalid(
            "late_reason",
            "more than 72 hours passed: give the reasons for the delay (Art. 33.1)",
        ));
    }
    let mut next = i.clone();
    next.status = IncidentStatus::Notified;
    if first {
        next.notified_at = Some(now);
        next.late_reason.clone_from(&late_reason);
    }
    next.updated_at = next_version(i, now);
    let phase = Phase {
        n: 0,
        kind,
        facts: i.facts.clone(),
        late_reason,
        sent_at: now,
        sent_by: actor.to_owned(),
    };
    Ok(ctx
        .store
        .add_phase(scope, &next, i.updated_at, &phase)
        .await?)
}

/// The decision on informing the people (C20), with its reasoning.
pub async fn decide_inform(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    i: &Incident,
    decision: InformDecision,
    reasoning: &str,
    now: Timestamp,
) -> Result<Incident> {
    let reasoning = text("inform_reasoning", reasoning, 5000)?;
    if reasoning.is_empty() {
        return Err(invalid(
            "inform_reasoning",
            "give the reasoning: the risk to the people, or the Art. 34.3 exemption",
        ));
    }
    let mut next = i.clone();
    next.inform = Some(decision);
    next.inform_reasoning = reasoning;
    next.updated_at = next_version(i, now);
    ctx.store.save_incident(scope, &next, i.updated_at).await?;
    Ok(next)
}

/// Closes an incident (its record stays).
pub async fn close(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    i: &Incident,
    now: Timestamp,
) -> Result<Incident> {
    if i.facts.is_breach.is_none() {
        return Err(invalid("is_breach", "qualify it before closing it"));
    }
    let mut next = i.clone();
    next.status = IncidentStatus::Closed;
    next.updated_at = next_version(i, now);
    ctx.store.save_incident(scope, &next, i.updated_at).await?;
    Ok(next)
}

/// A message to the people concerned, in plain French, from the facts
/// (Art. 34.2: the nature, the DPO's contact, the likely consequences,
/// the measures) — a draft the DPO edits.
pub fn draft_message(i: &Incident, organisation: &str) -> String {
    let f = &i.facts;
    let or_unknown = |s: &str| {
        if s.trim().is_empty() {
            "[à compléter]".to_owned()
        } else {
            s.trim().to_owned()
        }
    };
    format!(
        "Madame, Monsieur,\n\n{organisation} a constaté un incident de sécurité touchant des données personnelles vous concernant : {title}.\n\n\
         Ce qui s'est passé : {what}\n\n\
         Conséquences possibles pour vous : {consequences}\n\n\
         Ce que nous avons fait : {taken}\n\n\
         Ce que nous vous conseillons : {proposed}\n\n\
         Pour toute question, notre délégué à la protection des données : {dpo}\n\n\
         Vous pouvez aussi adresser une réclamation à la CNIL (www.cnil.fr).\n",
        title = i.title,
        what = or_unknown(&i.description),
        consequences = or_unknown(&f.consequences),
        taken = or_unknown(&f.measures_taken),
        proposed = or_unknown(&f.measures_proposed),
        dpo = or_unknown(&f.dpo_contact),
    )
}

/// Emails the DPOs of each tenant whose breach clock passed 24, 48 or 60
/// hours since the last reminder; returns how many reminders went.
/// Queued before being counted: a crash in between sends one twice, never
/// none.
pub async fn remind(ctx: Ctx<'_>, now: Timestamp) -> Result<usize> {
    let mut sent = 0;
    for i in ctx.store.running_clocks(None).await? {
        let clock = CnilClock {
            awareness: i.aware_at,
        };
        let due = i64::try_from(clock.reminders_due(now)).unwrap_or(i64::MAX);
        if due <= i.reminders_sent {
            continue;
        }
        let hours = REMINDER_HOURS
            .get(usize::try_from(due - 1).unwrap_or(0))
            .copied()
            .unwrap_or(72);
        let left = clock.left(now);
        let state = if left.is_negative() {
            format!("le délai est dépassé de {}", hours_and_minutes(left))
        } else {
            format!("il reste {}", hours_and_minutes(left))
        };
        crate::mail_members(
            ctx,
            i.tenant,
            &[Role::Dpo],
            &format!("Violation {} : {hours} h écoulées, notification CNIL", i.reference),
            &format!(
                "Bonjour,\n\nLa violation {} ({}) a été connue il y a plus de {hours} heures ; {state} pour notifier la CNIL (article 33 du RGPD).\n",
                i.reference, i.title
            ),
            now,
        )
        .await?;
        if ctx.store.mark_reminded(i.id, due).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Title of the incident Vigie opens itself when the access trail fails
/// verification.
pub const TRAIL_ALTERED: &str = "Journal des accès altéré ou tronqué";

/// The access trail failed verification (CNIL recommendation on logging:
/// alert on modification): Vigie opens an integrity incident in every
/// tenant — the trail is each one's evidence — unless one is still open
/// there, and emails the provider's administrators. Returns how many
/// incidents it opened.
pub async fn trail_altered(ctx: Ctx<'_>, reason: &str, now: Timestamp) -> Result<usize> {
    use vigie_domain::page::Page;
    let mut opened = 0;
    for n in 1.. {
        let tenants = ctx
            .store
            .list_tenants("", Page::new(Some(n), Some(200)))
            .await?;
        for t in &tenants.items {
            let scope = TenantScope::of_system(t.id);
            let open = ctx
                .store
                .incidents(&scope, TRAIL_ALTERED, Page::new(Some(1), Some(50)))
                .await?
                .items
                .into_iter()
                .any(|i| i.intake == Intake::Vigie && i.status != IncidentStatus::Closed);
            if open {
                continue;
            }
            let d = Declaration {
                title: TRAIL_ALTERED.to_owned(),
                description: format!(
                    "La vérification du journal des accès a échoué : {reason}\nLes enregistrements concernés ne prouvent plus qui a accédé à quoi ; une altération volontaire est possible."
                ),
                aware_at: now,
                intake: Intake::Vigie,
                declared_by: "Vigie".to_owned(),
            };
            declare(ctx, &scope, &d, now).await?;
            opened += 1;
        }
        if !tenants.has_next() {
            break;
        }
    }
    let admins = crate::provider_admins(ctx).await?;
    crate::mail_each(
        ctx,
        None,
        admins,
        "ALERTE : journal des accès altéré",
        &format!(
            "Bonjour,\n\nLa vérification du journal des accès de Vigie a échoué : {reason}\n\n{opened} incident(s) d'intégrité ouvert(s) chez les clients. Lancez `vigie audit verify` pour le détail.\n"
        ),
        now,
    )
    .await?;
    Ok(opened)
}

/// A declaration by a partner or sub-processor, without an account (C19).
#[derive(Debug, Clone)]
pub struct PartnerDeclaration {
    pub name: String,
    pub organisation: String,
    pub email: vigie_domain::account::Email,
    pub title: String,
    pub description: String,
    pub aware_at: Timestamp,
}

/// Keeps the declaration — to a tenant, or with `None` to the provider
/// itself — and emails its author a code; it reaches the register only
/// once the code is entered. Returns the token of the author's link.
pub async fn submit_declaration(
    ctx: Ctx<'_>,
    tenant: Option<&vigie_store::Tenant>,
    d: &PartnerDeclaration,
    now: Timestamp,
) -> Result<String> {
    let title = text("title", &d.title, 200)?;
    if title.is_empty() {
        return Err(invalid("title", "say in a few words what happened"));
    }
    let name = text("name", &d.name, 200)?;
    if name.is_empty() {
        return Err(invalid("name", "your name"));
    }
    let organisation = text("organisation", &d.organisation, 200)?;
    let description = text("description", &d.description, 10_000)?;
    check_awareness(d.aware_at, now).map_err(|e| invalid(e.field, e.message))?;
    let token = crate::random_token();
    let code = crate::rights::six_digits();
    let token_hash = crate::token_hash(&token);
    ctx.store
        .create_declaration(
            &token_hash,
            &vigie_store::PendingDeclaration {
                tenant: tenant.map(|t| t.id),
                code_hash: crate::rights::code_hash(&token_hash, &code),
                code_expires: now + crate::rights::CODE_VALIDITY,
                attempts: 0,
                title,
                description,
                declared_by: if organisation.is_empty() {
                    name
                } else {
                    format!("{name} ({organisation})")
                },
                email: d.email.as_str().to_owned(),
                aware_at: d.aware_at,
                created_at: now,
            },
        )
        .await?;
    let (to_whom, link) = match tenant {
        Some(t) => (
            t.name.as_str().to_owned(),
            format!("{}/p/{}/incident/{token}", ctx.base_url, t.slug.as_str()),
        ),
        None => (
            "prestataire".to_owned(),
            format!("{}/prestataire/incident/{token}", ctx.base_url),
        ),
    };
    ctx.store
        .queue_message(
            &vigie_store::NewMessage {
                tenant: tenant.map(|t| t.id),
                to: d.email.clone(),
                subject: format!("Code de confirmation — déclaration d'incident ({to_whom})"),
                body: format!(
                    "Bonjour,\n\nVotre code de confirmation est : {code}\nIl est valable 30 minutes. Saisissez-le sur la page :\n{link}\n\nSi vous n'êtes pas à l'origine de cette déclaration, ignorez ce message.\n"
                ),
            },
            now,
        )
        .await?;
    Ok(token)
}

/// The author enters the code: the declaration becomes an incident, its
/// clock from the awareness they gave, and the DPOs are told (the
/// provider's administrators for one declared to the provider).
pub async fn confirm_declaration(
    ctx: Ctx<'_>,
    token: &str,
    code: &str,
    now: Timestamp,
) -> Result<vigie_store::Declared> {
    let token_hash = crate::token_hash(token);
    let d = ctx.store.declaration(&token_hash).await?;
    if d.attempts >= crate::rights::CODE_TRIES {
        return Err(ServiceError::TooManyTries);
    }
    if d.code_expires < now {
        return Err(ServiceError::CodeExpired);
    }
    if crate::rights::code_hash(&token_hash, code) != d.code_hash {
        let tried = ctx.store.declaration_attempt(&token_hash).await?;
        return Err(ServiceError::WrongCode {
            left: (crate::rights::CODE_TRIES - tried).max(0),
        });
    }
    let declared = ctx.store.confirm_declaration(&token_hash, now).await?;
    match &declared {
        vigie_store::Declared::Incident(i) => {
            tell_dpos(ctx, &TenantScope::of_system(i.tenant), i, now).await?;
        }
        vigie_store::Declared::Problem(p) => crate::problems::tell_admins_of(ctx, p, now).await?,
    }
    Ok(declared)
}

/// Tells the tenant's DPOs of a new incident and of the CNIL deadline.
async fn tell_dpos(ctx: Ctx<'_>, scope: &TenantScope, i: &Incident, now: Timestamp) -> Result<()> {
    crate::mail_members(
        ctx,
        scope.tenant(),
        &[Role::Dpo],
        &format!("Incident déclaré : {} — {}", i.reference, i.title),
        &format!(
            "Bonjour,\n\n{} a déclaré un incident : {}\n\nSi des données personnelles sont en cause, la CNIL doit être notifiée avant le {} (72 heures après la prise de connaissance).\n",
            i.declared_by,
            i.title,
            CnilClock { awareness: i.aware_at }
                .deadline()
                .to_zoned(vigie_domain::time::legal_zone())
                .strftime("%d/%m/%Y à %H:%M (heure de Paris)")
        ),
        now,
    )
    .await?;
    Ok(())
}
