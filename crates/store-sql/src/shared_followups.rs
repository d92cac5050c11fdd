// The DPO's follow-up (advice, action plan) and evidence documents,
// compiled into both backends like `shared.rs` (same module: its imports
// and helpers are in scope).

use vigie_domain::followup::{EvidenceType, FollowUpKind, FollowUpStatus, NewFollowUp};
use vigie_store::{
    EVIDENCE_QUOTA_BYTES, EvidenceMeta, FollowUpFilter, FollowUps, NewEvidence, StoredFollowUp,
};

const FOLLOW_UP_COLS: &str = "id, kind, activity_id, title, detail, owner, due, status, response, \
     created_at, created_by, updated_at, updated_by";

fn follow_up_from(r: &Row) -> Result<StoredFollowUp, StoreError> {
    let due: Option<String> = get(r, "due")?;
    Ok(StoredFollowUp {
        id: get(r, "id")?,
        kind: parse_or("kind", get(r, "kind")?, FollowUpKind::parse)?,
        activity: get::<Option<i64>>(r, "activity_id")?.map(ActivityId),
        title: get(r, "title")?,
        detail: get(r, "detail")?,
        owner: get(r, "owner")?,
        due: due
            .map(|d| d.parse::<jiff::civil::Date>().map_err(|e| corrupt("due", e)))
            .transpose()?,
        status: parse_or("status", get(r, "status")?, FollowUpStatus::parse)?,
        response: get(r, "response")?,
        created_at: from_micros(get(r, "created_at")?),
        created_by: get(r, "created_by")?,
        updated_at: from_micros(get(r, "updated_at")?),
        updated_by: get(r, "updated_by")?,
    })
}

const EVIDENCE_COLS: &str = "id, activity_id, name, media_type, size, sha256, uploaded_at, uploaded_by";

fn evidence_from(r: &Row) -> Result<EvidenceMeta, StoreError> {
    Ok(EvidenceMeta {
        id: get(r, "id")?,
        activity: get::<Option<i64>>(r, "activity_id")?.map(ActivityId),
        name: get(r, "name")?,
        kind: parse_or("media_type", get(r, "media_type")?, EvidenceType::parse)?,
        size: get(r, "size")?,
        sha256: get(r, "sha256")?,
        uploaded_at: from_micros(get(r, "uploaded_at")?),
        uploaded_by: get(r, "uploaded_by")?,
    })
}

/// `NotFound` unless the activity, when one is named, is the tenant's.
async fn own_activity(tx: &mut Tx, tenant: TenantId, activity: Option<ActivityId>) -> Result<(), StoreError> {
    let Some(a) = activity else { return Ok(()) };
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM activities WHERE id = $1 AND tenant_id = $2")
        .bind(a.0)
        .bind(tenant.0)
        .fetch_optional(&mut **tx)
        .await
        .db()?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

#[async_trait]
impl FollowUps for ThisStore {
    async fn create_follow_up(
        &self,
        scope: &TenantScope,
        item: &NewFollowUp,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredFollowUp, StoreError> {
        let tenant = scope.tenant();
        let mut tx = self.begin_write().await?;
        own_activity(&mut tx, tenant, item.activity).await?;
        let search = format!("{} {} {}", item.title, item.detail, item.owner).to_lowercase();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO follow_ups (tenant_id, activity_id, kind, title, detail, owner, due, status, response, \
             search, created_at, created_by, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', '', $8, $9, $10, $9, $10) RETURNING id",
        )
        .bind(tenant.0)
        .bind(item.activity.map(|a| a.0))
        .bind(item.kind.as_str())
        .bind(&item.title)
        .bind(&item.detail)
        .bind(&item.owner)
        .bind(item.due.map(|d| d.to_string()))
        .bind(search)
        .bind(to_micros(at))
        .bind(by)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        self.follow_up(scope, id).await
    }

    async fn follow_up(&self, scope: &TenantScope, id: i64) -> Result<StoredFollowUp, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FOLLOW_UP_COLS} FROM follow_ups WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        follow_up_from(&row)
    }

    async fn follow_ups(
        &self,
        scope: &TenantScope,
        filter: &FollowUpFilter,
        page: Page,
    ) -> Result<Paged<StoredFollowUp>, StoreError> {
        // Only integers and names from closed lists are written into the
        // text; what the user typed goes through `$1`.
        let mut f = format!(
            "tenant_id = {} AND ($1 = '' OR search LIKE $1 ESCAPE '\\')",
            scope.tenant().0
        );
        if let Some(a) = filter.activity {
            f.push_str(&format!(" AND activity_id = {}", a.0));
        }
        if let Some(k) = filter.kind {
            f.push_str(&format!(" AND kind = '{}'", k.as_str()));
        }
        if let Some(s) = filter.status {
            f.push_str(&format!(" AND status = '{}'", s.as_str()));
        }
        self.searched_page(
            FOLLOW_UP_COLS,
            "follow_ups",
            &f,
            "CASE WHEN status = 'open' THEN 0 ELSE 1 END, \
             CASE WHEN status = 'open' THEN COALESCE(due, '9999-12-31') ELSE '' END, id DESC",
            &filter.search,
            page,
            follow_up_from,
        )
        .await
    }

    async fn all_follow_ups(&self, scope: &TenantScope) -> Result<Vec<StoredFollowUp>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FOLLOW_UP_COLS} FROM follow_ups WHERE tenant_id = $1 ORDER BY id"
        )))
        .bind(scope.tenant().0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(follow_up_from).collect()
    }

    async fn close_follow_up(
        &self,
        scope: &TenantScope,
        id: i64,
        status: FollowUpStatus,
        response: &str,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredFollowUp, StoreError> {
        let done = sqlx::query(
            "UPDATE follow_ups SET status = $1, response = $2, updated_at = $3, updated_by = $4 \
             WHERE id = $5 AND tenant_id = $6 AND status = 'open'",
        )
        .bind(status.as_str())
        .bind(response)
        .bind(to_micros(at))
        .bind(by)
        .bind(id)
        .bind(scope.tenant().0)
        .execute(&self.pool)
        .await
        .db()?;
        let item = self.follow_up(scope, id).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("this item was already closed".into()));
        }
        Ok(item)
    }

    async fn add_evidence(
        &self,
        scope: &TenantScope,
        doc: &NewEvidence,
        by: &str,
        at: Timestamp,
    ) -> Result<EvidenceMeta, StoreError> {
        let tenant = scope.tenant();
        let mut tx = self.begin_write().await?;
        own_activity(&mut tx, tenant, doc.activity).await?;
        // Inside the write transaction: two uploads at once cannot both
        // pass the quota.
        let used: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM evidence WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        let size = i64::try_from(doc.bytes.len()).unwrap_or(i64::MAX);
        if used.saturating_add(size) > EVIDENCE_QUOTA_BYTES {
            return Err(StoreError::Conflict(format!(
                "the organisation's documents would pass {} MiB",
                EVIDENCE_QUOTA_BYTES / 1024 / 1024
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evidence (tenant_id, activity_id, name, media_type, size, sha256, body, uploaded_at, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(tenant.0)
        .bind(doc.activity.map(|a| a.0))
        .bind(&doc.name)
        .bind(doc.kind.as_str())
        .bind(size)
        .bind(&doc.sha256)
        .bind(&doc.bytes)
        .bind(to_micros(at))
        .bind(by)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(EvidenceMeta {
            id,
            activity: doc.activity,
            name: doc.name.clone(),
            kind: doc.kind,
            size,
            sha256: doc.sha256.clone(),
            uploaded_at: at,
            uploaded_by: by.to_owned(),
        })
    }

    async fn evidence(
        &self,
        scope: &TenantScope,
        activity: Option<ActivityId>,
        page: Page,
    ) -> Result<Paged<EvidenceMeta>, StoreError> {
        let mut f = format!("tenant_id = {} AND $1 = $1", scope.tenant().0);
        if let Some(a) = activity {
            f.push_str(&format!(" AND activity_id = {}", a.0));
        }
        self.searched_page(EVIDENCE_COLS, "evidence", &f, "id DESC", "", page, evidence_from)
            .await
    }

    async fn evidence_file(&self, scope: &TenantScope, id: i64) -> Result<(EvidenceMeta, Vec<u8>), StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVIDENCE_COLS}, body FROM evidence WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok((evidence_from(&row)?, get(&row, "body")?))
    }

    async fn delete_evidence(&self, scope: &TenantScope, id: i64) -> Result<EvidenceMeta, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM evidence WHERE id = $1 AND tenant_id = $2 RETURNING {EVIDENCE_COLS}"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        evidence_from(&row)
    }
}
