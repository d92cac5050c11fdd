//! Webhook deliveries end to end (issue 20): the worker ends a scan and a
//! rights execution, queues each end once (also when the run that wrote
//! the outcome was killed before telling), and posts it, signed, to a real
//! HTTP receiver that fails, redirects, then answers; a silent endpoint of
//! another tenant costs only its own deliveries a timeout; a host the
//! provider no longer allows is not reached.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    response::IntoResponse,
};
use jiff::{SignedDuration, Timestamp};
use vigie_connect::{Confinement, target::HostPattern};
use vigie_domain::{
    jobs::JobKind,
    rights::RequestKind,
    scope::TenantScope,
    webhook::{DeliveryState, EventKind},
};
use vigie_service::{discovery, rights, webhooks};
use vigie_store::Store;

use crate::{Data, world};

/// What the receiver saw: path, headers, body, and when.
#[derive(Clone)]
struct Seen {
    path: String,
    headers: HeaderMap,
    body: String,
    at: Instant,
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Answers to give, in order; 204 once none is left.
    script: Arc<Mutex<VecDeque<u16>>>,
}

async fn receive(State(r): State<Receiver>, req: Request) -> impl IntoResponse {
    let path = req.uri().path().to_owned();
    let headers = req.headers().clone();
    let body = axum::body::to_bytes(req.into_body(), 1 << 20)
        .await
        .unwrap();
    r.seen.lock().unwrap().push(Seen {
        path,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
        at: Instant::now(),
    });
    let status = r.script.lock().unwrap().pop_front().unwrap_or(204);
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::LOCATION, "/elsewhere")],
    )
}

async fn receiver(script: &[u16]) -> (Receiver, u16) {
    let r = Receiver::default();
    r.script.lock().unwrap().extend(script);
    let app = axum::Router::new().fallback(receive).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (r, port)
}

async fn queued(s: &dyn Store, scope: &TenantScope, hook: i64) -> Vec<vigie_store::Delivery> {
    s.deliveries(scope, hook, None, "", Default::default())
        .await
        .unwrap()
        .items
}

fn header<'a>(s: &'a Seen, name: &str) -> &'a str {
    s.headers.get(name).unwrap().to_str().unwrap()
}

#[test]
fn c15_c39_ends_are_told_once_signed_retried_and_never_held_by_another_tenant() {
    let d = Data::new("webhooks");
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
        let confinement = Confinement {
            sqlite_dirs: vec![std::fs::canonicalize(&clients).unwrap()],
            webhook_hosts: vec![HostPattern::parse("127.0.0.1:*").unwrap()],
            ..world::local(Duration::from_secs(3))
        };
        let ctx = world::ctx(store.as_ref(), &confinement);
        let (_, a) =
            world::tenant_with_system(store.as_ref(), &confinement, "sidec", &app_url).await;
        let b = {
            let t = store
                .create_tenant(
                    &vigie_domain::tenant::TenantSlug::parse("commune-b").unwrap(),
                    &vigie_domain::tenant::TenantName::parse("Commune B").unwrap(),
                )
                .await
                .unwrap();
            TenantScope::of_system(t.id)
        };
        // A's endpoint fails once, redirects once, then answers; B's never answers.
        let (rx, port) = receiver(&[503, 307]).await;
        let (hook, secret) = webhooks::create(
            ctx,
            &a,
            &format!("http://127.0.0.1:{port}/vigie"),
            "",
            &["scan_finished", "execution_finished"],
            "dpo",
            Timestamp::now(),
        )
        .await
        .unwrap();
        let silent = world::silent_server();
        let (b_hook, _) = webhooks::create(
            ctx,
            &b,
            &format!("http://127.0.0.1:{silent}/"),
            "",
            &["scan_finished"],
            "dpo",
            Timestamp::now(),
        )
        .await
        .unwrap();
        webhooks::ping(ctx, &b, b_hook.id, Timestamp::now())
            .await
            .unwrap();

        // A scan and an erasure, each killed after writing its outcome and
        // before telling: the job, taken again, tells it, once.
        let system = store
            .systems(&a, "", Default::default())
            .await
            .unwrap()
            .items[0]
            .id;
        let scan = discovery::request(ctx, &a, system, Timestamp::now())
            .await
            .unwrap();
        discovery::run(ctx, &a, scan.id, Timestamp::now())
            .await
            .unwrap();
        let p = vigie_connect::fixture::person(2);
        let r = world::approved_request(
            store.as_ref(),
            &confinement,
            &a,
            RequestKind::Erasure,
            &p.email,
        )
        .await;
        let task = store.tasks(&a, r.id).await.unwrap()[0].id;
        rights::run_task(ctx, task, Timestamp::now()).await.unwrap();
        assert!(
            queued(store.as_ref(), &a, hook.id).await.is_empty(),
            "not told before the job runs again"
        );
        let w = world::worker(
            store.clone(),
            &d.0,
            &confinement,
            "n1",
            SignedDuration::from_mins(5),
        );
        assert_eq!(
            w.drain_kinds(&[JobKind::SystemScan, JobKind::RightsTask])
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            w.drain_kinds(&[JobKind::SystemScan, JobKind::RightsTask])
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            webhooks::scan_ended(ctx, &a, scan.id, Timestamp::now())
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            webhooks::execution_ended(ctx, task, Timestamp::now())
                .await
                .unwrap(),
            0
        );
        let mut kinds: Vec<EventKind> = queued(store.as_ref(), &a, hook.id)
            .await
            .iter()
            .map(|d| d.kind)
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            vec![EventKind::ScanFinished, EventKind::ExecutionFinished]
        );

        // First pass: A's first delivery fails (503) and its second waits;
        // B's silent endpoint holds only itself, for the timeout.
        let timeout = Duration::from_secs(2);
        let started = Instant::now();
        let pass = vigie::hooks::deliver(ctx, "n1", timeout, Timestamp::now())
            .await
            .unwrap();
        let took = started.elapsed();
        assert_eq!(
            (pass.delivered, pass.retried, pass.waiting),
            (0, 2, 1),
            "{pass:?}"
        );
        let seen = rx.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        assert!(
            seen[0].at.duration_since(started) < timeout,
            "A was tried while B's endpoint kept silent"
        );
        assert!(
            took < timeout * 2,
            "{took:?}: one timeout, not one per delivery"
        );
        let b_list = store
            .deliveries(&b, b_hook.id, None, "", Default::default())
            .await
            .unwrap();
        assert_eq!(b_list.items[0].attempts, 1);
        assert!(
            b_list.items[0].last_error.contains("no answer within 2 s"),
            "{:?}",
            b_list.items[0]
        );

        // Later passes: the redirect is not followed; then both arrive.
        let later = Timestamp::now() + SignedDuration::from_mins(10);
        let pass = vigie::hooks::deliver(ctx, "n1", timeout, later)
            .await
            .unwrap();
        assert_eq!(pass.retried, 2, "{pass:?}");
        let much_later = later + SignedDuration::from_mins(10);
        let pass = vigie::hooks::deliver(ctx, "n1", timeout, much_later)
            .await
            .unwrap();
        assert_eq!(pass.delivered, 2, "{pass:?}");
        let seen = rx.seen.lock().unwrap().clone();
        assert!(
            seen.iter().all(|s| s.path == "/vigie"),
            "no redirect followed"
        );
        assert_eq!(seen.len(), 4);
        let all = queued(store.as_ref(), &a, hook.id).await;
        assert!(
            all.iter().all(|d| d.state == DeliveryState::Delivered),
            "{all:?}"
        );
        let redirected = all.iter().find(|d| d.attempts == 3).unwrap();
        assert_eq!(redirected.last_status, Some(204));

        // Every call signed over its id, its timestamp and its body, with
        // the secret shown at creation; a retry keeps the id and the body.
        for s in &seen {
            let id = header(s, "webhook-id");
            let ts: i64 = header(s, "webhook-timestamp").parse().unwrap();
            assert!((Timestamp::now().as_second() - ts).abs() < 60);
            assert_eq!(
                header(s, "webhook-signature"),
                webhooks::signature(&secret, id, ts, &s.body).unwrap()
            );
            assert_ne!(
                header(s, "webhook-signature"),
                webhooks::signature(&secret, id, ts, &s.body.replace("sidec", "sidex")).unwrap()
            );
            let body: serde_json::Value = serde_json::from_str(&s.body).unwrap();
            assert_eq!(body["id"], id);
            assert_eq!(body["tenant"], "sidec");
        }
        let first_id = header(&seen[0], "webhook-id");
        let again: Vec<&Seen> = seen
            .iter()
            .filter(|s| header(s, "webhook-id") == first_id)
            .collect();
        assert_eq!(again.len(), 3, "503, 307, then 204: one event, three tries");
        assert!(again.iter().all(|s| s.body == again[0].body));
        let execution = seen
            .iter()
            .map(|s| serde_json::from_str::<serde_json::Value>(&s.body).unwrap())
            .find(|b| b["type"] == "execution_finished")
            .unwrap();
        assert_eq!(execution["data"]["reference"], r.reference.as_str());
        assert_eq!(execution["data"]["status"], "executed");
        assert_eq!(execution["data"]["tasks"][0]["state"], "done");
        let done = store.task(task).await.unwrap();
        assert!(done.changed > 0);
        assert_eq!(
            execution["data"]["tasks"][0]["changed"], done.changed,
            "{execution}"
        );
        assert_eq!(
            execution["data"]["tasks"][0]["found"], done.found,
            "{execution}"
        );

        // The provider removes the host: a delivery waiting is not sent.
        webhooks::ping(ctx, &a, hook.id, Timestamp::now())
            .await
            .unwrap();
        let closed = Confinement {
            webhook_hosts: Vec::new(),
            ..confinement.clone()
        };
        let ctx_closed = world::ctx(store.as_ref(), &closed);
        let pass = vigie::hooks::deliver(ctx_closed, "n1", timeout, much_later)
            .await
            .unwrap();
        assert_eq!(pass.delivered, 0, "{pass:?}");
        assert_eq!(
            rx.seen.lock().unwrap().len(),
            4,
            "nothing reached the receiver"
        );
        let ping = store
            .deliveries(
                &a,
                hook.id,
                Some(DeliveryState::Pending),
                "",
                Default::default(),
            )
            .await
            .unwrap();
        assert!(
            ping.items[0].last_error.contains("not among the places"),
            "{:?}",
            ping.items[0]
        );

        // Through the job, on its own lane: a new test arrives.
        webhooks::ping(ctx, &a, hook.id, Timestamp::now())
            .await
            .unwrap();
        store
            .enqueue(
                JobKind::WebhookDelivery,
                "webhook_delivery@test",
                Timestamp::now(),
            )
            .await
            .unwrap();
        let w = world::worker(
            store.clone(),
            &d.0,
            &confinement,
            "n1",
            SignedDuration::from_mins(5),
        );
        assert_eq!(
            w.drain_kinds(vigie_domain::jobs::Lane::Hooks.kinds())
                .await
                .unwrap(),
            1
        );
        let seen = rx.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 5);
        assert!(
            seen[4].body.contains("\"type\":\"ping\""),
            "{}",
            seen[4].body
        );

        // The secret rotated: for a day every call carries both
        // signatures, the new and the replaced, each over the same bytes.
        let (fresh, until) = webhooks::rotate(ctx, &a, hook.id, Timestamp::now())
            .await
            .unwrap();
        assert_ne!(fresh, secret);
        webhooks::ping(ctx, &a, hook.id, Timestamp::now())
            .await
            .unwrap();
        let pass = vigie::hooks::deliver(ctx, "n1", timeout, much_later)
            .await
            .unwrap();
        // The test held back while the host was closed goes too.
        assert_eq!(pass.delivered, 2, "{pass:?}");
        let seen = rx.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 7);
        for last in &seen[5..] {
            let (id, ts) = (
                header(last, "webhook-id"),
                header(last, "webhook-timestamp").parse::<i64>().unwrap(),
            );
            let sent: Vec<&str> = header(last, "webhook-signature").split(' ').collect();
            assert_eq!(
                sent,
                [
                    webhooks::signature(&fresh, id, ts, &last.body).unwrap(),
                    webhooks::signature(&secret, id, ts, &last.body).unwrap()
                ]
            );
        }
        // Once the day is over, the replaced secret signs no more.
        let stored = store.webhook(&a, hook.id).await.unwrap();
        let after = until + SignedDuration::from_secs(1);
        assert_eq!(
            webhooks::secrets_of(ctx, &stored, after).unwrap(),
            vec![fresh.clone()]
        );
    });
}

/// A scan the system cannot answer fails once, for good: the job is not
/// run again, the failure is told once (`scan_finished`, `failed`), and a
/// job taken again after a crash leaves it as it was (issue 20: the API
/// says `failed` is final).
#[test]
fn c39_a_failed_scan_is_final_and_told_once() {
    let d = Data::new("scan-failed");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = vigie_store_sql::open(&d.db_url()).await.unwrap();
        store.migrate().await.unwrap();
        let silent = world::silent_server();
        let confinement = Confinement {
            webhook_hosts: vec![HostPattern::parse("127.0.0.1:*").unwrap()],
            ..world::local(Duration::from_secs(1))
        };
        let ctx = world::ctx(store.as_ref(), &confinement);
        let url = format!("postgres://app@127.0.0.1:{silent}/app");
        let (_, a) = world::tenant_with_system(store.as_ref(), &confinement, "sidec", &url).await;
        let system = store
            .systems(&a, "", Default::default())
            .await
            .unwrap()
            .items[0]
            .id;
        let (rx, port) = receiver(&[]).await;
        let (hook, _) = webhooks::create(
            ctx,
            &a,
            &format!("http://127.0.0.1:{port}/vigie"),
            "",
            &["scan_finished"],
            "dpo",
            Timestamp::now(),
        )
        .await
        .unwrap();
        let scan = discovery::request(ctx, &a, system, Timestamp::now())
            .await
            .unwrap();
        let w = world::worker(
            store.clone(),
            &d.0,
            &confinement,
            "n1",
            SignedDuration::from_mins(5),
        );
        assert_eq!(w.drain_kinds(&[JobKind::SystemScan]).await.unwrap(), 1);
        let failed = store.scan(&a, scan.id).await.unwrap();
        assert_eq!(failed.state, "failed");
        assert!(
            failed.message.contains("no answer within 1 s"),
            "{}",
            failed.message
        );
        let job = store
            .list_jobs(Default::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|j| j.kind == JobKind::SystemScan)
            .unwrap();
        assert_eq!(job.state.as_str(), "done", "{job:?}");
        assert_eq!(job.attempts, 1);
        assert!(job.summary.contains("failed"), "{}", job.summary);
        // Much later: nothing to run again.
        let later = Timestamp::now() + SignedDuration::from_hours(48);
        assert!(
            store
                .claim(
                    "n2",
                    later,
                    later + SignedDuration::from_mins(5),
                    &[JobKind::SystemScan]
                )
                .await
                .unwrap()
                .is_none()
        );
        // Run again as after a crash: the scan stays as it ended.
        discovery::run(ctx, &a, scan.id, later).await.unwrap();
        assert_eq!(store.scan(&a, scan.id).await.unwrap(), failed);
        // Told once, with its state.
        let told = queued(store.as_ref(), &a, hook.id).await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0].kind, EventKind::ScanFinished);
        let body: serde_json::Value = serde_json::from_str(&told[0].payload).unwrap();
        assert_eq!(body["data"]["state"], "failed", "{body}");
        vigie::hooks::deliver(ctx, "n1", Duration::from_secs(3), later)
            .await
            .unwrap();
        assert_eq!(rx.seen.lock().unwrap().len(), 1);
    });
}
