//! The conformance suite: scenarios every backend must pass. Each backend's
//! test binary runs every scenario against a fresh database of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    ApiTokenId, UserId,
    account::{DisplayName, Email},
    audit::{Actor, AuditEvent, Outcome},
    jobs::{JobKind, JobState},
    page::Page,
    role::{Role, Roles},
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
};

use crate::{
    NewApiToken, NewMessage, NewSession, NewUser, Store, StoreError, TrailFilter,
    trail::{self, TrailKey, VerifyError},
};

/// Raw SQL on the backend under test, to play the attacker who edits rows.
#[async_trait]
pub trait RawSql: Send + Sync {
    /// Runs one statement behind the store's back (a tamperer's view).
    async fn try_exec(&self, sql: &'static str) -> Result<u64, String>;
    async fn exec(&self, sql: &'static str) -> u64 {
        self.try_exec(sql).await.unwrap()
    }
}

pub fn new_user(email: &str) -> NewUser {
    NewUser {
        email: Email::parse(email).unwrap(),
        name: DisplayName::parse("Camille Martin").unwrap(),
        password_hash: "$argon2id$placeholder".into(),
        is_provider_admin: false,
        locale: "fr".into(),
        time_zone: "Europe/Paris".into(),
    }
}

pub fn event(action: &str, tenant: Option<vigie_domain::TenantId>) -> AuditEvent {
    AuditEvent {
        actor: Actor {
            user: Some(UserId(1)),
            label: "dpo@exemple.fr".into(),
        },
        tenant,
        action: action.into(),
        object: "user:1".into(),
        ip: "192.0.2.1".into(),
        user_agent: "conformance".into(),
        outcome: Outcome::Success,
    }
}

fn scope_of(t: &crate::Tenant, roles: &[Role]) -> TenantScope {
    TenantScope::from_verified_membership(t.id, None, Roles::new(roles.to_vec()))
}

async fn two_tenants(s: &dyn Store) -> (crate::Tenant, crate::Tenant) {
    let a = s
        .create_tenant(
            &TenantSlug::parse("commune-a").unwrap(),
            &TenantName::parse("Commune A").unwrap(),
        )
        .await
        .unwrap();
    let b = s
        .create_tenant(
            &TenantSlug::parse("syndicat-b").unwrap(),
            &TenantName::parse("Syndicat B").unwrap(),
        )
        .await
        .unwrap();
    (a, b)
}

/// Migrating twice changes nothing.
pub async fn migrations_are_idempotent(s: &dyn Store) {
    s.migrate().await.unwrap();
    s.migrate().await.unwrap();
    s.ping().await.unwrap();
}

/// C25: personal accounts, unique emails, disabling revokes everything at once.
pub async fn c25_accounts_and_disable(s: &dyn Store) {
    let u = s
        .create_user(&new_user("Camille@Exemple.fr"))
        .await
        .unwrap();
    assert_eq!(u.email.as_str(), "camille@exemple.fr");
    assert!(!u.disabled && !u.totp_enabled);
    assert!(matches!(
        s.create_user(&new_user("camille@exemple.fr")).await,
        Err(StoreError::Conflict(_))
    ));
    let same = s.user_by_email(&u.email).await.unwrap();
    assert_eq!(same, u);
    s.set_password_hash(u.id, "$argon2id$new").await.unwrap();
    assert_eq!(
        s.credentials(u.id).await.unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(matches!(
        s.user(UserId(9_999)).await,
        Err(StoreError::NotFound)
    ));

    let (a, _) = two_tenants(s).await;
    let now = Timestamp::now();
    s.create_session(&NewSession {
        token_hash: "h1".into(),
        user: u.id,
        created_at: now,
        ip: "192.0.2.1".into(),
        user_agent: "t".into(),
    })
    .await
    .unwrap();
    let scope =
        TenantScope::from_verified_membership(a.id, Some(u.id), Roles::new(vec![Role::Dpo]));
    let token = s
        .create_token(
            &scope,
            &NewApiToken {
                name: "export".into(),
                role: Role::Auditor,
                token_hash: "th1".into(),
                expires_at: now + SignedDuration::from_hours(24),
                created_by: Some(u.id),
                created_at: now,
            },
        )
        .await
        .unwrap();
    s.create_password_reset(u.id, "reset1", now + SignedDuration::from_hours(1))
        .await
        .unwrap();

    s.set_disabled(u.id, true).await.unwrap();
    assert!(s.user(u.id).await.unwrap().disabled);
    assert!(matches!(s.session("h1").await, Err(StoreError::NotFound)));
    assert!(s.token_by_hash("th1").await.unwrap().revoked);
    assert_eq!(token.id, s.token_by_hash("th1").await.unwrap().id);
    assert!(matches!(
        s.consume_password_reset("reset1", now).await,
        Err(StoreError::NotFound)
    ));
    s.set_disabled(u.id, false).await.unwrap();
    assert!(!s.user(u.id).await.unwrap().disabled);
}

/// C25: a reset link works once and not after it expires.
pub async fn c25_password_reset_is_one_time(s: &dyn Store) {
    let u = s.create_user(&new_user("reset@exemple.fr")).await.unwrap();
    let now = Timestamp::now();
    s.create_password_reset(u.id, "once", now + SignedDuration::from_mins(30))
        .await
        .unwrap();
    assert_eq!(s.peek_password_reset("once", now).await.unwrap(), u.id);
    assert_eq!(s.consume_password_reset("once", now).await.unwrap(), u.id);
    assert!(matches!(
        s.peek_password_reset("once", now).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.consume_password_reset("once", now).await,
        Err(StoreError::NotFound)
    ));
    s.create_password_reset(u.id, "late", now + SignedDuration::from_mins(30))
        .await
        .unwrap();
    assert!(matches!(
        s.consume_password_reset("late", now + SignedDuration::from_hours(1))
            .await,
        Err(StoreError::NotFound)
    ));
}

/// C25: failures are counted per key within a window, and cleared.
pub async fn c25_sign_in_failures(s: &dyn Store) {
    let now = Timestamp::now();
    for i in 0..3 {
        s.record_sign_in_failure("account:1", now - SignedDuration::from_mins(i * 10))
            .await
            .unwrap();
    }
    s.record_sign_in_failure("ip:192.0.2.1", now).await.unwrap();
    let since = now - SignedDuration::from_mins(15);
    assert_eq!(
        s.sign_in_failures_since("account:1", since).await.unwrap(),
        2
    );
    assert_eq!(
        s.sign_in_failures_since("ip:192.0.2.1", since)
            .await
            .unwrap(),
        1
    );
    s.clear_sign_in_failures("account:1").await.unwrap();
    assert_eq!(
        s.sign_in_failures_since("account:1", since).await.unwrap(),
        0
    );
}

/// C26, C27: roles per tenant, and a scope never reaches another tenant.
pub async fn c27_tenant_isolation(s: &dyn Store) {
    let (a, b) = two_tenants(s).await;
    let alice = s
        .create_user(&new_user("alice@commune-a.fr"))
        .await
        .unwrap();
    let bob = s.create_user(&new_user("bob@syndicat-b.fr")).await.unwrap();
    let dpo = s.create_user(&new_user("dpo@mutualise.fr")).await.unwrap();
    s.set_roles(
        &vigie_domain::scope::TenantScope::of_provider(a.id),
        alice.id,
        &Roles::new(vec![Role::Agent]),
    )
    .await
    .unwrap();
    s.set_roles(
        &vigie_domain::scope::TenantScope::of_provider(b.id),
        bob.id,
        &Roles::new(vec![Role::UserManager]),
    )
    .await
    .unwrap();
    // One DPO serving both tenants.
    s.set_roles(
        &vigie_domain::scope::TenantScope::of_provider(a.id),
        dpo.id,
        &Roles::new(vec![Role::Dpo]),
    )
    .await
    .unwrap();
    s.set_roles(
        &vigie_domain::scope::TenantScope::of_provider(b.id),
        dpo.id,
        &Roles::new(vec![Role::Dpo, Role::Auditor]),
    )
    .await
    .unwrap();
    let ms = s.memberships(dpo.id).await.unwrap();
    assert_eq!(ms.len(), 2);
    assert!(
        ms.iter()
            .any(|m| m.tenant.id == b.id && m.roles.contains(Role::Auditor))
    );

    let sa = scope_of(&a, &[Role::UserManager]);
    let members = s.members(&sa, "", Page::default()).await.unwrap();
    let emails: Vec<_> = members
        .items
        .iter()
        .map(|m| m.user.email.as_str())
        .collect();
    assert_eq!(members.total, 2);
    assert!(emails.contains(&"alice@commune-a.fr") && !emails.contains(&"bob@syndicat-b.fr"));
    assert_eq!(
        s.members(&sa, "ALICE", Page::default())
            .await
            .unwrap()
            .total,
        1
    );
    assert!(matches!(
        s.member(&sa, bob.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.member(&sa, alice.id).await.unwrap().roles,
        Roles::new(vec![Role::Agent])
    );

    let sb = scope_of(&b, &[Role::Dpo]);
    let now = Timestamp::now();
    let tb = s
        .create_token(
            &sb,
            &NewApiToken {
                name: "b".into(),
                role: Role::Auditor,
                token_hash: "tb".into(),
                expires_at: now + SignedDuration::from_hours(1),
                created_by: None,
                created_at: now,
            },
        )
        .await
        .unwrap();
    assert_eq!(s.list_tokens(&sa, Page::default()).await.unwrap().total, 0);
    assert!(matches!(
        s.revoke_token(&sa, tb.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(!s.token_by_hash("tb").await.unwrap().revoked);
    s.revoke_token(&sb, tb.id).await.unwrap();
    assert!(matches!(
        s.revoke_token(&sb, ApiTokenId(tb.id.0 + 1000)).await,
        Err(StoreError::NotFound)
    ));

    s.append(&event("user.read", Some(b.id))).await.unwrap();
    s.append(&event("user.read", Some(a.id))).await.unwrap();
    let ta = s
        .tenant_trail(&sa, &TrailFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(ta.total, 1);
    assert!(ta.items.iter().all(|r| r.event.tenant == Some(a.id)));

    s.set_roles(
        &vigie_domain::scope::TenantScope::of_provider(a.id),
        alice.id,
        &Roles::default(),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.member(&sa, alice.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_tenant(&a.slug, &a.name).await,
        Err(StoreError::Conflict(_))
    ));
    let listed = s.list_tenants("syndicat", Page::default()).await.unwrap();
    assert_eq!(listed.total, 1);
    assert_eq!(listed.items[0].id, b.id);
}

/// Sessions: created, found by hash, switched tenant, idle ones purged.
pub async fn sessions_expire_when_idle(s: &dyn Store) {
    let (a, _) = two_tenants(s).await;
    let u = s.create_user(&new_user("s@exemple.fr")).await.unwrap();
    let old = Timestamp::now() - SignedDuration::from_hours(5);
    for (h, at) in [("old", old), ("new", Timestamp::now())] {
        s.create_session(&NewSession {
            token_hash: h.into(),
            user: u.id,
            created_at: at,
            ip: "192.0.2.1".into(),
            user_agent: "t".into(),
        })
        .await
        .unwrap();
    }
    s.set_session_tenant("new", Some(a.id)).await.unwrap();
    let got = s.session("new").await.unwrap();
    assert_eq!(
        (got.user, got.tenant, got.token_hash.as_str()),
        (u.id, Some(a.id), "new")
    );
    let removed = s
        .purge_expired(
            Timestamp::now() - SignedDuration::from_hours(1),
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(matches!(s.session("old").await, Err(StoreError::NotFound)));
    s.delete_session("new").await.unwrap();
    assert!(matches!(s.session("new").await, Err(StoreError::NotFound)));
}

/// C28: appended records chain and verify; filters work.
pub async fn c28_trail_appends_and_verifies(s: &dyn Store) {
    let key = TrailKey::generate().unwrap();
    assert_eq!(trail::verify(s, None, |_| {}).await.unwrap().records, 0);
    let r1 = s.append(&event("auth.sign_in", None)).await.unwrap();
    let batch = s
        .append_batch(&[event("user.create", None), event("user.read", None)])
        .await
        .unwrap();
    assert_eq!((r1.seq, batch[0].seq, batch[1].seq), (1, 2, 3));
    let cp = trail::checkpoint(s, &key, Timestamp::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cp.seq, 3);
    assert!(
        trail::checkpoint(s, &key, Timestamp::now())
            .await
            .unwrap()
            .is_none()
    );
    s.append(&event("trail.export", None)).await.unwrap();
    let rep = trail::verify(s, Some(&key.public_hex()), |_| {})
        .await
        .unwrap();
    assert_eq!((rep.records, rep.last_seq, rep.checkpoints), (4, 4, 1));

    let f = TrailFilter {
        action_prefix: "user.".into(),
        ..Default::default()
    };
    let page = s.instance_trail(&f, Page::default()).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.items[0].seq, 3, "newest first");
    let f = TrailFilter {
        search: "EXPORT".into(),
        ..Default::default()
    };
    assert_eq!(
        s.instance_trail(&f, Page::default()).await.unwrap().total,
        1
    );
    let f = TrailFilter {
        outcome: Some(Outcome::Failure),
        ..Default::default()
    };
    assert_eq!(
        s.instance_trail(&f, Page::default()).await.unwrap().total,
        0
    );

    let other = TrailKey::generate().unwrap();
    assert!(matches!(
        trail::verify(s, Some(&other.public_hex()), |_| {}).await,
        Err(VerifyError::Checkpoint { seq: 3, .. })
    ));
}

/// C28: an edited, deleted or truncated record is found by verification.
pub async fn c28_tampering_is_detected(s: &dyn Store, raw: &dyn RawSql) {
    let key = TrailKey::generate().unwrap();
    for i in 0..5 {
        s.append(&event(&format!("a.{i}"), None)).await.unwrap();
    }
    trail::checkpoint(s, &key, Timestamp::now()).await.unwrap();
    assert!(trail::verify(s, None, |_| {}).await.is_ok());

    assert_eq!(
        raw.exec("UPDATE audit_log SET outcome = 'failure' WHERE seq = 2")
            .await,
        1
    );
    match trail::verify(s, None, |_| {}).await {
        Err(VerifyError::Break(b)) => assert!(b.to_string().contains("record 2"), "{b}"),
        other => panic!("expected a break at 2, got {other:?}"),
    }
    assert_eq!(
        raw.exec("UPDATE audit_log SET outcome = 'success' WHERE seq = 2")
            .await,
        1
    );
    assert!(trail::verify(s, None, |_| {}).await.is_ok());

    assert_eq!(raw.exec("DELETE FROM audit_log WHERE seq = 3").await, 1);
    match trail::verify(s, None, |_| {}).await {
        Err(VerifyError::Break(b)) => assert!(b.to_string().contains("record 4"), "{b}"),
        other => panic!("expected a gap before 4, got {other:?}"),
    }
    // Cutting the tail below the signed checkpoint shows too.
    assert_eq!(raw.exec("DELETE FROM audit_log WHERE seq >= 3").await, 2);
    assert!(matches!(
        trail::verify(s, None, |_| {}).await,
        Err(VerifyError::Checkpoint { seq: 5, .. })
    ));
}

/// C28: a trail longer than the ranges verification reads at once
/// verifies whole, and a hole wider than a range, or a record edited far
/// from the start, is found at its place (issue 19).
pub async fn c28_long_trail_verifies_by_ranges(s: &dyn Store, raw: &dyn RawSql) {
    let key = TrailKey::generate().unwrap();
    let batch: Vec<AuditEvent> = (0..2_000)
        .map(|i| event(&format!("bulk.{i}"), None))
        .collect();
    for i in 0..35 {
        s.append_batch(&batch).await.unwrap();
        if i == 20 {
            trail::checkpoint(s, &key, Timestamp::now()).await.unwrap();
        }
    }
    let mut seen = Vec::new();
    let rep = trail::verify(s, Some(&key.public_hex()), |seq| seen.push(seq))
        .await
        .unwrap();
    assert_eq!(
        (rep.records, rep.last_seq, rep.checkpoints),
        (70_000, 70_000, 1)
    );
    assert_eq!(rep.unsigned, 70_000 - 42_000);
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]) && seen.len() >= 4,
        "{seen:?}"
    );

    assert_eq!(
        raw.exec("UPDATE audit_log SET object = 'user:9' WHERE seq = 61234")
            .await,
        1
    );
    match trail::verify(s, None, |_| {}).await {
        Err(VerifyError::Break(b)) => assert!(b.to_string().contains("record 61234"), "{b}"),
        other => panic!("expected a break at 61234, got {other:?}"),
    }
    // A hole wider than a range, before the edit: the first break in
    // order is the hole.
    assert_eq!(
        raw.exec("DELETE FROM audit_log WHERE seq > 5 AND seq <= 45000")
            .await,
        45_000 - 5
    );
    match trail::verify(s, None, |_| {}).await {
        Err(VerifyError::Break(b)) => {
            assert!(
                b.to_string().contains("record 45001 follows record 5"),
                "{b}"
            )
        }
        other => panic!("expected a gap from 5 to 45001, got {other:?}"),
    }
}

/// C28: purging records past retention keeps the trail verifiable from
/// the signed anchor.
pub async fn c28_purge_keeps_verification(s: &dyn Store, raw: &dyn RawSql) {
    let key = TrailKey::generate().unwrap();
    for i in 0..5 {
        s.append(&event(&format!("old.{i}"), None)).await.unwrap();
    }
    trail::checkpoint(s, &key, Timestamp::now()).await.unwrap();
    tokio_free_sleep().await;
    let cutoff = Timestamp::now();
    tokio_free_sleep().await;
    for i in 0..3 {
        s.append(&event(&format!("new.{i}"), None)).await.unwrap();
    }
    let removed = trail::purge(s, &key, cutoff, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(removed, 5);
    assert_eq!(s.anchor().await.unwrap().unwrap().seq, 5);
    let rep = trail::verify(s, Some(&key.public_hex()), |_| {})
        .await
        .unwrap();
    assert_eq!((rep.from_seq, rep.records, rep.last_seq), (5, 3, 8));
    assert_eq!(
        trail::purge(s, &key, cutoff, Timestamp::now())
            .await
            .unwrap(),
        0
    );
    // The first record after the anchor is still bound to it.
    assert_eq!(
        raw.exec("UPDATE audit_log SET action = 'x' WHERE seq = 6")
            .await,
        1
    );
    assert!(matches!(
        trail::verify(s, None, |_| {}).await,
        Err(VerifyError::Break(_))
    ));
}

/// Waits a few milliseconds without depending on a runtime.
async fn tokio_free_sleep() {
    let until = std::time::Instant::now() + std::time::Duration::from_millis(5);
    while std::time::Instant::now() < until {
        std::thread::yield_now();
    }
}

/// C28: concurrent writers never fork or break the chain.
pub async fn c28_concurrent_appends_chain(s: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                s.append(&event(&format!("t{t}.{i}"), None)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rep = trail::verify(s.as_ref(), None, |_| {}).await.unwrap();
    assert_eq!((rep.records, rep.last_seq), (200, 200));
}

/// C28: the group-commit appender gives every request its own record,
/// in one chain, even when hundreds arrive at once.
pub async fn c28_group_commit_appender(s: Arc<dyn Store>) {
    let appender = crate::appender::Appender::start(s.clone());
    let mut tasks = Vec::new();
    for i in 0..300 {
        let a = appender.clone();
        tasks.push(tokio::spawn(async move {
            a.append(event(&format!("g.{i}"), None), None)
                .await
                .unwrap()
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.event.action.starts_with("g."));
        seqs.push(r.seq);
    }
    seqs.sort();
    assert_eq!(seqs, (1..=300).collect::<Vec<i64>>());
    let rep = trail::verify(s.as_ref(), None, |_| {}).await.unwrap();
    assert_eq!(rep.records, 300);
}

/// Jobs: idempotent enqueue, one claim at a time, a dead worker's job is
/// taken again after its lease, retries and failures are recorded.
pub async fn jobs_claim_and_resume(s: &dyn Store) {
    let now = Timestamp::now();
    assert!(
        s.enqueue(JobKind::TrailCheckpoint, "cp@1", now)
            .await
            .unwrap()
    );
    assert!(
        !s.enqueue(JobKind::TrailCheckpoint, "cp@1", now)
            .await
            .unwrap()
    );
    assert!(
        s.enqueue(
            JobKind::TrailPurge,
            "purge@later",
            now + SignedDuration::from_hours(1)
        )
        .await
        .unwrap()
    );
    let lease = now + SignedDuration::from_mins(5);
    let j = s
        .claim("w1", now, lease, &JobKind::ALL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (j.kind, j.state, j.attempts),
        (JobKind::TrailCheckpoint, JobState::Running, 1)
    );
    assert!(
        s.claim("w2", now, lease, &JobKind::ALL)
            .await
            .unwrap()
            .is_none(),
        "held and not due"
    );
    // A lane claims only its kinds.
    assert!(
        s.claim("w3", now, lease, &[JobKind::OutboxDelivery])
            .await
            .unwrap()
            .is_none(),
        "no outbox job is queued"
    );
    // Only the holder renews.
    assert!(s.renew(j.id, "w1", lease).await.unwrap());
    assert!(!s.renew(j.id, "w2", lease).await.unwrap());
    // Another name releases nothing.
    assert_eq!(s.release_jobs("w9", now).await.unwrap(), 0);
    // w1 dies; after the lease w2 takes the job again.
    let later = lease + SignedDuration::from_secs(1);
    let again = s
        .claim(
            "w2",
            later,
            later + SignedDuration::from_mins(5),
            &JobKind::ALL,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.id, again.attempts, again.locked_by.as_deref()),
        (j.id, 2, Some("w2"))
    );
    s.fail(
        again.id,
        later,
        "smtp down",
        Some(later + SignedDuration::from_secs(30)),
    )
    .await
    .unwrap();
    let third = s
        .claim(
            "w2",
            later + SignedDuration::from_secs(31),
            later + SignedDuration::from_mins(6),
            &JobKind::ALL,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(third.id, j.id);
    s.finish(third.id, later, "checkpoint at 42").await.unwrap();
    let list = s.list_jobs(Page::default()).await.unwrap();
    assert_eq!(list.total, 2);
    let done = list.items.iter().find(|x| x.id == j.id).unwrap();
    assert_eq!(
        (done.state, done.summary.as_str()),
        (JobState::Done, "checkpoint at 42")
    );
    assert_eq!(
        s.purge_finished_jobs(later + SignedDuration::from_secs(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.list_jobs(Page::default()).await.unwrap().total,
        1,
        "the queued one stays"
    );
}

/// Jobs: concurrent workers never claim the same job twice.
/// Issue 10: a tenant's jobs run one at a time, whatever its queue: the
/// next claim skips to another tenant's job, even a later one.
pub async fn jobs_one_at_a_time_per_tenant(s: &dyn Store) {
    let (a, b) = two_tenants(s).await;
    let now = Timestamp::now();
    let later = now + SignedDuration::from_secs(1);
    for i in 0..3 {
        s.enqueue_for(a.id, JobKind::RightsTask, &format!("a{i}"), now)
            .await
            .unwrap();
    }
    s.enqueue_for(b.id, JobKind::RightsTask, "b0", later)
        .await
        .unwrap();
    let lease = later + SignedDuration::from_mins(5);
    let first = s
        .claim("w1", later, lease, &JobKind::ALL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.key, "a0");
    let second = s
        .claim("w2", later, lease, &JobKind::ALL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.key, "b0", "A is busy: B's later job goes first");
    assert!(
        s.claim("w3", later, lease, &JobKind::ALL)
            .await
            .unwrap()
            .is_none(),
        "both tenants busy"
    );
    s.finish(first.id, later, "done").await.unwrap();
    let third = s
        .claim("w1", later, lease, &JobKind::ALL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(third.key, "a1");
}

pub async fn jobs_concurrent_claims_are_exclusive(s: Arc<dyn Store>) {
    let now = Timestamp::now();
    for i in 0..40 {
        s.enqueue(JobKind::OutboxDelivery, &format!("o@{i}"), now)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(j) = s
                .claim(
                    &format!("w{w}"),
                    now,
                    now + SignedDuration::from_mins(5),
                    &JobKind::ALL,
                )
                .await
                .unwrap()
            {
                got.push(j.id);
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    let n = all.len();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40));
}

/// Outbox: a failed send waits for its retry and is never lost.
pub async fn outbox_retries_until_sent(s: &dyn Store) {
    let now = Timestamp::now();
    let id = s
        .queue_message(
            &NewMessage {
                tenant: None,
                to: Email::parse("dpo@exemple.fr").unwrap(),
                subject: "Réinitialisation".into(),
                body: "lien".into(),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(s.due_messages(now, 10).await.unwrap().len(), 1);
    s.mark_failed(
        id,
        "connection refused",
        now + SignedDuration::from_secs(30),
    )
    .await
    .unwrap();
    assert!(s.due_messages(now, 10).await.unwrap().is_empty());
    let due = s
        .due_messages(now + SignedDuration::from_secs(31), 10)
        .await
        .unwrap();
    assert_eq!(
        (due.len(), due[0].attempts, due[0].last_error.as_str()),
        (1, 1, "connection refused")
    );
    s.mark_sent(id, now).await.unwrap();
    assert!(
        s.due_messages(now + SignedDuration::from_hours(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let listed = s.list_messages("réinit", Page::default()).await.unwrap();
    assert_eq!(listed.total, 1);
    assert!(listed.items[0].sent_at.is_some());
    // Claimed messages are not due for anyone else until the lease ends;
    // a released one is due again at once.
    let later = now + SignedDuration::from_hours(2);
    let a = s
        .queue_message(
            &NewMessage {
                tenant: None,
                to: Email::parse("claim@exemple.fr").unwrap(),
                subject: "Claim".into(),
                body: "x".into(),
            },
            later,
        )
        .await
        .unwrap();
    let first = s
        .claim_messages("n1", later, later + SignedDuration::from_mins(5), 10)
        .await
        .unwrap();
    assert_eq!(first.iter().map(|m| m.id).collect::<Vec<_>>(), vec![a]);
    assert!(
        s.claim_messages("n1", later, later + SignedDuration::from_mins(5), 10)
            .await
            .unwrap()
            .is_empty(),
        "claimed once"
    );
    assert_eq!(s.release_messages("n2", later).await.unwrap(), 0);
    assert_eq!(
        s.release_messages("n1", later).await.unwrap(),
        1,
        "n1 restarted"
    );
    assert_eq!(
        s.claim_messages("n2", later, later + SignedDuration::from_mins(5), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    s.release_message(a, later).await.unwrap();
    assert_eq!(
        s.claim_messages("n1", later, later + SignedDuration::from_mins(5), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Second factor: recovery codes are single-use.
pub async fn c25_totp_and_recovery_codes(s: &dyn Store) {
    let u = s.create_user(&new_user("totp@exemple.fr")).await.unwrap();
    s.set_totp(u.id, Some("SECRET"), &["r1".into(), "r2".into()])
        .await
        .unwrap();
    assert!(s.user(u.id).await.unwrap().totp_enabled);
    assert_eq!(
        s.credentials(u.id).await.unwrap().totp_secret.as_deref(),
        Some("SECRET")
    );
    assert!(s.consume_recovery_code(u.id, "r1").await.unwrap());
    assert!(!s.consume_recovery_code(u.id, "r1").await.unwrap());
    s.set_totp(u.id, None, &[]).await.unwrap();
    assert!(!s.user(u.id).await.unwrap().totp_enabled);
    assert!(!s.consume_recovery_code(u.id, "r2").await.unwrap());
}

fn new_request(tenant: vigie_domain::TenantId, token: &str, at: Timestamp) -> crate::RightsRequest {
    use vigie_domain::rights::{Intake, RequestKind, RequestStatus};
    crate::RightsRequest {
        id: vigie_domain::RequestId(0),
        tenant,
        reference: String::new(),
        kind: RequestKind::Erasure,
        intake: Intake::WebForm,
        status: RequestStatus::AwaitingEmailCheck,
        subject_name: "Éloïse Dupré".into(),
        subject_email: "eloise@exemple.fr".into(),
        identities: {
            use vigie_domain::{dataset::IdentityKind, identities::*};
            let mut ids = Identities::default();
            ids.add(IdentityKind::Email, "eloise@exemple.fr");
            ids.prove(
                IdentityKind::Phone,
                "06 11 22 33 44",
                IdentityProof {
                    method: vigie_domain::rights::Verification::InPerson,
                    by: "Agent".into(),
                    at,
                },
            );
            ids
        },
        details: "Merci d'effacer mon compte.".into(),
        channels: vec![vigie_domain::rights::Channel::Sms],
        rectifications: vec![("contact.telephone".into(), "06 00 00 00 00".into())],
        received_at: None,
        due_on: None,
        extended: false,
        extension_reason: String::new(),
        verification: None,
        code_hash: Some("h".into()),
        code_expires: Some(at + SignedDuration::from_mins(30)),
        code_attempts: 0,
        public_token_hash: token.into(),
        forwarded_to: None,
        forwarded_from: None,
        answer: String::new(),
        contact: vigie_domain::rights::Contact {
            postal_address: "3 rue des Lilas, 39000 Lons-le-Saunier".into(),
            ..Default::default()
        },
        created_at: at,
        updated_at: at,
    }
}

fn step(name: &str, at: Timestamp) -> crate::RequestEvent {
    crate::RequestEvent {
        at,
        actor: "test".into(),
        step: name.into(),
        detail: format!("{name} (fr)"),
        detail_en: format!("{name} (en)"),
    }
}

/// C11–C16 storage: systems and requests stay in their tenant, references
/// count per tenant and year, a status moved by someone else is a
/// conflict, timelines keep their order, download links expire.
/// C12 (issue 18): the person's documents stay with their request, in its
/// tenant; a reply past the request's limits keeps nothing, its timeline
/// line included.
pub async fn c12_a_reply_keeps_its_documents_with_the_request(s: &dyn Store) {
    use crate::{ATTACHMENTS_PER_REQUEST, NewAttachment};
    use vigie_domain::followup::EvidenceType;
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Agent]);
    let sb = scope_of(&b, &[Role::Agent]);
    let now = Timestamp::now();
    let r = s
        .create_request(&new_request(a.id, "reply", now), &step("submitted", now))
        .await
        .unwrap();
    let doc = |name: &str, bytes: &[u8]| NewAttachment {
        name: name.into(),
        kind: EvidenceType::Pdf,
        bytes: bytes.to_vec(),
        sha256: "ab".repeat(32),
    };
    let kept = s
        .add_reply(
            &sa,
            r.id,
            &step("information_given", now),
            &[doc("a.pdf", b"%PDF-a"), doc("b.pdf", &[0, 255, 1])],
        )
        .await
        .unwrap();
    assert_eq!(kept.len(), 2);
    let listed = s.request_attachments(&sa, r.id).await.unwrap();
    assert_eq!(listed, kept);
    let (meta, bytes) = s.request_attachment(&sa, r.id, kept[1].id).await.unwrap();
    assert_eq!((meta.name.as_str(), bytes), ("b.pdf", vec![0, 255, 1]));
    // Another tenant reaches none of it, and cannot add to it.
    assert!(matches!(
        s.request_attachment(&sb, r.id, kept[0].id).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.request_attachments(&sb, r.id).await.unwrap().is_empty());
    assert!(matches!(
        s.add_reply(
            &sb,
            r.id,
            &step("information_given", now),
            &[doc("x.pdf", b"x")]
        )
        .await,
        Err(StoreError::NotFound)
    ));
    // Past the count: nothing of that reply is kept.
    let events = s.events(&sa, r.id).await.unwrap();
    // A line keeps both languages (issue 18).
    assert!(
        events.iter().any(
            |e| e.detail == "information_given (fr)" && e.detail_en == "information_given (en)"
        ),
        "{events:?}"
    );
    let events = events.len();
    let many: Vec<NewAttachment> = (0..ATTACHMENTS_PER_REQUEST - 1)
        .map(|i| doc(&format!("{i}.pdf"), b"%PDF"))
        .collect();
    assert!(matches!(
        s.add_reply(&sa, r.id, &step("information_given", now), &many)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.request_attachments(&sa, r.id).await.unwrap().len(), 2);
    assert_eq!(s.events(&sa, r.id).await.unwrap().len(), events);
}

pub async fn c16_rights_requests_and_systems(s: &dyn Store) {
    use vigie_domain::rights::RequestStatus;
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Dpo]);
    let sb = scope_of(&b, &[Role::Dpo]);
    let now = Timestamp::now();

    assert_eq!(
        s.calendar(&vigie_domain::scope::TenantScope::of_provider(a.id))
            .await
            .unwrap(),
        vigie_domain::calendar::Calendar::France
    );
    s.set_calendar(&sa, vigie_domain::calendar::Calendar::AlsaceMoselle)
        .await
        .unwrap();
    assert_eq!(
        s.calendar(&vigie_domain::scope::TenantScope::of_provider(a.id))
            .await
            .unwrap(),
        vigie_domain::calendar::Calendar::AlsaceMoselle
    );

    let sys = s
        .create_system(
            &sa,
            &crate::NewSystem {
                name: "Mes demandes".into(),
                url_sealed: vec![1, 2, 3, 0, 255],
                url_hint: "sqlite://app.db".into(),
                dataset: "[[table]]".into(),
                at: now,
            },
        )
        .await
        .unwrap();
    assert_eq!(sys.url_sealed, vec![1, 2, 3, 0, 255]);
    assert!(matches!(
        s.system(&vigie_domain::scope::TenantScope::of_provider(b.id), sys.id)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.systems(&sb, "", Page::default()).await.unwrap().total, 0);
    assert_eq!(
        s.systems(&sa, "demandes", Page::default())
            .await
            .unwrap()
            .total,
        1
    );
    let mut edited = sys.clone();
    edited.dataset = "changed".into();
    edited.check_result = "table x does not exist".into();
    edited.checked_at = Some(now);
    assert!(matches!(
        s.save_system(&sb, &edited).await,
        Err(StoreError::NotFound)
    ));
    s.save_system(&sa, &edited).await.unwrap();
    assert_eq!(
        s.system(&vigie_domain::scope::TenantScope::of_provider(a.id), sys.id)
            .await
            .unwrap()
            .dataset,
        "changed"
    );

    let r1 = s
        .create_request(&new_request(a.id, "t1", now), &step("submitted", now))
        .await
        .unwrap();
    let r2 = s
        .create_request(&new_request(a.id, "t2", now), &step("submitted", now))
        .await
        .unwrap();
    let rb = s
        .create_request(&new_request(b.id, "t3", now), &step("submitted", now))
        .await
        .unwrap();
    let year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
    // C14: numbered per tenant and year, unique in the instance (issue
    // 18), so the provider's copy and the client's never read alike.
    assert!(
        r1.reference.ends_with(&format!("-{year}-0001")),
        "{}",
        r1.reference
    );
    assert!(
        r2.reference.ends_with(&format!("-{year}-0002")),
        "{}",
        r2.reference
    );
    assert!(
        rb.reference.ends_with(&format!("-{year}-0001")),
        "{}",
        rb.reference
    );
    assert_ne!(r1.reference, rb.reference, "two tenants, two references");
    assert_eq!(
        r1.rectifications,
        new_request(a.id, "t", now).rectifications
    );
    assert_eq!(r1.channels, [vigie_domain::rights::Channel::Sms]);
    // C12: each identifier's proof is kept with it.
    assert_eq!(
        s.request(&vigie_domain::scope::TenantScope::of_provider(a.id), r1.id)
            .await
            .unwrap()
            .identities,
        new_request(a.id, "t", now).identities
    );
    assert_eq!(r1.identities.proven().len(), 1);
    assert_eq!(s.request_by_public_token("t2").await.unwrap().id, r2.id);
    assert!(matches!(
        s.request(&vigie_domain::scope::TenantScope::of_provider(b.id), r1.id)
            .await,
        Err(StoreError::NotFound)
    ));
    // Unconfirmed requests are not listed to agents.
    assert_eq!(
        s.requests(&sa, &crate::RequestFilter::default(), Page::default())
            .await
            .unwrap()
            .total,
        0
    );

    let mut confirmed = r1.clone();
    confirmed.status = RequestStatus::Received;
    confirmed.received_at = Some(now);
    confirmed.due_on = Some(jiff::civil::date(2026, 12, 10));
    s.save_request(
        &confirmed,
        RequestStatus::AwaitingEmailCheck,
        &step("email_confirmed", now),
        &[],
    )
    .await
    .unwrap();
    // A second agent acting on the old status loses.
    assert!(matches!(
        s.save_request(
            &confirmed,
            RequestStatus::AwaitingEmailCheck,
            &step("email_confirmed", now),
            &[]
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    let mut approved = confirmed.clone();
    approved.status = RequestStatus::Executing;
    let tasks = s
        .save_request(
            &approved,
            RequestStatus::Received,
            &step("approved", now),
            &[sys.id],
        )
        .await
        .unwrap();
    assert_eq!(tasks.len(), 1);
    let mut task = s.task(tasks[0]).await.unwrap();
    assert_eq!(task.system_name, "Mes demandes");
    assert_eq!(task.state, crate::TaskState::Queued);
    task.state = crate::TaskState::Done;
    task.found = 7;
    task.outcome_sealed = Some(vec![9; 40]);
    s.save_task(&task).await.unwrap();
    assert_eq!(
        s.tasks(&vigie_domain::scope::TenantScope::of_provider(a.id), r1.id)
            .await
            .unwrap(),
        vec![task.clone()]
    );
    assert_eq!(
        s.tasks(&vigie_domain::scope::TenantScope::of_provider(b.id), r1.id)
            .await
            .unwrap(),
        vec![]
    );
    s.add_event(
        &vigie_domain::scope::TenantScope::of_provider(a.id),
        r1.id,
        &step("task_done", now),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.add_event(
            &vigie_domain::scope::TenantScope::of_provider(b.id),
            r1.id,
            &step("x", now)
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let steps: Vec<String> = s
        .events(&vigie_domain::scope::TenantScope::of_provider(a.id), r1.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.step)
        .collect();
    assert_eq!(
        steps,
        ["submitted", "email_confirmed", "approved", "task_done"]
    );
    assert_eq!(
        s.events(&vigie_domain::scope::TenantScope::of_provider(b.id), r1.id)
            .await
            .unwrap(),
        vec![]
    );

    let due = crate::RequestFilter {
        due_by: Some(jiff::civil::date(2026, 12, 10)),
        ..Default::default()
    };
    assert_eq!(
        s.requests(&sa, &due, Page::default()).await.unwrap().total,
        1
    );
    let due_earlier = crate::RequestFilter {
        due_by: Some(jiff::civil::date(2026, 12, 9)),
        ..Default::default()
    };
    assert_eq!(
        s.requests(&sa, &due_earlier, Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        s.requests_due_by(jiff::civil::date(2026, 12, 10))
            .await
            .unwrap()
            .len(),
        1
    );
    let search = crate::RequestFilter {
        search: "dupré".into(),
        ..Default::default()
    };
    assert_eq!(
        s.requests(&sa, &search, Page::default())
            .await
            .unwrap()
            .total,
        1
    );

    s.create_download("dl", a.id, r1.id, now + SignedDuration::from_hours(1))
        .await
        .unwrap();
    assert_eq!(s.download("dl", now).await.unwrap(), (a.id, r1.id));
    assert!(matches!(
        s.download("dl", now + SignedDuration::from_hours(2)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_download("dl2", b.id, r1.id, now).await,
        Err(StoreError::NotFound)
    ));
    // Old exports go; the counts stay.
    assert_eq!(
        s.purge_exports(now - SignedDuration::from_hours(1), now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.purge_exports(
            now + SignedDuration::from_hours(1),
            now + SignedDuration::from_hours(2)
        )
        .await
        .unwrap(),
        1
    );
    let purged = s.task(task.id).await.unwrap();
    assert_eq!((purged.outcome_sealed, purged.found), (None, 7));
    assert!(matches!(
        s.download("dl", now).await,
        Err(StoreError::NotFound)
    ));

    // C39: scans of a system, kept, in their tenant.
    let mut scan = s.create_scan(&sa, sys.id, now).await.unwrap();
    assert_eq!(scan.state, "queued");
    assert!(matches!(
        s.create_scan(&sb, sys.id, now).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.scan(
            &vigie_domain::scope::TenantScope::of_provider(b.id),
            scan.id
        )
        .await,
        Err(StoreError::NotFound)
    ));
    scan.state = "done".into();
    scan.report = "[]".into();
    scan.finished_at = Some(scan.requested_at);
    s.save_scan(&scan).await.unwrap();
    assert_eq!(
        s.scans(
            &vigie_domain::scope::TenantScope::of_provider(a.id),
            sys.id,
            10
        )
        .await
        .unwrap(),
        vec![scan]
    );
    assert_eq!(
        s.scans(
            &vigie_domain::scope::TenantScope::of_provider(b.id),
            sys.id,
            10
        )
        .await
        .unwrap(),
        vec![]
    );
}

/// C01/C04: activities stay in their tenant; every change keeps who, when,
/// why and the previous values; a stale save is a conflict; the list
/// filters by words, status and sensitive data.
/// C27: a client database is bound to the first tenant that uses it,
/// whoever asks next; the provider declares one shared (not one a tenant
/// holds), lists and releases bindings.
pub async fn c27_targets_bind_once(s: &dyn Store) {
    use crate::{TargetBinding, TargetOwner};
    let (a, b) = two_tenants(s).await;
    let now = Timestamp::now();
    let first = s
        .bind_target("postgresql:1:2", "postgresql://db:5432/app", a.id, now)
        .await
        .unwrap();
    assert_eq!(first.owner, TargetOwner::Tenant(a.id));
    let again = s
        .bind_target("postgresql:1:2", "postgresql://autre:5432/app", b.id, now)
        .await
        .unwrap();
    assert_eq!(
        again.owner,
        TargetOwner::Tenant(a.id),
        "the first binding wins"
    );
    assert_eq!(again.location, "postgresql://db:5432/app");
    let shared = TargetBinding {
        identity: "sqlite:3:4".into(),
        location: "sqlite:///srv/clients/mes-demandes.db".into(),
        owner: TargetOwner::Shared,
        bound_at: now,
        label: "Mes demandes".into(),
        column: "organisation_id".into(),
        tenants: vec![(a.id, "1".into()), (b.id, "2".into())],
    };
    s.declare_shared(&shared).await.unwrap();
    let claimed = s
        .bind_target("sqlite:3:4", "sqlite:///ailleurs.db", b.id, now)
        .await
        .unwrap();
    assert_eq!(claimed.owner, TargetOwner::Shared);
    assert_eq!(claimed.value_for(b.id), Some("2"));
    assert!(matches!(
        s.declare_shared(&TargetBinding {
            identity: "postgresql:1:2".into(),
            ..shared.clone()
        })
        .await,
        Err(StoreError::Conflict(_))
    ));
    // Redeclared with one tenant fewer.
    s.declare_shared(&TargetBinding {
        tenants: vec![(a.id, "1".into())],
        ..shared.clone()
    })
    .await
    .unwrap();
    let t = s.target("sqlite:3:4").await.unwrap().unwrap();
    assert_eq!(t.value_for(b.id), None);
    let listed = s.targets("", Page::default()).await.unwrap();
    assert_eq!(listed.total, 2);
    assert_eq!(listed.items[0].owner, TargetOwner::Shared, "shared first");
    assert_eq!(
        s.targets("demandes", Page::default()).await.unwrap().total,
        1
    );
    s.release_target("postgresql:1:2").await.unwrap();
    assert_eq!(s.target("postgresql:1:2").await.unwrap(), None);
    let now_b = s
        .bind_target("postgresql:1:2", "postgresql://db:5432/app", b.id, now)
        .await
        .unwrap();
    assert_eq!(now_b.owner, TargetOwner::Tenant(b.id));
}

pub async fn c01_one_organisation_sheet_per_tenant(s: &dyn Store) {
    use vigie_domain::organisation::OrganisationSheet;
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Dpo]);
    let sb = scope_of(&b, &[Role::Dpo]);
    assert_eq!(s.organisation_sheet(&sa).await.unwrap(), None);
    let first = OrganisationSheet {
        legal_name: "Commune A".into(),
        dpo_designation: "DPO-1".into(),
        ..OrganisationSheet::default()
    };
    let now = Timestamp::now();
    s.save_organisation_sheet(&sa, &first, "anne", now)
        .await
        .unwrap();
    let second = OrganisationSheet {
        dpo_designation: "DPO-2".into(),
        ..first.clone()
    };
    s.save_organisation_sheet(&sa, &second, "paul", now)
        .await
        .unwrap();
    let got = s.organisation_sheet(&sa).await.unwrap().unwrap();
    assert_eq!(got.sheet, second);
    assert_eq!(got.updated_by, "paul");
    // Another tenant's scope sees none of it.
    assert_eq!(s.organisation_sheet(&sb).await.unwrap(), None);
}

/// C04 (issue 17): an activity's impact assessment is kept as versions,
/// a stale save is a conflict, and another tenant cannot read or write it.
pub async fn c04_dpia_versions_per_activity(s: &dyn Store) {
    use vigie_domain::dpia::{Decision, Dpia};
    use vigie_domain::register::{Activity, ActivityStatus};
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Dpo]);
    let sb = scope_of(&b, &[Role::Dpo]);
    let now = Timestamp::now();
    let act = s
        .create_activity(
            &sa,
            &crate::ActivityChange {
                status: ActivityStatus::Draft,
                body: Activity {
                    name: "Vidéoprotection".into(),
                    ..Activity::default()
                },
                author: "anne".into(),
                reason: "création".into(),
                at: now,
            },
        )
        .await
        .unwrap();
    assert!(s.dpia_versions(&sa, act.id).await.unwrap().is_empty());
    let mut d = Dpia::blank();
    d.overview = "Caméras sur la voie publique".into();
    let first = s.save_dpia(&sa, act.id, 0, &d, "anne", now).await.unwrap();
    assert_eq!(first.version, 1);
    // A second save still expecting "none yet" lost the race.
    assert!(matches!(
        s.save_dpia(&sa, act.id, 0, &d, "paul", now).await,
        Err(StoreError::Conflict(_))
    ));
    d.decision = Some(Decision::Refused);
    s.save_dpia(&sa, act.id, 1, &d, "paul", now).await.unwrap();
    let versions = s.dpia_versions(&sa, act.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(versions[0].dpia.decision, Some(Decision::Refused));
    assert_eq!(versions[1].dpia.decision, None);
    let latest = s.latest_dpias(&sa).await.unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!((latest[0].activity, latest[0].version), (act.id, 2));
    // Tenant B: neither reads nor writes A's assessment.
    assert!(matches!(
        s.dpia_versions(&sb, act.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.save_dpia(&sb, act.id, 2, &d, "eve", now).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.latest_dpias(&sb).await.unwrap().is_empty());
}

/// Issue 17: advice and actions are the tenant's, searchable, open ones
/// first by due date; closing twice is a conflict; evidence stays within
/// its tenant and its quota.
pub async fn c01_follow_up_and_evidence_per_tenant(s: &dyn Store) {
    use vigie_domain::followup::{EvidenceType, FollowUpKind, FollowUpStatus, NewFollowUp};
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Dpo]);
    let sb = scope_of(&b, &[Role::Dpo]);
    let now = Timestamp::now();
    let item = |title: &str, due: Option<jiff::civil::Date>| NewFollowUp {
        kind: FollowUpKind::Action,
        activity: None,
        title: title.into(),
        detail: String::new(),
        owner: "Service informatique".into(),
        due,
    };
    let late = s
        .create_follow_up(
            &sa,
            &item("Chiffrer", Some(jiff::civil::date(2027, 6, 1))),
            "anne",
            now,
        )
        .await
        .unwrap();
    let soon = s
        .create_follow_up(
            &sa,
            &item("Habilitations", Some(jiff::civil::date(2027, 1, 15))),
            "anne",
            now,
        )
        .await
        .unwrap();
    let all = s
        .follow_ups(
            &sa,
            &crate::FollowUpFilter::default(),
            Page::new(None, Some(10)),
        )
        .await
        .unwrap();
    assert_eq!(
        all.items.iter().map(|f| f.id).collect::<Vec<_>>(),
        [soon.id, late.id],
        "open ones by due date"
    );
    let found = s
        .follow_ups(
            &sa,
            &crate::FollowUpFilter {
                search: "CHIFF".into(),
                ..Default::default()
            },
            Page::new(None, Some(10)),
        )
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    s.close_follow_up(&sa, soon.id, FollowUpStatus::Done, "fait", "paul", now)
        .await
        .unwrap();
    assert!(matches!(
        s.close_follow_up(&sa, soon.id, FollowUpStatus::Declined, "non", "paul", now)
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Tenant B sees, closes and links nothing of A's.
    assert!(matches!(
        s.follow_up(&sb, late.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.close_follow_up(&sb, late.id, FollowUpStatus::Done, "", "eve", now)
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(s.all_follow_ups(&sb).await.unwrap().is_empty());
    let a_activity = s
        .create_activity(
            &sa,
            &crate::ActivityChange {
                status: vigie_domain::register::ActivityStatus::Draft,
                body: vigie_domain::register::Activity {
                    name: "Cantine".into(),
                    ..Default::default()
                },
                author: "anne".into(),
                reason: "création".into(),
                at: now,
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        s.create_follow_up(
            &sb,
            &NewFollowUp {
                activity: Some(a_activity.id),
                ..item("x", Some(jiff::civil::date(2027, 1, 1)))
            },
            "eve",
            now
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let doc = crate::NewEvidence {
        activity: Some(a_activity.id),
        name: "PV.pdf".into(),
        kind: EvidenceType::Pdf,
        bytes: b"%PDF-1.7 proof".to_vec(),
        sha256: "00".into(),
    };
    let kept = s.add_evidence(&sa, &doc, "anne", now).await.unwrap();
    let (meta, bytes) = s.evidence_file(&sa, kept.id).await.unwrap();
    assert_eq!(
        (meta.name.as_str(), bytes.as_slice()),
        ("PV.pdf", &b"%PDF-1.7 proof"[..])
    );
    assert_eq!(
        s.evidence(&sa, Some(a_activity.id), Page::new(None, Some(10)))
            .await
            .unwrap()
            .total,
        1
    );
    assert!(matches!(
        s.evidence_file(&sb, kept.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_evidence(&sb, kept.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.add_evidence(&sb, &doc, "eve", now).await,
        Err(StoreError::NotFound)
    ));
    // Past the quota: refused, nothing kept.
    let huge = crate::NewEvidence {
        activity: None,
        bytes: vec![0; (crate::EVIDENCE_QUOTA_BYTES / 2 + 1) as usize],
        ..doc.clone()
    };
    s.add_evidence(&sa, &huge, "anne", now).await.unwrap();
    assert!(matches!(
        s.add_evidence(&sa, &huge, "anne", now).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.evidence(&sa, None, Page::new(None, Some(10)))
            .await
            .unwrap()
            .total,
        2
    );
    s.delete_evidence(&sa, kept.id).await.unwrap();
    assert!(matches!(
        s.evidence_file(&sa, kept.id).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn c04_register_keeps_every_version(s: &dyn Store) {
    use vigie_domain::register::{Activity, ActivityStatus, LegalBasis};
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Dpo]);
    let sb = scope_of(&b, &[Role::Dpo]);
    let now = Timestamp::now();
    let change = |body: Activity, status, reason: &str| crate::ActivityChange {
        status,
        body,
        author: "dpo@commune-a.fr".into(),
        reason: reason.into(),
        at: now,
    };
    let v1 = Activity {
        name: "Gestion du recrutement".into(),
        purposes: "Traiter les candidatures".into(),
        legal_bases: vec![LegalBasis::LegitimateInterest],
        ..Activity::default()
    };
    let created = s
        .create_activity(&sa, &change(v1.clone(), ActivityStatus::Draft, "création"))
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(created.body, v1);
    let mut v2 = v1.clone();
    v2.data_categories = vec!["sante".into()];
    let saved = s
        .save_activity(
            &sa,
            created.id,
            1,
            &change(
                v2.clone(),
                ActivityStatus::Complete,
                "ajout des données de santé",
            ),
        )
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    assert!(matches!(
        s.save_activity(
            &sa,
            created.id,
            1,
            &change(v1.clone(), ActivityStatus::Draft, "vieux")
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.save_activity(
            &sb,
            created.id,
            2,
            &change(v1.clone(), ActivityStatus::Draft, "autre")
        )
        .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.activity(
            &vigie_domain::scope::TenantScope::of_provider(b.id),
            created.id
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let versions = s
        .versions(
            &vigie_domain::scope::TenantScope::of_provider(a.id),
            created.id,
        )
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].reason, "ajout des données de santé");
    assert_eq!(versions[1].body, v1, "the previous values are kept");
    assert_eq!(
        s.versions(
            &vigie_domain::scope::TenantScope::of_provider(b.id),
            created.id
        )
        .await
        .unwrap(),
        vec![]
    );

    let other = Activity {
        name: "Communication".into(),
        ..Activity::default()
    };
    s.create_activity(&sa, &change(other, ActivityStatus::Draft, "création"))
        .await
        .unwrap();
    let sa2 = &sa;
    let all = |f: crate::ActivityFilter| async move {
        s.activities(sa2, &f, Page::default()).await.unwrap().total
    };
    assert_eq!(all(crate::ActivityFilter::default()).await, 2);
    assert_eq!(
        all(crate::ActivityFilter {
            search: "RECRUTEMENT".into(),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        all(crate::ActivityFilter {
            sensitive_only: true,
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        all(crate::ActivityFilter {
            status: Some(ActivityStatus::Checked),
            ..Default::default()
        })
        .await,
        0
    );
    assert_eq!(
        s.activities(&sb, &crate::ActivityFilter::default(), Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        s.all_activities(&vigie_domain::scope::TenantScope::of_provider(a.id))
            .await
            .unwrap()
            .len(),
        2
    );
    let history = s.register_history(a.id, Page::default()).await.unwrap();
    assert_eq!(history.total, 3);
    assert_eq!(history.items[0].name, "Communication");
    assert_eq!(
        s.register_history(b.id, Page::default())
            .await
            .unwrap()
            .total,
        0
    );
}

/// C07/C09/C10: sub-processors, the tenants they serve, notices with one
/// window per tenant, objections and their resolution, silence as
/// acceptance once the deadline is past.
pub async fn c09_notices_and_objection_windows(s: &dyn Store) {
    use vigie_domain::subprocessor::{ChangeKind, Country, Site, SubProcessor, WindowState};
    let (a, b) = two_tenants(s).await;
    let now = Timestamp::now();
    let ovh = SubProcessor {
        name: "OVH".into(),
        purpose: "Hébergement".into(),
        sites: vec![Site {
            name: "Roubaix".into(),
            country: Country::parse("FR").unwrap(),
        }],
        certifications: vec!["ISO 27001".into(), "HDS".into()],
        ..SubProcessor::default()
    };
    let sp = s.create_subprocessor(&ovh, now).await.unwrap();
    assert_eq!(sp.body, ovh);
    assert!(
        s.subprocessors_of_tenant(&vigie_domain::scope::TenantScope::of_provider(a.id))
            .await
            .unwrap()
            .is_empty()
    );
    let d1 = jiff::civil::date(2026, 12, 3);
    let notice = s
        .create_notice(&crate::NewNotice {
            subprocessor: sp.id,
            kind: ChangeKind::Added,
            replaces: String::new(),
            activities: "Hébergement de « Mes demandes »".into(),
            at: now,
            tenants: vec![(a.id, d1), (b.id, d1)],
        })
        .await
        .unwrap();
    assert_eq!(
        s.subprocessors_of_tenant(&vigie_domain::scope::TenantScope::of_provider(a.id))
            .await
            .unwrap()
            .len(),
        1,
        "C10"
    );
    assert_eq!(
        s.tenants_of_subprocessor(sp.id).await.unwrap(),
        vec![a.id, b.id]
    );
    let na = s
        .notices_of_tenant(&vigie_domain::scope::TenantScope::of_provider(a.id))
        .await
        .unwrap();
    assert_eq!(na.len(), 1);
    assert_eq!((na[0].state, na[0].deadline), (WindowState::Open, d1));
    s.answer_notice(
        notice,
        &vigie_domain::scope::TenantScope::of_provider(a.id),
        WindowState::Open,
        WindowState::Objected,
        "Hébergement hors de nos exigences",
        now,
    )
    .await
    .unwrap();
    assert!(matches!(
        s.answer_notice(
            notice,
            &vigie_domain::scope::TenantScope::of_provider(a.id),
            WindowState::Open,
            WindowState::Accepted,
            "",
            now
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    // Past the deadline: B's silence is acceptance; A's objection stays.
    let closed = s
        .close_windows(jiff::civil::date(2026, 12, 4), now)
        .await
        .unwrap();
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0].tenant, b.id);
    assert_eq!(
        s.notices_of_tenant(&vigie_domain::scope::TenantScope::of_provider(b.id))
            .await
            .unwrap()[0]
            .state,
        WindowState::AcceptedBySilence
    );
    s.answer_notice(
        notice,
        &vigie_domain::scope::TenantScope::of_provider(a.id),
        WindowState::Objected,
        WindowState::Resolved,
        "Données restées en France",
        now,
    )
    .await
    .unwrap();
    let all = s.notices_of_subprocessor(sp.id).await.unwrap();
    let of_a = all.iter().find(|n| n.tenant == a.id).unwrap();
    assert_eq!(of_a.state, WindowState::Resolved);
    assert_eq!(of_a.reason, "Hébergement hors de nos exigences");
    assert_eq!(of_a.resolution, "Données restées en France");
    assert!(
        s.close_windows(jiff::civil::date(2027, 1, 1), now)
            .await
            .unwrap()
            .is_empty()
    );
}

/// C40/C41: audits and instructions stay in their tenant and keep what
/// the provider adds.
pub async fn c40_c41_audits_and_instructions(s: &dyn Store) {
    use vigie_domain::audits::{Audit, Instruction};
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Dpo]);
    let now = Timestamp::now();
    let mut audit = Audit {
        scope: "Hébergement".into(),
        ..Audit::default()
    };
    let stored = s
        .create_audit(
            &sa,
            jiff::civil::date(2026, 11, 23),
            jiff::civil::date(2027, 1, 5),
            &audit,
            "dpo",
            now,
        )
        .await
        .unwrap();
    audit.plan = "Visite du centre de données".into();
    s.save_audit(
        &vigie_domain::scope::TenantScope::of_provider(a.id),
        stored.id,
        &audit,
        now,
    )
    .await
    .unwrap();
    assert!(matches!(
        s.save_audit(
            &vigie_domain::scope::TenantScope::of_provider(b.id),
            stored.id,
            &audit,
            now
        )
        .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.audits(&vigie_domain::scope::TenantScope::of_provider(a.id))
            .await
            .unwrap()[0]
            .body
            .plan,
        "Visite du centre de données"
    );
    assert!(
        s.audits(&vigie_domain::scope::TenantScope::of_provider(b.id))
            .await
            .unwrap()
            .is_empty()
    );
    let mut ins = Instruction {
        given_by: "Maire".into(),
        purpose: "Archivage".into(),
        operation: "Exporter les dossiers clos".into(),
        ..Instruction::default()
    };
    let i = s
        .create_instruction(&sa, jiff::civil::date(2026, 11, 20), &ins, "dpo", now)
        .await
        .unwrap();
    ins.flagged_unlawful = true;
    ins.flag_reason = "Durée de conservation dépassée".into();
    s.save_instruction(
        &vigie_domain::scope::TenantScope::of_provider(a.id),
        i.id,
        &ins,
        now,
    )
    .await
    .unwrap();
    assert!(matches!(
        s.save_instruction(
            &vigie_domain::scope::TenantScope::of_provider(b.id),
            i.id,
            &ins,
            now
        )
        .await,
        Err(StoreError::NotFound)
    ));
    let found = s
        .instructions(
            &vigie_domain::scope::TenantScope::of_provider(a.id),
            "dossiers",
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert!(found.items[0].body.flagged_unlawful);
    assert_eq!(
        s.instructions(
            &vigie_domain::scope::TenantScope::of_provider(b.id),
            "",
            Page::default()
        )
        .await
        .unwrap()
        .total,
        0
    );
}

/// C28 (issue 10): a request's note is removed in the transaction of its
/// record; notes left by requests that never recorded become
/// `interrupted` records naming who (through the session they presented),
/// in which tenant and which request; nothing is left behind.
pub async fn c28_intents_settle_with_their_record(s: Arc<dyn Store>) {
    let (a, _) = two_tenants(s.as_ref()).await;
    let u = s.create_user(&new_user("agent@exemple.fr")).await.unwrap();
    let now = Timestamp::now();
    s.create_session(&NewSession {
        token_hash: "sess".into(),
        user: u.id,
        created_at: now,
        ip: "192.0.2.1".into(),
        user_agent: "t".into(),
    })
    .await
    .unwrap();
    let note = |path: &str, credential: &str| crate::NewIntent {
        at: now,
        credential: credential.into(),
        tenant_slug: "commune-a".into(),
        method: "POST".into(),
        path: path.into(),
        ip: "192.0.2.9".into(),
        user_agent: "ua".into(),
    };
    let traced = s
        .begin_intent(&note("/t/commune-a/registre", "sess"))
        .await
        .unwrap();
    let killed = s
        .begin_intent(&note("/t/commune-a/registre/7", "sess"))
        .await
        .unwrap();
    let anonymous = s
        .begin_intent(&note("/p/commune-a/droits", ""))
        .await
        .unwrap();
    assert_eq!(
        s.intent(killed).await.unwrap().note.path,
        "/t/commune-a/registre/7"
    );

    // The request that recorded itself: record and removal together.
    let appender = crate::appender::Appender::start(s.clone());
    appender
        .append(event("register.create", Some(a.id)), Some(traced))
        .await
        .unwrap();
    assert!(matches!(s.intent(traced).await, Err(StoreError::NotFound)));

    // Nothing is settled that is younger than the cut.
    let early = now - SignedDuration::from_secs(1);
    assert_eq!(
        crate::intent::settle_stale(s.as_ref(), early)
            .await
            .unwrap(),
        0
    );
    let later = now + SignedDuration::from_secs(1);
    let left: Vec<i64> = s
        .intents_before(later, 10)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(left, vec![killed, anonymous]);
    assert_eq!(
        crate::intent::settle_stale(s.as_ref(), later)
            .await
            .unwrap(),
        2
    );
    assert!(s.intents_before(later, 10).await.unwrap().is_empty());

    let recs = s.records_after(0, 10).await.unwrap();
    let got: Vec<(&str, &str, Option<vigie_domain::TenantId>, &str, Outcome)> = recs
        .iter()
        .map(|r| {
            (
                r.event.action.as_str(),
                r.event.actor.label.as_str(),
                r.event.tenant,
                r.event.object.as_str(),
                r.event.outcome,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "register.create",
                "dpo@exemple.fr",
                Some(a.id),
                "user:1",
                Outcome::Success
            ),
            (
                "request.interrupted",
                "agent@exemple.fr",
                Some(a.id),
                "POST /t/commune-a/registre/7",
                Outcome::Interrupted
            ),
            (
                "request.interrupted",
                "anonymous",
                Some(a.id),
                "POST /p/commune-a/droits",
                Outcome::Interrupted
            ),
        ]
    );
    assert_eq!(recs[1].event.ip, "192.0.2.9");
    let rep = trail::verify(s.as_ref(), None, |_| {}).await.unwrap();
    assert_eq!(rep.records, 3);
}

/// Issue 12: an existing account joins another tenant only by accepting,
/// once, signed in as itself, before the link expires; the tenant
/// withdraws only its own invitations.
pub async fn c25_invitations_are_accepted_by_their_owner(s: &dyn Store) {
    let (a, b) = two_tenants(s).await;
    let bob = s.create_user(&new_user("bob@syndicat-b.fr")).await.unwrap();
    let eve = s.create_user(&new_user("eve@commune-a.fr")).await.unwrap();
    s.set_roles(
        &vigie_domain::scope::TenantScope::of_provider(b.id),
        bob.id,
        &Roles::new(vec![Role::UserManager]),
    )
    .await
    .unwrap();
    let sa = scope_of(&a, &[Role::UserManager]);
    let sb = scope_of(&b, &[Role::UserManager]);
    let now = Timestamp::now();
    let week = now + SignedDuration::from_hours(24 * 7);
    let agent = Roles::new(vec![Role::Agent]);
    s.invite(&sa, bob.id, &Roles::new(vec![Role::Dpo]), "h0", "Eve", week)
        .await
        .unwrap();
    // A second invitation replaces the first (and its link).
    s.invite(&sa, bob.id, &agent, "h1", "Eve", week)
        .await
        .unwrap();
    let pending = s.invitations(&sa, now).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].roles, agent);
    assert_eq!(pending[0].email.as_str(), "bob@syndicat-b.fr");
    assert!(s.invitations(&sb, now).await.unwrap().is_empty());
    assert_eq!(s.memberships(bob.id).await.unwrap().len(), 1, "not yet");
    assert!(matches!(
        s.invitation("h0", bob.id, now).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.accept_invitation("h1", eve.id, now).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.accept_invitation("h1", bob.id, week + SignedDuration::from_secs(1))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.withdraw_invitation(&sb, pending[0].id).await,
        Err(StoreError::NotFound)
    ));
    let accepted = s.accept_invitation("h1", bob.id, now).await.unwrap();
    assert_eq!(accepted.tenant.id, a.id);
    assert!(matches!(
        s.accept_invitation("h1", bob.id, now).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.member(&sa, bob.id).await.unwrap().roles, agent);
    assert!(s.invitations(&sa, now).await.unwrap().is_empty());
    // Withdrawn or declined, it cannot be accepted.
    s.invite(&sa, eve.id, &agent, "h2", "Eve", week)
        .await
        .unwrap();
    let id = s.invitations(&sa, now).await.unwrap()[0].id;
    s.withdraw_invitation(&sa, id).await.unwrap();
    assert!(s.accept_invitation("h2", eve.id, now).await.is_err());
    s.invite(&sa, eve.id, &agent, "h3", "Eve", week)
        .await
        .unwrap();
    s.decline_invitation("h3", eve.id).await.unwrap();
    assert!(s.accept_invitation("h3", eve.id, now).await.is_err());
    assert!(s.memberships(eve.id).await.unwrap().is_empty());
}

/// C17/C18: every incident kept with its reference; reads scoped; a save
/// over someone else's is refused; phases numbered, kept as sent — the
/// database itself refuses to change or remove one.
pub async fn c17_incidents_and_phases(s: &dyn Store, raw: &dyn RawSql) {
    use vigie_domain::breach::{Facts, IncidentStatus, Intake, PhaseKind};
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Dpo]);
    let sb = scope_of(&b, &[Role::Dpo]);
    let now = Timestamp::now();
    let new = |title: &str| crate::NewIncident {
        title: title.into(),
        description: "Ordinateur portable volé".into(),
        intake: Intake::Account,
        declared_by: "Agent".into(),
        aware_at: now - SignedDuration::from_hours(30),
        at: now,
        facts: Default::default(),
    };
    let first = s.create_incident(&sa, &new("Vol")).await.unwrap();
    let second = s
        .create_incident(&sa, &new("Courriel mal adressé"))
        .await
        .unwrap();
    let other = s.create_incident(&sb, &new("Panne")).await.unwrap();
    let year = vigie_domain::time::legal_date(now).year();
    assert_eq!(first.reference, format!("V-{year}-001"));
    assert_eq!(second.reference, format!("V-{year}-002"));
    assert_eq!(other.reference, format!("V-{year}-001"));
    assert!(matches!(
        s.incident(&sb, first.id).await,
        Err(StoreError::NotFound)
    ));
    let found = s.incidents(&sa, "courriel", Page::default()).await.unwrap();
    assert_eq!((found.total, found.items[0].id), (1, second.id));
    assert_eq!(s.running_clocks(Some(&sa)).await.unwrap().len(), 2);
    assert_eq!(s.running_clocks(None).await.unwrap().len(), 3);

    // Qualified as not a breach: its clock stops; it stays listed.
    let mut not_breach = second.clone();
    not_breach.facts.is_breach = Some(false);
    not_breach.facts.not_breach_reason = "Données chiffrées".into();
    not_breach.status = IncidentStatus::Qualified;
    not_breach.updated_at = now + SignedDuration::from_secs(1);
    s.save_incident(&sa, &not_breach, second.updated_at)
        .await
        .unwrap();
    assert!(matches!(
        s.save_incident(&sa, &not_breach, second.updated_at).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.save_incident(&sb, &not_breach, not_breach.updated_at)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.running_clocks(Some(&sa)).await.unwrap().len(), 1);
    assert_eq!(
        s.incidents(&sa, "", Page::default()).await.unwrap().total,
        2
    );

    // Two phases, numbered; the incident notified with the first.
    let mut notified = first.clone();
    notified.status = IncidentStatus::Notified;
    notified.notified_at = Some(now);
    notified.updated_at = now + SignedDuration::from_secs(2);
    let facts = Facts {
        persons: Some(120),
        ..Facts::default()
    };
    let phase = crate::Phase {
        n: 0,
        kind: PhaseKind::Initial,
        facts: facts.clone(),
        late_reason: String::new(),
        sent_at: now,
        sent_by: "DPO".into(),
    };
    assert_eq!(
        s.add_phase(&sa, &notified, first.updated_at, &phase)
            .await
            .unwrap()
            .n,
        1
    );
    let mut again = notified.clone();
    again.updated_at = now + SignedDuration::from_secs(3);
    let complement = crate::Phase {
        kind: PhaseKind::Complementary,
        facts: Facts {
            persons: Some(340),
            ..facts
        },
        ..phase.clone()
    };
    s.add_phase(&sa, &again, notified.updated_at, &complement)
        .await
        .unwrap();
    let phases = s.phases(&sa, first.id).await.unwrap();
    assert_eq!(phases.iter().map(|p| p.n).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        phases[0].facts.persons,
        Some(120),
        "the first phase says what it said"
    );
    assert!(s.phases(&sb, first.id).await.unwrap().is_empty());
    assert!(s.running_clocks(Some(&sa)).await.unwrap().is_empty());
    assert!(
        raw.try_exec("UPDATE incident_phases SET facts = '{}'")
            .await
            .is_err()
    );
    assert!(raw.try_exec("DELETE FROM incident_phases").await.is_err());
    assert_eq!(s.phases(&sa, first.id).await.unwrap(), phases);
    // Reminders are counted once.
    assert!(s.mark_reminded(other.id, 1).await.unwrap());
    assert!(!s.mark_reminded(other.id, 1).await.unwrap());
    assert!(s.mark_reminded(other.id, 2).await.unwrap());
}

/// A provider-wide incident ("problème"): each impacted client told once,
/// in its own register, with its own part; updates kept as sent and seen
/// only through the client's own incident (C17, C19).
pub async fn c19_problems_tell_each_client_its_part(s: &dyn Store, raw: &dyn RawSql) {
    use vigie_domain::breach::{Intake, ProblemStatus};
    let (a, b) = two_tenants(s).await;
    let sa = scope_of(&a, &[Role::Dpo]);
    let sb = scope_of(&b, &[Role::Dpo]);
    let now = Timestamp::now();
    assert_eq!(s.processor_notice_hours(a.id).await.unwrap(), 48);
    s.set_processor_notice_hours(a.id, 24).await.unwrap();
    assert_eq!(s.processor_notice_hours(a.id).await.unwrap(), 24);
    let p = s
        .create_problem(&crate::NewProblem {
            title: "Panne de l'hébergement".into(),
            description: "Baie de stockage hors service".into(),
            intake: Intake::Account,
            declared_by: "Astreinte".into(),
            aware_at: now - SignedDuration::from_hours(2),
            at: now,
        })
        .await
        .unwrap();
    let year = vigie_domain::time::legal_date(now).year();
    assert_eq!(p.reference, format!("P-{year}-001"));
    assert_eq!(p.status, ProblemStatus::Open);
    let client = |t: &crate::Tenant, part: &str| crate::ImpactedClient {
        tenant: t.id,
        tenant_name: String::new(),
        part: part.into(),
        persons: Some(40),
        notice_hours: 24,
        added_at: now,
        added_by: "Admin".into(),
        noticed_at: None,
        incident: None,
        notice_reminded: false,
    };
    s.add_impacted(p.id, &client(&a, "Votre état civil"))
        .await
        .unwrap();
    s.add_impacted(p.id, &client(&b, "Vos listes électorales"))
        .await
        .unwrap();
    assert!(matches!(
        s.add_impacted(p.id, &client(&a, "Encore")).await,
        Err(StoreError::Conflict(_))
    ));
    let list = s.impacted(p.id).await.unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|c| c.noticed_at.is_none()));

    let new = crate::NewIncident {
        title: p.title.clone(),
        description: "Votre état civil".into(),
        intake: Intake::Processor,
        declared_by: "Prestataire".into(),
        aware_at: now,
        at: now,
        facts: Default::default(),
    };
    let mail = crate::NewMessage {
        tenant: Some(a.id),
        to: Email::parse("dpo@a.example").unwrap(),
        subject: "Violation".into(),
        body: "…".into(),
    };
    let before = s.due_messages(now, 100).await.unwrap().len();
    let ia = s
        .notice_client(p.id, &sa, &new, std::slice::from_ref(&mail), now)
        .await
        .unwrap();
    assert_eq!(ia.intake, Intake::Processor);
    assert_eq!(
        s.incident(&sa, ia.id).await.unwrap().description,
        "Votre état civil"
    );
    assert_eq!(s.due_messages(now, 100).await.unwrap().len(), before + 1);
    // Told once: a second notice opens nothing and queues nothing.
    assert!(matches!(
        s.notice_client(p.id, &sa, &new, &[mail], now).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.incidents(&sa, "", Page::default()).await.unwrap().total,
        1
    );
    assert_eq!(s.due_messages(now, 100).await.unwrap().len(), before + 1);
    let list = s.impacted(p.id).await.unwrap();
    let noticed = list.iter().find(|c| c.tenant == a.id).unwrap();
    assert_eq!(
        (noticed.incident, noticed.noticed_at.is_some()),
        (Some(ia.id), true)
    );

    // An update reaches the client through its incident, and no one else.
    let mut next = p.clone();
    next.updated_at = now + SignedDuration::from_secs(1);
    let u = crate::ProblemUpdate {
        n: 0,
        body: "Service rétabli à 80 %".into(),
        closing: false,
        sent_at: now,
        sent_by: "Admin".into(),
    };
    assert_eq!(
        s.add_problem_update(&next, p.updated_at, &u, &[])
            .await
            .unwrap()
            .n,
        1
    );
    assert!(matches!(
        s.add_problem_update(&next, p.updated_at, &u, &[]).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.updates_for_incident(&sa, ia.id).await.unwrap().len(), 1);
    assert!(s.updates_for_incident(&sb, ia.id).await.unwrap().is_empty());
    let mut closed = next.clone();
    closed.status = ProblemStatus::Closed;
    closed.closed_at = Some(now);
    closed.updated_at = now + SignedDuration::from_secs(2);
    let closing = crate::ProblemUpdate {
        body: "Incident clos".into(),
        closing: true,
        ..u.clone()
    };
    s.add_problem_update(&closed, next.updated_at, &closing, &[])
        .await
        .unwrap();
    assert!(s.open_problems().await.unwrap().is_empty());
    let sent = s.problem_updates(p.id).await.unwrap();
    assert_eq!(
        sent.iter().map(|u| u.closing).collect::<Vec<_>>(),
        [false, true]
    );
    assert!(
        raw.try_exec("UPDATE problem_updates SET body = 'rien'")
            .await
            .is_err()
    );
    assert!(raw.try_exec("DELETE FROM problem_updates").await.is_err());
    assert_eq!(s.problem_updates(p.id).await.unwrap(), sent);
    // Reminders: one per deadline, one per client notice.
    assert!(s.mark_problem_reminded(p.id, now).await.unwrap());
    assert!(!s.mark_problem_reminded(p.id, now).await.unwrap());
    assert!(s.mark_notice_reminded(p.id, b.id).await.unwrap());
    assert!(!s.mark_notice_reminded(p.id, b.id).await.unwrap());
    let found = s.problems("hébergement", Page::default()).await.unwrap();
    assert_eq!(found.total, 1);

    // The provider's API tokens: found by hash, revoked for good.
    let admin = s
        .create_user(&NewUser {
            is_provider_admin: true,
            ..new_user("admin@hebergeur.example")
        })
        .await
        .unwrap();
    let t = s
        .create_provider_token(
            "supervision",
            "h1",
            now + SignedDuration::from_hours(24),
            admin.id,
            now,
        )
        .await
        .unwrap();
    assert_eq!(s.provider_token_by_hash("h1").await.unwrap(), t);
    assert!(matches!(
        s.provider_token_by_hash("h2").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.provider_tokens(Page::default()).await.unwrap().total, 1);
    s.revoke_provider_token(t.id).await.unwrap();
    assert!(s.provider_token_by_hash("h1").await.unwrap().revoked);
}

/// C24: a client's destruction removes everything of it — notification
/// phases included, through their guard's one exception — keeps its
/// certificate, leaves the other clients and the guard as they were.
pub async fn c24_a_tenant_is_destroyed_whole_and_only_it(s: &dyn Store, raw: &dyn RawSql) {
    use vigie_domain::breach::{Intake, PhaseKind};
    let (a, b) = two_tenants(s).await;
    let now = Timestamp::now();
    let mut phases = Vec::new();
    for t in [&a, &b] {
        let scope = scope_of(t, &[Role::Dpo]);
        let i = s
            .create_incident(
                &scope,
                &crate::NewIncident {
                    title: "Vol".into(),
                    description: String::new(),
                    intake: Intake::Account,
                    declared_by: "Agent".into(),
                    aware_at: now,
                    at: now,
                    facts: Default::default(),
                },
            )
            .await
            .unwrap();
        let mut sent = i.clone();
        sent.notified_at = Some(now);
        sent.updated_at = now + SignedDuration::from_secs(1);
        let phase = crate::Phase {
            n: 0,
            kind: PhaseKind::Complete,
            facts: Default::default(),
            late_reason: String::new(),
            sent_at: now,
            sent_by: "DPO".into(),
        };
        s.add_phase(&scope, &sent, i.updated_at, &phase)
            .await
            .unwrap();
        phases.push((scope.clone(), i.id));
        s.create_request(
            &new_request(t.id, &format!("tok-{}", t.id.0), now),
            &step("submitted", now),
        )
        .await
        .unwrap();
        s.create_system(
            &scope,
            &crate::NewSystem {
                name: "Mes demandes".into(),
                url_sealed: vec![1],
                url_hint: "sqlite://app.db".into(),
                dataset: "[[table]]".into(),
                at: now,
            },
        )
        .await
        .unwrap();
    }
    let p = s
        .create_problem(&crate::NewProblem {
            title: "Panne".into(),
            description: String::new(),
            intake: Intake::Account,
            declared_by: "Astreinte".into(),
            aware_at: now,
            at: now,
        })
        .await
        .unwrap();
    s.add_impacted(
        p.id,
        &crate::ImpactedClient {
            tenant: a.id,
            tenant_name: String::new(),
            part: "x".into(),
            persons: None,
            notice_hours: 24,
            added_at: now,
            added_by: "Admin".into(),
            noticed_at: None,
            incident: None,
            notice_reminded: false,
        },
    )
    .await
    .unwrap();
    // Ending: one at a time, cancellable, due on its day.
    let day = vigie_domain::time::legal_date(now);
    s.start_ending(a.id, day, "lien-1", "Admin", now)
        .await
        .unwrap();
    assert!(matches!(
        s.start_ending(a.id, day, "lien-2", "Admin", now).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.ending_by_token("lien-1").await.unwrap().tenant, a.id);
    assert!(matches!(
        s.ending_by_token("").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.endings_due(day).await.unwrap().len(), 1);
    s.cancel_ending(a.id).await.unwrap();
    assert!(s.ending(a.id).await.unwrap().is_none());
    assert!(
        matches!(s.ending_by_token("lien-1").await, Err(StoreError::NotFound)),
        "cancelled: the link is gone"
    );
    s.start_ending(a.id, day, "lien-3", "Admin", now)
        .await
        .unwrap();
    let counts = s.tenant_counts(a.id).await.unwrap();
    let n = |what: &str| counts.iter().find(|(w, _)| w == what).unwrap().1;
    assert_eq!(
        (
            n("incidents"),
            n("notification_phases"),
            n("rights_requests"),
            n("connected_systems")
        ),
        (1, 1, 1, 1)
    );
    let cert = s
        .destroy_tenant(
            a.id,
            &crate::DestructionCertificate {
                id: 0,
                tenant_slug: a.slug.to_string(),
                tenant_name: a.name.as_str().into(),
                destroyed_at: now,
                certificate: "{}".into(),
                signature: "sig".into(),
            },
        )
        .await
        .unwrap();
    assert!(matches!(s.tenant(a.id).await, Err(StoreError::NotFound)));
    assert!(
        s.tenant_counts(a.id)
            .await
            .unwrap()
            .iter()
            .all(|(_, n)| *n == 0)
    );
    assert!(s.ending(a.id).await.unwrap().is_none());
    assert_eq!(
        s.certificate(cert.id).await.unwrap().tenant_slug,
        a.slug.to_string()
    );
    assert_eq!(s.certificates(Page::default()).await.unwrap().total, 1);
    assert!(s.impacted(p.id).await.unwrap().is_empty());
    // B untouched; the guard back for everyone else.
    let (sb, ib) = &phases[1];
    assert_eq!(s.phases(sb, *ib).await.unwrap().len(), 1);
    assert_eq!(
        s.tenant_counts(b.id)
            .await
            .unwrap()
            .iter()
            .map(|(_, n)| n)
            .sum::<i64>(),
        3 + 1
    );
    assert!(raw.try_exec("DELETE FROM incident_phases").await.is_err());
    assert_eq!(s.phases(sb, *ib).await.unwrap().len(), 1);
}
