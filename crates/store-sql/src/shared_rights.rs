// Rights requests and connected systems, compiled into both backends like
// `shared.rs` (same module: its imports and helpers are in scope).

use jiff::civil::Date;
use vigie_domain::{
    RequestId, SystemId,
    calendar::Calendar,
    rights::{Channel, Intake, RequestKind, RequestStatus, Verification},
};
use vigie_store::{
    ATTACHMENT_BYTES_PER_REQUEST, ATTACHMENTS_PER_REQUEST, NewAttachment, RequestAttachment,
    NewSystem, RequestEvent, RequestFilter, Rights, RightsRequest, RightsTask, Scans, StalledTask, System,
    SystemScan, TargetBinding, TargetOwner, TaskState,
};

const ATTACHMENT_COLS: &str = "id, request_id, name, media_type, size, sha256, added_at";

fn attachment_from(r: &Row) -> Result<RequestAttachment, StoreError> {
    Ok(RequestAttachment {
        id: get(r, "id")?,
        request: RequestId(get(r, "request_id")?),
        name: get(r, "name")?,
        kind: parse_or(
            "media_type",
            get(r, "media_type")?,
            vigie_domain::followup::EvidenceType::parse,
        )?,
        size: get(r, "size")?,
        sha256: get(r, "sha256")?,
        added_at: from_micros(get(r, "added_at")?),
    })
}

const SYSTEM_COLS: &str = "id, tenant_id, name, url_sealed, url_hint, dataset, checked_at, check_result, created_at, updated_at";

fn system_from(r: &Row) -> Result<System, StoreError> {
    Ok(System {
        id: SystemId(get(r, "id")?),
        tenant: TenantId(get(r, "tenant_id")?),
        name: get(r, "name")?,
        url_sealed: get(r, "url_sealed")?,
        url_hint: get(r, "url_hint")?,
        dataset: get(r, "dataset")?,
        checked_at: get::<Option<i64>>(r, "checked_at")?.map(from_micros),
        check_result: get(r, "check_result")?,
        created_at: from_micros(get(r, "created_at")?),
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

const TARGET_COLS: &str = "identity, location, tenant_id, bound_at, label, filter_column";

fn target_from(r: &Row) -> Result<TargetBinding, StoreError> {
    Ok(TargetBinding {
        identity: get(r, "identity")?,
        location: get(r, "location")?,
        owner: get::<Option<i64>>(r, "tenant_id")?
            .map_or(TargetOwner::Shared, |t| TargetOwner::Tenant(TenantId(t))),
        bound_at: from_micros(get(r, "bound_at")?),
        label: get(r, "label")?,
        column: get(r, "filter_column")?,
        tenants: Vec::new(),
    })
}

/// A request with a task failed or held for confirmation.
const STALLED: &str = "EXISTS (SELECT 1 FROM rights_tasks tk WHERE tk.request_id = rights_requests.id \
     AND tk.state IN ('failed', 'held'))";

const REQUEST_COLS: &str = "id, tenant_id, reference, kind, intake, status, subject_name, subject_email, \
    identities, details, channels, rectifications, received_at, due_on, extended, extension_reason, \
    verification, code_hash, code_expires, code_attempts, public_token_hash, forwarded_to, \
    forwarded_from, answer, contact, created_at, updated_at";

fn parse_or<T>(what: &str, s: String, f: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(&s).ok_or_else(|| corrupt(what, s))
}

fn request_from(r: &Row) -> Result<RightsRequest, StoreError> {
    let status = parse_or("status", get(r, "status")?, RequestStatus::parse)?;
    let intake = parse_or("intake", get(r, "intake")?, Intake::parse)?;
    let verification = get::<Option<String>>(r, "verification")?
        .map(|v| parse_or("verification", v, Verification::parse))
        .transpose()?;
    let subject_email: String = get(r, "subject_email")?;
    let received_at = get::<Option<i64>>(r, "received_at")?.map(from_micros);
    let identities = crate::legacy::identities_from(
        &get::<String>(r, "identities")?,
        (intake, status, verification, &subject_email, received_at),
    )?;
    let rectifications: Vec<(String, String)> = serde_json::from_str(&get::<String>(r, "rectifications")?)
        .map_err(|e| corrupt("rectifications", e))?;
    let channels = get::<String>(r, "channels")?
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Channel::parse(s).ok_or_else(|| corrupt("channel", s)))
        .collect::<Result<_, _>>()?;
    Ok(RightsRequest {
        id: RequestId(get(r, "id")?),
        tenant: TenantId(get(r, "tenant_id")?),
        reference: get(r, "reference")?,
        kind: parse_or("kind", get(r, "kind")?, RequestKind::parse)?,
        intake,
        status,
        subject_name: get(r, "subject_name")?,
        subject_email,
        identities,
        details: get(r, "details")?,
        channels,
        rectifications,
        received_at,
        due_on: get::<Option<String>>(r, "due_on")?
            .map(|d| d.parse::<Date>().map_err(|e| corrupt("due_on", e)))
            .transpose()?,
        extended: get(r, "extended")?,
        extension_reason: get(r, "extension_reason")?,
        verification,
        code_hash: get(r, "code_hash")?,
        code_expires: get::<Option<i64>>(r, "code_expires")?.map(from_micros),
        code_attempts: get(r, "code_attempts")?,
        public_token_hash: get(r, "public_token_hash")?,
        forwarded_to: get::<Option<i64>>(r, "forwarded_to")?.map(TenantId),
        forwarded_from: get::<Option<i64>>(r, "forwarded_from")?.map(RequestId),
        answer: get(r, "answer")?,
        contact: serde_json::from_str(&get::<String>(r, "contact")?).map_err(|e| corrupt("contact", e))?,
        created_at: from_micros(get(r, "created_at")?),
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

const TASK_COLS: &str = "k.id, k.request_id, k.tenant_id, k.system_id, s.name AS system_name, k.state, \
    k.found, k.changed, k.outcome_sealed, k.message, k.attempts, k.updated_at, k.confirmed_by";
const TASK_FROM: &str = "rights_tasks k JOIN connected_systems s ON s.id = k.system_id";

fn task_from(r: &Row) -> Result<RightsTask, StoreError> {
    Ok(RightsTask {
        id: get(r, "id")?,
        request: RequestId(get(r, "request_id")?),
        tenant: TenantId(get(r, "tenant_id")?),
        system: SystemId(get(r, "system_id")?),
        system_name: get(r, "system_name")?,
        state: parse_or("task state", get(r, "state")?, TaskState::parse)?,
        found: get(r, "found")?,
        changed: get(r, "changed")?,
        outcome_sealed: get(r, "outcome_sealed")?,
        message: get(r, "message")?,
        attempts: get(r, "attempts")?,
        updated_at: from_micros(get(r, "updated_at")?),
        confirmed_by: get(r, "confirmed_by")?,
    })
}

/// The columns a request's life changes, in the order
/// `bind_request_fields` binds them ($1…$19).
const REQUEST_FIELDS: &str = "status, subject_name, subject_email, identities, details, channels, \
    rectifications, received_at, due_on, extended, extension_reason, verification, code_hash, \
    code_expires, code_attempts, forwarded_to, forwarded_from, answer, contact, updated_at";

fn placeholders(n: usize) -> String {
    numbered(1, n)
}

/// `$from, $from+1, …`: `n` numbered placeholders.
fn numbered(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

type ScalarQuery<'q> = sqlx::query::QueryScalar<'q, Db, i64, <Db as sqlx::Database>::Arguments>;

/// Binds `REQUEST_FIELDS` of `r`, shared by the insert and the update so
/// that their order cannot drift apart.
fn bind_request_fields<'q>(q: ScalarQuery<'q>, r: &'q RightsRequest) -> ScalarQuery<'q> {
    q.bind(r.status.as_str())
        .bind(&r.subject_name)
        .bind(&r.subject_email)
        .bind(json(&r.identities))
        .bind(&r.details)
        .bind(channels_text(&r.channels))
        .bind(json(&r.rectifications))
        .bind(r.received_at.map(to_micros))
        .bind(r.due_on.map(|d| d.to_string()))
        .bind(r.extended)
        .bind(&r.extension_reason)
        .bind(r.verification.map(|v| v.as_str()))
        .bind(&r.code_hash)
        .bind(r.code_expires.map(to_micros))
        .bind(r.code_attempts)
        .bind(r.forwarded_to.map(|t| t.0))
        .bind(r.forwarded_from.map(|t| t.0))
        .bind(&r.answer)
        .bind(json(&r.contact))
        .bind(to_micros(r.updated_at))
}

fn json<T: serde::Serialize>(v: &T) -> String {
    // Serialising plain pairs of strings and enums cannot fail.
    serde_json::to_string(v).unwrap_or_default()
}

fn channels_text(c: &[Channel]) -> String {
    c.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

/// `NotFound` unless the request is the tenant's.
async fn own_request(tx: &mut Tx, tenant: TenantId, id: RequestId) -> Result<(), StoreError> {
    let owned: Option<i64> =
        sqlx::query_scalar("SELECT id FROM rights_requests WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(tenant.0)
            .fetch_optional(&mut **tx)
            .await
            .db()?;
    match owned {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound),
    }
}

async fn insert_event(
    tx: &mut Tx,
    id: RequestId,
    e: &RequestEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rights_events (request_id, at, actor, step, detail, detail_en) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.0)
    .bind(to_micros(e.at))
    .bind(&e.actor)
    .bind(&e.step)
    .bind(&e.detail)
    .bind(&e.detail_en)
    .execute(&mut **tx)
    .await
    .db()?;
    Ok(())
}

#[async_trait]
impl Rights for ThisStore {
    async fn create_system(&self, scope: &TenantScope, new: &NewSystem) -> Result<System, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO connected_systems (tenant_id, name, url_sealed, url_hint, dataset, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(scope.tenant().0)
        .bind(&new.name)
        .bind(&new.url_sealed)
        .bind(&new.url_hint)
        .bind(&new.dataset)
        .bind(to_micros(new.at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        self.system(scope, SystemId(id)).await
    }

    async fn system(&self, scope: &TenantScope, id: SystemId) -> Result<System, StoreError> {
        let tenant = scope.tenant();
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SYSTEM_COLS} FROM connected_systems WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        system_from(&r)
    }

    async fn systems(&self, scope: &TenantScope, search: &str, page: Page) -> Result<Paged<System>, StoreError> {
        let filter = format!(
            "tenant_id = {} AND ($1 = '' OR LOWER(name) LIKE $1 ESCAPE '\\' OR LOWER(url_hint) LIKE $1 ESCAPE '\\')",
            scope.tenant().0
        );
        self.searched_page(SYSTEM_COLS, "connected_systems", &filter, "name", search, page, system_from)
            .await
    }

    async fn all_systems(&self, scope: &TenantScope) -> Result<Vec<System>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SYSTEM_COLS} FROM connected_systems WHERE tenant_id = $1 ORDER BY name"
        )))
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(system_from).collect()
    }

    async fn save_system(&self, scope: &TenantScope, s: &System) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE connected_systems SET name = $1, url_sealed = $2, url_hint = $3, dataset = $4, \
             checked_at = $5, check_result = $6, updated_at = $7 WHERE id = $8 AND tenant_id = $9",
        )
        .bind(&s.name)
        .bind(&s.url_sealed)
        .bind(&s.url_hint)
        .bind(&s.dataset)
        .bind(s.checked_at.map(to_micros))
        .bind(&s.check_result)
        .bind(to_micros(s.updated_at))
        .bind(s.id.0)
        .bind(scope.tenant().0)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn bind_target(
        &self,
        identity: &str,
        location: &str,
        tenant: TenantId,
        at: Timestamp,
    ) -> Result<TargetBinding, StoreError> {
        // The first binding wins, whichever node or tenant gets there first.
        sqlx::query(
            "INSERT INTO connect_targets (identity, location, tenant_id, bound_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (identity) DO NOTHING",
        )
        .bind(identity)
        .bind(location)
        .bind(tenant.0)
        .bind(to_micros(at))
        .execute(&self.pool)
        .await
        .db()?;
        self.target(identity).await?.ok_or(StoreError::NotFound)
    }

    async fn target(&self, identity: &str) -> Result<Option<TargetBinding>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TARGET_COLS} FROM connect_targets WHERE identity = $1"
        )))
        .bind(identity)
        .fetch_optional(&self.pool)
        .await
        .db()?;
        match row {
            None => Ok(None),
            Some(r) => {
                let mut b = target_from(&r)?;
                b.tenants = self.target_tenants(identity).await?;
                Ok(Some(b))
            }
        }
    }

    async fn targets(&self, search: &str, page: Page) -> Result<Paged<TargetBinding>, StoreError> {
        let filter = "($1 = '' OR LOWER(location) LIKE $1 ESCAPE '\\' OR LOWER(label) LIKE $1 ESCAPE '\\')";
        let mut out = self
            .searched_page(
                TARGET_COLS,
                "connect_targets",
                filter,
                "(tenant_id IS NOT NULL), bound_at DESC, identity",
                search,
                page,
                target_from,
            )
            .await?;
        for b in &mut out.items {
            if b.owner == TargetOwner::Shared {
                b.tenants = self.target_tenants(&b.identity).await?;
            }
        }
        Ok(out)
    }

    async fn declare_shared(&self, b: &TargetBinding) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let held: Option<Option<i64>> =
            sqlx::query_scalar("SELECT tenant_id FROM connect_targets WHERE identity = $1")
                .bind(&b.identity)
                .fetch_optional(&mut *tx)
                .await
                .db()?;
        if let Some(Some(tenant)) = held {
            return Err(StoreError::Conflict(format!("tenant:{tenant}")));
        }
        sqlx::query(
            "INSERT INTO connect_targets (identity, location, tenant_id, bound_at, label, filter_column) \
             VALUES ($1, $2, NULL, $3, $4, $5) \
             ON CONFLICT (identity) DO UPDATE SET location = $2, label = $4, filter_column = $5",
        )
        .bind(&b.identity)
        .bind(&b.location)
        .bind(to_micros(b.bound_at))
        .bind(&b.label)
        .bind(&b.column)
        .execute(&mut *tx)
        .await
        .db()?;
        sqlx::query("DELETE FROM connect_target_tenants WHERE identity = $1")
            .bind(&b.identity)
            .execute(&mut *tx)
            .await
            .db()?;
        for (tenant, value) in &b.tenants {
            sqlx::query(
                "INSERT INTO connect_target_tenants (identity, tenant_id, filter_value) VALUES ($1, $2, $3)",
            )
            .bind(&b.identity)
            .bind(tenant.0)
            .bind(value)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        tx.commit().await.db()
    }

    async fn release_target(&self, identity: &str) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM connect_targets WHERE identity = $1")
            .bind(identity)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn calendar(&self, scope: &TenantScope) -> Result<Calendar, StoreError> {
        let tenant = scope.tenant();
        let c: String = sqlx::query_scalar("SELECT calendar FROM tenants WHERE id = $1")
            .bind(tenant.0)
            .fetch_one(&self.pool)
            .await
            .db()?;
        parse_or("calendar", c, Calendar::parse)
    }

    async fn set_calendar(&self, scope: &TenantScope, c: Calendar) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE tenants SET calendar = $1 WHERE id = $2")
            .bind(c.as_str())
            .bind(scope.tenant().0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn create_request(&self, r: &RightsRequest, first: &RequestEvent) -> Result<RightsRequest, StoreError> {
        let year = r.created_at.to_zoned(jiff::tz::TimeZone::UTC).year();
        // Two nodes may pick the same number; the unique index refuses the
        // second, which tries the next one.
        for _ in 0..5 {
            let mut tx = self.begin_write().await?;
            // Unique in the instance, not only in the tenant (issue 18: a
            // provider reads every client's requests): the tenant's slug,
            // the year, the number ("SIDEC-JURA-2026-0001").
            let slug: String = sqlx::query_scalar("SELECT slug FROM tenants WHERE id = $1")
                .bind(r.tenant.0)
                .fetch_one(&mut *tx)
                .await
                .db()?;
            let prefix = format!("{}-{year}", slug.to_uppercase());
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM rights_requests WHERE tenant_id = $1 AND reference LIKE $2 ESCAPE '\\'",
            )
            .bind(r.tenant.0)
            .bind(format!("{}-%", crate::escape_like(&prefix)))
            .fetch_one(&mut *tx)
            .await
            .db()?;
            let reference = format!("{prefix}-{:04}", n + 1);
            let inserted = bind_request_fields(
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO rights_requests ({REQUEST_FIELDS}, tenant_id, reference, kind, intake, \
                     public_token_hash, created_at) VALUES ({}, $21, $22, $23, $24, $25, $26) RETURNING id",
                    placeholders(20)
                ))),
                r,
            )
            .bind(r.tenant.0)
            .bind(&reference)
            .bind(r.kind.as_str())
            .bind(r.intake.as_str())
            .bind(&r.public_token_hash)
            .bind(to_micros(r.created_at))
            .fetch_one(&mut *tx)
            .await
            .db();
            match inserted {
                Ok(id) => {
                    insert_event(&mut tx, RequestId(id), first).await?;
                    tx.commit().await.db()?;
                    // Read back as stored (its reference, its defaults).
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {REQUEST_COLS} FROM rights_requests WHERE id = $1"
                    )))
                    .bind(id)
                    .fetch_one(&self.pool)
                    .await
                    .db()?;
                    return request_from(&row);
                }
                Err(StoreError::Conflict(m)) if m.contains("reference") => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict("no free request reference".into()))
    }

    async fn request(&self, scope: &TenantScope, id: RequestId) -> Result<RightsRequest, StoreError> {
        let tenant = scope.tenant();
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLS} FROM rights_requests WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        request_from(&r)
    }

    async fn request_by_public_token(&self, token_hash: &str) -> Result<RightsRequest, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLS} FROM rights_requests WHERE public_token_hash = $1 \
             OR id = (SELECT request_id FROM request_links WHERE token_hash = $1)"
        )))
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await
        .db()?;
        request_from(&r)
    }

    async fn add_request_link(
        &self,
        scope: &TenantScope,
        id: RequestId,
        token_hash: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO request_links (token_hash, request_id, tenant_id, created_at) \
             SELECT $1, id, tenant_id, $2 FROM rights_requests WHERE id = $3 AND tenant_id = $4",
        )
        .bind(token_hash)
        .bind(to_micros(at))
        .bind(id.0)
        .bind(scope.tenant().0)
        .execute(&self.pool)
        .await
        .db()?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn requests(
        &self,
        scope: &TenantScope,
        filter: &RequestFilter,
        page: Page,
    ) -> Result<Paged<RightsRequest>, StoreError> {
        // Only integers and names from closed enums are written into the
        // text; what the user typed goes through `$1`.
        let mut f = format!(
            "tenant_id = {} AND status <> 'awaiting_email_check' AND ($1 = '' OR LOWER(reference) LIKE $1 ESCAPE '\\' \
             OR LOWER(subject_name) LIKE $1 ESCAPE '\\' OR LOWER(subject_email) LIKE $1 ESCAPE '\\')",
            scope.tenant().0
        );
        if let Some(s) = filter.status {
            f.push_str(&format!(" AND status = '{}'", s.as_str()));
        }
        let open: Vec<String> = RequestStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        if filter.open_only || filter.due_by.is_some() {
            f.push_str(&format!(" AND status IN ({})", open.join(", ")));
        }
        if let Some(d) = filter.due_by {
            f.push_str(&format!(" AND due_on <= '{d}'"));
        }
        if filter.stalled_only {
            f.push_str(&format!(" AND status IN ({}) AND {STALLED}", open.join(", ")));
        }
        self.searched_page(REQUEST_COLS, "rights_requests", &f, "due_on, id", &filter.search, page, request_from)
            .await
    }

    async fn stalled_tasks(&self, tenant: Option<TenantId>) -> Result<Vec<StalledTask>, StoreError> {
        let open: Vec<String> = RequestStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT r.tenant_id, r.id, r.reference, s.name, t.state, t.message \
             FROM rights_tasks t JOIN rights_requests r ON r.id = t.request_id \
             JOIN connected_systems s ON s.id = t.system_id \
             WHERE t.state IN ('failed', 'held') AND r.status IN ({}) \
               AND ($1 < 0 OR r.tenant_id = $1) \
             ORDER BY r.tenant_id, r.due_on, r.id, s.name",
            open.join(", ")
        )))
        .bind(tenant.map_or(-1, |t| t.0))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                let state: String = get(r, "state")?;
                Ok(StalledTask {
                    tenant: TenantId(get(r, "tenant_id")?),
                    request: RequestId(get(r, "id")?),
                    reference: get(r, "reference")?,
                    system: get(r, "name")?,
                    state: TaskState::parse(&state).ok_or_else(|| corrupt("task state", &state))?,
                    message: get(r, "message")?,
                })
            })
            .collect()
    }

    async fn requests_due_by(&self, day: Date) -> Result<Vec<RightsRequest>, StoreError> {
        let open: Vec<String> = RequestStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLS} FROM rights_requests WHERE status IN ({}) AND due_on <= $1 ORDER BY due_on, id",
            open.join(", ")
        )))
        .bind(day.to_string())
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(request_from).collect()
    }

    async fn save_request(
        &self,
        r: &RightsRequest,
        expected: RequestStatus,
        event: &RequestEvent,
        tasks: &[SystemId],
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let sets: Vec<String> = REQUEST_FIELDS
            .split(", ")
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 1))
            .collect();
        let done = bind_request_fields(
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "UPDATE rights_requests SET {} WHERE id = $21 AND tenant_id = $22 AND status = $23 RETURNING id",
                sets.join(", ")
            ))),
            r,
        )
        .bind(r.id.0)
        .bind(r.tenant.0)
        .bind(expected.as_str())
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if done.is_none() {
            return Err(StoreError::Conflict(format!(
                "request {} is no longer {}",
                r.reference,
                expected.as_str()
            )));
        }
        if !event.step.is_empty() {
            insert_event(&mut tx, r.id, event).await?;
        }
        let mut ids = Vec::with_capacity(tasks.len());
        for system in tasks {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO rights_tasks (request_id, tenant_id, system_id, state, updated_at) \
                 SELECT $1, $2, id, 'queued', $3 FROM connected_systems WHERE id = $4 AND tenant_id = $2 \
                 RETURNING id",
            )
            .bind(r.id.0)
            .bind(r.tenant.0)
            .bind(to_micros(r.updated_at))
            .bind(system.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            ids.push(id);
        }
        tx.commit().await.db()?;
        Ok(ids)
    }

    async fn events(&self, scope: &TenantScope, id: RequestId) -> Result<Vec<RequestEvent>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(
            "SELECT e.at, e.actor, e.step, e.detail, e.detail_en FROM rights_events e \
             JOIN rights_requests r ON r.id = e.request_id \
             WHERE e.request_id = $1 AND r.tenant_id = $2 ORDER BY e.id",
        )
        .bind(id.0)
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                Ok(RequestEvent {
                    at: from_micros(get(r, "at")?),
                    actor: get(r, "actor")?,
                    step: get(r, "step")?,
                    detail: get(r, "detail")?,
                    detail_en: get(r, "detail_en")?,
                })
            })
            .collect()
    }

    async fn add_reply(
        &self,
        scope: &TenantScope,
        id: RequestId,
        event: &RequestEvent,
        docs: &[NewAttachment],
    ) -> Result<Vec<RequestAttachment>, StoreError> {
        let tenant = scope.tenant();
        let mut tx = self.begin_write().await?;
        own_request(&mut tx, tenant, id).await?;
        // Inside the write transaction: two replies at once cannot both
        // pass the limits.
        let (count, used): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(size), 0) AS BIGINT) \
             FROM request_attachments WHERE request_id = $1",
        )
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let adding: i64 = docs
            .iter()
            .map(|d| i64::try_from(d.bytes.len()).unwrap_or(i64::MAX))
            .fold(0, i64::saturating_add);
        if count.saturating_add(docs.len() as i64) > ATTACHMENTS_PER_REQUEST
            || used.saturating_add(adding) > ATTACHMENT_BYTES_PER_REQUEST
        {
            return Err(StoreError::Conflict(format!(
                "a request keeps at most {ATTACHMENTS_PER_REQUEST} documents and {} MiB",
                ATTACHMENT_BYTES_PER_REQUEST / 1024 / 1024
            )));
        }
        let mut out = Vec::new();
        for d in docs {
            let size = i64::try_from(d.bytes.len()).unwrap_or(i64::MAX);
            let at = to_micros(event.at);
            let aid: i64 = sqlx::query_scalar(
                "INSERT INTO request_attachments (request_id, tenant_id, name, media_type, size, sha256, body, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(id.0)
            .bind(tenant.0)
            .bind(&d.name)
            .bind(d.kind.as_str())
            .bind(size)
            .bind(&d.sha256)
            .bind(&d.bytes)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            out.push(RequestAttachment {
                id: aid,
                request: id,
                name: d.name.clone(),
                kind: d.kind,
                size,
                sha256: d.sha256.clone(),
                // As stored: to the microsecond.
                added_at: from_micros(at),
            });
        }
        insert_event(&mut tx, id, event).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn request_attachments(
        &self,
        scope: &TenantScope,
        id: RequestId,
    ) -> Result<Vec<RequestAttachment>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLS} FROM request_attachments WHERE request_id = $1 AND tenant_id = $2 ORDER BY id"
        )))
        .bind(id.0)
        .bind(scope.tenant().0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(attachment_from).collect()
    }

    async fn request_attachment(
        &self,
        scope: &TenantScope,
        id: RequestId,
        attachment: i64,
    ) -> Result<(RequestAttachment, Vec<u8>), StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTACHMENT_COLS}, body FROM request_attachments WHERE id = $1 AND request_id = $2 AND tenant_id = $3"
        )))
        .bind(attachment)
        .bind(id.0)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok((attachment_from(&row)?, get(&row, "body")?))
    }

    async fn add_event(&self, scope: &TenantScope, id: RequestId, event: &RequestEvent) -> Result<(), StoreError> {
        let tenant = scope.tenant();
        let mut tx = self.begin_write().await?;
        own_request(&mut tx, tenant, id).await?;
        insert_event(&mut tx, id, event).await?;
        tx.commit().await.db()
    }

    async fn tasks(&self, scope: &TenantScope, id: RequestId) -> Result<Vec<RightsTask>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLS} FROM {TASK_FROM} WHERE k.request_id = $1 AND k.tenant_id = $2 ORDER BY s.name"
        )))
        .bind(id.0)
        .bind(tenant.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(task_from).collect()
    }

    async fn task(&self, id: i64) -> Result<RightsTask, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TASK_COLS} FROM {TASK_FROM} WHERE k.id = $1"
        )))
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .db()?;
        task_from(&r)
    }

    async fn save_task(&self, t: &RightsTask) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE rights_tasks SET state = $1, found = $2, changed = $3, outcome_sealed = $4, message = $5, \
             attempts = $6, updated_at = $7, confirmed_by = $10 WHERE id = $8 AND tenant_id = $9",
        )
        .bind(t.state.as_str())
        .bind(t.found)
        .bind(t.changed)
        .bind(&t.outcome_sealed)
        .bind(&t.message)
        .bind(t.attempts)
        .bind(to_micros(t.updated_at))
        .bind(t.id)
        .bind(t.tenant.0)
        .bind(&t.confirmed_by)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn create_download(
        &self,
        token_hash: &str,
        tenant: TenantId,
        request: RequestId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO rights_downloads (token_hash, tenant_id, request_id, expires_at) \
             SELECT $1, $2, id, $4 FROM rights_requests WHERE id = $3 AND tenant_id = $2",
        )
        .bind(token_hash)
        .bind(tenant.0)
        .bind(request.0)
        .bind(to_micros(expires_at))
        .execute(&self.pool)
        .await
        .db()
        .and_then(|d| expect_one(d.rows_affected()))
    }

    async fn download(&self, token_hash: &str, now: Timestamp) -> Result<(TenantId, RequestId), StoreError> {
        let r = sqlx::query(
            "SELECT tenant_id, request_id FROM rights_downloads WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(to_micros(now))
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok((TenantId(get(&r, "tenant_id")?), RequestId(get(&r, "request_id")?)))
    }

    async fn purge_exports(&self, before: Timestamp, now: Timestamp) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE rights_tasks SET outcome_sealed = NULL WHERE outcome_sealed IS NOT NULL AND updated_at < $1 AND state = 'done'",
        )
        .bind(to_micros(before))
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
        sqlx::query("DELETE FROM rights_downloads WHERE expires_at < $1")
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(n)
    }
}

const SCAN_COLS: &str = "id, tenant_id, system_id, state, requested_at, finished_at, report, message";

fn scan_from(r: &Row) -> Result<SystemScan, StoreError> {
    Ok(SystemScan {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        system: SystemId(get(r, "system_id")?),
        state: get(r, "state")?,
        requested_at: from_micros(get(r, "requested_at")?),
        finished_at: get::<Option<i64>>(r, "finished_at")?.map(from_micros),
        report: get(r, "report")?,
        message: get(r, "message")?,
    })
}

#[async_trait]
impl Scans for ThisStore {
    async fn create_scan(&self, scope: &TenantScope, system: SystemId, at: Timestamp) -> Result<SystemScan, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO system_scans (tenant_id, system_id, state, requested_at) \
             SELECT $1, id, 'queued', $3 FROM connected_systems WHERE id = $2 AND tenant_id = $1 RETURNING id",
        )
        .bind(scope.tenant().0)
        .bind(system.0)
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        self.scan(scope, id).await
    }

    async fn scan(&self, scope: &TenantScope, id: i64) -> Result<SystemScan, StoreError> {
        let tenant = scope.tenant();
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SCAN_COLS} FROM system_scans WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(tenant.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        scan_from(&r)
    }

    async fn save_scan(&self, s: &SystemScan) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE system_scans SET state = $1, finished_at = $2, report = $3, message = $4 WHERE id = $5 AND tenant_id = $6",
        )
        .bind(&s.state)
        .bind(s.finished_at.map(to_micros))
        .bind(&s.report)
        .bind(&s.message)
        .bind(s.id)
        .bind(s.tenant.0)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn scans(&self, scope: &TenantScope, system: SystemId, limit: i64) -> Result<Vec<SystemScan>, StoreError> {
        let tenant = scope.tenant();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SCAN_COLS} FROM system_scans WHERE tenant_id = $1 AND system_id = $2 ORDER BY id DESC LIMIT $3"
        )))
        .bind(tenant.0)
        .bind(system.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(scan_from).collect()
    }
}

impl ThisStore {
    /// The tenants of a shared database and their filter values.
    async fn target_tenants(&self, identity: &str) -> Result<Vec<(TenantId, String)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT tenant_id, filter_value FROM connect_target_tenants WHERE identity = $1 ORDER BY tenant_id",
        )
        .bind(identity)
        .fetch_all(&self.pool)
        .await
        .db()?;
        Ok(rows.into_iter().map(|(t, v)| (TenantId(t), v)).collect())
    }
}

