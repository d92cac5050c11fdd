//! Client audits (C40) and documented instructions (C41): the client asks
//! and writes; the provider plans, answers and may flag an instruction it
//! believes unlawful.

use jiff::{Timestamp, civil::Date};
use vigie_domain::{
    audits::{Audit, Instruction, check_audit},
    scope::TenantScope,
};
use vigie_store::{StoredAudit, StoredInstruction};

use crate::{Ctx, Result, invalid};

/// A client asks for an audit on `planned_on` (C40): a month's notice, at
/// most one in 12 months unless an authority requires it.
pub async fn request_audit(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    planned_on: Date,
    body: &Audit,
    by: &str,
    now: Timestamp,
) -> Result<StoredAudit> {
    if body.scope.trim().is_empty() {
        return Err(invalid("scope", "say what the audit covers"));
    }
    if body.authority_required && body.authority.trim().is_empty() {
        return Err(invalid(
            "authority",
            "name the authority that requires the audit",
        ));
    }
    let earlier: Vec<Date> = ctx
        .store
        .audits(scope)
        .await?
        .iter()
        .filter(|a| !a.body.authority_required)
        .map(|a| a.planned_on)
        .collect();
    check_audit(
        vigie_domain::time::legal_date(now),
        planned_on,
        body.authority_required,
        &earlier,
    )?;
    Ok(ctx
        .store
        .create_audit(
            scope,
            vigie_domain::time::legal_date(now),
            planned_on,
            body,
            by,
            now,
        )
        .await?)
}

/// The provider writes the plan, the report or its answers.
pub async fn answer_audit(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    id: i64,
    plan: &str,
    report: &str,
    answers: &str,
    now: Timestamp,
) -> Result<()> {
    let mut a = ctx.store.audit(scope, id).await?;
    a.body.plan = plan.trim().to_owned();
    a.body.report = report.trim().to_owned();
    a.body.answers = answers.trim().to_owned();
    Ok(ctx.store.save_audit(scope, id, &a.body, now).await?)
}

/// A client's instruction, written down (C41).
pub async fn record_instruction(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    given_on: Date,
    body: &Instruction,
    by: &str,
    now: Timestamp,
) -> Result<StoredInstruction> {
    if body.purpose.trim().is_empty() {
        return Err(invalid("purpose", "say what the instruction is for"));
    }
    if body.operation.trim().is_empty() {
        return Err(invalid("operation", "say what is to be done with the data"));
    }
    if given_on > vigie_domain::time::legal_date(now) {
        return Err(invalid("given_on", "the date cannot be in the future"));
    }
    Ok(ctx
        .store
        .create_instruction(scope, given_on, body, by, now)
        .await?)
}

/// The provider flags (or unflags) an instruction it believes unlawful,
/// with its reason (Art. 28.3 h).
pub async fn flag_instruction(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    id: i64,
    flagged: bool,
    reason: &str,
    now: Timestamp,
) -> Result<()> {
    if flagged && reason.trim().is_empty() {
        return Err(invalid(
            "flag_reason",
            "say why the instruction seems unlawful",
        ));
    }
    let mut i = ctx.store.instruction(scope, id).await?;
    i.body.flagged_unlawful = flagged;
    i.body.flag_reason = reason.trim().to_owned();
    Ok(ctx.store.save_instruction(scope, id, &i.body, now).await?)
}
