//! Where connected systems lead (C27): every tenant-facing connection is
//! opened through the provider's confinement, and the database reached is
//! bound to the tenant that uses it — or, when the provider administrator
//! declared it shared between clients ("base partagée"), filtered to the
//! tenant's rows.

use jiff::Timestamp;
use vigie_connect::{ConnectError, ExecError, Opened, Refusal, RowFilter};
use vigie_domain::TenantId;
use vigie_store::{TargetBinding, TargetOwner};

use crate::{Ctx, Result, ServiceError, invalid};

/// Opens a URL through the confinement; the driver's details go to the
/// server log only (C27).
async fn open_confined(ctx: Ctx<'_>, who: &str, url: &str) -> Result<Opened> {
    ctx.confinement.open(url).await.map_err(|e| {
        if !e.detail().is_empty() {
            tracing::warn!("connected system ({who}): {e}: {}", e.detail());
        }
        ServiceError::Exec(ExecError::Connect(e))
    })
}

fn refuse(why: Refusal) -> ServiceError {
    ServiceError::Exec(ExecError::Connect(ConnectError::Refused(why)))
}

/// Opens a tenant's system through the confinement (C27) and binds the
/// database to the tenant — or, on a database the provider declared
/// shared, returns the tenant's row filter.
pub async fn open(
    ctx: Ctx<'_>,
    tenant: TenantId,
    url: &str,
) -> Result<(Opened, Option<RowFilter>)> {
    let opened = open_confined(ctx, &format!("tenant {}", tenant.0), url).await?;
    let location = opened.location.to_string();
    let bound = match ctx.store.target(&opened.identity).await? {
        Some(b) => b,
        None => {
            ctx.store
                .bind_target(&opened.identity, &location, tenant, Timestamp::now())
                .await?
        }
    };
    let outcome = match bound.owner {
        TargetOwner::Tenant(t) if t == tenant => Ok(None),
        TargetOwner::Tenant(_) => Err(Refusal::BoundElsewhere),
        TargetOwner::Shared => match bound.value_for(tenant) {
            Some(v) => Ok(Some(RowFilter {
                column: bound.column.clone(),
                value: v.to_owned(),
            })),
            None => Err(Refusal::SharedNotYours),
        },
    };
    match outcome {
        Ok(filter) => Ok((opened, filter)),
        Err(why) => {
            tracing::warn!(
                tenant = tenant.0,
                identity = %opened.identity,
                "connected system refused: the database at {location} is bound to {:?}",
                bound.owner
            );
            opened.conn.close().await;
            Err(refuse(why))
        }
    }
}

/// Opens the test database a masked copy goes to (C30), through the
/// confinement: never the source itself, nor any database a tenant's
/// system already uses (a production system, this tenant's or another's).
pub async fn open_copy_target(
    ctx: Ctx<'_>,
    tenant: TenantId,
    url: &str,
    source_identity: &str,
) -> Result<Opened> {
    let opened = open_confined(ctx, &format!("tenant {} (copy)", tenant.0), url).await?;
    let production =
        opened.identity == source_identity || ctx.store.target(&opened.identity).await?.is_some();
    if production {
        tracing::warn!(
            tenant = tenant.0,
            identity = %opened.identity,
            "masked copy refused: the target is a production database"
        );
        opened.conn.close().await;
        return Err(invalid(
            "to",
            "this database is a connected production system: a masked copy goes to a separate test database",
        ));
    }
    Ok(opened)
}

/// What the provider administrator gives to declare a shared database.
#[derive(Debug, Clone, Default)]
pub struct SharedInput {
    /// How Vigie reaches it; not kept (each tenant's system has its own).
    pub url: String,
    pub label: String,
    pub column: String,
    /// `tenant-slug = value`, one per line.
    pub tenants: String,
}

/// Declares a database shared between tenants ("base partagée", processor
/// mode): Vigie opens it to learn what it is, then each listed tenant sees
/// only its rows. Refused if one tenant already holds it.
pub async fn declare_shared(
    ctx: Ctx<'_>,
    input: &SharedInput,
    now: Timestamp,
) -> Result<TargetBinding> {
    let label = input.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(invalid("label", "a name of 1 to 100 characters"));
    }
    let column = input.column.trim();
    if column.is_empty() || column.chars().count() > 100 {
        return Err(invalid(
            "column",
            "name the column that tells whose rows are whose",
        ));
    }
    let mut tenants = Vec::new();
    for (i, line) in input
        .tenants
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
    {
        let Some((slug, value)) = line.split_once('=') else {
            return Err(invalid(
                "tenants",
                format!("line {}: write organisation = value", i + 1),
            ));
        };
        let tenant = vigie_domain::tenant::TenantSlug::parse(slug.trim()).map_err(|_| {
            invalid(
                "tenants",
                format!("line {}: « {} » is not an organisation", i + 1, slug.trim()),
            )
        })?;
        let t = match ctx.store.tenant_by_slug(&tenant).await {
            Ok(t) => t,
            Err(vigie_store::StoreError::NotFound) => {
                return Err(invalid(
                    "tenants",
                    format!("line {}: no organisation « {} »", i + 1, slug.trim()),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        if value.trim().is_empty() {
            return Err(invalid(
                "tenants",
                format!("line {}: give the value of {column} on its rows", i + 1),
            ));
        }
        if tenants.iter().any(|(id, _)| *id == t.id) {
            return Err(invalid(
                "tenants",
                format!("line {}: « {} » is listed twice", i + 1, slug.trim()),
            ));
        }
        tenants.push((t.id, value.trim().to_owned()));
    }
    if tenants.is_empty() {
        return Err(invalid(
            "tenants",
            "list at least one organisation with its value",
        ));
    }
    let opened = open_confined(ctx, "provider", input.url.trim()).await?;
    let binding = TargetBinding {
        identity: opened.identity.clone(),
        location: opened.location.to_string(),
        owner: TargetOwner::Shared,
        bound_at: now,
        label: label.to_owned(),
        column: column.to_owned(),
        tenants,
    };
    opened.conn.close().await;
    match ctx.store.declare_shared(&binding).await {
        Ok(()) => Ok(binding),
        Err(vigie_store::StoreError::Conflict(_)) => Err(refuse(Refusal::BoundElsewhere)),
        Err(e) => Err(e.into()),
    }
}
