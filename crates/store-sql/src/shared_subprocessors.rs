// Sub-processors and change notices, compiled into both backends like
// `shared.rs` (same module: its imports and helpers are in scope).

use vigie_domain::{
    NoticeId, SubProcessorId,
    subprocessor::{ChangeKind, SubProcessor, WindowState},
};
use vigie_store::{NewNotice, StoredSubProcessor, SubProcessors, TenantNotice};

const SP_COLS: &str = "s.id, s.body, s.created_at, s.updated_at";

fn subprocessor_from(r: &Row) -> Result<StoredSubProcessor, StoreError> {
    Ok(StoredSubProcessor {
        id: SubProcessorId(get(r, "id")?),
        body: serde_json::from_str(&get::<String>(r, "body")?).map_err(|e| corrupt("sub-processor", e))?,
        created_at: from_micros(get(r, "created_at")?),
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

const NOTICE_COLS: &str = "n.id AS notice_id, nt.tenant_id, t.name AS tenant_name, n.subprocessor_id, \
    s.name AS subprocessor_name, n.kind, n.replaces, n.activities, nt.received_at, nt.deadline, nt.state, \
    nt.reason, nt.answered_at, nt.resolution";
const NOTICE_FROM: &str = "notice_tenants nt JOIN notices n ON n.id = nt.notice_id \
    JOIN subprocessors s ON s.id = n.subprocessor_id JOIN tenants t ON t.id = nt.tenant_id";

fn notice_from(r: &Row) -> Result<TenantNotice, StoreError> {
    Ok(TenantNotice {
        notice: NoticeId(get(r, "notice_id")?),
        tenant: TenantId(get(r, "tenant_id")?),
        tenant_name: get(r, "tenant_name")?,
        subprocessor: SubProcessorId(get(r, "subprocessor_id")?),
        subprocessor_name: get(r, "subprocessor_name")?,
        kind: parse_or("kind", get(r, "kind")?, ChangeKind::parse)?,
        replaces: get(r, "replaces")?,
        activities: get(r, "activities")?,
        received_at: from_micros(get(r, "received_at")?),
        deadline: get::<String>(r, "deadline")?
            .parse()
            .map_err(|e| corrupt("deadline", e))?,
        state: parse_or("window", get(r, "state")?, WindowState::parse)?,
        reason: get(r, "reason")?,
        answered_at: get::<Option<i64>>(r, "answered_at")?.map(from_micros),
        resolution: get(r, "resolution")?,
    })
}

#[async_trait]
impl SubProcessors for ThisStore {
    async fn create_subprocessor(&self, body: &SubProcessor, at: Timestamp) -> Result<StoredSubProcessor, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO subprocessors (name, body, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
        )
        .bind(body.name.trim())
        .bind(json(body))
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        self.subprocessor(SubProcessorId(id)).await
    }

    async fn save_subprocessor(&self, id: SubProcessorId, body: &SubProcessor, at: Timestamp) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE subprocessors SET name = $1, body = $2, updated_at = $3 WHERE id = $4")
            .bind(body.name.trim())
            .bind(json(body))
            .bind(to_micros(at))
            .bind(id.0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn subprocessor(&self, id: SubProcessorId) -> Result<StoredSubProcessor, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SP_COLS} FROM subprocessors s WHERE s.id = $1"
        )))
        .bind(id.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        subprocessor_from(&r)
    }

    async fn subprocessors(&self, search: &str, page: Page) -> Result<Paged<StoredSubProcessor>, StoreError> {
        let filter = "($1 = '' OR LOWER(s.name) LIKE $1 ESCAPE '\\')";
        self.searched_page(SP_COLS, "subprocessors s", filter, "s.name", search, page, subprocessor_from)
            .await
    }

    async fn subprocessors_of_tenant(&self, scope: &TenantScope) -> Result<Vec<StoredSubProcessor>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SP_COLS} FROM subprocessors s JOIN subprocessor_tenants st ON st.subprocessor_id = s.id \
             WHERE st.tenant_id = $1 ORDER BY s.name"
        )))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(subprocessor_from).collect()
    }

    async fn tenants_of_subprocessor(&self, id: SubProcessorId) -> Result<Vec<TenantId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT tenant_id FROM subprocessor_tenants WHERE subprocessor_id = $1 ORDER BY tenant_id",
        )
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    async fn create_notice(&self, n: &NewNotice) -> Result<NoticeId, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notices (subprocessor_id, kind, replaces, activities, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(n.subprocessor.0)
        .bind(n.kind.as_str())
        .bind(&n.replaces)
        .bind(&n.activities)
        .bind(to_micros(n.at))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        for (tenant, deadline) in &n.tenants {
            sqlx::query(
                "INSERT INTO notice_tenants (notice_id, tenant_id, received_at, deadline, state) VALUES ($1, $2, $3, $4, 'open')",
            )
            .bind(id)
            .bind(tenant.0)
            .bind(to_micros(n.at))
            .bind(deadline.to_string())
            .execute(&mut *tx)
            .await
            .db()?;
            sqlx::query(
                "INSERT INTO subprocessor_tenants (subprocessor_id, tenant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(n.subprocessor.0)
            .bind(tenant.0)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        tx.commit().await.db()?;
        Ok(NoticeId(id))
    }

    async fn notices_of_tenant(&self, scope: &TenantScope) -> Result<Vec<TenantNotice>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLS} FROM {NOTICE_FROM} WHERE nt.tenant_id = $1 ORDER BY n.id DESC"
        )))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(notice_from).collect()
    }

    async fn notices_of_subprocessor(&self, id: SubProcessorId) -> Result<Vec<TenantNotice>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLS} FROM {NOTICE_FROM} WHERE n.subprocessor_id = $1 ORDER BY n.id DESC, t.name"
        )))
        .bind(id.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(notice_from).collect()
    }

    async fn answer_notice(
        &self,
        notice: NoticeId,
        scope: &TenantScope,
        from: WindowState,
        to: WindowState,
        text: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let tenant = scope.tenant();
        // An objection or acceptance writes the reason; a resolution its own
        // text, keeping the objection's reason.
        let sql = if from == WindowState::Objected {
            "UPDATE notice_tenants SET state = $1, resolution = $2 WHERE notice_id = $3 AND tenant_id = $4 AND state = $5"
        } else {
            "UPDATE notice_tenants SET state = $1, reason = $2, answered_at = $6 WHERE notice_id = $3 AND tenant_id = $4 AND state = $5"
        };
        let mut q = sqlx::query(sql)
            .bind(to.as_str())
            .bind(text)
            .bind(notice.0)
            .bind(tenant.0)
            .bind(from.as_str());
        if from != WindowState::Objected {
            q = q.bind(to_micros(at));
        }
        let done = q.execute(&self.pool).await.db()?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT notice_id FROM notice_tenants WHERE notice_id = $1 AND tenant_id = $2")
                .bind(notice.0)
                .bind(tenant.0)
                .fetch_optional(&self.pool)
                .await
                .db()?;
        Err(match exists {
            None => StoreError::NotFound,
            Some(_) => StoreError::Conflict(format!("notice {notice} is no longer {}", from.as_str())),
        })
    }

    async fn close_windows(&self, today: Date, at: Timestamp) -> Result<Vec<TenantNotice>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTICE_COLS} FROM {NOTICE_FROM} WHERE nt.state = 'open' AND nt.deadline < $1"
        )))
        .bind(today.to_string())
        .fetch_all(&mut *tx)
        .await
        .db()?;
        sqlx::query(
            "UPDATE notice_tenants SET state = 'accepted_by_silence', answered_at = $2 WHERE state = 'open' AND deadline < $1",
        )
        .bind(today.to_string())
        .bind(to_micros(at))
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        rows.iter()
            .map(|r| {
                notice_from(r).map(|mut n| {
                    n.state = WindowState::AcceptedBySilence;
                    n.answered_at = Some(at);
                    n
                })
            })
            .collect()
    }
}
