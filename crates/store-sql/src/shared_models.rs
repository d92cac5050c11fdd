// Model registers, compiled into both backends like `shared.rs` (same
// module: its imports and helpers are in scope).

use vigie_store::{ModelLink, Models, StoredModel};

async fn model_body(
    ex: impl sqlx::Executor<'_, Database = Db>,
    id: i64,
    version: i64,
) -> Result<Vec<Activity>, StoreError> {
    let body: String = sqlx::query_scalar("SELECT body FROM model_versions WHERE model_id = $1 AND version = $2")
        .bind(id)
        .bind(version)
        .fetch_one(ex)
        .await
        .db()?;
    serde_json::from_str(&body).map_err(|e| corrupt("model", e))
}

#[async_trait]
impl Models for ThisStore {
    async fn create_model(&self, product: &str, activities: &[Activity], by: &str, at: Timestamp) -> Result<StoredModel, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO models (product, version, updated_at, updated_by) VALUES ($1, 1, $2, $3) RETURNING id",
        )
        .bind(product.trim())
        .bind(to_micros(at))
        .bind(by)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        sqlx::query("INSERT INTO model_versions (model_id, version, body, at) VALUES ($1, 1, $2, $3)")
            .bind(id)
            .bind(json(&activities))
            .bind(to_micros(at))
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        self.model(id).await
    }

    async fn publish_model(
        &self,
        id: i64,
        expected: i64,
        activities: &[Activity],
        by: &str,
        at: Timestamp,
    ) -> Result<StoredModel, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE models SET version = version + 1, updated_at = $1, updated_by = $2 WHERE id = $3 AND version = $4",
        )
        .bind(to_micros(at))
        .bind(by)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await
        .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("model {id} is no longer at version {expected}")));
        }
        sqlx::query("INSERT INTO model_versions (model_id, version, body, at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(expected + 1)
            .bind(json(&activities))
            .bind(to_micros(at))
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        self.model(id).await
    }

    async fn model(&self, id: i64) -> Result<StoredModel, StoreError> {
        let r = sqlx::query("SELECT id, product, version, updated_at, updated_by FROM models WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .db()?;
        let version: i64 = get(&r, "version")?;
        Ok(StoredModel {
            id,
            product: get(&r, "product")?,
            version,
            activities: model_body(&self.pool, id, version).await?,
            updated_at: from_micros(get(&r, "updated_at")?),
            updated_by: get(&r, "updated_by")?,
        })
    }

    async fn model_version(&self, id: i64, version: i64) -> Result<Vec<Activity>, StoreError> {
        model_body(&self.pool, id, version).await
    }

    async fn models(&self, search: &str, page: Page) -> Result<Paged<StoredModel>, StoreError> {
        let filter = "($1 = '' OR LOWER(product) LIKE $1 ESCAPE '\\')";
        let ids = self
            .searched_page("id", "models", filter, "product", search, page, |r| get::<i64>(r, "id"))
            .await?;
        let mut items = Vec::with_capacity(ids.items.len());
        for id in &ids.items {
            items.push(self.model(*id).await?);
        }
        Ok(paged(items, ids.total, page))
    }

    async fn create_linked_activity(
        &self,
        scope: &TenantScope,
        c: &ActivityChange,
        link: &ModelLink,
    ) -> Result<StoredActivity, StoreError> {
        let id = insert_activity(self, scope, c, Some(link)).await?;
        self.activity(scope, ActivityId(id)).await
    }

    async fn linked_activities(&self, scope: &TenantScope, model: i64) -> Result<Vec<(StoredActivity, ModelLink)>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ACTIVITY_COLS}, model_id, model_version, model_name FROM activities \
             WHERE tenant_id = $1 AND model_id = $2 ORDER BY name"
        )))
        .bind(scope.tenant().0)
        .bind(model)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                Ok((
                    activity_from(r)?,
                    ModelLink {
                        model: get(r, "model_id")?,
                        version: get(r, "model_version")?,
                        name: get(r, "model_name")?,
                    },
                ))
            })
            .collect()
    }

    async fn relink(&self, scope: &TenantScope, id: ActivityId, version: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE activities SET model_version = $1 WHERE id = $2 AND tenant_id = $3 AND model_id IS NOT NULL")
            .bind(version)
            .bind(id.0)
            .bind(scope.tenant().0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }
}
