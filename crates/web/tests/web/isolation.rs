//! C27: a person of tenant A reaches nothing of tenant B, whatever the
//! request: every tenant page and API route answers 404 with no data.

use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use vigie_domain::{role::Role, role::Roles, scope::TenantScope};
use vigie_store::NewApiToken;

use crate::{
    both,
    support::{Reply, TestApp},
};

/// Every `/t/{tenant}` route the application declares.
const SOURCE: &str = include_str!("../../src/pages/mod.rs");

fn declared_tenant_routes() -> Vec<String> {
    SOURCE
        .split(".route(")
        .skip(1)
        .filter_map(|r| r.split('"').nth(1))
        .filter(|p| p.starts_with("/t/{tenant}"))
        .map(str::to_owned)
        .collect()
}

/// (method, route pattern): what the walk below covers.
const WALKED: &[(&str, &str)] = &[
    ("GET", "/t/{tenant}"),
    ("GET", "/t/{tenant}/users"),
    ("GET", "/t/{tenant}/organisme"),
    ("POST", "/t/{tenant}/organisme"),
    ("POST", "/t/{tenant}/users"),
    ("GET", "/t/{tenant}/users/{id}"),
    ("POST", "/t/{tenant}/users/{id}/roles"),
    ("POST", "/t/{tenant}/users/{id}/remove"),
    ("POST", "/t/{tenant}/users/{id}/disable"),
    ("POST", "/t/{tenant}/users/{id}/enable"),
    ("POST", "/t/{tenant}/users/{id}/reset"),
    ("POST", "/t/{tenant}/invitations/{id}/withdraw"),
    ("GET", "/t/{tenant}/incidents"),
    ("POST", "/t/{tenant}/incidents"),
    ("GET", "/t/{tenant}/incidents/{id}"),
    ("GET", "/t/{tenant}/incidents/{id}/notification"),
    ("POST", "/t/{tenant}/incidents/{id}/{action}"),
    ("GET", "/t/{tenant}/trail"),
    ("GET", "/t/{tenant}/trail/export.csv"),
    ("GET", "/t/{tenant}/trail/export.json"),
    ("GET", "/t/{tenant}/tokens"),
    ("POST", "/t/{tenant}/tokens"),
    ("POST", "/t/{tenant}/tokens/{id}/revoke"),
    ("GET", "/t/{tenant}/demandes"),
    ("POST", "/t/{tenant}/demandes"),
    ("GET", "/t/{tenant}/demandes/nouvelle"),
    ("POST", "/t/{tenant}/demandes/calendrier"),
    ("GET", "/t/{tenant}/demandes/{id}"),
    ("GET", "/t/{tenant}/demandes/{id}/lettre.pdf"),
    ("GET", "/t/{tenant}/demandes/{id}/pieces/{attachment}"),
    ("GET", "/t/{tenant}/systemes/{id}/jeu-de-donnees"),
    ("POST", "/t/{tenant}/systemes/{id}/jeu-de-donnees"),
    ("GET", "/t/{tenant}/demandes/{id}/historique.csv"),
    ("GET", "/t/{tenant}/demandes/{id}/export/{file}"),
    ("POST", "/t/{tenant}/demandes/{id}/{action}"),
    ("GET", "/t/{tenant}/systemes"),
    ("POST", "/t/{tenant}/systemes"),
    ("GET", "/t/{tenant}/systemes/{id}"),
    ("POST", "/t/{tenant}/systemes/{id}"),
    ("POST", "/t/{tenant}/systemes/{id}/analyse"),
    ("POST", "/t/{tenant}/systemes/{id}/copie"),
    ("GET", "/t/{tenant}/systemes/{id}/analyses/{scan}"),
    ("POST", "/t/{tenant}/systemes/{id}/accepter"),
    ("GET", "/t/{tenant}/registre"),
    ("POST", "/t/{tenant}/registre"),
    ("GET", "/t/{tenant}/registre/nouveau"),
    ("GET", "/t/{tenant}/registre/historique"),
    ("GET", "/t/{tenant}/registre/export.csv"),
    ("GET", "/t/{tenant}/registre/export.json"),
    ("GET", "/t/{tenant}/registre/export.pdf"),
    ("GET", "/t/{tenant}/registre/export.odt"),
    ("GET", "/t/{tenant}/registre/{id}/fiche.pdf"),
    ("GET", "/t/{tenant}/registre/{id}/fiche.odt"),
    ("GET", "/t/{tenant}/registre/{id}"),
    ("POST", "/t/{tenant}/registre/{id}"),
    ("GET", "/t/{tenant}/registre/{id}/versions"),
    ("GET", "/t/{tenant}/registre/{id}/aipd"),
    ("POST", "/t/{tenant}/registre/{id}/aipd"),
    ("GET", "/t/{tenant}/registre/{id}/aipd.pdf"),
    ("GET", "/t/{tenant}/registre/{id}/aipd.odt"),
    ("GET", "/t/{tenant}/suivi"),
    ("POST", "/t/{tenant}/suivi"),
    ("POST", "/t/{tenant}/suivi/{id}/cloture"),
    ("GET", "/t/{tenant}/suivi/preuves"),
    ("POST", "/t/{tenant}/suivi/preuves"),
    ("GET", "/t/{tenant}/suivi/preuves/{id}"),
    ("POST", "/t/{tenant}/suivi/preuves/{id}/supprimer"),
    ("GET", "/t/{tenant}/rapport-annuel"),
    ("GET", "/t/{tenant}/rapport-annuel/{year}/{format}"),
    ("GET", "/t/{tenant}/sous-traitants"),
    ("POST", "/t/{tenant}/sous-traitants/avis/{notice}/{action}"),
    ("GET", "/t/{tenant}/audits"),
    ("POST", "/t/{tenant}/audits"),
    ("GET", "/t/{tenant}/instructions"),
    ("POST", "/t/{tenant}/instructions"),
    ("GET", "/t/{tenant}/conservation"),
    ("POST", "/t/{tenant}/conservation"),
    ("POST", "/t/{tenant}/conservation/balayer"),
    ("POST", "/t/{tenant}/conservation/{id}/supprimer"),
    ("GET", "/t/{tenant}/conservation/rapports/{id}/{format}"),
    ("GET", "/t/{tenant}/consentement"),
    ("POST", "/t/{tenant}/consentement/sites"),
    ("POST", "/t/{tenant}/consentement/sites/{id}"),
    ("GET", "/t/{tenant}/consentement/preuve"),
    ("POST", "/t/{tenant}/consentement/opposition"),
    ("GET", "/t/{tenant}/consentement/opposition.csv"),
    ("GET", "/t/{tenant}/modeles"),
    ("POST", "/t/{tenant}/modeles/{id}/importer"),
    ("POST", "/t/{tenant}/modeles/{id}/activites/{activity}"),
    ("GET", "/t/{tenant}/webhooks"),
    ("POST", "/t/{tenant}/webhooks"),
    ("GET", "/t/{tenant}/webhooks/{id}"),
    ("POST", "/t/{tenant}/webhooks/{id}/{action}"),
    ("POST", "/t/{tenant}/webhooks/{id}/rotate"),
    (
        "POST",
        "/t/{tenant}/webhooks/{id}/deliveries/{delivery}/redeliver",
    ),
];

#[test]
fn the_walk_covers_every_tenant_route() {
    let declared = declared_tenant_routes();
    assert!(declared.len() >= 12, "{declared:?}");
    for d in &declared {
        assert!(
            WALKED.iter().any(|(_, w)| w == d),
            "route {d} is not walked by the isolation test"
        );
    }
}

fn assert_hidden(r: &Reply, what: &str, secrets: &[&str]) {
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{what}: {}", r.body);
    for s in secrets {
        assert!(!r.body.contains(s), "{what} leaks {s}");
    }
}

both!(c27_tenant_a_reaches_nothing_of_tenant_b, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("syndicat-b").await;
    // Alice holds every role in A; Bob and his token live in B only.
    app.person(
        "alice@commune-a.fr",
        &[(
            &a,
            &[Role::Dpo, Role::UserManager, Role::Agent, Role::Auditor],
        )],
    )
    .await;
    let bob = app
        .person("bob.secret@syndicat-b.fr", &[(&b, &[Role::Dpo])])
        .await;
    let scope_b =
        TenantScope::from_verified_membership(b.id, Some(bob.id), Roles::new(vec![Role::Dpo]));
    let now = Timestamp::now();
    let tok_b = app
        .store
        .create_token(
            &scope_b,
            &NewApiToken {
                name: "jeton-b-secret".into(),
                role: Role::Dpo,
                token_hash: "hash-b".into(),
                expires_at: now + SignedDuration::from_hours(1),
                created_by: Some(bob.id),
                created_at: now,
            },
        )
        .await
        .unwrap();
    let (req_b, sys_b) = crate::support::rights_objects_of(&app, &scope_b).await;
    let doc_b = app
        .store
        .add_reply(
            &scope_b,
            req_b,
            &vigie_store::RequestEvent {
                at: jiff::Timestamp::now(),
                actor: "personne".into(),
                step: "information_given".into(),
                detail: "Piece secrete B".into(),
                detail_en: String::new(),
            },
            &[vigie_store::NewAttachment {
                name: "piece-b.txt".into(),
                kind: vigie_domain::followup::EvidenceType::Text,
                bytes: b"Piece secrete B".to_vec(),
                sha256: "0".repeat(64),
            }],
        )
        .await
        .unwrap()[0]
        .id;
    let invited = app.person("invitee@ailleurs.fr", &[]).await;
    app.store
        .invite(
            &scope_b,
            invited.id,
            &vigie_domain::role::Roles::new(vec![Role::Agent]),
            "invitation-b",
            "Bertrand Secret",
            now + SignedDuration::from_hours(1),
        )
        .await
        .unwrap();
    let inv_b = app.store.invitations(&scope_b, now).await.unwrap()[0].id;
    let inc_b = app
        .store
        .create_incident(
            &scope_b,
            &vigie_store::NewIncident {
                title: "Fuite secrète B".into(),
                description: "bob.secret".into(),
                intake: vigie_domain::breach::Intake::Account,
                declared_by: "Bertrand Secret".into(),
                aware_at: now,
                at: now,
                facts: Default::default(),
            },
        )
        .await
        .unwrap();
    let scan_b = app
        .store
        .create_scan(&scope_b, sys_b, Timestamp::now())
        .await
        .unwrap()
        .id;
    let act_b = app
        .store
        .create_activity(
            &scope_b,
            &vigie_store::ActivityChange {
                status: vigie_domain::register::ActivityStatus::Draft,
                body: vigie_domain::register::Activity {
                    name: "Activité secrète B".into(),
                    ..Default::default()
                },
                author: "bob".into(),
                reason: "création".into(),
                at: Timestamp::now(),
            },
        )
        .await
        .unwrap()
        .id;
    let mut dpia_b = vigie_domain::dpia::Dpia::blank();
    dpia_b.overview = "Analyse secrète B".into();
    app.store
        .save_dpia(&scope_b, act_b, 0, &dpia_b, "bob", Timestamp::now())
        .await
        .unwrap();
    let fu_b = app
        .store
        .create_follow_up(
            &scope_b,
            &vigie_domain::followup::NewFollowUp {
                kind: vigie_domain::followup::FollowUpKind::Advice,
                activity: Some(act_b),
                title: "Préconisation secrète B".into(),
                detail: String::new(),
                owner: String::new(),
                due: None,
            },
            "bob",
            Timestamp::now(),
        )
        .await
        .unwrap();
    let ev_b = app
        .store
        .add_evidence(
            &scope_b,
            &vigie_store::NewEvidence {
                activity: Some(act_b),
                name: "preuve-secrete-b.txt".into(),
                kind: vigie_domain::followup::EvidenceType::Text,
                bytes: b"Preuve secrete B".to_vec(),
                sha256: "b".into(),
            },
            "bob",
            Timestamp::now(),
        )
        .await
        .unwrap();
    let sp_b = app
        .store
        .create_subprocessor(
            &vigie_domain::subprocessor::SubProcessor {
                name: "Hébergeur secret B".into(),
                ..Default::default()
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    let notice_b = app
        .store
        .create_notice(&vigie_store::NewNotice {
            subprocessor: sp_b.id,
            kind: vigie_domain::subprocessor::ChangeKind::Added,
            replaces: String::new(),
            activities: "x".into(),
            at: Timestamp::now(),
            tenants: vec![(b.id, jiff::civil::date(2099, 1, 1))],
        })
        .await
        .unwrap();
    let rule_b = app
        .store
        .create_rule(
            &scope_b,
            &vigie_domain::retention::RetentionRule {
                system: sys_b,
                label: "Règle secrète B".into(),
                table: "journaux".into(),
                trigger_column: "le".into(),
                period: vigie_domain::retention::Period::new(
                    1,
                    vigie_domain::retention::PeriodUnit::Years,
                )
                .unwrap(),
                action: vigie_domain::retention::RetentionAction::Delete,
            },
            now,
        )
        .await
        .unwrap();
    let run_b = app
        .store
        .start_run(&scope_b, false, "bob", now)
        .await
        .unwrap();
    app.store
        .finish_run(
            &scope_b,
            run_b.id,
            r#"{"report":{"tenant":0,"run":0,"dry":false,"started_by":"bob.secret","started_at":"","ended_at":"","rules":[]},"signature":"","public_key":""}"#,
            "",
            now,
        )
        .await
        .unwrap();
    // B's website and one of its visitors' choices (C35).
    let site_b = vigie_service::consent::create_site(
        vigie_service::Ctx {
            store: app.store.as_ref(),
            vault: &crate::support::test_vault(),
            base_url: "http://test",
            confinement: &crate::support::test_confinement(),
        },
        &scope_b,
        &vigie_service::consent::SiteInput {
            name: "Site secret B".into(),
            origin: "https://secret-b.example".into(),
            notice_version: "v1".into(),
            services: Default::default(),
        },
        now,
    )
    .await
    .unwrap();
    app.store
        .append_consent(
            &scope_b,
            &vigie_domain::consent::ConsentRecord {
                seq: 0,
                at: now,
                site: site_b.id,
                device: "bdevicesecret00000000".into(),
                kind: vigie_domain::consent::ChoiceKind::AcceptAll,
                choices: vigie_domain::consent::Choices(Default::default()),
                method: vigie_domain::consent::ConsentMethod::Banner,
                notice_version: "v1".into(),
            },
        )
        .await
        .unwrap();
    // B's webhook endpoint and a delivery to it (issue 20).
    let hook_b = app
        .store
        .create_webhook(
            &scope_b,
            &vigie_store::NewWebhook {
                url: "https://hooks.secret-b.example/".into(),
                description: "Crochet secret B".into(),
                events: vigie_domain::webhook::Subscriptions::parse(["scan_finished"]).unwrap(),
                secret_sealed: vec![1],
            },
            "bob",
            now,
        )
        .await
        .unwrap();
    app.store
        .queue_delivery(
            &scope_b,
            hook_b.id,
            "evenement-secret-b",
            vigie_domain::webhook::EventKind::Ping,
            "{}",
            now,
        )
        .await
        .unwrap();
    let delivery_b = app
        .store
        .deliveries(&scope_b, hook_b.id, None, "", Default::default())
        .await
        .unwrap()
        .items[0]
        .clone();
    // Abandoned, so that sending it again would change it.
    app.store
        .claim_deliveries("w", now, now + SignedDuration::from_mins(1), 10)
        .await
        .unwrap();
    assert!(
        app.store
            .mark_undelivered(delivery_b.id, "w", None, "refusé", None)
            .await
            .unwrap()
    );
    let secrets = [
        "Crochet secret B",
        "hooks.secret-b",
        "evenement-secret-b",
        "Site secret B",
        "bdevicesecret",
        "Règle secrète B",
        "Fuite secrète B",
        "Hébergeur secret B",
        "Activité secrète B",
        "bob.secret",
        "jeton-b-secret",
        "Organisation syndicat-b",
        "Bertrand Secret",
        "Logiciel secret B",
        "Analyse secrète B",
        "Préconisation secrète B",
        "preuve-secrete-b",
        "Preuve secrete B",
        "Piece secrete B",
    ];
    let mut alice = app.signed_in("alice@commune-a.fr").await;

    for (method, pattern) in WALKED {
        // B's objects under B's address, and under A's own address.
        for slug in ["syndicat-b", "commune-a"] {
            let id = if pattern.contains("tokens/{id}") {
                tok_b.id.0
            } else if pattern.contains("demandes/{id}") {
                req_b.0
            } else if pattern.contains("systemes/{id}") {
                sys_b.0
            } else if pattern.contains("registre/{id}") {
                act_b.0
            } else if pattern.contains("preuves/{id}") {
                ev_b.id
            } else if pattern.contains("suivi/{id}") {
                fu_b.id
            } else if pattern.contains("invitations/{id}") {
                inv_b
            } else if pattern.contains("incidents/{id}") {
                inc_b.id
            } else if pattern.contains("rapports/{id}") {
                run_b.id
            } else if pattern.contains("conservation/{id}") {
                rule_b.id
            } else if pattern.contains("sites/{id}") {
                site_b.id
            } else if pattern.contains("webhooks/{id}") {
                hook_b.id
            } else {
                bob.id.0
            };
            if slug == "commune-a" && !pattern.contains("{id}") {
                continue;
            }
            let path = pattern
                .replace("{tenant}", slug)
                .replace("{id}", &id.to_string())
                .replace(
                    "{action}",
                    if pattern.contains("incidents") {
                        "notify"
                    } else if pattern.contains("webhooks") {
                        "delete"
                    } else {
                        "approve"
                    },
                )
                .replace("{file}", "export.json")
                .replace(
                    "{format}",
                    if pattern.contains("rapport-annuel") {
                        "pdf"
                    } else {
                        "export.json"
                    },
                )
                .replace("{year}", "2026")
                .replace("{attachment}", &doc_b.to_string())
                .replace("{scan}", &scan_b.to_string())
                .replace("{notice}", &notice_b.to_string())
                .replace("{activity}", &act_b.to_string())
                .replace("{delivery}", &delivery_b.id.to_string());
            let r = if *method == "GET" {
                alice.get(&path).await
            } else {
                alice
                    .post(
                        &path,
                        &[
                            ("email", "x@y.fr"),
                            ("name", "X"),
                            ("role_dpo", "on"),
                            ("days", "3"),
                            ("role", "dpo"),
                        ],
                    )
                    .await
            };
            assert_hidden(&r, &format!("{method} {path}"), &secrets);
        }
    }
    // The API the same way: every documented tenant operation, B's
    // objects in its path, with A's DPO and user manager tokens (issue
    // 20). An operation added to the document with a path parameter this
    // walk cannot fill fails here until it is given one of B's objects.
    let document: serde_json::Value =
        serde_json::from_str(include_str!("../../../../docs/openapi.json")).unwrap();
    let tokens = [
        crate::api_parity::minted(&app, "alice@commune-a.fr", "commune-a", "dpo").await,
        crate::api_parity::minted(&app, "alice@commune-a.fr", "commune-a", "user_manager").await,
    ];
    let mut api = app.browser();
    let mut walked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.contains('{')
            || path.starts_with("/api/v1/provider/")
            || !path.starts_with("/api/v1/")
        {
            continue;
        }
        let object = |prefix: &str| path.starts_with(&format!("/api/v1/{prefix}/{{id}}"));
        let id = if object("members") {
            bob.id.0
        } else if object("register") {
            act_b.0
        } else if object("requests") {
            req_b.0
        } else if object("systems") {
            sys_b.0
        } else if object("follow-ups") {
            fu_b.id
        } else if object("evidence") {
            ev_b.id
        } else if object("incidents") {
            inc_b.id
        } else if path.starts_with("/api/v1/retention/rules/") {
            rule_b.id
        } else if path.starts_with("/api/v1/retention/runs/") {
            run_b.id
        } else if object("consent/sites") {
            site_b.id
        } else if object("webhooks") {
            hook_b.id
        } else if object("tokens") {
            tok_b.id.0
        } else if object("invitations") {
            inv_b
        } else {
            0
        };
        let url = path
            .replace("{id}", &id.to_string())
            .replace("{attachment}", &doc_b.to_string())
            .replace("{scan}", &scan_b.to_string())
            .replace("{notice}", &notice_b.to_string())
            .replace("{delivery}", &delivery_b.id.to_string())
            .replace("{device}", "bdevicesecret")
            .replace("{file}", "export.json")
            .replace("{task}", "1")
            .replace("{copy}", "1")
            .replace("{activity}", "1")
            .replace("{year}", "2026");
        assert!(
            !url.contains('{'),
            "{path}: a parameter the walk cannot fill"
        );
        // Models, the annual report and a device's proof are A's own (a
        // model is the provider's, a year or a device id is not B's
        // object): no leak, whatever the answer.
        let own = [
            "/api/v1/models/",
            "/api/v1/report/",
            "/api/v1/consent/devices/",
        ]
        .iter()
        .any(|p| path.starts_with(p));
        assert!(
            own || !path.contains("{id}") || id != 0,
            "{path}: which of B's objects does it name?"
        );
        for method in ["get", "post", "put", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            for token in &tokens {
                let r = api
                    .api_json(&method.to_uppercase(), &url, token, &serde_json::json!({}))
                    .await;
                let what = format!("{} {url}", method.to_uppercase());
                for s in &secrets {
                    assert!(!r.body.contains(s), "{what} leaks {s}");
                }
                assert!(
                    own || !r.status.is_success(),
                    "{what}: {} {}",
                    r.status,
                    r.body
                );
            }
            walked += 1;
        }
    }
    assert!(walked >= 69, "{walked} operations walked");

    // A's own proof of B's visitor: nothing.
    let proof = alice
        .get("/t/commune-a/consentement/preuve?device=bdevicesecret00000000")
        .await;
    assert!(proof.body.contains("\"records\": []"), "{}", proof.body);
    // A tenant that does not exist answers the same.
    assert_hidden(&alice.get("/t/nowhere/users").await, "unknown tenant", &[]);
    // Nothing of B changed.
    assert!(!app.store.token_by_hash("hash-b").await.unwrap().revoked);
    let hook_after = app.store.webhook(&scope_b, hook_b.id).await.unwrap();
    assert!(hook_after.active);
    assert_eq!(
        (hook_after.secret_sealed, hook_after.previous_until),
        (vec![1], None),
        "its secret not rotated from A"
    );
    assert_eq!(
        app.store
            .delivery(&scope_b, delivery_b.id)
            .await
            .unwrap()
            .state,
        vigie_domain::webhook::DeliveryState::Abandoned,
        "not sent again from A"
    );
    assert!(!app.store.user(bob.id).await.unwrap().disabled);
    assert_eq!(app.store.memberships(bob.id).await.unwrap().len(), 1);
    assert_eq!(app.store.invitations(&scope_b, now).await.unwrap().len(), 1);
    assert_eq!(app.store.incident(&scope_b, inc_b.id).await.unwrap(), inc_b);
    assert_eq!(app.store.rule(&scope_b, rule_b.id).await.unwrap(), rule_b);
    assert_eq!(
        app.store
            .dpia_versions(&scope_b, act_b)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.store.follow_up(&scope_b, fu_b.id).await.unwrap().status,
        vigie_domain::followup::FollowUpStatus::Open
    );
    assert!(app.store.evidence_file(&scope_b, ev_b.id).await.is_ok());
    let still = app
        .store
        .request(&vigie_domain::scope::TenantScope::of_provider(b.id), req_b)
        .await
        .unwrap();
    assert_eq!(still.status, vigie_domain::rights::RequestStatus::Verified);
    assert_eq!(
        app.store
            .system(&vigie_domain::scope::TenantScope::of_provider(b.id), sys_b)
            .await
            .unwrap()
            .name,
        "Logiciel secret B"
    );
    // The switcher refuses B too.
    assert_eq!(
        alice.get("/switch?tenant=syndicat-b").await.status,
        StatusCode::NOT_FOUND
    );
});

both!(c27_api_token_of_a_sees_nothing_of_b, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("syndicat-b").await;
    app.person("alice@commune-a.fr", &[(&a, &[Role::Dpo])])
        .await;
    let bob = app
        .person("bob.secret@syndicat-b.fr", &[(&b, &[Role::Dpo])])
        .await;
    let mut alice = app.signed_in("alice@commune-a.fr").await;
    let r = alice
        .post(
            "/t/commune-a/tokens",
            &[("name", "outil"), ("role", "dpo"), ("days", "30")],
        )
        .await;
    let token = crate::support::extract(
        &r.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap();
    let mut api = app.browser();
    let r = api
        .api(&format!("/api/v1/members/{}", bob.id), &token)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("\"code\":\"not_found\"") && !r.body.contains("bob.secret"));
    let r = api.api("/api/v1/members", &token).await;
    assert!(!r.body.contains("bob.secret"));
    let r = api.api("/api/v1/trail", &token).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("bob.secret"));
    // B's incident, by id, read or changed: not found; never listed.
    let scope_b = vigie_domain::scope::TenantScope::from_verified_membership(
        b.id,
        None,
        vigie_domain::role::Roles::new(vec![Role::Dpo]),
    );
    let now = Timestamp::now();
    let inc = app
        .store
        .create_incident(
            &scope_b,
            &vigie_store::NewIncident {
                title: "Fuite chez bob.secret".into(),
                description: String::new(),
                intake: vigie_domain::breach::Intake::Account,
                declared_by: "bob".into(),
                aware_at: now,
                at: now,
                facts: Default::default(),
            },
        )
        .await
        .unwrap();
    let r = api
        .api(&format!("/api/v1/incidents/{}", inc.id), &token)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("bob.secret"));
    assert!(
        !api.api("/api/v1/incidents", &token)
            .await
            .body
            .contains("bob.secret")
    );
    // B's suppression list answers A's token as if it were empty (C37).
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &crate::support::test_vault(),
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    vigie_service::consent::object(
        ctx,
        &scope_b,
        vigie_domain::rights::Channel::Email,
        "bob.secret@b.fr",
        "agent:bob",
        now,
    )
    .await
    .unwrap();
    let checked = api
        .api_json(
            "POST",
            "/api/v1/suppression/check",
            &token,
            &serde_json::json!({ "channel": "email", "value": "bob.secret@b.fr" }),
        )
        .await;
    assert!(
        checked.body.contains("\"suppressed\":false"),
        "{}",
        checked.body
    );
    let r = api
        .api_json(
            "POST",
            &format!("/api/v1/incidents/{}/phases", inc.id),
            &token,
            &serde_json::json!({"kind": "initial"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(app.store.phases(&scope_b, inc.id).await.unwrap().is_empty());
    // B's assessment, follow-up and evidence (issue 17): not found, never
    // listed, never changed.
    let act = app
        .store
        .create_activity(
            &scope_b,
            &vigie_store::ActivityChange {
                status: vigie_domain::register::ActivityStatus::Draft,
                body: vigie_domain::register::Activity {
                    name: "Activité de bob.secret".into(),
                    ..Default::default()
                },
                author: "bob".into(),
                reason: "création".into(),
                at: now,
            },
        )
        .await
        .unwrap();
    let fu = app
        .store
        .create_follow_up(
            &scope_b,
            &vigie_domain::followup::NewFollowUp {
                kind: vigie_domain::followup::FollowUpKind::Advice,
                activity: Some(act.id),
                title: "Conseil pour bob.secret".into(),
                detail: String::new(),
                owner: String::new(),
                due: None,
            },
            "bob",
            now,
        )
        .await
        .unwrap();
    let ev = app
        .store
        .add_evidence(
            &scope_b,
            &vigie_store::NewEvidence {
                activity: Some(act.id),
                name: "bob.secret.txt".into(),
                kind: vigie_domain::followup::EvidenceType::Text,
                bytes: b"bob.secret".to_vec(),
                sha256: "b".into(),
            },
            "bob",
            now,
        )
        .await
        .unwrap();
    for path in [
        format!("/api/v1/register/{}/dpia", act.id),
        format!("/api/v1/evidence/{}", ev.id),
    ] {
        let r = api.api(&path, &token).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.body.contains("bob.secret"), "{path}");
    }
    for path in ["/api/v1/follow-ups", "/api/v1/evidence"] {
        let r = api.api(path, &token).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.body.contains("bob.secret"), "{path}: {}", r.body);
    }
    for (method, path, body) in [
        (
            "PUT",
            format!("/api/v1/register/{}/dpia", act.id),
            serde_json::json!({"version": 0, "dpia": {}}),
        ),
        (
            "POST",
            format!("/api/v1/follow-ups/{}/close", fu.id),
            serde_json::json!({"status": "done"}),
        ),
        (
            "POST",
            "/api/v1/follow-ups".to_owned(),
            serde_json::json!({"kind": "advice", "title": "x", "activity": act.id.0}),
        ),
        (
            "DELETE",
            format!("/api/v1/evidence/{}", ev.id),
            serde_json::json!({}),
        ),
    ] {
        let r = api.api_json(method, &path, &token, &body).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            r.body
        );
    }
    let r = api
        .api_bytes(
            &format!("/api/v1/evidence?name=x.txt&activity={}", act.id),
            &token,
            b"x".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        app.store
            .dpia_versions(&scope_b, act.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        app.store.follow_up(&scope_b, fu.id).await.unwrap().status,
        vigie_domain::followup::FollowUpStatus::Open
    );
    assert!(app.store.evidence_file(&scope_b, ev.id).await.is_ok());
    assert!(app.store.all_follow_ups(&scope_b).await.unwrap().len() == 1);

    // B's rights request: no operation of A's token reaches it.
    let vault = crate::support::test_vault();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    let req = vigie_service::rights::record(
        ctx,
        &scope_b,
        "bob",
        &vigie_service::rights::RequestInput {
            kind: vigie_domain::rights::RequestKind::Access,
            name: "Bob Secret".into(),
            email: Some(vigie_domain::account::Email::parse("bob.secret@syndicat-b.fr").unwrap()),
            phone: String::new(),
            details: String::new(),
            channels: vec![],
            rectifications: vec![],
            contact: vigie_domain::rights::Contact::default(),
        },
        vigie_domain::rights::Intake::Letter,
        vigie_domain::time::legal_date(now),
        now,
    )
    .await
    .unwrap();
    let base = format!("/api/v1/requests/{}", req.id);
    let r = api.api(&base, &token).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("bob.secret"));
    let r = api.api("/api/v1/requests?due=all", &token).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.body.contains("bob.secret") && r.body.contains("\"total\":0"),
        "{}",
        r.body
    );
    for (step, body) in [
        (
            "verify",
            serde_json::json!({"method": "in_person", "proven": [0]}),
        ),
        ("ask", serde_json::json!({"message": "?"})),
        ("extend", serde_json::json!({"reason": "r"})),
        ("preview", serde_json::json!({})),
        ("approve", serde_json::json!({})),
        ("retry", serde_json::json!({})),
        ("tasks/1/confirm", serde_json::json!({})),
        ("answer", serde_json::json!({"answer": "a"})),
        ("refuse", serde_json::json!({"reason": "r"})),
        ("close", serde_json::json!({})),
    ] {
        let r = api
            .api_json("POST", &format!("{base}/{step}"), &token, &body)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{step}: {}", r.body);
    }
    let untouched = app.store.request(&scope_b, req.id).await.unwrap();
    assert_eq!(
        untouched.status,
        vigie_domain::rights::RequestStatus::Received
    );
    assert_eq!(app.store.events(&scope_b, req.id).await.unwrap().len(), 1);
});

/// Every `/admin` route the application declares: the provider's own.
fn declared_admin_routes() -> Vec<String> {
    let mut out: Vec<String> = SOURCE
        .split(".route(")
        .skip(1)
        .filter_map(|r| r.split('"').nth(1))
        .filter(|p| p.starts_with("/admin"))
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
}

// C27 and issue 13: someone holding every role of a client — no provider
// administrator — reaches none of the provider's pages, by any method,
// and changes nothing there (a provider-wide incident, a client's
// contract, the provider's tokens).
both!(c27_a_client_reaches_none_of_the_providers_pages, |app| {
    let a = app.tenant("commune-a").await;
    app.person(
        "alice@commune-a.fr",
        &[(
            &a,
            &[Role::Dpo, Role::UserManager, Role::Agent, Role::Auditor],
        )],
    )
    .await;
    let now = Timestamp::now();
    let p = app
        .store
        .create_problem(&vigie_store::NewProblem {
            title: "Panne secrète du prestataire".into(),
            description: String::new(),
            intake: vigie_domain::breach::Intake::Account,
            declared_by: "Astreinte".into(),
            aware_at: now,
            at: now,
        })
        .await
        .unwrap();
    let routes = declared_admin_routes();
    assert!(routes.len() >= 25, "{routes:?}");
    let mut alice = app.signed_in("alice@commune-a.fr").await;
    for route in &routes {
        let path = route
            .replace("{slug}", "commune-a")
            .replace("{tenant}", "commune-a")
            .replace("{id}", &p.id.to_string())
            .replace("{action}", "update")
            .replace("{notice}", "1");
        for method in ["GET", "POST"] {
            let r = if method == "GET" {
                alice.get(&path).await
            } else {
                alice
                    .post(
                        &path,
                        &[
                            ("body", "x"),
                            ("hours", "1"),
                            ("closing", "on"),
                            ("name", "x"),
                        ],
                    )
                    .await
            };
            assert!(
                [
                    StatusCode::FORBIDDEN,
                    StatusCode::NOT_FOUND,
                    StatusCode::METHOD_NOT_ALLOWED
                ]
                .contains(&r.status),
                "{method} {path}: {}",
                r.status
            );
            assert!(!r.body.contains("Panne secrète"), "{method} {path} leaks");
        }
    }
    assert!(app.store.problem_updates(p.id).await.unwrap().is_empty());
    assert_eq!(app.store.problem(p.id).await.unwrap(), p);
    assert_eq!(app.store.processor_notice_hours(a.id).await.unwrap(), 48);
    assert_eq!(
        app.store
            .provider_tokens(vigie_domain::page::Page::default())
            .await
            .unwrap()
            .total,
        0
    );
});
