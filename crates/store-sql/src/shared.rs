// The SQL both backends share, compiled once in `sqlite` and once in
// `postgres` with that module's `Db`, `ThisStore`, `BACKEND`, `MIGRATIONS`,
// `CLAIM_JOB`, `CLAIM_LOCK`, `SKIP_LOCKED` and `begin_write`.

use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::Row as _;
use vigie_domain::{
    ApiTokenId, JobId, MessageId, TenantId, UserId,
    account::{DisplayName, Email, User},
    audit::{Actor, AuditEvent, AuditRecord, ChainHash, Outcome, chain},
    jobs::{JobKind, JobState},
    page::{Page, Paged},
    role::{Role, Roles},
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
    time::{from_micros, to_micros},
};
use vigie_store::{
    Accounts, ApiToken, ApiTokens, Checkpoint, Credentials, Intent, Job, Jobs, Invitation, Member, Membership,
    NewApiToken, NewIntent, NewMessage, NewSession, NewUser, Outbox, OutboxMessage, Session, Sessions,
    Store, Tenant, Tenants, Trail, TrailFilter,
};

use crate::{contains_pattern, prefix_pattern};

type Row = <Db as sqlx::Database>::Row;
type Tx = sqlx::Transaction<'static, Db>;

async fn apply_migrations(tx: &mut Tx) -> Result<(), StoreError> {
    let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut **tx)
        .await
        .db()?;
    let current = current.unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |m| m.version);
    if current > known {
        return Err(newer_than_binary(current, known));
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        sqlx::raw_sql(m.sql).execute(&mut **tx).await.db()?;
        sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
            .bind(m.version)
            .bind(to_micros(Timestamp::now()))
            .execute(&mut **tx)
            .await
            .db()?;
    }
    Ok(())
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn get<'r, T>(r: &'r Row, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    r.try_get(col).db()
}

fn paged<T>(items: Vec<T>, total: i64, page: Page) -> Paged<T> {
    Paged {
        items,
        total,
        page: page.number(),
        page_size: page.size(),
    }
}

const USER_COLS: &str = "id, email, name, is_provider_admin, disabled, totp_secret IS NOT NULL AS totp_enabled, locale, time_zone";

fn user_from(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(get(r, "id")?),
        email: Email::parse(&get::<String>(r, "email")?).map_err(|e| corrupt("email", e))?,
        name: DisplayName::parse(&get::<String>(r, "name")?).map_err(|e| corrupt("name", e))?,
        is_provider_admin: get(r, "is_provider_admin")?,
        disabled: get(r, "disabled")?,
        totp_enabled: get(r, "totp_enabled")?,
        locale: get(r, "locale")?,
        time_zone: get(r, "time_zone")?,
    })
}

fn tenant_from(r: &Row) -> Result<Tenant, StoreError> {
    Ok(Tenant {
        id: TenantId(get(r, "tenant_id")?),
        slug: TenantSlug::parse(&get::<String>(r, "tenant_slug")?)
            .map_err(|e| corrupt("slug", e))?,
        name: TenantName::parse(&get::<String>(r, "tenant_name")?)
            .map_err(|e| corrupt("tenant name", e))?,
        created_at: from_micros(get(r, "tenant_created_at")?),
    })
}

const INVITATION_SELECT: &str = "SELECT i.id, i.user_id, u.email, i.roles, i.invited_by, i.expires_at, \
     t.id AS tenant_id, t.slug AS tenant_slug, t.name AS tenant_name, t.created_at AS tenant_created_at \
     FROM invitations i JOIN users u ON u.id = i.user_id JOIN tenants t ON t.id = i.tenant_id";

fn invitation_from(r: &Row) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: get(r, "id")?,
        tenant: tenant_from(r)?,
        user: UserId(get(r, "user_id")?),
        email: Email::parse(&get::<String>(r, "email")?).map_err(|e| corrupt("email", e))?,
        roles: Roles::from_db(&get::<String>(r, "roles")?),
        invited_by: get(r, "invited_by")?,
        expires_at: from_micros(get(r, "expires_at")?),
    })
}

const TENANT_COLS: &str =
    "t.id AS tenant_id, t.slug AS tenant_slug, t.name AS tenant_name, t.created_at AS tenant_created_at";

fn token_from(r: &Row) -> Result<ApiToken, StoreError> {
    let role: String = get(r, "role")?;
    Ok(ApiToken {
        id: ApiTokenId(get(r, "id")?),
        tenant: TenantId(get(r, "tenant_id")?),
        name: get(r, "name")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", role))?,
        expires_at: from_micros(get(r, "expires_at")?),
        created_by: get::<Option<i64>>(r, "created_by")?.map(UserId),
        created_at: from_micros(get(r, "created_at")?),
        revoked: get(r, "revoked")?,
    })
}

const TOKEN_COLS: &str = "id, tenant_id, name, role, expires_at, created_by, created_at, revoked";

const RECORD_COLS: &str = crate::trail_read::COLUMNS;

const INTENT_COLS: &str = "id, at, credential, tenant_slug, method, path, ip, user_agent";

fn intent_from(r: &Row) -> Result<Intent, StoreError> {
    Ok(Intent {
        id: get(r, "id")?,
        note: NewIntent {
            at: from_micros(get(r, "at")?),
            credential: get(r, "credential")?,
            tenant_slug: get(r, "tenant_slug")?,
            method: get(r, "method")?,
            path: get(r, "path")?,
            ip: get(r, "ip")?,
            user_agent: get(r, "user_agent")?,
        },
    })
}

/// A record from a row of `RECORD_COLS`, by position: verification
/// decodes every record of the trail, and a name costs a lookup per
/// column (issue 19).
fn record_from(r: &Row) -> Result<AuditRecord, StoreError> {
    fn at<'r, T>(r: &'r Row, i: usize) -> Result<T, StoreError>
    where
        T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
    {
        r.try_get(i).db()
    }
    let outcome: &str = at(r, 9)?;
    let hash: &[u8] = at(r, 10)?;
    Ok(AuditRecord {
        seq: at(r, 0)?,
        at: from_micros(at(r, 1)?),
        event: AuditEvent {
            actor: Actor {
                user: at::<Option<i64>>(r, 2)?.map(UserId),
                label: at(r, 3)?,
            },
            tenant: at::<Option<i64>>(r, 4)?.map(TenantId),
            action: at(r, 5)?,
            object: at(r, 6)?,
            ip: at(r, 7)?,
            user_agent: at(r, 8)?,
            outcome: Outcome::parse(outcome).ok_or_else(|| corrupt("outcome", outcome))?,
        },
        hash: ChainHash::from_slice(hash).ok_or_else(|| corrupt("hash", "not 32 bytes"))?,
    })
}

fn checkpoint_from(r: &Row) -> Result<Checkpoint, StoreError> {
    let hash: Vec<u8> = get(r, "hash")?;
    Ok(Checkpoint {
        seq: get(r, "seq")?,
        hash: ChainHash::from_slice(&hash).ok_or_else(|| corrupt("hash", "not 32 bytes"))?,
        signed_at: from_micros(get(r, "signed_at")?),
        public_key: get(r, "public_key")?,
        signature: get(r, "signature")?,
    })
}

const CHECKPOINT_COLS: &str = "seq, hash, signed_at, public_key, signature";

const JOB_COLS: &str =
    "id, kind, key, state, run_at, attempts, locked_by, started_at, finished_at, summary";

fn job_from(r: &Row) -> Result<Job, StoreError> {
    let kind: String = get(r, "kind")?;
    let state: String = get(r, "state")?;
    Ok(Job {
        id: JobId(get(r, "id")?),
        kind: JobKind::parse(&kind).ok_or_else(|| corrupt("job kind", &kind))?,
        key: get(r, "key")?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("job state", &state))?,
        run_at: from_micros(get(r, "run_at")?),
        attempts: get(r, "attempts")?,
        locked_by: get(r, "locked_by")?,
        started_at: get::<Option<i64>>(r, "started_at")?.map(from_micros),
        finished_at: get::<Option<i64>>(r, "finished_at")?.map(from_micros),
        summary: get(r, "summary")?,
    })
}

const MESSAGE_COLS: &str = "id, tenant_id, recipient, subject, body, created_at, attempts, next_attempt_at, sent_at, last_error";

fn message_from(r: &Row) -> Result<OutboxMessage, StoreError> {
    Ok(OutboxMessage {
        id: MessageId(get(r, "id")?),
        tenant: get::<Option<i64>>(r, "tenant_id")?.map(TenantId),
        to: get(r, "recipient")?,
        subject: get(r, "subject")?,
        body: get(r, "body")?,
        created_at: from_micros(get(r, "created_at")?),
        attempts: get(r, "attempts")?,
        next_attempt_at: from_micros(get(r, "next_attempt_at")?),
        sent_at: get::<Option<i64>>(r, "sent_at")?.map(from_micros),
        last_error: get(r, "last_error")?,
    })
}

fn expect_one(rows: u64) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[async_trait]
impl Accounts for ThisStore {
    async fn create_user(&self, new: &NewUser) -> Result<User, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, name, password_hash, is_provider_admin, locale, time_zone, created_at, \
             last_active_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(new.email.as_str())
        .bind(new.name.as_str())
        .bind(&new.password_hash)
        .bind(new.is_provider_admin)
        .bind(&new.locale)
        .bind(&new.time_zone)
        .bind(to_micros(Timestamp::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match crate::errors::map(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("an account already uses {}", new.email))
            }
            other => other,
        })?;
        self.user(UserId(id)).await
    }

    async fn user(&self, id: UserId) -> Result<User, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .db()?;
        user_from(&r)
    }

    async fn user_by_email(&self, email: &Email) -> Result<User, StoreError> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE email = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(email.as_str())
            .fetch_one(&self.pool)
            .await
            .db()?;
        user_from(&r)
    }

    async fn credentials(&self, id: UserId) -> Result<Credentials, StoreError> {
        let r = sqlx::query("SELECT password_hash, totp_secret FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .db()?;
        Ok(Credentials {
            password_hash: get(&r, "password_hash")?,
            totp_secret: get(&r, "totp_secret")?,
        })
    }

    async fn set_password_hash(&self, id: UserId, hash: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(disabled)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        expect_one(done.rows_affected())?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .db()?;
            sqlx::query("UPDATE api_tokens SET revoked = TRUE WHERE created_by = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .db()?;
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()
    }

    async fn set_preferences(
        &self,
        id: UserId,
        locale: &str,
        time_zone: &str,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET locale = $1, time_zone = $2 WHERE id = $3")
            .bind(locale)
            .bind(time_zone)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn use_totp_step(&self, id: UserId, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
        )
        .bind(step)
        .bind(id.0)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_totp(
        &self,
        id: UserId,
        secret: Option<&str>,
        recovery_hashes: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(secret)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        expect_one(done.rows_affected())?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .db()?;
        for h in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(id.0)
                .bind(h)
                .execute(&mut *tx)
                .await
                .db()?;
        }
        tx.commit().await.db()
    }

    async fn consume_recovery_code(&self, id: UserId, code_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1 AND code_hash = $2")
            .bind(id.0)
            .bind(code_hash)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_users(&self, search: &str, page: Page) -> Result<Paged<User>, StoreError> {
        let filter = "($1 = '' OR LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(name) LIKE $1 ESCAPE '\\')";
        self.searched_page(USER_COLS, "users", filter, "email", search, page, user_from)
            .await
    }

    async fn record_sign_in_failure(&self, key: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sign_in_failures (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(to_micros(at))
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn sign_in_failures_since(&self, key: &str, since: Timestamp) -> Result<u32, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(to_micros(since))
                .fetch_one(&self.pool)
                .await
                .db()?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn last_sign_in_failure(&self, key: &str) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<i64> = sqlx::query_scalar("SELECT MAX(at) FROM sign_in_failures WHERE key = $1")
            .bind(key)
            .fetch_one(&self.pool)
            .await
            .db()?;
        Ok(at.map(from_micros))
    }

    async fn clear_sign_in_failures(&self, key: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn create_password_reset(
        &self,
        user: UserId,
        token_hash: &str,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user.0)
            .bind(to_micros(expires))
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn peek_password_reset(&self, token_hash: &str, now: Timestamp) -> Result<UserId, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "SELECT user_id FROM password_resets WHERE token_hash = $1 AND expires_at >= $2",
        )
        .bind(token_hash)
        .bind(to_micros(now))
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(UserId(id))
    }

    async fn consume_password_reset(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<UserId, StoreError> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(
            "DELETE FROM password_resets WHERE token_hash = $1 RETURNING user_id, expires_at",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
        if get::<i64>(&r, "expires_at")? < to_micros(now) {
            tx.commit().await.db()?;
            return Err(StoreError::NotFound);
        }
        let user = UserId(get(&r, "user_id")?);
        // One use voids every other link of the account (issue 12).
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(user)
    }
}

#[async_trait]
impl Tenants for ThisStore {
    async fn create_tenant(&self, slug: &TenantSlug, name: &TenantName) -> Result<Tenant, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(slug.as_str())
        .bind(name.as_str())
        .bind(to_micros(Timestamp::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match crate::errors::map(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("a tenant already uses the short name {slug}"))
            }
            other => other,
        })?;
        self.tenant(TenantId(id)).await
    }

    async fn tenant(&self, id: TenantId) -> Result<Tenant, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TENANT_COLS} FROM tenants t WHERE t.id = $1"
        )))
        .bind(id.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        tenant_from(&r)
    }

    async fn tenant_by_slug(&self, slug: &TenantSlug) -> Result<Tenant, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TENANT_COLS} FROM tenants t WHERE t.slug = $1"
        )))
        .bind(slug.as_str())
        .fetch_one(&self.pool)
        .await
        .db()?;
        tenant_from(&r)
    }

    async fn list_tenants(&self, search: &str, page: Page) -> Result<Paged<Tenant>, StoreError> {
        let filter =
            "($1 = '' OR LOWER(t.slug) LIKE $1 ESCAPE '\\' OR LOWER(t.name) LIKE $1 ESCAPE '\\')";
        self.searched_page(TENANT_COLS, "tenants t", filter, "t.name", search, page, tenant_from)
            .await
    }

    async fn memberships(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TENANT_COLS}, m.roles FROM memberships m JOIN tenants t ON t.id = m.tenant_id \
             WHERE m.user_id = $1 ORDER BY t.name"
        )))
        .bind(user.0)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                Ok(Membership {
                    tenant: tenant_from(r)?,
                    roles: Roles::from_db(&get::<String>(r, "roles")?),
                })
            })
            .collect()
    }

    async fn set_roles(&self, scope: &TenantScope, user: UserId, roles: &Roles) -> Result<(), StoreError> {
        let tenant = scope.tenant();
        // The tokens this person made carry a role they no longer hold:
        // revoked with the change (issue 12).
        let kept: Vec<String> = Role::ALL
            .into_iter()
            .filter(|r| roles.covers(*r))
            .map(|r| format!("'{}'", r.as_str()))
            .collect();
        let kept = if kept.is_empty() { "''".to_owned() } else { kept.join(", ") };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE api_tokens SET revoked = TRUE WHERE tenant_id = $1 AND created_by = $2 AND role NOT IN ({kept})"
        )))
        .bind(tenant.0)
        .bind(user.0)
        .execute(&self.pool)
        .await
        .db()?;
        if roles.is_empty() {
            sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2")
                .bind(tenant.0)
                .bind(user.0)
                .execute(&self.pool)
                .await
                .db()?;
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO memberships (tenant_id, user_id, roles) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET roles = excluded.roles",
        )
        .bind(tenant.0)
        .bind(user.0)
        .bind(roles.to_db())
        .execute(&self.pool)
        .await
        .map_err(|e| match crate::errors::map(e) {
            StoreError::Other(m) if m.contains("FOREIGN KEY") || m.contains("foreign key") => {
                StoreError::NotFound
            }
            other => other,
        })?;
        Ok(())
    }

    async fn members(
        &self,
        scope: &TenantScope,
        search: &str,
        page: Page,
    ) -> Result<Paged<Member>, StoreError> {
        let pat = contains_pattern(search);
        let filter = "m.tenant_id = $1 AND ($2 = '' OR LOWER(u.email) LIKE $2 ESCAPE '\\' OR LOWER(u.name) LIKE $2 ESCAPE '\\')";
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE {filter}"
        )))
        .bind(scope.tenant().0)
        .bind(&pat)
        .fetch_one(&self.pool)
        .await
        .db()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT u.id, u.email, u.name, u.is_provider_admin, u.disabled, \
             u.totp_secret IS NOT NULL AS totp_enabled, u.locale, u.time_zone, m.roles \
             FROM memberships m JOIN users u ON u.id = m.user_id WHERE {filter} \
             ORDER BY u.name LIMIT $3 OFFSET $4"
        )))
        .bind(scope.tenant().0)
        .bind(&pat)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(Member {
                    user: user_from(r)?,
                    roles: Roles::from_db(&get::<String>(r, "roles")?),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(paged(items, total, page))
    }

    async fn member(&self, scope: &TenantScope, user: UserId) -> Result<Member, StoreError> {
        let r = sqlx::query(
            "SELECT u.id, u.email, u.name, u.is_provider_admin, u.disabled, \
             u.totp_secret IS NOT NULL AS totp_enabled, u.locale, u.time_zone, m.roles \
             FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.tenant_id = $1 AND m.user_id = $2",
        )
        .bind(scope.tenant().0)
        .bind(user.0)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(Member {
            user: user_from(&r)?,
            roles: Roles::from_db(&get::<String>(&r, "roles")?),
        })
    }

    async fn invite(
        &self,
        scope: &TenantScope,
        user: UserId,
        roles: &Roles,
        token_hash: &str,
        invited_by: &str,
        expires: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM invitations WHERE tenant_id = $1 AND user_id = $2")
            .bind(scope.tenant().0)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query(
            "INSERT INTO invitations (tenant_id, user_id, roles, token_hash, invited_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(scope.tenant().0)
        .bind(user.0)
        .bind(roles.to_db())
        .bind(token_hash)
        .bind(invited_by)
        .bind(to_micros(Timestamp::now()))
        .bind(to_micros(expires))
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()
    }

    async fn invitations(&self, scope: &TenantScope, now: Timestamp) -> Result<Vec<Invitation>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{INVITATION_SELECT} WHERE i.tenant_id = $1 AND i.expires_at >= $2 ORDER BY u.email"
        )))
        .bind(scope.tenant().0)
        .bind(to_micros(now))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(invitation_from).collect()
    }

    async fn invitation(&self, token_hash: &str, user: UserId, now: Timestamp) -> Result<Invitation, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{INVITATION_SELECT} WHERE i.token_hash = $1 AND i.user_id = $2 AND i.expires_at >= $3"
        )))
        .bind(token_hash)
        .bind(user.0)
        .bind(to_micros(now))
        .fetch_one(&self.pool)
        .await
        .db()?;
        invitation_from(&r)
    }

    async fn accept_invitation(&self, token_hash: &str, user: UserId, now: Timestamp) -> Result<Invitation, StoreError> {
        let mut tx = self.begin_write().await?;
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{INVITATION_SELECT} WHERE i.token_hash = $1 AND i.user_id = $2 AND i.expires_at >= $3"
        )))
        .bind(token_hash)
        .bind(user.0)
        .bind(to_micros(now))
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let invitation = invitation_from(&r)?;
        // Deleted first: of two acceptances at once, one deletes it.
        let gone = sqlx::query("DELETE FROM invitations WHERE id = $1")
            .bind(invitation.id)
            .execute(&mut *tx)
            .await
            .db()?;
        if gone.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO memberships (tenant_id, user_id, roles) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id, user_id) DO UPDATE SET roles = excluded.roles",
        )
        .bind(invitation.tenant.id.0)
        .bind(user.0)
        .bind(invitation.roles.to_db())
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(invitation)
    }

    async fn withdraw_invitation(&self, scope: &TenantScope, id: i64) -> Result<(), StoreError> {
        let gone = sqlx::query("DELETE FROM invitations WHERE id = $1 AND tenant_id = $2")
            .bind(id)
            .bind(scope.tenant().0)
            .execute(&self.pool)
            .await
            .db()?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn decline_invitation(&self, token_hash: &str, user: UserId) -> Result<(), StoreError> {
        let gone = sqlx::query("DELETE FROM invitations WHERE token_hash = $1 AND user_id = $2")
            .bind(token_hash)
            .bind(user.0)
            .execute(&self.pool)
            .await
            .db()?;
        if gone.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

#[async_trait]
impl Sessions for ThisStore {
    async fn create_session(&self, s: &NewSession) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, ip, user_agent) \
             VALUES ($1, $2, $3, $3, $4, $5)",
        )
        .bind(&s.token_hash)
        .bind(s.user.0)
        .bind(to_micros(s.created_at))
        .bind(&s.ip)
        .bind(&s.user_agent)
        .execute(&self.pool)
        .await
        .db()?;
        // A sign-in keeps the account from its inactivity deletion (C21).
        sqlx::query("UPDATE users SET last_active_at = $1 WHERE id = $2")
            .bind(to_micros(s.created_at))
            .bind(s.user.0)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Session, StoreError> {
        let r = sqlx::query(
            "SELECT token_hash, user_id, tenant_id, created_at, last_seen \
             FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await
        .db()?;
        Ok(Session {
            token_hash: get(&r, "token_hash")?,
            user: UserId(get(&r, "user_id")?),
            tenant: get::<Option<i64>>(&r, "tenant_id")?.map(TenantId),
            created_at: from_micros(get(&r, "created_at")?),
            last_seen: from_micros(get(&r, "last_seen")?),
        })
    }

    async fn touch_session(&self, token_hash: &str, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen = $1 WHERE token_hash = $2")
            .bind(to_micros(at))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .db()?;
        sqlx::query(
            "UPDATE users SET last_active_at = $1 WHERE id = (SELECT user_id FROM sessions WHERE token_hash = $2)",
        )
        .bind(to_micros(at))
        .bind(token_hash)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn set_session_tenant(
        &self,
        token_hash: &str,
        tenant: Option<TenantId>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE sessions SET tenant_id = $1 WHERE token_hash = $2")
            .bind(tenant.map(|t| t.0))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.0)
            .execute(&self.pool)
            .await
            .db()?;
        Ok(done.rows_affected())
    }

    async fn purge_expired(&self, idle_before: Timestamp, now: Timestamp) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut n = 0;
        for (sql, at) in [
            ("DELETE FROM sessions WHERE last_seen < $1", idle_before),
            ("DELETE FROM password_resets WHERE expires_at < $1", now),
            ("DELETE FROM invitations WHERE expires_at < $1", now),
            // A public declaration whose code expired can no longer be confirmed.
            ("DELETE FROM incident_declarations WHERE code_expires < $1", now),
            (
                "DELETE FROM sign_in_failures WHERE at < $1",
                now - vigie_domain::lockout::FAILURE_MEMORY,
            ),
        ] {
            n += sqlx::query(sql)
                .bind(to_micros(at))
                .execute(&mut *tx)
                .await
                .db()?
                .rows_affected();
        }
        tx.commit().await.db()?;
        Ok(n)
    }
}

#[async_trait]
impl ApiTokens for ThisStore {
    async fn create_token(&self, scope: &TenantScope, new: &NewApiToken) -> Result<ApiToken, StoreError> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (tenant_id, name, role, token_hash, expires_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(scope.tenant().0)
        .bind(&new.name)
        .bind(new.role.as_str())
        .bind(&new.token_hash)
        .bind(to_micros(new.expires_at))
        .bind(new.created_by.map(|u| u.0))
        .bind(to_micros(new.created_at))
        .fetch_one(&self.pool)
        .await
        .db()?;
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .db()?;
        token_from(&r)
    }

    async fn list_tokens(&self, scope: &TenantScope, page: Page) -> Result<Paged<ApiToken>, StoreError> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE tenant_id = $1")
            .bind(scope.tenant().0)
            .fetch_one(&self.pool)
            .await
            .db()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
        )))
        .bind(scope.tenant().0)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows.iter().map(token_from).collect::<Result<_, _>>()?;
        Ok(paged(items, total, page))
    }

    async fn revoke_token(&self, scope: &TenantScope, id: ApiTokenId) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked = TRUE WHERE id = $1 AND tenant_id = $2")
            .bind(id.0)
            .bind(scope.tenant().0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn token_by_hash(&self, hash: &str) -> Result<ApiToken, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1"
        )))
        .bind(hash)
        .fetch_one(&self.pool)
        .await
        .db()?;
        token_from(&r)
    }
}

impl ThisStore {
    /// The row of `table` whose `id` is `id`, decoded; `NotFound` if none.
    async fn by_id<T>(
        &self,
        cols: &str,
        table: &str,
        id: i64,
        decode: fn(&Row) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {cols} FROM {table} WHERE id = $1")))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .db()?;
        decode(&r)
    }

    /// One page of `SELECT cols FROM from WHERE filter ORDER BY order`, and
    /// the total; `filter` may use `$1`, the "contains" pattern of `search`
    /// (empty when there is nothing to search).
    #[allow(clippy::too_many_arguments)]
    async fn searched_page<T>(
        &self,
        cols: &str,
        from: &str,
        filter: &str,
        order: &str,
        search: &str,
        page: Page,
        decode: fn(&Row) -> Result<T, StoreError>,
    ) -> Result<Paged<T>, StoreError> {
        let pat = contains_pattern(search);
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {from} WHERE {filter}"
        )))
        .bind(&pat)
        .fetch_one(&self.pool)
        .await
        .db()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {cols} FROM {from} WHERE {filter} ORDER BY {order} LIMIT $2 OFFSET $3"
        )))
        .bind(&pat)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows.iter().map(decode).collect::<Result<_, _>>()?;
        Ok(paged(items, total, page))
    }

    /// Appends events under the head row's lock: the next sequence numbers,
    /// the previous hash and a time never earlier than the last record's.
    async fn append_locked(
        &self,
        events: &[AuditEvent],
        settled: &[i64],
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let n = i64::try_from(events.len()).map_err(|e| StoreError::Other(e.to_string()))?;
        let mut tx = self.begin_write().await?;
        for chunk in settled.chunks(INSERT_CHUNK) {
            let list = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM audit_intents WHERE id IN ({list})"
            )));
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await.db()?;
        }
        if events.is_empty() {
            tx.commit().await.db()?;
            return Ok(Vec::new());
        }
        let head = sqlx::query(
            "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash, at",
        )
        .bind(n)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        let last_seq: i64 = get(&head, "seq")?;
        let prev: Vec<u8> = get(&head, "hash")?;
        let mut prev = ChainHash::from_slice(&prev).ok_or_else(|| corrupt("head", "not 32 bytes"))?;
        let at = Timestamp::now().max(from_micros(get(&head, "at")?));
        let mut out = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            let seq = last_seq - n + 1 + i as i64;
            let hash = chain(&prev, seq, at, e);
            prev = hash;
            out.push(AuditRecord {
                seq,
                at,
                event: e.clone(),
                hash,
            });
        }
        // Many rows per statement: one round trip per chunk, not per record.
        for chunk in out.chunks(INSERT_CHUNK) {
            let placeholders: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let b = r * 11;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                        b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO audit_log ({RECORD_COLS}) VALUES {}",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for r in chunk {
                let e = &r.event;
                q = q
                    .bind(r.seq)
                    .bind(to_micros(r.at))
                    .bind(e.actor.user.map(|u| u.0))
                    .bind(e.actor.label.clone())
                    .bind(e.tenant.map(|t| t.0))
                    .bind(e.action.clone())
                    .bind(e.object.clone())
                    .bind(e.ip.clone())
                    .bind(e.user_agent.clone())
                    .bind(e.outcome.as_str())
                    .bind(r.hash.0.to_vec());
            }
            q.execute(&mut *tx).await.db()?;
        }
        sqlx::query("UPDATE audit_head SET hash = $1, at = $2 WHERE id = 1")
            .bind(prev.0.as_slice())
            .bind(to_micros(at))
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn trail_page(
        &self,
        tenant: Option<TenantId>,
        f: &TrailFilter,
        page: Page,
    ) -> Result<Paged<AuditRecord>, StoreError> {
        let filter = "($1 < 0 OR tenant_id = $1) \
            AND ($2 = '' OR LOWER(actor_label) LIKE $2 ESCAPE '\\' OR LOWER(action) LIKE $2 ESCAPE '\\' OR LOWER(object) LIKE $2 ESCAPE '\\') \
            AND ($3 = '' OR action LIKE $3 ESCAPE '\\') \
            AND ($4 = '' OR outcome = $4) \
            AND at >= $5 AND at <= $6";
        let tenant = tenant.map_or(-1, |t| t.0);
        let search = contains_pattern(&f.search);
        let prefix = prefix_pattern(&f.action_prefix);
        let outcome = f.outcome.map_or("", |o| o.as_str());
        let from = f.from.map_or(i64::MIN, to_micros);
        let to = f.to.map_or(i64::MAX, to_micros);
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM audit_log WHERE {filter}"
        )))
        .bind(tenant)
        .bind(&search)
        .bind(&prefix)
        .bind(outcome)
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await
        .db()?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLS} FROM audit_log WHERE {filter} ORDER BY seq DESC LIMIT $7 OFFSET $8"
        )))
        .bind(tenant)
        .bind(&search)
        .bind(&prefix)
        .bind(outcome)
        .bind(from)
        .bind(to)
        .bind(page.limit())
        .bind(page.offset())
        .fetch_all(&self.pool)
        .await
        .db()?;
        let items = rows.iter().map(record_from).collect::<Result<_, _>>()?;
        Ok(paged(items, total, page))
    }
}

#[async_trait]
impl Trail for ThisStore {
    async fn append(&self, event: &AuditEvent) -> Result<AuditRecord, StoreError> {
        self.append_locked(std::slice::from_ref(event), &[])
            .await?
            .pop()
            .ok_or_else(|| StoreError::Other("no record appended".into()))
    }

    async fn append_batch(&self, events: &[AuditEvent]) -> Result<Vec<AuditRecord>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        self.append_locked(events, &[]).await
    }

    async fn append_settling(
        &self,
        events: &[AuditEvent],
        settled: &[i64],
    ) -> Result<Vec<AuditRecord>, StoreError> {
        if events.is_empty() && settled.is_empty() {
            return Ok(Vec::new());
        }
        self.append_locked(events, settled).await
    }

    async fn begin_intent(&self, n: &NewIntent) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO audit_intents (at, credential, tenant_slug, method, path, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(to_micros(n.at))
        .bind(&n.credential)
        .bind(&n.tenant_slug)
        .bind(&n.method)
        .bind(&n.path)
        .bind(&n.ip)
        .bind(&n.user_agent)
        .fetch_one(&self.pool)
        .await
        .db()
    }

    async fn intent(&self, id: i64) -> Result<Intent, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INTENT_COLS} FROM audit_intents WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .db()?;
        intent_from(&r)
    }

    async fn intents_before(&self, at: Timestamp, limit: i64) -> Result<Vec<Intent>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INTENT_COLS} FROM audit_intents WHERE at < $1 ORDER BY id LIMIT $2"
        )))
        .bind(to_micros(at))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(intent_from).collect()
    }

    async fn tenant_trail(
        &self,
        scope: &TenantScope,
        filter: &TrailFilter,
        page: Page,
    ) -> Result<Paged<AuditRecord>, StoreError> {
        self.trail_page(Some(scope.tenant()), filter, page).await
    }

    async fn instance_trail(&self, filter: &TrailFilter, page: Page) -> Result<Paged<AuditRecord>, StoreError> {
        self.trail_page(None, filter, page).await
    }

    async fn records_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        )))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(record_from).collect()
    }

    async fn records_in(&self, after: i64, through: i64) -> Result<Vec<AuditRecord>, StoreError> {
        records_range(self, after, through).await
    }

    async fn head(&self) -> Result<Option<(i64, ChainHash)>, StoreError> {
        let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .db()?;
        let seq: i64 = get(&r, "seq")?;
        if seq == 0 {
            return Ok(None);
        }
        let hash: Vec<u8> = get(&r, "hash")?;
        Ok(Some((
            seq,
            ChainHash::from_slice(&hash).ok_or_else(|| corrupt("head", "not 32 bytes"))?,
        )))
    }

    async fn add_checkpoint(&self, c: &Checkpoint) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_checkpoints (seq, hash, signed_at, public_key, signature) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING",
        )
        .bind(c.seq)
        .bind(c.hash.0.as_slice())
        .bind(to_micros(c.signed_at))
        .bind(&c.public_key)
        .bind(&c.signature)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(())
    }

    async fn checkpoints(&self, page: Page) -> Result<Paged<Checkpoint>, StoreError> {
        self.searched_page(
            CHECKPOINT_COLS,
            "audit_checkpoints",
            "$1 = ''",
            "seq DESC",
            "",
            page,
            checkpoint_from,
        )
        .await
    }

    async fn checkpoints_after(&self, after: i64) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, hash, signed_at, public_key, signature FROM audit_checkpoints \
             WHERE seq > $1 ORDER BY seq",
        )
        .bind(after)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(checkpoint_from).collect()
    }

    async fn anchor(&self) -> Result<Option<Checkpoint>, StoreError> {
        let r = sqlx::query("SELECT seq, hash, signed_at, public_key, signature FROM audit_anchor WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .db()?;
        r.as_ref().map(checkpoint_from).transpose()
    }

    async fn last_record_before(&self, at: Timestamp) -> Result<Option<AuditRecord>, StoreError> {
        let r = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLS} FROM audit_log WHERE at < $1 ORDER BY seq DESC LIMIT 1"
        )))
        .bind(to_micros(at))
        .fetch_optional(&self.pool)
        .await
        .db()?;
        r.as_ref().map(record_from).transpose()
    }

    async fn purge_through(&self, anchor: &Checkpoint) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
            .bind(anchor.seq)
            .execute(&mut *tx)
            .await
            .db()?
            .rows_affected();
        sqlx::query("DELETE FROM audit_checkpoints WHERE seq <= $1")
            .bind(anchor.seq)
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query("DELETE FROM audit_anchor")
            .execute(&mut *tx)
            .await
            .db()?;
        sqlx::query(
            "INSERT INTO audit_anchor (id, seq, hash, signed_at, public_key, signature) \
             VALUES (1, $1, $2, $3, $4, $5)",
        )
        .bind(anchor.seq)
        .bind(anchor.hash.0.as_slice())
        .bind(to_micros(anchor.signed_at))
        .bind(&anchor.public_key)
        .bind(&anchor.signature)
        .execute(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        Ok(removed)
    }
}

#[async_trait]
impl Jobs for ThisStore {
    async fn enqueue(&self, kind: JobKind, key: &str, run_at: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO jobs (kind, key, state, run_at) VALUES ($1, $2, 'queued', $3) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(key)
        .bind(to_micros(run_at))
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn enqueue_for(
        &self,
        tenant: TenantId,
        kind: JobKind,
        key: &str,
        run_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO jobs (kind, key, state, run_at, tenant_id) VALUES ($1, $2, 'queued', $3, $4) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(key)
        .bind(to_micros(run_at))
        .bind(tenant.0)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn claim(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
        kinds: &[JobKind],
    ) -> Result<Option<Job>, StoreError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        if let Some(lock) = CLAIM_LOCK {
            sqlx::query(lock).execute(&mut *tx).await.db()?;
        }
        // The kinds are the domain's own names, never input.
        let list = kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let r = sqlx::query(sqlx::AssertSqlSafe(CLAIM_JOB.replace("{kinds}", &list)))
            .bind(worker)
            .bind(to_micros(now))
            .bind(to_micros(lease_until))
            .fetch_optional(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()?;
        r.as_ref().map(job_from).transpose()
    }

    async fn release_jobs(&self, worker: &str, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE locked_by = $2 AND state = 'running' AND lease_until > $1",
        )
        .bind(to_micros(now))
        .bind(worker)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected())
    }

    async fn renew(&self, id: JobId, worker: &str, lease_until: Timestamp) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
        )
        .bind(to_micros(lease_until))
        .bind(id.0)
        .bind(worker)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish(&self, id: JobId, at: Timestamp, summary: &str) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at = $1, summary = $2, lease_until = NULL WHERE id = $3",
        )
        .bind(to_micros(at))
        .bind(summary)
        .bind(id.0)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn fail(
        &self,
        id: JobId,
        at: Timestamp,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let (state, run_at) = match retry_at {
            Some(t) => ("queued", Some(to_micros(t))),
            None => ("failed", None),
        };
        let done = sqlx::query(
            "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), finished_at = $3, \
             summary = $4, lease_until = NULL WHERE id = $5",
        )
        .bind(state)
        .bind(run_at)
        .bind(to_micros(at))
        .bind(error)
        .bind(id.0)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn list_jobs(&self, page: Page) -> Result<Paged<Job>, StoreError> {
        self.searched_page(JOB_COLS, "jobs", "$1 = ''", "run_at DESC, id DESC", "", page, job_from)
            .await
    }

    async fn purge_finished_jobs(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < $1",
        )
        .bind(to_micros(before))
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected())
    }
}

/// Queues a message on `ex`: the pool, or a transaction that must send it
/// with the rest of its writes or not at all.
async fn insert_message<'e, E: sqlx::Executor<'e, Database = Db>>(
    ex: E,
    m: &NewMessage,
    at: Timestamp,
) -> Result<MessageId, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (tenant_id, recipient, subject, body, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(m.tenant.map(|t| t.0))
    .bind(m.to.as_str())
    .bind(&m.subject)
    .bind(&m.body)
    .bind(to_micros(at))
    .fetch_one(ex)
    .await
    .db()?;
    Ok(MessageId(id))
}

#[async_trait]
impl Outbox for ThisStore {
    async fn queue_message(&self, m: &NewMessage, at: Timestamp) -> Result<MessageId, StoreError> {
        insert_message(&self.pool, m, at).await
    }

    async fn due_messages(&self, now: Timestamp, limit: i64) -> Result<Vec<OutboxMessage>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLS} FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2"
        )))
        .bind(to_micros(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(message_from).collect()
    }

    async fn claim_messages(
        &self,
        sender: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE outbox SET next_attempt_at = $2, claimed_by = $4 WHERE id IN (SELECT id FROM outbox \
             WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3{SKIP_LOCKED}) \
             RETURNING {MESSAGE_COLS}"
        )))
        .bind(to_micros(now))
        .bind(to_micros(lease_until))
        .bind(limit)
        .bind(sender)
        .fetch_all(&mut *tx)
        .await
        .db()?;
        tx.commit().await.db()?;
        let mut out = rows.iter().map(message_from).collect::<Result<Vec<_>, _>>()?;
        out.sort_by_key(|m| m.id.0);
        Ok(out)
    }

    async fn mark_sent(&self, id: MessageId, at: Timestamp) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = '', claimed_by = NULL WHERE id = $2",
        )
        .bind(to_micros(at))
        .bind(id.0)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn release_messages(&self, sender: &str, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET next_attempt_at = $1, claimed_by = NULL \
             WHERE claimed_by = $2 AND sent_at IS NULL AND next_attempt_at > $1",
        )
        .bind(to_micros(now))
        .bind(sender)
        .execute(&self.pool)
        .await
        .db()?;
        Ok(done.rows_affected())
    }

    async fn release_message(&self, id: MessageId, at: Timestamp) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE outbox SET next_attempt_at = $1, claimed_by = NULL WHERE id = $2 AND sent_at IS NULL")
            .bind(to_micros(at))
            .bind(id.0)
            .execute(&self.pool)
            .await
            .db()?;
        expect_one(done.rows_affected())
    }

    async fn mark_failed(&self, id: MessageId, error: &str, retry_at: Timestamp) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2, claimed_by = NULL WHERE id = $3",
        )
        .bind(error)
        .bind(to_micros(retry_at))
        .bind(id.0)
        .execute(&self.pool)
        .await
        .db()?;
        expect_one(done.rows_affected())
    }

    async fn list_messages(&self, search: &str, page: Page) -> Result<Paged<OutboxMessage>, StoreError> {
        let filter = "($1 = '' OR LOWER(recipient) LIKE $1 ESCAPE '\\' OR LOWER(subject) LIKE $1 ESCAPE '\\')";
        self.searched_page(MESSAGE_COLS, "outbox", filter, "id DESC", search, page, message_from)
            .await
    }
}

#[async_trait]
impl Store for ThisStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        self.run_migrations().await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        // A write, committed: a store that answers reads but cannot write
        // (a full disk, a read-only replica) is not healthy.
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE vigie_instance SET checked_at = $1")
            .bind(to_micros(Timestamp::now()))
            .execute(&mut *tx)
            .await
            .db()?;
        tx.commit().await.db()
    }

    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn schema_version(&self) -> Result<(i64, i64), StoreError> {
        let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await
            .db()?;
        Ok((current.unwrap_or(0), MIGRATIONS.last().map_or(0, |m| m.version)))
    }

    async fn table_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let names: Vec<String> = sqlx::query_scalar(TABLES_SQL).fetch_all(&self.pool).await.db()?;
        let mut out = Vec::new();
        for name in names {
            // Names from the catalog, quoted.
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM \"{}\"",
                name.replace('"', "\"\"")
            )))
            .fetch_one(&self.pool)
            .await
            .db()?;
            out.push((name, n));
        }
        Ok(out)
    }

    async fn snapshot_into(&self, path: &std::path::Path) -> Result<(), StoreError> {
        snapshot_into(&self.pool, path).await
    }
}
