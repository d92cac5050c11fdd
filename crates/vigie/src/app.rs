//! Start-up: the store, the trail key, the web server and the job worker.

use std::{net::SocketAddr, path::Path, sync::Arc};

use anyhow::{Context, Result};
use jiff::SignedDuration;
use std::time::Duration;
use tokio::sync::watch;
use vigie_domain::{jobs::JobKind, tenant::TenantSlug};

use vigie_connect::Confinement;
use vigie_store::{Store, trail::TrailKey, vault::Vault};
use vigie_web::{AppState, PasswordHasher, WebSettings};

use crate::{
    config::{Config, ConfigError},
    jobs::Worker,
    mail::Mailer,
};

/// Opens the configured database (creating the data folder for SQLite).
pub async fn open_store(c: &Config) -> Result<Arc<dyn Store>> {
    if c.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&c.data_dir)
            .with_context(|| format!("creating the data folder {}", c.data_dir.display()))?;
    }
    let options = vigie_store_sql::PoolOptions {
        wait: std::time::Duration::from_secs(c.database_wait_seconds),
    };
    vigie_store_sql::open_with(&c.database_url, options)
        .await
        .with_context(|| format!("opening {}", crate::config::redact_url(&c.database_url)))
}

/// Opens the store and, unless `auto_migrate` is off, brings its schema
/// up to date, so that every command works on a fresh database.
pub async fn open_migrated(c: &Config) -> Result<Arc<dyn Store>> {
    let store = open_store(c).await?;
    if c.auto_migrate {
        store.migrate().await.context("applying migrations")?;
    }
    Ok(store)
}

/// The trail signing key: from the configuration, else from the data
/// folder's key file, created with owner-only permissions on first use.
pub fn trail_key(c: &Config) -> Result<TrailKey> {
    if !c.audit.signing_key.is_empty() {
        return TrailKey::from_hex(&c.audit.signing_key).context("audit.signing_key");
    }
    let path = c.data_dir.join("trail-signing.key");
    if path.exists() {
        let hex = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return TrailKey::from_hex(&hex).with_context(|| format!("{}", path.display()));
    }
    std::fs::create_dir_all(&c.data_dir)?;
    let key = TrailKey::generate()?;
    write_private(&path, &key.to_hex())?;
    tracing::info!("created the trail signing key {}", path.display());
    Ok(key)
}

/// The data key sealing credentials and exports: from the configuration,
/// else from the data folder's key file, created on first use.
pub fn vault(c: &Config) -> Result<Vault> {
    let parse = |hex_key: &str, what: &str| -> Result<Vault> {
        let bytes = hex::decode(hex_key.trim()).with_context(|| format!("{what}: not hex"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("{what}: must be 32 bytes (64 hex characters)"))?;
        Ok(Vault::new(key))
    };
    if !c.data_key.is_empty() {
        return parse(&c.data_key, "data_key");
    }
    let path = c.data_dir.join("data.key");
    if path.exists() {
        let hex_key = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        return parse(&hex_key, &path.display().to_string());
    }
    std::fs::create_dir_all(&c.data_dir)?;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    write_private(&path, &hex::encode(key))?;
    tracing::info!("created the data key {}", path.display());
    Ok(Vault::new(key))
}

fn write_private(path: &Path, content: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(content.as_bytes())?;
    Ok(())
}

/// The places tenants' systems may live, from `[connect]`; Vigie's own
/// SQLite file is named by its identity so that no spelling of its path
/// reaches it.
pub fn confinement(c: &Config) -> Result<Confinement> {
    use vigie_connect::target::{FileId, HostPattern};
    let mut conf = Confinement {
        hosts: c
            .connect
            .hosts
            .iter()
            .map(|h| HostPattern::parse(h).map_err(anyhow::Error::msg))
            .collect::<Result<_>>()?,
        connect_timeout: Duration::from_secs(c.connect.connect_timeout_seconds),
        statement_timeout: Duration::from_secs(c.connect.statement_timeout_seconds),
        webhook_hosts: c
            .webhooks
            .hosts
            .iter()
            .map(|h| HostPattern::parse(h).map_err(anyhow::Error::msg))
            .collect::<Result<_>>()?,
        ..Confinement::default()
    };
    for dir in &c.connect.sqlite_dirs {
        // A folder is allowed as written and as it really is (links
        // followed); a path is checked against both, then resolved.
        let written = std::path::absolute(dir)?;
        conf.sqlite_dirs.push(written.clone());
        match std::fs::canonicalize(&written) {
            Ok(real) => conf.sqlite_dirs.push(real),
            Err(e) => tracing::warn!("connect.sqlite_dirs: {}: {e}", written.display()),
        }
    }
    if let Some(path) = c.database_url.strip_prefix("sqlite://")
        && let Ok(id) = FileId::of(std::path::Path::new(path.split('?').next().unwrap_or(path)))
    {
        conf.own_files.push(id);
    }
    Ok(conf)
}

pub fn hasher(c: &Config) -> Result<PasswordHasher> {
    Ok(PasswordHasher::new(c.auth.argon2)?)
}

pub fn web_state(
    c: &Config,
    store: Arc<dyn Store>,
    key: &TrailKey,
    demo: bool,
    confinement: Confinement,
) -> Result<AppState> {
    let settings = WebSettings {
        base_url: c.base_url.clone(),
        // Over HTTPS served here, cookies are Secure whatever the setting.
        secure_cookies: c.auth.secure_cookies || c.tls.enabled(),
        session_idle: SignedDuration::from_mins(c.auth.session_idle_minutes),
        session_max: SignedDuration::from_hours(c.auth.session_max_hours),
        trail_public_key: key.public_hex(),
        demo,
        confinement,
        request_timeout: std::time::Duration::from_secs(c.request_timeout_seconds),
        escalation: c.breaches,
        provider_tenant: match c.provider_tenant.trim() {
            "" => None,
            slug => Some(TenantSlug::parse(slug).map_err(|e| ConfigError::Invalid {
                key: "provider_tenant".into(),
                message: e.to_string(),
            })?),
        },
        backups: vigie_web::BackupPlan {
            configured: c.backup.enabled(),
            restore_test: !c.backup.identity.trim().is_empty(),
            targets: c
                .backup
                .targets
                .iter()
                .map(|t| t.name().to_owned())
                .collect(),
            keep: format!(
                "{} / {} / {}",
                c.backup.keep_daily, c.backup.keep_weekly, c.backup.keep_monthly
            ),
            max_age_hours: c.backup.max_age_hours,
        },
        trusted_proxies: c
            .trusted_proxies
            .iter()
            .filter_map(|p| p.trim().parse().ok())
            .collect(),
    };
    Ok(AppState::new(store, settings, hasher(c)?, vault(c)?))
}

pub fn worker(
    c: &Config,
    store: Arc<dyn Store>,
    key: TrailKey,
    confinement: Confinement,
) -> Result<Worker> {
    let parse = |s: &str| s.parse::<cron::Schedule>().map_err(anyhow::Error::from);
    let node = if c.jobs.node_name.is_empty() {
        format!("{}-{}", hostname(), std::process::id())
    } else {
        c.jobs.node_name.clone()
    };
    Ok(Worker {
        store,
        key: Arc::new(key),
        mailer: Arc::new(Mailer::from_config(&c.email, &c.data_dir)?),
        hook_timeout: Duration::from_secs(c.webhooks.timeout_seconds),
        vault: vault(c)?,
        base_url: c.base_url.clone(),
        confinement,
        retention: SignedDuration::from_hours(24 * c.audit.retention_days),
        session_idle: SignedDuration::from_mins(c.auth.session_idle_minutes),
        schedules: vec![
            (
                JobKind::TrailCheckpoint,
                parse(&c.audit.checkpoint_schedule)?,
            ),
            (JobKind::TrailPurge, parse(&c.audit.purge_schedule)?),
            (JobKind::TrailVerify, parse(&c.audit.verify_schedule)?),
            (JobKind::OutboxDelivery, parse(&c.email.delivery_schedule)?),
            (
                JobKind::WebhookDelivery,
                parse(&c.webhooks.delivery_schedule)?,
            ),
            (JobKind::SessionCleanup, parse(&c.jobs.cleanup_schedule)?),
            (JobKind::RightsReminders, parse(&c.jobs.reminder_schedule)?),
            (
                JobKind::ObjectionWindows,
                parse(&c.jobs.objection_schedule)?,
            ),
            (
                JobKind::BreachReminders,
                parse(&c.jobs.breach_reminder_schedule)?,
            ),
            (
                JobKind::RetentionSchedule,
                parse(&c.jobs.retention_schedule)?,
            ),
            (JobKind::Backup, parse(&c.backup.schedule)?),
            // Every hour: a night the backup never ran is seen too (C33).
            (JobKind::BackupWatch, parse("0 17 * * * *")?),
        ],
        id: node.clone(),
        lease: crate::jobs::LEASE,
        witness: Some(c.data_dir.join(crate::witness::FILE)),
        escalation: c.breaches,
        own_policy: c.retention.policy()?,
        backup: crate::backups::settings(c, &node)?.map(Arc::new),
        backup_max_age: SignedDuration::from_hours(c.backup.max_age_hours),
        intent_grace: SignedDuration::from_secs(
            i64::try_from(c.request_timeout_seconds).unwrap_or(i64::MAX / 2) + 10,
        ),
    })
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "vigie".into())
}

/// Serves until Ctrl-C or SIGTERM, with the job worker alongside.
pub async fn serve(c: &Config, store: Arc<dyn Store>, demo: bool) -> Result<()> {
    if c.auto_migrate {
        store.migrate().await.context("applying migrations")?;
    }
    let key = trail_key(c)?;
    let confinement = confinement(c)?;
    let state = web_state(c, store.clone(), &key, demo, confinement.clone())?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let worker_task = if c.jobs.worker {
        let w = worker(c, store.clone(), key, confinement)?;
        Some(tokio::spawn(w.run_forever(stop_rx)))
    } else {
        None
    };
    let addr: SocketAddr = c.listen.parse().context("listen")?;
    let router = vigie_web::router(state);
    let stop = async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    if c.tls.enabled() {
        let files = crate::tls::TlsFiles {
            cert: c.tls.certificate_path.clone(),
            key: c.tls.key_path.clone(),
        };
        let reload = std::time::Duration::from_secs(c.tls.reload_seconds);
        // `tap_io` (doing nothing) is how axum gives a listener of ours the
        // caller's address as `ConnectInfo`.
        let listener =
            axum::serve::ListenerExt::tap_io(crate::tls::bind(addr, files, reload).await?, |_| {});
        if !c.tls.redirect_listen.is_empty() {
            let plain: SocketAddr = c
                .tls
                .redirect_listen
                .parse()
                .context("tls.redirect_listen")?;
            let redirect = tokio::net::TcpListener::bind(plain)
                .await
                .with_context(|| format!("listening on {plain}"))?;
            let app = crate::tls::redirect_app(&c.base_url);
            tracing::info!("Vigie redirects http://{plain} to {}", c.base_url);
            tokio::spawn(async move { axum::serve(redirect, app).await });
        }
        tracing::info!("Vigie listens on https://{addr} ({})", store.backend());
        let app = crate::tls::with_hsts(router, c.tls.hsts_max_age_seconds)
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await?;
    } else {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        tracing::info!("Vigie listens on http://{addr} ({})", store.backend());
        let app = router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await?;
    }
    if let Some(t) = worker_task {
        let _ = t.await;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
