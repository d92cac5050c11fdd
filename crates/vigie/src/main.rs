//! `vigie`: serve, demo, migrate, healthcheck, config, user, tenant, audit.

use std::{io::Write, path::PathBuf, sync::Arc};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use vigie::{
    app,
    config::{Config, Overrides},
    demo,
};
use vigie_domain::{
    account::{DisplayName, Email},
    audit::{Actor, AuditEvent, Outcome},
    role::{Role, Roles},
    tenant::{TenantName, TenantSlug},
};
use vigie_store::{NewUser, Store, trail};

#[derive(Parser)]
#[command(
    name = "vigie",
    version,
    about = "Keeps the data-protection promises of a provider and its client organisations"
)]
struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "VIGIE_CONFIG")]
    config: Option<PathBuf>,
    /// Overrides database_url.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Overrides data_dir.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the web server and the job worker.
    Serve {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Runs with the embedded SQLite database and demo data.
    Demo {
        #[arg(long)]
        listen: Option<String>,
    },
    /// Applies pending database migrations.
    Migrate,
    /// Exits 0 when the server answers and its database is reachable.
    Healthcheck {
        /// Server address (default: the configured listen address).
        #[arg(long)]
        address: Option<String>,
    },
    /// Shows the effective configuration, secrets redacted.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Manages accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Creates API tokens (for scripts, monitoring, contract tests).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manages client organisations.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Finds personal data in CSV, JSON, JSON Lines and text files (C39).
    Scan {
        /// Files to scan.
        #[arg(required_unless_present = "database")]
        files: Vec<PathBuf>,
        /// A database to sample: postgres://, mysql:// (MariaDB too) or sqlite://.
        #[arg(long)]
        database: Option<String>,
        /// Rows sampled per table.
        #[arg(long, default_value_t = 1000)]
        sample: u32,
        /// `text` for people, `json` for machines.
        #[arg(long, default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// The access trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copies a connected system into an empty test database, masked (C30).
    Copy {
        /// Required: the copy is always masked.
        #[arg(long)]
        masked: bool,
        #[arg(long)]
        tenant: String,
        /// The connected system's number (in its page's address).
        #[arg(long)]
        system: i64,
        /// The test database's URL; its tables exist and are empty.
        #[arg(long)]
        to: String,
    },
    /// Retention rules executed (C21, C22): preview, sweep, verify a report.
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Backups of Vigie's own data (C31–C34), by the configuration's
    /// `[backup]`.
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
}

#[derive(Subcommand)]
enum BackupCommand {
    /// Backs up now, rotates, and tests the restore of the new backup.
    Run,
    /// Every backup with its targets, checksum and last restore test.
    List,
    /// Restores a backup (the newest by default) into a scratch database
    /// and checks it; records the result and how long it took.
    Test {
        #[arg(long)]
        version: Option<String>,
    },
    /// Restores a backup for real into the configured database.
    Restore {
        #[arg(long)]
        version: String,
        /// Overwrite the existing database (stop Vigie first).
        #[arg(long)]
        replace: bool,
    },
    /// Prints a new age key pair: keep the identity (secret) off this
    /// server, put the public key in `backup.recipients`.
    Keygen,
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Counts what each rule of the tenant would touch today; changes nothing.
    Preview {
        #[arg(long)]
        tenant: String,
    },
    /// Sweeps the tenant's rules now (resuming a sweep a crash left) and
    /// prints the signed report.
    Run {
        #[arg(long)]
        tenant: String,
        /// Counts and signs a report without changing anything.
        #[arg(long)]
        dry: bool,
        /// Rows per batch (one transaction each): smaller holds row locks
        /// for less time.
        #[arg(long, default_value_t = vigie_service::retention::BATCH)]
        batch: u32,
    },
    /// Sweeps Vigie's own data now under the configuration's `[retention]`
    /// (resuming a sweep a crash left) and prints the signed report; with
    /// --dry, counts what the night's sweep would change.
    Own {
        #[arg(long)]
        dry: bool,
    },
    /// Checks a signed document: a sweep's report (the JSON `run` printed
    /// or the page exported), a sweep of Vigie's own data, or a
    /// certificate of destruction.
    Verify {
        report: PathBuf,
        /// Expected Ed25519 public key (hex); default: this instance's.
        #[arg(long)]
        public_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    Show,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Creates an account; the person chooses a password through a link.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        provider_admin: bool,
        /// Tenant short name, with --roles.
        #[arg(long)]
        tenant: Option<String>,
        /// Comma-separated: dpo, user_manager, agent, auditor.
        #[arg(long, default_value = "")]
        roles: String,
    },
    /// Compromised account: invalidates the password and every session,
    /// and sends (and prints) a one-time link to choose a new one.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Disables an account and revokes its sessions and tokens at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    Enable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Creates a tenant API token for an account's own use, as the page
    /// does (Administration → API tokens): a role the account holds in the
    /// tenant, an expiry; prints the secret once.
    Create {
        /// Tenant short name.
        #[arg(long)]
        tenant: String,
        /// The account the token acts for (it must hold the role there).
        #[arg(long = "for")]
        account: String,
        /// dpo, user_manager, agent or auditor.
        #[arg(long)]
        role: String,
        /// What the token is for (1 to 100 characters).
        #[arg(long)]
        name: String,
        /// Days until it expires, 1 to 365.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Creates a provider token (the provider's monitoring declares
    /// provider-wide incidents with it), as the page does (Provider →
    /// API tokens): for an active platform administrator; prints the
    /// secret once.
    Provider {
        /// The platform administrator the token acts for.
        #[arg(long = "for")]
        account: String,
        /// What the token is for (1 to 100 characters).
        #[arg(long)]
        name: String,
        /// Days until it expires, 1 to 365.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    Add {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
    List {
        #[arg(long, default_value = "")]
        search: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Proves the chain from its anchor; reports the first broken record.
    Verify {
        /// Expected Ed25519 public key of the checkpoints (hex).
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Signs the trail's head now.
    Checkpoint,
}

fn overrides(cli: &Cli, listen: Option<String>) -> Overrides {
    Overrides {
        database_url: cli.database_url.clone(),
        listen,
        data_dir: cli.data_dir.clone(),
    }
}

fn init_logs(filter: &str) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .try_init();
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen } | Command::Demo { listen } => listen.clone(),
        _ => None,
    };
    // Scanning files needs no configuration, database or logs.
    if let Command::Scan {
        files,
        format,
        database,
        sample,
    } = &cli.command
    {
        return scan(files, format, database.as_deref(), *sample).await;
    }
    let mut c = Config::load(cli.config.as_deref(), &overrides(&cli, listen))?;
    init_logs(&c.log);
    match &cli.command {
        Command::Serve { .. } => {
            let store = app::open_store(&c).await?;
            app::serve(&c, store, false).await
        }
        Command::Demo { .. } => {
            c.base_url = format!("http://{}", c.listen);
            // The demo's application databases live in their own folder,
            // the only one its tenants may connect to (C27).
            let clients = c.data_dir.join("clients");
            std::fs::create_dir_all(&clients)?;
            if c.connect.sqlite_dirs.is_empty() {
                c.connect.sqlite_dirs.push(clients.clone());
            }
            // Webhooks may be tried on this machine's own receivers.
            if c.webhooks.hosts.is_empty() {
                c.webhooks.hosts = vec!["127.0.0.1:*".into(), "localhost:*".into()];
            }
            // CIS Valley receives requests about its clients' data (C14).
            if c.provider_tenant.is_empty() {
                c.provider_tenant = demo::PROVIDER_TENANT.into();
            }
            // Backups to a folder of the demo, with a key made for it (C31).
            if !c.backup.enabled() {
                demo::backup_config(&mut c)?;
            }
            let store = app::open_store(&c).await?;
            store.migrate().await?;
            demo::seed(store.as_ref(), &app::hasher(&c)?).await?;
            let confinement = app::confinement(&c)?;
            demo::seed_rights(
                store.as_ref(),
                &app::vault(&c)?,
                &clients,
                &c.base_url,
                &confinement,
            )
            .await?;
            demo::seed_register(store.as_ref()).await?;
            demo::seed_incidents(store.as_ref(), &app::vault(&c)?, &c.base_url).await?;
            demo::seed_problems(store.as_ref(), &app::vault(&c)?, &c.base_url).await?;
            demo::seed_retention(store.as_ref(), &app::vault(&c)?, &c.base_url, &confinement)
                .await?;
            let vault = app::vault(&c)?;
            demo::seed_own_preview(
                vigie_service::Ctx {
                    store: store.as_ref(),
                    vault: &vault,
                    base_url: &c.base_url,
                    confinement: &confinement,
                },
                &c.retention.policy()?,
                &app::trail_key(&c)?,
            )
            .await?;
            demo::seed_consent(vigie_service::Ctx {
                store: store.as_ref(),
                vault: &vault,
                base_url: &c.base_url,
                confinement: &confinement,
            })
            .await?;
            demo::first_backup(&c, store.as_ref()).await?;
            println!("{}", demo::banner(&c.base_url));
            app::serve(&c, store, true).await
        }
        Command::Migrate => {
            let store = app::open_store(&c).await?;
            store.migrate().await?;
            println!("migrations applied ({})", store.backend());
            Ok(())
        }
        Command::Healthcheck { address } => {
            healthcheck(&c, address.as_deref().unwrap_or(&c.listen)).await
        }
        Command::Config {
            command: ConfigCommand::Show,
        } => {
            print!("{}", c.redacted_toml());
            Ok(())
        }
        Command::User { command } => {
            let store = app::open_migrated(&c).await?;
            let result = user(&c, store.clone(), command).await;
            traced_failure(store.as_ref(), "user", result).await
        }
        Command::Tenant { command } => {
            let store = app::open_migrated(&c).await?;
            let result = tenant(store.as_ref(), command).await;
            traced_failure(store.as_ref(), "tenant", result).await
        }
        Command::Token { command } => {
            let store = app::open_migrated(&c).await?;
            let result = token(store.as_ref(), command).await;
            traced_failure(store.as_ref(), "token", result).await
        }
        Command::Audit { command } => {
            let store = app::open_migrated(&c).await?;
            let result = audit(&c, store.as_ref(), command).await;
            traced_failure(store.as_ref(), "audit", result).await
        }
        Command::Copy {
            masked,
            tenant,
            system,
            to,
        } => {
            if !masked {
                bail!("a copy of a connected system is always masked: add --masked (C30)");
            }
            let store = app::open_migrated(&c).await?;
            let result = copy(&c, store.as_ref(), tenant, *system, to).await;
            traced_failure(store.as_ref(), "copy", result).await
        }
        Command::Retention { command } => {
            let store = app::open_migrated(&c).await?;
            let result = retention(&c, store.as_ref(), command).await;
            traced_failure(store.as_ref(), "retention", result).await
        }
        Command::Backup { command } => {
            if let BackupCommand::Keygen = command {
                let (identity, public) = vigie_backup::archive::Identities::generate();
                print!("{identity}");
                eprintln!("public key (backup.recipients): {public}");
                return Ok(());
            }
            if let BackupCommand::Restore { version, replace } = command {
                // Nothing open on the database while it is replaced; the
                // restore is traced in the restored trail.
                let Some(s) = vigie::backups::settings(&c, "ligne de commande")? else {
                    bail!("backups are not configured: set backup.recipients and backup.targets");
                };
                let Some(ids) = &s.identities else {
                    bail!("no backup.identity to open the backup with");
                };
                let m = vigie_backup::restore::restore(&s, ids, version, *replace).await?;
                let store = app::open_migrated(&c).await?;
                trace_cli(
                    store.as_ref(),
                    "backup.restore",
                    &format!("backup:{version}"),
                    None,
                )
                .await?;
                println!(
                    "restored {} ({} backup, migration level {}) into {}",
                    m.name,
                    m.backend,
                    m.schema_version,
                    vigie::config::redact_url(&c.database_url)
                );
                return Ok(());
            }
            let store = app::open_migrated(&c).await?;
            let result = backup(&c, store.as_ref(), command).await;
            traced_failure(store.as_ref(), "backup", result).await
        }
        Command::Scan { .. } => Ok(()),
    }
}

async fn backup(c: &Config, store: &dyn Store, cmd: &BackupCommand) -> Result<()> {
    use vigie_backup::{restore, run};
    let Some(s) = vigie::backups::settings(c, "ligne de commande")? else {
        bail!("backups are not configured: set backup.recipients and backup.targets");
    };
    let print = |b: &vigie_store::Backup| {
        println!(
            "{}\t{}\t{} bytes\tsha256 {}\ton {}\trestore test: {} {}{}",
            b.name,
            b.state,
            b.size,
            b.sha256,
            if b.targets.is_empty() {
                "-"
            } else {
                &b.targets
            },
            if b.restore_state.is_empty() {
                "never"
            } else {
                &b.restore_state
            },
            b.restore_ms
                .map(|ms| format!("in {ms} ms "))
                .unwrap_or_default(),
            if b.error.is_empty() {
                String::new()
            } else {
                format!("\terror: {}", b.error)
            }
        )
    };
    let key = app::trail_key(c)?.public_hex();
    let newest = || async {
        store
            .good_backups()
            .await
            .map(|g| g.into_iter().next())
            .map_err(anyhow::Error::from)
    };
    match cmd {
        BackupCommand::Run => {
            trace_cli(store, "backup.run", "instance", None).await?;
            let b = run::backup(store, &s, jiff::Timestamp::now(), &|_| false).await?;
            let rotation = run::rotate(store, &s, jiff::Timestamp::now()).await?;
            let b = restore::test(store, &s, &b, Some(&key)).await?;
            print(&b);
            for d in rotation.deleted {
                println!("rotated out: {d}");
            }
            for e in rotation.errors {
                eprintln!("left for the next rotation: {e}");
            }
            if b.restore_state == "failed" {
                bail!("the restore test failed: {}", b.restore_detail);
            }
        }
        BackupCommand::List => {
            for n in 1.. {
                let page = store
                    .backups(vigie_domain::page::Page::new(Some(n), Some(200)))
                    .await?;
                page.items.iter().for_each(print);
                if !page.has_next() {
                    break;
                }
            }
        }
        BackupCommand::Test { version } => {
            let b = match version {
                Some(v) => store
                    .backup_by_name(v)
                    .await
                    .with_context(|| format!("no backup {v}"))?,
                None => newest().await?.context("no backup yet")?,
            };
            if s.identities.is_none() {
                bail!("no backup.identity to open the backup with");
            }
            trace_cli(store, "backup.test", &format!("backup:{}", b.name), None).await?;
            let b = restore::test(store, &s, &b, Some(&key)).await?;
            print(&b);
            if b.restore_state != "ok" {
                bail!("the restore test failed: {}", b.restore_detail);
            }
        }
        BackupCommand::Restore { .. } | BackupCommand::Keygen => {}
    }
    Ok(())
}

/// The configuration the provider's command line acts with on tenants'
/// systems: as `vigie demo` does, the demo's application databases in
/// their own folder when the configuration lists no folder.
fn with_demo_clients(c: &Config) -> Config {
    let mut c = c.clone();
    let clients = c.data_dir.join("clients");
    if c.connect.sqlite_dirs.is_empty() && clients.is_dir() {
        c.connect.sqlite_dirs.push(clients);
    }
    c
}

async fn copy(c: &Config, store: &dyn Store, tenant: &str, system: i64, to: &str) -> Result<()> {
    let t = store
        .tenant_by_slug(&vigie_domain::tenant::TenantSlug::parse(tenant)?)
        .await
        .with_context(|| format!("no tenant {tenant}"))?;
    let scope = vigie_domain::scope::TenantScope::of_provider(t.id);
    let c = with_demo_clients(c);
    let confinement = app::confinement(&c)?;
    let vault = app::vault(&c)?;
    let ctx = vigie_service::Ctx {
        store,
        vault: &vault,
        base_url: &c.base_url,
        confinement: &confinement,
    };
    trace_cli(
        store,
        "system.copy",
        &format!("system:{system}"),
        Some(t.id),
    )
    .await?;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let started = std::time::Instant::now();
    let report = vigie_service::copies::masked_copy(
        ctx,
        &scope,
        vigie_domain::SystemId(system),
        to,
        |table, n| {
            if tty {
                eprint!("\r{table}: {n} rows");
                let _ = std::io::stderr().flush();
            }
        },
    )
    .await?;
    if tty {
        eprintln!();
    }
    let total: u64 = report.tables.iter().map(|(_, n)| n).sum();
    for (table, n) in &report.tables {
        println!("{table}\t{n}");
    }
    println!(
        "{total} rows copied into {} in {:.2} s; masked: {}",
        vigie::config::redact_url(to),
        started.elapsed().as_secs_f64(),
        report.masked.join(", ")
    );
    Ok(())
}

async fn retention(c: &Config, store: &dyn Store, cmd: &RetentionCommand) -> Result<()> {
    use vigie_service::retention::{self, SignedReport};
    if let RetentionCommand::Verify { report, public_key } = cmd {
        let expected = public_key
            .clone()
            .or_else(|| app::trail_key(c).ok().map(|k| k.public_hex()));
        let text = std::fs::read_to_string(report)
            .with_context(|| format!("reading {}", report.display()))?;
        let with_key = if expected.is_some() {
            " with the expected key"
        } else {
            ""
        };
        // A sweep's report, or a certificate of destruction (C24): both
        // signed with the trail's key.
        if let Ok(signed) = serde_json::from_str::<SignedReport>(&text) {
            if !signed.verify(expected.as_deref()) {
                bail!(
                    "the signature of {} does not hold{with_key}",
                    report.display()
                );
            }
            println!(
                "report signed: run {} of tenant {}, {} rule(s), {} row(s) changed",
                signed.report.run,
                signed.report.tenant,
                signed.report.rules.len(),
                signed.report.rules.iter().map(|r| r.changed).sum::<i64>()
            );
            return Ok(());
        }
        let cert: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a report or a certificate", report.display()))?;
        let field = |k: &str| cert[k].as_str().unwrap_or_default().to_owned();
        let (signed_text, signature, key) = (
            field("signed_text"),
            field("signature"),
            field("public_key"),
        );
        if signed_text.is_empty() {
            bail!("{} is not a report or a certificate", report.display());
        }
        let key_ok = expected
            .as_deref()
            .is_none_or(|k| k.eq_ignore_ascii_case(&key));
        if !key_ok || !trail::document_signed_by(&key, signed_text.as_bytes(), &signature) {
            bail!(
                "the signature of {} does not hold{with_key}",
                report.display()
            );
        }
        // What is said is read from the signed text, not from its copy
        // beside it.
        let doc: serde_json::Value = serde_json::from_str(&signed_text)
            .with_context(|| format!("the signed text of {} is not JSON", report.display()))?;
        if cert.get("own_sweep").is_some() {
            println!(
                "report of Vigie's own data signed: sweep {}{}, {} line(s)",
                doc["sweep"],
                if doc["dry"] == true { " (dry)" } else { "" },
                doc["lines"].as_array().map_or(0, Vec::len)
            );
            return Ok(());
        }
        println!(
            "certificate of destruction signed: {} destroyed at {}",
            doc["organisation"].as_str().unwrap_or_default(),
            doc["destroyed_at"].as_str().unwrap_or_default()
        );
        return Ok(());
    }
    if let RetentionCommand::Own { dry } = cmd {
        let key = app::trail_key(c)?;
        let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
        let (confinement, vault) = (app::confinement(c)?, app::vault(c)?);
        let ctx = vigie_service::Ctx {
            store,
            vault: &vault,
            base_url: &c.base_url,
            confinement: &confinement,
        };
        trace_cli(store, "retention.own", "instance", None).await?;
        let sweep = vigie_service::own_data::sweep(
            ctx,
            &c.retention.policy()?,
            "ligne de commande",
            *dry,
            jiff::Timestamp::now(),
            0,
            &sign,
            &|_| false,
        )
        .await?;
        println!(
            "{}",
            serde_json::to_string_pretty(&vigie_service::own_data::exported(&sweep))?
        );
        return Ok(());
    }
    let (RetentionCommand::Preview { tenant } | RetentionCommand::Run { tenant, .. }) = cmd else {
        return Ok(());
    };
    let t = store
        .tenant_by_slug(&vigie_domain::tenant::TenantSlug::parse(tenant)?)
        .await
        .with_context(|| format!("no tenant {tenant}"))?;
    let scope = vigie_domain::scope::TenantScope::of_provider(t.id);
    let c = &with_demo_clients(c);
    let confinement = app::confinement(c)?;
    let vault = app::vault(c)?;
    let ctx = vigie_service::Ctx {
        store,
        vault: &vault,
        base_url: &c.base_url,
        confinement: &confinement,
    };
    let now = jiff::Timestamp::now();
    match cmd {
        RetentionCommand::Preview { .. } => {
            trace_cli(
                store,
                "retention.preview",
                &format!("tenant:{}", t.id),
                Some(t.id),
            )
            .await?;
            for p in retention::preview(ctx, &scope, now).await? {
                let r = &p.rule.rule;
                match &p.error {
                    Some(e) => println!("{}	{}.{}	error: {e}", r.label, r.table, r.trigger_column),
                    None => println!(
                        "{}	{}.{} before {}	{} row(s) to {}",
                        r.label,
                        r.table,
                        r.trigger_column,
                        p.cutoff,
                        p.matched,
                        r.action.as_str()
                    ),
                }
            }
        }
        RetentionCommand::Run { dry, batch, .. } => {
            let key = app::trail_key(c)?;
            let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
            trace_cli(
                store,
                "retention.run",
                &format!("tenant:{}", t.id),
                Some(t.id),
            )
            .await?;
            let run = retention::sweep(
                ctx,
                &scope,
                "ligne de commande",
                *dry,
                retention::Trigger::Asked,
                now,
                *batch,
                &sign,
                &|_| false,
            )
            .await?;
            println!("{}", run.report);
        }
        RetentionCommand::Verify { .. } | RetentionCommand::Own { .. } => {}
    }
    Ok(())
}

async fn scan(files: &[PathBuf], format: &str, database: Option<&str>, sample: u32) -> Result<()> {
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (mut reports, mut errors) = vigie::scan::scan_files(files, tty);
    if let Some(url) = database {
        if tty {
            eprintln!("sampling {} …", vigie::config::redact_url(url));
        }
        match vigie::scan::scan_database(url, sample).await {
            Ok(r) => reports.push(r),
            Err(e) => errors.push(format!("{}: {e:#}", vigie::config::redact_url(url))),
        }
    }
    if format == "json" {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "reports": reports, "errors": errors })
            )?
        );
    } else {
        print!("{}", vigie::scan::render_text(&reports));
    }
    for e in &errors {
        eprintln!("error: {e}");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        bail!("{} source(s) could not be scanned", errors.len())
    }
}

/// A GET of `/healthz`, over HTTPS when Vigie serves TLS itself.
async fn healthcheck(c: &Config, address: &str) -> Result<()> {
    let limit = std::time::Duration::from_secs(5);
    let text = if c.tls.enabled() {
        let files = vigie::tls::TlsFiles {
            cert: c.tls.certificate_path.clone(),
            key: c.tls.key_path.clone(),
        };
        let s = tokio::time::timeout(
            limit,
            vigie::tls::connect_self(address, &files, &c.base_url),
        )
        .await
        .context("timed out")??;
        get_healthz(s, address).await?
    } else {
        let s = tokio::time::timeout(limit, tokio::net::TcpStream::connect(address))
            .await
            .context("timed out")?
            .with_context(|| format!("connecting to {address}"))?;
        get_healthz(s, address).await?
    };
    if text.starts_with("HTTP/1.0 200") || text.starts_with("HTTP/1.1 200") {
        println!("ok");
        Ok(())
    } else {
        bail!("unhealthy: {}", text.lines().next().unwrap_or("no answer"))
    }
}

async fn get_healthz(
    mut s: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    address: &str,
) -> Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    s.write_all(format!("GET /healthz HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())
        .await?;
    let mut buf = Vec::new();
    // A TLS peer may close without notify once it answered: what came is read.
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut buf))
        .await
        .context("timed out")?;
    if buf.is_empty() {
        read?;
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Every CLI action is an admin action: it goes into the trail.
async fn trace_cli(
    store: &dyn Store,
    action: &str,
    object: &str,
    tenant: Option<vigie_domain::TenantId>,
) -> Result<()> {
    trace_cli_outcome(store, action, object, tenant, Outcome::Success).await
}

/// A CLI command that failed once the store was open (an unknown account,
/// a broken trail) is recorded too, with its reason (C28).
async fn traced_failure(store: &dyn Store, group: &str, result: Result<()>) -> Result<()> {
    if let Err(e) = &result {
        let reason: String = e.to_string().chars().take(300).collect();
        // The command's own error is the one to report.
        let _ = trace_cli_outcome(
            store,
            &format!("cli.{group}"),
            &reason,
            None,
            Outcome::Failure,
        )
        .await;
    }
    result
}

async fn trace_cli_outcome(
    store: &dyn Store,
    action: &str,
    object: &str,
    tenant: Option<vigie_domain::TenantId>,
    outcome: Outcome,
) -> Result<()> {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    store
        .append(&AuditEvent {
            actor: Actor {
                user: None,
                label: format!("cli:{who}"),
            },
            tenant,
            action: action.into(),
            object: object.into(),
            ip: "local".into(),
            user_agent: "vigie-cli".into(),
            outcome,
        })
        .await?;
    Ok(())
}

fn parse_roles(s: &str) -> Result<Roles> {
    let mut v = Vec::new();
    for r in s.split(',').map(str::trim).filter(|r| !r.is_empty()) {
        v.push(
            Role::parse(r).with_context(|| {
                format!("unknown role `{r}` (dpo, user_manager, agent, auditor)")
            })?,
        );
    }
    Ok(Roles::new(v))
}

async fn user(c: &Config, store: Arc<dyn Store>, cmd: &UserCommand) -> Result<()> {
    let state = app::web_state(
        c,
        store.clone(),
        &app::trail_key(c)?,
        false,
        vigie_connect::Confinement::default(),
    )?;
    match cmd {
        UserCommand::Add {
            email,
            name,
            provider_admin,
            tenant,
            roles,
        } => {
            let email = Email::parse(email)?;
            let name = DisplayName::parse(name)?;
            let roles = parse_roles(roles)?;
            let u = match tenant {
                Some(slug) => {
                    if roles.is_empty() {
                        bail!("--tenant needs --roles");
                    }
                    let t = store
                        .tenant_by_slug(&TenantSlug::parse(slug)?)
                        .await
                        .context("unknown tenant")?;
                    let (u, _) =
                        vigie_web::invite::grant(&state, &t, &email, &name, &roles).await?;
                    trace_cli(
                        store.as_ref(),
                        "user.create",
                        &format!("user:{}", u.id),
                        Some(t.id),
                    )
                    .await?;
                    u
                }
                None => {
                    let u = store
                        .create_user(&NewUser {
                            email,
                            name,
                            password_hash: "!unset".into(),
                            is_provider_admin: *provider_admin,
                            locale: "fr".into(),
                            time_zone: "Europe/Paris".into(),
                        })
                        .await?;
                    vigie_web::invite::send_password_link(&state, &u, None).await?;
                    trace_cli(
                        store.as_ref(),
                        "user.create",
                        &format!("user:{}", u.id),
                        None,
                    )
                    .await?;
                    u
                }
            };
            println!(
                "account {} created; a link to choose a password was queued to {}",
                u.id, u.email
            );
            Ok(())
        }
        UserCommand::ResetPassword { email } => {
            let u = store
                .user_by_email(&Email::parse(email)?)
                .await
                .context("no such account")?;
            store.set_password_hash(u.id, "!reset").await?;
            let n = store.delete_user_sessions(u.id).await?;
            vigie_web::invite::send_password_link(&state, &u, None).await?;
            trace_cli(
                store.as_ref(),
                "user.reset_password",
                &format!("user:{}", u.id),
                None,
            )
            .await?;
            println!(
                "password invalidated, {n} session(s) closed; a reset link was queued to {}",
                u.email
            );
            Ok(())
        }
        UserCommand::Disable { email } | UserCommand::Enable { email } => {
            let disable = matches!(cmd, UserCommand::Disable { .. });
            let u = store
                .user_by_email(&Email::parse(email)?)
                .await
                .context("no such account")?;
            store.set_disabled(u.id, disable).await?;
            let action = if disable {
                "user.disable"
            } else {
                "user.enable"
            };
            trace_cli(store.as_ref(), action, &format!("user:{}", u.id), None).await?;
            println!(
                "{} {}",
                u.email,
                if disable {
                    "disabled; sessions and tokens revoked"
                } else {
                    "enabled"
                }
            );
            Ok(())
        }
    }
}

async fn token(store: &dyn Store, cmd: &TokenCommand) -> Result<()> {
    let (tenant, account, role, name, days) = match cmd {
        TokenCommand::Create {
            tenant,
            account,
            role,
            name,
            days,
        } => (tenant, account, role, name, days),
        TokenCommand::Provider {
            account,
            name,
            days,
        } => return provider_token(store, account, name, *days).await,
    };
    let t = store
        .tenant_by_slug(&TenantSlug::parse(tenant)?)
        .await
        .with_context(|| format!("no tenant {tenant}"))?;
    let u = store
        .user_by_email(&Email::parse(account)?)
        .await
        .with_context(|| format!("no account {account}"))?;
    if u.disabled {
        bail!("{account} is disabled: its tokens would be refused");
    }
    let role = Role::parse(role)
        .with_context(|| format!("{role}: dpo, user_manager, agent or auditor"))?;
    let held = store
        .memberships(u.id)
        .await?
        .into_iter()
        .find(|m| m.tenant.id == t.id)
        .map(|m| m.roles)
        .unwrap_or_default();
    // As on the page: never more than the account holds there.
    if !held.covers(role) {
        bail!(
            "{account} does not hold the role {} in {tenant}",
            role.as_str()
        );
    }
    let name = vigie_service::token_name(name).context("--name: 1 to 100 characters")?;
    let days = vigie_service::token_days(*days).context("--days: 1 to 365")?;
    let secret = vigie_service::new_token_secret();
    let now = jiff::Timestamp::now();
    let scope = vigie_domain::scope::TenantScope::of_provider(t.id);
    let created = store
        .create_token(
            &scope,
            &vigie_store::NewApiToken {
                name: name.to_owned(),
                role,
                token_hash: vigie_service::token_hash(&secret),
                expires_at: now + jiff::SignedDuration::from_hours(24 * days),
                created_by: Some(u.id),
                created_at: now,
            },
        )
        .await?;
    trace_cli(
        store,
        "token.create",
        &format!("token:{}", created.id),
        Some(t.id),
    )
    .await?;
    // The secret alone on standard output, for scripts.
    println!("{secret}");
    eprintln!(
        "token {} ({}, {}) for {account} in {tenant}, expires {}; shown once",
        created.id,
        name,
        role.as_str(),
        created.expires_at
    );
    Ok(())
}

async fn provider_token(store: &dyn Store, account: &str, name: &str, days: i64) -> Result<()> {
    let u = store
        .user_by_email(&Email::parse(account)?)
        .await
        .with_context(|| format!("no account {account}"))?;
    if u.disabled || !u.is_provider_admin {
        bail!("{account} is not an active platform administrator: its tokens would be refused");
    }
    let name = vigie_service::token_name(name).context("--name: 1 to 100 characters")?;
    let days = vigie_service::token_days(days).context("--days: 1 to 365")?;
    let secret = vigie_service::new_token_secret();
    let now = jiff::Timestamp::now();
    let created = store
        .create_provider_token(
            name,
            &vigie_service::token_hash(&secret),
            now + jiff::SignedDuration::from_hours(24 * days),
            u.id,
            now,
        )
        .await?;
    trace_cli(
        store,
        "provider_token.create",
        &format!("provider-token:{}", created.id),
        None,
    )
    .await?;
    println!("{secret}");
    eprintln!(
        "provider token {} ({name}) for {account}, expires {}; shown once",
        created.id, created.expires_at
    );
    Ok(())
}

async fn tenant(store: &dyn Store, cmd: &TenantCommand) -> Result<()> {
    match cmd {
        TenantCommand::Add { slug, name } => {
            let t = store
                .create_tenant(&TenantSlug::parse(slug)?, &TenantName::parse(name)?)
                .await?;
            trace_cli(
                store,
                "tenant.create",
                &format!("tenant:{}", t.id),
                Some(t.id),
            )
            .await?;
            println!("tenant {} created ({})", t.slug, t.id);
        }
        TenantCommand::List { search } => {
            // A read of every client's name: traced like any admin read.
            trace_cli(store, "tenant.list", &format!("search:{search}"), None).await?;
            let mut n = 1;
            loop {
                let page = store
                    .list_tenants(search, vigie_domain::page::Page::new(Some(n), Some(500)))
                    .await?;
                for t in &page.items {
                    println!("{}\t{}\t{}", t.slug, t.name.as_str(), t.created_at);
                }
                if !page.has_next() {
                    break;
                }
                n += 1;
            }
        }
    }
    Ok(())
}

async fn audit(c: &Config, store: &dyn Store, cmd: &AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::Verify { public_key } => {
            let expected = match public_key {
                Some(k) => Some(k.clone()),
                None => app::trail_key(c).ok().map(|k| k.public_hex()),
            };
            let started = std::time::Instant::now();
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            // Where the walk starts and ends, for a share and a speed on
            // the terminal.
            let from = store.anchor().await?.map_or(0, |a| a.seq);
            let last = store.head().await?.map_or(from, |(seq, _)| seq);
            let result = trail::verify(store, expected.as_deref(), |seq| {
                if tty {
                    let done = (seq - from) as f64;
                    let secs = started.elapsed().as_secs_f64().max(1e-3);
                    eprint!(
                        "\rverified through record {seq} of {last} ({:.0} %, {:.0} records/s)",
                        100.0 * done / (last - from).max(1) as f64,
                        done / secs
                    );
                    let _ = std::io::stderr().flush();
                }
            })
            .await;
            if tty {
                eprintln!();
            }
            let witness_path = c.data_dir.join(vigie::witness::FILE);
            let witness = vigie::witness::read(&witness_path)?;
            let checked = match result {
                Ok(report) => trail::check_witness(store, &report, &witness, expected.as_deref())
                    .await
                    .map(|copies| (report, copies)),
                Err(e) => Err(e),
            };
            let (report, copies) = match checked {
                Ok(done) => done,
                Err(e) => {
                    // On demand as when scheduled: the alteration opens an
                    // integrity incident and alerts the administrators.
                    let confinement = vigie_connect::Confinement::default();
                    let ctx = vigie_service::Ctx {
                        store,
                        vault: &app::vault(c)?,
                        base_url: &c.base_url,
                        confinement: &confinement,
                    };
                    let opened = vigie_service::breaches::trail_altered(
                        ctx,
                        &e.to_string(),
                        jiff::Timestamp::now(),
                    )
                    .await?;
                    bail!("TRAIL BROKEN: {e} ({opened} integrity incident(s) opened)")
                }
            };
            println!(
                "trail intact: {} records (from anchor {} to {}), {} signed checkpoints, {:.2} s",
                report.records,
                report.from_seq,
                report.last_seq,
                report.checkpoints,
                started.elapsed().as_secs_f64()
            );
            println!(
                "{} checkpoint copies outside the database match ({}); {} records after the last signed checkpoint",
                copies,
                witness_path.display(),
                report.unsigned
            );
            // Recorded after the proof, so that it proves what was there.
            trace_cli(
                store,
                "audit.verify",
                &format!("records:{}", report.records),
                None,
            )
            .await?;
            Ok(())
        }
        AuditCommand::Checkpoint => {
            let key = app::trail_key(c)?;
            // Recorded first: the signature covers who asked for it.
            trace_cli(store, "audit.checkpoint", "", None).await?;
            match trail::checkpoint(store, &key, jiff::Timestamp::now()).await? {
                Some(cp) => {
                    vigie::witness::append(&c.data_dir.join(vigie::witness::FILE), &cp)?;
                    println!("checkpoint signed at record {}", cp.seq)
                }
                None => println!("nothing to sign"),
            }
            Ok(())
        }
    }
}
