//! Group commit for the access trail: requests hand their record to one
//! writer task per process, which appends everything waiting in one
//! transaction and answers each request with its record. A request still
//! waits for its record to be committed (no access goes untraced), but a
//! thousand concurrent requests cost one transaction, not a thousand.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use vigie_domain::audit::{AuditEvent, AuditRecord};

use crate::{Store, StoreError};

/// Records appended together at most.
const MAX_BATCH: usize = 1000;

struct Pending {
    event: AuditEvent,
    /// The request's intent, removed with its record.
    settles: Option<i64>,
    reply: oneshot::Sender<Result<AuditRecord, StoreError>>,
}

#[derive(Clone)]
pub struct Appender {
    tx: mpsc::Sender<Pending>,
}

impl Appender {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Pending>(4 * MAX_BATCH);
        tokio::spawn(async move {
            let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let events: Vec<AuditEvent> = batch.iter().map(|p| p.event.clone()).collect();
                let settled: Vec<i64> = batch.iter().filter_map(|p| p.settles).collect();
                match store.append_settling(&events, &settled).await {
                    Ok(records) => {
                        for (p, r) in batch.drain(..).zip(records) {
                            let _ = p.reply.send(Ok(r));
                        }
                    }
                    Err(e) => {
                        for p in batch.drain(..) {
                            let _ = p.reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        });
        Appender { tx }
    }

    /// Appends one record; returns once it is committed, together with
    /// the removal of the intent it settles, if any.
    pub async fn append(
        &self,
        event: AuditEvent,
        settles: Option<i64>,
    ) -> Result<AuditRecord, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Pending {
                event,
                settles,
                reply,
            })
            .await
            .map_err(|_| StoreError::Unavailable("the trail writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("the trail writer has stopped".into()))?
    }
}
