// Vigie's own data under retention (C21, C22), compiled into both backends
// like `shared.rs` (same module: its imports and helpers are in scope).

use vigie_store::{InactiveAccount, OwnData, OwnLine, OwnStep, OwnSweep};

const OWN_COLS: &str = "id, dry, started_by, started_at, ended_at, report, signature";
/// Rows changed per transaction.
const OWN_BATCH: i64 = 200;

fn own_from(r: &Row) -> Result<OwnSweep, StoreError> {
    Ok(OwnSweep {
        id: get(r, "id")?,
        dry: get::<i64>(r, "dry")? != 0,
        started_by: get(r, "started_by")?,
        started_at: from_micros(get(r, "started_at")?),
        ended_at: get::<Option<i64>>(r, "ended_at")?.map(from_micros),
        report: get(r, "report")?,
        signature: get(r, "signature")?,
    })
}

/// A provider administrator is never the one left out: the last active
/// one is kept, however long unused.
const NOT_LAST_ADMIN: &str = "(NOT u.is_provider_admin OR EXISTS (SELECT 1 FROM users o \
    WHERE o.is_provider_admin AND NOT o.disabled AND o.anonymised_at IS NULL AND o.id <> u.id))";

/// What a step reads: its table and the rows past their time, with the
/// step's two instants as `$1` and `$2`.
fn own_where(step: OwnStep) -> (&'static str, String, i64, i64) {
    match step {
        OwnStep::InactiveAccounts {
            before,
            told_before,
        } => (
            "users u",
            format!(
                "u.anonymised_at IS NULL AND u.last_active_at < $1 AND (u.disabled OR \
                 (u.inactivity_told_at >= u.last_active_at AND u.inactivity_told_at < $2)) AND {NOT_LAST_ADMIN}"
            ),
            to_micros(before),
            to_micros(told_before),
        ),
        OwnStep::UnattachedAccounts { before } => (
            "users u",
            "u.anonymised_at IS NULL AND NOT u.is_provider_admin AND u.unattached_since < $1 \
             AND $2 = $2"
                .to_owned(),
            to_micros(before),
            0,
        ),
        OwnStep::ClosedRequests { before } => (
            "rights_requests u",
            "u.anonymised_at IS NULL AND u.status IN ('answered', 'refused', 'forwarded', 'closed') \
             AND u.updated_at < $1 AND $2 = $2"
                .to_owned(),
            to_micros(before),
            0,
        ),
        OwnStep::UnconfirmedRequests { before } => (
            "rights_requests u",
            "u.status = 'awaiting_email_check' AND u.created_at < $1 AND $2 = $2".to_owned(),
            to_micros(before),
            0,
        ),
        // Swept by `purge_consents`, a prefix of each tenant's chain.
        OwnStep::ConsentRecords { before } => (
            "consent_records u",
            "u.at < $1 AND $2 = $2".to_owned(),
            to_micros(before),
            0,
        ),
    }
}

async fn add_line(
    tx: &mut Tx,
    sweep: i64,
    what: &str,
    tenant: i64,
    matched: i64,
    changed: i64,
    replace: bool,
) -> Result<(), StoreError> {
    let set = if replace {
        "matched = excluded.matched, changed = excluded.changed"
    } else {
        "matched = own_sweep_lines.matched + excluded.matched, \
         changed = own_sweep_lines.changed + excluded.changed"
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO own_sweep_lines (sweep_id, what, tenant_id, matched, changed) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sweep_id, what, tenant_id) DO UPDATE SET {set}"
    )))
    .bind(sweep)
    .bind(what)
    .bind(tenant)
    .bind(matched)
    .bind(changed)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

/// Anonymises one account: who it was goes, its id stays (what it did
/// still points at it, C23), and it can no longer be used. Returns whether
/// it changed (the last administrator is kept).
async fn anonymise_account(tx: &mut Tx, id: i64, at: Timestamp) -> Result<bool, StoreError> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE users SET email = 'compte-supprime-' || CAST(id AS TEXT) || '@vigie.invalid', \
         name = 'Compte supprimé', password_hash = '', totp_secret = NULL, disabled = TRUE, \
         is_provider_admin = FALSE, inactivity_told_at = NULL, unattached_since = NULL, anonymised_at = $2 \
         WHERE id = $1 AND anonymised_at IS NULL AND id IN (SELECT u.id FROM users u WHERE {NOT_LAST_ADMIN})"
    )))
    .bind(id)
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await
    .db()?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    for table in ["sessions", "recovery_codes", "password_resets", "memberships", "invitations"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1")))
            .bind(id)
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(true)
}

/// Anonymises one request past its retention: the person's identity and
/// words go; its kind, dates, steps and outcome counts stay (C23).
async fn anonymise_request(tx: &mut Tx, id: i64, at: Timestamp) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE rights_requests SET subject_name = 'anonymisé', subject_email = '', identities = '[]', \
         details = '', rectifications = '[]', answer = '', extension_reason = '', code_hash = NULL, \
         anonymised_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(to_micros(at))
    .execute(&mut **tx)
    .await
    .db()?;
    sqlx::query("UPDATE rights_events SET detail = '', detail_en = '' WHERE request_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    sqlx::query("UPDATE rights_tasks SET outcome_sealed = NULL, message = '' WHERE request_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    sqlx::query("DELETE FROM rights_downloads WHERE request_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .db()?;
    Ok(())
}

#[async_trait]
impl OwnData for ThisStore {
    async fn start_own_sweep(&self, dry: bool, by: &str, at: Timestamp) -> Result<OwnSweep, StoreError> {
        let mut tx = self.begin_write().await?;
        let running: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM own_sweeps WHERE ended_at IS NULL")
            .fetch_one(&mut *tx)
            .await
            .db()?;
        if running > 0 {
            return Err(StoreError::Conflict("a sweep of Vigie's own data is under way".into()));
        }
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO own_sweeps (dry, started_by, started_at) VALUES ($1, $2, $3) RETURNING {OWN_COLS}"
        )))
        .bind(i64::from(dry))
        .bind(by)
        .bind(to_micros(at))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        own_from(&r)
    }

    async fn running_own_sweep(&self) -> Result<Option<OwnSweep>, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {OWN_COLS} FROM own_sweeps WHERE ended_at IS NULL ORDER BY id LIMIT 1"
        )))
        .fetch_optional(&self.pool)
        .await
        .db()?;
        r.as_ref().map(own_from).transpose()
    }

    async fn mark_unattached(&self, at: Timestamp) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET unattached_since = $1 WHERE unattached_since IS NULL AND anonymised_at IS NULL \
             AND NOT is_provider_admin AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)",
        )
        .bind(to_micros(at))
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query(
            "UPDATE users SET unattached_since = NULL WHERE unattached_since IS NOT NULL \
             AND (is_provider_admin OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id))",
        )
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn own_step(&self, sweep: &OwnSweep, step: OwnStep, at: Timestamp) -> Result<(), StoreError> {
        if let OwnStep::ConsentRecords { before } = step {
            return self.purge_consents(sweep, before).await;
        }
        let (from, filter, a, b) = own_where(step);
        let per_tenant = from.starts_with("rights_requests");
        let (tenant_col, group) = if per_tenant {
            ("u.tenant_id", " GROUP BY u.tenant_id")
        } else {
            ("CAST(0 AS BIGINT)", "")
        };
        if sweep.dry {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {tenant_col} AS tenant_id, COUNT(*) AS n FROM {from} WHERE {filter}{group}"
            )))
            .bind(a)
            .bind(b)
            .fetch_all(&self.pool)
            .await
            .db()?;
            let mut tx = self.begin_write().await?;
            for r in &rows {
                let n: i64 = get(r, "n")?;
                add_line(&mut tx, sweep.id, step.as_str(), get(r, "tenant_id")?, n, 0, true).await?;
            }
            tx.commit().await.db()?;
            return Ok(());
        }
        loop {
            let mut tx = self.begin_write().await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT u.id, {tenant_col} AS tenant_id FROM {from} WHERE {filter} ORDER BY u.id LIMIT {OWN_BATCH}"
            )))
            .bind(a)
            .bind(b)
            .fetch_all(&mut *tx)
            .await
            .db()?;
            if rows.is_empty() {
                return Ok(());
            }
            let mut counts: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
            for r in &rows {
                let (id, tenant): (i64, i64) = (get(r, "id")?, get(r, "tenant_id")?);
                let changed = match step {
                    OwnStep::InactiveAccounts { .. } | OwnStep::UnattachedAccounts { .. } => {
                        anonymise_account(&mut tx, id, at).await?
                    }
                    OwnStep::ClosedRequests { .. } => {
                        anonymise_request(&mut tx, id, at).await?;
                        true
                    }
                    OwnStep::UnconfirmedRequests { .. } => {
                        sqlx::query("DELETE FROM rights_requests WHERE id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .db()?;
                        true
                    }
                    // Purged as a prefix of each chain, above.
                    OwnStep::ConsentRecords { .. } => false,
                };
                let c = counts.entry(tenant).or_default();
                c.0 += 1;
                c.1 += i64::from(changed);
            }
            let progressed = counts.values().any(|c| c.1 > 0);
            for (tenant, (matched, changed)) in counts {
                add_line(&mut tx, sweep.id, step.as_str(), tenant, matched, changed, false).await?;
            }
            tx.commit().await.db()?;
            // Rows a step leaves as they are would be read again forever.
            if !progressed {
                return Ok(());
            }
        }
    }

    async fn accounts_to_tell(&self, before: Timestamp) -> Result<Vec<InactiveAccount>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLS}, last_active_at FROM users u WHERE anonymised_at IS NULL AND NOT disabled \
             AND last_active_at < $1 AND (inactivity_told_at IS NULL OR inactivity_told_at < last_active_at) \
             AND {NOT_LAST_ADMIN} ORDER BY id"
        )))
        .bind(to_micros(before))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                Ok(InactiveAccount {
                    user: user_from(r)?,
                    last_active_at: from_micros(get(r, "last_active_at")?),
                })
            })
            .collect()
    }

    async fn tell_inactive(
        &self,
        sweep: &OwnSweep,
        user: UserId,
        mail: &NewMessage,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if !sweep.dry {
            let done = sqlx::query(
                "UPDATE users SET inactivity_told_at = $2 WHERE id = $1 AND anonymised_at IS NULL \
                 AND (inactivity_told_at IS NULL OR inactivity_told_at < last_active_at)",
            )
            .bind(user.0)
            .bind(to_micros(at))
            .execute(&mut *tx)
            .await
            .db()?;
            if done.rows_affected() == 0 {
                return Ok(());
            }
            insert_message(&mut *tx, mail, at).await?;
        }
        add_line(&mut tx, sweep.id, vigie_store::OWN_NOTICES, 0, 1, i64::from(!sweep.dry), false).await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn add_own_line(&self, sweep: &OwnSweep, line: &OwnLine) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        add_line(
            &mut tx,
            sweep.id,
            &line.what,
            line.tenant.map_or(0, |t| t.0),
            line.matched,
            line.changed,
            false,
        )
        .await?;
        tx.commit().await.db()?;
        Ok(())
    }

    async fn own_lines(&self, sweep: i64) -> Result<Vec<OwnLine>, StoreError> {
        let rows = sqlx::query(
            "SELECT what, tenant_id, matched, changed FROM own_sweep_lines WHERE sweep_id = $1 \
             ORDER BY what, tenant_id",
        )
        .bind(sweep)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                let tenant: i64 = get(r, "tenant_id")?;
                Ok(OwnLine {
                    what: get(r, "what")?,
                    tenant: (tenant != 0).then_some(TenantId(tenant)),
                    matched: get(r, "matched")?,
                    changed: get(r, "changed")?,
                })
            })
            .collect()
    }

    async fn finish_own_sweep(
        &self,
        sweep: i64,
        report: &str,
        signature: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE own_sweeps SET ended_at = $2, report = $3, signature = $4 WHERE id = $1 AND ended_at IS NULL",
        )
        .bind(sweep)
        .bind(to_micros(at))
        .bind(report)
        .bind(signature)
        .execute(&self.pool)
        .await
        .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("this sweep is finished already".into()));
        }
        Ok(())
    }

    async fn own_sweeps(&self, page: Page) -> Result<Paged<OwnSweep>, StoreError> {
        self.searched_page(
            OWN_COLS,
            "own_sweeps",
            "($1 = '' OR started_by LIKE $1 ESCAPE '\\')",
            "started_at DESC, id DESC",
            "",
            page,
            own_from,
        )
        .await
    }

    async fn own_sweep(&self, id: i64) -> Result<OwnSweep, StoreError> {
        self.by_id(OWN_COLS, "own_sweeps", id, own_from).await
    }
}

impl ThisStore {
    /// For each tenant, deletes its consent records made before `before` —
    /// the oldest of its chain, up to the newest such — moves its anchor to
    /// the last one deleted and counts them on the sweep's line, in one
    /// transaction per tenant (a dry sweep counts only).
    async fn purge_consents(&self, sweep: &OwnSweep, before: Timestamp) -> Result<(), StoreError> {
        let tenants: Vec<i64> = sqlx::query_scalar("SELECT tenant_id FROM consent_heads ORDER BY tenant_id")
            .fetch_all(&self.pool)
            .await
            .db()?;
        for tenant in tenants {
            let mut tx = self.begin_write().await?;
            // The head's row lock: no append while the anchor moves.
            sqlx::query("UPDATE consent_heads SET seq = seq WHERE tenant_id = $1")
                .bind(tenant)
                .execute(&mut *tx)
                .await
                .db()?;
            let last = sqlx::query(
                "SELECT seq, hash FROM consent_records WHERE tenant_id = $1 AND seq = \
                 (SELECT MAX(seq) FROM consent_records WHERE tenant_id = $1 AND at < $2)",
            )
            .bind(tenant)
            .bind(to_micros(before))
            .fetch_optional(&mut *tx)
            .await
            .db()?;
            let Some(last) = last else {
                continue;
            };
            let (seq, hash): (i64, String) = (get(&last, "seq")?, get(&last, "hash")?);
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM consent_records WHERE tenant_id = $1 AND seq <= $2")
                .bind(tenant)
                .bind(seq)
                .fetch_one(&mut *tx)
                .await
                .db()?;
            if !sweep.dry {
                sqlx::query("DELETE FROM consent_records WHERE tenant_id = $1 AND seq <= $2")
                    .bind(tenant)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                sqlx::query("UPDATE consent_heads SET anchor_seq = $2, anchor_hash = $3 WHERE tenant_id = $1")
                    .bind(tenant)
                    .bind(seq)
                    .bind(&hash)
                    .execute(&mut *tx)
                    .await
                    .db()?;
            }
            let changed = if sweep.dry { 0 } else { n };
            add_line(&mut tx, sweep.id, "consent_records", tenant, n, changed, sweep.dry).await?;
            tx.commit().await.db()?;
        }
        Ok(())
    }
}
