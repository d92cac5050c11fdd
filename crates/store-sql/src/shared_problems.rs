// Provider-wide incidents ("problèmes"), compiled into both backends like
// `shared.rs` (same module: its imports and helpers are in scope).

use vigie_domain::breach::ProblemStatus;
use vigie_store::{ImpactedClient, NewProblem, Problem, ProblemUpdate, Problems, ProviderToken};

const PROBLEM_COLS: &str = "id, reference, title, description, intake, declared_by, declared_at, aware_at, \
    status, facts, reminded_for, closed_at, updated_at";

fn problem_from(r: &Row) -> Result<Problem, StoreError> {
    Ok(Problem {
        id: get(r, "id")?,
        reference: get(r, "reference")?,
        title: get(r, "title")?,
        description: get(r, "description")?,
        intake: parse_code("intake", get(r, "intake")?, vigie_domain::breach::Intake::parse)?,
        declared_by: get(r, "declared_by")?,
        declared_at: from_micros(get(r, "declared_at")?),
        aware_at: from_micros(get(r, "aware_at")?),
        status: parse_code("status", get(r, "status")?, ProblemStatus::parse)?,
        facts: facts_from(&get::<String>(r, "facts")?)?,
        reminded_for: get::<Option<i64>>(r, "reminded_for")?.map(from_micros),
        closed_at: get::<Option<i64>>(r, "closed_at")?.map(from_micros),
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

const PROVIDER_TOKEN_COLS: &str = "id, name, expires_at, created_by, created_at, revoked";

fn provider_token_from(r: &Row) -> Result<ProviderToken, StoreError> {
    Ok(ProviderToken {
        id: get(r, "id")?,
        name: get(r, "name")?,
        expires_at: from_micros(get(r, "expires_at")?),
        created_by: UserId(get(r, "created_by")?),
        created_at: from_micros(get(r, "created_at")?),
        revoked: get(r, "revoked")?,
    })
}

fn impacted_from(r: &Row) -> Result<ImpactedClient, StoreError> {
    Ok(ImpactedClient {
        tenant: TenantId(get(r, "tenant_id")?),
        tenant_name: get(r, "name")?,
        part: get(r, "part")?,
        persons: get::<Option<i64>>(r, "persons")?
            .map(|n| u64::try_from(n).map_err(|e| corrupt("persons", e)))
            .transpose()?,
        notice_hours: get(r, "notice_hours")?,
        added_at: from_micros(get(r, "added_at")?),
        added_by: get(r, "added_by")?,
        noticed_at: get::<Option<i64>>(r, "noticed_at")?.map(from_micros),
        incident: get(r, "incident_id")?,
        notice_reminded: get::<i64>(r, "notice_reminded")? != 0,
    })
}

fn update_from(r: &Row) -> Result<ProblemUpdate, StoreError> {
    Ok(ProblemUpdate {
        n: get(r, "n")?,
        body: get(r, "body")?,
        closing: get::<i64>(r, "closing")? != 0,
        sent_at: from_micros(get(r, "sent_at")?),
        sent_by: get(r, "sent_by")?,
    })
}

fn problem_search(reference: &str, title: &str, description: &str) -> String {
    format!("{reference} {title} {description}").to_lowercase()
}

fn count_of(n: Option<u64>) -> Result<Option<i64>, StoreError> {
    n.map(|v| i64::try_from(v).map_err(|e| StoreError::Other(e.to_string())))
        .transpose()
}

/// Inserts a problem with the next reference of the year.
async fn insert_problem(tx: &mut Tx, new: &NewProblem) -> Result<Problem, StoreError> {
    let year = vigie_domain::time::legal_date(new.at).year();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM problems WHERE reference LIKE $1")
        .bind(format!("P-{year}-%"))
        .fetch_one(&mut **tx)
        .await
        .db()?;
    let reference = format!("P-{year}-{:03}", n + 1);
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO problems (reference, title, description, intake, declared_by, declared_at, aware_at, \
         status, facts, search, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $6) \
         RETURNING {PROBLEM_COLS}"
    )))
    .bind(&reference)
    .bind(&new.title)
    .bind(&new.description)
    .bind(new.intake.as_str())
    .bind(&new.declared_by)
    .bind(to_micros(new.at))
    .bind(to_micros(new.aware_at))
    .bind(ProblemStatus::Open.as_str())
    .bind(json(&Facts::default()))
    .bind(problem_search(&reference, &new.title, &new.description))
    .fetch_one(&mut **tx)
    .await
    .db()?;
    problem_from(&row)
}

async fn update_problem(tx: &mut Tx, p: &Problem, expected: Timestamp) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE problems SET title = $1, description = $2, aware_at = $3, status = $4, facts = $5, \
         closed_at = $6, search = $7, updated_at = $8 WHERE id = $9 AND updated_at = $10",
    )
    .bind(&p.title)
    .bind(&p.description)
    .bind(to_micros(p.aware_at))
    .bind(p.status.as_str())
    .bind(json(&p.facts))
    .bind(p.closed_at.map(to_micros))
    .bind(problem_search(&p.reference, &p.title, &p.description))
    .bind(to_micros(p.updated_at))
    .bind(p.id)
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

#[async_trait]
impl Problems for ThisStore {
    async fn create_problem(&self, new: &NewProblem) -> Result<Problem, StoreError> {
        with_free_reference!(self, tx => insert_problem(&mut tx, new).await)
    }

    async fn problem(&self, id: i64) -> Result<Problem, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PROBLEM_COLS} FROM problems WHERE id = $1")))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .db()?;
        problem_from(&r)
    }

    async fn problems(&self, search: &str, page: Page) -> Result<Paged<Problem>, StoreError> {
        self.searched_page(
            PROBLEM_COLS,
            "problems",
            "($1 = '' OR search LIKE $1 ESCAPE '\\')",
            "aware_at DESC, id DESC",
            search,
            page,
            problem_from,
        )
        .await
    }

    async fn open_problems(&self) -> Result<Vec<Problem>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROBLEM_COLS} FROM problems WHERE status = 'open' ORDER BY aware_at, id"
        )))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(problem_from).collect()
    }

    async fn save_problem(&self, p: &Problem, expected: Timestamp) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        update_problem(&mut tx, p, expected).await?;
        tx.commit().await.db()
    }

    async fn add_impacted(&self, problem: i64, c: &ImpactedClient) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO problem_clients (problem_id, tenant_id, part, persons, notice_hours, added_at, added_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(problem)
        .bind(c.tenant.0)
        .bind(&c.part)
        .bind(count_of(c.persons)?)
        .bind(c.notice_hours)
        .bind(to_micros(c.added_at))
        .bind(&c.added_by)
        .execute(&self.pool)
        .await
        .db()
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict("this client is on the list already".into()),
            e => e,
        })?;
        Ok(())
    }

    async fn impacted(&self, problem: i64) -> Result<Vec<ImpactedClient>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.tenant_id, t.name, c.part, c.persons, c.notice_hours, c.added_at, c.added_by, \
             c.noticed_at, c.incident_id, c.notice_reminded FROM problem_clients c \
             JOIN tenants t ON t.id = c.tenant_id WHERE c.problem_id = $1 ORDER BY t.name, t.id",
        )
        .bind(problem)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(impacted_from).collect()
    }

    async fn notice_client(
        &self,
        problem: i64,
        scope: &TenantScope,
        new: &NewIncident,
        messages: &[NewMessage],
        at: Timestamp,
    ) -> Result<Incident, StoreError> {
        with_free_reference!(self, tx => async {
            let i = insert_incident(&mut tx, scope.tenant(), new).await?;
            let done = sqlx::query(
                "UPDATE problem_clients SET noticed_at = $1, incident_id = $2 \
                 WHERE problem_id = $3 AND tenant_id = $4 AND noticed_at IS NULL",
            )
            .bind(to_micros(at))
            .bind(i.id)
            .bind(problem)
            .bind(scope.tenant().0)
            .execute(&mut *tx)
            .await
            .db()?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict("this client was told already".into()));
            }
            for m in messages {
                insert_message(&mut *tx, m, at).await?;
            }
            Ok(i)
        }.await)
    }

    async fn add_problem_update(
        &self,
        p: &Problem,
        expected: Timestamp,
        update: &ProblemUpdate,
        messages: &[NewMessage],
    ) -> Result<ProblemUpdate, StoreError> {
        let mut tx = self.begin_write().await?;
        update_problem(&mut tx, p, expected).await?;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM problem_updates WHERE problem_id = $1")
            .bind(p.id)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        sqlx::query(
            "INSERT INTO problem_updates (problem_id, n, body, closing, sent_at, sent_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(p.id)
        .bind(n + 1)
        .bind(&update.body)
        .bind(i64::from(update.closing))
        .bind(to_micros(update.sent_at))
        .bind(&update.sent_by)
        .execute(&mut *tx)
        .await
        .db()?;
        for m in messages {
            insert_message(&mut *tx, m, update.sent_at).await?;
        }
        tx.commit().await.db()?;
        Ok(ProblemUpdate { n: n + 1, ..update.clone() })
    }

    async fn problem_updates(&self, problem: i64) -> Result<Vec<ProblemUpdate>, StoreError> {
        let rows = sqlx::query(
            "SELECT n, body, closing, sent_at, sent_by FROM problem_updates WHERE problem_id = $1 ORDER BY n",
        )
        .bind(problem)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(update_from).collect()
    }

    async fn updates_for_incident(&self, scope: &TenantScope, incident: i64) -> Result<Vec<ProblemUpdate>, StoreError> {
        let rows = sqlx::query(
            "SELECT u.n, u.body, u.closing, u.sent_at, u.sent_by FROM problem_updates u \
             JOIN problem_clients c ON c.problem_id = u.problem_id \
             WHERE c.incident_id = $1 AND c.tenant_id = $2 AND u.sent_at >= c.noticed_at ORDER BY u.n",
        )
        .bind(incident)
        .bind(scope.tenant().0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(update_from).collect()
    }

    async fn mark_problem_reminded(&self, problem: i64, due: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE problems SET reminded_for = $1 WHERE id = $2 AND (reminded_for IS NULL OR reminded_for < $1)",
        )
        .bind(to_micros(due))
        .bind(problem)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn mark_notice_reminded(&self, problem: i64, tenant: TenantId) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE problem_clients SET notice_reminded = 1 WHERE problem_id = $1 AND tenant_id = $2 AND notice_reminded = 0",
        )
        .bind(problem)
        .bind(tenant.0)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn processor_notice_hours(&self, tenant: TenantId) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT processor_notice_hours FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_one(&self.pool)
            .await
            .db()
    }

    async fn set_processor_notice_hours(&self, tenant: TenantId, hours: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE tenants SET processor_notice_hours = $1 WHERE id = $2")
            .bind(hours)
            .bind(tenant.0)
            .execute(&self.pool)
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn create_provider_token(
        &self,
        name: &str,
        token_hash: &str,
        expires_at: Timestamp,
        by: UserId,
        at: Timestamp,
    ) -> Result<ProviderToken, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO provider_tokens (name, token_hash, expires_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {PROVIDER_TOKEN_COLS}"
        )))
        .bind(name)
        .bind(token_hash)
        .bind(to_micros(expires_at))
        .bind(by.0)
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        provider_token_from(&r)
    }

    async fn provider_tokens(&self, page: Page) -> Result<Paged<ProviderToken>, StoreError> {
        self.searched_page(
            PROVIDER_TOKEN_COLS,
            "provider_tokens",
            "($1 = '' OR name LIKE $1 ESCAPE '\\')",
            "created_at DESC, id DESC",
            "",
            page,
            provider_token_from,
        )
        .await
    }

    async fn revoke_provider_token(&self, id: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE provider_tokens SET revoked = TRUE WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn provider_token_by_hash(&self, token_hash: &str) -> Result<ProviderToken, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROVIDER_TOKEN_COLS} FROM provider_tokens WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await
        .db()?;
        provider_token_from(&r)
    }
}
