// The incident and breach register, compiled into both backends like
// `shared.rs` (same module: its imports and helpers are in scope).

use vigie_domain::breach::{Facts, IncidentStatus, InformDecision, PhaseKind};
use vigie_store::{Declared, Incident, Incidents, NewIncident, PendingDeclaration, Phase};

const INCIDENT_COLS: &str = "id, tenant_id, reference, title, description, intake, declared_by, declared_at, \
    aware_at, status, facts, inform, inform_reasoning, reminders_sent, notified_at, late_reason, updated_at";

fn facts_from(text: &str) -> Result<Facts, StoreError> {
    serde_json::from_str(text).map_err(|e| corrupt("facts", e))
}

fn incident_from(r: &Row) -> Result<Incident, StoreError> {
    Ok(Incident {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        reference: get(r, "reference")?,
        title: get(r, "title")?,
        description: get(r, "description")?,
        intake: parse_code("intake", get(r, "intake")?, vigie_domain::breach::Intake::parse)?,
        declared_by: get(r, "declared_by")?,
        declared_at: from_micros(get(r, "declared_at")?),
        aware_at: from_micros(get(r, "aware_at")?),
        status: parse_code("status", get(r, "status")?, IncidentStatus::parse)?,
        facts: facts_from(&get::<String>(r, "facts")?)?,
        inform: get::<Option<String>>(r, "inform")?
            .map(|v| parse_code("inform", v, InformDecision::parse))
            .transpose()?,
        inform_reasoning: get(r, "inform_reasoning")?,
        reminders_sent: get(r, "reminders_sent")?,
        notified_at: get::<Option<i64>>(r, "notified_at")?.map(from_micros),
        late_reason: get(r, "late_reason")?,
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

fn parse_code<T>(what: &str, s: String, f: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(&s).ok_or_else(|| corrupt(what, s))
}

fn incident_search(i: &Incident) -> String {
    format!("{} {} {}", i.reference, i.title, i.description).to_lowercase()
}

fn phase_from(r: &Row) -> Result<Phase, StoreError> {
    Ok(Phase {
        n: get(r, "n")?,
        kind: parse_code("kind", get(r, "kind")?, PhaseKind::parse)?,
        facts: facts_from(&get::<String>(r, "facts")?)?,
        late_reason: get(r, "late_reason")?,
        sent_at: from_micros(get(r, "sent_at")?),
        sent_by: get(r, "sent_by")?,
    })
}

/// Writes every field but the identity ones, if `updated_at` is still
/// `expected`.
async fn update_incident(
    tx: &mut Tx,
    tenant: TenantId,
    i: &Incident,
    expected: Timestamp,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE incidents SET title = $1, description = $2, aware_at = $3, status = $4, facts = $5, \
         inform = $6, inform_reasoning = $7, notified_at = $8, late_reason = $9, search = $10, updated_at = $11 \
         WHERE id = $12 AND tenant_id = $13 AND updated_at = $14",
    )
    .bind(&i.title)
    .bind(&i.description)
    .bind(to_micros(i.aware_at))
    .bind(i.status.as_str())
    .bind(json(&i.facts))
    .bind(i.inform.map(|d| d.as_str()))
    .bind(&i.inform_reasoning)
    .bind(i.notified_at.map(to_micros))
    .bind(&i.late_reason)
    .bind(incident_search(i))
    .bind(to_micros(i.updated_at))
    .bind(i.id)
    .bind(tenant.0)
    .bind(to_micros(expected))
    .execute(&mut **tx)
    .await
    .db()?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "the incident was changed meanwhile: reload it".into(),
        ));
    }
    Ok(())
}

/// Inserts an incident with the tenant's next reference of the year.
async fn insert_incident(tx: &mut Tx, tenant: TenantId, new: &NewIncident) -> Result<Incident, StoreError> {
    let year = vigie_domain::time::legal_date(new.at).year();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incidents WHERE tenant_id = $1 AND reference LIKE $2")
        .bind(tenant.0)
        .bind(format!("V-{year}-%"))
        .fetch_one(&mut **tx)
        .await
        .db()?;
    let reference = format!("V-{year}-{:03}", n + 1);
    let search = format!("{reference} {} {}", new.title, new.description).to_lowercase();
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO incidents (tenant_id, reference, title, description, intake, declared_by, declared_at, \
         aware_at, status, facts, search, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $7) RETURNING {INCIDENT_COLS}"
    )))
    .bind(tenant.0)
    .bind(&reference)
    .bind(&new.title)
    .bind(&new.description)
    .bind(new.intake.as_str())
    .bind(&new.declared_by)
    .bind(to_micros(new.at))
    .bind(to_micros(new.aware_at))
    .bind(IncidentStatus::Declared.as_str())
    .bind(json(&new.facts))
    .bind(search)
    .fetch_one(&mut **tx)
    .await
    .db()?;
    incident_from(&row)
}

const DECLARATION_COLS: &str =
    "tenant_id, code_hash, code_expires, attempts, title, description, declared_by, email, aware_at, created_at";

fn declaration_from(r: &Row) -> Result<PendingDeclaration, StoreError> {
    Ok(PendingDeclaration {
        tenant: get::<Option<i64>>(r, "tenant_id")?.map(TenantId),
        code_hash: get(r, "code_hash")?,
        code_expires: from_micros(get(r, "code_expires")?),
        attempts: get(r, "attempts")?,
        title: get(r, "title")?,
        description: get(r, "description")?,
        declared_by: get(r, "declared_by")?,
        email: get(r, "email")?,
        aware_at: from_micros(get(r, "aware_at")?),
        created_at: from_micros(get(r, "created_at")?),
    })
}

/// Creates a record in a fresh transaction, retrying when two took the
/// same reference at once.
macro_rules! with_free_reference {
    ($self:ident, $tx:ident => $body:expr) => {{
        let mut out = Err(StoreError::Conflict("no free incident reference".into()));
        for _ in 0..5 {
            let mut $tx = $self.begin_write().await?;
            match $body {
                Ok(v) => {
                    $tx.commit().await.db()?;
                    out = Ok(v);
                    break;
                }
                Err(StoreError::Conflict(m)) if m.contains("reference") || m.contains("unique") => continue,
                Err(e) => return Err(e),
            }
        }
        out
    }};
}

#[async_trait]
impl Incidents for ThisStore {
    async fn create_incident(&self, scope: &TenantScope, new: &NewIncident) -> Result<Incident, StoreError> {
        // Two declarations at once: the second retries with the next number.
        with_free_reference!(self, tx => insert_incident(&mut tx, scope.tenant(), new).await)
    }

    async fn incident(&self, scope: &TenantScope, id: i64) -> Result<Incident, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INCIDENT_COLS} FROM incidents WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        incident_from(&r)
    }

    async fn incidents(&self, scope: &TenantScope, search: &str, page: Page) -> Result<Paged<Incident>, StoreError> {
        let filter = format!("tenant_id = {} AND ($1 = '' OR search LIKE $1 ESCAPE '\\')", scope.tenant().0);
        self.searched_page(INCIDENT_COLS, "incidents", &filter, "aware_at DESC, id DESC", search, page, incident_from)
            .await
    }

    async fn save_incident(&self, scope: &TenantScope, i: &Incident, expected: Timestamp) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        update_incident(&mut tx, scope.tenant(), i, expected).await?;
        tx.commit().await.db()
    }

    async fn add_phase(
        &self,
        scope: &TenantScope,
        i: &Incident,
        expected: Timestamp,
        phase: &Phase,
    ) -> Result<Phase, StoreError> {
        let mut tx = self.begin_write().await?;
        update_incident(&mut tx, scope.tenant(), i, expected).await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incident_phases WHERE incident_id = $1")
            .bind(i.id)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        sqlx::query(
            "INSERT INTO incident_phases (incident_id, n, kind, facts, late_reason, sent_at, sent_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(i.id)
        .bind(n + 1)
        .bind(phase.kind.as_str())
        .bind(json(&phase.facts))
        .bind(&phase.late_reason)
        .bind(to_micros(phase.sent_at))
        .bind(&phase.sent_by)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(Phase { n: n + 1, ..phase.clone() })
    }

    async fn phases(&self, scope: &TenantScope, id: i64) -> Result<Vec<Phase>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.n, p.kind, p.facts, p.late_reason, p.sent_at, p.sent_by FROM incident_phases p \
             JOIN incidents i ON i.id = p.incident_id WHERE p.incident_id = $1 AND i.tenant_id = $2 ORDER BY p.n",
        )
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(phase_from).collect()
    }

    async fn running_clocks(&self, scope: Option<&TenantScope>) -> Result<Vec<Incident>, StoreError> {
        let tenant = scope.map_or(-1, |s| s.tenant().0);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INCIDENT_COLS} FROM incidents WHERE notified_at IS NULL AND status <> 'closed' \
             AND ($1 = -1 OR tenant_id = $1) ORDER BY aware_at, id"
        )))
        .bind(tenant)
        .fetch_all(&self.pool)
        .await
        .db()?;
        let all = rows.iter().map(incident_from).collect::<Result<Vec<_>, _>>()?;
        Ok(all.into_iter().filter(Incident::clock_runs).collect())
    }

    async fn mark_reminded(&self, id: i64, count: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE incidents SET reminders_sent = $1 WHERE id = $2 AND reminders_sent < $1")
            .bind(count)
            .bind(id)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_declaration(&self, token_hash: &str, d: &PendingDeclaration) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO incident_declarations (token_hash, {DECLARATION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        )))
        .bind(token_hash)
        .bind(d.tenant.map(|t| t.0))
        .bind(&d.code_hash)
        .bind(to_micros(d.code_expires))
        .bind(d.attempts)
        .bind(&d.title)
        .bind(&d.description)
        .bind(&d.declared_by)
        .bind(&d.email)
        .bind(to_micros(d.aware_at))
        .bind(to_micros(d.created_at))
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn declaration(&self, token_hash: &str) -> Result<PendingDeclaration, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DECLARATION_COLS} FROM incident_declarations WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await
        .db()?;
        declaration_from(&r)
    }

    async fn declaration_attempt(&self, token_hash: &str) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "UPDATE incident_declarations SET attempts = attempts + 1 WHERE token_hash = $1 RETURNING attempts",
        )
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(n)
    }

    async fn confirm_declaration(&self, token_hash: &str, now: Timestamp) -> Result<Declared, StoreError> {
        with_free_reference!(self, tx => async {
            let r = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM incident_declarations WHERE token_hash = $1 RETURNING {DECLARATION_COLS}"
            )))
            .bind(token_hash)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            let d = declaration_from(&r)?;
            let declared_by = format!("{} <{}>", d.declared_by, d.email);
            let intake = vigie_domain::breach::Intake::Partner;
            match d.tenant {
                Some(tenant) => {
                    let new = NewIncident {
                        title: d.title,
                        description: d.description,
                        intake,
                        declared_by,
                        aware_at: d.aware_at,
                        at: now,
                        facts: Default::default(),
                    };
                    insert_incident(&mut tx, tenant, &new).await.map(Declared::Incident)
                }
                None => {
                    let new = vigie_store::NewProblem {
                        title: d.title,
                        description: d.description,
                        intake,
                        declared_by,
                        aware_at: d.aware_at,
                        at: now,
                    };
                    insert_problem(&mut tx, &new).await.map(Declared::Problem)
                }
            }
        }.await)
    }
}
