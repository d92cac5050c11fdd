// The record of Vigie's backups (C31-C34), compiled into both backends
// like `shared.rs` (same module: its imports and helpers are in scope).

use vigie_store::{Backup, Backups};

const BACKUP_COLS: &str = "id, name, state, started_at, ended_at, backend, size, sha256, targets, error, node, \
    restore_state, restore_at, restore_ms, restore_detail";

fn backup_from(r: &Row) -> Result<Backup, StoreError> {
    Ok(Backup {
        id: get(r, "id")?,
        name: get(r, "name")?,
        state: get(r, "state")?,
        started_at: from_micros(get(r, "started_at")?),
        ended_at: get::<Option<i64>>(r, "ended_at")?.map(from_micros),
        backend: get(r, "backend")?,
        size: get(r, "size")?,
        sha256: get(r, "sha256")?,
        targets: get(r, "targets")?,
        error: get(r, "error")?,
        node: get(r, "node")?,
        restore_state: get(r, "restore_state")?,
        restore_at: get::<Option<i64>>(r, "restore_at")?.map(from_micros),
        restore_ms: get(r, "restore_ms")?,
        restore_detail: get(r, "restore_detail")?,
    })
}

#[async_trait]
impl Backups for ThisStore {
    async fn start_backup(&self, name: &str, backend: &str, node: &str, at: Timestamp) -> Result<Backup, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE backups SET state = 'failed', ended_at = $1, \
             error = 'interrupted: the process stopped before the backup ended' WHERE state = 'running'",
        )
        .bind(to_micros(at))
        .execute(&mut *tx)
        .await
        .db()?;
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO backups (name, state, started_at, backend, node) VALUES ($1, 'running', $2, $3, $4) \
             RETURNING {BACKUP_COLS}"
        )))
        .bind(name)
        .bind(to_micros(at))
        .bind(backend)
        .bind(node)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        backup_from(&r)
    }

    async fn finish_backup(
        &self,
        id: i64,
        size: i64,
        sha256: &str,
        targets: &str,
        error: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE backups SET state = 'done', size = $2, sha256 = $3, targets = $4, error = $5, ended_at = $6 \
             WHERE id = $1 AND state = 'running'",
        )
        .bind(id)
        .bind(size)
        .bind(sha256)
        .bind(targets)
        .bind(error)
        .bind(to_micros(at))
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn fail_backup(&self, id: i64, error: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE backups SET state = 'failed', error = $2, ended_at = $3 WHERE id = $1 AND state = 'running'")
            .bind(id)
            .bind(error)
            .bind(to_micros(at))
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn record_restore(&self, id: i64, ok: bool, ms: i64, detail: &str, at: Timestamp) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE backups SET restore_state = $2, restore_ms = $3, restore_detail = $4, restore_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(if ok { "ok" } else { "failed" })
        .bind(ms)
        .bind(detail)
        .bind(to_micros(at))
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn mark_backup_deleted(&self, id: i64, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE backups SET state = 'deleted', ended_at = COALESCE(ended_at, $2) WHERE id = $1")
            .bind(id)
            .bind(to_micros(at))
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn backups(&self, page: Page) -> Result<Paged<Backup>, StoreError> {
        self.searched_page(
            BACKUP_COLS,
            "backups",
            "($1 = '' OR name LIKE $1 ESCAPE '\\')",
            "CASE WHEN state = 'failed' OR restore_state = 'failed' THEN 0 ELSE 1 END, started_at DESC, id DESC",
            "",
            page,
            backup_from,
        )
        .await
    }

    async fn backup(&self, id: i64) -> Result<Backup, StoreError> {
        self.by_id(BACKUP_COLS, "backups", id, backup_from).await
    }

    async fn backup_by_name(&self, name: &str) -> Result<Backup, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {BACKUP_COLS} FROM backups WHERE name = $1")))
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .db()?;
        backup_from(&r)
    }

    async fn good_backups(&self) -> Result<Vec<Backup>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {BACKUP_COLS} FROM backups WHERE state = 'done' ORDER BY started_at DESC, id DESC"
        )))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(backup_from).collect()
    }

    async fn alert_once(&self, kind: &str, key: &str, at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO backup_alerts (kind, key, at) VALUES ($1, $2, $3) ON CONFLICT (kind, key) DO NOTHING",
        )
        .bind(kind)
        .bind(key)
        .bind(to_micros(at))
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() == 1)
    }
}
