//! Configuration: defaults → TOML file → `VIGIE_*` environment → flags.
//!
//! Nested keys use `__` in the environment (`VIGIE_AUTH__SESSION_IDLE_MINUTES`).
//! Any key can instead be given as `<key>_file` (TOML) or `VIGIE_<KEY>_FILE`
//! (environment), naming a file that holds the value: how secrets arrive
//! from Docker or systemd. Unknown keys are errors that name the key.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::{Table, Value};
use vigie_web::Argon2Settings;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `sqlite://path/vigie.db` or `postgres://user@host/db`; empty means
    /// `vigie.db` in the data folder.
    pub database_url: String,
    /// Where the SQLite file, the trail signing key and demo emails live.
    pub data_dir: PathBuf,
    /// Address the web server listens on.
    pub listen: String,
    /// How people reach the instance, for links in emails.
    pub base_url: String,
    /// Log filter (`info`, `vigie=debug`…).
    pub log: String,
    /// Apply pending migrations when `serve` starts.
    pub auto_migrate: bool,
    /// A request still unanswered after this many seconds (a database link
    /// that froze) answers 503.
    pub request_timeout_seconds: u64,
    /// The longest a request waits for a database connection (PostgreSQL)
    /// or the write lock (SQLite) before answering 503.
    pub database_wait_seconds: u64,
    /// Reverse proxies (IP addresses) whose `X-Forwarded-For` or
    /// `Forwarded` header names the caller; nobody else is believed.
    pub trusted_proxies: Vec<String>,
    /// Key (64 hex) sealing client databases' credentials and access
    /// exports; when empty, `data.key` in the data folder (created on first
    /// use). Several nodes sharing one database must share this key.
    pub data_key: String,
    /// The provider's own organisation among the tenants (its slug): the
    /// requests it receives about its clients' data are recorded there,
    /// and its administrators handle them as agents without a role of
    /// their own (C14). Empty: none.
    pub provider_tenant: String,
    pub auth: AuthConfig,
    pub audit: AuditConfig,
    pub email: EmailConfig,
    pub jobs: JobsConfig,
    pub connect: ConnectConfig,
    pub webhooks: WebhooksConfig,
    pub tls: TlsConfig,
    /// Crisis escalation thresholds (C19): level 2 and 3 by duration
    /// (hours) and by people touched.
    pub breaches: vigie_domain::breach::EscalationRules,
    pub retention: RetentionConfig,
    pub backup: BackupConfig,
}

/// Backups of Vigie's own data (C31–C34). Off until `recipients` and
/// `targets` are set: a backup nobody can open, or kept nowhere, is none.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Cron (with seconds, UTC): nightly by default.
    pub schedule: String,
    /// age public keys (`age1…`) the backups are encrypted to; the secret
    /// keys stay with the provider, off this server if it wishes.
    pub recipients: Vec<String>,
    /// An age identity (`AGE-SECRET-KEY-1…`, best given as
    /// `identity_file`) that opens them, for the restore test after each
    /// backup; empty: the test is not run, and the page says so.
    pub identity: String,
    pub keep_daily: u16,
    pub keep_weekly: u16,
    pub keep_monthly: u16,
    /// Alert when no backup succeeded for this long.
    pub max_age_hours: i64,
    /// Put the keys that open sealed values (`data.key`) and sign the
    /// trail in the backup, encrypted with it: a restore is complete.
    pub include_keys: bool,
    pub targets: Vec<vigie_backup::target::TargetConfig>,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            schedule: "0 0 1 * * *".into(),
            recipients: Vec::new(),
            identity: String::new(),
            keep_daily: 14,
            keep_weekly: 0,
            keep_monthly: 0,
            max_age_hours: 26,
            include_keys: true,
            targets: Vec::new(),
        }
    }
}

impl BackupConfig {
    pub fn enabled(&self) -> bool {
        !self.recipients.is_empty() && !self.targets.is_empty()
    }

    pub fn keep(&self) -> Result<vigie_domain::backup::Keep, ConfigError> {
        vigie_domain::backup::Keep {
            daily: self.keep_daily,
            weekly: self.keep_weekly,
            monthly: self.keep_monthly,
        }
        .check()
        .map_err(|m| ConfigError::Invalid {
            key: "backup.keep_daily".into(),
            message: m.into(),
        })
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, m: String| ConfigError::Invalid {
            key: format!("backup.{key}"),
            message: m,
        };
        self.keep()?;
        if !(1..=24 * 40).contains(&self.max_age_hours) {
            return Err(bad("max_age_hours", "must be between 1 and 960".into()));
        }
        if !self.recipients.is_empty() {
            vigie_backup::archive::Recipients::parse(&self.recipients)
                .map_err(|e| bad("recipients", e.to_string()))?;
        }
        let mut names = std::collections::BTreeSet::new();
        for t in &self.targets {
            if !names.insert(t.name()) {
                return Err(bad(
                    "targets",
                    format!("two targets are named {}", t.name()),
                ));
            }
        }
        Ok(())
    }
}

/// How long Vigie keeps its own data (C21), swept every night with the
/// clients' rules: periods written `"1 an"`, `"3 mois"`, `"30 jours"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// An account not signed in for this long is deleted (seed 002 §8).
    pub inactive_account: String,
    /// Its owner is told this long before.
    pub notice: String,
    /// An account of no client any more (cessation of activity) is deleted
    /// after this (seed 002 §8: 3 months).
    pub unattached_account: String,
    /// Answered or closed rights requests are anonymised this long after
    /// their last step.
    pub closed_request: String,
    /// Submissions never confirmed by their sender are deleted after this.
    pub unconfirmed_request: String,
    /// Consent records are deleted after this (the chain keeps an anchor).
    pub consent_record: String,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            inactive_account: "1 an".into(),
            notice: "30 jours".into(),
            unattached_account: "3 mois".into(),
            closed_request: "5 ans".into(),
            unconfirmed_request: "30 jours".into(),
            consent_record: "13 mois".into(),
        }
    }
}

impl RetentionConfig {
    /// The policy, or the first field that does not hold a period.
    pub fn policy(&self) -> Result<vigie_domain::retention::OwnPolicy, ConfigError> {
        let p = |key: &'static str, v: &str| {
            v.parse().map_err(|e: &str| ConfigError::Invalid {
                key: format!("retention.{key}"),
                message: e.to_owned(),
            })
        };
        Ok(vigie_domain::retention::OwnPolicy {
            inactive_account: p("inactive_account", &self.inactive_account)?,
            notice: p("notice", &self.notice)?,
            unattached_account: p("unattached_account", &self.unattached_account)?,
            closed_request: p("closed_request", &self.closed_request)?,
            unconfirmed_request: p("unconfirmed_request", &self.unconfirmed_request)?,
            consent_record: p("consent_record", &self.consent_record)?,
        })
    }
}

/// HTTPS served by Vigie itself (C29); empty files mean plain HTTP (for
/// a reverse proxy that terminates TLS, with `trusted_proxies`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// PEM certificate chain (the leaf first), e.g. an ACME client's
    /// `fullchain.pem`.
    pub certificate_path: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_path: PathBuf,
    /// Plain-HTTP address that only redirects to `base_url` (usually
    /// `0.0.0.0:80`); empty: none.
    pub redirect_listen: String,
    /// `Strict-Transport-Security` max-age sent over HTTPS.
    pub hsts_max_age_seconds: u64,
    /// How often the certificate files are checked for a renewal.
    pub reload_seconds: u64,
}

impl TlsConfig {
    pub fn enabled(&self) -> bool {
        !self.certificate_path.as_os_str().is_empty()
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            certificate_path: PathBuf::new(),
            key_path: PathBuf::new(),
            redirect_listen: String::new(),
            hsts_max_age_seconds: 31_536_000,
            reload_seconds: 60,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    /// Mark cookies Secure (on when served over TLS, directly or by a proxy).
    pub secure_cookies: bool,
    pub argon2: Argon2Settings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Trail records older than this are purged (C28: one year).
    pub retention_days: i64,
    /// Ed25519 key (64 hex) that signs checkpoints; when empty, a key file
    /// in the data folder is used (created on first start). Several nodes
    /// sharing one database must share this key.
    pub signing_key: String,
    /// Cron schedules (with seconds, UTC).
    pub checkpoint_schedule: String,
    pub purge_schedule: String,
    /// When the whole trail is verified; an alteration opens an incident.
    pub verify_schedule: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// `smtp`, or `files` to write `.eml` files in `<data_dir>/outbox`.
    pub mode: String,
    pub from: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none` (only for a local relay).
    pub smtp_tls: String,
    pub smtp_username: String,
    pub smtp_password: String,
    /// Longest wait for the SMTP server, per message: a server that
    /// accepts and never answers must not hold the worker.
    pub smtp_timeout_seconds: u64,
    pub delivery_schedule: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Run the job worker in this process (turn off on web-only nodes).
    pub worker: bool,
    /// This node's name among the workers, unique per process. When set,
    /// a node that restarts takes back at once the jobs it was running;
    /// when empty, `hostname-pid` (nothing to take back: the lease ends).
    pub node_name: String,
    pub cleanup_schedule: String,
    /// When agents are reminded of rights requests due within a week.
    pub reminder_schedule: String,
    /// When sub-processor objection windows past their deadline close.
    pub objection_schedule: String,
    /// When breach clocks are checked for the 24/48/60-hour reminders.
    pub breach_reminder_schedule: String,
    /// When every tenant's retention rules are swept (C22), at night.
    pub retention_schedule: String,
}

/// Where tenants' connected systems may live (C27): the provider's
/// decision. Nothing is allowed until listed. (Databases shared between
/// tenants are declared by the provider administrator in the interface.)
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectConfig {
    /// `host:port` patterns for PostgreSQL and MySQL/MariaDB systems:
    /// `db.clients.example:5432`, `*.clients.example:5432`, `10.0.0.12:*`.
    pub hosts: Vec<String>,
    /// Folders that may hold SQLite systems (their subfolders too).
    pub sqlite_dirs: Vec<PathBuf>,
    pub connect_timeout_seconds: u64,
    /// Longest one statement may run on a client database.
    pub statement_timeout_seconds: u64,
}

/// Where tenants' webhook endpoints may be, and how they are tried
/// (issue 20). Nothing is allowed until listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// `host:port` patterns, as `[connect] hosts`: `hooks.sidec.example:443`,
    /// `*.clients.example:443`.
    pub hosts: Vec<String>,
    /// Longest wait for one endpoint's answer, connection included.
    pub timeout_seconds: u64,
    /// When waiting deliveries are tried.
    pub delivery_schedule: String,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            hosts: Vec::new(),
            timeout_seconds: 10,
            delivery_schedule: "*/10 * * * * *".into(),
        }
    }
}

impl Default for ConnectConfig {
    fn default() -> Self {
        ConnectConfig {
            hosts: Vec::new(),
            sqlite_dirs: Vec::new(),
            connect_timeout_seconds: 10,
            statement_timeout_seconds: 60,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: String::new(),
            data_dir: PathBuf::from("data"),
            listen: "127.0.0.1:8080".into(),
            base_url: "http://127.0.0.1:8080".into(),
            log: "info".into(),
            auto_migrate: true,
            request_timeout_seconds: 30,
            database_wait_seconds: 5,
            trusted_proxies: Vec::new(),
            data_key: String::new(),
            provider_tenant: String::new(),
            auth: AuthConfig::default(),
            audit: AuditConfig::default(),
            email: EmailConfig::default(),
            jobs: JobsConfig::default(),
            connect: ConnectConfig::default(),
            webhooks: WebhooksConfig::default(),
            tls: TlsConfig::default(),
            breaches: vigie_domain::breach::EscalationRules::default(),
            retention: RetentionConfig::default(),
            backup: BackupConfig::default(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_idle_minutes: 30,
            session_max_hours: 12,
            secure_cookies: false,
            argon2: Argon2Settings::default(),
        }
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            retention_days: 365,
            signing_key: String::new(),
            checkpoint_schedule: "0 */10 * * * *".into(),
            purge_schedule: "0 30 2 * * *".into(),
            verify_schedule: "0 45 3 * * *".into(),
        }
    }
}

impl Default for EmailConfig {
    fn default() -> Self {
        EmailConfig {
            mode: "files".into(),
            from: "Vigie <vigie@localhost>".into(),
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_tls: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_timeout_seconds: 10,
            delivery_schedule: "*/15 * * * * *".into(),
        }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            worker: true,
            node_name: String::new(),
            cleanup_schedule: "0 5 * * * *".into(),
            reminder_schedule: "0 0 6 * * *".into(),
            objection_schedule: "0 20 * * * *".into(),
            breach_reminder_schedule: "0 */5 * * * *".into(),
            retention_schedule: "0 30 2 * * *".into(),
        }
    }
}

/// Values given on the command line, highest priority.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
}

/// Deep-merges `over` into `base`.
fn merge(base: &mut Table, over: Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// An environment value: TOML if it parses as a scalar, else a string.
fn env_value(raw: &str) -> Value {
    format!("v = {raw}")
        .parse::<Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .filter(|v| !matches!(v, Value::Table(_)))
        .unwrap_or_else(|| Value::String(raw.to_owned()))
}

/// Sets `path` (already split) in a nested table.
fn insert_path(t: &mut Table, path: &[String], v: Value) {
    match path {
        [] => {}
        [last] => {
            t.insert(last.clone(), v);
        }
        [first, rest @ ..] => {
            let entry = t
                .entry(first.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            if !entry.is_table() {
                *entry = Value::Table(Table::new());
            }
            if let Value::Table(inner) = entry {
                insert_path(inner, rest, v);
            }
        }
    }
}

/// The `VIGIE_*` variables as a table (`A__B` nests).
fn env_table(vars: impl Iterator<Item = (String, String)>) -> Table {
    let mut root = Table::new();
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("VIGIE_") else {
            continue;
        };
        // VIGIE_CONFIG names the file itself; VIGIE_TEST_* belong to tests.
        if rest.is_empty() || rest == "CONFIG" || rest.starts_with("TEST_") {
            continue;
        }
        let path: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
        let v = if path.last().is_some_and(|l| l.ends_with("_file")) {
            Value::String(value)
        } else {
            env_value(&value)
        };
        insert_path(&mut root, &path, v);
    }
    root
}

/// Replaces every `<key>_file = "path"` by `<key> = <file content>`.
fn resolve_files(t: &mut Table, prefix: &str) -> Result<(), ConfigError> {
    let keys: Vec<String> = t.keys().cloned().collect();
    for k in keys {
        let full = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if let Some(Value::Table(inner)) = t.get_mut(&k) {
            resolve_files(inner, &full)?;
            continue;
        }
        // Arrays of tables: `[[backup.targets]]` with `secret_access_key_file`.
        if let Some(Value::Array(items)) = t.get_mut(&k) {
            for (i, item) in items.iter_mut().enumerate() {
                if let Value::Table(inner) = item {
                    resolve_files(inner, &format!("{full}[{i}]"))?;
                }
            }
            continue;
        }
        let Some(stem) = k.strip_suffix("_file") else {
            continue;
        };
        let Some(Value::String(path)) = t.remove(&k) else {
            return Err(ConfigError::Invalid {
                key: full,
                message: "must be a file path".into(),
            });
        };
        let content = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: PathBuf::from(&path),
            source,
        })?;
        t.insert(
            stem.to_owned(),
            Value::String(content.trim_end_matches(['\n', '\r']).to_owned()),
        );
    }
    Ok(())
}

impl Config {
    /// Loads the layers. `file` is optional; a named file must exist.
    pub fn load(file: Option<&Path>, flags: &Overrides) -> Result<Config, ConfigError> {
        Self::load_from(file, flags, std::env::vars())
    }

    pub fn load_from(
        file: Option<&Path>,
        flags: &Overrides,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = Table::try_from(Config::default()).map_err(|e| ConfigError::Invalid {
            key: String::new(),
            message: e.to_string(),
        })?;
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            let mut t: Table = text
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Toml {
                    path: path.to_owned(),
                    message: e.to_string(),
                })?;
            resolve_files(&mut t, "")?;
            merge(&mut table, t);
        }
        let mut env = env_table(env);
        resolve_files(&mut env, "")?;
        merge(&mut table, env);
        let mut c: Config = serde_path_to_error::deserialize(Value::Table(table)).map_err(|e| {
            ConfigError::Invalid {
                key: e.path().to_string(),
                message: e.inner().to_string(),
            }
        })?;
        if let Some(v) = &flags.database_url {
            c.database_url.clone_from(v);
        }
        if let Some(v) = &flags.listen {
            c.listen.clone_from(v);
        }
        if let Some(v) = &flags.data_dir {
            c.data_dir.clone_from(v);
        }
        if c.database_url.is_empty() {
            c.database_url = format!("sqlite://{}", c.data_dir.join("vigie.db").display());
        }
        c.check()?;
        Ok(c)
    }

    fn check(&self) -> Result<(), ConfigError> {
        self.retention.policy()?;
        self.backup.check()?;
        let bad = |key: &str, message: &str| {
            Err(ConfigError::Invalid {
                key: key.into(),
                message: message.into(),
            })
        };
        if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|p| self.database_url.starts_with(p))
        {
            return bad("database_url", "must start with sqlite:// or postgres://");
        }
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return bad("listen", "must be an address and port, like 127.0.0.1:8080");
        }
        if !(1..=24 * 60).contains(&self.auth.session_idle_minutes) {
            return bad("auth.session_idle_minutes", "must be between 1 and 1440");
        }
        if !(1..=24 * 7).contains(&self.auth.session_max_hours) {
            return bad("auth.session_max_hours", "must be between 1 and 168");
        }
        if self.audit.retention_days < 1 {
            return bad("audit.retention_days", "must be at least 1");
        }
        for (i, h) in self.connect.hosts.iter().enumerate() {
            if let Err(e) = vigie_connect::target::HostPattern::parse(h) {
                return bad(&format!("connect.hosts[{i}]"), &e);
            }
        }
        if !(1..=3600).contains(&self.request_timeout_seconds) {
            return bad("request_timeout_seconds", "must be between 1 and 3600");
        }
        for (i, p) in self.trusted_proxies.iter().enumerate() {
            if p.trim().parse::<std::net::IpAddr>().is_err() {
                return bad(
                    &format!("trusted_proxies[{i}]"),
                    "must be an IP address (e.g. 127.0.0.1 or ::1)",
                );
            }
        }
        if self.tls.enabled() == self.tls.key_path.as_os_str().is_empty() {
            return bad("tls", "certificate_path and key_path go together");
        }
        if self.tls.enabled() && !self.base_url.starts_with("https://") {
            return bad("base_url", "must start with https:// when Vigie serves TLS");
        }
        if !self.tls.enabled() && !self.tls.redirect_listen.is_empty() {
            return bad(
                "tls.redirect_listen",
                "redirects to HTTPS: set certificate_path and key_path",
            );
        }
        if !self.tls.redirect_listen.is_empty()
            && self
                .tls
                .redirect_listen
                .parse::<std::net::SocketAddr>()
                .is_err()
        {
            return bad(
                "tls.redirect_listen",
                "must be an address and port, like 0.0.0.0:80",
            );
        }
        if let Err(e) = self.breaches.check() {
            return bad("breaches", e);
        }
        if !(1..=86_400).contains(&self.tls.reload_seconds) {
            return bad("tls.reload_seconds", "must be between 1 and 86400");
        }
        if !(1..=600).contains(&self.database_wait_seconds) {
            return bad("database_wait_seconds", "must be between 1 and 600");
        }
        if !(1..=300).contains(&self.connect.connect_timeout_seconds) {
            return bad(
                "connect.connect_timeout_seconds",
                "must be between 1 and 300",
            );
        }
        if !(1..=3600).contains(&self.connect.statement_timeout_seconds) {
            return bad(
                "connect.statement_timeout_seconds",
                "must be between 1 and 3600",
            );
        }
        if !(1..=60).contains(&self.webhooks.timeout_seconds) {
            return bad("webhooks.timeout_seconds", "must be between 1 and 60");
        }
        for (i, h) in self.webhooks.hosts.iter().enumerate() {
            if let Err(e) = vigie_connect::target::HostPattern::parse(h) {
                return bad(&format!("webhooks.hosts[{i}]"), &e);
            }
        }
        if !(1..=300).contains(&self.email.smtp_timeout_seconds) {
            return bad("email.smtp_timeout_seconds", "must be between 1 and 300");
        }
        if !["smtp", "files"].contains(&self.email.mode.as_str()) {
            return bad("email.mode", "must be smtp or files");
        }
        if !["starttls", "tls", "none"].contains(&self.email.smtp_tls.as_str()) {
            return bad("email.smtp_tls", "must be starttls, tls or none");
        }
        for (key, s) in [
            ("audit.checkpoint_schedule", &self.audit.checkpoint_schedule),
            ("audit.purge_schedule", &self.audit.purge_schedule),
            ("audit.verify_schedule", &self.audit.verify_schedule),
            ("email.delivery_schedule", &self.email.delivery_schedule),
            (
                "webhooks.delivery_schedule",
                &self.webhooks.delivery_schedule,
            ),
            ("jobs.cleanup_schedule", &self.jobs.cleanup_schedule),
            ("jobs.reminder_schedule", &self.jobs.reminder_schedule),
            ("jobs.objection_schedule", &self.jobs.objection_schedule),
            (
                "jobs.breach_reminder_schedule",
                &self.jobs.breach_reminder_schedule,
            ),
            ("jobs.retention_schedule", &self.jobs.retention_schedule),
            ("backup.schedule", &self.backup.schedule),
        ] {
            if let Err(e) = s.parse::<cron::Schedule>() {
                return bad(
                    key,
                    &format!("not a cron schedule (sec min hour day month weekday): {e}"),
                );
            }
        }
        Ok(())
    }

    /// The configuration as TOML, with secrets replaced by `***`.
    pub fn redacted_toml(&self) -> String {
        let mut c = self.clone();
        c.database_url = redact_url(&c.database_url);
        let mut secrets = vec![
            &mut c.audit.signing_key,
            &mut c.email.smtp_password,
            &mut c.data_key,
            &mut c.backup.identity,
        ];
        for t in &mut c.backup.targets {
            if let vigie_backup::target::TargetConfig::S3 {
                secret_access_key, ..
            } = t
            {
                secrets.push(secret_access_key);
            }
        }
        for s in secrets {
            if !s.is_empty() {
                *s = "***".into();
            }
        }
        toml::to_string_pretty(&c).unwrap_or_default()
    }
}

/// Hides the password of a database URL.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((auth, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = std::env::temp_dir().join(format!("vigie-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("vigie.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\n[auth]\nsession_idle_minutes = 20\n[email]\nsmtp_password_file = \"SECRET\"\n"
                .replace("SECRET", dir.join("pw").to_str().unwrap()),
        )
        .unwrap();
        std::fs::write(dir.join("pw"), "s3cret\n").unwrap();
        std::fs::write(dir.join("key"), "ab".repeat(32)).unwrap();
        let key_path = dir.join("key");
        let vars = env(&[
            ("VIGIE_AUTH__SESSION_IDLE_MINUTES", "15"),
            ("VIGIE_AUDIT__SIGNING_KEY_FILE", key_path.to_str().unwrap()),
            ("VIGIE_DATABASE_URL", "postgres://vigie:pw@db/vigie"),
            ("OTHER", "x"),
        ]);
        let flags = Overrides {
            listen: Some("127.0.0.1:7000".into()),
            ..Default::default()
        };
        let c = Config::load_from(Some(&file), &flags, vars.into_iter()).unwrap();
        assert_eq!(c.listen, "127.0.0.1:7000", "flags beat the file");
        assert_eq!(c.auth.session_idle_minutes, 15, "env beats the file");
        assert_eq!(c.auth.session_max_hours, 12, "defaults remain");
        assert_eq!(c.email.smtp_password, "s3cret", "secret from a file");
        assert_eq!(c.audit.signing_key, "ab".repeat(32));
        let shown = c.redacted_toml();
        assert!(
            !shown.contains("s3cret")
                && !shown.contains(":pw@")
                && !shown.contains(&"ab".repeat(32))
        );
        assert!(shown.contains("postgres://vigie:***@db/vigie"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_keys_are_reported_with_their_path() {
        let e = Config::load_from(
            None,
            &Overrides::default(),
            env(&[("VIGIE_AUTH__SESION_IDLE", "3")]).into_iter(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("auth") && e.contains("sesion_idle"), "{e}");
        let e = Config::load_from(
            None,
            &Overrides::default(),
            env(&[("VIGIE_LISTEN", "nowhere")]).into_iter(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("listen"), "{e}");
        let e = Config::load_from(
            None,
            &Overrides::default(),
            env(&[("VIGIE_AUTH__SESSION_IDLE_MINUTES", "soon")]).into_iter(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("auth.session_idle_minutes"), "{e}");
    }

    #[test]
    fn c19_escalation_thresholds_and_tls_pairs_are_checked() {
        let load = |pairs: &[(&str, &str)]| {
            Config::load_from(None, &Overrides::default(), env(pairs).into_iter())
        };
        let c = load(&[("VIGIE_BREACHES__LEVEL2_HOURS", "2")]).unwrap();
        assert_eq!(c.breaches.level2_hours, 2);
        let e = load(&[
            ("VIGIE_BREACHES__LEVEL3_HOURS", "3"),
            ("VIGIE_BREACHES__LEVEL2_HOURS", "5"),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("breaches") && e.contains("level3_hours"), "{e}");
        let e = load(&[
            ("VIGIE_TLS__CERTIFICATE_PATH", "/x.pem"),
            ("VIGIE_BASE_URL", "https://v.fr"),
        ])
        .unwrap_err()
        .to_string();
        assert!(e.contains("key_path"), "{e}");
    }
}
