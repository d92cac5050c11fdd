//! C27 through the pages: a tenant aims a connected system at Vigie's own
//! database (several spellings), at another tenant's application database,
//! at the server's files and ports — each refused in the page's words,
//! with nothing stored and nothing of the driver shown; only the DPO
//! connects a system, and the DPOs are told.

use axum::http::StatusCode;
use vigie_connect::{Dialect, fixture};
use vigie_domain::{page::Page, role::Role, scope::TenantScope};
use vigie_store::TrailFilter;

use crate::{both, support::TestApp};

/// Every spelling of Vigie's own database a tenant could try.
fn own_spellings(app: &TestApp) -> Vec<String> {
    let own = app.own_url.clone();
    match own.strip_prefix("sqlite://") {
        Some(path) => {
            let path = std::path::Path::new(path);
            let dir = path.parent().unwrap();
            let link_dir = std::env::temp_dir().join(format!(
                "vigie-link-{}-{}",
                std::process::id(),
                dir.file_name().unwrap().to_string_lossy()
            ));
            std::fs::create_dir_all(&link_dir).unwrap();
            let link = link_dir.join("application.db");
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(path, &link).unwrap();
            vec![
                own.clone(),
                format!("sqlite:{}", path.display()),
                format!("sqlite://{}/./x/../vigie.db", dir.display()),
                format!("sqlite://{}/vigie%2Edb", dir.display()),
                format!("sqlite://{}", link.display()),
            ]
        }
        None => vec![
            own.clone(),
            own.replacen("postgres://", "postgresql://", 1),
            own.replacen("127.0.0.1", "localhost", 1),
            own.replacen("127.0.0.1:5432", "localhost", 1),
        ],
    }
}

/// The form of a system named "Logiciel" at `url` with the fixture's dataset.
fn form(url: &str) -> [(&'static str, &str); 3] {
    [
        ("name", "Logiciel"),
        ("url", url),
        ("dataset", fixture::DATASET),
    ]
}

async fn systems_of(app: &TestApp, t: &vigie_store::Tenant) -> i64 {
    let scope = TenantScope::from_verified_membership(
        t.id,
        None,
        vigie_domain::role::Roles::new(vec![Role::Dpo]),
    );
    app.store
        .systems(&scope, "", Page::default())
        .await
        .unwrap()
        .total
}

both!(
    c27_connected_systems_cannot_reach_vigie_or_another_tenant,
    |app| {
        let a = app.tenant("commune-a").await;
        let b = app.tenant("commune-b").await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
            .await;
        app.person("dpo@commune-b.fr", &[(&b, &[Role::Dpo])]).await;
        let mut dpo_a = app.signed_in("dpo@commune-a.fr").await;
        let mut agent_a = app.signed_in("agent@commune-a.fr").await;
        let mut dpo_b = app.signed_in("dpo@commune-b.fr").await;

        // Vigie's own database, however it is written: refused in the page's
        // words, with a dataset written over Vigie's own tables.
        let over_vigie = "[[table]]\nname = \"users\"\nprimary_key = \"id\"\n  [[table.column]]\n  name = \"email\"\n  identity = \"email\"\n";
        for url in own_spellings(&app) {
            let r = dpo_a
                .post(
                    "/t/commune-a/systemes",
                    &[("name", "Vigie"), ("url", &url), ("dataset", over_vigie)],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
            assert!(
                r.body
                    .contains("ce n&#39;est pas une base que Vigie peut utiliser")
                    || r.body
                        .contains("ce n'est pas une base que Vigie peut utiliser"),
                "{url}: {}",
                r.body
            );
        }
        assert_eq!(systems_of(&app, &a).await, 0);

        // The server's files and ports: refused before anything is opened,
        // and no driver words reach the page.
        let talker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = talker.local_addr().unwrap().port();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut open = Vec::new();
            for mut s in talker.incoming().flatten() {
                let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2 banner-du-serveur\r\n");
                open.push(s);
            }
        });
        let leaks = |body: &str, url: &str| {
            for leak in [
                "banner",
                "SSH",
                "unable to open",
                "file is not a database",
                "No such file",
                "error returned from database",
            ] {
                assert!(!body.contains(leak), "{url}: {leak}");
            }
        };
        for url in [
            "sqlite:///etc/passwd",
            "sqlite:///etc/no-such-file.db",
            "postgres://postgres@10.11.12.13:5432/app",
            "postgres://postgres@127.0.0.1:5432/app?host=/var/run/postgresql",
            "postgres://postgres@127.0.0.1:5432/app?sslrootcert=/etc/shadow",
        ] {
            let r = dpo_a.post("/t/commune-a/systemes", &form(url)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
            leaks(&r.body, url);
            assert!(r.body.contains("Refusé"), "{url}: {}", r.body);
        }
        assert_eq!(systems_of(&app, &a).await, 0);
        // A port the provider allows where another service answers: refused or
        // kept as "not reachable", in Vigie's words either way.
        for url in [
            format!("mysql://root@127.0.0.1:{port}/app"),
            format!("postgres://postgres@127.0.0.1:{port}/app"),
        ] {
            let before = app
                .store
                .all_systems(&vigie_domain::scope::TenantScope::of_provider(a.id))
                .await
                .unwrap()
                .len();
            let fields = [
                ("name", url.as_str()),
                ("url", url.as_str()),
                ("dataset", fixture::DATASET),
            ];
            let r = dpo_a.post("/t/commune-a/systemes", &fields).await;
            leaks(&r.body, &url);
            let list = dpo_a.get("/t/commune-a/systemes").await;
            leaks(&list.body, &url);
            let systems = app
                .store
                .all_systems(&vigie_domain::scope::TenantScope::of_provider(a.id))
                .await
                .unwrap();
            if r.status == StatusCode::SEE_OTHER {
                // Kept as "not reachable", in Vigie's words.
                assert_eq!(systems.len(), before + 1, "{url}");
                assert!(
                    systems
                        .iter()
                        .all(|s| s.check_result.starts_with("not checked: not reachable")),
                    "{url}"
                );
            } else {
                assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
                assert_eq!(systems.len(), before, "{url}");
            }
        }
        let before_dpo = systems_of(&app, &a).await;

        // Only the DPO connects a system.
        let name = format!(
            "vigie_web_confine_{}_{}",
            std::process::id(),
            app.store.backend()
        );
        let url = fixture::create_database(Dialect::Sqlite, &name)
            .await
            .unwrap();
        fixture::install(&url, 4).await.unwrap();
        let r = agent_a.post("/t/commune-a/systemes", &form(&url)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let page = agent_a.get("/t/commune-a/systemes").await;
        assert!(
            !page.body.contains("name=\"dataset\""),
            "no form for an agent"
        );
        assert_eq!(systems_of(&app, &a).await, before_dpo);
        let r = dpo_a
            .post(
                "/t/commune-a/systemes",
                &[
                    ("name", "Mes demandes"),
                    ("url", &url),
                    ("dataset", fixture::DATASET),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let told = app
            .store
            .list_messages("dpo@commune-a.fr", Page::default())
            .await
            .unwrap();
        assert!(
            told.items
                .iter()
                .any(|m| m.subject.contains("Système connecté")),
            "the DPOs are told"
        );
        let trail = app
            .store
            .tenant_trail(
                &TenantScope::from_verified_membership(
                    a.id,
                    None,
                    vigie_domain::role::Roles::new(vec![Role::Dpo]),
                ),
                &TrailFilter {
                    action_prefix: "systems.create".into(),
                    ..TrailFilter::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert!(trail.total >= 1);

        // Another tenant aims at the same database under another name.
        let path = url.strip_prefix("sqlite://").unwrap();
        let alias = format!("{path}-alias.db");
        let _ = std::fs::remove_file(&alias);
        std::os::unix::fs::symlink(path, &alias).unwrap();
        for other in [url.clone(), format!("sqlite://{alias}")] {
            let r = dpo_b.post("/t/commune-b/systemes", &form(&other)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{other}");
            assert!(
                r.body
                    .contains("déjà connectée pour une autre organisation"),
                "{}",
                r.body
            );
        }
        assert_eq!(systems_of(&app, &b).await, 0);
        // The path is not shown in full to the tenant either.
        let list = dpo_a.get("/t/commune-a/systemes").await;
        assert!(!list.body.contains(path), "{}", list.body);
        let _ = std::fs::remove_file(&alias);
        fixture::drop_database(Dialect::Sqlite, &name, &url)
            .await
            .unwrap();
    }
);

both!(c27_the_provider_declares_a_shared_database, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("commune-b").await;
    app.account("admin@hebergeur.fr", true, &[]).await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    app.person("dpo@commune-b.fr", &[(&b, &[Role::Dpo])]).await;
    let mut admin = app.signed_in("admin@hebergeur.fr").await;
    let mut dpo_a = app.signed_in("dpo@commune-a.fr").await;
    let mut dpo_b = app.signed_in("dpo@commune-b.fr").await;
    let name = format!(
        "vigie_web_shared_{}_{}",
        std::process::id(),
        app.store.backend()
    );
    let url = fixture::create_database(Dialect::Sqlite, &name)
        .await
        .unwrap();
    fixture::install(&url, 4).await.unwrap();

    // Only the provider administrator sees and declares.
    assert_ne!(dpo_a.get("/admin/bases").await.status, StatusCode::OK);
    let refused = dpo_a
        .post(
            "/admin/bases",
            &[
                ("url", &url),
                ("label", "Mes demandes"),
                ("column", "organisation_id"),
                ("tenants", "commune-a = 1"),
            ],
        )
        .await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER);
    // A mistake is explained next to its field, what was typed stays.
    let bad = admin
        .post(
            "/admin/bases",
            &[
                ("url", &url),
                ("label", "Mes demandes"),
                ("column", "organisation_id"),
                ("tenants", "commune-a = 1\ncommune-z = 2"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("commune-z"), "{}", bad.body);
    assert!(!bad.body.contains(&url), "the URL is not sent back");
    let ok = admin
        .post(
            "/admin/bases",
            &[
                ("url", &url),
                ("label", "Mes demandes"),
                ("column", "organisation_id"),
                ("tenants", "commune-a = 1\ncommune-b = 2"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let list = admin.get("/admin/bases").await;
    assert!(list.body.contains("Partagée"), "{}", list.body);
    assert!(list.body.contains("organisation_id = 2"), "{}", list.body);

    // Both tenants connect it; each sees its own rows only (the use
    // cases' tests check the rows).
    for (browser, slug) in [(&mut dpo_a, "commune-a"), (&mut dpo_b, "commune-b")] {
        let r = browser
            .post(
                &format!("/t/{slug}/systemes"),
                &[
                    ("name", "Mes demandes"),
                    ("url", &url),
                    ("dataset", fixture::DATASET),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{slug}: {}", r.body);
    }

    // The same through the API (issue 20), with a provider token only.
    let provider = crate::api_records::provider_token_of(&app, "admin@hebergeur.fr").await;
    let mut c = app.browser();
    let listed: serde_json::Value = serde_json::from_str(
        &c.api("/api/v1/provider/databases?q=Mes", &provider)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(listed["total"], 1, "{listed}");
    let db = &listed["items"][0];
    assert_eq!(db["shared"], true);
    assert_eq!(db["column"], "organisation_id");
    assert!(
        db["shares"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"tenant": "commune-b", "value": "2"}))
    );
    let identity = db["identity"].as_str().unwrap().to_owned();
    let declared = serde_json::json!({"url": url, "label": "Mes demandes", "column": "organisation_id",
        "shares": [{"tenant": "commune-a", "value": "1"}]});
    // Declared again: its clients and values are replaced.
    let r = c
        .api_json("POST", "/api/v1/provider/databases", &provider, &declared)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let listed: serde_json::Value = serde_json::from_str(
        &c.api("/api/v1/provider/databases?q=Mes", &provider)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(
        listed["items"][0]["shares"],
        serde_json::json!([{"tenant": "commune-a", "value": "1"}])
    );
    let release = serde_json::json!({"identity": identity});
    let r = c
        .api_json(
            "POST",
            "/api/v1/provider/databases/release",
            &provider,
            &release,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = c
        .api_json(
            "POST",
            "/api/v1/provider/databases/release",
            &provider,
            &release,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for (shares, said) in [
        (
            serde_json::json!([{"tenant": "commune-z", "value": "1"}]),
            "commune-z",
        ),
        (
            serde_json::json!([{"tenant": " commune-a", "value": "1"}]),
            "shares[0].tenant",
        ),
        (
            serde_json::json!([{"tenant": "commune-a", "value": "1\ncommune-b = 2"}]),
            "shares[0].value",
        ),
    ] {
        let mut bad = declared.clone();
        bad["shares"] = shares;
        let r = c
            .api_json("POST", "/api/v1/provider/databases", &provider, &bad)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.body.contains(said), "{}", r.body);
        assert!(!r.body.contains(&url), "the URL is not sent back");
    }
    let r = c
        .api_json("POST", "/api/v1/provider/databases", &provider, &declared)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let again: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(again["identity"], identity.as_str());
    assert_eq!(
        again["shares"],
        serde_json::json!([{"tenant": "commune-a", "value": "1"}])
    );
    assert_eq!(
        c.api("/api/v1/provider/databases", &dpo_token(&app).await)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "a client's token lists no database"
    );
    fixture::drop_database(Dialect::Sqlite, &name, &url)
        .await
        .unwrap();
});

async fn dpo_token(app: &TestApp) -> String {
    crate::api_parity::minted(app, "dpo@commune-a.fr", "commune-a", "dpo").await
}
