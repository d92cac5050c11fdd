//! C17 and C19 for a provider-wide incident ("problème"): the list of
//! impacted clients, each told its own part once within its contractual
//! limit, updates on the level's schedule with a reminder when one is due,
//! and the general information at closure.

use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    breach::{EscalationRules, Facts, Intake, ProblemStatus},
    page::Page,
    role::Role,
};
use vigie_service::{ServiceError, breaches::Declaration, problems};
use vigie_store_sql::testing::{TempSqlite, dyn_store};

use crate::{World, person, tenant};

fn now_us() -> Timestamp {
    Timestamp::from_microsecond(Timestamp::now().as_microsecond()).unwrap()
}

fn field(e: ServiceError) -> &'static str {
    match e {
        ServiceError::Invalid { field, .. } => field,
        ServiceError::Fields(all) => all[0].0,
        other => panic!("{other}"),
    }
}

async fn subjects(w: &World, to: &str) -> Vec<String> {
    w.store
        .list_messages(to, Page::new(Some(1), Some(200)))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

#[tokio::test]
async fn c17_c19_a_provider_wide_incident_tells_each_client_its_part_until_closure() {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let s = w.store.as_ref();
    let (a, sa) = tenant(s, "commune-pa").await;
    let (b, sb) = tenant(s, "commune-pb").await;
    let (c, sc) = tenant(s, "commune-pc").await;
    person(s, "dpo@pa.fr", false, Some((&sa, Role::Dpo))).await;
    person(s, "dpo@pb.fr", false, Some((&sb, Role::Dpo))).await;
    person(s, "agent@pb.fr", false, Some((&sb, Role::Agent))).await;
    person(s, "dpo@pc.fr", false, Some((&sc, Role::Dpo))).await;
    person(s, "admin@hebergeur.fr", true, None).await;
    s.set_processor_notice_hours(a.id, 24).await.unwrap();
    let aware = now_us() - SignedDuration::from_hours(1);
    let p = problems::declare(
        ctx,
        &Declaration {
            title: "Baie de stockage compromise".into(),
            description: "Accès non autorisé à la baie mutualisée.".into(),
            aware_at: aware,
            intake: Intake::Account,
            declared_by: "Astreinte".into(),
        },
        now_us(),
    )
    .await
    .unwrap();
    assert!(
        subjects(&w, "admin@hebergeur.fr")
            .await
            .iter()
            .any(|m| m.contains(&p.reference)),
        "the provider's administrators are told"
    );
    // A blank part, a closed list: clear errors, nothing recorded.
    assert_eq!(
        field(
            problems::add_client(ctx, &p, &a, "  ", None, "Admin", now_us())
                .await
                .unwrap_err()
        ),
        "part"
    );
    assert!(s.impacted(p.id).await.unwrap().is_empty());
    problems::add_client(
        ctx,
        &p,
        &a,
        "Votre état civil (12 000 actes)",
        Some(900),
        "Admin",
        now_us(),
    )
    .await
    .unwrap();
    problems::add_client(
        ctx,
        &p,
        &b,
        "Vos listes électorales",
        Some(300),
        "Admin",
        now_us(),
    )
    .await
    .unwrap();
    assert_eq!(
        field(
            problems::add_client(ctx, &p, &b, "Encore", None, "Admin", now_us())
                .await
                .unwrap_err()
        ),
        "tenant"
    );
    let list = s.impacted(p.id).await.unwrap();
    let notice_hours: Vec<i64> = list.iter().map(|c| c.notice_hours).collect();
    assert_eq!(notice_hours, [24, 48], "each client's own contract");

    // Nothing told yet: no update can go, nor the closure.
    assert_eq!(
        field(
            problems::update(ctx, &p, "Point", false, "Admin", now_us())
                .await
                .unwrap_err()
        ),
        "body"
    );

    // The notice opens the incident in the client's register, its clock
    // from now, with its part only; its DPO is emailed, not its agent.
    let ca = list.iter().find(|x| x.tenant == a.id).unwrap();
    let told_at = now_us();
    let ia = problems::notice(ctx, &p, ca, "commune-pa", "Admin", told_at)
        .await
        .unwrap();
    assert_eq!(ia.intake, Intake::Processor);
    assert_eq!(ia.aware_at, told_at);
    assert!(ia.description.contains("état civil"));
    assert!(
        !ia.description.contains("électorales"),
        "another client's part"
    );
    assert_eq!(ia.facts.persons, Some(900));
    assert_eq!(s.running_clocks(Some(&sa)).await.unwrap().len(), 1);
    assert!(
        subjects(&w, "dpo@pa.fr")
            .await
            .iter()
            .any(|m| m.starts_with("Notification d'incident"))
    );
    // Told once: a second click opens nothing more.
    let list = s.impacted(p.id).await.unwrap();
    let ca = list.iter().find(|x| x.tenant == a.id).unwrap();
    assert_eq!(
        field(
            problems::notice(ctx, &p, ca, "commune-pa", "Admin", now_us())
                .await
                .unwrap_err()
        ),
        "tenant"
    );
    assert_eq!(
        s.incidents(&sa, "", Page::default()).await.unwrap().total,
        1
    );
    // A client off the list sees nothing.
    assert_eq!(
        s.incidents(&sc, "", Page::default()).await.unwrap().total,
        0
    );
    assert!(subjects(&w, "dpo@pc.fr").await.is_empty());

    // Level 3 (1,200 people across the clients): news every 4 h from the
    // last thing told; the reminder goes once when due.
    let rules = EscalationRules::default();
    let p = s.problem(p.id).await.unwrap();
    let updates = s.problem_updates(p.id).await.unwrap();
    let clocks = problems::clocks(&rules, &p, &list, &updates, told_at);
    assert_eq!(clocks.level, 3, "1,200 people: level 3");
    assert_eq!(
        clocks.update_due,
        Some(told_at + SignedDuration::from_hours(4))
    );
    let admin_reminders = || async {
        subjects(&w, "admin@hebergeur.fr")
            .await
            .iter()
            .filter(|m| m.contains("point de situation dû"))
            .count()
    };
    let later = told_at + SignedDuration::from_hours(4) + SignedDuration::from_mins(1);
    // 5 h after awareness: B (48 h contract) is not yet half-way.
    assert_eq!(problems::remind(ctx, &rules, later).await.unwrap(), 1);
    assert_eq!(problems::remind(ctx, &rules, later).await.unwrap(), 0);
    assert_eq!(admin_reminders().await, 1);
    // B's notice, half its 48 h gone: one reminder to the administrators.
    let half = aware + SignedDuration::from_hours(24) + SignedDuration::from_mins(1);
    assert_eq!(problems::remind(ctx, &rules, half).await.unwrap(), 1);
    assert_eq!(problems::remind(ctx, &rules, half).await.unwrap(), 0);
    let to_admin = subjects(&w, "admin@hebergeur.fr").await;
    assert_eq!(
        to_admin
            .iter()
            .filter(|m| m.contains("notifier commune-pb"))
            .count(),
        1,
        "{to_admin:?}"
    );
    assert!(!to_admin.iter().any(|m| m.contains("notifier commune-pa")));

    // News reaches the client told, through its own incident.
    let u = problems::update(
        ctx,
        &p,
        "Baie isolée, analyse en cours.",
        false,
        "Admin",
        later,
    )
    .await
    .unwrap();
    assert_eq!(u.n, 1);
    let seen = s.updates_for_incident(&sa, ia.id).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        subjects(&w, "dpo@pa.fr")
            .await
            .iter()
            .any(|m| m.starts_with("Point de situation"))
    );
    assert!(
        subjects(&w, "dpo@pb.fr").await.is_empty(),
        "B was never told"
    );

    // Closing needs every client on the list told.
    let p = s.problem(p.id).await.unwrap();
    assert_eq!(
        field(
            problems::update(ctx, &p, "Clos.", true, "Admin", later)
                .await
                .unwrap_err()
        ),
        "closing"
    );
    let list = s.impacted(p.id).await.unwrap();
    let cb = list.iter().find(|x| x.tenant == b.id).unwrap();
    problems::notice(ctx, &p, cb, "commune-pb", "Admin", later)
        .await
        .unwrap();
    let p = s.problem(p.id).await.unwrap();
    problems::update(
        ctx,
        &p,
        "Incident clos : aucune donnée exfiltrée.",
        true,
        "Admin",
        later,
    )
    .await
    .unwrap();
    let p = s.problem(p.id).await.unwrap();
    assert_eq!(p.status, ProblemStatus::Closed);
    for to in ["dpo@pa.fr", "dpo@pb.fr"] {
        assert!(
            subjects(&w, to)
                .await
                .iter()
                .any(|m| m.starts_with("Clôture")),
            "{to} gets the general information at closure"
        );
    }
    assert!(subjects(&w, "agent@pb.fr").await.is_empty());
    // Closed: nothing more is sent, nothing reminded.
    assert_eq!(
        field(
            problems::qualify(ctx, &p, Facts::default(), aware, later)
                .await
                .unwrap_err()
        ),
        "status"
    );
    assert_eq!(
        problems::remind(ctx, &rules, later + SignedDuration::from_hours(100))
            .await
            .unwrap(),
        0
    );
    let _ = c;
}
