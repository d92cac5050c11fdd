//! Appending to the access trail from handlers (C28).

use vigie_domain::{
    TenantId,
    audit::{Actor, AuditEvent, Outcome},
};
use vigie_store::StoreError;

use crate::{AppState, client::Client};

impl AppState {
    /// Records one access. Handlers call it before answering: if the trail
    /// cannot be written, the request fails rather than go untraced. The
    /// first record of a state-changing request removes its note.
    pub async fn trace(
        &self,
        actor: Actor,
        tenant: Option<TenantId>,
        client: &Client,
        action: &str,
        object: &str,
        outcome: Outcome,
    ) -> Result<(), StoreError> {
        let settles = client.intent.take();
        let appended = self
            .trail
            .append(
                AuditEvent {
                    actor,
                    tenant,
                    action: action.to_owned(),
                    object: object.to_owned(),
                    ip: client.ip.clone(),
                    user_agent: client.user_agent.clone(),
                    outcome,
                },
                settles,
            )
            .await;
        if appended.is_err() {
            client.intent.restore(settles);
        }
        appended.map(|_| ())
    }
}
