//! Group commit for consent choices (C35): the banner's endpoint hands its
//! record to one writer task per process, which appends everything waiting
//! — one transaction per tenant — and answers each caller with its place
//! in the chain. A caller still waits for its record to be committed.

use std::{collections::BTreeMap, sync::Arc};

use tokio::sync::{mpsc, oneshot};
use vigie_domain::{consent::ConsentRecord, scope::TenantScope};

use crate::{Store, StoreError, StoredConsent};

/// Choices appended together at most.
const MAX_BATCH: usize = 1000;

struct Pending {
    scope: TenantScope,
    record: ConsentRecord,
    reply: oneshot::Sender<Result<StoredConsent, StoreError>>,
}

#[derive(Clone)]
pub struct ConsentWriter {
    tx: mpsc::Sender<Pending>,
}

impl ConsentWriter {
    /// Starts the writer task on the current Tokio runtime.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Pending>(4 * MAX_BATCH);
        tokio::spawn(async move {
            let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let mut by_tenant: BTreeMap<i64, Vec<Pending>> = BTreeMap::new();
                for p in batch.drain(..) {
                    by_tenant.entry(p.scope.tenant().0).or_default().push(p);
                }
                for (_, group) in by_tenant {
                    let records: Vec<ConsentRecord> =
                        group.iter().map(|p| p.record.clone()).collect();
                    match store.append_consents(&group[0].scope, &records).await {
                        Ok(stored) => {
                            for (p, s) in group.into_iter().zip(stored) {
                                let _ = p.reply.send(Ok(s));
                            }
                        }
                        Err(e) => {
                            for p in group {
                                let _ = p.reply.send(Err(e.clone()));
                            }
                        }
                    }
                }
            }
        });
        ConsentWriter { tx }
    }

    /// Appends one choice; returns once it is committed.
    pub async fn append(
        &self,
        scope: TenantScope,
        record: ConsentRecord,
    ) -> Result<StoredConsent, StoreError> {
        let (reply, rx) = oneshot::channel();
        let stopped = || StoreError::Unavailable("the consent writer has stopped".into());
        self.tx
            .send(Pending {
                scope,
                record,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }
}
