//! The DPO's follow-up (issue 17): advice and actions recorded and closed
//! under the rules of `vigie_domain::followup`, and evidence documents
//! kept only once their bytes say what they are.

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use vigie_domain::{
    ActivityId,
    followup::{EvidenceType, FollowUpStatus, NewFollowUp, check_closing, evidence_name},
    role::Permission,
    scope::TenantScope,
};
use vigie_store::{EvidenceMeta, NewEvidence, StoredFollowUp};

use crate::{Ctx, Result, ServiceError, invalid};

fn may_write(scope: &TenantScope) -> Result<()> {
    crate::require(
        scope,
        Permission::Write,
        "advice, actions and evidence are written by the DPO or an agent",
    )
}

/// Records advice or an action, each wrong field named.
pub async fn create(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    item: NewFollowUp,
    by: &str,
    now: Timestamp,
) -> Result<StoredFollowUp> {
    may_write(scope)?;
    let item = item.checked().map_err(|problems| {
        ServiceError::Fields(
            problems
                .iter()
                .map(|p| (p.field(), p.to_string()))
                .collect(),
        )
    })?;
    Ok(ctx.store.create_follow_up(scope, &item, by, now).await?)
}

/// Closes an open item: done, or declined with the reason why.
pub async fn close(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    id: i64,
    status: FollowUpStatus,
    response: &str,
    by: &str,
    now: Timestamp,
) -> Result<StoredFollowUp> {
    may_write(scope)?;
    // Another tenant's item is not found before any field is judged.
    ctx.store.follow_up(scope, id).await?;
    if status == FollowUpStatus::Open {
        return Err(invalid("status", "an item is closed as done or declined"));
    }
    check_closing(status, response).map_err(|p| invalid(p.field(), p.to_string()))?;
    Ok(ctx
        .store
        .close_follow_up(scope, id, status, response.trim(), by, now)
        .await?)
}

/// Keeps a document as evidence: its type read from its bytes (refused
/// when it is none of the kept ones), its name stripped of any path, its
/// SHA-256 recorded.
pub async fn add_evidence(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    activity: Option<ActivityId>,
    name: &str,
    bytes: Vec<u8>,
    by: &str,
    now: Timestamp,
) -> Result<EvidenceMeta> {
    may_write(scope)?;
    let (name, kind, sha256) = read_document(name, &bytes)?;
    let doc = NewEvidence {
        activity,
        name,
        kind,
        bytes,
        sha256,
    };
    Ok(ctx.store.add_evidence(scope, &doc, by, now).await?)
}

/// A document's name as kept, its type read from its bytes, and its
/// SHA-256 — or why it is refused.
pub(crate) fn read_document(name: &str, bytes: &[u8]) -> Result<(String, EvidenceType, String)> {
    let kind = EvidenceType::sniff(bytes).map_err(|e| invalid("file", e.to_string()))?;
    let name = evidence_name(name).map_err(|e| invalid("file", e.to_string()))?;
    Ok((name, kind, hex::encode(Sha256::digest(bytes))))
}

/// Removes a document kept by mistake.
pub async fn delete_evidence(ctx: Ctx<'_>, scope: &TenantScope, id: i64) -> Result<EvidenceMeta> {
    may_write(scope)?;
    Ok(ctx.store.delete_evidence(scope, id).await?)
}
