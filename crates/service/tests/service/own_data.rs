//! The sweep of Vigie's own data (C21, C22, C23), on the SQLite and
//! PostgreSQL stores: accounts told then anonymised after a year unused,
//! accounts of no client anonymised after three months, the last provider
//! administrator kept, requests anonymised five years after their last
//! step, unconfirmed submissions deleted; a signed report, nothing twice,
//! a crash resumed.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    page::Page,
    retention::OwnPolicy,
    rights::{Intake, RequestKind, RequestStatus},
    role::{Role, Roles},
    scope::TenantScope,
};
use vigie_service::{ServiceError, own_data, rights};
use vigie_store::{OwnSweep, Store, trail::TrailKey};
use vigie_store_sql::testing::{TempPostgres, TempSqlite, dyn_store};

use crate::{World, input, person, tenant};

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

async fn signs_in(s: &dyn Store, user: vigie_domain::UserId, at: Timestamp) {
    s.create_session(&vigie_store::NewSession {
        token_hash: crate::unique("session"),
        user,
        created_at: at,
        ip: "127.0.0.1".into(),
        user_agent: "test".into(),
    })
    .await
    .unwrap();
}

fn line(s: &OwnSweep, what: &str) -> (i64, i64) {
    let r: own_data::OwnReport = serde_json::from_str(&s.report).unwrap();
    r.lines
        .iter()
        .filter(|l| l.what == what)
        .fold((0, 0), |(m, c), l| (m + l.matched, c + l.changed))
}

async fn email_of(s: &dyn Store, id: vigie_domain::UserId) -> String {
    s.user(id).await.unwrap().email.as_str().to_owned()
}

async fn own_data_on(store: Arc<dyn Store>) {
    let w = World::new(store);
    let s = w.store.as_ref();
    let key = TrailKey::generate().unwrap();
    let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
    let policy = OwnPolicy::default();
    let t0 = Timestamp::now();
    let sweep = |at: Timestamp, dry: bool| {
        own_data::sweep(w.ctx(), &policy, "test", dry, at, 0, &sign, &|_| false)
    };

    let (t, scope) = tenant(s, "own-data").await;
    let admin1 = person(s, "admin1@vigie.test", true, None).await;
    let admin2 = person(s, "admin2@vigie.test", true, None).await;
    let alice = person(s, "alice@own.test", false, Some((&scope, Role::Agent))).await;
    let bob = person(s, "bob@own.test", false, Some((&scope, Role::Agent))).await;
    let carol = person(s, "carol@own.test", false, Some((&scope, Role::Agent))).await;
    // Carol's cessation of activity: her client removes her.
    s.set_roles(&scope, carol.id, &Roles::new(vec![]))
        .await
        .unwrap();
    signs_in(s, admin1.id, t0 + days(330)).await;
    signs_in(s, carol.id, t0 + days(339)).await;

    // Requests: one refused (its last step today), one open, one never
    // confirmed by its sender.
    let agent = TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Agent]));
    let refused = rights::record(
        w.ctx(),
        &agent,
        "agent",
        &input(RequestKind::Erasure, 1),
        Intake::Letter,
        vigie_domain::time::legal_date(t0),
        t0,
    )
    .await
    .unwrap();
    let refused = rights::refuse(w.ctx(), &refused, "Identité non établie", "agent", t0)
        .await
        .unwrap();
    let open = rights::record(
        w.ctx(),
        &agent,
        "agent",
        &input(RequestKind::Access, 2),
        Intake::Letter,
        vigie_domain::time::legal_date(t0),
        t0,
    )
    .await
    .unwrap();
    let (unconfirmed, _) = rights::submit(w.ctx(), &t, &input(RequestKind::Access, 3), t0)
        .await
        .unwrap();

    // C22: a dry run counts and changes nothing.
    let dry = sweep(t0 + days(340), true).await.unwrap();
    assert!(dry.dry && own_data::signed(&dry, Some(&key.public_hex())));
    assert_eq!(line(&dry, "unconfirmed_requests"), (1, 0));
    assert_eq!(line(&dry, vigie_store::OWN_NOTICES).1, 0);
    assert!(
        s.list_messages("bob@own.test", Page::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Day 340: the accounts unused since day 0 are told 30 days ahead —
    // not the last administrator who signed in on day 330, nor Carol.
    let first = sweep(t0 + days(340), false).await.unwrap();
    assert!(own_data::signed(&first, Some(&key.public_hex())));
    assert_eq!(line(&first, vigie_store::OWN_NOTICES), (3, 3), "{first:?}");
    let told = s
        .list_messages("bob@own.test", Page::default())
        .await
        .unwrap();
    assert_eq!(told.items[0].subject, "Votre compte Vigie va être supprimé");
    assert!(told.items[0].body.contains("https://vigie.test/connexion"));
    for quiet in ["admin1@vigie.test", "carol@own.test"] {
        assert!(
            s.list_messages(quiet, Page::default())
                .await
                .unwrap()
                .items
                .is_empty(),
            "{quiet}"
        );
    }
    // The unconfirmed submission is gone; the others stay.
    assert_eq!(line(&first, "unconfirmed_requests"), (1, 1));
    assert!(s.request(&agent, unconfirmed.id).await.is_err());
    assert_eq!(line(&first, "inactive_accounts"), (0, 0));

    // Alice signs in after her notice: she keeps her account.
    signs_in(s, alice.id, t0 + days(350)).await;

    // Day 400: Bob and the second administrator, told on day 340 and
    // unused for a year, are anonymised; the links to them stay.
    let second = sweep(t0 + days(400), false).await.unwrap();
    assert_eq!(line(&second, "inactive_accounts"), (2, 2), "{second:?}");
    let b = s.user(bob.id).await.unwrap();
    assert!(b.disabled && !b.email.as_str().contains("bob"));
    assert_eq!(b.name.as_str(), "Compte supprimé");
    assert!(s.memberships(bob.id).await.unwrap().is_empty());
    assert!(!s.user(admin2.id).await.unwrap().is_provider_admin);
    assert_eq!(email_of(s, alice.id).await, "alice@own.test");
    assert_eq!(email_of(s, carol.id).await, "carol@own.test");
    // Carol, of no client since day 340, waits three months.
    assert_eq!(line(&second, "unattached_accounts"), (0, 0));
    // A second run the same day changes nothing.
    let again = sweep(t0 + days(400), false).await.unwrap();
    assert_eq!(line(&again, "inactive_accounts"), (0, 0));
    assert_eq!(line(&again, vigie_store::OWN_NOTICES), (0, 0));

    // Day 441: Carol's three months are over.
    let third = sweep(t0 + days(441), false).await.unwrap();
    assert_eq!(line(&third, "unattached_accounts"), (1, 1), "{third:?}");
    assert!(s.user(carol.id).await.unwrap().disabled);
    assert_eq!(line(&third, "closed_requests"), (0, 0));

    // Years on: every account unused, but the last administrator is kept
    // (never told, never removed); the refused request, five years past
    // its last step, is anonymised with its timeline's words; the open one
    // is not touched.
    let later = t0 + days(2000);
    let years = sweep(later, false).await.unwrap();
    assert_eq!(line(&years, "closed_requests"), (1, 1), "{years:?}");
    let last = sweep(later + days(31), false).await.unwrap();
    assert_eq!(email_of(s, admin1.id).await, "admin1@vigie.test");
    assert!(s.user(alice.id).await.unwrap().disabled);
    assert_eq!(line(&last, "inactive_accounts"), (1, 1), "{last:?}");
    let r = s.request(&agent, refused.id).await.unwrap();
    assert_eq!(r.status, RequestStatus::Refused);
    assert_eq!(r.subject_name, "anonymisé");
    assert!(r.subject_email.is_empty() && r.details.is_empty());
    let timeline = s.events(&agent, refused.id).await.unwrap();
    assert!(timeline.len() >= 2 && timeline.iter().all(|e| e.detail.is_empty()));
    let o = s.request(&agent, open.id).await.unwrap();
    assert_eq!(o.subject_email, open.subject_email);

    // Every report is listed, signed; a changed one no longer verifies.
    let listed = s.own_sweeps(Page::default()).await.unwrap();
    assert_eq!(listed.total, 7);
    let mut forged = last.clone();
    forged.report = forged.report.replace("\"changed\":1", "\"changed\":0");
    assert!(own_data::signed(&last, None) && !own_data::signed(&forged, None));
}

#[tokio::test]
async fn c21_c22_c23_own_data_sqlite() {
    let db = TempSqlite::new().await;
    own_data_on(dyn_store(&db.store)).await;
}

#[tokio::test]
async fn c21_c22_c23_own_data_postgres() {
    let db = TempPostgres::new().await;
    own_data_on(dyn_store(&db.store)).await;
}

/// C22: a sweep cut short after any step resumes from its first instant,
/// in the same report, counting nothing twice.
#[tokio::test]
async fn c22_own_sweep_resumes_after_a_crash() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let s = w.store.as_ref();
    let key = TrailKey::generate().unwrap();
    let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
    let policy = OwnPolicy::default();
    let t0 = Timestamp::now();
    let (t, _) = tenant(s, "own-crash").await;
    person(s, "keeper@vigie.test", true, None).await;
    for n in 0..5 {
        person(s, &format!("gone{n}@own.test"), false, None).await;
        rights::submit(w.ctx(), &t, &input(RequestKind::Access, n), t0)
            .await
            .unwrap();
    }
    for step in [
        "notices",
        "inactive_accounts",
        "unattached_accounts",
        "closed_requests",
    ] {
        let at = t0 + days(100);
        let cut = own_data::sweep(w.ctx(), &policy, "test", false, at, 0, &sign, &|s| {
            s == step
        })
        .await;
        assert!(matches!(cut, Err(ServiceError::Interrupted)), "{step}");
        let running = s.running_own_sweep().await.unwrap().unwrap();
        // Resumed later: the cutoffs are still the first instant's.
        let done = own_data::sweep(
            w.ctx(),
            &policy,
            "test",
            false,
            at + days(1),
            0,
            &sign,
            &|_| false,
        )
        .await
        .unwrap();
        assert_eq!(done.id, running.id);
        assert_eq!(done.started_at, running.started_at);
        assert!(s.running_own_sweep().await.unwrap().is_none());
        if step == "notices" {
            // Five accounts of no client since day 100, five unconfirmed
            // submissions past 30 days: each counted once.
            assert_eq!(line(&done, "unconfirmed_requests"), (5, 5), "{done:?}");
        }
    }
    // The accounts unused since day 0 were marked of no client on day 100
    // and go three months later, once.
    let at = t0 + days(200);
    let cut = own_data::sweep(w.ctx(), &policy, "test", false, at, 0, &sign, &|s| {
        s == "unattached_accounts"
    })
    .await;
    assert!(matches!(cut, Err(ServiceError::Interrupted)));
    let done = own_data::sweep(w.ctx(), &policy, "test", false, at, 0, &sign, &|_| false)
        .await
        .unwrap();
    assert_eq!(line(&done, "unattached_accounts"), (5, 5), "{done:?}");
}

/// C21, C35: consent records past 13 months leave each chain from its
/// oldest end; the anchor moves so that the rest still verifies, and new
/// choices chain on.
#[tokio::test]
async fn c21_c35_consent_records_past_thirteen_months_go_the_chain_holds() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let s = w.store.as_ref();
    let key = TrailKey::generate().unwrap();
    let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
    let policy = OwnPolicy::default();
    let (_, scope) = tenant(s, "consent-sweep").await;
    let t0 = Timestamp::now();
    let site = vigie_service::consent::create_site(
        w.ctx(),
        &scope,
        &vigie_service::consent::SiteInput {
            name: "Site".into(),
            origin: "https://www.site.fr".into(),
            notice_version: "v1".into(),
            services: Default::default(),
        },
        t0,
    )
    .await
    .unwrap();
    let record = |i: i64, at: Timestamp| vigie_domain::consent::ConsentRecord {
        seq: 0,
        at,
        site: site.id,
        device: format!("appareil-{i:012}"),
        kind: vigie_domain::consent::ChoiceKind::RefuseAll,
        choices: vigie_domain::consent::Choices(Default::default()),
        method: vigie_domain::consent::ConsentMethod::Banner,
        notice_version: "v1".into(),
    };
    for i in 0..3 {
        s.append_consent(&scope, &record(i, t0)).await.unwrap();
    }
    let later = t0 + days(400);
    for i in 3..5 {
        s.append_consent(&scope, &record(i, later)).await.unwrap();
    }
    let sweep = |at: Timestamp, dry: bool| {
        own_data::sweep(w.ctx(), &policy, "test", dry, at, 0, &sign, &|_| false)
    };
    let dry = sweep(later + days(1), true).await.unwrap();
    assert_eq!(line(&dry, "consent_records"), (3, 0));
    let real = sweep(later + days(1), false).await.unwrap();
    assert_eq!(line(&real, "consent_records"), (3, 3), "{real:?}");
    assert_eq!(
        vigie_service::consent::verify_chain(w.ctx(), &scope)
            .await
            .unwrap(),
        Ok(2)
    );
    s.append_consent(&scope, &record(5, later + days(2)))
        .await
        .unwrap();
    assert_eq!(
        vigie_service::consent::verify_chain(w.ctx(), &scope)
            .await
            .unwrap(),
        Ok(3)
    );
    let again = sweep(later + days(3), false).await.unwrap();
    assert_eq!(line(&again, "consent_records"), (0, 0));
}
