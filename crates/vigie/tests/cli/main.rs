//! The `vigie` binary as an operator uses it: CLI commands, and crashes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod browser;
mod hooks;
mod tls;
mod world;

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

struct Data(PathBuf);

impl Data {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("vigie-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Data(p)
    }
    fn db_url(&self) -> String {
        format!("sqlite://{}", self.0.join("vigie.db").display())
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn vigie(data: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigie"));
    c.arg("--data-dir")
        .arg(data)
        .args(args)
        .env("VIGIE_LOG", "warn");
    // Cheap hashing: these tests are about the CLI, not argon2's cost.
    c.env("VIGIE_AUTH__ARGON2__MEMORY_KIB", "256")
        .env("VIGIE_AUTH__ARGON2__ITERATIONS", "1");
    c
}

fn run(data: &Path, args: &[&str]) -> Output {
    vigie(data, args).output().unwrap()
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = run(data, args);
    assert!(
        o.status.success(),
        "vigie {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn sql(data: &Data, statement: &'static str) {
    let url = data.db_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(statement).execute(&mut c).await.unwrap();
    });
}

/// The trail as (action, object, outcome), in order, read directly.
fn trail_rows(data: &Data) -> Vec<(String, String, String)> {
    let url = data.db_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_as("SELECT action, object, outcome FROM audit_log WHERE actor_label LIKE 'cli:%' ORDER BY seq")
            .fetch_all(&mut c)
            .await
            .unwrap()
    })
}

#[test]
fn c25_c28_cli_manages_accounts_and_every_action_is_traced() {
    let d = Data::new("accounts");
    ok(&d.0, &["migrate"]);
    ok(
        &d.0,
        &[
            "tenant",
            "add",
            "--slug",
            "commune-a",
            "--name",
            "Commune A",
        ],
    );
    let out = ok(
        &d.0,
        &[
            "user",
            "add",
            "--email",
            "gestion@commune-a.fr",
            "--name",
            "Gestion A",
            "--tenant",
            "commune-a",
            "--roles",
            "user_manager",
        ],
    );
    assert!(
        out.contains("link to choose a password was queued"),
        "{out}"
    );
    assert!(ok(&d.0, &["tenant", "list"]).contains("commune-a\tCommune A"));
    let bad = run(
        &d.0,
        &[
            "user",
            "add",
            "--email",
            "x@y.fr",
            "--name",
            "X",
            "--tenant",
            "commune-a",
            "--roles",
            "boss",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role `boss`"));
    let out = ok(
        &d.0,
        &["user", "reset-password", "--email", "gestion@commune-a.fr"],
    );
    assert!(out.contains("password invalidated"));
    ok(
        &d.0,
        &["user", "disable", "--email", "gestion@commune-a.fr"],
    );
    let missing = run(&d.0, &["user", "disable", "--email", "nobody@commune-a.fr"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such account"));

    let out = ok(&d.0, &["audit", "verify"]);
    ok(&d.0, &["audit", "checkpoint"]);
    // Each command, its reads and its failures included, in order (C28).
    let rows = trail_rows(&d);
    let actions: Vec<(&str, &str)> = rows
        .iter()
        .map(|(a, _, o)| (a.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("tenant.create", "success"),
            ("user.create", "success"),
            ("tenant.list", "success"),
            ("cli.user", "failure"),
            ("user.reset_password", "success"),
            ("user.disable", "success"),
            ("cli.user", "failure"),
            ("audit.verify", "success"),
            ("audit.checkpoint", "success"),
        ],
        "{rows:?}"
    );
    assert!(rows[3].1.contains("unknown role `boss`"), "{rows:?}");
    assert!(rows[6].1.contains("no such account"), "{rows:?}");
    let records = rows.len() - 2;
    assert!(
        out.contains(&format!("trail intact: {records} records")),
        "{out}"
    );
    // An edited record is found, and named.
    sql(
        &d,
        "UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 2",
    );
    let broken = run(&d.0, &["audit", "verify"]);
    assert!(!broken.status.success());
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(
        err.contains("TRAIL BROKEN") && err.contains("record 2"),
        "{err}"
    );
    // It opened an integrity incident in the tenant (C17), once.
    let opened = |d: &Data| {
        let url = d.db_url();
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                use sqlx::Connection;
                let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM incidents WHERE intake = 'vigie' AND status <> 'closed'",
                )
                .fetch_one(&mut c)
                .await
                .unwrap()
            })
    };
    assert!(err.contains("1 integrity incident(s) opened"), "{err}");
    assert_eq!(opened(&d), 1);
    let again = run(&d.0, &["audit", "verify"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 integrity incident(s) opened"));
    assert_eq!(opened(&d), 1, "not opened twice while it is open");
    // The failed verification is on the trail too.
    let last = trail_rows(&d).pop().unwrap();
    assert_eq!((last.0.as_str(), last.2.as_str()), ("cli.audit", "failure"));
    assert!(last.1.contains("record 2"), "{last:?}");
}

#[test]
fn config_layers_redact_secrets_and_refuse_unknown_keys() {
    let d = Data::new("config");
    let out = vigie(&d.0, &["config", "show"])
        .env("VIGIE_EMAIL__SMTP_PASSWORD", "hunter2-secret")
        .env("VIGIE_DATABASE_URL", "postgres://vigie:pw-secret@db/vigie")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("smtp_password = \"***\"")
            && !text.contains("hunter2")
            && !text.contains("pw-secret"),
        "{text}"
    );
    let out = vigie(&d.0, &["config", "show"])
        .env("VIGIE_SMTP_HOST", "x")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("smtp_host"),
        "an unknown key is named"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(d: &Data, port: u16) -> Child {
    vigie(&d.0, &["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIE_EMAIL__DELIVERY_SCHEDULE", "* * * * * *")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_healthy(d: &Data, port: u16) {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if run(
            &d.0,
            &["healthcheck", "--address", &format!("127.0.0.1:{port}")],
        )
        .status
        .success()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("vigie did not become healthy");
}

/// Sends `request(n)` (a whole HTTP/1.1 request, connection closed) over
/// and over until `stop` or until the server is gone; returns how many
/// were answered.
fn send_until(port: u16, stop: Instant, request: impl Fn(usize) -> String) -> usize {
    let mut n = 0;
    while Instant::now() < stop {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
            return n;
        };
        if s.write_all(request(n).as_bytes()).is_err() {
            return n;
        }
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        n += 1;
    }
    n
}

/// A failed sign-in: one trail append per request.
fn hammer(port: u16, stop: Instant) -> usize {
    send_until(port, stop, |_| {
        let body = "csrf=x&email=nobody%40x.fr&password=wrong-password&code=&next=";
        format!(
            "POST /sign-in HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: vigie_csrf=x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    })
}

#[test]
fn c28_killing_the_server_mid_traffic_leaves_the_trail_verifiable_and_jobs_resume() {
    let d = Data::new("crash");
    ok(&d.0, &["migrate"]);
    ok(
        &d.0,
        &[
            "tenant",
            "add",
            "--slug",
            "commune-a",
            "--name",
            "Commune A",
        ],
    );
    // A job held by a worker that died: its lease ends in one second.
    let url = d.db_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(vigie_store_sql::open(&url)).unwrap();
    rt.block_on(async {
        use jiff::{SignedDuration, Timestamp};
        let now = Timestamp::now();
        store
            .enqueue(
                vigie_domain::jobs::JobKind::TrailCheckpoint,
                "crashed-run",
                now,
            )
            .await
            .unwrap();
        let j = store
            .claim(
                "dead-worker",
                now,
                now + SignedDuration::from_secs(1),
                &vigie_domain::jobs::JobKind::ALL,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(j.key, "crashed-run");
    });

    let port = free_port();
    let mut child = serve(&d, port);
    wait_healthy(&d, port);
    let stop = Instant::now() + Duration::from_secs(3);
    let clients: Vec<_> = (0..4)
        .map(|_| std::thread::spawn(move || hammer(port, stop)))
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap(); // SIGKILL, mid-traffic
    child.wait().unwrap();
    let sent: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert!(sent > 0);
    let out = ok(&d.0, &["audit", "verify"]);
    assert!(out.contains("trail intact"), "{out}");

    // Restarted, the node takes the dead worker's job again and finishes it.
    let port = free_port();
    let mut child = serve(&d, port);
    wait_healthy(&d, port);
    let until = Instant::now() + Duration::from_secs(20);
    let job = loop {
        let jobs = rt
            .block_on(store.list_jobs(vigie_domain::page::Page::new(Some(1), Some(500))))
            .unwrap();
        let j = jobs
            .items
            .into_iter()
            .find(|j| j.key == "crashed-run")
            .unwrap();
        if j.state == vigie_domain::jobs::JobState::Done || Instant::now() > until {
            break j;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(job.state, vigie_domain::jobs::JobState::Done, "{job:?}");
    assert_eq!(job.attempts, 2);
    assert_ne!(job.locked_by.as_deref(), Some("dead-worker"));
    let out = ok(&d.0, &["audit", "verify"]);
    assert!(out.contains("trail intact"), "{out}");
}

#[test]
fn outbox_failed_send_is_retried_and_never_lost() {
    use std::sync::Arc;

    use jiff::{SignedDuration, Timestamp};
    use vigie::{config::EmailConfig, jobs::Worker, mail::Mailer};
    use vigie_domain::{account::Email, jobs::JobKind, page::Page};
    use vigie_store::{NewMessage, trail::TrailKey};

    let d = Data::new("outbox");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = vigie_store_sql::open(&d.db_url()).await.unwrap();
        store.migrate().await.unwrap();
        let worker = |mailer: Mailer| Worker {
            store: store.clone(),
            key: Arc::new(TrailKey::generate().unwrap()),
            mailer: Arc::new(mailer),
            hook_timeout: std::time::Duration::from_secs(3),
            vault: vigie_store::vault::Vault::new([5; 32]),
            base_url: "http://127.0.0.1:8080".into(),
            confinement: vigie_connect::Confinement::default(),
            retention: SignedDuration::from_hours(24),
            session_idle: SignedDuration::from_mins(30),
            schedules: Vec::new(),
            id: "test".into(),
            lease: vigie::jobs::LEASE,
            witness: None,
            intent_grace: SignedDuration::from_secs(60),
            escalation: Default::default(),
            own_policy: Default::default(),
            backup: None,
            backup_max_age: jiff::SignedDuration::from_hours(26),
        };
        let now = Timestamp::now();
        store
            .queue_message(
                &NewMessage {
                    tenant: None,
                    to: Email::parse("dpo@commune-a.fr").unwrap(),
                    subject: "Lien".into(),
                    body: "Bonjour".into(),
                },
                now,
            )
            .await
            .unwrap();
        // An SMTP server that refuses connections.
        let smtp = EmailConfig {
            mode: "smtp".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: free_port(),
            smtp_tls: "none".into(),
            ..EmailConfig::default()
        };
        let w = worker(Mailer::from_config(&smtp, &d.0).unwrap());
        store
            .enqueue(JobKind::OutboxDelivery, "o1", now)
            .await
            .unwrap();
        assert_eq!(w.drain().await.unwrap(), 1);
        let m = store
            .list_messages("", Page::default())
            .await
            .unwrap()
            .items
            .remove(0);
        assert_eq!((m.attempts, m.sent_at), (1, None));
        assert!(!m.last_error.is_empty(), "the reason is kept");
        assert!(
            m.next_attempt_at > Timestamp::now(),
            "retried later, with backoff"
        );
        let job = store
            .list_jobs(Page::default())
            .await
            .unwrap()
            .items
            .remove(0);
        assert!(
            job.summary.contains("0 sent, 1 to retry"),
            "{}",
            job.summary
        );

        // Time passes; the server is back (files here): the message goes.
        {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&d.db_url()).await.unwrap();
            sqlx::query("UPDATE outbox SET next_attempt_at = 0")
                .execute(&mut c)
                .await
                .unwrap();
        }
        let files = EmailConfig::default();
        let w = worker(Mailer::from_config(&files, &d.0).unwrap());
        store
            .enqueue(JobKind::OutboxDelivery, "o2", Timestamp::now())
            .await
            .unwrap();
        w.drain().await.unwrap();
        let m = store
            .list_messages("", Page::default())
            .await
            .unwrap()
            .items
            .remove(0);
        assert!(m.sent_at.is_some());
        let eml =
            std::fs::read_to_string(d.0.join("outbox").join(format!("{:08}.eml", m.id.0))).unwrap();
        assert!(
            eml.contains("To: dpo@commune-a.fr") && eml.contains("Subject: Lien"),
            "{eml}"
        );

        // A tenant's message says who writes and where answers go (issue
        // 18): its sheet's name before the platform's address, its DPO's
        // address as Reply-To.
        let t = store
            .create_tenant(
                &vigie_domain::tenant::TenantSlug::parse("commune-b").unwrap(),
                &vigie_domain::tenant::TenantName::parse("Commune B").unwrap(),
            )
            .await
            .unwrap();
        store
            .save_organisation_sheet(
                &vigie_domain::scope::TenantScope::of_system(t.id),
                &vigie_domain::organisation::OrganisationSheet {
                    legal_name: "Mairie de Saint-Amour".into(),
                    dpo_name: "Anne Martin".into(),
                    dpo_contact: "dpo@saint-amour.fr".into(),
                    ..Default::default()
                },
                "test",
                Timestamp::now(),
            )
            .await
            .unwrap();
        store
            .queue_message(
                &NewMessage {
                    tenant: Some(t.id),
                    to: Email::parse("habitant@example.org").unwrap(),
                    subject: "Votre demande".into(),
                    body: "Bonjour".into(),
                },
                Timestamp::now(),
            )
            .await
            .unwrap();
        store
            .enqueue(JobKind::OutboxDelivery, "o3", Timestamp::now())
            .await
            .unwrap();
        w.drain().await.unwrap();
        let m = store
            .list_messages("habitant@example.org", Page::default())
            .await
            .unwrap()
            .items
            .remove(0);
        let eml =
            std::fs::read_to_string(d.0.join("outbox").join(format!("{:08}.eml", m.id.0))).unwrap();
        assert!(eml.contains("Mairie de Saint-Amour via Vigie"), "{eml}");
        assert!(eml.contains("Reply-To: dpo@saint-amour.fr"), "{eml}");
    });
}

#[test]
fn c39_scan_samples_a_database_and_reports_unreadable_sources() {
    let d = Data::new("scan");
    ok(
        &d.0,
        &[
            "tenant",
            "add",
            "--slug",
            "commune-a",
            "--name",
            "Commune A",
        ],
    );
    ok(
        &d.0,
        &[
            "user",
            "add",
            "--email",
            "gestion@commune-a.fr",
            "--name",
            "Gestion A",
            "--tenant",
            "commune-a",
            "--roles",
            "user_manager",
        ],
    );
    let out = ok(&d.0, &["scan", "--database", &d.db_url(), "--sample", "50"]);
    assert!(
        out.contains("users.email (TEXT)") && out.contains("email"),
        "{out}"
    );
    assert!(!out.contains("gestion@commune-a.fr"), "values are masked");
    // Issue 19: a finding names the rows of its first matches by their
    // primary key, which a user can look up.
    let json = ok(
        &d.0,
        &[
            "scan",
            "--format",
            "json",
            "--database",
            &d.db_url(),
            "--sample",
            "50",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let email = v["reports"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["column"].as_str().unwrap().starts_with("users.email") && f["kind"] == "email")
        .unwrap_or_else(|| panic!("{v}"));
    let at = email["at"].as_array().unwrap();
    assert_eq!(
        at.len(),
        email["matched"].as_u64().unwrap() as usize,
        "{email}"
    );
    assert!(
        at.iter()
            .all(|p| p["key"].as_str().unwrap().starts_with("id=")),
        "{email}"
    );
    assert!(out.contains("first at id="), "{out}");
    let json = run(
        &d.0,
        &[
            "scan",
            "--format",
            "json",
            "--database",
            "postgres://nobody@127.0.0.1:1/x",
        ],
    );
    assert!(!json.status.success());
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        v["errors"][0].as_str().unwrap().contains("cannot connect"),
        "{v}"
    );
}

/// C15/C39: the worker picks up rights tasks and scans by their job keys,
/// as `serve` runs it.
#[test]
fn the_worker_runs_rights_tasks_and_scans() {
    use std::sync::Arc;

    use jiff::{SignedDuration, Timestamp};
    use vigie::{config::EmailConfig, jobs::Worker, mail::Mailer};
    use vigie_domain::{
        account::Email,
        rights::{Intake, RequestKind, RequestStatus, Verification},
        role::{Role, Roles},
        scope::TenantScope,
        tenant::{TenantName, TenantSlug},
    };
    use vigie_service::{
        Ctx, discovery,
        rights::{self, RequestInput},
        systems::{self, SystemInput},
    };
    use vigie_store::{trail::TrailKey, vault::Vault};

    let d = Data::new("worker-rights");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = vigie_store_sql::open(&d.db_url()).await.unwrap();
        store.migrate().await.unwrap();
        let clients = d.0.join("clients");
        std::fs::create_dir_all(&clients).unwrap();
        let app_url = format!("sqlite://{}", clients.join("app.db").display());
        std::fs::File::create(clients.join("app.db")).unwrap();
        vigie_connect::fixture::install(&app_url, 5).await.unwrap();
        let vault = Vault::new([5; 32]);
        let confinement = vigie_connect::Confinement {
            sqlite_dirs: vec![std::fs::canonicalize(&clients).unwrap()],
            ..Default::default()
        };
        let ctx = Ctx {
            store: store.as_ref(),
            vault: &vault,
            base_url: "http://127.0.0.1:8080",
            confinement: &confinement,
        };
        let t = store
            .create_tenant(
                &TenantSlug::parse("sidec").unwrap(),
                &TenantName::parse("SIDEC").unwrap(),
            )
            .await
            .unwrap();
        let scope = TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Dpo]));
        let sys = systems::create(
            ctx,
            &scope,
            &SystemInput {
                name: "Mes demandes".into(),
                url: app_url,
                dataset: vigie_connect::fixture::DATASET.into(),
            },
            "dpo",
            Timestamp::now(),
        )
        .await
        .unwrap();
        let p = vigie_connect::fixture::person(2);
        let input = RequestInput {
            kind: RequestKind::Erasure,
            name: "Yann".into(),
            email: Some(Email::parse(&p.email).unwrap()),
            phone: String::new(),
            details: String::new(),
            channels: vec![],
            rectifications: vec![],
            contact: Default::default(),
        };
        let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let r = rights::record(
            ctx,
            &scope,
            "agent",
            &input,
            Intake::Email,
            today,
            Timestamp::now(),
        )
        .await
        .unwrap();
        let r = rights::verify(
            ctx,
            &r,
            Verification::InPerson,
            rights::IdentityCheck::all(&r),
            "agent",
            Timestamp::now(),
        )
        .await
        .unwrap();
        rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
            .await
            .unwrap();
        discovery::request(ctx, &scope, sys.id, Timestamp::now())
            .await
            .unwrap();
        let w = Worker {
            store: store.clone(),
            key: Arc::new(TrailKey::generate().unwrap()),
            mailer: Arc::new(Mailer::from_config(&EmailConfig::default(), &d.0).unwrap()),
            hook_timeout: std::time::Duration::from_secs(3),
            vault: vault.clone(),
            base_url: "http://127.0.0.1:8080".into(),
            confinement: confinement.clone(),
            retention: SignedDuration::from_hours(24),
            session_idle: SignedDuration::from_mins(30),
            schedules: Vec::new(),
            id: "test".into(),
            lease: vigie::jobs::LEASE,
            witness: None,
            intent_grace: SignedDuration::from_secs(60),
            escalation: Default::default(),
            own_policy: Default::default(),
            backup: None,
            backup_max_age: jiff::SignedDuration::from_hours(26),
        };
        assert_eq!(w.drain().await.unwrap(), 2);
        let done = store
            .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap();
        assert_eq!(done.status, RequestStatus::Executed);
        let scans = store
            .scans(
                &vigie_domain::scope::TenantScope::of_provider(t.id),
                sys.id,
                5,
            )
            .await
            .unwrap();
        assert_eq!(scans[0].state, "done", "{}", scans[0].message);
        assert!(!discovery::findings(&scans[0]).is_empty());
    });
}

/// One tenant's system never answers while another tenant's email is due:
/// the worker `w` set up for it (the rights task and the outbox job queued).
async fn silent_system_and_due_email(
    d: &Data,
    connect_timeout: std::time::Duration,
) -> (std::sync::Arc<dyn vigie_store::Store>, vigie::jobs::Worker) {
    use jiff::Timestamp;
    use vigie_domain::{account::Email, jobs::JobKind, rights::RequestKind};
    use vigie_store::NewMessage;

    let port = world::silent_server();
    let store = vigie_store_sql::open(&d.db_url()).await.unwrap();
    store.migrate().await.unwrap();
    let confinement = world::local(connect_timeout);
    let url = format!("postgres://app@127.0.0.1:{port}/app");
    let (_, scope) =
        world::tenant_with_system(store.as_ref(), &confinement, "commune-a", &url).await;
    world::approved_request(
        store.as_ref(),
        &confinement,
        &scope,
        RequestKind::Access,
        "awa@exemple.fr",
    )
    .await;
    let b = store
        .create_tenant(
            &vigie_domain::tenant::TenantSlug::parse("commune-b").unwrap(),
            &vigie_domain::tenant::TenantName::parse("B").unwrap(),
        )
        .await
        .unwrap();
    store
        .queue_message(
            &NewMessage {
                tenant: Some(b.id),
                to: Email::parse("dpo@commune-b.fr").unwrap(),
                subject: "Code".into(),
                body: "123456".into(),
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    store
        .enqueue(JobKind::OutboxDelivery, "outbox-b", Timestamp::now())
        .await
        .unwrap();
    let w = world::worker(
        store.clone(),
        &d.0,
        &confinement,
        "test",
        vigie::jobs::LEASE,
    );
    (store, w)
}

/// C27/C15: a connected system whose server accepts and never answers
/// costs its task the connect timeout, no more: another tenant's email,
/// due at the same moment, still goes out in the same pass of the worker.
#[test]
fn c27_a_silent_system_does_not_hold_another_tenants_email() {
    use vigie_domain::page::Page;

    let d = Data::new("silent-system");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (store, w) = silent_system_and_due_email(&d, Duration::from_secs(2)).await;
        let started = Instant::now();
        assert_eq!(w.drain().await.unwrap(), 2);
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
        let sent = store
            .list_messages("dpo@commune-b.fr", Page::default())
            .await
            .unwrap()
            .items
            .remove(0);
        assert!(sent.sent_at.is_some(), "the other tenant's email went out");
        let jobs = store.list_jobs(Page::default()).await.unwrap().items;
        assert!(
            jobs.iter()
                .any(|j| j.summary.contains("not reachable: no answer within 2 s")),
            "{jobs:?}"
        );
    });
}

/// Issue 10 (1): mail has its own loop: a rights task waiting on a silent
/// system does not delay another tenant's email.
#[test]
fn c15_the_mail_lane_does_not_wait_for_a_slow_system() {
    use vigie_domain::page::Page;

    let d = Data::new("mail-lane");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (store, w) = silent_system_and_due_email(&d, Duration::from_secs(8)).await;
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let running = tokio::spawn(w.run_forever(shutdown));
        let started = Instant::now();
        let sent_after = loop {
            // The test's own reads may meet a busy store under load.
            if let Ok(m) = store
                .list_messages("dpo@commune-b.fr", Page::default())
                .await
                && m.items.first().is_some_and(|m| m.sent_at.is_some())
            {
                break started.elapsed();
            }
            assert!(
                started.elapsed() < Duration::from_secs(8),
                "the email waited"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        // The task is still waiting on its silent server (8 s): the mail
        // lane did not.
        assert!(sent_after < Duration::from_secs(5), "{sent_after:?}");
        let _ = stop.send(true);
        running.await.unwrap();
    });
}

/// Issue 10 (1): an SMTP server that accepts and never answers costs one
/// timeout per pass, not one per message, and the jobs behind it run.
#[test]
fn a_silent_smtp_server_does_not_stall_the_worker() {
    use std::sync::Arc;

    use jiff::{SignedDuration, Timestamp};
    use vigie::{config::EmailConfig, jobs::Worker, mail::Mailer};
    use vigie_domain::{account::Email, jobs::JobKind, page::Page};
    use vigie_store::{NewMessage, trail::TrailKey};

    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    let d = Data::new("silent-smtp");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = vigie_store_sql::open(&d.db_url()).await.unwrap();
        store.migrate().await.unwrap();
        let now = Timestamp::now();
        for i in 0..20 {
            store
                .queue_message(
                    &NewMessage {
                        tenant: None,
                        to: Email::parse(&format!("p{i}@commune-a.fr")).unwrap(),
                        subject: "Code".into(),
                        body: "123456".into(),
                    },
                    now,
                )
                .await
                .unwrap();
        }
        let smtp = EmailConfig {
            mode: "smtp".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            smtp_tls: "none".into(),
            smtp_timeout_seconds: 1,
            ..EmailConfig::default()
        };
        let w = Worker {
            store: store.clone(),
            key: Arc::new(TrailKey::generate().unwrap()),
            mailer: Arc::new(Mailer::from_config(&smtp, &d.0).unwrap()),
            hook_timeout: std::time::Duration::from_secs(3),
            vault: vigie_store::vault::Vault::new([5; 32]),
            base_url: "http://127.0.0.1:8080".into(),
            confinement: vigie_connect::Confinement::default(),
            retention: SignedDuration::from_hours(24),
            session_idle: SignedDuration::from_mins(30),
            schedules: Vec::new(),
            id: "test".into(),
            lease: vigie::jobs::LEASE,
            witness: None,
            intent_grace: SignedDuration::from_secs(60),
            escalation: Default::default(),
            own_policy: Default::default(),
            backup: None,
            backup_max_age: jiff::SignedDuration::from_hours(26),
        };
        store
            .enqueue(JobKind::OutboxDelivery, "o1", now)
            .await
            .unwrap();
        store
            .enqueue(
                JobKind::TrailCheckpoint,
                "c1",
                now + SignedDuration::from_micros(1),
            )
            .await
            .unwrap();
        let started = std::time::Instant::now();
        assert_eq!(w.drain().await.unwrap(), 2);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(6),
            "{:?}",
            started.elapsed()
        );
        let jobs = store.list_jobs(Page::default()).await.unwrap().items;
        let outbox = jobs.iter().find(|j| j.key == "o1").unwrap();
        assert!(
            outbox.summary.contains("0 sent, 1 to retry, 19 left"),
            "{}",
            outbox.summary
        );
        let unsent = store.list_messages("", Page::default()).await.unwrap();
        assert!(
            unsent.items.iter().all(|m| m.sent_at.is_none()),
            "nothing lost, nothing sent"
        );
        assert_eq!(unsent.total, 20);
    });
}

/// A minimal SMTP server that accepts every message and counts, per
/// recipient, how many it received.
fn counting_smtp() -> (
    u16,
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
) {
    use std::io::{BufRead, BufReader, Write};
    let received = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let counts = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counts = counts.clone();
            std::thread::spawn(move || {
                let mut out = stream.try_clone().unwrap();
                let mut lines = BufReader::new(stream);
                let _ = out.write_all(b"220 test ESMTP\r\n");
                let mut to = String::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("RCPT TO:") {
                        to = line[8..].trim().trim_matches(['<', '>']).to_owned();
                        b"250 OK\r\n"
                    } else if upper.starts_with("DATA") {
                        let _ = out.write_all(b"354 go\r\n");
                        loop {
                            line.clear();
                            if lines.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                        }
                        *counts.lock().unwrap().entry(to.clone()).or_insert(0) += 1;
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = out.write_all(b"221 bye\r\n");
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = out.write_all(reply);
                }
            });
        }
    });
    (port, received)
}

/// Issue 10 (3): two nodes on one PostgreSQL deliver 300 queued emails,
/// each exactly once (a message is claimed before it is sent).
#[test]
fn two_nodes_send_each_email_once() {
    use std::sync::Arc;

    use jiff::{SignedDuration, Timestamp};
    use vigie::{config::EmailConfig, jobs::Worker, mail::Mailer};
    use vigie_domain::{account::Email, jobs::JobKind};
    use vigie_store::{Jobs, NewMessage, Outbox, trail::TrailKey};

    let (port, received) = counting_smtp();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = vigie_store_sql::testing::TempPostgres::new().await;
        let now = Timestamp::now();
        for i in 0..300 {
            db.store
                .queue_message(
                    &NewMessage {
                        tenant: None,
                        to: Email::parse(&format!("p{i}@commune-a.fr")).unwrap(),
                        subject: "Code".into(),
                        body: "123456".into(),
                    },
                    now,
                )
                .await
                .unwrap();
        }
        let smtp = EmailConfig {
            mode: "smtp".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: port,
            smtp_tls: "none".into(),
            ..EmailConfig::default()
        };
        let dir = std::env::temp_dir();
        let mut nodes = Vec::new();
        for n in 0..2 {
            let store = vigie_store_sql::open(&db.url).await.unwrap();
            nodes.push(Worker {
                store,
                key: Arc::new(TrailKey::generate().unwrap()),
                mailer: Arc::new(Mailer::from_config(&smtp, &dir).unwrap()),
                hook_timeout: std::time::Duration::from_secs(3),
                vault: vigie_store::vault::Vault::new([5; 32]),
                base_url: "http://127.0.0.1:8080".into(),
                confinement: vigie_connect::Confinement::default(),
                retention: SignedDuration::from_hours(24),
                session_idle: SignedDuration::from_mins(30),
                schedules: Vec::new(),
                id: format!("node-{n}"),
                lease: vigie::jobs::LEASE,
                witness: None,
                intent_grace: SignedDuration::from_secs(60),
                escalation: Default::default(),
                own_policy: Default::default(),
                backup: None,
                backup_max_age: jiff::SignedDuration::from_hours(26),
            });
        }
        for k in 0..4 {
            db.store
                .enqueue(JobKind::OutboxDelivery, &format!("o{k}"), now)
                .await
                .unwrap();
        }
        let (a, b) = tokio::join!(nodes[0].drain(), nodes[1].drain());
        assert_eq!(a.unwrap() + b.unwrap(), 4);
        let counts = received.lock().unwrap().clone();
        assert_eq!(counts.len(), 300, "every email went out");
        let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "sent twice: {twice:?}");
    });
}

/// Issue 10 (4), C15: a task that runs past its lease (waiting on a
/// client's row lock) keeps it by renewing; another node takes nothing
/// meanwhile, and the counts recorded are the real run's.
#[test]
fn c15_a_long_task_keeps_its_lease() {
    use jiff::SignedDuration;
    use vigie_connect::{Dialect, fixture};
    use vigie_domain::rights::{RequestKind, RequestStatus};
    use vigie_store::TaskState;

    let d = Data::new("long-task");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = vigie_store_sql::open(&d.db_url()).await.unwrap();
        store.migrate().await.unwrap();
        let name = format!("vigie_long_task_{}", std::process::id());
        let url = fixture::create_database(Dialect::Postgres, &name)
            .await
            .unwrap();
        fixture::install(&url, 4).await.unwrap();
        let confinement = world::local(Duration::from_secs(10));
        let (t, scope) =
            world::tenant_with_system(store.as_ref(), &confinement, "sidec", &url).await;
        let r = world::approved_request(
            store.as_ref(),
            &confinement,
            &scope,
            RequestKind::Erasure,
            &fixture::person(2).email,
        )
        .await;
        // The client's application holds the person's row for 4 s.
        let mut locker = world::lock_contact(&url, 2).await;
        let node = |n: u32| {
            world::worker(
                store.clone(),
                &d.0,
                &confinement,
                &format!("node-{n}"),
                SignedDuration::from_secs(1),
            )
        };
        let (a, b) = (node(1), node(2));
        let first = tokio::spawn(async move { a.drain().await.unwrap() });
        let mut taken_by_b = 0;
        for _ in 0..12 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            taken_by_b += b.drain().await.unwrap();
        }
        locker.rollback().await.unwrap();
        locker.close().await;
        assert_eq!(first.await.unwrap(), 1);
        assert_eq!(taken_by_b, 0, "the running task's lease was renewed");
        let task = store
            .tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(task.state, TaskState::Done);
        assert!(task.found > 0 && task.changed > 0, "{task:?}");
        assert_eq!(task.attempts, 1);
        assert_eq!(
            store
                .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
                .await
                .unwrap()
                .status,
            RequestStatus::Executed
        );
        fixture::drop_database(Dialect::Postgres, &name, &url)
            .await
            .unwrap();
    });
}

/// Issue 10 (10), C15: `serve` killed (SIGKILL) while a rights task waits
/// on a client's row lock; restarted under the same node name, it takes the
/// task back at once — not after the 5-minute lease — and the request is
/// executed once.
#[test]
fn c15_a_restarted_node_takes_back_its_interrupted_task_at_once() {
    use vigie_connect::{Dialect, fixture};
    use vigie_domain::{
        jobs::JobState,
        page::Page,
        rights::{RequestKind, RequestStatus},
    };

    let d = Data::new("restart-node");
    ok(&d.0, &["migrate"]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(vigie_store_sql::open(&d.db_url())).unwrap();
    let name = format!("vigie_restart_{}", std::process::id());
    let (url, t, r, mut locker) = rt.block_on(async {
        let url = fixture::create_database(Dialect::Postgres, &name)
            .await
            .unwrap();
        fixture::install(&url, 4).await.unwrap();
        let confinement = world::local(Duration::from_secs(10));
        let (t, scope) =
            world::tenant_with_system(store.as_ref(), &confinement, "sidec", &url).await;
        let r = world::approved_request(
            store.as_ref(),
            &confinement,
            &scope,
            RequestKind::Erasure,
            &fixture::person(2).email,
        )
        .await;
        // The client's application holds the person's row.
        let locker = world::lock_contact(&url, 2).await;
        (url, t, r, locker)
    });
    let node = |d: &Data, port: u16| {
        vigie(&d.0, &["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("VIGIE_DATA_KEY", hex::encode(world::KEY))
            .env("VIGIE_JOBS__NODE_NAME", "node-a")
            .env("VIGIE_CONNECT__HOSTS", "[\"127.0.0.1:*\"]")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let rights_job = || {
        rt.block_on(store.list_jobs(Page::new(Some(1), Some(500))))
            .unwrap()
            .items
            .into_iter()
            .find(|j| j.key.starts_with("rights_task:"))
            .unwrap()
    };
    let port = free_port();
    let mut child = node(&d, port);
    wait_healthy(&d, port);
    let until = Instant::now() + Duration::from_secs(20);
    while rights_job().state != JobState::Running {
        assert!(Instant::now() < until, "the task never started");
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap(); // SIGKILL while the task waits on the lock
    child.wait().unwrap();
    rt.block_on(async {
        locker.rollback().await.unwrap();
        locker.close().await;
    });
    let port = free_port();
    let started = Instant::now();
    let mut child = node(&d, port);
    wait_healthy(&d, port);
    let until = Instant::now() + Duration::from_secs(40);
    let status = loop {
        let status = rt
            .block_on(store.request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id))
            .unwrap()
            .status;
        if status == RequestStatus::Executed || Instant::now() > until {
            break status;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        status,
        RequestStatus::Executed,
        "taken back within {:?}",
        started.elapsed()
    );
    let job = rights_job();
    assert_eq!((job.state, job.attempts), (JobState::Done, 2), "{job:?}");
    let task = rt
        .block_on(store.tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id))
        .unwrap()
        .remove(0);
    assert!(task.found > 0 && task.changed > 0, "{task:?}");
    rt.block_on(fixture::drop_database(Dialect::Postgres, &name, &url))
        .unwrap();
}

/// Issue 10 (6), C28: `audit verify` compares with the head and with the
/// checkpoints kept outside the database — a tail cut after the last
/// checkpoint, a cut through it with the head and checkpoints reset, and a
/// wiped trail are each reported broken.
#[test]
fn c28_audit_verify_sees_a_cut_tail_and_a_wiped_trail() {
    let d = Data::new("verify-cut");
    ok(&d.0, &["migrate"]);
    for slug in ["commune-a", "commune-b"] {
        ok(&d.0, &["tenant", "add", "--slug", slug, "--name", slug]);
    }
    let out = ok(&d.0, &["audit", "checkpoint"]);
    assert!(out.contains("checkpoint signed"), "{out}");
    for slug in ["commune-c", "commune-d"] {
        ok(&d.0, &["tenant", "add", "--slug", slug, "--name", slug]);
    }
    let out = ok(&d.0, &["audit", "verify"]);
    assert!(out.contains("trail intact"), "{out}");
    assert!(
        out.contains("1 checkpoint copies outside the database match"),
        "{out}"
    );
    assert!(
        out.contains("2 records after the last signed checkpoint"),
        "{out}"
    );

    let broken = |what: &str| {
        let o = run(&d.0, &["audit", "verify"]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!o.status.success(), "{what}: {text}");
        assert!(text.contains("TRAIL BROKEN"), "{what}: {text}");
        text
    };
    // 1. The records after the last checkpoint are cut; the head still
    //    names the last one.
    sql(
        &d,
        "DELETE FROM audit_log WHERE seq > (SELECT MAX(seq) FROM audit_checkpoints)",
    );
    let text = broken("tail cut");
    assert!(text.contains("head names record"), "{text}");
    // 2. Cut through the checkpoint too, its row deleted, the head reset.
    sql(
        &d,
        "DELETE FROM audit_log WHERE seq >= (SELECT MAX(seq) FROM audit_checkpoints)",
    );
    sql(&d, "DELETE FROM audit_checkpoints");
    sql(
        &d,
        "UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_log), \
         hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) WHERE id = 1",
    );
    let text = broken("cut with the head and checkpoints");
    assert!(text.contains("outside the database"), "{text}");
    // 3. Everything wiped.
    sql(&d, "DELETE FROM audit_log");
    sql(
        &d,
        "UPDATE audit_head SET seq = 0, hash = zeroblob(32) WHERE id = 1",
    );
    let text = broken("wiped");
    assert!(text.contains("beyond the trail's end"), "{text}");
}

/// Issue 10 (5): the disk fills under SQLite (a file-size limit on the
/// running server: every write fails, reads work), then space returns —
/// the service answers again by itself, without a restart.
#[test]
fn the_service_recovers_by_itself_when_the_disk_has_room_again() {
    let d = Data::new("disk-full");
    ok(&d.0, &["migrate"]);
    let port = free_port();
    // Writes past the limit fail with EFBIG instead of killing the process.
    let mut child = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; exec \"$@\"")
        .arg("vigie")
        .arg(env!("CARGO_BIN_EXE_vigie"))
        .arg("--data-dir")
        .arg(&d.0)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(&d, port);
    let health = || {
        run(
            &d.0,
            &["healthcheck", "--address", &format!("127.0.0.1:{port}")],
        )
        .status
        .success()
    };
    let limit = |value: &str| {
        let s = Command::new("prlimit")
            .args([
                "--pid",
                &child.id().to_string(),
                &format!("--fsize={value}"),
            ])
            .status()
            .unwrap();
        assert!(s.success(), "prlimit");
    };
    limit("1:unlimited");
    let until = Instant::now() + Duration::from_secs(10);
    while health() {
        assert!(Instant::now() < until, "a full disk must show in /healthz");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A few more requests meet the full disk.
    for _ in 0..5 {
        assert!(!health());
    }
    limit("unlimited:unlimited");
    let until = Instant::now() + Duration::from_secs(15);
    while !health() {
        assert!(
            Instant::now() < until,
            "the service must recover once the disk has room again"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Issue 10, end to end: 1,000 queued emails and 200 rights tasks over two
/// `serve` nodes on one PostgreSQL, one node killed (SIGKILL) twice and
/// restarted under its name. Every email goes out, at most one resend per
/// kill; every task is done once; no request is left executing. The
/// figures are printed for the closing note.
#[test]
fn c15_two_nodes_one_killed_twice_lose_nothing_and_do_nothing_twice() {
    use jiff::Timestamp;
    use vigie_connect::{Dialect, fixture};
    use vigie_domain::{
        account::Email,
        rights::{RequestKind, RequestStatus},
    };
    use vigie_store::NewMessage;

    const MAILS: usize = 1000;
    const TASKS: i64 = 200;
    let (smtp_port, received) = counting_smtp();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = rt.block_on(vigie_store_sql::testing::TempPostgres::new());
    let store: std::sync::Arc<dyn vigie_store::Store> = db.store.clone();
    let name = format!("vigie_two_nodes_{}", std::process::id());
    let (url, tenant, requests) = rt.block_on(async {
        let url = fixture::create_database(Dialect::Postgres, &name)
            .await
            .unwrap();
        fixture::install(&url, TASKS).await.unwrap();
        let confinement = world::local(Duration::from_secs(10));
        let (t, scope) =
            world::tenant_with_system(store.as_ref(), &confinement, "sidec", &url).await;
        let mut requests = Vec::new();
        for person in 1..=TASKS {
            let r = world::approved_request(
                store.as_ref(),
                &confinement,
                &scope,
                RequestKind::Restriction,
                &fixture::person(person).email,
            )
            .await;
            requests.push(r.id);
        }
        for i in 0..MAILS {
            store
                .queue_message(
                    &NewMessage {
                        tenant: None,
                        to: Email::parse(&format!("m{i}@charge.example")).unwrap(),
                        subject: "Code".into(),
                        body: "123456".into(),
                    },
                    Timestamp::now(),
                )
                .await
                .unwrap();
        }
        (url, t, requests)
    });
    let dirs = [Data::new("two-nodes-a"), Data::new("two-nodes-b")];
    let node = |i: usize| {
        let port = free_port();
        let child = vigie(
            &dirs[i].0,
            &["serve", "--listen", &format!("127.0.0.1:{port}")],
        )
        .env("VIGIE_DATABASE_URL", &db.url)
        .env("VIGIE_DATA_KEY", hex::encode(world::KEY))
        .env("VIGIE_JOBS__NODE_NAME", format!("node-{i}"))
        .env("VIGIE_CONNECT__HOSTS", "[\"127.0.0.1:*\"]")
        .env("VIGIE_EMAIL__MODE", "smtp")
        .env("VIGIE_EMAIL__SMTP_HOST", "127.0.0.1")
        .env("VIGIE_EMAIL__SMTP_PORT", smtp_port.to_string())
        .env("VIGIE_EMAIL__SMTP_TLS", "none")
        .env("VIGIE_EMAIL__DELIVERY_SCHEDULE", "* * * * * *")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        wait_healthy(&dirs[i], port);
        child
    };
    let started = Instant::now();
    let mut a = node(0);
    let mut b = node(1);
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(1500));
        a.kill().unwrap(); // SIGKILL, mid-work
        a.wait().unwrap();
        a = node(0);
    }
    let until = Instant::now() + Duration::from_secs(180);
    let (sent, done) = loop {
        let sent = received
            .lock()
            .unwrap()
            .keys()
            .filter(|k| k.ends_with("@charge.example"))
            .count();
        let done = requests
            .iter()
            .filter(|id| {
                rt.block_on(store.request(
                    &vigie_domain::scope::TenantScope::of_provider(tenant.id),
                    **id,
                ))
                .unwrap()
                .status
                    == RequestStatus::Executed
            })
            .count();
        if (sent == MAILS && done == requests.len()) || Instant::now() > until {
            break (sent, done);
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    for c in [&mut a, &mut b] {
        c.kill().unwrap();
        c.wait().unwrap();
    }
    let counts = received.lock().unwrap().clone();
    let twice = counts
        .iter()
        .filter(|(k, n)| k.ends_with("@charge.example") && **n > 1)
        .count();
    let mut done_twice = 0;
    for id in &requests {
        let events = rt
            .block_on(store.events(
                &vigie_domain::scope::TenantScope::of_provider(tenant.id),
                *id,
            ))
            .unwrap();
        if events.iter().filter(|e| e.step == "task_done").count() > 1 {
            done_twice += 1;
        }
    }
    let stuck = requests.len() - done;
    println!(
        "two nodes, one killed twice, {:.1} s: mails sent {sent}/{MAILS}, sent twice {twice}; tasks done {done}/{TASKS}, done twice {done_twice}; requests stuck {stuck}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(sent, MAILS, "no email lost");
    assert!(twice <= 2, "at most one resend per kill: {twice}");
    assert_eq!(done_twice, 0);
    assert_eq!(stuck, 0);
    rt.block_on(fixture::drop_database(Dialect::Postgres, &name, &url))
        .unwrap();
}

/// Creates activities through the API until `stop`; returns how many
/// requests were answered.
fn create_activities(port: u16, secret: &str, stop: Instant) -> usize {
    send_until(port, stop, |n| {
        let body = format!(r#"{{"activity": {{"name": "Fiche {n}"}}}}"#);
        format!(
            "POST /api/v1/register HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer {secret}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    })
}

/// C28 (issue 10, item 8): a server killed while writing never leaves a
/// write without a trail record. Every activity in the database has its
/// `api.register.create` record, or its request was noted before it acted
/// and is recorded as interrupted once the restarted node sees the note
/// is older than the request timeout. Two kills under four writers.
#[test]
fn c28_a_write_killed_before_its_record_is_still_traced() {
    use jiff::Timestamp;
    use vigie_domain::{
        audit::Outcome,
        page::Page,
        role::{Role, Roles},
        scope::TenantScope,
        tenant::TenantSlug,
    };
    use vigie_store::NewApiToken;

    let d = Data::new("intents");
    ok(&d.0, &["migrate"]);
    ok(
        &d.0,
        &[
            "tenant",
            "add",
            "--slug",
            "commune-a",
            "--name",
            "Commune A",
        ],
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(vigie_store_sql::open(&d.db_url())).unwrap();
    let secret = "vigie_test_writer_token_0123456789";
    rt.block_on(async {
        let t = store
            .tenant_by_slug(&TenantSlug::parse("commune-a").unwrap())
            .await
            .unwrap();
        let scope = TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Dpo]));
        store
            .create_token(
                &scope,
                &NewApiToken {
                    name: "writer".into(),
                    role: Role::Dpo,
                    token_hash: vigie_service::token_hash(secret),
                    expires_at: Timestamp::now() + jiff::SignedDuration::from_hours(1),
                    created_by: None,
                    created_at: Timestamp::now(),
                },
            )
            .await
            .unwrap();
    });
    let serve_fast = |port: u16| {
        vigie(&d.0, &["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("VIGIE_REQUEST_TIMEOUT_SECONDS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut answered = 0;
    for _ in 0..2 {
        let port = free_port();
        let mut child = serve_fast(port);
        wait_healthy(&d, port);
        let stop = Instant::now() + Duration::from_secs(3);
        let writers: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(move || create_activities(port, secret, stop)))
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        child.kill().unwrap(); // SIGKILL, mid-write
        child.wait().unwrap();
        answered += writers
            .into_iter()
            .map(|w| w.join().unwrap())
            .sum::<usize>();
    }
    assert!(answered > 20, "{answered} requests");

    // Restarted, the node records what the killed ones left noted.
    let port = free_port();
    let mut child = serve_fast(port);
    wait_healthy(&d, port);
    let far = Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let until = Instant::now() + Duration::from_secs(60);
    while !rt
        .block_on(store.intents_before(far, 1))
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < until, "notes left unsettled");
        std::thread::sleep(Duration::from_millis(250));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let records = rt.block_on(store.records_after(0, 1_000_000)).unwrap();
    let traced: std::collections::BTreeSet<String> = records
        .iter()
        .filter(|r| r.event.action == "api.register.create")
        .map(|r| r.event.object.clone())
        .collect();
    let interrupted = records
        .iter()
        .filter(|r| r.event.outcome == Outcome::Interrupted)
        .inspect(|r| {
            assert_eq!(r.event.object, "POST /api/v1/register");
            assert_eq!(r.event.actor.label, "token:1:writer");
        })
        .count();
    let t = rt
        .block_on(store.tenant_by_slug(&TenantSlug::parse("commune-a").unwrap()))
        .unwrap();
    let scope = TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Dpo]));
    let activities = rt
        .block_on(store.activities(
            &scope,
            &Default::default(),
            Page::new(Some(1), Some(100_000)),
        ))
        .unwrap();
    let untraced = activities
        .items
        .iter()
        .filter(|a| !traced.contains(&format!("activity:{}", a.id)))
        .count();
    eprintln!(
        "{} activities, {untraced} without their own record, {interrupted} requests recorded as interrupted",
        activities.total
    );
    assert!(activities.total > 20, "{} activities", activities.total);
    // Killed mid-traffic, requests were in flight: their notes became
    // records, and they cover every write that lost its own record.
    assert!(interrupted >= 1, "no request recorded as interrupted");
    assert!(
        untraced <= interrupted,
        "{untraced} activities without a record, {interrupted} interrupted requests recorded"
    );
    let out = ok(&d.0, &["audit", "verify"]);
    assert!(out.contains("trail intact"), "{out}");
}

/// C22 (issue 14): `vigie retention run` killed (SIGKILL) twice in the
/// middle of a sweep on a PostgreSQL application database, then run to its
/// end: every expired contact anonymised exactly once (a second pass would
/// hash the hash), every other one byte-identical, one signed report
/// counting each row once.
#[test]
fn c22_a_sweep_killed_twice_resumes_without_touching_a_row_twice() {
    use vigie_connect::{Conn, Dialect, Sql, fixture, mask};
    use vigie_service::retention::{RuleInput, SignedReport};

    let d = Data::new("sweep-kill");
    ok(&d.0, &["migrate"]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(vigie_store_sql::open(&d.db_url())).unwrap();
    let name = format!("vigie_sweep_kill_{}", std::process::id());
    let read = |url: &str| {
        let url = url.to_owned();
        rt.block_on(async move {
            let mut c = Conn::open(&url).await.unwrap();
            let mut q = Sql::new(Dialect::Postgres);
            q.push("SELECT id::text, email, (derniere_activite < DATE '2021-01-01')::text FROM contacts ORDER BY id");
            let rows = c.rows(&q).await.unwrap();
            c.close().await;
            rows
        })
    };
    let (url, t) = rt.block_on(async {
        let url = fixture::create_database(Dialect::Postgres, &name)
            .await
            .unwrap();
        fixture::install(&url, 1200).await.unwrap();
        let mut c = Conn::open(&url).await.unwrap();
        c.run(
            "ALTER TABLE contacts ADD COLUMN derniere_activite DATE; \
             UPDATE contacts SET derniere_activite = CASE WHEN id % 3 = 0 THEN DATE '2026-11-01' ELSE DATE '2020-06-01' END",
        )
        .await
        .unwrap();
        c.close().await;
        let confinement = world::local(Duration::from_secs(10));
        let (t, scope) =
            world::tenant_with_system(store.as_ref(), &confinement, "sidec", &url).await;
        let system = store.all_systems(&scope).await.unwrap().remove(0);
        vigie_service::retention::create_rule(
            world::ctx(store.as_ref(), &confinement),
            &scope,
            &RuleInput {
                system: system.id.0,
                label: "Contacts inactifs".into(),
                table: "contacts".into(),
                trigger_column: "derniere_activite".into(),
                amount: "3".into(),
                unit: "years".into(),
                action: "anonymise".into(),
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
        (url, t)
    });
    let before = read(&url);
    let expired = before
        .iter()
        .filter(|r| r[2].as_deref() == Some("true"))
        .count();
    assert_eq!(expired, 800);
    let sweep = || {
        let mut c = vigie(
            &d.0,
            &["retention", "run", "--tenant", "sidec", "--batch", "20"],
        );
        c.env("VIGIE_DATA_KEY", hex::encode(world::KEY))
            .env("VIGIE_CONNECT__HOSTS", "[\"127.0.0.1:*\"]")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        c
    };
    let changed_so_far = || {
        rt.block_on(async {
            let scope = vigie_domain::scope::TenantScope::of_provider(t.id);
            match store.running_run(&scope).await.unwrap() {
                Some(run) => {
                    let rules = store.rules(&scope).await.unwrap();
                    store.progress(run.id, rules[0].id).await.unwrap().changed
                }
                None => 0,
            }
        })
    };
    // Killed twice, each time after more batches are committed.
    let mut last = 0;
    for _ in 0..2 {
        let mut child = sweep().spawn().unwrap();
        let until = Instant::now() + Duration::from_secs(30);
        while changed_so_far() <= last + 40 {
            assert!(Instant::now() < until, "the sweep never moved");
            assert!(
                child.try_wait().unwrap().is_none(),
                "the sweep ended before the kill"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL, mid-sweep
        child.wait().unwrap();
        last = changed_so_far();
        assert!(
            last > 0 && (last as usize) < expired,
            "killed mid-way: {last}"
        );
    }
    let out = sweep().output().unwrap();
    assert!(out.status.success());
    let report: SignedReport = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report.report.rules[0].changed, expired as i64,
        "each row counted once"
    );
    let file = d.0.join("report.json");
    std::fs::write(&file, &out.stdout).unwrap();
    ok(&d.0, &["retention", "verify", file.to_str().unwrap()]);
    // Row by row: hashed once, the others untouched.
    let key = world::vault().masking_key(t.id);
    let after = read(&url);
    for (b, a) in before.iter().zip(&after) {
        if b[2].as_deref() == Some("true") {
            assert_eq!(
                a[1].as_deref(),
                Some(mask::keyed_hash(&key, b[1].as_deref().unwrap()).as_str()),
                "contact {:?}",
                b[0]
            );
        } else {
            assert_eq!(a, b);
        }
    }
    rt.block_on(fixture::drop_database(Dialect::Postgres, &name, &url))
        .unwrap();
}

/// C24: a certificate of destruction, as the provider downloads it, is
/// checked by `vigie retention verify` like a sweep's report; a changed
/// one is refused.
#[test]
fn c24_a_certificate_of_destruction_verifies_and_a_changed_one_does_not() {
    let d = Data::new("certificate");
    ok(&d.0, &["migrate"]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(vigie_store_sql::open(&d.db_url())).unwrap();
    let key = vigie_store::trail::TrailKey::generate().unwrap();
    let cert = rt.block_on(async {
        let t = store
            .create_tenant(
                &vigie_domain::tenant::TenantSlug::parse("commune-fin").unwrap(),
                &vigie_domain::tenant::TenantName::parse("Commune de Fin").unwrap(),
            )
            .await
            .unwrap();
        let confinement = world::local(Duration::from_secs(2));
        let ctx = world::ctx(store.as_ref(), &confinement);
        vigie_service::reversibility::start_ending(ctx, &t, 0, "Admin", jiff::Timestamp::now())
            .await
            .unwrap();
        let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
        vigie_service::reversibility::destroy_due(ctx, jiff::Timestamp::now(), &sign)
            .await
            .unwrap()
            .remove(0)
    });
    let (signature, public_key) = cert.signature.split_once(':').unwrap();
    let file = |name: &str, text: &str| {
        let body = serde_json::json!({
            "certificate": serde_json::from_str::<serde_json::Value>(text).unwrap(),
            "signed_text": text, "signature": signature, "public_key": public_key,
        });
        let path = d.0.join(name);
        std::fs::write(&path, body.to_string()).unwrap();
        path
    };
    let good = file("certificat.json", &cert.certificate);
    let out = ok(
        &d.0,
        &[
            "retention",
            "verify",
            good.to_str().unwrap(),
            "--public-key",
            &key.public_hex(),
        ],
    );
    assert!(out.contains("Commune de Fin"), "{out}");
    let changed = file(
        "certificat-change.json",
        &cert.certificate.replace("commune-fin", "commune-autre"),
    );
    let refused = run(&d.0, &["retention", "verify", changed.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not hold"));
}

/// Issue 20: API tokens from the command line (scripts, contract tests),
/// with the page's rules: a role the account holds in the tenant, a name,
/// an expiry; the secret printed once, only its hash kept, the trail told.
#[test]
fn c25_tokens_are_created_from_the_cli_within_the_accounts_roles() {
    let d = Data::new("token-cli");
    ok(&d.0, &["migrate"]);
    ok(
        &d.0,
        &[
            "tenant",
            "add",
            "--slug",
            "commune-a",
            "--name",
            "Commune A",
        ],
    );
    ok(
        &d.0,
        &[
            "user",
            "add",
            "--email",
            "agent@commune-a.fr",
            "--name",
            "Agent",
            "--tenant",
            "commune-a",
            "--roles",
            "agent",
        ],
    );
    let args = |role: &'static str, name: &'static str, days: &'static str| {
        vec![
            "token",
            "create",
            "--tenant",
            "commune-a",
            "--for",
            "agent@commune-a.fr",
            "--role",
            role,
            "--name",
            name,
            "--days",
            days,
        ]
    };
    let secret = ok(&d.0, &args("agent", "contrat", "30")).trim().to_owned();
    assert!(
        secret.starts_with("vigie_") && secret.len() > 40,
        "{secret}"
    );
    for (bad, why) in [
        (args("dpo", "contrat", "30"), "does not hold the role dpo"),
        (args("agent", "", "30"), "--name"),
        (args("agent", "contrat", "400"), "--days"),
    ] {
        let o = run(&d.0, &bad);
        assert!(!o.status.success());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(why), "{bad:?}: {err}");
    }
    // A provider token only for a platform administrator.
    let provider = |account: &'static str| {
        vec![
            "token",
            "provider",
            "--for",
            account,
            "--name",
            "supervision",
        ]
    };
    let o = run(&d.0, &provider("agent@commune-a.fr"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an active platform administrator"));
    ok(
        &d.0,
        &[
            "user",
            "add",
            "--email",
            "admin@hebergeur.fr",
            "--name",
            "Admin",
            "--provider-admin",
        ],
    );
    let provider_secret = ok(&d.0, &provider("admin@hebergeur.fr")).trim().to_owned();
    assert!(provider_secret.starts_with("vigie_"), "{provider_secret}");
    // A disabled account gets none.
    ok(&d.0, &["user", "disable", "--email", "agent@commune-a.fr"]);
    let o = run(&d.0, &args("agent", "contrat", "30"));
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("is disabled"));
    let url = d.db_url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (hashes, traced): (Vec<String>, i64) = rt.block_on(async move {
        use sqlx::{Connection, Row};
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let rows = sqlx::query("SELECT token_hash FROM api_tokens")
            .fetch_all(&mut c)
            .await
            .unwrap();
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('token.create', 'provider_token.create')",
        )
            .fetch_one(&mut c)
            .await
            .unwrap()
            .get(0);
        (rows.iter().map(|r| r.get::<String, _>(0)).collect(), n)
    });
    assert_eq!(
        hashes,
        [vigie_service::token_hash(&secret)],
        "only the hash is kept"
    );
    assert_eq!(traced, 2);
}
