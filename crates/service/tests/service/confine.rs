//! C27 and C15 through the use cases, on Vigie's real stores: Vigie's own
//! database refused as a connected system, one application database per
//! tenant unless the provider shares it (then filtered per tenant), a
//! crowd-matching identity held for the agent, identities of undeclared
//! kinds refused, tasks traced in the tenant that owns the system, and a
//! server that never answers failing its task within the timeout.

use std::{sync::Arc, time::Instant};

use jiff::Timestamp;
use vigie_connect::{ConnectError, Dialect, ExecError, Refusal, fixture};
use vigie_domain::{
    dataset::IdentityKind,
    page::Page,
    rights::{Intake, RequestKind, RequestStatus, Verification},
    role::{Role, Roles},
    scope::TenantScope,
};
use vigie_service::{
    ServiceError, rights,
    systems::{self, SystemInput},
    targets::{self, SharedInput},
};
use vigie_store::{RightsRequest, Store, TaskState, Tenant, TrailFilter};
use vigie_store_sql::testing::{TempPostgres, TempSqlite, dyn_store};

use crate::{World, input, run_all, tenant, unique};

pub(crate) fn system(url: &str) -> SystemInput {
    SystemInput {
        name: "Mes demandes".into(),
        url: url.into(),
        dataset: fixture::DATASET.into(),
    }
}

fn refusal(e: ServiceError) -> ConnectError {
    match e {
        ServiceError::Exec(ExecError::Connect(c)) => c,
        other => panic!("{other}"),
    }
}

pub(crate) async fn sqlite_app(people: i64) -> (String, String) {
    let name = unique("vigie_confine");
    let url = fixture::create_database(Dialect::Sqlite, &name)
        .await
        .unwrap();
    fixture::install(&url, people).await.unwrap();
    (name, url)
}

/// A verified, approved request of `kind` about `identities`.
pub(crate) async fn approved(
    w: &World,
    scope: &TenantScope,
    kind: RequestKind,
    person: i64,
    extra: Vec<(IdentityKind, String)>,
) -> RightsRequest {
    let ctx = w.ctx();
    let mut i = input(kind, person);
    if let Some((_, phone)) = extra.iter().find(|(k, _)| *k == IdentityKind::Phone) {
        i.phone = phone.clone();
    }
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let r = rights::record(
        ctx,
        scope,
        "agent",
        &i,
        Intake::Letter,
        today,
        Timestamp::now(),
    )
    .await
    .unwrap();
    let extra: Vec<_> = extra
        .into_iter()
        .filter(|(k, _)| *k != IdentityKind::Phone)
        .collect();
    let r = rights::verify(
        ctx,
        &r,
        Verification::InPerson,
        rights::IdentityCheck {
            added: extra,
            ..rights::IdentityCheck::all(&r)
        },
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
        .await
        .unwrap()
}

/// The tenant's trail records of what tasks did in its systems.
async fn system_trail(s: &dyn Store, t: &Tenant) -> Vec<(String, String)> {
    let scope = TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Dpo]));
    s.tenant_trail(
        &scope,
        &TrailFilter {
            action_prefix: "system.".into(),
            ..TrailFilter::default()
        },
        Page::default(),
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|r| (r.event.action, r.event.object))
    .collect()
}

async fn own_database_is_refused(store: Arc<dyn Store>, own: Vec<String>) {
    let w = World::new(store);
    let (_, scope) = tenant(w.store.as_ref(), "commune-a").await;
    for url in own {
        let e = systems::create(w.ctx(), &scope, &system(&url), "dpo", Timestamp::now())
            .await
            .unwrap_err();
        assert!(
            matches!(refusal(e), ConnectError::NotUsable { .. }),
            "{url}"
        );
    }
    assert!(
        w.store
            .all_systems(&vigie_domain::scope::TenantScope::of_provider(
                scope.tenant()
            ))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn c27_vigie_own_database_is_refused_sqlite() {
    let db = TempSqlite::new().await;
    let path = db.path();
    let own = vec![
        format!("sqlite://{}", path.display()),
        format!("sqlite:{}", path.display()),
        format!(
            "sqlite://{}/../{}/vigie.db",
            path.parent().unwrap().display(),
            path.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
        ),
    ];
    own_database_is_refused(dyn_store(&db.store), own).await;
}

#[tokio::test]
async fn c27_vigie_own_database_is_refused_postgres() {
    let db = TempPostgres::new().await;
    let own = vec![
        db.url.clone(),
        db.url.replacen("postgres://", "postgresql://", 1),
        db.url.replacen("127.0.0.1", "localhost", 1),
    ];
    own_database_is_refused(dyn_store(&db.store), own).await;
}

/// One application database, one tenant: another tenant is refused, under
/// another spelling of its URL too; the first keeps it.
#[tokio::test]
async fn c27_another_tenants_database_is_refused() {
    let db = TempPostgres::new().await;
    let w = World::new(dyn_store(&db.store));
    let (_, a) = tenant(w.store.as_ref(), "commune-a").await;
    let (_, b) = tenant(w.store.as_ref(), "commune-b").await;
    let name = unique("vigie_bound");
    let url = fixture::create_database(Dialect::Postgres, &name)
        .await
        .unwrap();
    fixture::install(&url, 4).await.unwrap();
    systems::create(w.ctx(), &a, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap();
    for other in [url.clone(), url.replacen("127.0.0.1", "localhost", 1)] {
        let e = systems::create(w.ctx(), &b, &system(&other), "dpo", Timestamp::now())
            .await
            .unwrap_err();
        assert_eq!(
            refusal(e),
            ConnectError::Refused(Refusal::BoundElsewhere),
            "{other}"
        );
    }
    // A second system of the same tenant on it is fine.
    let mut again = system(&url);
    again.name = "Mes demandes (copie)".into();
    systems::create(w.ctx(), &a, &again, "dpo", Timestamp::now())
        .await
        .unwrap();
    // Only a DPO connects one.
    let agent =
        TenantScope::from_verified_membership(a.tenant(), None, Roles::new(vec![Role::Agent]));
    let mut third = system(&url);
    third.name = "Par un agent".into();
    let e = systems::create(w.ctx(), &agent, &third, "agent", Timestamp::now())
        .await
        .unwrap_err();
    assert!(
        matches!(e, ServiceError::Invalid { field: "role", .. }),
        "{e}"
    );
    fixture::drop_database(Dialect::Postgres, &name, &url)
        .await
        .unwrap();
}

/// A database the provider shares: each tenant listed finds only its own
/// rows, a tenant not listed is refused, and another spelling of the file
/// is the same shared database.
#[tokio::test]
async fn c27_a_shared_database_is_filtered_per_tenant() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let (ta, a) = tenant(w.store.as_ref(), "commune-a").await;
    let (_, b) = tenant(w.store.as_ref(), "commune-b").await;
    let (_, c) = tenant(w.store.as_ref(), "commune-c").await;
    let (name, url) = sqlite_app(8).await;
    // Even ids are organisation 1 (commune-a), odd ids organisation 2.
    let share = |tenants: &str| SharedInput {
        url: url.clone(),
        label: "Mes demandes".into(),
        column: "organisation_id".into(),
        tenants: tenants.into(),
    };
    let e = targets::declare_shared(
        w.ctx(),
        &share("commune-a = 1\nnulle-part = 3"),
        Timestamp::now(),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("line 2: no organisation « nulle-part »"),
        "{e}"
    );
    targets::declare_shared(
        w.ctx(),
        &share("commune-a = 1\ncommune-b = 2"),
        Timestamp::now(),
    )
    .await
    .unwrap();
    systems::create(w.ctx(), &a, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap();
    let path = url.strip_prefix("sqlite://").unwrap();
    let alias = format!("{path}-alias.db");
    std::os::unix::fs::symlink(path, &alias).unwrap();
    systems::create(
        w.ctx(),
        &b,
        &system(&format!("sqlite://{alias}")),
        "dpo",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let e = systems::create(w.ctx(), &c, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), ConnectError::Refused(Refusal::SharedNotYours));
    // Commune A asks about person 3 (organisation 2): nobody; person 4: found.
    for (person, found) in [(3, 0), (4, 1)] {
        let r = approved(&w, &a, RequestKind::Access, person, vec![]).await;
        for res in run_all(&w, &r).await {
            res.unwrap();
        }
        let tasks = w
            .store
            .tasks(&vigie_domain::scope::TenantScope::of_provider(ta.id), r.id)
            .await
            .unwrap();
        let contacts = rights::export(w.ctx(), &r).await.unwrap();
        let rows = contacts[0]
            .1
            .tables
            .iter()
            .find(|t| t.table == "contacts")
            .map_or(0, |t| t.rows.len());
        assert_eq!(rows, found, "person {person}: {tasks:?}");
    }
    // A database one tenant holds cannot be declared shared behind its back.
    let (held_name, held_url) = sqlite_app(2).await;
    let mut held = system(&held_url);
    held.name = "Autre".into();
    systems::create(w.ctx(), &a, &held, "dpo", Timestamp::now())
        .await
        .unwrap();
    let e = targets::declare_shared(
        w.ctx(),
        &SharedInput {
            url: held_url.clone(),
            ..share("commune-b = 2")
        },
        Timestamp::now(),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(e), ConnectError::Refused(Refusal::BoundElsewhere));
    let _ = std::fs::remove_file(&alias);
    for (n, u) in [(name, url), (held_name, held_url)] {
        fixture::drop_database(Dialect::Sqlite, &n, &u)
            .await
            .unwrap();
    }
}

/// An identity that leads to someone else's rows holds the task; nothing
/// is changed until an agent confirms; then it runs, traced in the tenant.
#[tokio::test]
async fn c27_a_crowd_is_held_for_the_agent_and_traced() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let (t, scope) = tenant(w.store.as_ref(), "commune-a").await;
    let (name, url) = sqlite_app(6).await;
    systems::create(w.ctx(), &scope, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap();
    // Person 2's address, person 3's phone (a household's shared line).
    let r = approved(
        &w,
        &scope,
        RequestKind::Erasure,
        2,
        vec![(IdentityKind::Phone, fixture::person(3).mobile)],
    )
    .await;
    let before = fixture::person(3);
    let summary = run_all(&w, &r).await.remove(0).unwrap();
    assert!(summary.contains("à confirmer"), "{summary}");
    let task = w
        .store
        .tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(task.state, TaskState::Held);
    assert!(
        task.message.contains("more than one person"),
        "{}",
        task.message
    );
    assert!(!task.message.contains(&before.email), "{}", task.message);
    assert_eq!(
        w.store
            .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap()
            .status,
        RequestStatus::Executing
    );
    let mut c = vigie_connect::Conn::open(&url).await.unwrap();
    let mut q = vigie_connect::Sql::new(Dialect::Sqlite);
    q.push("SELECT email FROM contacts WHERE id IN (2, 3) ORDER BY id");
    let emails = c.rows(&q).await.unwrap();
    assert_eq!(emails[1][0].as_deref(), Some(before.email.as_str()));
    assert_eq!(
        emails[0][0].as_deref(),
        Some(fixture::person(2).email.as_str())
    );
    // The agent confirms (once), it runs.
    rights::confirm_task(w.ctx(), &r, task.id, "agent Dupont", Timestamp::now())
        .await
        .unwrap();
    assert!(
        rights::confirm_task(w.ctx(), &r, task.id, "agent", Timestamp::now())
            .await
            .is_err(),
        "confirmed once"
    );
    for res in run_all(&w, &r).await {
        res.unwrap();
    }
    assert_eq!(
        w.store
            .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap()
            .status,
        RequestStatus::Executed
    );
    let emails = c.rows(&q).await.unwrap();
    assert_ne!(emails[1][0].as_deref(), Some(before.email.as_str()));
    c.close().await;
    let events = w
        .store
        .events(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.step == "task_confirmed" && e.actor == "agent Dupont")
    );
    // Traced on the tenant's side: the hold, then the erasure with counts.
    let trail = system_trail(w.store.as_ref(), &t).await;
    assert!(
        trail
            .iter()
            .any(|(a, o)| a == "system.write" && o.contains("changed:0")),
        "{trail:?}"
    );
    assert!(
        trail.iter().any(|(a, o)| a == "system.write"
            && o.contains(&r.reference)
            && !o.contains("found:0")),
        "{trail:?}"
    );
    fixture::drop_database(Dialect::Sqlite, &name, &url)
        .await
        .unwrap();
}

/// Identities added at verification must be of a kind a dataset declares.
#[tokio::test]
async fn c27_identities_of_undeclared_kinds_are_refused() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let (_, scope) = tenant(w.store.as_ref(), "commune-a").await;
    let (name, url) = sqlite_app(2).await;
    systems::create(w.ctx(), &scope, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap();
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let r = rights::record(
        w.ctx(),
        &scope,
        "agent",
        &input(RequestKind::Access, 1),
        Intake::Letter,
        today,
        Timestamp::now(),
    )
    .await
    .unwrap();
    let e = rights::verify(
        w.ctx(),
        &r,
        Verification::InPerson,
        rights::IdentityCheck {
            added: vec![(IdentityKind::Nir, "1 84 12 75 123 456 78".into())],
            ..rights::IdentityCheck::all(&r)
        },
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("« NIR (social security) »"), "{e}");
    let r = rights::verify(
        w.ctx(),
        &r,
        Verification::InPerson,
        rights::IdentityCheck {
            added: vec![(IdentityKind::AccountId, "u000001".into())],
            ..rights::IdentityCheck::all(&r)
        },
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert!(
        r.identities
            .proven()
            .contains(&(IdentityKind::AccountId, "u000001".into()))
    );
    fixture::drop_database(Dialect::Sqlite, &name, &url)
        .await
        .unwrap();
}

/// C15: a server that accepts and never answers fails the task within the
/// connect timeout, in Vigie's words, and the task can be retried.
#[tokio::test]
async fn c15_a_silent_system_fails_its_task_within_the_timeout() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let (t, scope) = tenant(w.store.as_ref(), "commune-a").await;
    let url = format!("postgres://app:secret@127.0.0.1:{port}/app");
    let s = systems::create(w.ctx(), &scope, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        s.check_result,
        "not checked: not reachable: no answer within 2 s"
    );
    let r = approved(&w, &scope, RequestKind::Access, 1, vec![]).await;
    let started = Instant::now();
    let e = run_all(&w, &r).await.remove(0).unwrap_err();
    assert!(started.elapsed().as_secs() < 6, "{:?}", started.elapsed());
    assert_eq!(
        e.to_string(),
        "cannot connect to the database: not reachable: no answer within 2 s"
    );
    let task = w
        .store
        .tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(task.state, TaskState::Failed);
    assert_eq!(
        rights::retry_failed(w.ctx(), &r, Timestamp::now())
            .await
            .unwrap(),
        1
    );
}
