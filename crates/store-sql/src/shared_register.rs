// The register of processing activities, compiled into both backends like
// `shared.rs` (same module: its imports and helpers are in scope).

use vigie_domain::{
    ActivityId,
    register::{Activity, ActivityStatus},
};
use vigie_domain::{dpia::Dpia, organisation::OrganisationSheet};
use vigie_store::{ActivityChange, ActivityFilter, ActivityVersion, Register, StoredActivity, StoredDpia, StoredSheet};

fn dpia_from(r: &Row) -> Result<StoredDpia, StoreError> {
    Ok(StoredDpia {
        activity: ActivityId(get(r, "activity_id")?),
        version: get(r, "version")?,
        dpia: serde_json::from_str::<Dpia>(&get::<String>(r, "body")?).map_err(|e| corrupt("dpia", e))?,
        saved_at: from_micros(get(r, "saved_at")?),
        saved_by: get(r, "saved_by")?,
    })
}

const ACTIVITY_COLS: &str = "id, tenant_id, status, body, version, updated_at, updated_by";

fn body_of(r: &Row) -> Result<Activity, StoreError> {
    serde_json::from_str(&get::<String>(r, "body")?).map_err(|e| corrupt("activity", e))
}

fn activity_from(r: &Row) -> Result<StoredActivity, StoreError> {
    Ok(StoredActivity {
        id: ActivityId(get(r, "id")?),
        tenant: TenantId(get(r, "tenant_id")?),
        status: parse_or("status", get(r, "status")?, ActivityStatus::parse)?,
        body: body_of(r)?,
        version: get(r, "version")?,
        updated_at: from_micros(get(r, "updated_at")?),
        updated_by: get(r, "updated_by")?,
    })
}

const VERSION_COLS: &str = "v.activity_id, a.name, v.version, v.at, v.author, v.reason, v.status, v.body";

fn version_from(r: &Row) -> Result<ActivityVersion, StoreError> {
    Ok(ActivityVersion {
        activity: ActivityId(get(r, "activity_id")?),
        name: get(r, "name")?,
        version: get(r, "version")?,
        at: from_micros(get(r, "at")?),
        author: get(r, "author")?,
        reason: get(r, "reason")?,
        status: parse_or("status", get(r, "status")?, ActivityStatus::parse)?,
        body: body_of(r)?,
    })
}

async fn insert_version(
    tx: &mut Tx,
    tenant: TenantId,
    id: i64,
    version: i64,
    c: &ActivityChange,
    body: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO activity_versions (activity_id, tenant_id, version, at, author, reason, status, body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(tenant.0)
    .bind(version)
    .bind(to_micros(c.at))
    .bind(&c.author)
    .bind(&c.reason)
    .bind(c.status.as_str())
    .bind(body)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Inserts an activity, its first version and its model link, if any, in
/// one transaction.
async fn insert_activity(
    store: &ThisStore,
    scope: &TenantScope,
    c: &ActivityChange,
    link: Option<&vigie_store::ModelLink>,
) -> Result<i64, StoreError> {
    let body = json(&c.body);
    let mut tx = store.begin_write().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activities (tenant_id, name, status, sensitive, search, body, version, updated_at, updated_by, \
         model_id, model_version, model_name) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(scope.tenant().0)
    .bind(c.body.name.trim())
    .bind(c.status.as_str())
    .bind(c.body.has_sensitive_data())
    .bind(c.body.search_text())
    .bind(&body)
    .bind(to_micros(c.at))
    .bind(&c.author)
    .bind(link.map(|l| l.model))
    .bind(link.map(|l| l.version))
    .bind(link.map(|l| l.name.clone()))
    .fetch_one(&mut *tx)
    .await
    .db()?;
    insert_version(&mut tx, scope.tenant(), id, 1, c, &body).await?;
    tx.commit().await.db()?;
    Ok(id)
}

#[async_trait]
impl Register for ThisStore {
    async fn create_activity(&self, scope: &TenantScope, c: &ActivityChange) -> Result<StoredActivity, StoreError> {
        let id = insert_activity(self, scope, c, None).await?;
        self.activity(scope, ActivityId(id)).await
    }

    async fn activity(&self, scope: &TenantScope, id: ActivityId) -> Result<StoredActivity, StoreError> {
        let tenant = scope.tenant();
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTIVITY_COLS} FROM activities WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        activity_from(&r)
    }

    async fn activities(
        &self,
        scope: &TenantScope,
        filter: &ActivityFilter,
        page: Page,
    ) -> Result<Paged<StoredActivity>, StoreError> {
        // Only an integer and names from a closed list are written into the
        // text; what the user typed goes through `$1`.
        let mut f = format!(
            "tenant_id = {} AND ($1 = '' OR search LIKE $1 ESCAPE '\\')",
            scope.tenant().0
        );
        match filter.status {
            Some(s) => f.push_str(&format!(" AND status = '{}'", s.as_str())),
            None => f.push_str(" AND status <> 'archived'"),
        }
        if filter.sensitive_only {
            f.push_str(" AND sensitive = TRUE");
        }
        self.searched_page(ACTIVITY_COLS, "activities", &f, "name, id", &filter.search, page, activity_from)
            .await
    }

    async fn all_activities(&self, scope: &TenantScope) -> Result<Vec<StoredActivity>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTIVITY_COLS} FROM activities WHERE tenant_id = $1 ORDER BY name, id"
        )))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(activity_from).collect()
    }

    async fn save_activity(
        &self,
        scope: &TenantScope,
        id: ActivityId,
        expected_version: i64,
        c: &ActivityChange,
    ) -> Result<StoredActivity, StoreError> {
        let body = json(&c.body);
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE activities SET name = $1, status = $2, sensitive = $3, search = $4, body = $5, \
             version = version + 1, updated_at = $6, updated_by = $7 \
             WHERE id = $8 AND tenant_id = $9 AND version = $10",
        )
        .bind(c.body.name.trim())
        .bind(c.status.as_str())
        .bind(c.body.has_sensitive_data())
        .bind(c.body.search_text())
        .bind(&body)
        .bind(to_micros(c.at))
        .bind(&c.author)
        .bind(id.0)
        .bind(scope.tenant().0)
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .db()?;
        if done.rows_affected() == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT version FROM activities WHERE id = $1 AND tenant_id = $2")
                    .bind(id.0)
                    .bind(scope.tenant().0)
                    .fetch_optional(&mut *tx)
                    .await
                    .db()?;
            return Err(match exists {
                None => StoreError::NotFound,
                Some(v) => StoreError::Conflict(format!(
                    "activity {id} is at version {v}, not {expected_version}"
                )),
            });
        }
        insert_version(&mut tx, scope.tenant(), id.0, expected_version + 1, c, &body).await?;
        tx.commit().await.db()?;
        self.activity(scope, id).await
    }

    async fn versions(&self, scope: &TenantScope, id: ActivityId) -> Result<Vec<ActivityVersion>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM activity_versions v JOIN activities a ON a.id = v.activity_id \
             WHERE v.activity_id = $1 AND v.tenant_id = $2 ORDER BY v.version DESC"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(version_from).collect()
    }

    async fn organisation_sheet(&self, scope: &TenantScope) -> Result<Option<StoredSheet>, StoreError> {
        let row = sqlx::query("SELECT body, updated_at, updated_by FROM organisation_sheets WHERE tenant_id = $1")
            .bind(scope.tenant().0)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.map(|r| {
            Ok(StoredSheet {
                sheet: serde_json::from_str::<OrganisationSheet>(&get::<String>(&r, "body")?)
                    .map_err(|e| corrupt("organisation sheet", e))?,
                updated_at: from_micros(get(&r, "updated_at")?),
                updated_by: get(&r, "updated_by")?,
            })
        })
        .transpose()
    }

    async fn save_organisation_sheet(
        &self,
        scope: &TenantScope,
        sheet: &OrganisationSheet,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredSheet, StoreError> {
        sqlx::query(
            "INSERT INTO organisation_sheets (tenant_id, body, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (tenant_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(scope.tenant().0)
        .bind(json(sheet))
        .bind(to_micros(at))
        .bind(by)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(StoredSheet {
            sheet: sheet.clone(),
            updated_at: at,
            updated_by: by.to_owned(),
        })
    }

    async fn dpia_versions(&self, scope: &TenantScope, activity: ActivityId) -> Result<Vec<StoredDpia>, StoreError> {
        // The activity first: another tenant's id is NotFound, not "none yet".
        self.activity(scope, activity).await?;
        let rows = sqlx::query(
            "SELECT activity_id, version, body, saved_at, saved_by FROM dpias \
             WHERE tenant_id = $1 AND activity_id = $2 ORDER BY version DESC",
        )
        .bind(scope.tenant().0)
        .bind(activity.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(dpia_from).collect()
    }

    async fn save_dpia(
        &self,
        scope: &TenantScope,
        activity: ActivityId,
        expected_version: i64,
        dpia: &Dpia,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredDpia, StoreError> {
        let tenant = scope.tenant().0;
        let mut tx = self.begin_write().await?;
        let owned: Option<i64> = sqlx::query_scalar("SELECT id FROM activities WHERE id = $1 AND tenant_id = $2")
            .bind(activity.0)
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        if owned.is_none() {
            return Err(StoreError::NotFound);
        }
        let latest: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(version), 0) FROM dpias WHERE tenant_id = $1 AND activity_id = $2",
        )
        .bind(tenant)
        .bind(activity.0)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if latest != expected_version {
            return Err(StoreError::Conflict(format!(
                "the assessment is at version {latest}, not {expected_version}: someone saved in between"
            )));
        }
        // Two nodes past the check at once: the primary key refuses the
        // second (Conflict).
        sqlx::query(
            "INSERT INTO dpias (tenant_id, activity_id, version, body, saved_at, saved_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(activity.0)
        .bind(latest + 1)
        .bind(json(dpia))
        .bind(to_micros(at))
        .bind(by)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(StoredDpia {
            activity,
            version: latest + 1,
            dpia: dpia.clone(),
            saved_at: at,
            saved_by: by.to_owned(),
        })
    }

    async fn latest_dpias(&self, scope: &TenantScope) -> Result<Vec<StoredDpia>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.activity_id, d.version, d.body, d.saved_at, d.saved_by FROM dpias d \
             WHERE d.tenant_id = $1 AND d.version = \
             (SELECT MAX(x.version) FROM dpias x WHERE x.tenant_id = d.tenant_id AND x.activity_id = d.activity_id) \
             ORDER BY d.activity_id",
        )
        .bind(scope.tenant().0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(dpia_from).collect()
    }

    async fn register_history(&self, tenant: TenantId, page: Page) -> Result<Paged<ActivityVersion>, StoreError> {
        let filter = format!("v.tenant_id = {} AND $1 = $1", tenant.0);
        self.searched_page(
            VERSION_COLS,
            "activity_versions v JOIN activities a ON a.id = v.activity_id",
            &filter,
            "v.id DESC",
            "",
            page,
            version_from,
        )
        .await
    }
}
