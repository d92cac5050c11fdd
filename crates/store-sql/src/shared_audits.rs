// Client audits and instructions, compiled into both backends like
// `shared.rs` (same module: its imports and helpers are in scope).

use vigie_domain::audits::{Audit, Instruction};
use vigie_store::{ClientRecords, StoredAudit, StoredInstruction};

fn date_of(r: &Row, col: &str) -> Result<Date, StoreError> {
    get::<String>(r, col)?.parse().map_err(|e| corrupt(col, e))
}

fn audit_from(r: &Row) -> Result<StoredAudit, StoreError> {
    Ok(StoredAudit {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        requested_on: date_of(r, "requested_on")?,
        planned_on: date_of(r, "planned_on")?,
        body: serde_json::from_str(&get::<String>(r, "body")?).map_err(|e| corrupt("audit", e))?,
        created_by: get(r, "created_by")?,
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

fn instruction_from(r: &Row) -> Result<StoredInstruction, StoreError> {
    Ok(StoredInstruction {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        given_on: date_of(r, "given_on")?,
        body: serde_json::from_str(&get::<String>(r, "body")?).map_err(|e| corrupt("instruction", e))?,
        created_by: get(r, "created_by")?,
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

const AUDIT_COLS: &str = "id, tenant_id, requested_on, planned_on, body, created_by, updated_at";
const INSTRUCTION_COLS: &str = "id, tenant_id, given_on, body, created_by, updated_at";

fn instruction_search(b: &Instruction) -> String {
    format!("{} {} {}", b.given_by, b.purpose, b.operation).to_lowercase()
}

#[async_trait]
impl ClientRecords for ThisStore {
    async fn create_audit(
        &self,
        scope: &TenantScope,
        requested_on: Date,
        planned_on: Date,
        body: &Audit,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredAudit, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO audits (tenant_id, requested_on, planned_on, body, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {AUDIT_COLS}"
        )))
        .bind(scope.tenant().0)
        .bind(requested_on.to_string())
        .bind(planned_on.to_string())
        .bind(json(body))
        .bind(by)
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        audit_from(&r)
    }

    async fn audits(&self, scope: &TenantScope) -> Result<Vec<StoredAudit>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLS} FROM audits WHERE tenant_id = $1 ORDER BY planned_on DESC, id DESC"
        )))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(audit_from).collect()
    }

    async fn audit(&self, scope: &TenantScope, id: i64) -> Result<StoredAudit, StoreError> {
        let tenant = scope.tenant();
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLS} FROM audits WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(tenant.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        audit_from(&r)
    }

    async fn save_audit(&self, scope: &TenantScope, id: i64, body: &Audit, at: Timestamp) -> Result<(), StoreError> {
        let tenant = scope.tenant();
        let done = sqlx::query("UPDATE audits SET body = $1, updated_at = $2 WHERE id = $3 AND tenant_id = $4")
            .bind(json(body))
            .bind(to_micros(at))
            .bind(id)
            .bind(tenant.0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn create_instruction(
        &self,
        scope: &TenantScope,
        given_on: Date,
        body: &Instruction,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredInstruction, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO instructions (tenant_id, given_on, body, search, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {INSTRUCTION_COLS}"
        )))
        .bind(scope.tenant().0)
        .bind(given_on.to_string())
        .bind(json(body))
        .bind(instruction_search(body))
        .bind(by)
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        instruction_from(&r)
    }

    async fn instructions(&self, scope: &TenantScope, search: &str, page: Page) -> Result<Paged<StoredInstruction>, StoreError> {
        let tenant = scope.tenant();
        let filter = format!("tenant_id = {} AND ($1 = '' OR search LIKE $1 ESCAPE '\\')", tenant.0);
        self.searched_page(INSTRUCTION_COLS, "instructions", &filter, "given_on DESC, id DESC", search, page, instruction_from)
            .await
    }

    async fn instruction(&self, scope: &TenantScope, id: i64) -> Result<StoredInstruction, StoreError> {
        let tenant = scope.tenant();
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INSTRUCTION_COLS} FROM instructions WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(tenant.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        instruction_from(&r)
    }

    async fn save_instruction(&self, scope: &TenantScope, id: i64, body: &Instruction, at: Timestamp) -> Result<(), StoreError> {
        let tenant = scope.tenant();
        let done = sqlx::query(
            "UPDATE instructions SET body = $1, search = $2, updated_at = $3 WHERE id = $4 AND tenant_id = $5",
        )
        .bind(json(body))
        .bind(instruction_search(body))
        .bind(to_micros(at))
        .bind(id)
        .bind(tenant.0)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }
}
