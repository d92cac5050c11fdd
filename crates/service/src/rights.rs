//! A rights request from intake to closure (C11–C16): the public form and
//! its one-time code, the agent's record of a letter, verification, the
//! legal clock and its extension, approval into one task per connected
//! system, the tasks' execution, the answer with its download link,
//! forwarding by the provider (C14), and reminders. Every step is a
//! transition of `vigie_domain::rights::Step`, saved only if nobody moved
//! the request meanwhile, with its line in the timeline.

use jiff::{SignedDuration, Timestamp, civil::Date};
use vigie_connect::{Action, ExecError, Outcome, Plan, Subject, execute, parse_dataset};
use vigie_domain::{
    SystemId, TenantId,
    account::Email,
    audit::{Actor, AuditEvent, Outcome as AuditOutcome},
    dataset::IdentityKind,
    identities::{Identities, IdentityProof},
    jobs::JobKind,
    rights::{
        AnswerBy, Channel, Contact, Intake, RequestKind, RequestStatus, Step, Verification,
        deadline, may_extend,
    },
    role::Role,
    scope::TenantScope,
    time::{legal_date, legal_zone},
};
use vigie_store::{
    NewMessage, RequestEvent, RightsRequest, StoreError, TaskState, Tenant, vault::Purpose,
};

use crate::{
    Ctx, Result, ServiceError, invalid, random_token, systems::url_of, targets, token_hash,
};

/// How long the emailed code is valid, and how many tries it allows.
pub const CODE_VALIDITY: SignedDuration = SignedDuration::from_mins(30);
pub const CODE_TRIES: i64 = 5;
/// How long a download link works.
pub const DOWNLOAD_VALIDITY: SignedDuration = SignedDuration::from_hours(24 * 7);

/// Who acts, as the timeline names them.
pub const PERSON: &str = "demandeur";
pub const SYSTEM: &str = "système";

/// What a person (or an agent recording a letter) asks.
#[derive(Debug, Clone)]
pub struct RequestInput {
    pub kind: RequestKind,
    pub name: String,
    /// Required on the public form; a letter may come without one.
    pub email: Option<Email>,
    pub phone: String,
    pub details: String,
    pub channels: Vec<Channel>,
    pub rectifications: Vec<(String, String)>,
    /// A postal address, a representative, how the answer goes.
    pub contact: Contact,
}

impl RequestInput {
    /// The rules of the form, whoever fills it.
    pub fn check(&self) -> Result<()> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("name", "a name of 1 to 200 characters"));
        }
        if self.details.chars().count() > 5000 {
            return Err(invalid("details", "at most 5,000 characters"));
        }
        let digits = self.phone.chars().filter(char::is_ascii_digit).count();
        if !self.phone.trim().is_empty() && !(8..=15).contains(&digits) {
            return Err(invalid("phone", "a phone number of 8 to 15 digits"));
        }
        self.contact
            .clone()
            .checked(self.email.is_some())
            .map_err(|p| invalid(p.field(), p.to_string()))?;
        if self.kind == RequestKind::Objection
            && self.channels.is_empty()
            && self.details.trim().is_empty()
        {
            return Err(invalid(
                "channels",
                "choose the channels you object to, or say what you object to",
            ));
        }
        if self.kind == RequestKind::Rectification
            && self.rectifications.is_empty()
            && self.details.trim().is_empty()
        {
            return Err(invalid(
                "details",
                "say what is wrong and what it should be",
            ));
        }
        Ok(())
    }

    /// What the person gave, none of it proven yet (C12).
    fn identities(&self) -> Identities {
        let mut ids = Identities::default();
        if let Some(e) = &self.email {
            ids.add(IdentityKind::Email, e.as_str());
        }
        ids.add(IdentityKind::Phone, &self.phone);
        ids
    }
}

fn event(actor: &str, step: &str, detail: impl Into<Said>, at: Timestamp) -> RequestEvent {
    let detail = detail.into();
    RequestEvent {
        at,
        actor: actor.to_owned(),
        step: step.to_owned(),
        detail: detail.fr,
        detail_en: detail.en,
    }
}

/// A timeline line: in French and English when Vigie writes it, as typed
/// (and then empty in English) when a person does (issue 18).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Said {
    pub fr: String,
    pub en: String,
}

/// Kinds of identifier as people name them: (French, English) lists.
fn kinds_in_words(kinds: &[IdentityKind]) -> (String, String) {
    let fr: Vec<&str> = kinds.iter().map(|k| k.words().0).collect();
    let en: Vec<&str> = kinds.iter().map(|k| k.words().1).collect();
    (fr.join(", "), en.join(", "))
}

/// A line Vigie writes, in both languages.
fn said(fr: impl Into<String>, en: impl Into<String>) -> Said {
    Said {
        fr: fr.into(),
        en: en.into(),
    }
}

impl From<&str> for Said {
    /// What a person typed: one language, theirs.
    fn from(typed: &str) -> Said {
        Said {
            fr: typed.to_owned(),
            en: String::new(),
        }
    }
}

impl From<String> for Said {
    fn from(typed: String) -> Said {
        Said {
            fr: typed,
            en: String::new(),
        }
    }
}

pub(crate) fn six_digits() -> String {
    let mut b = [0u8; 4];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut b).expect("the operating system must provide randomness");
    format!("{:06}", u32::from_le_bytes(b) % 1_000_000)
}

/// The code's hash is salted with the request's own token, so equal codes
/// of two requests do not share a hash.
pub(crate) fn code_hash(public_token_hash: &str, code: &str) -> String {
    token_hash(&format!("{public_token_hash}:{}", code.trim()))
}

fn blank(tenant: TenantId, input: &RequestInput, intake: Intake, now: Timestamp) -> RightsRequest {
    RightsRequest {
        id: vigie_domain::RequestId(0),
        tenant,
        reference: String::new(),
        kind: input.kind,
        intake,
        status: RequestStatus::AwaitingEmailCheck,
        subject_name: input.name.trim().to_owned(),
        subject_email: input
            .email
            .as_ref()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default(),
        identities: input.identities(),
        details: input.details.trim().to_owned(),
        channels: input.channels.clone(),
        rectifications: input.rectifications.clone(),
        received_at: None,
        due_on: None,
        extended: false,
        extension_reason: String::new(),
        verification: None,
        code_hash: None,
        code_expires: None,
        code_attempts: 0,
        public_token_hash: String::new(),
        forwarded_to: None,
        forwarded_from: None,
        answer: String::new(),
        // Checked by `RequestInput::check`, trimmed here.
        contact: input
            .contact
            .clone()
            .checked(input.email.is_some())
            .unwrap_or_default(),
        created_at: now,
        updated_at: now,
    }
}

async fn mail(ctx: Ctx<'_>, r: &RightsRequest, subject: &str, body: String) -> Result<()> {
    let Ok(to) = Email::parse(&r.subject_email) else {
        return Ok(());
    };
    ctx.store
        .queue_message(
            &NewMessage {
                tenant: Some(r.tenant),
                to,
                subject: format!("[{}] {subject}", r.reference),
                body,
            },
            Timestamp::now(),
        )
        .await?;
    Ok(())
}

fn status_link(ctx: Ctx<'_>, tenant: &Tenant, token: &str) -> String {
    format!(
        "{}/p/{}/demande/{token}",
        ctx.base_url,
        tenant.slug.as_str()
    )
}

/// The public form (C11): stores the request as awaiting the email check
/// and sends the code. Returns the request and the token of the person's
/// link (never stored in clear).
pub async fn submit(
    ctx: Ctx<'_>,
    tenant: &Tenant,
    input: &RequestInput,
    now: Timestamp,
) -> Result<(RightsRequest, String)> {
    input.check()?;
    if input.email.is_none() {
        return Err(invalid("email", "the address the code is sent to"));
    }
    let token = random_token();
    let code = six_digits();
    let mut r = blank(tenant.id, input, Intake::WebForm, now);
    r.public_token_hash = token_hash(&token);
    r.code_hash = Some(code_hash(&r.public_token_hash, &code));
    r.code_expires = Some(now + CODE_VALIDITY);
    let r = ctx
        .store
        .create_request(
            &r,
            &event(
                PERSON,
                "submitted",
                said("formulaire public", "public form"),
                now,
            ),
        )
        .await?;
    mail(
        ctx,
        &r,
        &format!("{} — code de confirmation / confirmation code", tenant.name.as_str()),
        format!(
            "Bonjour,\n\nVous avez déposé une demande relative à vos données auprès de {org}.\n\
             Votre code de confirmation est : {code}\nIl est valable 30 minutes. Saisissez-le sur la page :\n{link}\n\n\
             Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\n---\n\n\
             You made a request about your data to {org}.\n\
             Your confirmation code is: {code}\nIt is valid for 30 minutes. Enter it on:\n{link}\n",
            org = tenant.name.as_str(),
            link = status_link(ctx, tenant, &token)
        ),
    )
    .await?;
    Ok((r, token))
}

/// Moves `r` by `step`, applying `change`, if nobody moved it meanwhile;
/// creates one task per system in `tasks`.
#[allow(clippy::too_many_arguments)] // one call per step: a struct would only rename them
async fn transition(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    step: Step,
    actor: &str,
    detail: impl Into<Said>,
    now: Timestamp,
    tasks: &[SystemId],
    change: impl FnOnce(&mut RightsRequest),
) -> Result<(RightsRequest, Vec<i64>)> {
    let mut next = r.clone();
    next.status = step.apply(r.status)?;
    next.updated_at = now;
    change(&mut next);
    let ids = ctx
        .store
        .save_request(
            &next,
            r.status,
            &event(actor, step.as_str(), detail, now),
            tasks,
        )
        .await?;
    Ok((next, ids))
}

/// The person enters the emailed code: the request is received, the clock
/// starts (C13).
pub async fn confirm(
    ctx: Ctx<'_>,
    token: &str,
    code: &str,
    now: Timestamp,
) -> Result<RightsRequest> {
    let r = ctx
        .store
        .request_by_public_token(&token_hash(token))
        .await?;
    if r.status != RequestStatus::AwaitingEmailCheck {
        return Ok(r);
    }
    if r.code_attempts >= CODE_TRIES {
        return Err(ServiceError::TooManyTries);
    }
    if r.code_expires.is_none_or(|e| e < now) {
        return Err(ServiceError::CodeExpired);
    }
    let ok = r.code_hash.as_deref() == Some(code_hash(&r.public_token_hash, code).as_str());
    if !ok {
        let mut tried = r.clone();
        tried.code_attempts += 1;
        tried.updated_at = now;
        ctx.store
            .save_request(&tried, r.status, &event(PERSON, "", "", now), &[])
            .await?;
        return Err(ServiceError::WrongCode {
            left: CODE_TRIES - tried.code_attempts,
        });
    }
    let calendar = ctx
        .store
        .calendar(&TenantScope::of_system(r.tenant))
        .await?;
    let (r, _) = transition(
        ctx,
        &r,
        Step::ConfirmEmail,
        PERSON,
        said(
            "adresse électronique confirmée par code",
            "email address confirmed by code",
        ),
        now,
        &[],
        |n| {
            n.received_at = Some(now);
            n.due_on = Some(deadline(now, calendar, false));
            n.code_hash = None;
            n.code_expires = None;
            // The code proves this address, and nothing else (C12).
            let proof = IdentityProof {
                method: Verification::EmailCode,
                by: PERSON.to_owned(),
                at: now,
            };
            let email = n.subject_email.clone();
            n.identities.prove(IdentityKind::Email, &email, proof);
        },
    )
    .await?;
    acknowledge(ctx, &r, token).await?;
    Ok(r)
}

/// The right a request exercises, as the person's mail names it
/// (French, English).
fn right_names(kind: RequestKind) -> (&'static str, &'static str) {
    match kind {
        RequestKind::Access => ("droit d'accès", "right of access"),
        RequestKind::Rectification => ("droit de rectification", "right to rectification"),
        RequestKind::Erasure => ("droit à l'effacement", "right to erasure"),
        RequestKind::Restriction => ("droit à la limitation", "right to restriction"),
        RequestKind::Portability => ("droit à la portabilité", "right to data portability"),
        RequestKind::Objection => ("droit d'opposition", "right to object"),
        RequestKind::PostMortem => (
            "directives relatives à vos données après votre décès",
            "directives on your data after death",
        ),
    }
}

/// A day as a mail writes it (`05/01/2027`).
fn day(d: Option<Date>) -> String {
    d.map(|d| d.strftime("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// The acknowledgement of receipt (issue 18): who received what, when,
/// the time limit, the link to follow it, and the CNIL.
async fn acknowledge(ctx: Ctx<'_>, r: &RightsRequest, token: &str) -> Result<()> {
    let tenant = ctx.store.tenant(r.tenant).await?;
    let org = tenant.name.as_str();
    let (fr, en) = right_names(r.kind);
    let received = day(r.received_at.map(legal_date));
    let due = day(r.due_on);
    let link = status_link(ctx, &tenant, token);
    mail(
        ctx,
        r,
        &format!("Accusé de réception — {org} / Acknowledgement of receipt"),
        format!(
            "Bonjour,\n\n{org} a bien reçu le {received} votre demande {reference} ({fr}).\n             Elle recevra une réponse au plus tard le {due}. Ce délai d'un mois peut être prolongé de deux mois \
             si la demande est complexe : vous en seriez informé(e) avant le {due}, avec le motif.\n             Suivre votre demande : {link}\n\n             Si la réponse ne vous satisfait pas, vous pouvez adresser une réclamation à la CNIL : https://www.cnil.fr/plaintes\n\n---\n\n             {org} received your request {reference} ({en}) on {received}.\n             It will be answered by {due} at the latest; this month may be extended by two months for a complex request, \
             in which case you would be told why before {due}.\n             Follow your request: {link}\n\n             If the answer does not satisfy you, you may lodge a complaint with the CNIL: https://www.cnil.fr/plaintes\n",
            reference = r.reference,
        ),
    )
    .await
}

/// An agent records a request received by letter or email, with its date
/// of receipt (C11); the clock runs from that date.
pub async fn record(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    actor: &str,
    input: &RequestInput,
    intake: Intake,
    received_on: Date,
    now: Timestamp,
) -> Result<RightsRequest> {
    input.check()?;
    let today = legal_date(now);
    if received_on > today {
        return Err(invalid(
            "received_on",
            "the date of receipt cannot be in the future",
        ));
    }
    let received = received_on
        .to_zoned(legal_zone())
        .map_err(|e| invalid("received_on", e.to_string()))?
        .timestamp();
    let calendar = ctx.store.calendar(scope).await?;
    let mut r = blank(scope.tenant(), input, intake, now);
    r.status = RequestStatus::Received;
    r.received_at = Some(received);
    r.due_on = Some(deadline(received, calendar, false));
    r.public_token_hash = token_hash(&random_token());
    let (how, how_en) = match intake {
        Intake::Letter => ("courrier", "letter"),
        Intake::Email => ("courriel", "email"),
        _ => ("saisie", "entry"),
    };
    Ok(ctx
        .store
        .create_request(
            &r,
            &event(
                actor,
                "received",
                said(
                    format!("{how} reçu le {received_on}"),
                    format!("{how_en} received on {received_on}"),
                ),
                now,
            ),
        )
        .await?)
}

/// What an agent checked (C12), identifier by identifier.
#[derive(Debug, Clone, Default)]
pub struct IdentityCheck {
    /// The request's identifiers the agent proved the person's.
    pub proven: Vec<(IdentityKind, String)>,
    /// Identifiers the agent adds (an account number read on a letter):
    /// the agent vouches for them.
    pub added: Vec<(IdentityKind, String)>,
}

impl IdentityCheck {
    /// Every identifier of `r`: the agent saw them all (at the desk, on a
    /// document that shows them).
    pub fn all(r: &RightsRequest) -> Self {
        IdentityCheck {
            proven: r
                .identities
                .iter()
                .map(|i| (i.kind, i.value.clone()))
                .collect(),
            added: vec![],
        }
    }
}

/// An identifier is searched for only where a dataset declares its kind
/// (C27): anything else would be an identity no system can check.
async fn check_declared(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    added: &[(IdentityKind, String)],
) -> Result<()> {
    if added.is_empty() {
        return Ok(());
    }
    let mut declared = std::collections::BTreeSet::new();
    for s in ctx
        .store
        .all_systems(&TenantScope::of_system(r.tenant))
        .await?
    {
        if let Ok(d) = parse_dataset(&s.dataset) {
            declared.extend(
                d.tables
                    .iter()
                    .flat_map(|t| t.columns.iter().filter_map(|c| c.identity)),
            );
        }
    }
    match added.iter().find(|(k, _)| !declared.contains(k)) {
        Some((k, _)) => Err(invalid(
            "identities",
            format!(
                "no connected system identifies people by « {} »: declare it in a dataset first",
                k.words().1
            ),
        )),
        None => Ok(()),
    }
}

/// Applies an agent's check to `n`; says which identifiers it proved.
fn apply_check(
    n: &mut RightsRequest,
    method: Verification,
    check: IdentityCheck,
    actor: &str,
    now: Timestamp,
) -> Vec<IdentityKind> {
    let proof = IdentityProof {
        method,
        by: actor.to_owned(),
        at: now,
    };
    let mut said = Vec::new();
    for (k, v) in check.proven.into_iter().chain(check.added) {
        let before = n.identities.proven().len();
        n.identities.prove(k, &v, proof.clone());
        if n.identities.proven().len() > before {
            said.push(k);
        }
    }
    said
}

/// The agent records how identity was checked (C12), which of the
/// request's identifiers they proved, and any they add.
pub async fn verify(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    method: Verification,
    check: IdentityCheck,
    actor: &str,
    now: Timestamp,
) -> Result<RightsRequest> {
    check_declared(ctx, r, &check.added).await?;
    let mut preview = r.clone();
    let proved = apply_check(&mut preview, method, check.clone(), actor, now);
    // The method is the request's own field, shown beside; here, what it proved.
    let (fr, en) = kinds_in_words(&proved);
    let detail = if proved.is_empty() {
        said("identité vérifiée", "identity verified")
    } else {
        said(
            format!("identité vérifiée ; identifiants prouvés : {fr}"),
            format!("identity verified; identifiers proven: {en}"),
        )
    };
    let (r, _) = transition(ctx, r, Step::Verify, actor, detail, now, &[], |n| {
        n.verification = Some(method);
        apply_check(n, method, check, actor, now);
    })
    .await?;
    Ok(r)
}

/// After verification, the agent proves identifiers found on the way (on
/// the person's rows, or given unproven on the form), one by one (C12).
pub async fn check_identities(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    method: Verification,
    check: IdentityCheck,
    actor: &str,
    now: Timestamp,
) -> Result<RightsRequest> {
    if !matches!(
        r.status,
        RequestStatus::Received | RequestStatus::AwaitingInformation | RequestStatus::Verified
    ) {
        return Err(invalid(
            "identities",
            "identifiers are checked before the request is approved",
        ));
    }
    check_declared(ctx, r, &check.added).await?;
    let mut next = r.clone();
    let proved = apply_check(&mut next, method, check, actor, now);
    if proved.is_empty() {
        return Err(invalid("identities", "tick the identifiers you checked"));
    }
    next.updated_at = now;
    let (fr, en) = kinds_in_words(&proved);
    let detail = said(
        format!("identifiants prouvés : {fr}"),
        format!("identifiers proven: {en}"),
    );
    ctx.store
        .save_request(
            &next,
            r.status,
            &event(actor, "identities_checked", detail, now),
            &[],
        )
        .await?;
    Ok(next)
}

/// Identifiers a system found on the person's rows join the request,
/// unproven, for an agent to check (C12). Retried when another task moved
/// the request meanwhile.
async fn remember_found(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    found: &[(IdentityKind, String)],
    system: &str,
) -> Result<()> {
    for _ in 0..3 {
        let fresh = ctx
            .store
            .request(&TenantScope::of_system(r.tenant), r.id)
            .await?;
        let mut next = fresh.clone();
        let added: Vec<IdentityKind> = found
            .iter()
            .filter(|(k, v)| next.identities.add(*k, v))
            .map(|(k, _)| *k)
            .collect();
        if added.is_empty() {
            return Ok(());
        }
        let (fr, en) = kinds_in_words(&added);
        let detail = said(
            format!(
                "{system} : identifiants trouvés sur les lignes de la personne, à vérifier : {fr}"
            ),
            format!("{system}: identifiers found on the person's rows, to check: {en}"),
        );
        match ctx
            .store
            .save_request(
                &next,
                fresh.status,
                &event(SYSTEM, "identities_found", detail, Timestamp::now()),
                &[],
            )
            .await
        {
            Err(StoreError::Conflict(_)) => continue,
            other => return Ok(other.map(drop)?),
        }
    }
    Ok(())
}

/// Asks the person for what is missing (C12), by email.
pub async fn ask_information(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    message: &str,
    actor: &str,
    now: Timestamp,
) -> Result<RightsRequest> {
    if message.trim().is_empty() {
        return Err(invalid("message", "say what you need from the person"));
    }
    let (next, _) = transition(
        ctx,
        r,
        Step::AskInformation,
        actor,
        message.trim(),
        now,
        &[],
        |_| {},
    )
    .await?;
    // A fresh link to the status page, where the person answers (the
    // first link stays valid; only its hash is kept).
    let token = random_token();
    ctx.store
        .add_request_link(
            &TenantScope::of_system(next.tenant),
            next.id,
            &token_hash(&token),
            now,
        )
        .await?;
    let tenant = ctx.store.tenant(next.tenant).await?;
    mail(
        ctx,
        &next,
        &format!("{} — information complémentaire / more information needed", tenant.name.as_str()),
        format!(
            "Bonjour,\n\nPour traiter votre demande, {org} a besoin de :\n\n{}\n\n\
             Répondez sur la page de votre demande (ou en répondant à ce message) :\n{link}\n\n---\n\n\
             To handle your request, {org} needs the information above. Answer on your request's page (or reply to this message):\n{link}\n",
            message.trim(),
            org = tenant.name.as_str(),
            link = status_link(ctx, &tenant, &token),
        ),
    )
    .await?;
    Ok(next)
}

/// The person's export, offered again on the status page (issue 18): a
/// fresh download link valid until the one the answer carried ends —
/// the status page never extends the export's life. `None` when the
/// request has no export or its time is over.
pub async fn status_download(
    ctx: Ctx<'_>,
    tenant: &Tenant,
    r: &RightsRequest,
    now: Timestamp,
) -> Result<Option<(String, Timestamp)>> {
    if !r.kind.exports() || !matches!(r.status, RequestStatus::Answered | RequestStatus::Closed) {
        return Ok(None);
    }
    let events = ctx
        .store
        .events(&TenantScope::of_system(r.tenant), r.id)
        .await?;
    let Some(answered) = events
        .iter()
        .filter(|e| e.step == Step::Answer.as_str())
        .map(|e| e.at)
        .max()
    else {
        return Ok(None);
    };
    let until = answered + DOWNLOAD_VALIDITY;
    // An export exists only if the execution gathered it.
    let executed = events
        .iter()
        .any(|e| e.step == Step::FinishExecution.as_str());
    if until <= now || !executed {
        return Ok(None);
    }
    let token = random_token();
    ctx.store
        .create_download(&token_hash(&token), r.tenant, r.id, until)
        .await?;
    Ok(Some((
        format!("/p/{}/export/{token}", tenant.slug.as_str()),
        until,
    )))
}

/// The longest answer a person gives on the status page.
const REPLY_MAX: usize = 5_000;

/// The person answers a question from the status page (issue 18): the
/// answer goes on the timeline and to the organisation's agents.
/// A document the person sends with a reply: its name and bytes.
pub type Sent = (String, Vec<u8>);

pub async fn reply(
    ctx: Ctx<'_>,
    token: &str,
    text: &str,
    files: Vec<Sent>,
    now: Timestamp,
) -> Result<RightsRequest> {
    let r = ctx
        .store
        .request_by_public_token(&token_hash(token))
        .await?;
    if r.status != RequestStatus::AwaitingInformation {
        return Err(invalid(
            "reply",
            "the request does not wait for an answer from you",
        ));
    }
    let text = text.trim();
    if (text.is_empty() && files.is_empty()) || text.chars().count() > REPLY_MAX {
        return Err(invalid("reply", "an answer of 1 to 5,000 characters"));
    }
    let mut docs = Vec::new();
    for (name, bytes) in files {
        let (name, kind, sha256) = crate::followup::read_document(&name, &bytes)?;
        docs.push(vigie_store::NewAttachment {
            name,
            kind,
            bytes,
            sha256,
        });
    }
    let mut detail = text.to_owned();
    if !docs.is_empty() {
        let names: Vec<&str> = docs.iter().map(|d| d.name.as_str()).collect();
        detail.push_str(&format!("\n[pièces jointes : {}]", names.join(", ")));
    }
    let scope = TenantScope::of_system(r.tenant);
    ctx.store
        .add_reply(
            &scope,
            r.id,
            &event(PERSON, "information_given", detail.trim(), now),
            &docs,
        )
        .await?;
    let tenant = ctx.store.tenant(r.tenant).await?;
    crate::mail_members(
        ctx,
        r.tenant,
        &[Role::Agent, Role::Dpo],
        &format!("[{}] La personne a répondu / The person answered", r.reference),
        &format!(
            "Bonjour,\n\nLa personne a répondu à votre demande d'information sur la demande {} :\n\n{}\n\n{}/t/{}/demandes/{}\n",
            r.reference,
            detail.trim(),
            ctx.base_url,
            tenant.slug.as_str(),
            r.id
        ),
        now,
    )
    .await?;
    Ok(r)
}

/// Extends the deadline by two months (Art. 12.3), with the reason sent to
/// the person; only within the first month (C13).
pub async fn extend(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    reason: &str,
    actor: &str,
    now: Timestamp,
) -> Result<RightsRequest> {
    if reason.trim().is_empty() {
        return Err(invalid(
            "reason",
            "the reason is told to the person: it is required",
        ));
    }
    if r.extended {
        return Err(invalid("reason", "the request is already extended"));
    }
    Step::Extend.apply(r.status)?;
    let received = r
        .received_at
        .ok_or_else(|| invalid("reason", "the request has no date of receipt"))?;
    let calendar = ctx
        .store
        .calendar(&TenantScope::of_system(r.tenant))
        .await?;
    let today = legal_date(now);
    if !may_extend(received, calendar, today) {
        return Err(ServiceError::TooLateToExtend(deadline(
            received, calendar, false,
        )));
    }
    let due = deadline(received, calendar, true);
    let (next, _) = transition(
        ctx,
        r,
        Step::Extend,
        actor,
        said(
            format!("nouvelle échéance {due} : {}", reason.trim()),
            format!("new time limit {due}: {}", reason.trim()),
        ),
        now,
        &[],
        |n| {
            n.extended = true;
            n.extension_reason = reason.trim().to_owned();
            n.due_on = Some(due);
        },
    )
    .await?;
    mail(
        ctx,
        &next,
        "Prolongation du délai / Deadline extended",
        format!(
            "Bonjour,\n\nLe délai de réponse à votre demande est prolongé de deux mois, jusqu'au {due}, pour la raison suivante :\n\n{}\n\n\
             (Article 12.3 du RGPD.)\n\n---\n\nThe deadline to answer your request is extended by two months, to {due}, for the reason above.\n",
            reason.trim()
        ),
    )
    .await?;
    Ok(next)
}

/// C37: an approved objection puts the person's proven address and
/// numbers on the tenant's suppression list, for the channels objected to.
async fn suppress_objected(ctx: Ctx<'_>, r: &RightsRequest, now: Timestamp) -> Result<()> {
    use vigie_domain::dataset::IdentityKind;
    let scope = TenantScope::of_system(r.tenant);
    let source = format!("request:{}", r.reference);
    for (kind, value) in r.identities.proven() {
        for channel in &r.channels {
            let fits = matches!(
                (kind, channel),
                (IdentityKind::Email, Channel::Email)
                    | (IdentityKind::Phone, Channel::Sms | Channel::Phone)
            );
            // A number abroad is not on a French list: the objection
            // stands in the request, the answer says so.
            if fits && vigie_domain::consent::normalise(*channel, &value).is_some() {
                crate::consent::object(ctx, &scope, *channel, &value, &source, now).await?;
            }
        }
    }
    Ok(())
}

/// Approves a verified request: one task per connected system, queued as
/// jobs. With no connected system the request is executed at once (there
/// is nothing to run), and says so.
///
/// For a rectification, `corrections` (data category, new value) say what
/// to write; they replace those given at intake when not empty.
pub async fn approve(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    corrections: Vec<(String, String)>,
    actor: &str,
    now: Timestamp,
) -> Result<RightsRequest> {
    let corrections = if corrections.is_empty() {
        r.rectifications.clone()
    } else {
        corrections
    };
    if r.kind == RequestKind::Rectification && corrections.is_empty() {
        return Err(invalid(
            "corrections",
            "say which data category gets which new value (category = value)",
        ));
    }
    if !r.kind.executes() {
        return Err(invalid(
            "kind",
            "directives after death are recorded, not executed: answer the person",
        ));
    }
    if r.identities.proven().is_empty() {
        return Err(invalid(
            "identities",
            "no identifier of the person is proven: check at least one",
        ));
    }
    let systems = ctx
        .store
        .all_systems(&TenantScope::of_system(r.tenant))
        .await?;
    if r.kind == RequestKind::Rectification {
        check_corrections(&systems, &corrections)?;
    }
    let ids: Vec<SystemId> = systems.iter().map(|s| s.id).collect();
    let names: Vec<&str> = systems.iter().map(|s| s.name.as_str()).collect();
    let detail = if names.is_empty() {
        said("aucun système connecté", "no connected system")
    } else {
        said(
            format!("exécution sur : {}", names.join(", ")),
            format!("executed on: {}", names.join(", ")),
        )
    };
    let (next, tasks) = transition(ctx, r, Step::Approve, actor, detail, now, &ids, |n| {
        n.rectifications = corrections;
    })
    .await?;
    if r.kind == RequestKind::Objection {
        suppress_objected(ctx, &next, now).await?;
    }
    for t in &tasks {
        ctx.store
            .enqueue_for(r.tenant, JobKind::RightsTask, &task_key(*t), now)
            .await?;
    }
    if tasks.is_empty() {
        let (done, _) = transition(
            ctx,
            &next,
            Step::FinishExecution,
            SYSTEM,
            said("rien à exécuter", "nothing to execute"),
            now,
            &[],
            |_| {},
        )
        .await?;
        return Ok(done);
    }
    Ok(next)
}

/// Each correction must name columns the systems can write, without
/// doubt: a category held by several columns (landline and mobile, first
/// and last name) is refused before anything runs, saying which to write.
fn check_corrections(
    systems: &[vigie_store::System],
    corrections: &[(String, String)],
) -> Result<()> {
    let mut problems = Vec::new();
    for (key, _) in corrections {
        let (mut written, before) = (false, problems.len());
        for s in systems {
            let Ok(d) = parse_dataset(&s.dataset) else {
                continue;
            };
            match d.rectify_targets(key) {
                Ok(cols) => written |= !cols.is_empty(),
                Err(e) => problems.push(format!("{} : {e}", s.name)),
            }
        }
        if !written && problems.len() == before && !systems.is_empty() {
            problems.push(format!(
                "« {key} » : aucune colonne modifiable des systèmes connectés"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid("corrections", problems.join(" ; ")))
    }
}

/// Corrections written one per line as `category = new value`.
pub fn parse_corrections(text: &str) -> Result<Vec<(String, String)>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| match l.split_once('=') {
            Some((c, v)) if !c.trim().is_empty() => Ok((c.trim().to_owned(), v.trim().to_owned())),
            _ => Err(invalid(
                "corrections",
                format!("line {}: write category = new value", i + 1),
            )),
        })
        .collect()
}

/// The job key of a task.
pub fn task_key(task: i64) -> String {
    format!("rights_task:{task}")
}

/// The task a job key names.
pub fn task_of_key(key: &str) -> Option<i64> {
    let rest = key.strip_prefix("rights_task:")?;
    rest.split('@').next()?.parse().ok()
}

fn action_of(r: &RightsRequest) -> Option<Action> {
    Some(match r.kind {
        RequestKind::Access | RequestKind::Portability => Action::Access,
        RequestKind::Erasure => Action::Erase,
        RequestKind::Rectification => Action::Rectify(r.rectifications.clone()),
        RequestKind::Restriction => Action::Restrict,
        RequestKind::Objection => Action::Object,
        RequestKind::PostMortem => return None,
    })
}

/// Runs one task (C15): the request's action on one system, in one
/// transaction there. The outcome is recorded as `Applying` before the
/// client database commits and as `Done` after; a run that finds
/// `Applying` (a crash in between) and now finds nothing knows the first
/// run committed, and keeps its counts — so nothing is applied or counted
/// twice. Returns a summary for the job record.
pub async fn run_task(ctx: Ctx<'_>, task_id: i64, now: Timestamp) -> Result<String> {
    let mut task = ctx.store.task(task_id).await?;
    if task.state == TaskState::Done {
        // A run killed after its task was done but before the request was
        // marked executed leaves the job to be taken again: finish here.
        let r = ctx
            .store
            .request(&TenantScope::of_system(task.tenant), task.request)
            .await?;
        if r.status == RequestStatus::Executing {
            finish_if_complete(ctx, &r).await?;
        }
        return Ok(format!("task {task_id} already done"));
    }
    let r = ctx
        .store
        .request(&TenantScope::of_system(task.tenant), task.request)
        .await?;
    if r.status != RequestStatus::Executing {
        return Ok(format!("request {} is no longer executing", r.reference));
    }
    let Some(action) = action_of(&r) else {
        return Ok("nothing to execute".into());
    };
    let system = ctx
        .store
        .system(&TenantScope::of_system(task.tenant), task.system)
        .await?;
    let previous = (task.state == TaskState::Applying).then(|| task.clone());
    task.state = TaskState::Running;
    task.attempts += 1;
    task.updated_at = now;
    ctx.store.save_task(&task).await?;

    let confirmed = !task.confirmed_by.is_empty();
    let result = async {
        let url = url_of(ctx, task.tenant, &system)?;
        let dataset = parse_dataset(&system.dataset).map_err(|e| ServiceError::Invalid {
            field: "dataset",
            message: e,
        })?;
        let subject = Subject {
            identities: r.identities.proven(),
        };
        let key = ctx.vault.masking_key(task.tenant);
        let (opened, filter) = targets::open(ctx, task.tenant, &url).await?;
        let plan = Plan {
            dataset: &dataset,
            subject: &subject,
            action: &action,
            key: &key,
            filter: filter.as_ref(),
            confirmed,
        };
        let store = ctx.store;
        let vault = ctx.vault;
        let recorded = task.clone();
        let outcome = execute(opened.conn, plan, |o: &Outcome| {
            let mut t = recorded.clone();
            t.state = TaskState::Applying;
            t.found = i64::try_from(o.found()).unwrap_or(i64::MAX);
            t.changed = i64::try_from(o.changed()).unwrap_or(i64::MAX);
            t.message = o.notes.join("; ");
            let sealed = serde_json::to_vec(o)
                .map_err(|e| e.to_string())
                .and_then(|json| {
                    vault
                        .seal(Purpose::Export, t.tenant, &json)
                        .map_err(|e| e.to_string())
                });
            async move {
                t.outcome_sealed = Some(sealed?);
                store.save_task(&t).await.map_err(|e| e.to_string())
            }
        })
        .await?;
        Ok::<Outcome, ServiceError>(outcome)
    }
    .await;

    match result {
        Ok(outcome) => {
            let mut done = ctx.store.task(task_id).await?;
            if done.state == TaskState::Done {
                // Another run finished it meanwhile: its counts are the
                // evidence and are written once (issue 10).
                return Ok(format!("task {task_id} already done by another run"));
            }
            let mut detail = said(
                format!(
                    "{} : {} ligne(s) trouvée(s), {} modifiée(s)",
                    system.name,
                    outcome.found(),
                    outcome.changed()
                ),
                format!(
                    "{}: {} row(s) found, {} changed",
                    system.name,
                    outcome.found(),
                    outcome.changed()
                ),
            );
            if let Some(prev) =
                previous.filter(|p| p.found > 0 && outcome.found() == 0 && action != Action::Access)
            {
                // The first run committed before the crash: its counts stand.
                done.found = prev.found;
                done.changed = prev.changed;
                done.outcome_sealed = prev.outcome_sealed;
                detail = said(
                    format!(
                        "{} : déjà appliqué avant une interruption ({} trouvée(s), {} modifiée(s))",
                        system.name, prev.found, prev.changed
                    ),
                    format!(
                        "{}: already applied before an interruption ({} found, {} changed)",
                        system.name, prev.found, prev.changed
                    ),
                );
            }
            if outcome.found() == 0 && done.found == 0 {
                detail = said(
                    format!("{} : aucune donnée sur cette personne", system.name),
                    format!("{}: no data about this person", system.name),
                );
            }
            if !outcome.notes.is_empty() {
                // The dataset's notes are written in French.
                let notes = format!(" — {}", outcome.notes.join("; "));
                detail.fr.push_str(&notes);
                detail.en.push_str(&notes);
            }
            done.state = TaskState::Done;
            done.updated_at = Timestamp::now();
            // Recorded before the task is marked done: a crash in between
            // runs the task again and records it again, never not at all.
            trace_task(ctx, &r, &system.name, &done, &action, AuditOutcome::Success).await?;
            ctx.store.save_task(&done).await?;
            ctx.store
                .add_event(
                    &TenantScope::of_system(r.tenant),
                    r.id,
                    &event(SYSTEM, "task_done", detail.clone(), Timestamp::now()),
                )
                .await?;
            remember_found(ctx, &r, &outcome.identities_found, &system.name).await?;
            finish_if_complete(ctx, &r).await?;
            Ok(detail.fr)
        }
        Err(ServiceError::Exec(e @ ExecError::Crowd(_))) => {
            // Nothing was read out or changed: the agent decides (C27).
            let mut held = ctx.store.task(task_id).await?;
            held.state = TaskState::Held;
            held.message = e.to_string();
            held.updated_at = Timestamp::now();
            ctx.store.save_task(&held).await?;
            let detail = said(
                format!("{} : à confirmer — {e}", system.name),
                format!("{}: to confirm — {e}", system.name),
            );
            ctx.store
                .add_event(
                    &TenantScope::of_system(r.tenant),
                    r.id,
                    &event(SYSTEM, "task_held", detail.clone(), Timestamp::now()),
                )
                .await?;
            trace_task(ctx, &r, &system.name, &held, &action, AuditOutcome::Denied).await?;
            Ok(detail.fr)
        }
        Err(e) => {
            let mut failed = ctx.store.task(task_id).await?;
            failed.state = TaskState::Failed;
            failed.message = e.to_string();
            failed.updated_at = Timestamp::now();
            ctx.store.save_task(&failed).await?;
            ctx.store
                .add_event(
                    &TenantScope::of_system(r.tenant),
                    r.id,
                    &event(
                        SYSTEM,
                        "task_failed",
                        said(
                            format!("{} : {e}", system.name),
                            format!("{}: {e}", system.name),
                        ),
                        Timestamp::now(),
                    ),
                )
                .await?;
            Err(e)
        }
    }
}

/// What one system holds for a request, read before approval without
/// changing anything: the person's rows by table, records shared with
/// someone else, rows that mention them, identities the search would add,
/// or why it cannot run (someone else's identity, a system down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub system: String,
    pub tables: Vec<PreviewTable>,
    /// Undeclared columns that hold the person's words (issue 18).
    pub left: Vec<vigie_connect::left::Left>,
    pub notes: Vec<String>,
    pub error: Option<String>,
}

/// One table of a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewTable {
    pub table: String,
    /// The person's rows.
    pub found: u64,
    /// Of them, records shared with someone else: kept on erasure.
    pub shared: u64,
    /// Rows of someone else that name the person.
    pub mentioned: u64,
    /// What an erasure does to the table, as the dataset says (`None`:
    /// the table only mentions the person, whose mention is emptied).
    pub erasure: Option<vigie_domain::dataset::Erasure>,
    /// The first of the person's rows, each value shortened to a hint
    /// (`email : l•••@exemple.fr, nom : D•••`): enough to recognise the
    /// person, not to read their data.
    pub example: String,
}

/// Columns of a preview's example at most.
const EXAMPLE_COLUMNS: usize = 5;

/// The first row of a table read for a preview, masked: its key and
/// link columns left out (numbers that say nothing to the agent).
fn masked_example(
    t: &vigie_connect::TableOutcome,
    spec: Option<&vigie_domain::dataset::TableSpec>,
) -> String {
    let Some(row) = t.rows.first() else {
        return String::new();
    };
    let shown = |c: &str| {
        spec.is_none_or(|s| {
            s.primary_key != c
                && s.columns
                    .iter()
                    .any(|d| d.name == c && d.references.is_none())
        })
    };
    t.columns
        .iter()
        .zip(row)
        .filter(|(c, v)| shown(c) && v.as_deref().is_some_and(|v| !v.trim().is_empty()))
        .take(EXAMPLE_COLUMNS)
        .map(|(c, v)| {
            format!(
                "{c} : {}",
                vigie_connect::mask::hint(v.as_deref().unwrap_or_default())
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads every connected system for a verified request (C12: never
/// before the identity is checked) so that the agent sees, before
/// approving, what an erasure would touch — shared records and mentions
/// included. Each system read is traced (C28).
pub async fn preview(ctx: Ctx<'_>, r: &RightsRequest) -> Result<Vec<Preview>> {
    if r.status != RequestStatus::Verified {
        return Err(invalid(
            "status",
            "the identity must be checked before the systems are read",
        ));
    }
    let subject = Subject {
        identities: r.identities.proven(),
    };
    let key = ctx.vault.masking_key(r.tenant);
    let mut out = Vec::new();
    for system in ctx
        .store
        .all_systems(&TenantScope::of_system(r.tenant))
        .await?
    {
        let read = async {
            let url = url_of(ctx, r.tenant, &system)?;
            let dataset = parse_dataset(&system.dataset).map_err(|e| invalid("dataset", e))?;
            let (opened, filter) = targets::open(ctx, r.tenant, &url).await?;
            let plan = Plan {
                dataset: &dataset,
                subject: &subject,
                action: &Action::Access,
                key: &key,
                filter: filter.as_ref(),
                confirmed: false,
            };
            let o = execute(opened.conn, plan, |_| async { Ok(()) }).await?;
            Ok::<_, ServiceError>((o, dataset))
        }
        .await;
        let (found, outcome) = match &read {
            Ok((o, _)) => (o.found(), AuditOutcome::Success),
            Err(_) => (0, AuditOutcome::Failure),
        };
        ctx.store
            .append(&AuditEvent {
                actor: Actor::system(),
                tenant: Some(r.tenant),
                action: "system.preview".into(),
                object: format!(
                    "system:{} request:{} found:{found} ({})",
                    system.id.0, r.reference, system.name
                ),
                ip: String::new(),
                user_agent: String::new(),
                outcome,
            })
            .await?;
        if let Ok((o, _)) = &read {
            remember_found(ctx, r, &o.identities_found, &system.name).await?;
        }
        out.push(match read {
            Ok((o, dataset)) => Preview {
                system: system.name.clone(),
                tables: o
                    .tables
                    .iter()
                    .filter(|t| t.found + t.mentioned > 0)
                    .map(|t| PreviewTable {
                        table: t.table.clone(),
                        found: t.found,
                        shared: t.shared,
                        mentioned: t.mentioned,
                        erasure: dataset.table(&t.table).map(|d| d.erasure),
                        example: masked_example(t, dataset.table(&t.table)),
                    })
                    .collect(),
                left: o.left,
                notes: o.notes,
                error: None,
            },
            Err(e) => Preview {
                system: system.name.clone(),
                tables: vec![],
                left: vec![],
                notes: vec![],
                error: Some(e.to_string()),
            },
        });
    }
    Ok(out)
}

/// The trail record of what a task read or changed in a system, in the
/// tenant that owns the system (C28), with its counts.
async fn trace_task(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    system: &str,
    t: &vigie_store::RightsTask,
    action: &Action,
    outcome: AuditOutcome,
) -> Result<()> {
    let verb = if *action == Action::Access {
        "system.read"
    } else {
        "system.write"
    };
    ctx.store
        .append(&AuditEvent {
            actor: Actor::system(),
            tenant: Some(r.tenant),
            action: verb.into(),
            object: format!(
                "system:{} request:{} found:{} changed:{} ({system})",
                t.system.0, r.reference, t.found, t.changed
            ),
            ip: String::new(),
            user_agent: String::new(),
            outcome,
        })
        .await?;
    Ok(())
}

/// The agent confirms that every row a held task found is the person's
/// (duplicate accounts, a shared phone checked): the task runs again,
/// this time to the end. Recorded on the timeline with who confirmed.
pub async fn confirm_task(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    task_id: i64,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    let mut t = ctx.store.task(task_id).await?;
    if t.tenant != r.tenant || t.request != r.id {
        return Err(ServiceError::Store(StoreError::NotFound));
    }
    if t.state != TaskState::Held {
        return Err(invalid(
            "task",
            "this task is not waiting for a confirmation",
        ));
    }
    t.confirmed_by = actor.to_owned();
    t.state = TaskState::Queued;
    t.updated_at = now;
    ctx.store.save_task(&t).await?;
    ctx.store
        .add_event(
            &TenantScope::of_system(r.tenant),
            r.id,
            &event(
                actor,
                "task_confirmed",
                said(
                    format!(
                        "{} : lignes confirmées comme celles de la personne",
                        t.system_name
                    ),
                    format!("{}: rows confirmed as the person's", t.system_name),
                ),
                now,
            ),
        )
        .await?;
    ctx.store
        .enqueue_for(
            r.tenant,
            JobKind::RightsTask,
            &format!("{}@{}", task_key(t.id), now),
            now,
        )
        .await?;
    Ok(())
}

/// Marks the request executed once every task is done.
async fn finish_if_complete(ctx: Ctx<'_>, r: &RightsRequest) -> Result<()> {
    let tasks = ctx
        .store
        .tasks(&TenantScope::of_system(r.tenant), r.id)
        .await?;
    if tasks.iter().all(|t| t.state == TaskState::Done) {
        let fresh = ctx
            .store
            .request(&TenantScope::of_system(r.tenant), r.id)
            .await?;
        let found: i64 = tasks.iter().map(|t| t.found).sum();
        let changed: i64 = tasks.iter().map(|t| t.changed).sum();
        match transition(
            ctx,
            &fresh,
            Step::FinishExecution,
            SYSTEM,
            said(
                format!(
                    "{} système(s) : {found} ligne(s) trouvée(s), {changed} modifiée(s)",
                    tasks.len()
                ),
                format!(
                    "{} system(s): {found} row(s) found, {changed} changed",
                    tasks.len()
                ),
            ),
            Timestamp::now(),
            &[],
            |_| {},
        )
        .await
        {
            // Another worker finished the last task at the same moment.
            Ok(_)
            | Err(ServiceError::Store(StoreError::Conflict(_)))
            | Err(ServiceError::Step(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Retries the failed tasks of a request (after the agent fixed a system).
pub async fn retry_failed(ctx: Ctx<'_>, r: &RightsRequest, now: Timestamp) -> Result<usize> {
    let mut n = 0;
    for t in ctx
        .store
        .tasks(&TenantScope::of_system(r.tenant), r.id)
        .await?
    {
        if t.state == TaskState::Failed {
            ctx.store
                .enqueue_for(
                    r.tenant,
                    JobKind::RightsTask,
                    &format!("{}@{}", task_key(t.id), now),
                    now,
                )
                .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// What an access request gathered, per system.
pub async fn export(ctx: Ctx<'_>, r: &RightsRequest) -> Result<Vec<(String, Outcome)>> {
    let mut out = Vec::new();
    for t in ctx
        .store
        .tasks(&TenantScope::of_system(r.tenant), r.id)
        .await?
    {
        if let Some(sealed) = &t.outcome_sealed {
            let json = ctx.vault.open(Purpose::Export, r.tenant, sealed)?;
            let o: Outcome = serde_json::from_slice(&json).map_err(|e| {
                ServiceError::Store(StoreError::Corrupt(format!("export of task {}: {e}", t.id)))
            })?;
            out.push((t.system_name.clone(), o));
        }
    }
    Ok(out)
}

/// Answers the person; for access and portability, with a download link
/// valid seven days. Returns the link, if any.
pub async fn answer(
    ctx: Ctx<'_>,
    tenant: &Tenant,
    r: &RightsRequest,
    text: &str,
    actor: &str,
    now: Timestamp,
) -> Result<(RightsRequest, Option<String>)> {
    if text.trim().is_empty() {
        return Err(invalid("answer", "write the answer sent to the person"));
    }
    let (next, _) = transition(
        ctx,
        r,
        Step::Answer,
        actor,
        // The channel stays on the timeline (issue 18).
        match r.contact.answer_by {
            AnswerBy::Email => said("réponse envoyée par courriel", "answer sent by email"),
            AnswerBy::Post => said("réponse envoyée par courrier", "answer sent by post"),
            AnswerBy::InPerson => said(
                "réponse remise en main propre",
                "answer handed over in person",
            ),
        },
        now,
        &[],
        |n| {
            n.answer = text.trim().to_owned();
        },
    )
    .await?;
    let link = if r.kind.exports() && r.status == RequestStatus::Executed {
        let token = random_token();
        ctx.store
            .create_download(&token_hash(&token), r.tenant, r.id, now + DOWNLOAD_VALIDITY)
            .await?;
        Some(format!(
            "{}/p/{}/export/{token}",
            ctx.base_url,
            tenant.slug.as_str()
        ))
    } else {
        None
    };
    let mut body = format!("Bonjour,\n\n{}\n", text.trim());
    if let Some(l) = &link {
        body.push_str(&format!(
            "\nVos données (JSON et CSV) : {l}\nCe lien est valable 7 jours. / Your data (JSON and CSV), link valid 7 days.\n"
        ));
    }
    body.push_str(
        "\nSi vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL (www.cnil.fr).\n",
    );
    mail(
        ctx,
        &next,
        "Réponse à votre demande / Answer to your request",
        body,
    )
    .await?;
    Ok((next, link))
}

/// Refuses a request, with the reason told to the person (Art. 12.4).
pub async fn refuse(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    reason: &str,
    actor: &str,
    now: Timestamp,
) -> Result<RightsRequest> {
    if reason.trim().is_empty() {
        return Err(invalid(
            "reason",
            "the reason is told to the person: it is required",
        ));
    }
    let (next, _) = transition(ctx, r, Step::Refuse, actor, reason.trim(), now, &[], |n| {
        n.answer = reason.trim().to_owned();
    })
    .await?;
    mail(
        ctx,
        &next,
        "Votre demande / Your request",
        format!(
            "Bonjour,\n\nNous ne pouvons pas donner suite à votre demande, pour la raison suivante :\n\n{}\n\n\
             Vous pouvez adresser une réclamation à la CNIL (www.cnil.fr) ou former un recours juridictionnel.\n",
            reason.trim()
        ),
    )
    .await?;
    Ok(next)
}

pub async fn close(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    actor: &str,
    now: Timestamp,
) -> Result<RightsRequest> {
    Ok(transition(ctx, r, Step::Close, actor, "", now, &[], |_| {})
        .await?
        .0)
}

/// A forward: the client's copy, and how many of its DPOs and agents were
/// told by email.
#[derive(Debug, Clone)]
pub struct Forwarded {
    pub copy: RightsRequest,
    pub told: usize,
}

/// Processor mode (C14): the provider forwards a request about a client's
/// data to that client, with everything received, and does not answer it;
/// the client's DPOs and agents are told at once, with the link to their
/// copy and its time limit (issue 18).
pub async fn forward(
    ctx: Ctx<'_>,
    r: &RightsRequest,
    provider: &Tenant,
    client: &Tenant,
    actor: &str,
    now: Timestamp,
) -> Result<Forwarded> {
    if client.id == r.tenant {
        return Err(invalid(
            "client",
            "choose the client organisation the request is about",
        ));
    }
    let mut copy = r.clone();
    copy.tenant = client.id;
    copy.intake = Intake::Forwarded;
    copy.status = RequestStatus::Received;
    copy.verification = None;
    copy.code_hash = None;
    copy.code_expires = None;
    copy.public_token_hash = token_hash(&random_token());
    copy.forwarded_from = Some(r.id);
    copy.forwarded_to = None;
    copy.created_at = now;
    copy.updated_at = now;
    // The client's clock: its own calendar, from the original receipt.
    if let Some(received) = r.received_at {
        copy.due_on = Some(deadline(
            received,
            ctx.store
                .calendar(&TenantScope::of_system(client.id))
                .await?,
            false,
        ));
    }
    let copy = ctx
        .store
        .create_request(
            &copy,
            &event(
                actor,
                "received",
                said(
                    format!(
                        "transmise par {} (sous-traitant), demande {}",
                        provider.name.as_str(),
                        r.reference
                    ),
                    format!(
                        "forwarded by {} (processor), request {}",
                        provider.name.as_str(),
                        r.reference
                    ),
                ),
                now,
            ),
        )
        .await?;
    transition(
        ctx,
        r,
        Step::Forward,
        actor,
        said(
            format!(
                "transmise au responsable de traitement {} (demande {}) ; le sous-traitant n'y répond pas",
                client.name.as_str(),
                copy.reference
            ),
            format!(
                "forwarded to the controller {} (request {}); the processor does not answer it",
                client.name.as_str(),
                copy.reference
            ),
        ),
        now,
        &[],
        |n| n.forwarded_to = Some(client.id),
    )
    .await?;
    let (right, _) = right_names(copy.kind);
    let received = day(copy.received_at.map(legal_date));
    let due = day(copy.due_on);
    let link = format!(
        "{}/t/{}/demandes/{}",
        ctx.base_url.trim_end_matches('/'),
        client.slug,
        copy.id
    );
    let told = crate::mail_members(
        ctx,
        client.id,
        &[Role::Dpo, Role::Agent],
        &format!(
            "Demande {} transmise par {} : {right}",
            copy.reference,
            provider.name.as_str()
        ),
        &format!(
            "Bonjour,\n\n{provider}, votre sous-traitant, vous transmet une demande d'exercice des droits qui porte sur des données que vous lui confiez : {right}, de {person}, reçue le {received}.\n\n\
             C'est à vous, responsable du traitement, d'y répondre ; {provider} ne répond pas à la personne. Échéance : {due}.\n\n\
             {link}\n",
            provider = provider.name.as_str(),
            person = copy.subject_name,
        ),
        now,
    )
    .await?;
    Ok(Forwarded { copy, told })
}

/// Emails each tenant's DPOs and agents the requests due within a week or
/// late. Returns how many requests were reminded.
/// What a round of reminders did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reminded {
    /// Requests due within a week or late, and stalled executions.
    pub items: usize,
    /// Emails queued to the tenants' DPOs and agents.
    pub emails: usize,
}

pub async fn remind(ctx: Ctx<'_>, now: Timestamp) -> Result<Reminded> {
    let today = legal_date(now);
    let soon = today.checked_add(jiff::ToSpan::days(7)).unwrap_or(today);
    let due = ctx.store.requests_due_by(soon).await?;
    let stalled = ctx.store.stalled_tasks(None).await?;
    let mut by_tenant: std::collections::BTreeMap<TenantId, (Vec<String>, Vec<String>)> =
        Default::default();
    for r in &due {
        let d = r.due_on.map(|d| d.to_string()).unwrap_or_default();
        let late = if r.due_on.is_some_and(|d| d < today) {
            " — EN RETARD"
        } else {
            ""
        };
        by_tenant.entry(r.tenant).or_default().0.push(format!(
            "- {} ({}) : échéance {d}{late}",
            r.reference,
            r.kind.as_str()
        ));
    }
    for t in &stalled {
        let state = if t.state == TaskState::Held {
            "à confirmer"
        } else {
            "en échec"
        };
        by_tenant.entry(t.tenant).or_default().1.push(format!(
            "- {} : {} {state} — {}",
            t.reference, t.system, t.message
        ));
    }
    let mut emails = 0;
    for (tenant, (due_lines, stalled_lines)) in &by_tenant {
        let mut body = String::from("Bonjour,\n\n");
        if !due_lines.is_empty() {
            body.push_str(&format!(
                "Ces demandes arrivent à échéance dans la semaine ou sont en retard :\n\n{}\n\n",
                due_lines.join("\n")
            ));
        }
        if !stalled_lines.is_empty() {
            body.push_str(&format!(
                "L'exécution de ces demandes est arrêtée (elles ne seront pas « exécutées » tant que chaque système n'a pas abouti) :\n\n{}\n",
                stalled_lines.join("\n")
            ));
        }
        emails += crate::mail_members(
            ctx,
            *tenant,
            &[Role::Dpo, Role::Agent],
            &format!(
                "Demandes de droits à traiter : {} à échéance, {} exécution(s) arrêtée(s)",
                due_lines.len(),
                stalled_lines.len()
            ),
            &body,
            now,
        )
        .await?;
    }
    Ok(Reminded {
        items: due.len() + stalled.len(),
        emails,
    })
}
