//! Consent (C35–C37) on the SQLite and PostgreSQL stores: a site declared,
//! choices recorded only from its own origin and current notice, withdrawn,
//! asked again after 13 months or a new notice; the chain proves a device's
//! choices and breaks when a record goes; the suppression list by keyed
//! hash, per tenant.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    consent::{Category, ChoiceKind, ConsentMethod},
    rights::Channel,
};
use vigie_service::consent::{self, BannerRefusal, ChoiceInput, SiteInput};
use vigie_store::conformance::RawSql;
use vigie_store_sql::testing::{TempPostgres, TempSqlite, dyn_store};

use crate::{World, tenant};

const ORIGIN: &str = "https://www.mairie-exemple.fr";
const DEVICE: &str = "d3v1c3-0123456789abcdef";

fn choices(performance: bool, third: bool) -> BTreeMap<String, bool> {
    [
        ("performance".to_owned(), performance),
        ("third_party".to_owned(), third),
    ]
    .into_iter()
    .collect()
}

fn site_input(version: &str) -> SiteInput {
    SiteInput {
        name: "Site de la mairie".into(),
        origin: ORIGIN.into(),
        notice_version: version.into(),
        services: [
            (Category::Performance, "Matomo".to_owned()),
            (Category::ThirdParty, "YouTube, Calameo".to_owned()),
            (Category::Advertising, String::new()),
        ]
        .into_iter()
        .collect(),
    }
}

async fn consent_on(w: World, raw: &dyn RawSql) {
    let ctx = w.ctx();
    let (_, scope) = tenant(w.store.as_ref(), "mairie").await;
    let (_, other) = tenant(w.store.as_ref(), "voisine").await;
    let now = Timestamp::now();
    let site = consent::create_site(ctx, &scope, &site_input("v1"), now)
        .await
        .unwrap();
    // Advertising left empty: not a purpose of this site.
    assert_eq!(site.purposes.len(), 3);
    assert!(
        consent::create_site(ctx, &scope, &site_input("v1"), now)
            .await
            .is_err()
    );
    let send = |c: BTreeMap<String, bool>, origin: Option<&'static str>, version: &str, at| {
        let input = ChoiceInput {
            device: DEVICE.into(),
            choices: c,
            notice_version: version.into(),
        };
        let key = site.site_key.clone();
        async move { consent::record_from_banner(ctx, &key, origin, &input, at).await }
    };
    // C36: another site, no origin, an old notice: refused.
    for (origin, version) in [
        (Some("https://evil.example"), "v1"),
        (None, "v1"),
        (Some(ORIGIN), "v0"),
    ] {
        assert!(
            send(choices(true, true), origin, version, now)
                .await
                .is_err()
        );
    }
    assert!(matches!(
        consent::record_from_banner(
            ctx,
            "no-such-site",
            Some(ORIGIN),
            &ChoiceInput::default(),
            now
        )
        .await,
        Err(BannerRefusal::UnknownSite)
    ));
    // C35: accept, then withdraw one purpose.
    let all = send(choices(true, true), Some(ORIGIN), "v1", now)
        .await
        .unwrap();
    assert_eq!(all.record.kind, ChoiceKind::AcceptAll);
    let later = now + SignedDuration::from_hours(24);
    let less = send(
        choices(true, false),
        Some("https://www.mairie-exemple.fr/"),
        "v1",
        later,
    )
    .await
    .unwrap();
    assert_eq!(less.record.kind, ChoiceKind::Withdraw);
    assert_eq!(less.record.seq, all.record.seq + 1);
    // The current choice holds 13 months on the same notice.
    let now_choice = consent::current(ctx, &site, DEVICE, later)
        .await
        .unwrap()
        .unwrap();
    assert!(!now_choice.record.choices.0[&Category::ThirdParty]);
    let year_on = later + SignedDuration::from_hours(24 * 400);
    assert!(
        consent::current(ctx, &site, DEVICE, year_on)
            .await
            .unwrap()
            .is_none()
    );
    // A new notice asks again.
    let site_v2 = consent::update_site(ctx, &scope, site.id, &site_input("v2"), later)
        .await
        .unwrap();
    assert!(
        consent::current(ctx, &site_v2, DEVICE, later)
            .await
            .unwrap()
            .is_none()
    );
    // An agent records a paper form for another person.
    let paper = consent::record_by_agent(
        ctx,
        &scope,
        site.id,
        "papier-2026-000000001",
        &choices(false, false),
        ConsentMethod::Paper,
        later,
    )
    .await
    .unwrap();
    assert_eq!(paper.record.kind, ChoiceKind::RefuseAll);
    // The proof: this device's two choices, the chain whole.
    let proof = consent::proof(ctx, &scope, DEVICE).await.unwrap();
    assert_eq!(proof.records.len(), 2);
    assert!(proof.chain_verified);
    // Another tenant sees none of it.
    assert!(
        consent::proof(ctx, &other, DEVICE)
            .await
            .unwrap()
            .records
            .is_empty()
    );
    assert!(w.store.site(&other, site.id).await.is_err());
    // Many visitors at once, half through the group-committing writer:
    // each choice gets its own place in the chain.
    let writer = vigie_store::consent_writer::ConsentWriter::start(w.store.clone());
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..24 {
        let (store, scope, writer) = (w.store.clone(), scope.clone(), writer.clone());
        let record = vigie_domain::consent::ConsentRecord {
            seq: 0,
            at: later,
            site: site.id,
            device: format!("visiteur-{i:016}"),
            kind: ChoiceKind::RefuseAll,
            choices: vigie_domain::consent::Choices(Default::default()),
            method: ConsentMethod::Banner,
            notice_version: "v2".into(),
        };
        writers.spawn(async move {
            if i % 2 == 0 {
                writer.append(scope, record).await
            } else {
                store.append_consent(&scope, &record).await
            }
        });
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap().unwrap();
    }
    // One device accepting then refusing within one group commit: the
    // second is a withdrawal, judged against the first (the store reads
    // the previous choice under the chain's lock, whatever the caller
    // guessed).
    let choice = |accepted: bool| vigie_domain::consent::ConsentRecord {
        seq: 0,
        at: later,
        site: site.id,
        device: "rapide-0000000000000001".into(),
        kind: ChoiceKind::Partial,
        choices: vigie_domain::consent::Choices(
            [(vigie_domain::consent::Category::Performance, accepted)].into(),
        ),
        method: ConsentMethod::Banner,
        notice_version: "v2".into(),
    };
    let both = w
        .store
        .append_consents(&scope, &[choice(true), choice(false)])
        .await
        .unwrap();
    let kinds: Vec<ChoiceKind> = both.iter().map(|c| c.record.kind).collect();
    assert_eq!(kinds, [ChoiceKind::AcceptAll, ChoiceKind::Withdraw]);
    // A batch naming a site of another tenant is refused whole.
    assert!(matches!(
        w.store.append_consents(&other, &[choice(true)]).await,
        Err(vigie_store::StoreError::NotFound)
    ));
    assert_eq!(consent::verify_chain(ctx, &scope).await.unwrap(), Ok(29));
    // A record is never changed; one removed breaks the chain.
    assert!(
        raw.try_exec("UPDATE consent_records SET kind = 'accept_all' WHERE seq = 2")
            .await
            .is_err()
    );
    raw.exec("DELETE FROM consent_records WHERE seq = 2").await;
    assert_eq!(consent::verify_chain(ctx, &scope).await.unwrap(), Err(3));
    assert!(
        !consent::proof(ctx, &scope, DEVICE)
            .await
            .unwrap()
            .chain_verified
    );

    // C37: the suppression list, by keyed hash, per tenant.
    assert!(
        consent::object(
            ctx,
            &scope,
            Channel::Sms,
            "+33 6 12 34 56 78",
            "agent:Anne",
            now
        )
        .await
        .unwrap()
    );
    assert!(
        !consent::object(
            ctx,
            &scope,
            Channel::Sms,
            "06.12.34.56.78",
            "agent:Anne",
            now
        )
        .await
        .unwrap()
    );
    assert!(
        consent::is_suppressed(ctx, &scope, Channel::Sms, "0612345678")
            .await
            .unwrap()
    );
    assert!(
        !consent::is_suppressed(ctx, &scope, Channel::Phone, "0612345678")
            .await
            .unwrap()
    );
    assert!(
        !consent::is_suppressed(ctx, &other, Channel::Sms, "0612345678")
            .await
            .unwrap()
    );
    assert!(
        consent::object(
            ctx,
            &scope,
            Channel::Email,
            "pas une adresse",
            "agent:Anne",
            now
        )
        .await
        .is_err()
    );
    let list = w
        .store
        .suppressions(&scope, "", vigie_domain::page::Page::default())
        .await
        .unwrap();
    assert_eq!(list.total, 1);
    assert!(!String::from_utf8_lossy(&list.items[0].value_sealed).contains("0612345678"));
}

/// C37: an approved objection to solicitation by email and SMS puts the
/// person's proven address and number on the list.
#[tokio::test]
async fn c37_an_approved_objection_feeds_the_suppression_list() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let (_, scope) = tenant(w.store.as_ref(), "objection").await;
    let mut input = crate::input(vigie_domain::rights::RequestKind::Objection, 7);
    input.phone = "06 11 22 33 44".into();
    input.channels = vec![Channel::Email, Channel::Sms];
    let now = Timestamp::now();
    let r = vigie_service::rights::record(
        ctx,
        &scope,
        "agent",
        &input,
        vigie_domain::rights::Intake::Letter,
        vigie_domain::time::legal_date(now),
        now,
    )
    .await
    .unwrap();
    assert!(
        !consent::is_suppressed(
            ctx,
            &scope,
            Channel::Email,
            input.email.as_ref().unwrap().as_str()
        )
        .await
        .unwrap()
    );
    let r = vigie_service::rights::verify(
        ctx,
        &r,
        vigie_domain::rights::Verification::InPerson,
        vigie_service::rights::IdentityCheck::all(&r),
        "agent",
        now,
    )
    .await
    .unwrap();
    vigie_service::rights::approve(ctx, &r, vec![], "agent", now)
        .await
        .unwrap();
    assert!(
        consent::is_suppressed(
            ctx,
            &scope,
            Channel::Email,
            input.email.as_ref().unwrap().as_str()
        )
        .await
        .unwrap()
    );
    assert!(
        consent::is_suppressed(ctx, &scope, Channel::Sms, "+33611223344")
            .await
            .unwrap()
    );
    assert!(
        !consent::is_suppressed(ctx, &scope, Channel::Phone, "0611223344")
            .await
            .unwrap()
    );
    let list = w
        .store
        .suppressions(&scope, "request:", vigie_domain::page::Page::default())
        .await
        .unwrap();
    assert_eq!(list.total, 2);
}

#[tokio::test]
async fn c35_c36_c37_consent_sqlite() {
    let db = TempSqlite::new().await;
    consent_on(World::new(dyn_store(&db.store)), &db).await;
}

#[tokio::test]
async fn c35_c36_c37_consent_postgres() {
    let db = TempPostgres::new().await;
    consent_on(World::new(dyn_store(&db.store)), &db).await;
}
