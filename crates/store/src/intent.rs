//! Requests noted before they act (C28): what their trail record says
//! when the request itself could not write one.

use jiff::Timestamp;
use vigie_domain::{
    TenantId,
    audit::{Actor, AuditEvent, Outcome},
    tenant::TenantSlug,
};

use crate::{Intent, Store, StoreError};

/// Intents settled per transaction by [`settle_stale`].
const BATCH: i64 = 200;

/// The record of a request that ended without its own: who made it (from
/// the session or token it presented, while these still exist), in which
/// tenant, and which request it was.
pub async fn event_of(
    store: &dyn Store,
    i: &Intent,
    action: &str,
    outcome: Outcome,
) -> Result<AuditEvent, StoreError> {
    let n = &i.note;
    let (actor, token_tenant) = actor_of(store, &n.credential).await?;
    let tenant = match TenantSlug::parse(&n.tenant_slug) {
        Ok(slug) => match store.tenant_by_slug(&slug).await {
            Ok(t) => Some(t.id),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e),
        },
        Err(_) => token_tenant,
    };
    Ok(AuditEvent {
        actor,
        tenant,
        action: action.to_owned(),
        object: format!("{} {}", n.method, n.path),
        ip: n.ip.clone(),
        user_agent: n.user_agent.clone(),
        outcome,
    })
}

/// The person or token behind a credential, and a token's tenant.
async fn actor_of(
    store: &dyn Store,
    credential: &str,
) -> Result<(Actor, Option<TenantId>), StoreError> {
    if credential.is_empty() {
        return Ok((anonymous(), None));
    }
    match store.session(credential).await {
        Ok(s) => {
            return match store.user(s.user).await {
                Ok(u) => Ok((Actor::person(&u), None)),
                Err(StoreError::NotFound) => Ok((anonymous(), None)),
                Err(e) => Err(e),
            };
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e),
    }
    match store.token_by_hash(credential).await {
        Ok(t) => Ok((
            Actor {
                user: t.created_by,
                label: format!("token:{}:{}", t.id, t.name),
            },
            Some(t.tenant),
        )),
        Err(StoreError::NotFound) => Ok((
            Actor {
                user: None,
                label: "unknown credential".into(),
            },
            None,
        )),
        Err(e) => Err(e),
    }
}

fn anonymous() -> Actor {
    Actor {
        user: None,
        label: "anonymous".into(),
    }
}

/// Turns every intent noted before `before` into an `interrupted` record
/// of its request, each removed with its record. Run by the worker: a
/// request older than the request timeout has ended, so its note left
/// alone means the process died or the answer timed out between acting
/// and recording. Returns how many were settled.
pub async fn settle_stale(store: &dyn Store, before: Timestamp) -> Result<u64, StoreError> {
    let mut n = 0;
    loop {
        let stale = store.intents_before(before, BATCH).await?;
        if stale.is_empty() {
            return Ok(n);
        }
        let mut events = Vec::with_capacity(stale.len());
        for i in &stale {
            events.push(event_of(store, i, "request.interrupted", Outcome::Interrupted).await?);
        }
        let ids: Vec<i64> = stale.iter().map(|i| i.id).collect();
        store.append_settling(&events, &ids).await?;
        n += ids.len() as u64;
    }
}
