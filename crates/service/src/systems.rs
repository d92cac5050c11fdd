//! Connected systems ("systèmes connectés"): a tenant's application
//! databases, their sealed connection URL and their dataset, checked on
//! every save against the dataset rules and the live database.

use jiff::Timestamp;
use vigie_connect::{Dialect, ExecError, parse_dataset, read_checked};
use vigie_domain::{
    TenantId,
    dataset::Dataset,
    role::{Permission, Role},
    scope::TenantScope,
};
use vigie_store::{NewSystem, System, vault::Purpose};

use crate::{Ctx, Result, ServiceError, invalid, lines, mail_members, targets::open};

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
pub(crate) fn may_manage(scope: &TenantScope) -> Result<()> {
    crate::require(
        scope,
        Permission::ManageSystems,
        "only the organisation's DPO connects a system or changes one",
    )
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
