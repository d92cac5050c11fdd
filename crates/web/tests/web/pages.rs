//! The pages people use: roles kept by the tenant's user manager (C26),
//! the trail (C28), languages, lists, errors.

use axum::http::StatusCode;
use vigie_domain::{page::Page, role::Role};
use vigie_store::TrailFilter;

use crate::{
    both,
    support::{TestApp, extract},
};

both!(c26_user_manager_runs_the_tenants_accounts, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("syndicat-b").await;
    app.person("gestion@commune-a.fr", &[(&a, &[Role::UserManager])])
        .await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    // Someone who also works for B: the manager of A cannot disable them.
    let shared = app
        .person(
            "dpo@mutualise.fr",
            &[(&a, &[Role::Dpo]), (&b, &[Role::Dpo])],
        )
        .await;
    let mut m = app.signed_in("gestion@commune-a.fr").await;

    // A form error keeps what was typed and says where.
    let r = m
        .post(
            "/t/commune-a/users",
            &[("email", "pas-une-adresse"), ("name", "Nouvelle Personne")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Adresse électronique non valable"));
    assert!(
        r.body.contains("value=\"pas-une-adresse\"")
            && r.body.contains("value=\"Nouvelle Personne\"")
    );
    assert!(r.body.contains("Choisissez au moins un rôle."));

    let r = m
        .post(
            "/t/commune-a/users",
            &[
                ("email", "nouvelle@commune-a.fr"),
                ("name", "Nouvelle Personne"),
                ("role_agent", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let created = app
        .store
        .user_by_email(&vigie_domain::account::Email::parse("nouvelle@commune-a.fr").unwrap())
        .await
        .unwrap();
    let mail = app
        .store
        .list_messages("nouvelle@commune-a.fr", Page::default())
        .await
        .unwrap();
    assert_eq!(
        mail.total, 1,
        "a link to choose a password, never a password"
    );
    assert!(mail.items[0].body.contains("/password/reset/"));

    let page = m.get(&format!("/t/commune-a/users/{}", created.id)).await;
    assert_eq!(page.status, StatusCode::OK);
    let r = m
        .post(
            &format!("/t/commune-a/users/{}/roles", created.id),
            &[("role_auditor", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let ms = app.store.memberships(created.id).await.unwrap();
    assert!(ms[0].roles.contains(Role::Auditor) && !ms[0].roles.contains(Role::Agent));
    // Issue 12 (C26): the manager cannot make itself DPO.
    let me = app
        .store
        .user_by_email(&vigie_domain::account::Email::parse("gestion@commune-a.fr").unwrap())
        .await
        .unwrap();
    let r = m
        .post(
            &format!("/t/commune-a/users/{}/roles", me.id),
            &[("role_user_manager", "on"), ("role_dpo", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Personne ne change ses propres rôles"));
    let mine = app.store.memberships(me.id).await.unwrap();
    assert!(!mine[0].roles.contains(Role::Dpo), "still not DPO");
    // Nor remove or disable its own account: the tenant would have no
    // manager left.
    for action in ["remove", "disable"] {
        let r = m
            .post(&format!("/t/commune-a/users/{}/{action}", me.id), &[])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{action}");
        assert!(
            r.body
                .contains("Personne ne retire ni ne désactive son propre compte"),
            "{action}"
        );
    }
    assert!(!app.store.user(me.id).await.unwrap().disabled);
    assert!(
        !app.store.memberships(me.id).await.unwrap()[0]
            .roles
            .is_empty()
    );

    let r = m
        .post(&format!("/t/commune-a/users/{}/disable", created.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.store.user(created.id).await.unwrap().disabled);
    let r = m
        .post(&format!("/t/commune-a/users/{}/disable", shared.id), &[])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "an account of another tenant too is not theirs to disable"
    );
    assert!(!app.store.user(shared.id).await.unwrap().disabled);
    let shared_page = m.get(&format!("/t/commune-a/users/{}", shared.id)).await;
    assert!(
        shared_page
            .body
            .contains("seul l&#39;administrateur de la plateforme")
    );

    // Roles in B are untouched when A removes the shared DPO.
    let r = m
        .post(&format!("/t/commune-a/users/{}/remove", shared.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let left = app.store.memberships(shared.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].tenant.id, b.id);

    // An agent reads but does not manage.
    let mut agent = app.signed_in("agent@commune-a.fr").await;
    assert_eq!(agent.get("/t/commune-a/users").await.status, StatusCode::OK);
    let r = agent
        .post(
            "/t/commune-a/users",
            &[
                ("email", "x@commune-a.fr"),
                ("name", "X"),
                ("role_dpo", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let f = TrailFilter {
        action_prefix: "user.create".into(),
        ..Default::default()
    };
    let denied = app.store.instance_trail(&f, Page::default()).await.unwrap();
    assert!(
        denied
            .items
            .iter()
            .any(|r| r.event.outcome == vigie_domain::audit::Outcome::Denied
                && r.event.actor.label == "agent@commune-a.fr")
    );
});

both!(c28_trail_is_browsed_filtered_and_exported, |app| {
    let a = app.tenant("commune-a").await;
    app.person("auditeur@commune-a.fr", &[(&a, &[Role::Auditor])])
        .await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    let mut agent = app.signed_in("agent@commune-a.fr").await;
    agent.get("/t/commune-a/users").await;
    assert_eq!(
        agent.get("/t/commune-a/trail").await.status,
        StatusCode::FORBIDDEN
    );
    let mut aud = app.signed_in("auditeur@commune-a.fr").await;
    let page = aud
        .get("/t/commune-a/trail?q=agent%40commune-a.fr&action=users.")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<code>users.list</code>"));
    assert!(page.body.contains("192.0.2.10"));
    assert!(
        !page.body.contains("<code>auth.sign_in</code>"),
        "filtered by action"
    );
    // Dates in the reader's zone (Europe/Paris: CET or CEST).
    assert!(page.body.contains(" CET<") || page.body.contains(" CEST<"));
    let bad = aud.get("/t/commune-a/trail?from=23-11-2026").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("AAAA-MM-JJ"));

    let csv = aud.get("/t/commune-a/trail/export.csv?action=users.").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let mut lines = csv.body.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("seq,at,actor_user,actor,tenant,action")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        !rows.is_empty(),
        "the users pages were read: their records are exported"
    );
    assert!(rows.iter().all(|l| l.contains(",users.")), "{rows:?}");
    let json = aud.get("/t/commune-a/trail/export.json").await;
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let arr = v.as_array().unwrap();
    assert!(arr.len() >= rows.len(), "every record of the tenant");
    assert!(arr.iter().all(|r| r["tenant"] == serde_json::json!(a.id.0)));
    assert!(
        arr.windows(2)
            .all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64()),
        "oldest first"
    );
    let f = TrailFilter {
        action_prefix: "trail.export".into(),
        ..Default::default()
    };
    assert_eq!(
        app.store
            .instance_trail(&f, Page::default())
            .await
            .unwrap()
            .total,
        2,
        "exports are traced"
    );
});

#[tokio::test]
async fn lists_are_paginated_and_searchable() {
    let app = TestApp::sqlite().await;
    let a = app.tenant("commune-a").await;
    app.person("gestion@commune-a.fr", &[(&a, &[Role::UserManager])])
        .await;
    for i in 0..55 {
        app.store
            .create_user(&vigie_store::NewUser {
                email: vigie_domain::account::Email::parse(&format!("agent{i:02}@commune-a.fr"))
                    .unwrap(),
                name: vigie_domain::account::DisplayName::parse(&format!("Agent {i:02}")).unwrap(),
                password_hash: "!".into(),
                is_provider_admin: false,
                locale: "fr".into(),
                time_zone: "Europe/Paris".into(),
            })
            .await
            .map(|u| u.id)
            .map(|id| (id, a.id))
            .map(|(id, t)| (app.store.clone(), id, t))
            .map(|(s, id, t)| async move {
                s.set_roles(
                    &vigie_domain::scope::TenantScope::of_provider(t),
                    id,
                    &vigie_domain::role::Roles::new(vec![Role::Agent]),
                )
                .await
                .unwrap()
            })
            .unwrap()
            .await;
    }
    let mut m = app.signed_in("gestion@commune-a.fr").await;
    let p1 = m.get("/t/commune-a/users").await;
    assert!(p1.body.contains("56 résultats — Page 1 / 2"));
    assert!(
        p1.body
            .contains("href=\"/t/commune-a/users?page=2\" rel=\"next\"")
    );
    let p2 = m.get("/t/commune-a/users?page=2").await;
    assert!(p2.body.contains("rel=\"prev\""));
    let s = m.get("/t/commune-a/users?q=agent0").await;
    assert!(s.body.contains("10 résultats"));
}

#[tokio::test]
async fn french_by_default_english_on_request() {
    let app = TestApp::sqlite().await;
    let mut b = app.browser();
    let fr = b.get("/sign-in").await;
    assert!(fr.body.contains("<html lang=\"fr\">") && fr.body.contains("Se connecter"));
    b.headers = vec![("accept-language".into(), "en-GB,en;q=0.9".into())];
    let en = b.get("/sign-in").await;
    assert!(en.body.contains("<html lang=\"en\">") && en.body.contains("Sign in"));
    b.headers.clear();
    let r = b.get("/lang/en?next=%2Fpassword%2Fforgot").await;
    assert_eq!(r.location(), "/password/forgot");
    assert!(
        b.get("/password/forgot")
            .await
            .body
            .contains("Reset your password")
    );
    let r = b.get("/lang/en?next=https%3A%2F%2Fevil.example").await;
    assert_eq!(r.location(), "/", "no open redirect");
    // Issue 12: a tab survives a naive check and browsers drop it.
    for next in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%5C/evil.example",
    ] {
        let r = b.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(r.location(), "/", "{next}");
    }
    // Every form field has its label.
    for page in ["/sign-in", "/password/forgot"] {
        let body = b.get(page).await.body;
        for id in body
            .split("<input id=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap())
        {
            assert!(
                body.contains(&format!("<label for=\"{id}\"")),
                "{page}: input {id} has no label"
            );
        }
    }
}

#[tokio::test]
async fn errors_are_pages_in_the_visitors_language() {
    let app = TestApp::sqlite().await;
    let a = app.tenant("commune-a").await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    let mut b = app.signed_in("agent@commune-a.fr").await;
    let r = b.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Page introuvable"));
    let r = b.get("/admin/tenants").await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "provider pages are for the provider"
    );
    assert!(r.body.contains("Action non autorisée"));
    let r = b.get("/t/commune-a/users/abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn provider_admin_creates_a_tenant_and_its_first_manager() {
    let app = TestApp::sqlite().await;
    app.account("admin@provider.fr", true, &[]).await;
    let mut admin = app.signed_in("admin@provider.fr").await;
    let r = admin
        .post(
            "/admin/tenants",
            &[("slug", "Mauvais Nom"), ("name", "Commune B")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("minuscules sans accent") && r.body.contains("value=\"Mauvais Nom\""));
    let r = admin
        .post(
            "/admin/tenants",
            &[("slug", "commune-b"), ("name", "Commune B")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = admin
        .post(
            "/admin/tenants",
            &[("slug", "commune-b"), ("name", "Autre")],
        )
        .await;
    assert!(r.body.contains("Ce nom court est déjà utilisé."));
    let r = admin
        .post(
            "/admin/tenants/commune-b/grant",
            &[
                ("email", "gestion@commune-b.fr"),
                ("name", "Gestion B"),
                ("role_user_manager", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mail = app
        .store
        .list_messages("gestion@commune-b.fr", Page::default())
        .await
        .unwrap();
    let link = extract(&mail.items[0].body, "http://127.0.0.1:8080", "\n").unwrap();
    let mut g = app.browser();
    let r = g
        .post(
            &link,
            &[
                ("password", "une phrase bien longue"),
                ("confirm", "une phrase bien longue"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = g
        .sign_in("gestion@commune-b.fr", "une phrase bien longue", "")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(g.get("/").await.location(), "/t/commune-b");
    let jobs = admin.get("/admin/jobs").await;
    assert_eq!(jobs.status, StatusCode::OK);
    let outbox = admin.get("/admin/outbox?q=commune-b").await;
    assert!(outbox.body.contains("gestion@commune-b.fr"));
}

#[tokio::test]
async fn a_database_that_goes_away_gets_a_clear_answer() {
    let (app, db) = TestApp::sqlite_closable().await;
    let a = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    let mut b = app.signed_in("dpo@commune-a.fr").await;
    let r = b
        .post(
            "/t/commune-a/tokens",
            &[("name", "outil"), ("role", "agent"), ("days", "3")],
        )
        .await;
    let token = extract(
        &r.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap();
    db.close().await;
    let r = b.get("/t/commune-a/users").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        r.body.contains("momentanément indisponible")
            && r.body.contains("rien n&#39;a été modifié"),
        "{}",
        r.body
    );
    let r = b.api("/api/v1/members", &token).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("\"code\":\"unavailable\""));
    assert_eq!(
        b.get("/healthz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

both!(c26_an_existing_account_is_invited_not_pulled_in, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("syndicat-b").await;
    app.person("gestion@commune-a.fr", &[(&a, &[Role::UserManager])])
        .await;
    app.person("gestion@syndicat-b.fr", &[(&b, &[Role::UserManager])])
        .await;
    let bob = app
        .person("bob@syndicat-b.fr", &[(&b, &[Role::Agent])])
        .await;
    let mut m = app.signed_in("gestion@commune-a.fr").await;
    let r = m
        .post(
            "/t/commune-a/users",
            &[
                ("email", "bob@syndicat-b.fr"),
                ("name", "Nom inventé"),
                ("role_dpo", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location().ends_with("flash=user_invited"),
        "{}",
        r.location()
    );
    // Not a member of A: B's manager still runs the account alone.
    assert_eq!(app.store.memberships(bob.id).await.unwrap().len(), 1);
    let list = m.get("/t/commune-a/users").await;
    assert!(
        list.body.contains("bob@syndicat-b.fr") && list.body.contains("Invitations en attente")
    );
    let bob_name = app.store.user(bob.id).await.unwrap().name;
    assert!(
        !list.body.contains(bob_name.as_str()),
        "A does not learn B's account's name"
    );
    let mut bm = app.signed_in("gestion@syndicat-b.fr").await;
    let r = bm
        .post(&format!("/t/syndicat-b/users/{}/disable", bob.id), &[])
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "B's manager keeps their account"
    );
    let r = bm
        .post(&format!("/t/syndicat-b/users/{}/enable", bob.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let mail = app
        .store
        .list_messages("bob@syndicat-b.fr", Page::default())
        .await
        .unwrap();
    let link = extract(&mail.items[0].body, "http://127.0.0.1:8080", "\n").unwrap();
    assert!(link.starts_with("/invitations/"), "{link}");
    // Only Bob, signed in, can answer it.
    assert_eq!(m.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        m.post(&format!("{link}/accept"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let mut anonymous = app.browser();
    assert_eq!(anonymous.get(&link).await.status, StatusCode::SEE_OTHER);
    let mut bob_browser = app.signed_in("bob@syndicat-b.fr").await;
    let page = bob_browser.get(&link).await;
    assert!(
        page.body
            .contains("rejoindre Organisation commune-a avec les rôles : DPO")
            && page.body.contains("Accepter"),
        "{}",
        page.body
    );
    let r = bob_browser.post(&format!("{link}/accept"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let ms = app.store.memberships(bob.id).await.unwrap();
    assert_eq!(ms.len(), 2);
    assert!(
        ms.iter()
            .any(|x| x.tenant.id == a.id && x.roles.contains(Role::Dpo))
    );
    assert_eq!(
        bob_browser
            .post(&format!("{link}/accept"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a link works once"
    );
    // Adding a member again says so and changes nothing.
    let r = m
        .post(
            "/t/commune-a/users",
            &[
                ("email", "bob@syndicat-b.fr"),
                ("name", "X"),
                ("role_agent", "on"),
            ],
        )
        .await;
    assert!(
        r.location().contains("user_already_member"),
        "{}",
        r.location()
    );
    let trail = app
        .store
        .tenant_trail(
            &vigie_domain::scope::TenantScope::from_verified_membership(
                a.id,
                None,
                vigie_domain::role::Roles::new(vec![Role::Dpo]),
            ),
            &TrailFilter::default(),
            Page::default(),
        )
        .await
        .unwrap();
    let actions: Vec<&str> = trail
        .items
        .iter()
        .map(|e| e.event.action.as_str())
        .collect();
    assert!(
        actions.contains(&"user.invite") && actions.contains(&"invitation.accept"),
        "{actions:?}"
    );
});

both!(
    c28_the_account_page_and_the_public_status_page_are_traced,
    |app| {
        let a = app.tenant("commune-a").await;
        let u = app
            .person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
            .await;
        let mut me = app.signed_in("agent@commune-a.fr").await;
        assert_eq!(me.get("/account").await.status, StatusCode::OK);
        let mut visitor = app.browser();
        let sent = visitor
            .post(
                "/p/commune-a/droits",
                &[
                    ("kind", "access"),
                    ("name", "Éloïse Dupré"),
                    ("email", "eloise@exemple.fr"),
                ],
            )
            .await;
        let status_page = sent.location().to_owned();
        assert_eq!(visitor.get(&status_page).await.status, StatusCode::OK);
        let guessed = format!("{status_page}x");
        assert_eq!(visitor.get(&guessed).await.status, StatusCode::NOT_FOUND);
        let scope = vigie_domain::scope::TenantScope::from_verified_membership(
            a.id,
            None,
            vigie_domain::role::Roles::new(vec![Role::Dpo]),
        );
        let mut all = app
            .store
            .instance_trail(&TrailFilter::default(), Page::new(Some(1), Some(200)))
            .await
            .unwrap()
            .items;
        all.extend(
            app.store
                .tenant_trail(
                    &scope,
                    &TrailFilter::default(),
                    Page::new(Some(1), Some(200)),
                )
                .await
                .unwrap()
                .items,
        );
        let has = |action: &str, object: &str, outcome: &str| {
            all.iter().any(|r| {
                r.event.action == action
                    && r.event.object.contains(object)
                    && r.event.outcome.as_str() == outcome
            })
        };
        assert!(has("account.read", &format!("user:{}", u.id), "success"));
        assert!(has("rights.public_status", "request:", "success"));
        assert!(has("rights.public_status", "lien inconnu", "failure"));
    }
);

both!(c29_the_cookie_page_names_every_cookie_vigie_sets, |app| {
    let a = app.tenant("commune-a").await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    let mut b = app.signed_in("agent@commune-a.fr").await;
    b.get("/lang/en?next=/account").await;
    let mut visitor = app.browser();
    visitor.get("/p/commune-a/droits").await;
    let mut seen: Vec<String> = b.cookies.keys().cloned().collect();
    seen.extend(visitor.cookies.keys().cloned());
    seen.sort();
    seen.dedup();
    assert!(seen.len() >= 3, "{seen:?}");
    let page = app.browser().get("/cookies").await;
    assert_eq!(page.status, StatusCode::OK);
    for name in &seen {
        assert!(
            page.body.contains(&format!("<code>{name}</code>")),
            "{name} is not explained"
        );
    }
    assert!(page.body.contains("strictement nécessaires"));
    assert!(
        b.get("/account").await.body.contains("href=\"/cookies\""),
        "linked from every page"
    );
});

// Issue 20, item 5: the API for people, without signing in, every
// operation of the served OpenAPI document on it, linked from every page.
both!(api_reference_page_lists_every_operation, |app| {
    let mut visitor = app.browser();
    let page = visitor.get("/api").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc: serde_json::Value =
        serde_json::from_str(&visitor.get("/api/v1/openapi.json").await.body).unwrap();
    let mut n = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                n += 1;
                let shown = format!("<code>{} {}</code>", method.to_uppercase(), path);
                assert!(page.body.contains(&shown), "{shown} is not on the page");
            }
        }
    }
    assert!(n >= 40, "{n} operations");
    assert!(page.body.contains(&format!("{n} opérations")));
    assert!(page.body.contains("href=\"/api/v1/openapi.json\""));
    assert!(
        visitor.get("/cookies").await.body.contains("href=\"/api\""),
        "linked from every page"
    );
});
