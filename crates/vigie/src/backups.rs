//! The instance's backups as the binary runs them (C31–C34): settings
//! from the configuration, the night's run (back up, rotate, test the
//! restore) with its alerts, and the watch that notices a missed one.

use std::sync::Arc;

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};
use vigie_backup::{
    archive::{Identities, Recipients},
    restore,
    run::{self, Settings},
    target::Target,
};
use vigie_store::Backup;

use crate::config::Config;

/// The backup settings, or none when backups are not configured.
pub fn settings(c: &Config, node: &str) -> Result<Option<Settings>> {
    let b = &c.backup;
    if !b.enabled() {
        return Ok(None);
    }
    let identities = if b.identity.trim().is_empty() {
        None
    } else {
        Some(Arc::new(Identities::parse(&b.identity)?))
    };
    let mut files = vec![("vigie.toml".to_owned(), c.redacted_toml().into_bytes())];
    if b.include_keys {
        for key in ["data.key", "trail-signing.key"] {
            if let Ok(bytes) = std::fs::read(c.data_dir.join(key)) {
                files.push((key.to_owned(), bytes));
            }
        }
    }
    Ok(Some(Settings {
        recipients: Recipients::parse(&b.recipients)?,
        targets: b
            .targets
            .iter()
            .map(Target::open)
            .collect::<Result<_, _>>()?,
        keep: c.backup.keep()?,
        identities,
        spool: c.data_dir.join("backup-spool"),
        database_url: c.database_url.clone(),
        files,
        node: node.to_owned(),
    }))
}

/// The night's backup: taken, sent, rotated, its restore tested; the
/// provider's administrators told of a failure, a target that refused,
/// a restore test that failed.
pub async fn nightly(
    ctx: vigie_service::Ctx<'_>,
    s: &Settings,
    trail_key: &str,
    now: Timestamp,
) -> Result<String, String> {
    let tell = |subject: String, body: String| async move {
        vigie_service::tell_provider_admins(ctx, &subject, &body, Timestamp::now())
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    };
    let b = match run::backup(ctx.store, s, now, &|_| false).await {
        Ok(b) => b,
        Err(e) => {
            tell(
                "Vigie : la sauvegarde a échoué".into(),
                format!(
                    "La sauvegarde de cette nuit a échoué : {e}\n\nLa précédente reste \
                     disponible ; voir la page Sauvegardes.\n"
                ),
            )
            .await?;
            return Err(e.to_string());
        }
    };
    if !b.error.is_empty() {
        tell(
            "Vigie : une cible de sauvegarde a refusé".into(),
            format!(
                "La sauvegarde {} est sur {}, mais une cible l'a refusée : {}\n",
                b.name, b.targets, b.error
            ),
        )
        .await?;
    }
    let rotation = run::rotate(ctx.store, s, now)
        .await
        .map_err(|e| e.to_string())?;
    let tested = restore::test(ctx.store, s, &b, Some(trail_key))
        .await
        .map_err(|e| e.to_string())?;
    if tested.restore_state == "failed" {
        tell(
            "Vigie : le test de restauration a échoué".into(),
            format!(
                "La sauvegarde {} n'a pas pu être restaurée : {}\n",
                b.name, tested.restore_detail
            ),
        )
        .await?;
    }
    Ok(format!(
        "{} ({} bytes) on {}; {} rotated out{}; restore test: {}",
        b.name,
        b.size,
        b.targets,
        rotation.deleted.len(),
        if rotation.errors.is_empty() {
            String::new()
        } else {
            format!(
                " ({} left for the next night: {})",
                rotation.errors.len(),
                rotation.errors.join("; ")
            )
        },
        if tested.restore_state.is_empty() {
            "not run (no identity)"
        } else {
            &tested.restore_state
        }
    ))
}

/// Alerts once per gap when no backup succeeded within `max_age` — the
/// schedule's own check, so a night the job never ran is seen too.
pub async fn watch(
    ctx: vigie_service::Ctx<'_>,
    enabled: bool,
    max_age: SignedDuration,
    now: Timestamp,
) -> Result<String, String> {
    let newest: Option<Backup> = ctx
        .store
        .good_backups()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .next();
    let (late, key, body) = match (&newest, enabled) {
        (_, false) => (
            true,
            "not_configured".to_owned(),
            "Les sauvegardes de Vigie ne sont pas configurées (section [backup] : \
             recipients et targets)."
                .to_owned(),
        ),
        (None, true) => (
            true,
            "none".to_owned(),
            "Aucune sauvegarde de Vigie n'a encore réussi.".to_owned(),
        ),
        (Some(b), true) => (
            b.ended_at.unwrap_or(b.started_at) < now - max_age,
            b.name.clone(),
            format!(
                "Aucune sauvegarde n'a réussi depuis {} ({}) : plus de {} heures.",
                b.name,
                b.ended_at.unwrap_or(b.started_at),
                max_age.as_hours()
            ),
        ),
    };
    if !late {
        return Ok("a backup is recent enough".into());
    }
    let first = ctx
        .store
        .alert_once("missed", &key, now)
        .await
        .map_err(|e| e.to_string())?;
    if first {
        vigie_service::tell_provider_admins(
            ctx,
            "Vigie : sauvegarde manquante",
            &format!("{body}\n\nVoir la page Sauvegardes.\n"),
            now,
        )
        .await
        .map_err(|e| e.to_string())?;
    }
    Ok(format!("backup missing ({key}); alert sent: {first}"))
}
