//! Masked copies of a connected system for a test environment (C30): the
//! DPO (or the provider's command line) copies a system's database into a
//! separate, empty test database, with the dataset's masking applied on
//! the way, keyed by a key of this copy alone.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use vigie_connect::copy::{CopyError, CopyReport, copy_masked};
use vigie_domain::{SystemId, jobs::JobKind, role::Permission, scope::TenantScope};
use vigie_store::{MaskedCopy, vault::Purpose};

use crate::{Ctx, Result, ServiceError, invalid, systems::url_of, targets};

/// The job key of a copy.
pub fn copy_key(c: &MaskedCopy) -> String {
    format!("masked_copy:{}:{}", c.tenant.0, c.id)
}

pub fn of_key(key: &str) -> Option<(vigie_domain::TenantId, i64)> {
    let rest = key.strip_prefix("masked_copy:")?;
    let (t, id) = rest.split_once(':')?;
    Some((vigie_domain::TenantId(t.parse().ok()?), id.parse().ok()?))
}

/// Queues a copy of `system` to the test database at `to` (its URL
/// sealed like a system's); the worker runs it.
pub async fn request(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    system: SystemId,
    to: &str,
    by: &str,
    now: Timestamp,
) -> Result<MaskedCopy> {
    if !scope.allows(Permission::ManageSystems) {
        return Err(invalid(
            "role",
            "only the organisation's DPO copies a system",
        ));
    }
    let to = to.trim();
    if vigie_connect::Dialect::of_url(to).is_none() {
        return Err(invalid(
            "to",
            "the URL must start with postgres://, mysql://, mariadb:// or sqlite://",
        ));
    }
    ctx.store.system(scope, system).await?;
    let sealed = ctx
        .vault
        .seal(Purpose::Credentials, scope.tenant(), to.as_bytes())?;
    let c = ctx
        .store
        .create_copy(
            scope,
            system,
            &sealed,
            &crate::systems::url_hint(to),
            by,
            now,
        )
        .await?;
    ctx.store
        .enqueue_for(scope.tenant(), JobKind::MaskedCopy, &copy_key(&c), now)
        .await?;
    Ok(c)
}

/// Runs a queued copy, saving its progress every two seconds.
pub async fn run(ctx: Ctx<'_>, scope: &TenantScope, id: i64) -> Result<MaskedCopy> {
    let mut c = ctx.store.copy(scope, id).await?;
    if c.state == "done" || c.state == "failed" {
        return Ok(c);
    }
    let to = String::from_utf8(ctx.vault.open(
        Purpose::Credentials,
        scope.tenant(),
        &c.target_sealed,
    )?)
    .map_err(|_| invalid("to", "the stored URL is not text"))?;
    c.state = "running".into();
    c.updated_at = Timestamp::now();
    ctx.store.save_copy(scope, &c).await?;
    let counts: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let seen = counts.clone();
    let copying = masked_copy(ctx, scope, c.system, &to, move |table, n| {
        if let Ok(mut v) = seen.lock() {
            match v.iter_mut().find(|(t, _)| t == table) {
                Some(e) => e.1 = n,
                None => v.push((table.to_owned(), n)),
            }
        }
    });
    tokio::pin!(copying);
    let total = |counts: &Arc<Mutex<Vec<(String, u64)>>>| {
        counts
            .lock()
            .map(|v| v.iter().map(|(_, n)| *n).sum::<u64>())
            .unwrap_or(0)
    };
    let result = loop {
        tokio::select! {
            r = &mut copying => break r,
            () = tokio::time::sleep(std::time::Duration::from_secs(2)) => {
                c.rows_copied = i64::try_from(total(&counts)).unwrap_or(i64::MAX);
                c.updated_at = Timestamp::now();
                ctx.store.save_copy(scope, &c).await?;
            }
        }
    };
    match result {
        Ok(report) => {
            c.state = "done".into();
            c.rows_copied = i64::try_from(report.tables.iter().map(|(_, n)| n).sum::<u64>())
                .unwrap_or(i64::MAX);
            c.summary = report
                .tables
                .iter()
                .map(|(t, n)| format!("{t}: {n}"))
                .collect::<Vec<_>>()
                .join("\n");
        }
        Err(e) => {
            c.state = "failed".into();
            c.error = e.to_string();
        }
    }
    c.updated_at = Timestamp::now();
    ctx.store.save_copy(scope, &c).await?;
    Ok(c)
}

/// Copies `system` into the database at `to`. `progress` hears each
/// table's count as it grows.
pub async fn masked_copy(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    system: SystemId,
    to: &str,
    progress: impl FnMut(&str, u64),
) -> Result<CopyReport> {
    if !scope.allows(Permission::ManageSystems) {
        return Err(invalid(
            "role",
            "only the organisation's DPO copies a system",
        ));
    }
    let s = ctx.store.system(scope, system).await?;
    let dataset = vigie_connect::parse_dataset(&s.dataset).map_err(|m| invalid("dataset", m))?;
    let url = url_of(ctx, scope.tenant(), &s)?;
    let (source, filter) = targets::open(ctx, scope.tenant(), &url).await?;
    let mut target =
        match targets::open_copy_target(ctx, scope.tenant(), to, &source.identity).await {
            Ok(t) => t,
            Err(e) => {
                source.conn.close().await;
                return Err(e);
            }
        };
    // A key of this copy: equal values stay equal within it, and two
    // copies cannot be matched with each other.
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).map_err(|e| invalid("key", e.to_string()))?;
    let key = blake3::keyed_hash(&ctx.vault.masking_key(scope.tenant()), &salt);
    let mut source_conn = source.conn;
    let result = copy_masked(
        &mut source_conn,
        &mut target.conn,
        &dataset,
        filter.as_ref(),
        key.as_bytes(),
        progress,
    )
    .await;
    source_conn.close().await;
    target.conn.close().await;
    result.map_err(|e| match e {
        CopyError::Exec(x) => ServiceError::Exec(x),
        CopyError::Target(m) => invalid("to", m),
        e @ CopyError::Table { .. } => invalid("to", e.to_string()),
    })
}
