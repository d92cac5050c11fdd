// Retention rules and sweeps, compiled into both backends like `shared.rs`
// (same module: its imports and helpers are in scope).

use vigie_domain::retention::{Period, PeriodUnit, RetentionAction, RetentionRule};
use vigie_store::{Copies, DestructionCertificate, Ending, Endings, MaskedCopy, PendingBatch, Progress, Retention, RetentionRun, StoredRule};

const RULE_COLS: &str = "id, tenant_id, system_id, label, table_name, trigger_column, amount, unit, action, \
    done_before, created_at";
const RUN_COLS: &str = "id, tenant_id, dry, status, started_by, started_at, ended_at, report, signature";

fn rule_from(r: &Row) -> Result<StoredRule, StoreError> {
    let unit = parse_code("unit", get(r, "unit")?, PeriodUnit::parse)?;
    let amount: i64 = get(r, "amount")?;
    Ok(StoredRule {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        rule: RetentionRule {
            system: SystemId(get(r, "system_id")?),
            label: get(r, "label")?,
            table: get(r, "table_name")?,
            trigger_column: get(r, "trigger_column")?,
            period: Period::new(amount, unit).map_err(|e| corrupt("amount", e))?,
            action: parse_code("action", get(r, "action")?, RetentionAction::parse)?,
        },
        done_before: get::<Option<String>>(r, "done_before")?
            .map(|d| d.parse().map_err(|e| corrupt("done_before", e)))
            .transpose()?,
        created_at: from_micros(get(r, "created_at")?),
    })
}

fn run_from(r: &Row) -> Result<RetentionRun, StoreError> {
    Ok(RetentionRun {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        dry: get::<i64>(r, "dry")? != 0,
        status: get(r, "status")?,
        started_by: get(r, "started_by")?,
        started_at: from_micros(get(r, "started_at")?),
        ended_at: get::<Option<i64>>(r, "ended_at")?.map(from_micros),
        report: get(r, "report")?,
        signature: get(r, "signature")?,
    })
}

#[async_trait]
impl Retention for ThisStore {
    async fn create_rule(&self, scope: &TenantScope, rule: &RetentionRule, at: Timestamp) -> Result<StoredRule, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO retention_rules (tenant_id, system_id, label, table_name, trigger_column, amount, unit, action, \
             created_at, updated_at) SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $9 FROM connected_systems \
             WHERE id = $2 AND tenant_id = $1 RETURNING {RULE_COLS}"
        )))
        .bind(scope.tenant().0)
        .bind(rule.system.0)
        .bind(&rule.label)
        .bind(&rule.table)
        .bind(&rule.trigger_column)
        .bind(rule.period.amount())
        .bind(rule.period.unit().as_str())
        .bind(rule.action.as_str())
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        rule_from(&r)
    }

    async fn rules(&self, scope: &TenantScope) -> Result<Vec<StoredRule>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RULE_COLS} FROM retention_rules WHERE tenant_id = $1 ORDER BY label, id"
        )))
        .bind(scope.tenant().0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(rule_from).collect()
    }

    async fn rule(&self, scope: &TenantScope, id: i64) -> Result<StoredRule, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RULE_COLS} FROM retention_rules WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        rule_from(&r)
    }

    async fn delete_rule(&self, scope: &TenantScope, id: i64) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM retention_rules WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(scope.tenant().0)
            .execute(&self.pool)
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn tenants_with_rules(&self) -> Result<Vec<TenantId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT tenant_id FROM retention_rules ORDER BY tenant_id")
            .fetch_all(&self.pool)
            .await
            .db()?;
        Ok(ids.into_iter().map(TenantId).collect())
    }

    async fn start_run(&self, scope: &TenantScope, dry: bool, by: &str, at: Timestamp) -> Result<RetentionRun, StoreError> {
        let mut tx = self.begin_write().await?;
        let running: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM retention_runs WHERE tenant_id = $1 AND status = 'running'",
        )
        .bind(scope.tenant().0)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if running > 0 {
            return Err(StoreError::Conflict("a sweep of this organisation is under way".into()));
        }
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO retention_runs (tenant_id, dry, status, started_by, started_at) \
             VALUES ($1, $2, 'running', $3, $4) RETURNING {RUN_COLS}"
        )))
        .bind(scope.tenant().0)
        .bind(i64::from(dry))
        .bind(by)
        .bind(to_micros(at))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        run_from(&r)
    }

    async fn running_run(&self, scope: &TenantScope) -> Result<Option<RetentionRun>, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLS} FROM retention_runs WHERE tenant_id = $1 AND status = 'running' ORDER BY id LIMIT 1"
        )))
        .bind(scope.tenant().0)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        r.as_ref().map(run_from).transpose()
    }

    async fn progress(&self, run: i64, rule: i64) -> Result<Progress, StoreError> {
        let r = sqlx::query(
            "SELECT last_key, matched, changed, pending, done, error FROM retention_progress \
             WHERE run_id = $1 AND rule_id = $2",
        )
        .bind(run)
        .bind(rule)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        let Some(r) = r else {
            return Ok(Progress::default());
        };
        Ok(Progress {
            last_key: get(&r, "last_key")?,
            matched: get(&r, "matched")?,
            changed: get(&r, "changed")?,
            pending: get::<Option<String>>(&r, "pending")?
                .map(|p| serde_json::from_str(&p).map_err(|e| corrupt("pending", e)))
                .transpose()?,
            done: get::<i64>(&r, "done")? != 0,
            error: get(&r, "error")?,
        })
    }

    async fn set_pending(&self, run: i64, rule: i64, batch: &PendingBatch) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO retention_progress (run_id, rule_id) VALUES ($1, $2) ON CONFLICT (run_id, rule_id) DO NOTHING",
        )
        .bind(run)
        .bind(rule)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query("UPDATE retention_progress SET pending = $1 WHERE run_id = $2 AND rule_id = $3")
            .bind(json(batch))
            .bind(run)
            .bind(rule)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()
    }

    async fn advance(&self, run: i64, rule: i64) -> Result<(), StoreError> {
        let p = self.progress(run, rule).await?;
        let Some(b) = p.pending else { return Ok(()) };
        sqlx::query(
            "UPDATE retention_progress SET last_key = $1, matched = matched + $2, changed = changed + $3, \
             pending = NULL WHERE run_id = $4 AND rule_id = $5 AND pending IS NOT NULL",
        )
        .bind(&b.upto)
        .bind(b.matched)
        .bind(b.changed)
        .bind(run)
        .bind(rule)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn clear_pending(&self, run: i64, rule: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE retention_progress SET pending = NULL WHERE run_id = $1 AND rule_id = $2")
            .bind(run)
            .bind(rule)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn finish_rule(
        &self,
        scope: &TenantScope,
        run: i64,
        rule: i64,
        error: &str,
        done_before: Option<jiff::civil::Date>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO retention_progress (run_id, rule_id) VALUES ($1, $2) ON CONFLICT (run_id, rule_id) DO NOTHING",
        )
        .bind(run)
        .bind(rule)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query("UPDATE retention_progress SET done = 1, error = $1 WHERE run_id = $2 AND rule_id = $3")
            .bind(error)
            .bind(run)
            .bind(rule)
            .execute(&mut *tx)
            .await
            .db()?;
        if let Some(d) = done_before {
            sqlx::query("UPDATE retention_rules SET done_before = $1 WHERE id = $2 AND tenant_id = $3")
                .bind(d.to_string())
                .bind(rule)
                .bind(scope.tenant().0)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()
    }

    async fn finish_run(&self, scope: &TenantScope, run: i64, report: &str, signature: &str, at: Timestamp) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE retention_runs SET status = 'done', report = $1, signature = $2, ended_at = $3 \
             WHERE id = $4 AND tenant_id = $5 AND status = 'running'",
        )
        .bind(report)
        .bind(signature)
        .bind(to_micros(at))
        .bind(run)
        .bind(scope.tenant().0)
        .execute(&self.pool)
        .await
        .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("this sweep is finished already".into()));
        }
        Ok(())
    }

    async fn runs(&self, scope: &TenantScope, page: Page) -> Result<Paged<RetentionRun>, StoreError> {
        let filter = format!("tenant_id = {} AND ($1 = '' OR started_by LIKE $1 ESCAPE '\\')", scope.tenant().0);
        self.searched_page(RUN_COLS, "retention_runs", &filter, "started_at DESC, id DESC", "", page, run_from)
            .await
    }

    async fn run(&self, scope: &TenantScope, id: i64) -> Result<RetentionRun, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RUN_COLS} FROM retention_runs WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        run_from(&r)
    }
}

const COPY_COLS: &str = "id, tenant_id, system_id, target_sealed, target_hint, state, rows_copied, summary, error, \
    requested_by, created_at, updated_at";

fn copy_from(r: &Row) -> Result<MaskedCopy, StoreError> {
    Ok(MaskedCopy {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        system: SystemId(get(r, "system_id")?),
        target_sealed: get(r, "target_sealed")?,
        target_hint: get(r, "target_hint")?,
        state: get(r, "state")?,
        rows_copied: get(r, "rows_copied")?,
        summary: get(r, "summary")?,
        error: get(r, "error")?,
        requested_by: get(r, "requested_by")?,
        created_at: from_micros(get(r, "created_at")?),
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

#[async_trait]
impl Copies for ThisStore {
    async fn create_copy(
        &self,
        scope: &TenantScope,
        system: SystemId,
        target_sealed: &[u8],
        target_hint: &str,
        by: &str,
        at: Timestamp,
    ) -> Result<MaskedCopy, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO masked_copies (tenant_id, system_id, target_sealed, target_hint, state, requested_by, created_at, updated_at) \
             SELECT $1, id, $3, $4, 'queued', $5, $6, $6 FROM connected_systems WHERE id = $2 AND tenant_id = $1 \
             RETURNING {COPY_COLS}"
        )))
        .bind(scope.tenant().0)
        .bind(system.0)
        .bind(target_sealed)
        .bind(target_hint)
        .bind(by)
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        copy_from(&r)
    }

    async fn copies(&self, scope: &TenantScope, system: SystemId) -> Result<Vec<MaskedCopy>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COPY_COLS} FROM masked_copies WHERE tenant_id = $1 AND system_id = $2 ORDER BY created_at DESC, id DESC LIMIT 20"
        )))
        .bind(scope.tenant().0)
        .bind(system.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(copy_from).collect()
    }

    async fn copy(&self, scope: &TenantScope, id: i64) -> Result<MaskedCopy, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COPY_COLS} FROM masked_copies WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        copy_from(&r)
    }

    async fn save_copy(&self, scope: &TenantScope, c: &MaskedCopy) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE masked_copies SET state = $1, rows_copied = $2, summary = $3, error = $4, updated_at = $5 \
             WHERE id = $6 AND tenant_id = $7",
        )
        .bind(&c.state)
        .bind(c.rows_copied)
        .bind(&c.summary)
        .bind(&c.error)
        .bind(to_micros(c.updated_at))
        .bind(c.id)
        .bind(scope.tenant().0)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }
}

fn ending_from(r: &Row) -> Result<Ending, StoreError> {
    Ok(Ending {
        tenant: TenantId(get(r, "tenant_id")?),
        destroy_on: get::<String>(r, "destroy_on")?
            .parse()
            .map_err(|e| corrupt("destroy_on", e))?,
        started_by: get(r, "started_by")?,
        started_at: from_micros(get(r, "started_at")?),
    })
}

fn certificate_from(r: &Row) -> Result<DestructionCertificate, StoreError> {
    Ok(DestructionCertificate {
        id: get(r, "id")?,
        tenant_slug: get(r, "tenant_slug")?,
        tenant_name: get(r, "tenant_name")?,
        destroyed_at: from_micros(get(r, "destroyed_at")?),
        certificate: get(r, "certificate")?,
        signature: get(r, "signature")?,
    })
}

const CERT_COLS: &str = "id, tenant_slug, tenant_name, destroyed_at, certificate, signature";

/// What a tenant holds, counted for its certificate: (what, SQL).
const COUNTED: &[(&str, &str)] = &[
    ("register_activities", "SELECT COUNT(*) FROM activities WHERE tenant_id = $1"),
    ("rights_requests", "SELECT COUNT(*) FROM rights_requests WHERE tenant_id = $1"),
    ("incidents", "SELECT COUNT(*) FROM incidents WHERE tenant_id = $1"),
    (
        "notification_phases",
        "SELECT COUNT(*) FROM incident_phases p JOIN incidents i ON i.id = p.incident_id WHERE i.tenant_id = $1",
    ),
    ("connected_systems", "SELECT COUNT(*) FROM connected_systems WHERE tenant_id = $1"),
    ("retention_rules", "SELECT COUNT(*) FROM retention_rules WHERE tenant_id = $1"),
    ("memberships", "SELECT COUNT(*) FROM memberships WHERE tenant_id = $1"),
];

#[async_trait]
impl Endings for ThisStore {
    async fn start_ending(
        &self,
        tenant: TenantId,
        destroy_on: jiff::civil::Date,
        export_token_hash: &str,
        by: &str,
        at: Timestamp,
    ) -> Result<Ending, StoreError> {
        let r = sqlx::query(
            "INSERT INTO tenant_endings (tenant_id, destroy_on, export_token_hash, started_by, started_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING tenant_id, destroy_on, started_by, started_at",
        )
        .bind(tenant.0)
        .bind(destroy_on.to_string())
        .bind(export_token_hash)
        .bind(by)
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        ending_from(&r)
    }

    async fn ending(&self, tenant: TenantId) -> Result<Option<Ending>, StoreError> {
        let r = sqlx::query("SELECT tenant_id, destroy_on, started_by, started_at FROM tenant_endings WHERE tenant_id = $1")
            .bind(tenant.0)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        r.as_ref().map(ending_from).transpose()
    }

    async fn ending_by_token(&self, export_token_hash: &str) -> Result<Ending, StoreError> {
        if export_token_hash.is_empty() {
            return Err(StoreError::NotFound);
        }
        let r = sqlx::query(
            "SELECT tenant_id, destroy_on, started_by, started_at FROM tenant_endings WHERE export_token_hash = $1",
        )
        .bind(export_token_hash)
        .fetch_one(&self.pool)
        .await
        .db()?;
        ending_from(&r)
    }

    async fn cancel_ending(&self, tenant: TenantId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM tenant_endings WHERE tenant_id = $1")
            .bind(tenant.0)
            .execute(&self.pool)
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn endings_due(&self, today: jiff::civil::Date) -> Result<Vec<Ending>, StoreError> {
        let rows = sqlx::query(
            "SELECT tenant_id, destroy_on, started_by, started_at FROM tenant_endings WHERE destroy_on <= $1 ORDER BY tenant_id",
        )
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(ending_from).collect()
    }

    async fn tenant_counts(&self, tenant: TenantId) -> Result<Vec<(String, i64)>, StoreError> {
        let mut out = Vec::new();
        for (what, sql) in COUNTED {
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(*sql))
                .bind(tenant.0)
                .fetch_one(&self.pool)
                .await
                .db()?;
            out.push(((*what).to_owned(), n));
        }
        Ok(out)
    }

    async fn destroy_tenant(&self, tenant: TenantId, c: &DestructionCertificate) -> Result<DestructionCertificate, StoreError> {
        let mut tx = self.begin_write().await?;
        // What refers to the tenant without being its own: forgotten first.
        sqlx::query("UPDATE rights_requests SET forwarded_to = NULL WHERE forwarded_to = $1")
            .bind(tenant.0)
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query("UPDATE problem_clients SET incident_id = NULL WHERE tenant_id = $1")
            .bind(tenant.0)
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query(LIFT_PHASE_GUARD).execute(&mut *tx).await.db()?;
        sqlx::query("DELETE FROM incident_phases WHERE incident_id IN (SELECT id FROM incidents WHERE tenant_id = $1)")
            .bind(tenant.0)
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query(RESTORE_PHASE_GUARD).execute(&mut *tx).await.db()?;
        let done = sqlx::query("DELETE FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .execute(&mut *tx)
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO destruction_certificates (tenant_slug, tenant_name, destroyed_at, certificate, signature) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {CERT_COLS}"
        )))
        .bind(&c.tenant_slug)
        .bind(&c.tenant_name)
        .bind(to_micros(c.destroyed_at))
        .bind(&c.certificate)
        .bind(&c.signature)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        certificate_from(&r)
    }

    async fn certificates(&self, page: Page) -> Result<Paged<DestructionCertificate>, StoreError> {
        self.searched_page(CERT_COLS, "destruction_certificates", "($1 = '' OR tenant_slug LIKE $1 ESCAPE '\\')", "destroyed_at DESC, id DESC", "", page, certificate_from)
            .await
    }

    async fn certificate(&self, id: i64) -> Result<DestructionCertificate, StoreError> {
        self.by_id(CERT_COLS, "destruction_certificates", id, certificate_from).await
    }
}
