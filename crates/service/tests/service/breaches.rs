//! C17–C20 through the use cases: a declaration, its qualification, the
//! notification in phases (late ones with their reasons), the decision to
//! inform the people, and the reminders at 24, 48 and 60 hours.

use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    breach::{Criterion, Facts, IncidentStatus, InformDecision, Intake, PhaseKind},
    page::Page,
    role::Role,
};
use vigie_service::{
    ServiceError,
    breaches::{self, Declaration},
};
use vigie_store_sql::testing::{TempSqlite, dyn_store};

use crate::{World, person, tenant};

/// Now, to the microsecond the store keeps.
fn now_us() -> Timestamp {
    Timestamp::from_microsecond(Timestamp::now().as_microsecond()).unwrap()
}

fn fields(e: ServiceError) -> Vec<&'static str> {
    match e {
        ServiceError::Fields(all) => all.into_iter().map(|(f, _)| f).collect(),
        ServiceError::Invalid { field, .. } => vec![field],
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn c17_c18_c20_a_breach_from_declaration_to_notification() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let (t, scope) = tenant(w.store.as_ref(), "commune-br").await;
    person(
        w.store.as_ref(),
        "dpo@commune-br.fr",
        false,
        Some((&scope, Role::Dpo)),
    )
    .await;
    let now = now_us();
    let declaration = |aware_at| Declaration {
        title: "Portable volé dans un véhicule".into(),
        description: "Le portable de l'accueil, non chiffré, contenait l'export des usagers."
            .into(),
        aware_at,
        intake: Intake::Account,
        declared_by: "Agent Dupont".into(),
    };
    // Awareness in the future, a blank title: refused, nothing saved.
    let e = breaches::declare(
        ctx,
        &scope,
        &declaration(now + SignedDuration::from_hours(2)),
        now,
    )
    .await
    .unwrap_err();
    assert_eq!(fields(e), ["aware_at"]);
    let mut blank = declaration(now);
    blank.title = "  ".into();
    assert_eq!(
        fields(
            breaches::declare(ctx, &scope, &blank, now)
                .await
                .unwrap_err()
        ),
        ["title"]
    );
    assert_eq!(
        w.store
            .incidents(&scope, "", Page::default())
            .await
            .unwrap()
            .total,
        0
    );

    // Declared 80 hours after awareness: the DPO is told at once.
    let aware = now - SignedDuration::from_hours(80);
    let i = breaches::declare(ctx, &scope, &declaration(aware), now)
        .await
        .unwrap();
    assert_eq!(i.status, IncidentStatus::Declared);
    let mail = w
        .store
        .list_messages("dpo@commune-br.fr", Page::default())
        .await
        .unwrap();
    assert!(mail.items.iter().any(|m| m.subject.contains(&i.reference)));

    // Not yet qualified: not notified.
    assert_eq!(
        fields(
            breaches::notify(ctx, &scope, &i, PhaseKind::Initial, "", "DPO", now)
                .await
                .unwrap_err()
        ),
        ["is_breach"]
    );
    // Impossible facts, each named; nothing saved.
    let bad = Facts {
        started_at: Some(now - SignedDuration::from_hours(90)),
        ended_at: Some(now - SignedDuration::from_hours(95)),
        is_breach: Some(false),
        ..Facts::default()
    };
    let e = breaches::qualify(ctx, &scope, &i, bad, aware, now)
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["ended_at", "not_breach_reason"]);
    assert_eq!(w.store.incident(&scope, i.id).await.unwrap(), i);

    let facts = Facts {
        criteria: vec![Criterion::Confidentiality],
        is_breach: Some(true),
        started_at: Some(now - SignedDuration::from_hours(82)),
        person_categories: "Usagers de la médiathèque".into(),
        persons: Some(1200),
        consequences: "Hameçonnage ciblé possible".into(),
        ..Facts::default()
    };
    let i = breaches::qualify(ctx, &scope, &i, facts, aware, now)
        .await
        .unwrap();
    assert_eq!(i.status, IncidentStatus::Qualified);
    // Complete needs every section; the missing ones are named.
    let e = breaches::notify(ctx, &scope, &i, PhaseKind::Complete, "", "DPO", now)
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["records", "measures_taken", "dpo_contact"]);
    // Initial, after 72 hours: the reasons for the delay are required.
    let e = breaches::notify(ctx, &scope, &i, PhaseKind::Initial, " ", "DPO", now)
        .await
        .unwrap_err();
    assert_eq!(fields(e), ["late_reason"]);
    let first = breaches::notify(
        ctx,
        &scope,
        &i,
        PhaseKind::Initial,
        "Vol découvert un vendredi soir, inventaire le lundi",
        "DPO",
        now,
    )
    .await
    .unwrap();
    assert_eq!(first.n, 1);
    let i = w.store.incident(&scope, i.id).await.unwrap();
    assert_eq!(
        (i.status, i.notified_at),
        (IncidentStatus::Notified, Some(now))
    );
    assert!(!i.late_reason.is_empty());
    // The awareness the CNIL was given stays.
    assert_eq!(
        fields(
            breaches::qualify(
                ctx,
                &scope,
                &i,
                i.facts.clone(),
                now - SignedDuration::from_hours(1),
                now
            )
            .await
            .unwrap_err()
        ),
        ["aware_at"]
    );
    // Complementary: facts completed; the first phase keeps what it said.
    let mut more = i.facts.clone();
    more.records = Some(5400);
    more.measures_taken = "Mots de passe réinitialisés".into();
    more.dpo_contact = "dpo@commune-br.fr".into();
    let later = now + SignedDuration::from_hours(20);
    let i = breaches::qualify(ctx, &scope, &i, more, aware, later)
        .await
        .unwrap();
    assert_eq!(
        fields(
            breaches::notify(ctx, &scope, &i, PhaseKind::Initial, "", "DPO", later)
                .await
                .unwrap_err()
        ),
        ["kind"]
    );
    breaches::notify(ctx, &scope, &i, PhaseKind::Complete, "", "DPO", later)
        .await
        .unwrap();
    let phases = w.store.phases(&scope, i.id).await.unwrap();
    assert_eq!(phases.len(), 2);
    assert_eq!(
        (phases[0].facts.records, phases[1].facts.records),
        (None, Some(5400))
    );
    assert!(
        phases[1].late_reason.is_empty(),
        "only the first notification can be late"
    );

    // C20: the decision with its reasoning, and a draft in plain words.
    let i = w.store.incident(&scope, i.id).await.unwrap();
    assert_eq!(
        fields(
            breaches::decide_inform(ctx, &scope, &i, InformDecision::Inform, "", later)
                .await
                .unwrap_err()
        ),
        ["inform_reasoning"]
    );
    let i = breaches::decide_inform(
        ctx,
        &scope,
        &i,
        InformDecision::Inform,
        "Données non chiffrées, risque d'hameçonnage",
        later,
    )
    .await
    .unwrap();
    assert_eq!(i.inform, Some(InformDecision::Inform));
    let draft = breaches::draft_message(&i, t.name.as_str());
    assert!(
        draft.contains("Hameçonnage ciblé possible") && draft.contains("dpo@commune-br.fr"),
        "{draft}"
    );
    // What is not known yet is marked for the DPO, once: only the advice.
    assert!(i.facts.measures_proposed.is_empty());
    assert_eq!(draft.matches("[à compléter]").count(), 1, "{draft}");
    assert!(
        draft.contains("Ce que nous vous conseillons : [à compléter]"),
        "{draft}"
    );
}

#[tokio::test]
async fn c17_reminders_at_24_48_and_60_hours_once_each() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let (_, scope) = tenant(w.store.as_ref(), "commune-rem").await;
    for (email, role) in [("dpo@rem.fr", Role::Dpo), ("agent@rem.fr", Role::Agent)] {
        person(w.store.as_ref(), email, false, Some((&scope, role))).await;
    }
    let aware = now_us() - SignedDuration::from_hours(1);
    let i = breaches::declare(
        ctx,
        &scope,
        &Declaration {
            title: "Rançongiciel".into(),
            description: String::new(),
            aware_at: aware,
            intake: Intake::Phone,
            declared_by: "Agent".into(),
        },
        Timestamp::now(),
    )
    .await
    .unwrap();
    let reminders = || async {
        w.store
            .list_messages("dpo@rem.fr", Page::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .filter(|m| m.subject.contains("notification CNIL"))
            .count()
    };
    let at = |h: i64| aware + SignedDuration::from_hours(h) + SignedDuration::from_mins(1);
    assert_eq!(breaches::remind(ctx, at(23)).await.unwrap(), 0);
    assert_eq!(breaches::remind(ctx, at(24)).await.unwrap(), 1);
    assert_eq!(
        breaches::remind(ctx, at(25)).await.unwrap(),
        0,
        "once per threshold"
    );
    assert_eq!(
        breaches::remind(ctx, at(61)).await.unwrap(),
        1,
        "48 and 60 h passed: one email"
    );
    assert_eq!(reminders().await, 2);
    assert_eq!(
        w.store
            .list_messages("agent@rem.fr", Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    let last = w
        .store
        .list_messages("dpo@rem.fr", Page::default())
        .await
        .unwrap();
    assert!(
        last.items
            .iter()
            .any(|m| m.body.contains("il reste 10 h 59 min")),
        "{:?}",
        last.items
    );
    // Not a breach: the clock stops, no more reminders.
    let i = w.store.incident(&scope, i.id).await.unwrap();
    let facts = Facts {
        is_breach: Some(false),
        not_breach_reason: "Sauvegarde restaurée, aucune donnée sortie".into(),
        ..Facts::default()
    };
    breaches::qualify(ctx, &scope, &i, facts, aware, at(62))
        .await
        .unwrap();
    assert!(
        w.store
            .running_clocks(Some(&scope))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(breaches::remind(ctx, at(80)).await.unwrap(), 0);
}

#[tokio::test]
async fn c28_c17_an_altered_trail_opens_an_integrity_incident_in_each_tenant_once() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let (_, sa) = tenant(w.store.as_ref(), "commune-ta").await;
    let (_, sb) = tenant(w.store.as_ref(), "commune-tb").await;
    person(w.store.as_ref(), "admin@hebergeur.fr", true, None).await;
    let now = now_us();
    assert_eq!(
        breaches::trail_altered(ctx, "record 12 was altered", now)
            .await
            .unwrap(),
        2
    );
    for scope in [&sa, &sb] {
        let list = w.store.incidents(scope, "", Page::default()).await.unwrap();
        assert_eq!(list.total, 1);
        let i = &list.items[0];
        assert_eq!(
            (i.intake, i.title.as_str()),
            (Intake::Vigie, breaches::TRAIL_ALTERED)
        );
        assert!(i.description.contains("record 12"));
        assert!(i.clock_runs(), "its clock runs until the DPO qualifies it");
    }
    let alert = w
        .store
        .list_messages("admin@hebergeur.fr", Page::default())
        .await
        .unwrap();
    assert_eq!(alert.total, 1);
    assert!(alert.items[0].body.contains("record 12"));
    // While it is open, the next failed verification opens no other.
    assert_eq!(
        breaches::trail_altered(ctx, "record 12 was altered", now)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        w.store
            .incidents(&sa, "", Page::default())
            .await
            .unwrap()
            .total,
        1
    );
}
