//! Masked copies of a connected system for a test environment (C30): the
//! DPO (or the provider's command line) copies a system's database into a
//! separate, empty test database, with the dataset's masking applied on
//! the way, keyed by a key of this copy alone.

use vigie_connect::copy::{CopyError, CopyReport, copy_masked};
use vigie_domain::{SystemId, role::Permission, scope::TenantScope};

use crate::{Ctx, Result, ServiceError, invalid, systems::url_of, targets};

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
