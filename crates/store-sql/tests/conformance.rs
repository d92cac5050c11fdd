//! Runs the store conformance suite on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigie_store::conformance as c;
use vigie_store_sql::testing::{TempPostgres, TempSqlite, dyn_store};

macro_rules! both {
    ($name:ident, |$s:ident, $db:ident| $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $db = TempSqlite::new().await;
                let $s = dyn_store(&$db.store);
                $body;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $db = TempPostgres::new().await;
                let $s = dyn_store(&$db.store);
                $body;
            }
        }
    };
}

both!(migrations_are_idempotent, |s, _db| {
    c::migrations_are_idempotent(s.as_ref()).await
});
both!(c25_accounts_and_disable, |s, _db| {
    c::c25_accounts_and_disable(s.as_ref()).await
});
both!(c25_password_reset_is_one_time, |s, _db| {
    c::c25_password_reset_is_one_time(s.as_ref()).await
});
both!(c25_sign_in_failures, |s, _db| c::c25_sign_in_failures(
    s.as_ref()
)
.await);
both!(c25_totp_and_recovery_codes, |s, _db| {
    c::c25_totp_and_recovery_codes(s.as_ref()).await
});
both!(c27_tenant_isolation, |s, _db| c::c27_tenant_isolation(
    s.as_ref()
)
.await);
both!(sessions_expire_when_idle, |s, _db| {
    c::sessions_expire_when_idle(s.as_ref()).await
});
both!(c28_trail_appends_and_verifies, |s, _db| {
    c::c28_trail_appends_and_verifies(s.as_ref()).await
});
both!(c28_long_trail_verifies_by_ranges, |s, db| {
    c::c28_long_trail_verifies_by_ranges(s.as_ref(), &db).await
});
both!(c28_tampering_is_detected, |s, db| {
    c::c28_tampering_is_detected(s.as_ref(), &db).await
});
both!(c28_purge_keeps_verification, |s, db| {
    c::c28_purge_keeps_verification(s.as_ref(), &db).await
});
both!(c28_concurrent_appends_chain, |s, _db| {
    c::c28_concurrent_appends_chain(s).await
});
both!(c28_group_commit_appender, |s, _db| {
    c::c28_group_commit_appender(s).await
});
both!(c28_intents_settle_with_their_record, |s, _db| {
    c::c28_intents_settle_with_their_record(s).await
});
both!(jobs_claim_and_resume, |s, _db| c::jobs_claim_and_resume(
    s.as_ref()
)
.await);
both!(jobs_concurrent_claims_are_exclusive, |s, _db| {
    c::jobs_concurrent_claims_are_exclusive(s).await
});
both!(outbox_retries_until_sent, |s, _db| {
    c::outbox_retries_until_sent(s.as_ref()).await
});

#[test]
fn postgres_urls_get_the_test_database() {
    use vigie_store_sql::testing::with_database;
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
}
both!(c16_rights_requests_and_systems, |s, _db| {
    c::c16_rights_requests_and_systems(s.as_ref()).await
});
both!(jobs_one_at_a_time_per_tenant, |s, _db| {
    c::jobs_one_at_a_time_per_tenant(s.as_ref()).await
});
both!(c27_targets_bind_once, |s, _db| {
    c::c27_targets_bind_once(s.as_ref()).await
});
both!(c04_dpia_versions_per_activity, |s, _db| {
    c::c04_dpia_versions_per_activity(s.as_ref()).await
});
both!(
    c12_a_reply_keeps_its_documents_with_the_request,
    |s, _db| { c::c12_a_reply_keeps_its_documents_with_the_request(s.as_ref()).await }
);

both!(c01_follow_up_and_evidence_per_tenant, |s, _db| {
    c::c01_follow_up_and_evidence_per_tenant(s.as_ref()).await
});
both!(c01_one_organisation_sheet_per_tenant, |s, _db| {
    c::c01_one_organisation_sheet_per_tenant(s.as_ref()).await
});
both!(c04_register_keeps_every_version, |s, _db| {
    c::c04_register_keeps_every_version(s.as_ref()).await
});
both!(c09_notices_and_objection_windows, |s, _db| {
    c::c09_notices_and_objection_windows(s.as_ref()).await
});
both!(c40_c41_audits_and_instructions, |s, _db| {
    c::c40_c41_audits_and_instructions(s.as_ref()).await
});
both!(c25_invitations_are_accepted_by_their_owner, |s, _db| {
    c::c25_invitations_are_accepted_by_their_owner(s.as_ref()).await
});
both!(c17_incidents_and_phases, |s, db| {
    c::c17_incidents_and_phases(s.as_ref(), &db).await
});
both!(c19_problems_tell_each_client_its_part, |s, db| {
    c::c19_problems_tell_each_client_its_part(s.as_ref(), &db).await
});
both!(c24_a_tenant_is_destroyed_whole_and_only_it, |s, db| {
    c::c24_a_tenant_is_destroyed_whole_and_only_it(s.as_ref(), &db).await
});
both!(webhooks_deliver_once_per_endpoint_and_event, |s, _db| {
    vigie_store::conformance_webhooks::webhooks_deliver_once_per_endpoint_and_event(s.as_ref())
        .await
});

/// C28: an in-memory SQLite trail (no file another connection could open)
/// is read through sqlx, and verifies the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c28_an_in_memory_sqlite_trail_verifies() {
    let store = vigie_store_sql::sqlite::SqliteStore::connect("sqlite::memory:")
        .await
        .unwrap();
    vigie_store::Store::migrate(&store).await.unwrap();
    c::c28_trail_appends_and_verifies(&store).await;
}
