//! Issue 10 (5, 9): the store under faults as the pages see them — a
//! database link that freezes answers 503 within the request timeout
//! instead of hanging, and `/healthz` reports a store that answers reads
//! but cannot write.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use vigie_web::WebSettings;

use crate::support::TestApp;

/// A TCP proxy to the local PostgreSQL that stops forwarding, both ways,
/// while `frozen` is set (connections stay open: a frozen link, not a
/// refused one).
fn freezing_proxy(target: u16) -> (u16, Arc<AtomicBool>) {
    let frozen = Arc::new(AtomicBool::new(false));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let flag = frozen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            for (mut from, mut to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                let flag = flag.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        let n = match from.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        while flag.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        if to.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                });
            }
        }
    });
    (port, frozen)
}

fn pg_port() -> u16 {
    let admin = vigie_store_sql::testing::postgres_admin_url();
    url::Url::parse(&admin).unwrap().port().unwrap_or(5432)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_database_link_answers_503_within_the_request_timeout() {
    let (proxy, frozen) = freezing_proxy(pg_port());
    let settings = WebSettings {
        request_timeout: Duration::from_secs(2),
        ..WebSettings::default()
    };
    let (app, _) = TestApp::postgres_through(
        |url| {
            let mut u = url::Url::parse(url).unwrap();
            u.set_host(Some("127.0.0.1")).unwrap();
            u.set_port(Some(proxy)).unwrap();
            u.to_string()
        },
        settings,
    )
    .await;
    let a = app.tenant("commune-a").await;
    app.person(
        "dpo@commune-a.fr",
        &[(&a, &[vigie_domain::role::Role::Dpo])],
    )
    .await;
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    assert_eq!(
        dpo.get("/t/commune-a/registre").await.status,
        StatusCode::OK
    );
    frozen.store(true, Ordering::SeqCst);
    let started = Instant::now();
    let r = dpo.get("/t/commune-a/registre").await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(
        r.body.contains("lang=\"fr\""),
        "a page in the person's language"
    );
    let health = app.browser().get("/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    frozen.store(false, Ordering::SeqCst);
    // Once the link answers again, so does Vigie, without a restart.
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let r = dpo.get("/t/commune-a/registre").await;
        if r.status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < until, "still {}", r.status);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_reports_a_store_that_cannot_write() {
    let app = TestApp::postgres().await;
    assert_eq!(app.browser().get("/healthz").await.status, StatusCode::OK);
    let db = url::Url::parse(&app.own_url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    let admin = vigie_store_sql::testing::postgres_admin_url();
    let mut c = vigie_connect::Conn::open(&admin).await.unwrap();
    c.run(&format!(
        "ALTER DATABASE \"{db}\" SET default_transaction_read_only = on; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"
    ))
    .await
    .unwrap();
    let r = app.browser().get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    c.run(&format!(
        "ALTER DATABASE \"{db}\" SET default_transaction_read_only = off; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"
    ))
    .await
    .unwrap();
    c.close().await;
    let until = Instant::now() + Duration::from_secs(10);
    while app.browser().get("/healthz").await.status != StatusCode::OK {
        assert!(Instant::now() < until, "healthy again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Issue 10, item 9: a database that keeps its write lock (another
/// process in a long transaction) answers 503 after the configured wait,
/// not the pool's default ten seconds, and nothing is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_answers_503_after_the_configured_wait() {
    let (app, path) = TestApp::sqlite_waiting(Duration::from_secs(1)).await;
    let a = app.tenant("commune-a").await;
    app.person(
        "dpo@commune-a.fr",
        &[(&a, &[vigie_domain::role::Role::Dpo])],
    )
    .await;
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let before = app.store.head().await.unwrap();
    let mut holder = vigie_connect::Conn::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    holder.run("BEGIN IMMEDIATE").await.unwrap();
    let started = Instant::now();
    let r = dpo
        .post(
            "/t/commune-a/registre",
            &[("name", "Cantine"), ("status", "draft")],
        )
        .await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(took < Duration::from_secs(4), "{took:?}");
    holder.run("ROLLBACK").await.unwrap();
    holder.close().await;
    assert_eq!(app.store.head().await.unwrap(), before);
    let created = dpo
        .post(
            "/t/commune-a/registre",
            &[("name", "Cantine"), ("status", "draft")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
}
