//! Service benchmarks (`cargo bench -p vigie --bench service`): sign-in,
//! authenticated pages and API calls per second over real HTTP on loopback,
//! trail appends under concurrency, and `audit verify` on 1 million records,
//! on SQLite and on PostgreSQL, and a 2,000-activity register (list,
//! filter, CSV export, public policy, printed as PDF and ODT), consent
//! choices. `VIGIE_BENCH=http,trail,verify,register,consent` picks parts;
//! `VIGIE_BENCH_SECONDS` sets each HTTP run's length (default 5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use jiff::{SignedDuration, Timestamp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vigie_domain::{
    account::{DisplayName, Email},
    audit::{Actor, AuditEvent, Outcome},
    role::{Role, Roles},
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
};
use vigie_store::{NewApiToken, NewUser, Store, trail};
use vigie_store_sql::testing::{TempPostgres, TempSqlite};
use vigie_web::{AppState, Argon2Settings, PasswordHasher, WebSettings};

const PASSWORD: &str = "Tournesol-Brume-2026";

fn seconds() -> Duration {
    Duration::from_secs(
        std::env::var("VIGIE_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(5),
    )
}

fn wanted(part: &str) -> bool {
    std::env::var("VIGIE_BENCH").map_or(true, |v| v.split(',').any(|p| p == part))
}

/// Reads one HTTP/1.1 response; returns its status.
async fn read_response(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> u16 {
    buf.clear();
    let mut chunk = [0u8; 16384];
    let head_end = loop {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
    let status: u16 = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed");
        buf.extend_from_slice(&chunk[..n]);
    }
    status
}

/// Sends the same request on `conns` keep-alive connections for a while;
/// returns requests per second. Any unexpected status fails the bench.
async fn load(addr: SocketAddr, request: String, expect: u16, conns: usize) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + seconds();
    let req = Arc::new(request.into_bytes());
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (done, req) = (done.clone(), req.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.set_nodelay(true).unwrap();
            let mut buf = Vec::new();
            while Instant::now() < until {
                s.write_all(&req).await.unwrap();
                let status = read_response(&mut s, &mut buf).await;
                assert_eq!(status, expect, "{}", String::from_utf8_lossy(&buf));
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let start = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

struct Seeded {
    tenant: String,
    session: String,
    token: String,
}

async fn seed(store: &Arc<dyn Store>, hasher: &PasswordHasher) -> Seeded {
    let t = store
        .create_tenant(
            &TenantSlug::parse("commune-bench").unwrap(),
            &TenantName::parse("Commune").unwrap(),
        )
        .await
        .unwrap();
    let u = store
        .create_user(&NewUser {
            email: Email::parse("dpo@bench.fr").unwrap(),
            name: DisplayName::parse("Personne Bench").unwrap(),
            password_hash: hasher.hash(PASSWORD).await.unwrap(),
            is_provider_admin: false,
            locale: "fr".into(),
            time_zone: "Europe/Paris".into(),
        })
        .await
        .unwrap();
    store
        .set_roles(
            &vigie_domain::scope::TenantScope::of_provider(t.id),
            u.id,
            &Roles::new(vec![Role::Dpo]),
        )
        .await
        .unwrap();
    for i in 0..40 {
        let p = store
            .create_user(&NewUser {
                email: Email::parse(&format!("agent{i}@bench.fr")).unwrap(),
                name: DisplayName::parse(&format!("Agent {i}")).unwrap(),
                password_hash: "!".into(),
                is_provider_admin: false,
                locale: "fr".into(),
                time_zone: "Europe/Paris".into(),
            })
            .await
            .unwrap();
        store
            .set_roles(
                &vigie_domain::scope::TenantScope::of_provider(t.id),
                p.id,
                &Roles::new(vec![Role::Agent]),
            )
            .await
            .unwrap();
    }
    let session = "b".repeat(64);
    store
        .create_session(&vigie_store::NewSession {
            token_hash: blake3::hash(session.as_bytes()).to_hex().to_string(),
            user: u.id,
            created_at: Timestamp::now(),
            ip: "127.0.0.1".into(),
            user_agent: "bench".into(),
        })
        .await
        .unwrap();
    let token = format!("vigie_{}", "c".repeat(64));
    let scope =
        TenantScope::from_verified_membership(t.id, Some(u.id), Roles::new(vec![Role::Dpo]));
    store
        .create_token(
            &scope,
            &NewApiToken {
                name: "bench".into(),
                role: Role::Dpo,
                token_hash: blake3::hash(token.as_bytes()).to_hex().to_string(),
                expires_at: Timestamp::now() + SignedDuration::from_hours(24),
                created_by: Some(u.id),
                created_at: Timestamp::now(),
            },
        )
        .await
        .unwrap();
    Seeded {
        tenant: t.slug.to_string(),
        session,
        token,
    }
}

async fn http(name: &str, store: Arc<dyn Store>) {
    let hasher = PasswordHasher::new(Argon2Settings::default()).unwrap();
    let s = seed(&store, &hasher).await;
    let state = AppState::new(
        store.clone(),
        WebSettings::default(),
        hasher,
        vigie_store::vault::Vault::new([9; 32]),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = vigie_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // Sign-in needs a CSRF cookie and field that match (double submit).
    let body = format!("csrf=x&email=dpo%40bench.fr&password={PASSWORD}&code=&next=");
    let sign_in = format!(
        "POST /sign-in HTTP/1.1\r\nHost: b\r\nCookie: vigie_csrf=x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let rps = load(addr, sign_in, 303, 4).await;
    println!("{name:<9} sign-in (argon2id 19 MiB, t=2)          {rps:>9.0} req/s");
    let page = format!(
        "GET /t/{}/users HTTP/1.1\r\nHost: b\r\nCookie: vigie_session={}\r\n\r\n",
        s.tenant, s.session
    );
    let rps = load(addr, page, 200, 16).await;
    println!("{name:<9} page /t/…/users (41 people, traced)     {rps:>9.0} req/s");
    let api = format!(
        "GET /api/v1/members HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {}\r\n\r\n",
        s.token
    );
    let rps = load(addr, api, 200, 16).await;
    println!("{name:<9} API /api/v1/members (traced)            {rps:>9.0} req/s");
    // A write: noted before it acts, the note removed with its record.
    let body = r#"{"activity": {"name": "Fiche du banc d'essai"}}"#;
    let create = format!(
        "POST /api/v1/register HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        s.token,
        body.len()
    );
    let rps = load(addr, create, 201, 16).await;
    println!("{name:<9} API POST /api/v1/register (noted, traced) {rps:>7.0} req/s");
}

/// A 2,000-activity register: the list page, a filtered list, the CSV
/// export, the public policy page, the register printed and the annual
/// DPO report built from it, over HTTP.
async fn register(name: &str, store: Arc<dyn Store>) {
    let hasher = PasswordHasher::new(Argon2Settings::default()).unwrap();
    let s = seed(&store, &hasher).await;
    let tenant = store
        .tenant_by_slug(&TenantSlug::parse(&s.tenant).unwrap())
        .await
        .unwrap();
    let scope = TenantScope::from_verified_membership(tenant.id, None, Roles::new(vec![Role::Dpo]));
    let models = vigie::demo_register::cis_valley();
    let start = Instant::now();
    for i in 0..2000 {
        let (mut body, status) = models[i % models.len()].clone();
        body.name = format!("{} n°{i}", body.name);
        // What the seed publishes is on the public policy, as in the demo.
        body.published = status != vigie_domain::register::ActivityStatus::Draft;
        store
            .create_activity(
                &scope,
                &vigie_store::ActivityChange {
                    status,
                    body,
                    author: "bench".into(),
                    reason: "création".into(),
                    at: Timestamp::now(),
                },
            )
            .await
            .unwrap();
    }
    let fill = start.elapsed().as_secs_f64();
    let state = AppState::new(
        store.clone(),
        WebSettings::default(),
        hasher,
        vigie_store::vault::Vault::new([9; 32]),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = vigie_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let get = |path: String| {
        format!(
            "GET {path} HTTP/1.1\r\nHost: b\r\nCookie: vigie_session={}\r\n\r\n",
            s.session
        )
    };
    println!("{name:<9} register: 2,000 activities created in {fill:.1} s");
    for (what, path) in [
        ("list, first page", format!("/t/{}/registre", s.tenant)),
        (
            "list, search + sensitive",
            format!("/t/{}/registre?q=maintenance&sensitive=on", s.tenant),
        ),
        (
            "CSV export (2,000)",
            format!("/t/{}/registre/export.csv", s.tenant),
        ),
        (
            "public policy (2,000)",
            format!("/p/{}/confidentialite", s.tenant),
        ),
        (
            "printed, PDF (2,000)",
            format!("/t/{}/registre/export.pdf", s.tenant),
        ),
        (
            "printed, ODT (2,000)",
            format!("/t/{}/registre/export.odt", s.tenant),
        ),
        (
            "annual DPO report, PDF",
            format!(
                "/t/{}/rapport-annuel/{}/pdf",
                s.tenant,
                Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).year()
            ),
        ),
    ] {
        let rps = load(addr, get(path), 200, 4).await;
        println!(
            "{name:<9} register {what:<27} {rps:>9.1} req/s ({:.1} ms each)",
            1000.0 / rps * 4.0
        );
    }
}

fn event(i: u64) -> AuditEvent {
    AuditEvent {
        actor: Actor {
            user: Some(vigie_domain::UserId(1)),
            label: "dpo@bench.fr".into(),
        },
        tenant: Some(vigie_domain::TenantId(1)),
        action: "users.list".into(),
        object: format!("tenant:{i}"),
        ip: "192.0.2.1".into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) bench".into(),
        outcome: Outcome::Success,
    }
}

/// As handlers append: each of 32 writers waits for its own record,
/// through the group-commit appender (or directly, one transaction each).
async fn appends(name: &str, store: Arc<dyn Store>, grouped: bool) {
    let appender = vigie_store::appender::Appender::start(store.clone());
    let total = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + seconds();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (s, total, a) = (store.clone(), total.clone(), appender.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                if grouped {
                    a.append(event(0), None).await.unwrap();
                } else {
                    s.append(&event(0)).await.unwrap();
                }
                total.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let n = total.load(Ordering::Relaxed);
    let how = if grouped {
        "group commit"
    } else {
        "one txn each"
    };
    println!(
        "{name:<9} trail appends, 32 writers, {how:<12} {:>9.0} /s",
        n as f64 / start.elapsed().as_secs_f64()
    );
}

/// `audit verify` on `VIGIE_BENCH_RECORDS` records (1,000,000 unless
/// told), in process and as the command a user runs (`vigie audit
/// verify`, its wall time and peak memory), beside reading the same rows
/// alone with the database's own client (`read`, a shell command).
async fn verify(name: &str, store: Arc<dyn Store>, url: &str, read: &str) {
    let records: usize = std::env::var("VIGIE_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let key = trail::TrailKey::generate().unwrap();
    let start = Instant::now();
    let batch: Vec<AuditEvent> = (0..2000).map(event).collect();
    let batches = records / 2000;
    for i in 0..batches {
        store.append_batch(&batch).await.unwrap();
        if i % (batches / 5).max(1) == 0 {
            trail::checkpoint(store.as_ref(), &key, Timestamp::now())
                .await
                .unwrap();
        }
    }
    if url.starts_with("postgres") {
        // What autovacuum does to a table this size after the first
        // million inserts: done now, it does not run during the timings.
        succeeded(std::process::Command::new("psql").args([
            "-q",
            url,
            "-c",
            "VACUUM ANALYZE audit_log",
        ]));
    }
    let fill = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let r = trail::verify(store.as_ref(), Some(&key.public_hex()), |_| {})
        .await
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(r.records, (batches * 2000) as u64);
    println!(
        "{name:<9} audit verify, {} records, in process {secs:>7.2} s ({:.0} records/s; filling took {fill:.1} s)",
        r.records,
        r.records as f64 / secs
    );
    let data = std::env::temp_dir().join(format!("vigie-bench-verify-{}", std::process::id()));
    std::fs::create_dir_all(&data).unwrap();
    // The command checks checkpoints against the instance's key.
    std::fs::write(data.join("trail-signing.key"), key.to_hex()).unwrap();
    for (what, cmd) in [
        (
            "`vigie audit verify`",
            format!(
                "{} --data-dir {} --database-url '{url}' audit verify",
                env!("CARGO_BIN_EXE_vigie"),
                data.display()
            ),
        ),
        ("plain read of the rows", read.to_owned()),
    ] {
        // The bench's own VIGIE_* settings are not the command's.
        let mut run = std::process::Command::new("/usr/bin/time");
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("VIGIE_")) {
            run.env_remove(k);
        }
        let out = succeeded(run.args(["-f", "%e %M", "sh", "-c", &format!("{cmd} >/dev/null")]));
        let err = String::from_utf8_lossy(&out.stderr);
        let mut last = err.lines().last().unwrap_or("").split(' ');
        let secs: f64 = last.next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
        let kib: f64 = last.next().and_then(|v| v.parse().ok()).unwrap_or(f64::NAN);
        println!(
            "{name:<9}   {what:<24} {secs:>7.2} s ({:.0} records/s), peak {:.0} MiB",
            r.records as f64 / secs,
            kib / 1024.0
        );
    }
    // VIGIE_BENCH_KEEP=<folder>: the trail and its key stay there, to run
    // `vigie --data-dir <folder> audit verify` again (or profile it): the
    // SQLite file in the folder; the PostgreSQL database copied to
    // `vigie_bench_keep`, its key in `<folder>/postgres`
    // (`--data-dir <folder>/postgres --database-url postgres://…/vigie_bench_keep`).
    if let Ok(keep) = std::env::var("VIGIE_BENCH_KEEP") {
        // Each backend's trail is signed with its own key.
        let sqlite = url.strip_prefix("sqlite://");
        let to = std::path::Path::new(&keep).join(if sqlite.is_some() { "" } else { "postgres" });
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(data.join("trail-signing.key"), to.join("trail-signing.key")).unwrap();
        if let Some(file) = sqlite {
            std::fs::copy(file, to.join("vigie.db")).unwrap();
            // The last records may still be in the write-ahead log.
            let wal = format!("{file}-wal");
            if std::path::Path::new(&wal).exists() {
                std::fs::copy(&wal, to.join("vigie.db-wal")).unwrap();
            }
        } else {
            let kept = vigie_store_sql::testing::with_database(url, "vigie_bench_keep");
            let admin = vigie_store_sql::testing::with_database(url, "postgres");
            let copy = format!(
                "psql -q '{admin}' -c 'DROP DATABASE IF EXISTS vigie_bench_keep' \
                 -c 'CREATE DATABASE vigie_bench_keep' && pg_dump '{url}' | psql -q '{kept}'"
            );
            succeeded(std::process::Command::new("sh").args(["-c", &copy]));
        }
    }
    let _ = std::fs::remove_dir_all(&data);
}

/// Runs `cmd` to its end; its output, or a panic with what it said.
fn succeeded(cmd: &mut std::process::Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Bulk appends: 100 batches of 2,000 records.
async fn fill(name: &str, store: Arc<dyn Store>) {
    let batch: Vec<AuditEvent> = (0..2000).map(event).collect();
    let start = Instant::now();
    for _ in 0..100 {
        store.append_batch(&batch).await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<9} trail bulk appends, batches of 2,000     {:>9.0} /s",
        200_000.0 / secs
    );
}

/// Consent choices from a city's site at peak (C35): 64 connections, each
/// a stream of different visitors (device ids, addresses), every choice
/// chained in one transaction, through the public endpoint.
async fn consent(name: &str, store: Arc<dyn Store>) {
    let t = store
        .create_tenant(
            &TenantSlug::parse("ville").unwrap(),
            &TenantName::parse("Ville").unwrap(),
        )
        .await
        .unwrap();
    let settings = WebSettings {
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..WebSettings::default()
    };
    let state = AppState::new(
        store.clone(),
        settings,
        PasswordHasher::new(Argon2Settings::default()).unwrap(),
        vigie_store::vault::Vault::new([9; 32]),
    );
    let ctx = state.ctx();
    let site = vigie_service::consent::create_site(
        ctx,
        &TenantScope::of_provider(t.id),
        &vigie_service::consent::SiteInput {
            name: "Site de la ville".into(),
            origin: "https://www.ville.fr".into(),
            notice_version: "v1".into(),
            services: [(
                vigie_domain::consent::Category::Performance,
                "Matomo".to_owned(),
            )]
            .into_iter()
            .collect(),
        },
        Timestamp::now(),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = vigie_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let done = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + seconds();
    let mut tasks = Vec::new();
    for c in 0..64u64 {
        let (done, key) = (done.clone(), site.site_key.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.set_nodelay(true).unwrap();
            let mut buf = Vec::new();
            let mut i = 0u64;
            while Instant::now() < until {
                i += 1;
                let body = format!(
                    r#"{{"device":"bench{c:04}{i:012}","choices":{{"performance":{}}},"notice_version":"v1"}}"#,
                    i.is_multiple_of(2)
                );
                let req = format!(
                    "POST /c/{key}/choix HTTP/1.1\r\nHost: b\r\nOrigin: https://www.ville.fr\r\nX-Forwarded-For: 10.{}.{}.{}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                    c,
                    (i >> 8) & 255,
                    i & 255,
                    body.len()
                );
                s.write_all(req.as_bytes()).await.unwrap();
                let status = read_response(&mut s, &mut buf).await;
                assert_eq!(status, 201, "{}", String::from_utf8_lossy(&buf));
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let start = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    let rps = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    println!("{name:<9} consent choices, 64 connections, chained  {rps:>7.0} /s");
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if wanted("http") {
            let db = TempSqlite::new().await;
            http("sqlite", db.store.clone()).await;
            let db = TempPostgres::new().await;
            http("postgres", db.store.clone()).await;
        }
        if wanted("trail") {
            for grouped in [false, true] {
                let db = TempSqlite::new().await;
                appends("sqlite", db.store.clone(), grouped).await;
                let db = TempPostgres::new().await;
                appends("postgres", db.store.clone(), grouped).await;
            }
        }
        if wanted("fill") {
            let db = TempSqlite::new().await;
            fill("sqlite", db.store.clone()).await;
            let db = TempPostgres::new().await;
            fill("postgres", db.store.clone()).await;
        }
        if wanted("register") {
            let db = TempSqlite::new().await;
            register("sqlite", db.store.clone()).await;
            let db = TempPostgres::new().await;
            register("postgres", db.store.clone()).await;
        }
        if wanted("consent") {
            let db = TempSqlite::new().await;
            consent("sqlite", db.store.clone()).await;
            let db = TempPostgres::new().await;
            consent("postgres", db.store.clone()).await;
        }
        if wanted("verify") {
            let db = TempSqlite::new().await;
            let path = db.path().display().to_string();
            let read = format!("sqlite3 {path} 'SELECT * FROM audit_log'");
            verify(
                "sqlite",
                db.store.clone(),
                &format!("sqlite://{path}"),
                &read,
            )
            .await;
            let db = TempPostgres::new().await;
            let read = format!(
                "psql -q '{}' -c \"\\copy (SELECT * FROM audit_log) TO '/dev/null'\"",
                db.url
            );
            verify("postgres", db.store.clone(), &db.url, &read).await;
        }
    });
}
