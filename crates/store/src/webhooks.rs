//! Persistence of a tenant's webhook endpoints and of each delivery to
//! them (issue 20). A delivery is queued once per endpoint and event
//! (the event's id makes a second queueing a no-op), claimed with a lease
//! like the outbox, and marked only by the worker that holds it.

use async_trait::async_trait;
use jiff::Timestamp;
use vigie_domain::{
    TenantId,
    page::{Page, Paged},
    scope::TenantScope,
    webhook::{DeliveryState, EventKind, Subscriptions},
};

use crate::Result;

/// An endpoint, as stored. Its secret is sealed by the vault: Vigie signs
/// with it and never shows it again after creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    pub tenant: TenantId,
    pub url: String,
    pub description: String,
    pub events: Subscriptions,
    pub secret_sealed: Vec<u8>,
    /// After a rotation: the secret it replaced, still signing beside the
    /// new one until `previous_until`.
    pub previous_secret_sealed: Option<Vec<u8>>,
    pub previous_until: Option<Timestamp>,
    pub active: bool,
    pub created_at: Timestamp,
    pub created_by: String,
}

#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub description: String,
    pub events: Subscriptions,
    pub secret_sealed: Vec<u8>,
}

/// One event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub tenant: TenantId,
    pub webhook: i64,
    /// The event's id, the same for every endpoint and every try: the
    /// receiver's key to drop a repeat.
    pub event_id: String,
    pub kind: EventKind,
    /// The JSON body sent, as it will be signed.
    pub payload: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub next_attempt_at: Timestamp,
    /// The HTTP status of the last try, when the endpoint answered.
    pub last_status: Option<i64>,
    pub last_error: String,
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

#[async_trait]
pub trait Webhooks: Send + Sync {
    async fn create_webhook(
        &self,
        scope: &TenantScope,
        new: &NewWebhook,
        by: &str,
        at: Timestamp,
    ) -> Result<Webhook>;
    /// The tenant's endpoints, newest first; `search` in the address or
    /// the description.
    async fn webhooks(
        &self,
        scope: &TenantScope,
        search: &str,
        page: Page,
    ) -> Result<Paged<Webhook>>;
    /// The tenant's active endpoints, for an event to be queued to.
    async fn active_webhooks(&self, scope: &TenantScope) -> Result<Vec<Webhook>>;
    async fn webhook(&self, scope: &TenantScope, id: i64) -> Result<Webhook>;
    async fn set_webhook_active(&self, scope: &TenantScope, id: i64, active: bool) -> Result<()>;
    /// A new secret: the current one becomes the previous, kept signing
    /// until `keep_until` (a previous one before it is forgotten).
    async fn rotate_webhook_secret(
        &self,
        scope: &TenantScope,
        id: i64,
        sealed: &[u8],
        keep_until: Timestamp,
    ) -> Result<()>;
    /// Removes the endpoint and its deliveries.
    async fn delete_webhook(&self, scope: &TenantScope, id: i64) -> Result<()>;

    /// Queues `event_id` for one endpoint of the tenant; `false` when it
    /// was queued already (nothing changes).
    #[allow(clippy::too_many_arguments)]
    async fn queue_delivery(
        &self,
        scope: &TenantScope,
        webhook: i64,
        event_id: &str,
        kind: EventKind,
        payload: &str,
        at: Timestamp,
    ) -> Result<bool>;
    /// An endpoint's deliveries, newest first, optionally of one state;
    /// `search` in the event's id or kind.
    async fn deliveries(
        &self,
        scope: &TenantScope,
        webhook: i64,
        state: Option<DeliveryState>,
        search: &str,
        page: Page,
    ) -> Result<Paged<Delivery>>;
    async fn delivery(&self, scope: &TenantScope, id: i64) -> Result<Delivery>;
    /// Puts a delivery back in the queue, due `at` (an agent's « send
    /// again »); `Conflict` when it is pending already.
    async fn redeliver(&self, scope: &TenantScope, id: i64, at: Timestamp) -> Result<Delivery>;

    /// Due pending deliveries of active endpoints, every tenant: each held
    /// by `worker` until `lease_until` (skipped by other workers till then).
    async fn claim_deliveries(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<Delivery>>;
    /// The endpoint answered 2xx. `false` when `worker` no longer held it.
    async fn mark_delivered(
        &self,
        id: i64,
        worker: &str,
        status: i64,
        at: Timestamp,
    ) -> Result<bool>;
    /// A try failed: due again at `retry_at`, or abandoned when `None`.
    /// `false` when `worker` no longer held it.
    async fn mark_undelivered(
        &self,
        id: i64,
        worker: &str,
        status: Option<i64>,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool>;
    /// Gives back every delivery `worker` holds (a node that restarts
    /// under the same name); how many.
    async fn release_deliveries(&self, worker: &str, now: Timestamp) -> Result<u64>;
    /// Forgets deliveries delivered before `delivered_before` and those
    /// abandoned and created before `abandoned_before` (Vigie keeps its own
    /// data only as long as it serves, C21); how many.
    async fn purge_deliveries(
        &self,
        delivered_before: Timestamp,
        abandoned_before: Timestamp,
    ) -> Result<u64>;
    /// Gives back, untried, a delivery `worker` holds (due `at`).
    async fn release_delivery(&self, id: i64, worker: &str, at: Timestamp) -> Result<()>;
}
