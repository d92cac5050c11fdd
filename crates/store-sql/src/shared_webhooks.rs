// A tenant's webhook endpoints and their deliveries (issue 20), compiled
// into both backends like `shared.rs` (same module: its imports and
// helpers are in scope).

use vigie_domain::webhook::{DeliveryState, EventKind, Subscriptions};
use vigie_store::{Delivery, NewWebhook, Webhook, Webhooks};

const WEBHOOK_COLS: &str =
    "id, tenant_id, url, description, events, secret_sealed, previous_secret_sealed, previous_until, active, created_at, created_by";

fn webhook_from(r: &Row) -> Result<Webhook, StoreError> {
    let events: String = get(r, "events")?;
    Ok(Webhook {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        url: get(r, "url")?,
        description: get(r, "description")?,
        events: Subscriptions::parse(events.split(' ')).map_err(|e| corrupt("events", e))?,
        secret_sealed: get(r, "secret_sealed")?,
        previous_secret_sealed: get(r, "previous_secret_sealed")?,
        previous_until: get::<Option<i64>>(r, "previous_until")?.map(from_micros),
        active: get(r, "active")?,
        created_at: from_micros(get(r, "created_at")?),
        created_by: get(r, "created_by")?,
    })
}

const DELIVERY_COLS: &str = "id, tenant_id, webhook_id, event_id, kind, payload, state, attempts, \
     next_attempt_at, last_status, last_error, delivered_at, created_at";

fn delivery_from(r: &Row) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        webhook: get(r, "webhook_id")?,
        event_id: get(r, "event_id")?,
        kind: parse_or("kind", get(r, "kind")?, EventKind::parse)?,
        payload: get(r, "payload")?,
        state: parse_or("state", get(r, "state")?, DeliveryState::parse)?,
        attempts: get(r, "attempts")?,
        next_attempt_at: from_micros(get(r, "next_attempt_at")?),
        last_status: get(r, "last_status")?,
        last_error: get(r, "last_error")?,
        delivered_at: get::<Option<i64>>(r, "delivered_at")?.map(from_micros),
        created_at: from_micros(get(r, "created_at")?),
    })
}

#[async_trait]
impl Webhooks for ThisStore {
    async fn create_webhook(
        &self,
        scope: &TenantScope,
        new: &NewWebhook,
        by: &str,
        at: Timestamp,
    ) -> Result<Webhook, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO webhooks (tenant_id, url, description, events, secret_sealed, active, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7) RETURNING {WEBHOOK_COLS}"
        )))
        .bind(scope.tenant().0)
        .bind(&new.url)
        .bind(&new.description)
        .bind(new.events.to_text())
        .bind(&new.secret_sealed)
        .bind(to_micros(at))
        .bind(by)
        .fetch_one(&self.pool)
        .await
        .db()?;
        webhook_from(&r)
    }

    async fn webhooks(&self, scope: &TenantScope, search: &str, page: Page) -> Result<Paged<Webhook>, StoreError> {
        let pat = contains_pattern(search);
        let filter = "tenant_id = $1 AND ($2 = '' OR LOWER(url) LIKE $2 ESCAPE '\\' OR LOWER(description) LIKE $2 ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM webhooks WHERE {filter}")))
            .bind(scope.tenant().0)
            .bind(&pat)
            .fetch_one(&self.pool)
            .await
            .db()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLS} FROM webhooks WHERE {filter} ORDER BY id DESC LIMIT $3 OFFSET $4"
        )))
        .bind(scope.tenant().0)
        .bind(&pat)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows.iter().map(webhook_from).collect::<Result<_, _>>()?;
        Ok(paged(items, total, page))
    }

    async fn active_webhooks(&self, scope: &TenantScope) -> Result<Vec<Webhook>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLS} FROM webhooks WHERE tenant_id = $1 AND active = TRUE ORDER BY id"
        )))
        .bind(scope.tenant().0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(webhook_from).collect()
    }

    async fn webhook(&self, scope: &TenantScope, id: i64) -> Result<Webhook, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {WEBHOOK_COLS} FROM webhooks WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
        webhook_from(&r)
    }

    async fn set_webhook_active(&self, scope: &TenantScope, id: i64, active: bool) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE webhooks SET active = $1 WHERE id = $2 AND tenant_id = $3")
            .bind(active)
            .bind(id)
            .bind(scope.tenant().0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn rotate_webhook_secret(
        &self,
        scope: &TenantScope,
        id: i64,
        sealed: &[u8],
        keep_until: Timestamp,
    ) -> Result<(), StoreError> {
        // One statement: the previous is the current as it was read by it.
        let done = sqlx::query(
            "UPDATE webhooks SET previous_secret_sealed = secret_sealed, previous_until = $1, secret_sealed = $2 \
             WHERE id = $3 AND tenant_id = $4",
        )
        .bind(to_micros(keep_until))
        .bind(sealed)
        .bind(id)
        .bind(scope.tenant().0)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn delete_webhook(&self, scope: &TenantScope, id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(scope.tenant().0)
            .execute(&mut *tx)
            .await
            .db()?;
        let done = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(scope.tenant().0)
            .execute(&mut *tx)
            .await
            .db()?;
        expect_one(done.rows_affected())?;
        tx.commit().await.db()
    }

    async fn queue_delivery(
        &self,
        scope: &TenantScope,
        webhook: i64,
        event_id: &str,
        kind: EventKind,
        payload: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        // The endpoint must be the tenant's: the SELECT finds nothing to
        // insert otherwise, and NotFound says so.
        let mut tx = self.begin_write().await?;
        let own: Option<i64> = sqlx::query_scalar("SELECT id FROM webhooks WHERE id = $1 AND tenant_id = $2")
            .bind(webhook)
            .bind(scope.tenant().0)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        own.ok_or(StoreError::NotFound)?;
        let done = sqlx::query(
            "INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, kind, payload, state, attempts, \
             next_attempt_at, last_error, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, '', $6) \
             ON CONFLICT (webhook_id, event_id) DO NOTHING",
        )
        .bind(scope.tenant().0)
        .bind(webhook)
        .bind(event_id)
        .bind(kind.as_str())
        .bind(payload)
        .bind(to_micros(at))
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(done.rows_affected() > 0)
    }

    async fn deliveries(
        &self,
        scope: &TenantScope,
        webhook: i64,
        state: Option<DeliveryState>,
        search: &str,
        page: Page,
    ) -> Result<Paged<Delivery>, StoreError> {
        let pat = contains_pattern(search);
        let filter = "tenant_id = $1 AND webhook_id = $2 AND ($3 = '' OR state = $3) \
             AND ($4 = '' OR LOWER(event_id) LIKE $4 ESCAPE '\\' OR kind LIKE $4 ESCAPE '\\')";
        let state = state.map_or("", DeliveryState::as_str);
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE {filter}"
        )))
        .bind(scope.tenant().0)
        .bind(webhook)
        .bind(state)
        .bind(&pat)
        .fetch_one(&self.pool)
        .await
        .db()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE {filter} ORDER BY id DESC LIMIT $5 OFFSET $6"
        )))
        .bind(scope.tenant().0)
        .bind(webhook)
        .bind(state)
        .bind(&pat)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows.iter().map(delivery_from).collect::<Result<_, _>>()?;
        Ok(paged(items, total, page))
    }

    async fn delivery(&self, scope: &TenantScope, id: i64) -> Result<Delivery, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
        delivery_from(&r)
    }

    async fn redeliver(&self, scope: &TenantScope, id: i64, at: Timestamp) -> Result<Delivery, StoreError> {
        let current = self.delivery(scope, id).await?;
        if current.state == DeliveryState::Pending {
            return Err(StoreError::Conflict("the delivery is waiting for its next try already".into()));
        }
        // Tries start again from the first delay; `delivered_at` stays until
        // the next success replaces it.
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1, claimed_by = NULL \
             WHERE id = $2 AND tenant_id = $3 AND state <> 'pending' RETURNING {DELIVERY_COLS}"
        )))
        .bind(to_micros(at))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_optional(&self.pool)
        .await
        .db()?
        .ok_or_else(|| StoreError::Conflict("the delivery is waiting for its next try already".into()))?;
        delivery_from(&r)
    }

    async fn claim_deliveries(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE webhook_deliveries SET next_attempt_at = $2, claimed_by = $4 WHERE id IN (\
             SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND w.active = TRUE \
             ORDER BY d.next_attempt_at, d.id LIMIT $3{SKIP_LOCKED}) RETURNING {DELIVERY_COLS}"
        )))
        .bind(to_micros(now))
        .bind(to_micros(lease_until))
        .bind(limit)
        .bind(worker)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        let mut out = rows.iter().map(delivery_from).collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    async fn mark_delivered(&self, id: i64, worker: &str, status: i64, at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, last_status = $1, \
             last_error = '', delivered_at = $2, claimed_by = NULL \
             WHERE id = $3 AND claimed_by = $4 AND state = 'pending'",
        )
        .bind(status)
        .bind(to_micros(at))
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() > 0)
    }

    async fn mark_undelivered(
        &self,
        id: i64,
        worker: &str,
        status: Option<i64>,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let (state, due) = match retry_at {
            Some(at) => ("pending", Some(to_micros(at))),
            None => ("abandoned", None),
        };
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, last_status = $2, last_error = $3, \
             next_attempt_at = COALESCE($4, next_attempt_at), claimed_by = NULL \
             WHERE id = $5 AND claimed_by = $6 AND state = 'pending'",
        )
        .bind(state)
        .bind(status)
        .bind(error)
        .bind(due)
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() > 0)
    }

    async fn release_deliveries(&self, worker: &str, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1, claimed_by = NULL \
             WHERE claimed_by = $2 AND state = 'pending' AND next_attempt_at > $1",
        )
        .bind(to_micros(now))
        .bind(worker)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected())
    }

    async fn purge_deliveries(
        &self,
        delivered_before: Timestamp,
        abandoned_before: Timestamp,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM webhook_deliveries WHERE (state = 'delivered' AND delivered_at < $1) \
             OR (state = 'abandoned' AND created_at < $2)",
        )
        .bind(to_micros(delivered_before))
        .bind(to_micros(abandoned_before))
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected())
    }

    async fn release_delivery(&self, id: i64, worker: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1, claimed_by = NULL \
             WHERE id = $2 AND claimed_by = $3 AND state = 'pending'",
        )
        .bind(to_micros(at))
        .bind(id)
        .bind(worker)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }
}
