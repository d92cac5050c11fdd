// Consent (C35-C37), compiled into both backends like `shared.rs` (same
// module: its imports and helpers are in scope).

use std::collections::HashMap;

use vigie_domain::{
    audit::ChainHash as ConsentHash,
    consent::{ChoiceKind, Choices, ConsentMethod, ConsentRecord},
};
use vigie_store::{ConsentSite, Consents, SiteDraft, StoredConsent, Suppression};

const SITE_COLS: &str =
    "id, tenant_id, name, origin, site_key, notice_version, purposes, created_at, updated_at";
const CONSENT_COLS: &str = "seq, site_id, device, kind, choices, method, notice_version, at, hash";
const SUPPRESSION_COLS: &str = "id, channel, value_hash, value_sealed, source, created_at";
/// Rows per statement when appending choices (9 values each, well under
/// both backends' limits on bound values).
const CHUNK: usize = 200;

fn site_from(r: &Row) -> Result<ConsentSite, StoreError> {
    Ok(ConsentSite {
        id: get(r, "id")?,
        tenant: TenantId(get(r, "tenant_id")?),
        name: get(r, "name")?,
        origin: get(r, "origin")?,
        site_key: get(r, "site_key")?,
        notice_version: get(r, "notice_version")?,
        purposes: serde_json::from_str(&get::<String>(r, "purposes")?).map_err(|e| corrupt("purposes", e))?,
        created_at: from_micros(get(r, "created_at")?),
        updated_at: from_micros(get(r, "updated_at")?),
    })
}

fn consent_from(r: &Row) -> Result<StoredConsent, StoreError> {
    let hash: String = get(r, "hash")?;
    Ok(StoredConsent {
        record: ConsentRecord {
            seq: get(r, "seq")?,
            at: from_micros(get(r, "at")?),
            site: get(r, "site_id")?,
            device: get(r, "device")?,
            kind: parse_code("kind", get(r, "kind")?, ChoiceKind::parse)?,
            choices: serde_json::from_str::<Choices>(&get::<String>(r, "choices")?)
                .map_err(|e| corrupt("choices", e))?,
            method: parse_code("method", get(r, "method")?, ConsentMethod::parse)?,
            notice_version: get(r, "notice_version")?,
        },
        hash: hex::decode(&hash)
            .ok()
            .and_then(|b| ConsentHash::from_slice(&b))
            .ok_or_else(|| corrupt("hash", &hash))?,
    })
}

fn suppression_from(r: &Row) -> Result<Suppression, StoreError> {
    Ok(Suppression {
        id: get(r, "id")?,
        channel: parse_code("channel", get(r, "channel")?, vigie_domain::rights::Channel::parse)?,
        value_hash: get(r, "value_hash")?,
        value_sealed: get(r, "value_sealed")?,
        source: get(r, "source")?,
        created_at: from_micros(get(r, "created_at")?),
    })
}

#[async_trait]
impl Consents for ThisStore {
    async fn create_site(
        &self,
        scope: &TenantScope,
        d: &SiteDraft,
        site_key: &str,
        at: Timestamp,
    ) -> Result<ConsentSite, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO consent_sites (tenant_id, name, origin, site_key, notice_version, purposes, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {SITE_COLS}"
        )))
        .bind(scope.tenant().0)
        .bind(&d.name)
        .bind(d.origin.as_str())
        .bind(site_key)
        .bind(d.notice_version.as_str())
        .bind(serde_json::to_string(&d.purposes).unwrap_or_default())
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match crate::errors::map(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("{} is declared already", d.origin.as_str())),
            other => other,
        })?;
        site_from(&r)
    }

    async fn update_site(
        &self,
        scope: &TenantScope,
        id: i64,
        d: &SiteDraft,
        at: Timestamp,
    ) -> Result<ConsentSite, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE consent_sites SET name = $3, origin = $4, notice_version = $5, purposes = $6, updated_at = $7 \
             WHERE id = $1 AND tenant_id = $2 RETURNING {SITE_COLS}"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .bind(&d.name)
        .bind(d.origin.as_str())
        .bind(d.notice_version.as_str())
        .bind(serde_json::to_string(&d.purposes).unwrap_or_default())
        .bind(to_micros(at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        site_from(&r)
    }

    async fn sites(&self, scope: &TenantScope) -> Result<Vec<ConsentSite>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SITE_COLS} FROM consent_sites WHERE tenant_id = $1 ORDER BY name, id"
        )))
        .bind(scope.tenant().0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(site_from).collect()
    }

    async fn site(&self, scope: &TenantScope, id: i64) -> Result<ConsentSite, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SITE_COLS} FROM consent_sites WHERE id = $1 AND tenant_id = $2"
        )))
        .bind(id)
        .bind(scope.tenant().0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        site_from(&r)
    }

    async fn site_by_key(&self, site_key: &str) -> Result<ConsentSite, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SITE_COLS} FROM consent_sites WHERE site_key = $1"
        )))
        .bind(site_key)
        .fetch_one(&self.pool)
        .await
        .db()?;
        site_from(&r)
    }

    async fn append_consents(
        &self,
        scope: &TenantScope,
        records: &[ConsentRecord],
    ) -> Result<Vec<StoredConsent>, StoreError> {
        let n = i64::try_from(records.len()).unwrap_or(i64::MAX);
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        // The head row, made once, then moved by an UPDATE: its row lock
        // holds every other writer of the tenant's chain until this commit
        // (PostgreSQL), as the write transaction does on SQLite.
        sqlx::query(
            "INSERT INTO consent_heads (tenant_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING",
        )
        .bind(scope.tenant().0)
        .bind(ConsentHash::GENESIS.to_hex())
        .execute(&mut *tx)
        .await
        .db()?;
        let h = sqlx::query("UPDATE consent_heads SET seq = seq + $2 WHERE tenant_id = $1 RETURNING seq, hash")
            .bind(scope.tenant().0)
            .bind(n)
            .fetch_one(&mut *tx)
            .await
            .db()?;
        let hash: String = get(&h, "hash")?;
        let mut seq = get::<i64>(&h, "seq")? - n;
        let mut prev = hex::decode(&hash)
            .ok()
            .and_then(|b| ConsentHash::from_slice(&b))
            .ok_or_else(|| corrupt("consent head", &hash))?;
        let tenant = scope.tenant().0;
        // Every site named must be the tenant's.
        let mut sites: Vec<i64> = records.iter().map(|r| r.site).collect();
        sites.sort_unstable();
        sites.dedup();
        let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM consent_sites WHERE tenant_id = $1 AND id IN ({})",
            numbered(2, sites.len())
        )))
        .bind(tenant);
        for s in &sites {
            q = q.bind(*s);
        }
        let found: i64 = q
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if usize::try_from(found).ok() != Some(sites.len()) {
            return Err(StoreError::NotFound);
        }
        // The kind of each choice follows from the device's previous one
        // on the same site, read here, inside the chain's lock: two quick
        // choices of one device are never both compared with the same one.
        let mut last: HashMap<(i64, String), Choices> = HashMap::new();
        let mut devices: Vec<&str> = records.iter().map(|r| r.device.as_str()).collect();
        devices.sort_unstable();
        devices.dedup();
        for chunk in devices.chunks(CHUNK) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT site_id, device, choices FROM consent_records \
                 WHERE tenant_id = $1 AND device IN ({}) ORDER BY seq",
                numbered(2, chunk.len())
            )))
            .bind(tenant);
            for d in chunk {
                q = q.bind(*d);
            }
            let rows = q
            .fetch_all(&mut *tx)
            .await
            .db()?;
            for r in &rows {
                let choices = serde_json::from_str::<Choices>(&get::<String>(r, "choices")?)
                    .map_err(|e| corrupt("choices", e))?;
                last.insert((get(r, "site_id")?, get(r, "device")?), choices);
            }
        }
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let mut r = record.clone();
            seq += 1;
            r.seq = seq;
            let key = (r.site, r.device.clone());
            r.kind = r.choices.kind(last.get(&key));
            last.insert(key, r.choices.clone());
            let hash = r.chain(&prev);
            prev = hash;
            out.push(StoredConsent { record: r, hash });
        }
        // One statement per `CHUNK` rows: a round trip each, not one per row.
        for chunk in out.chunks(CHUNK) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, {})", numbered(2 + i * 9, 9)))
                .collect();
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO consent_records (tenant_id, seq, site_id, device, kind, choices, method, notice_version, at, hash) VALUES {}",
                rows.join(", ")
            )))
            .bind(tenant);
            for s in chunk {
                let r = &s.record;
                q = q
                    .bind(r.seq)
                    .bind(r.site)
                    .bind(r.device.clone())
                    .bind(r.kind.as_str())
                    .bind(serde_json::to_string(&r.choices).unwrap_or_default())
                    .bind(r.method.as_str())
                    .bind(r.notice_version.clone())
                    .bind(to_micros(r.at))
                    .bind(s.hash.to_hex());
            }
            q.execute(&mut *tx).await.db()?;
        }
        sqlx::query("UPDATE consent_heads SET hash = $2 WHERE tenant_id = $1")
            .bind(scope.tenant().0)
            .bind(prev.to_hex())
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn consents(
        &self,
        scope: &TenantScope,
        device: &str,
        page: Page,
    ) -> Result<Paged<StoredConsent>, StoreError> {
        let filter = "tenant_id = $1 AND ($2 = '' OR device = $2)";
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM consent_records WHERE {filter}"
        )))
        .bind(scope.tenant().0)
        .bind(device)
        .fetch_one(&self.pool)
        .await
        .db()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONSENT_COLS} FROM consent_records WHERE {filter} ORDER BY seq DESC LIMIT $3 OFFSET $4"
        )))
        .bind(scope.tenant().0)
        .bind(device)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows.iter().map(consent_from).collect::<Result<_, _>>()?;
        Ok(paged(items, total, page))
    }

    async fn device_consents(
        &self,
        scope: &TenantScope,
        device: &str,
    ) -> Result<Vec<StoredConsent>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONSENT_COLS} FROM consent_records WHERE tenant_id = $1 AND device = $2 ORDER BY seq"
        )))
        .bind(scope.tenant().0)
        .bind(device)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(consent_from).collect()
    }

    async fn consent_anchor(&self, scope: &TenantScope) -> Result<(i64, ConsentHash), StoreError> {
        let r = sqlx::query("SELECT anchor_seq, anchor_hash FROM consent_heads WHERE tenant_id = $1")
            .bind(scope.tenant().0)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        let Some(r) = r else {
            return Ok((0, ConsentHash::GENESIS));
        };
        let hash: String = get(&r, "anchor_hash")?;
        Ok((
            get(&r, "anchor_seq")?,
            hex::decode(&hash)
                .ok()
                .and_then(|b| ConsentHash::from_slice(&b))
                .ok_or_else(|| corrupt("consent anchor", &hash))?,
        ))
    }

    async fn consent_chain(
        &self,
        scope: &TenantScope,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredConsent>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CONSENT_COLS} FROM consent_records WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        )))
        .bind(scope.tenant().0)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(consent_from).collect()
    }

    async fn add_suppression(
        &self,
        scope: &TenantScope,
        channel: vigie_domain::rights::Channel,
        value_hash: &str,
        value_sealed: &[u8],
        source: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO suppressions (tenant_id, channel, value_hash, value_sealed, source, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, channel, value_hash) DO NOTHING",
        )
        .bind(scope.tenant().0)
        .bind(channel.as_str())
        .bind(value_hash)
        .bind(value_sealed)
        .bind(source)
        .bind(to_micros(at))
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn is_suppressed(
        &self,
        scope: &TenantScope,
        channel: vigie_domain::rights::Channel,
        value_hash: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM suppressions WHERE tenant_id = $1 AND channel = $2 AND value_hash = $3",
        )
        .bind(scope.tenant().0)
        .bind(channel.as_str())
        .bind(value_hash)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(n > 0)
    }

    async fn suppressions(
        &self,
        scope: &TenantScope,
        search: &str,
        page: Page,
    ) -> Result<Paged<Suppression>, StoreError> {
        let filter = format!(
            "tenant_id = {} AND ($1 = '' OR source LIKE $1 ESCAPE '\\')",
            scope.tenant().0
        );
        self.searched_page(SUPPRESSION_COLS, "suppressions", &filter, "created_at DESC, id DESC", search, page, suppression_from)
            .await
    }
}
