//! Sub-processors (C07–C10): the provider's registry behind the transfer
//! guard, change notices to every affected tenant (email and in-app) with a
//! 10-day objection window counted from receipt, objections with their
//! reason and resolution, and silence recorded as acceptance.

use jiff::Timestamp;
use vigie_domain::{
    NoticeId, SubProcessorId,
    role::Role,
    scope::TenantScope,
    subprocessor::{ChangeKind, OBJECTION_DAYS, SubProcessor, TransferBasis, WindowState},
};
use vigie_store::{NewNotice, StoreError, StoredSubProcessor, Tenant, TenantNotice};

use crate::{Ctx, Result, ServiceError, invalid};

/// The rules of a sub-processor's record, the transfer guard first (C08).
pub fn check(body: &SubProcessor) -> Result<TransferBasis> {
    let n = body.name.trim().chars().count();
    if n == 0 || n > 200 {
        return Err(invalid("name", "a name of 1 to 200 characters"));
    }
    if body.purpose.trim().is_empty() {
        return Err(invalid(
            "purpose",
            "say what the sub-processor does with the data",
        ));
    }
    if body.sites.is_empty() {
        return Err(invalid(
            "sites",
            "give at least one data centre and its country",
        ));
    }
    Ok(body.transfer_basis()?)
}

pub async fn create(
    ctx: Ctx<'_>,
    body: &SubProcessor,
    now: Timestamp,
) -> Result<StoredSubProcessor> {
    check(body)?;
    Ok(ctx.store.create_subprocessor(body, now).await?)
}

pub async fn save(
    ctx: Ctx<'_>,
    id: SubProcessorId,
    body: &SubProcessor,
    now: Timestamp,
) -> Result<()> {
    check(body)?;
    Ok(ctx.store.save_subprocessor(id, body, now).await?)
}

/// Notifies each tenant of an added or replacing sub-processor (C09): one
/// window per tenant, deadline 10 days from receipt on its calendar, an
/// email to its DPOs with the activities concerned and the sub-processor's
/// identity and contact.
#[allow(clippy::too_many_arguments)] // the fields of one notice
pub async fn notify(
    ctx: Ctx<'_>,
    sp: &StoredSubProcessor,
    kind: ChangeKind,
    replaces: &str,
    activities: &str,
    tenants: &[Tenant],
    now: Timestamp,
) -> Result<NoticeId> {
    check(&sp.body)?;
    if tenants.is_empty() {
        return Err(invalid(
            "tenants",
            "choose the client organisations concerned",
        ));
    }
    if activities.trim().is_empty() {
        return Err(invalid(
            "activities",
            "say which processing activities are concerned",
        ));
    }
    if kind == ChangeKind::Replaced && replaces.trim().is_empty() {
        return Err(invalid("replaces", "say which sub-processor is replaced"));
    }
    let received = vigie_domain::time::legal_date(now);
    let mut windows = Vec::new();
    for t in tenants {
        let calendar = ctx.store.calendar(&TenantScope::of_system(t.id)).await?;
        windows.push((t.id, calendar.days_after(received, OBJECTION_DAYS)));
    }
    let id = ctx
        .store
        .create_notice(&NewNotice {
            subprocessor: sp.id,
            kind,
            replaces: replaces.trim().to_owned(),
            activities: activities.trim().to_owned(),
            at: now,
            tenants: windows.clone(),
        })
        .await?;
    let b = &sp.body;
    let sites: Vec<String> = b
        .sites
        .iter()
        .map(|s| format!("{} ({})", s.name, s.country.as_str()))
        .collect();
    for (t, (_, deadline)) in tenants.iter().zip(&windows) {
        let what = match kind {
            ChangeKind::Added => "l'ajout d'un sous-traitant ultérieur".to_owned(),
            ChangeKind::Replaced => format!(
                "le remplacement de {} par un nouveau sous-traitant ultérieur",
                replaces.trim()
            ),
        };
        let body = format!(
            "Bonjour,\n\nNous vous informons de {what} :\n\n{}\n{}\nContact : {}\nFinalité : {}\nCentres de données : {}\nCertifications : {}\n\n\
             Activités de traitement concernées :\n{}\n\n\
             Vous disposez de 10 jours à compter de la réception de ce message, soit jusqu'au {deadline}, pour formuler une objection écrite et motivée :\n\
             {}/t/{}/sous-traitants\nSans objection dans ce délai, le changement est réputé accepté.\n",
            b.name,
            b.address,
            b.contact,
            b.purpose,
            sites.join(", "),
            b.certifications.join(", "),
            activities.trim(),
            ctx.base_url,
            t.slug.as_str(),
        );
        crate::mail_members(
            ctx,
            t.id,
            &[Role::Dpo],
            &format!(
                "Sous-traitance ultérieure : {} — objection possible jusqu'au {deadline}",
                b.name
            ),
            &body,
            now,
        )
        .await?;
    }
    Ok(id)
}

async fn window(ctx: Ctx<'_>, scope: &TenantScope, notice: NoticeId) -> Result<TenantNotice> {
    ctx.store
        .notices_of_tenant(scope)
        .await?
        .into_iter()
        .find(|n| n.notice == notice)
        .ok_or(ServiceError::Store(StoreError::NotFound))
}

/// A tenant objects, with its reason, within the window (C09).
pub async fn object(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    notice: NoticeId,
    reason: &str,
    now: Timestamp,
) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(invalid("reason", "an objection states its reason"));
    }
    let w = window(ctx, scope, notice).await?;
    if w.state != WindowState::Open || vigie_domain::time::legal_date(now) > w.deadline {
        return Err(invalid(
            "reason",
            format!("the window closed on {}", w.deadline),
        ));
    }
    Ok(ctx
        .store
        .answer_notice(
            notice,
            scope,
            WindowState::Open,
            WindowState::Objected,
            reason.trim(),
            now,
        )
        .await?)
}

/// A tenant accepts in writing before the deadline.
pub async fn accept(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    notice: NoticeId,
    now: Timestamp,
) -> Result<()> {
    let w = window(ctx, scope, notice).await?;
    if w.state != WindowState::Open {
        return Err(invalid("reason", "the window is closed"));
    }
    Ok(ctx
        .store
        .answer_notice(
            notice,
            scope,
            WindowState::Open,
            WindowState::Accepted,
            "",
            now,
        )
        .await?)
}

/// The provider records how an objection was resolved.
pub async fn resolve(
    ctx: Ctx<'_>,
    notice: NoticeId,
    tenant: vigie_domain::TenantId,
    resolution: &str,
    now: Timestamp,
) -> Result<()> {
    if resolution.trim().is_empty() {
        return Err(invalid("resolution", "say how the objection was resolved"));
    }
    Ok(ctx
        .store
        .answer_notice(
            notice,
            &TenantScope::of_system(tenant),
            WindowState::Objected,
            WindowState::Resolved,
            resolution.trim(),
            now,
        )
        .await?)
}

/// Closes every window past its deadline without objection: silence is
/// acceptance, recorded with its date (the scheduled job).
pub async fn close_windows(ctx: Ctx<'_>, now: Timestamp) -> Result<usize> {
    Ok(ctx
        .store
        .close_windows(vigie_domain::time::legal_date(now), now)
        .await?
        .len())
}
