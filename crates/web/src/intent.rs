//! Every state-changing request is noted before it acts (C28, issue 10):
//! the note is removed in the transaction that appends the request's
//! trail record, so a process killed between a write and its record
//! leaves the note, and the worker turns it into an `interrupted` record.
//! A request that ends in an error without a record of its own gets one
//! from its note (refused or failed), so attempts are traced too.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::Response,
};
use jiff::Timestamp;
use vigie_domain::audit::Outcome;
use vigie_store::{Intent, NewIntent, intent::event_of};

use crate::{
    AppState,
    client::{SESSION_COOKIE, client_of, cookie, lang_of},
    secrets::token_hash,
};

/// The request's note, shared with its [`crate::client::Client`]: the
/// first trail record of the request takes it (0: none, or taken).
#[derive(Debug, Clone, Default)]
pub struct IntentSlot(Arc<AtomicI64>);

impl IntentSlot {
    pub fn take(&self) -> Option<i64> {
        Some(self.0.swap(0, Ordering::AcqRel)).filter(|id| *id > 0)
    }
    /// A read that has no note: tells whether its handler traced it.
    fn watching() -> Self {
        IntentSlot(Arc::new(AtomicI64::new(UNTRACED)))
    }

    fn traced(&self) -> bool {
        self.0.load(Ordering::Acquire) != UNTRACED
    }

    /// Puts it back when the record could not be written.
    pub fn restore(&self, id: Option<i64>) {
        if let Some(id) = id {
            self.0.store(id, Ordering::Release);
        }
    }
}

/// A watched read whose handler has not traced it yet.
const UNTRACED: i64 = -1;

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Hash of the session cookie or API token presented, as stored.
fn credential(h: &HeaderMap) -> String {
    let bearer = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_owned);
    bearer
        .or_else(|| cookie(h, SESSION_COOKIE))
        .map(|t| token_hash(&t))
        .unwrap_or_default()
}

/// The tenant a path names: `/t/<slug>/…` (pages) or `/p/<slug>/…`
/// (public forms).
fn tenant_slug(path: &str) -> String {
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next()) {
        (Some("t" | "p"), Some(slug)) => slug.to_owned(),
        _ => String::new(),
    }
}

/// A visitor's choice on a tenant's banner: no credential, nobody's
/// access, and already its own append-only, chained proof (C35) — noting
/// it here too would double every choice's writes at a site's peak.
fn is_consent_choice(path: &str) -> bool {
    path.starts_with("/c/") && path.ends_with("/choix")
}

/// Pages where a refusal says someone tried to reach what is not theirs.
fn guarded(path: &str) -> bool {
    ["/t/", "/admin", "/api/"]
        .iter()
        .any(|p| path.starts_with(p))
}

pub async fn note(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !changes_state(req.method()) {
        // A read refused (another tenant's page, an admin page, a bad
        // token) is traced too (issue 12); nothing to note beforehand.
        let path: String = req.uri().path().chars().take(500).collect();
        if !guarded(&path) {
            return next.run(req).await;
        }
        let (parts, body) = req.into_parts();
        let client = client_of(&parts);
        let note = NewIntent {
            at: Timestamp::now(),
            credential: credential(&parts.headers),
            tenant_slug: tenant_slug(&path),
            method: parts.method.to_string(),
            path,
            ip: client.ip,
            user_agent: client.user_agent,
        };
        let slot = IntentSlot::watching();
        let mut req = Request::from_parts(parts, body);
        req.extensions_mut().insert(slot.clone());
        let res = next.run(req).await;
        // A handler that traced its refusal already said it.
        if !slot.traced()
            && matches!(
                res.status(),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            )
        {
            let refused = async {
                let i = Intent { id: 0, note };
                let event =
                    event_of(state.store.as_ref(), &i, "request.refused", Outcome::Denied).await?;
                state.trail.append(event, None).await.map(drop)
            };
            if let Err(e) = refused.await {
                tracing::warn!("a refused read could not be traced: {e}");
            }
        }
        return res;
    }
    if is_consent_choice(req.uri().path()) {
        return next.run(req).await;
    }
    let api = req.uri().path().starts_with("/api/");
    let (parts, body) = req.into_parts();
    let client = client_of(&parts);
    let path: String = parts.uri.path().chars().take(500).collect();
    let note = NewIntent {
        at: Timestamp::now(),
        credential: credential(&parts.headers),
        tenant_slug: tenant_slug(&path),
        method: parts.method.to_string(),
        path,
        ip: client.ip,
        user_agent: client.user_agent,
    };
    let id = match state.store.begin_intent(&note).await {
        Ok(id) => id,
        Err(e) => {
            // Acting untraced is not an option: nothing is done.
            tracing::warn!("cannot note a request before it acts: {e}");
            return crate::error::unavailable(api, lang_of(&parts.headers));
        }
    };
    let slot = IntentSlot(Arc::new(AtomicI64::new(id)));
    req = Request::from_parts(parts, body);
    req.extensions_mut().insert(slot.clone());
    let res = next.run(req).await;
    if let Some(id) = slot.take()
        && let Err(e) = settle(&state, Intent { id, note }, res.status()).await
    {
        // The note stays: the worker records the request as interrupted.
        tracing::warn!("request {id} left to be settled later: {e}");
    }
    res
}

/// A request that ended without its own record: an error is recorded from
/// its note; anything else (nothing to trace, a language switch) only
/// removes the note.
async fn settle(
    state: &AppState,
    i: Intent,
    status: StatusCode,
) -> Result<(), vigie_store::StoreError> {
    if status.as_u16() < 400 {
        state.store.append_settling(&[], &[i.id]).await?;
        return Ok(());
    }
    let (action, outcome) = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => {
            ("request.refused", Outcome::Denied)
        }
        _ => ("request.failed", Outcome::Failure),
    };
    let event = event_of(state.store.as_ref(), &i, action, outcome).await?;
    state.trail.append(event, Some(i.id)).await.map(|_| ())
}
