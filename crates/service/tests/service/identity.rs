//! C12, identifier by identifier: someone who proves their own email and
//! types another person's phone reaches only their own rows; the phone is
//! shown to the agent, searched by once the agent checks it. Identifiers
//! found on the person's rows wait for the same check.

use jiff::Timestamp;
use vigie_connect::{Conn, Dialect, Sql, fixture};
use vigie_domain::{
    dataset::IdentityKind,
    rights::{Intake, RequestKind, RequestStatus, Verification},
};
use vigie_service::{
    rights::{self, IdentityCheck},
    systems,
};
use vigie_store_sql::testing::{TempSqlite, dyn_store};

use crate::{
    World, code_sent_to,
    confine::{sqlite_app, system},
    input, run_all, tenant,
};

async fn contact(url: &str, id: i64) -> Vec<Option<String>> {
    let mut c = Conn::open(url).await.unwrap();
    let mut q = Sql::new(Dialect::Sqlite);
    q.push(&format!(
        "SELECT email, tel_mobile, nom, login FROM contacts WHERE id = {id}"
    ));
    let row = c.rows(&q).await.unwrap().remove(0);
    c.close().await;
    row
}

#[tokio::test]
async fn c12_a_phone_typed_on_the_form_is_not_searched_until_checked() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let (t, scope) = tenant(w.store.as_ref(), "commune-id").await;
    let (name, url) = sqlite_app(6).await;
    systems::create(ctx, &scope, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap();

    // Person 2 proves her address and types person 3's phone: an erasure.
    let victim = fixture::person(3);
    let mut form = input(RequestKind::Erasure, 2);
    form.phone = victim.mobile.clone();
    let (_, token) = rights::submit(ctx, &t, &form, Timestamp::now())
        .await
        .unwrap();
    let code = code_sent_to(w.store.as_ref(), &fixture::person(2).email).await;
    let r = rights::confirm(ctx, &token, &code, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        r.identities.proven(),
        vec![(IdentityKind::Email, fixture::person(2).email)],
        "the code proves the address, not the phone"
    );
    let phone = r.identities.unproven().next().unwrap();
    assert_eq!(
        (phone.kind, phone.value.as_str()),
        (IdentityKind::Phone, victim.mobile.as_str())
    );

    // The agent verifies without ticking the phone: it stays unproven.
    let r = rights::verify(
        ctx,
        &r,
        Verification::EmailCode,
        IdentityCheck::default(),
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(r.identities.proven().len(), 1);
    let before = contact(&url, 3).await;
    let r = rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
        .await
        .unwrap();
    for res in run_all(&w, &r).await {
        res.unwrap();
    }
    assert_eq!(
        contact(&url, 3).await,
        before,
        "the other person's row is untouched"
    );
    assert_ne!(
        contact(&url, 2).await[0].as_deref(),
        Some(fixture::person(2).email.as_str()),
        "her own row is erased"
    );
    let stored = w
        .store
        .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap();
    assert_eq!(stored.status, RequestStatus::Executed);
    // Nor did a phone found on her row become a searched identity.
    assert_eq!(stored.identities.proven().len(), 1);
    fixture::drop_database(Dialect::Sqlite, &name, &url)
        .await
        .unwrap();
}

#[tokio::test]
async fn c12_found_identifiers_and_unproven_ones_wait_for_the_agent() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let (t, scope) = tenant(w.store.as_ref(), "commune-id2").await;
    let (name, url) = sqlite_app(6).await;
    systems::create(ctx, &scope, &system(&url), "dpo", Timestamp::now())
        .await
        .unwrap();
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let r = rights::record(
        ctx,
        &scope,
        "agent",
        &input(RequestKind::Access, 4),
        Intake::Letter,
        today,
        Timestamp::now(),
    )
    .await
    .unwrap();
    // A letter: nothing is proven until the agent says what they checked.
    assert!(r.identities.proven().is_empty());
    let r = rights::verify(
        ctx,
        &r,
        Verification::DocumentSeen,
        IdentityCheck::default(),
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let e = rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no identifier"), "{e}");
    let r = rights::check_identities(
        ctx,
        &r,
        Verification::DocumentSeen,
        IdentityCheck::all(&r),
        "Agent Martin",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let proof = r.identities.iter().next().unwrap().proof.clone().unwrap();
    assert_eq!(
        (proof.method, proof.by.as_str()),
        (Verification::DocumentSeen, "Agent Martin")
    );
    // Nothing left to check: a second check says so.
    assert!(
        rights::check_identities(
            ctx,
            &r,
            Verification::InPerson,
            IdentityCheck::all(&r),
            "agent",
            Timestamp::now()
        )
        .await
        .is_err()
    );

    // The preview finds her mobile and login on her row: listed, unproven.
    let previews = rights::preview(ctx, &r).await.unwrap();
    assert!(
        previews[0]
            .notes
            .iter()
            .any(|n| n.contains("non utilisés tant qu'un agent")),
        "{:?}",
        previews[0].notes
    );
    let r = w
        .store
        .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap();
    let found: Vec<_> = r
        .identities
        .unproven()
        .map(|i| (i.kind, i.value.clone()))
        .collect();
    let p = fixture::person(4);
    assert_eq!(
        found,
        vec![
            (IdentityKind::Phone, p.mobile.clone()),
            (IdentityKind::AccountId, p.login.clone())
        ]
    );
    assert_eq!(r.identities.proven().len(), 1);
    let events = w
        .store
        .events(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.step == "identities_found"
        && e.detail.contains("téléphone, numéro de compte")
        && e.detail_en.contains("phone, account number")));
    // The agent checks the phone only; the login stays unproven.
    let r = rights::check_identities(
        ctx,
        &r,
        Verification::InPerson,
        IdentityCheck {
            proven: vec![found[0].clone()],
            added: vec![],
        },
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(r.identities.proven().len(), 2);
    assert_eq!(r.identities.unproven().count(), 1);
    let r = rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
        .await
        .unwrap();
    assert!(
        rights::check_identities(
            ctx,
            &r,
            Verification::InPerson,
            IdentityCheck::all(&r),
            "agent",
            Timestamp::now()
        )
        .await
        .is_err(),
        "not after approval"
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
    fixture::drop_database(Dialect::Sqlite, &name, &url)
        .await
        .unwrap();
}
