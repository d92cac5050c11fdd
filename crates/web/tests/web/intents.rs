//! Every state-changing request is noted before it acts and leaves exactly
//! one trail record (C28, issue 10): its own when it has one, else one
//! made from its note — refused or failed — and never a note behind.

use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use vigie_domain::{audit::Outcome, role::Role};

use crate::{both, support::TestApp};

both!(
    c28_each_state_changing_request_leaves_one_record_and_no_note,
    |app| {
        let a = app.tenant("commune-a").await;
        let b = app.tenant("syndicat-b").await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        let mut dpo = app.signed_in("dpo@commune-a.fr").await;
        let before = app.store.head().await.unwrap().map_or(0, |h| h.0);

        // Its own record: the write and the note's removal commit together.
        let ok = dpo
            .post(
                "/t/commune-a/registre",
                &[("name", "Cantine"), ("status", "draft")],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        // A form refused (no write): recorded as failed, with who and where.
        let bad = dpo
            .post(
                "/t/commune-a/registre",
                &[("name", ""), ("status", "draft")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // No CSRF token, and another tenant's page: recorded as refused.
        let forged = dpo
            .post_raw("/t/commune-a/registre", &[("name", "Forgée")])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let elsewhere = dpo
            .post("/t/syndicat-b/registre", &[("name", "Intrusion")])
            .await;
        assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

        let far = Timestamp::now() + SignedDuration::from_hours(1);
        assert!(app.store.intents_before(far, 10).await.unwrap().is_empty());
        let records = app.store.records_after(before, 100).await.unwrap();
        let got: Vec<_> = records
            .iter()
            .filter(|r| r.event.action != "register.list" && r.event.action != "auth.sign_in")
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
        let created = ok
            .location()
            .split('?')
            .next()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        let created_object = format!("activity:{created}");
        assert_eq!(
            got,
            vec![
                (
                    "register.create",
                    "dpo@commune-a.fr",
                    Some(a.id),
                    created_object.as_str(),
                    Outcome::Success
                ),
                (
                    "request.failed",
                    "dpo@commune-a.fr",
                    Some(a.id),
                    "POST /t/commune-a/registre",
                    Outcome::Failure
                ),
                (
                    "request.refused",
                    "dpo@commune-a.fr",
                    Some(a.id),
                    "POST /t/commune-a/registre",
                    Outcome::Denied
                ),
                // The attempt shows in the trail of the tenant it aimed at.
                (
                    "request.refused",
                    "dpo@commune-a.fr",
                    Some(b.id),
                    "POST /t/syndicat-b/registre",
                    Outcome::Denied
                ),
            ]
        );
    }
);

// Issue 12 (C28): a read refused — another tenant's page, an admin page,
// a bad API token — leaves a record too, once (a refusal the handler
// traced itself is not recorded twice).
both!(c28_refused_reads_are_traced_once, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("syndicat-b").await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    let mut agent = app.signed_in("agent@commune-a.fr").await;
    let before = app.store.head().await.unwrap().map_or(0, |h| h.0);
    assert_eq!(
        agent.get("/t/syndicat-b/registre").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        agent.get("/admin/users").await.status,
        StatusCode::FORBIDDEN
    );
    // The trail needs the auditor's right: the handler traces its refusal.
    assert_eq!(
        agent.get("/t/commune-a/trail").await.status,
        StatusCode::FORBIDDEN
    );
    let mut bot = app.browser();
    assert_eq!(
        bot.api("/api/v1/me", "vigie_not-a-token").await.status,
        StatusCode::UNAUTHORIZED
    );
    let records = app.store.records_after(before, 100).await.unwrap();
    let denied: Vec<_> = records
        .iter()
        .filter(|r| r.event.outcome == Outcome::Denied)
        .map(|r| {
            (
                r.event.action.as_str(),
                r.event.actor.label.as_str(),
                r.event.tenant,
                r.event.object.as_str(),
            )
        })
        .collect();
    assert_eq!(
        denied,
        vec![
            (
                "request.refused",
                "agent@commune-a.fr",
                Some(b.id),
                "GET /t/syndicat-b/registre"
            ),
            (
                "request.refused",
                "agent@commune-a.fr",
                None,
                "GET /admin/users"
            ),
            ("trail.read", "agent@commune-a.fr", Some(a.id), ""),
            (
                "request.refused",
                "unknown credential",
                None,
                "GET /api/v1/me"
            ),
        ]
    );
});
