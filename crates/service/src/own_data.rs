//! The sweep of Vigie's own data (C21, C22): accounts unused for the
//! policy's time (told first), accounts left with no client, rights
//! requests past their retention, unconfirmed submissions — with a signed
//! report like a client system's sweep.

use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};
use vigie_domain::retention::{OwnPolicy, Period};
use vigie_store::{OwnLine, OwnStep, OwnSweep};

use crate::{Ctx, Result, ServiceError, invalid, retention::Signer};

/// Where a sweep may stop on purpose, in tests: after each step.
pub type Stop<'a> = &'a (dyn Fn(&str) -> bool + Sync);

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnReportLine {
    /// The step (`inactive_accounts`, `closed_requests`…).
    pub what: String,
    /// The client, for its requests; none for the instance's accounts.
    pub tenant: Option<i64>,
    pub matched: i64,
    pub changed: i64,
}

/// What a sweep of Vigie's own data did, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnReport {
    pub sweep: i64,
    pub dry: bool,
    pub started_by: String,
    pub started_at: String,
    pub ended_at: String,
    /// The policy applied, as (what, period) pairs.
    pub policy: Vec<(String, String)>,
    pub lines: Vec<OwnReportLine>,
}

/// The first instant of `day` where the law counts days.
fn start_of(day: Date) -> Timestamp {
    day.to_zoned(vigie_domain::time::legal_zone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN)
}

fn before(p: Period, today: Date) -> Timestamp {
    start_of(p.cutoff(today))
}

/// Sweeps Vigie's own data under `policy` — resuming the sweep a crash
/// left — and returns it finished, its report signed; `destroyed` clients
/// ended by the same night's job are counted in it.
#[allow(clippy::too_many_arguments)]
pub async fn sweep(
    ctx: Ctx<'_>,
    policy: &OwnPolicy,
    by: &str,
    dry: bool,
    now: Timestamp,
    destroyed: usize,
    sign: Signer<'_>,
    stop: Stop<'_>,
) -> Result<OwnSweep> {
    let sweep = match ctx.store.running_own_sweep().await? {
        Some(s) => s,
        None => ctx.store.start_own_sweep(dry, by, now).await?,
    };
    if destroyed > 0 {
        count_destroyed(ctx, &sweep, destroyed).await?;
    }
    // A resumed sweep keeps its first instant: the same rows are due.
    let t0 = sweep.started_at;
    let today = vigie_domain::time::legal_date(t0);
    if !sweep.dry {
        ctx.store.mark_unattached(t0).await?;
    }
    tell_inactive(ctx, policy, &sweep, today).await?;
    if stop("notices") {
        return Err(ServiceError::Interrupted);
    }
    let notice = start_of(today) - start_of(policy.notice.cutoff(today));
    let steps = [
        OwnStep::InactiveAccounts {
            before: before(policy.inactive_account, today),
            told_before: t0 - notice,
        },
        OwnStep::UnattachedAccounts {
            before: before(policy.unattached_account, today),
        },
        OwnStep::ClosedRequests {
            before: before(policy.closed_request, today),
        },
        OwnStep::UnconfirmedRequests {
            before: before(policy.unconfirmed_request, today),
        },
        OwnStep::ConsentRecords {
            before: before(policy.consent_record, today),
        },
    ];
    for step in steps {
        ctx.store.own_step(&sweep, step, t0).await?;
        if stop(step.as_str()) {
            return Err(ServiceError::Interrupted);
        }
    }
    finish(ctx, policy, &sweep, now, sign).await
}

/// Tells each account coming to its inactivity deletion within the notice
/// when it will go and how to keep it, in its own language.
async fn tell_inactive(
    ctx: Ctx<'_>,
    policy: &OwnPolicy,
    sweep: &OwnSweep,
    today: Date,
) -> Result<()> {
    let soon = policy
        .notice
        .last_day(today)
        .checked_add(jiff::Span::new().days(1))
        .unwrap_or(Date::MAX);
    let due = ctx
        .store
        .accounts_to_tell(before(policy.inactive_account, soon))
        .await?;
    for a in due {
        let last = vigie_domain::time::legal_date(a.last_active_at);
        // Kept through its last day, and at least the whole notice.
        let goes = policy
            .inactive_account
            .last_day(last)
            .max(policy.notice.last_day(today))
            .checked_add(jiff::Span::new().days(1))
            .unwrap_or(Date::MAX);
        let sign_in = format!("{}/connexion", ctx.base_url.trim_end_matches('/'));
        let (subject, body) = if a.user.locale == "en" {
            (
                "Your Vigie account will be deleted".to_owned(),
                format!(
                    "Hello {},\n\nYou have not signed in to Vigie since {last}. As the \
                     platform's policy promises, an account unused for {} is deleted: \
                     yours will be from {goes}.\n\nTo keep it, sign in before then: \
                     {sign_in}\n",
                    a.user.name.as_str(),
                    in_english(policy.inactive_account)
                ),
            )
        } else {
            (
                "Votre compte Vigie va être supprimé".to_owned(),
                format!(
                    "Bonjour {},\n\nVous ne vous êtes pas connecté(e) à Vigie depuis le \
                     {last}. Comme la politique de la plateforme s'y engage, un compte \
                     inutilisé pendant {} est supprimé : le vôtre le sera à partir du \
                     {goes}.\n\nPour le garder, connectez-vous d'ici là : {sign_in}\n",
                    a.user.name.as_str(),
                    policy.inactive_account
                ),
            )
        };
        let mail = vigie_store::NewMessage {
            tenant: None,
            to: a.user.email.clone(),
            subject,
            body,
        };
        ctx.store
            .tell_inactive(sweep, a.user.id, &mail, sweep.started_at)
            .await?;
    }
    Ok(())
}

fn in_english(p: Period) -> String {
    let unit = p.unit().as_str();
    match p.amount() {
        1 => format!("1 {}", unit.trim_end_matches('s')),
        n => format!("{n} {unit}"),
    }
}

/// Adds the clients destroyed at their contract's end by the same night's
/// job (`destroyed`) to the report of the instance's sweep.
async fn count_destroyed(ctx: Ctx<'_>, sweep: &OwnSweep, n: usize) -> Result<()> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    ctx.store
        .add_own_line(
            sweep,
            &OwnLine {
                what: vigie_store::OWN_TENANTS.to_owned(),
                tenant: None,
                matched: n,
                changed: n,
            },
        )
        .await?;
    Ok(())
}

async fn finish(
    ctx: Ctx<'_>,
    policy: &OwnPolicy,
    sweep: &OwnSweep,
    now: Timestamp,
    sign: Signer<'_>,
) -> Result<OwnSweep> {
    let lines = ctx.store.own_lines(sweep.id).await?;
    let ended = Timestamp::now().max(now);
    let report = OwnReport {
        sweep: sweep.id,
        dry: sweep.dry,
        started_by: sweep.started_by.clone(),
        started_at: sweep.started_at.to_string(),
        ended_at: ended.to_string(),
        policy: vec![
            (
                "inactive_account".into(),
                policy.inactive_account.to_string(),
            ),
            ("notice".into(), policy.notice.to_string()),
            (
                "unattached_account".into(),
                policy.unattached_account.to_string(),
            ),
            ("closed_request".into(), policy.closed_request.to_string()),
            (
                "unconfirmed_request".into(),
                policy.unconfirmed_request.to_string(),
            ),
            ("consent_record".into(), policy.consent_record.to_string()),
        ],
        lines: lines
            .into_iter()
            .map(|l| OwnReportLine {
                what: l.what,
                tenant: l.tenant.map(|t| t.0),
                matched: l.matched,
                changed: l.changed,
            })
            .collect(),
    };
    let text = serde_json::to_string(&report).map_err(|e| invalid("report", e.to_string()))?;
    let (signature, key) = sign(text.as_bytes());
    ctx.store
        .finish_own_sweep(sweep.id, &text, &format!("{signature}:{key}"), ended)
        .await?;
    Ok(ctx.store.own_sweep(sweep.id).await?)
}

/// The report of a finished sweep with what checks it: the signed text,
/// the signature and the key, as `vigie retention verify` reads it.
pub fn exported(s: &OwnSweep) -> serde_json::Value {
    let (signature, key) = s.signature.split_once(':').unwrap_or_default();
    serde_json::json!({
        "own_sweep": serde_json::from_str::<serde_json::Value>(&s.report).unwrap_or_default(),
        "signed_text": s.report,
        "signature": signature,
        "public_key": key,
    })
}

/// Whether a stored sweep's signature holds (and is `expected_key`'s).
pub fn signed(s: &OwnSweep, expected_key: Option<&str>) -> bool {
    crate::signed_with(&s.report, &s.signature, expected_key)
}
