//! Connected systems ("systèmes connectés"): a tenant's application
//! databases, their sealed connection URL and their dataset, checked on
//! every save against the dataset rules and the live database.

use jiff::Timestamp;
use vigie_connect::{
    ConnectError, Dialect, ExecError, Opened, Refusal, RowFilter, parse_dataset, read_checked,
};
use vigie_domain::{
    TenantId,
    dataset::Dataset,
    role::{Permission, Role},
    scope::TenantScope,
};
use vigie_store::{NewSystem, System, TargetBinding, TargetOwner, vault::Purpose};

use crate::{Ctx, Result, ServiceError, invalid, lines, mail_members};

/// What the form gives.
#[derive(Debug, Clone, Default)]
pub struct SystemInput {
    pub name: String,
    /// Empty on an edit: the stored URL is kept.
    pub url: String,
    pub dataset: String,
}

/// The URL without its password, for display; of a SQLite path, only the
/// file's name (where the provider keeps files is not the tenant's
/// business).
pub fn url_hint(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    if scheme == "sqlite" {
        let name = rest.rsplit('/').next().unwrap_or(rest);
        return format!("sqlite://…/{name}");
    }
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:•••@{host}")
        }
        None => url.to_owned(),
    }
}

/// Parses and checks a dataset's text: every problem, one per line.
pub fn parse_checked(text: &str) -> Result<Dataset> {
    let d = parse_dataset(text).map_err(|e| invalid("dataset", e))?;
    let problems = d.problems();
    if problems.is_empty() {
        Ok(d)
    } else {
        Err(invalid("dataset", lines(&problems)))
    }
}

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

/// Checks the dataset against the live database. `Ok(Some(reason))` when
/// the database could not be reached: the dataset is then saved, marked
/// as not checked, since a database down for maintenance must not stop a
/// DPO from writing a dataset. A place the provider does not allow, or a
/// database that is not the tenant's to use, is refused.
async fn check_live(
    ctx: Ctx<'_>,
    tenant: TenantId,
    url: &str,
    dataset: &Dataset,
) -> Result<Option<String>> {
    let (mut opened, filter) = match open(ctx, tenant, url).await {
        Ok(o) => o,
        Err(ServiceError::Exec(ExecError::Connect(e))) if e.is_transient() => {
            return Ok(Some(format!("not checked: {e}")));
        }
        Err(e) => return Err(e),
    };
    let checked = read_checked(&mut opened.conn, dataset, filter.as_ref()).await;
    opened.conn.close().await;
    match checked {
        Ok(_) => Ok(None),
        Err(ExecError::Live(problems)) => Err(invalid("dataset", lines(&problems))),
        Err(e) => Err(invalid("dataset", e.to_string())),
    }
}

/// The stored URL, opened.
pub fn url_of(ctx: Ctx<'_>, tenant: TenantId, s: &System) -> Result<String> {
    let plain = ctx
        .vault
        .open(Purpose::Credentials, tenant, &s.url_sealed)?;
    String::from_utf8(plain).map_err(|_| invalid("url", "the stored URL is not text"))
}

fn check_input(input: &SystemInput, url_required: bool) -> Result<()> {
    if input.name.trim().is_empty() || input.name.chars().count() > 100 {
        return Err(invalid("name", "a name of 1 to 100 characters"));
    }
    if (url_required || !input.url.trim().is_empty()) && Dialect::of_url(input.url.trim()).is_none()
    {
        return Err(invalid(
            "url",
            "the URL must start with postgres://, mysql://, mariadb:// or sqlite://",
        ));
    }
    Ok(())
}

/// Only a DPO connects a system or changes one (C27).
fn may_manage(scope: &TenantScope) -> Result<()> {
    if scope.allows(Permission::ManageSystems) {
        Ok(())
    } else {
        Err(invalid(
            "role",
            "only the organisation's DPO connects a system or changes one",
        ))
    }
}

/// Tells the tenant's DPOs that a system was connected or changed.
async fn notify(
    ctx: Ctx<'_>,
    tenant: TenantId,
    what: &str,
    s: &System,
    actor: &str,
    now: Timestamp,
) -> Result<()> {
    mail_members(
        ctx,
        tenant,
        &[Role::Dpo],
        &format!(
            "Système connecté {what} / Connected system {what}: {}",
            s.name
        ),
        &format!(
            "Bonjour,\n\n{actor} a {what} le système connecté « {} » ({}).\n\
             Vigie peut y lire et y modifier les données que son jeu de données déclare.\n\
             Si ce n'est pas vous qui l'avez demandé, vérifiez-le dans Vigie.\n\n---\n\n\
             {actor} {what} the connected system \"{}\" ({}).\n",
            s.name, s.url_hint, s.name, s.url_hint
        ),
        now,
    )
    .await?;
    Ok(())
}

pub async fn create(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    input: &SystemInput,
    actor: &str,
    now: Timestamp,
) -> Result<System> {
    may_manage(scope)?;
    check_input(input, true)?;
    let dataset = parse_checked(&input.dataset)?;
    let url = input.url.trim();
    let note = check_live(ctx, scope.tenant(), url, &dataset).await?;
    let mut s = ctx
        .store
        .create_system(
            scope,
            &NewSystem {
                name: input.name.trim().to_owned(),
                url_sealed: ctx
                    .vault
                    .seal(Purpose::Credentials, scope.tenant(), url.as_bytes())?,
                url_hint: url_hint(url),
                dataset: input.dataset.clone(),
                at: now,
            },
        )
        .await?;
    s.checked_at = note.is_none().then_some(now);
    s.check_result = note.unwrap_or_default();
    ctx.store.save_system(scope, &s).await?;
    notify(ctx, scope.tenant(), "connecté", &s, actor, now).await?;
    Ok(s)
}

pub async fn update(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    mut s: System,
    input: &SystemInput,
    actor: &str,
    now: Timestamp,
) -> Result<System> {
    may_manage(scope)?;
    check_input(input, false)?;
    let dataset = parse_checked(&input.dataset)?;
    let url = if input.url.trim().is_empty() {
        url_of(ctx, scope.tenant(), &s)?
    } else {
        input.url.trim().to_owned()
    };
    let note = check_live(ctx, scope.tenant(), &url, &dataset).await?;
    s.name = input.name.trim().to_owned();
    s.url_sealed = ctx
        .vault
        .seal(Purpose::Credentials, scope.tenant(), url.as_bytes())?;
    s.url_hint = url_hint(&url);
    s.dataset = input.dataset.clone();
    s.checked_at = note.is_none().then_some(now);
    s.check_result = note.unwrap_or_default();
    s.updated_at = now;
    ctx.store.save_system(scope, &s).await?;
    notify(ctx, scope.tenant(), "modifié", &s, actor, now).await?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_hide_passwords() {
        assert_eq!(
            url_hint("postgres://app:s3cret@db.local:5432/mes_demandes"),
            "postgres://app:•••@db.local:5432/mes_demandes"
        );
        assert_eq!(
            url_hint("sqlite:///srv/clients/sidec/app.db"),
            "sqlite://…/app.db"
        );
    }

    #[test]
    fn datasets_are_checked_before_anything_is_stored() {
        let e = parse_checked("[[table]]\nname = \"a\"\nprimary_key = \"id\"\n").unwrap_err();
        assert!(
            e.to_string().contains("no column identifies a person"),
            "{e}"
        );
        let e = parse_checked("[[table]]\nname = 1").unwrap_err();
        assert!(e.to_string().starts_with("dataset: line 2"), "{e}");
    }
}
