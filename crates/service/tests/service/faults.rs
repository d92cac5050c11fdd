//! Rights tasks under faults (C15): the states a killed process leaves,
//! finished when the work is taken again.

use jiff::Timestamp;
use vigie_connect::{Dialect, fixture};
use vigie_domain::rights::{RequestKind, RequestStatus};
use vigie_service::{rights, systems};
use vigie_store::TaskState;
use vigie_store_sql::testing::{TempSqlite, dyn_store};

use crate::{
    World,
    confine::{approved, sqlite_app, system},
    tenant,
};

/// Issue 10 (2), C15: killed between a task's `done` and the request's
/// `executed`, the request is finished when the job is taken again.
#[tokio::test]
async fn c15_a_request_left_executing_by_a_crash_is_finished_on_retry() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let (t, scope) = tenant(w.store.as_ref(), "commune-a").await;
    let (name, url) = sqlite_app(3).await;
    systems::create(w.ctx(), &scope, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap();
    let r = approved(&w, &scope, RequestKind::Restriction, 1, vec![]).await;
    // The state a kill leaves: the task done, the request still executing.
    let mut task = w
        .store
        .tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap()
        .remove(0);
    task.state = TaskState::Done;
    task.found = 1;
    task.changed = 1;
    w.store.save_task(&task).await.unwrap();
    assert_eq!(
        w.store
            .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap()
            .status,
        RequestStatus::Executing
    );
    let summary = rights::run_task(w.ctx(), task.id, Timestamp::now())
        .await
        .unwrap();
    assert!(summary.contains("already done"), "{summary}");
    assert_eq!(
        w.store
            .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap()
            .status,
        RequestStatus::Executed
    );
    let again = w.store.task(task.id).await.unwrap();
    assert_eq!((again.found, again.changed), (1, 1), "counts written once");
    fixture::drop_database(Dialect::Sqlite, &name, &url)
        .await
        .unwrap();
}
