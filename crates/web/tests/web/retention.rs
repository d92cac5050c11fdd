//! C21 and C22 in the pages: the DPO writes rules (a wrong one refused on
//! its field, a ready-made one filling the blanks), previews them, asks
//! for a sweep; the worker's signed report is read as a page, JSON and
//! CSV, and the JSON verifies.

use axum::http::StatusCode;
use jiff::Timestamp;
use vigie_connect::{Dialect, fixture};
use vigie_domain::role::Role;

use crate::{
    both,
    support::{TestApp, test_vault},
};

both!(c21_c22_rules_preview_sweep_and_signed_report, |app| {
    let t = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&t, &[Role::Dpo])]).await;
    app.person("agent@commune-a.fr", &[(&t, &[Role::Agent])])
        .await;
    let db = format!(
        "vigie_web_retention_{}_{}",
        std::process::id(),
        app.store.backend()
    );
    let url = fixture::create_database(Dialect::Sqlite, &db)
        .await
        .unwrap();
    fixture::install(&url, 20).await.unwrap();
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let saved = dpo
        .post(
            "/t/commune-a/systemes",
            &[
                ("name", "Mes demandes"),
                ("url", &url),
                ("dataset", fixture::DATASET),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let sys = saved
        .location()
        .split('?')
        .next()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    // Not a date: refused on its field, what was typed kept.
    let bad = dpo
        .post(
            "/t/commune-a/conservation",
            &[
                ("system", &sys),
                ("label", "Journaux"),
                ("table", "journaux"),
                ("trigger_column", "ip"),
                ("amount", "6"),
                ("unit", "months"),
                ("action", "delete"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"rr-trigger_column-error\""));
    assert!(bad.body.contains("value=\"Journaux\""));
    // A ready-made period: the blanks take the template's.
    let ok = dpo
        .post(
            "/t/commune-a/conservation",
            &[
                ("template", "connection_logs"),
                ("system", &sys),
                ("table", "journaux"),
                ("trigger_column", "le"),
                ("amount", "6"),
                ("unit", "months"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = dpo.get("/t/commune-a/conservation").await;
    assert!(page.body.contains("<td>Journaux de connexion</td>") && page.body.contains("6 mois"));
    assert!(
        page.body
            .contains("Journaux de connexion — 1 an, supprimer"),
        "the template's own period is offered"
    );
    assert!(page.body.contains("supprimer"));
    // The public policy says what is applied.
    let policy = app.browser().get("/p/commune-a/confidentialite").await;
    assert!(
        policy
            .body
            .contains("Journaux de connexion — 6 mois, supprimer"),
        "{}",
        policy.body
    );
    // The preview: 60 log lines, all from February 2026, all past 6 months.
    let preview = dpo.get("/t/commune-a/conservation?apercu=1").await;
    assert!(preview.body.contains("60 ligne(s)"), "{}", preview.body);
    // An agent reads the rules, cannot preview, add or sweep.
    let mut agent = app.signed_in("agent@commune-a.fr").await;
    let seen = agent.get("/t/commune-a/conservation?apercu=1").await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("60 ligne(s)"));
    assert_eq!(
        agent
            .post("/t/commune-a/conservation/balayer", &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The DPO asks; the worker sweeps and signs.
    let queued = dpo.post("/t/commune-a/conservation/balayer", &[]).await;
    assert_eq!(queued.status, StatusCode::SEE_OTHER);
    let key = vigie_store::trail::TrailKey::generate().unwrap();
    let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
    let vault = test_vault();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    let run = vigie_service::retention::sweep(
        ctx,
        &vigie_domain::scope::TenantScope::of_provider(t.id),
        "Vigie",
        false,
        vigie_service::retention::Trigger::Asked,
        Timestamp::now(),
        25,
        &sign,
        &|_| false,
    )
    .await
    .unwrap();
    let base = format!("/t/commune-a/conservation/rapports/{}", run.id);
    let printed = dpo.get(&format!("{base}/rapport")).await;
    assert_eq!(printed.status, StatusCode::OK);
    assert!(printed.body.contains(&key.public_hex()));
    let csv = dpo.get(&format!("{base}/export.csv")).await;
    assert!(
        csv.body.lines().nth(1).unwrap().contains(",60,60,"),
        "{}",
        csv.body
    );
    let json = dpo.get(&format!("{base}/export.json")).await;
    let signed: vigie_service::retention::SignedReport = serde_json::from_str(&json.body).unwrap();
    assert!(signed.verify(Some(&key.public_hex())));
    assert_eq!(
        dpo.get(&format!("{base}/autre")).await.status,
        StatusCode::NOT_FOUND
    );
    // The API: the rules, the preview, the runs with their signed reports;
    // another tenant's token reaches none of it.
    let token = |who: &'static str, slug: &'static str| {
        let app = &app;
        async move {
            let mut b = app.signed_in(who).await;
            let minted = b
                .post(
                    &format!("/t/{slug}/tokens"),
                    &[("name", "outil"), ("role", "dpo"), ("days", "30")],
                )
                .await;
            crate::support::extract(
                &minted.body,
                "id=\"new-token\" type=\"text\" readonly value=\"",
                "\"",
            )
            .unwrap()
        }
    };
    let mine = token("dpo@commune-a.fr", "commune-a").await;
    let mut api = app.browser();
    let rules: serde_json::Value =
        serde_json::from_str(&api.api("/api/v1/retention/rules", &mine).await.body).unwrap();
    assert_eq!(rules[0]["unit"], "months");
    let preview: serde_json::Value =
        serde_json::from_str(&api.api("/api/v1/retention/preview", &mine).await.body).unwrap();
    assert_eq!(preview[0]["matched"], 0, "swept: nothing left");
    let runs: serde_json::Value =
        serde_json::from_str(&api.api("/api/v1/retention/runs", &mine).await.body).unwrap();
    let report: vigie_service::retention::SignedReport =
        serde_json::from_value(runs["items"][0]["report"].clone()).unwrap();
    assert!(report.verify(Some(&key.public_hex())));
    let wrong = api
        .api_json(
            "POST",
            "/api/v1/retention/rules",
            &mine,
            &serde_json::json!({"system": sys.parse::<i64>().unwrap(), "label": "x", "table": "journaux",
                "trigger_column": "le", "amount": 0, "unit": "days", "action": "delete"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("amount"));
    let b = app.tenant("syndicat-b").await;
    app.person("dpo@syndicat-b.fr", &[(&b, &[Role::Dpo])]).await;
    let theirs = token("dpo@syndicat-b.fr", "syndicat-b").await;
    assert_eq!(
        api.api(&format!("/api/v1/retention/runs/{}", run.id), &theirs)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let none: serde_json::Value =
        serde_json::from_str(&api.api("/api/v1/retention/rules", &theirs).await.body).unwrap();
    assert_eq!(none, serde_json::json!([]));
    // The report as CSV, one line per rule, as the page's download.
    let csv_path = format!("/api/v1/retention/runs/{}/report.csv", run.id);
    let csv = api.api(&csv_path, &mine).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(
        csv.body.starts_with("rule,label,system,table"),
        "{}",
        csv.body
    );
    assert_eq!(
        csv.body,
        dpo.get(&format!("{base}/export.csv")).await.body,
        "the same bytes as the page's"
    );
    assert_eq!(
        api.api(&csv_path, &theirs).await.status,
        StatusCode::NOT_FOUND
    );
    // C30 from the page: a masked copy into an empty test database, run by
    // the worker, its progress and result on the system's page.
    let system_page = format!("/t/commune-a/systemes/{sys}");
    let bad = dpo
        .post(&format!("{system_page}/copie"), &[("to", "ftp://ailleurs")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"copy-to-error\"") && bad.body.contains("ftp://ailleurs"));
    let test_db = format!("{db}_essai");
    let test_url = fixture::create_database(Dialect::Sqlite, &test_db)
        .await
        .unwrap();
    {
        let mut c = vigie_connect::Conn::open(&test_url).await.unwrap();
        c.run(fixture::schema()).await.unwrap();
        c.close().await;
    }
    for to in [url.as_str(), test_url.as_str()] {
        let queued = dpo
            .post(&format!("{system_page}/copie"), &[("to", to)])
            .await;
        assert_eq!(queued.status, StatusCode::SEE_OTHER, "{}", queued.body);
    }
    let waiting = dpo.get(&system_page).await;
    assert!(
        waiting.body.contains("http-equiv=\"refresh\""),
        "the page follows the work"
    );
    let scope = vigie_domain::scope::TenantScope::of_provider(t.id);
    let copies = app
        .store
        .copies(&scope, vigie_domain::SystemId(sys.parse().unwrap()))
        .await
        .unwrap();
    for c in &copies {
        vigie_service::copies::run(ctx, &scope, c.id).await.unwrap();
    }
    let done = dpo.get(&system_page).await;
    assert!(!done.body.contains("http-equiv=\"refresh\""));
    assert!(
        done.body.contains("échouée") && done.body.contains("production"),
        "onto the source: refused"
    );
    assert!(
        done.body.contains("terminée") && done.body.contains("contacts: 20"),
        "{}",
        done.body
    );
    fixture::drop_database(Dialect::Sqlite, &test_db, &test_url)
        .await
        .unwrap();
    fixture::drop_database(Dialect::Sqlite, &db, &url)
        .await
        .unwrap();
});

both!(
    c24_the_reversibility_export_holds_the_client_and_only_it,
    |app| {
        let a = app.tenant("commune-a").await;
        let b = app.tenant("syndicat-b").await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        app.account("admin@hebergeur.fr", true, &[]).await;
        let now = Timestamp::now();
        for (t, title) in [
            (&a, "Clé USB perdue en mairie"),
            (&b, "Fuite secrète du syndicat"),
        ] {
            app.store
                .create_incident(
                    &vigie_domain::scope::TenantScope::of_provider(t.id),
                    &vigie_store::NewIncident {
                        title: title.into(),
                        description: String::new(),
                        intake: vigie_domain::breach::Intake::Account,
                        declared_by: "Agent".into(),
                        aware_at: now,
                        at: now,
                        facts: Default::default(),
                    },
                )
                .await
                .unwrap();
        }
        // Its evidence documents go with it, bytes and all (issue 17).
        let piece = app
            .store
            .add_evidence(
                &vigie_domain::scope::TenantScope::of_provider(a.id),
                &vigie_store::NewEvidence {
                    activity: None,
                    name: "Contrat d'hébergement signé.pdf".into(),
                    kind: vigie_domain::followup::EvidenceType::Pdf,
                    bytes: b"%PDF-1.4 contrat signe".to_vec(),
                    sha256: "c0ffee".into(),
                },
                "dpo",
                now,
            )
            .await
            .unwrap();
        // Only the provider's administrators export a client.
        let mut dpo = app.signed_in("dpo@commune-a.fr").await;
        let refused = dpo.get("/admin/tenants/commune-a/reversibilite").await;
        assert!(
            refused.status == StatusCode::FORBIDDEN || refused.status == StatusCode::NOT_FOUND,
            "{}",
            refused.status
        );
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        let tar = admin.get("/admin/tenants/commune-a/reversibilite").await;
        assert_eq!(tar.status, StatusCode::OK);
        assert_eq!(
            tar.headers[axum::http::header::CONTENT_TYPE],
            "application/x-tar"
        );
        // The system's own tar lists every file the README describes.
        let file = std::env::temp_dir().join(format!(
            "vigie-reversibilite-{}-{}.tar",
            std::process::id(),
            app.store.backend()
        ));
        std::fs::write(&file, &tar.bytes).unwrap();
        let listed = std::process::Command::new("tar")
            .arg("tf")
            .arg(&file)
            .output()
            .unwrap();
        assert!(listed.status.success());
        let names = String::from_utf8(listed.stdout).unwrap();
        let readme = tar.body.split("## Fichiers").nth(1).unwrap().to_owned();
        for f in [
            "README.md",
            "registre.json",
            "registre.csv",
            "registre_versions.json",
            "analyses_impact.json",
            "suivi.json",
            "pieces.json",
            "demandes.json",
            "demandes.csv",
            "violations.json",
            "conservation.json",
            "journal.csv",
        ] {
            assert!(names.lines().any(|l| l == f), "{f} in {names}");
            assert!(
                f == "README.md" || readme.contains(&format!("`{f}`")),
                "README describes {f}"
            );
        }
        let piece_file = format!("pieces/{}.pdf", piece.id);
        assert!(names.lines().any(|l| l == piece_file), "{names}");
        assert!(tar.body.contains("%PDF-1.4 contrat signe"));
        assert!(tar.body.contains("Contrat d'hébergement signé.pdf"));
        std::fs::remove_file(&file).unwrap();
        assert!(tar.body.contains("Clé USB perdue en mairie"));
        assert!(
            !tar.body.contains("Fuite secrète du syndicat"),
            "another client's data"
        );
        assert!(
            app.store
                .instance_trail(&Default::default(), vigie_domain::page::Page::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|r| r.event.action == "tenant.reversibility_export"),
            "the export is traced"
        );
    }
);

both!(
    c24_a_client_s_contract_ends_in_destruction_with_a_signed_certificate,
    |app| {
        let a = app.tenant("commune-a").await;
        let b = app.tenant("syndicat-b").await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        app.account("admin@hebergeur.fr", true, &[]).await;
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        let bad = admin
            .post(
                "/admin/tenants/commune-a/fin-de-contrat",
                &[("delay", "-3")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"end-commune-a-error\""));
        // Started, cancelled, started again with no delay.
        for (path, delay) in [
            ("/admin/tenants/commune-a/fin-de-contrat", "30"),
            ("/admin/tenants/commune-a/fin-de-contrat/annuler", ""),
            ("/admin/tenants/commune-a/fin-de-contrat", "0"),
        ] {
            let r = admin.post(path, &[("delay", delay)]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}: {}", r.body);
        }
        let page = admin.get("/admin/tenants").await;
        assert!(page.body.contains("données détruites le"));
        let told = app
            .store
            .list_messages("dpo@commune-a.fr", vigie_domain::page::Page::default())
            .await
            .unwrap();
        // The client's own link to its export: only the current ending's
        // works — the cancelled one's died with it.
        let links: Vec<String> = told
            .items
            .iter()
            .filter(|m| m.subject.starts_with("Fin de contrat"))
            .filter_map(|m| crate::support::extract(&m.body, "/fin-de-contrat/", "\n"))
            .collect();
        assert_eq!(links.len(), 2);
        let mut anyone = app.browser();
        let mut working = 0;
        for token in &links {
            let r = anyone.get(&format!("/fin-de-contrat/{token}")).await;
            if r.status == StatusCode::OK {
                working += 1;
                assert_eq!(
                    r.headers[axum::http::header::CONTENT_TYPE],
                    "application/x-tar"
                );
                assert!(r.body.contains("README.md"));
            } else {
                assert_eq!(r.status, StatusCode::NOT_FOUND);
            }
        }
        assert_eq!(working, 1);
        assert_eq!(
            anyone.get("/fin-de-contrat/pas-un-jeton").await.status,
            StatusCode::NOT_FOUND
        );
        // The night's job: destroyed, with a signed certificate.
        let key = vigie_store::trail::TrailKey::generate().unwrap();
        let sign = |x: &[u8]| (key.sign_document(x), key.public_hex());
        let vault = test_vault();
        let ctx = vigie_service::Ctx {
            store: app.store.as_ref(),
            vault: &vault,
            base_url: "http://test",
            confinement: &crate::support::test_confinement(),
        };
        let certs = vigie_service::reversibility::destroy_due(ctx, Timestamp::now(), &sign)
            .await
            .unwrap();
        assert_eq!(certs.len(), 1);
        assert!(vigie_service::reversibility::certificate_signed(
            &certs[0],
            Some(&key.public_hex())
        ));
        let mut forged = certs[0].clone();
        forged.certificate = forged.certificate.replace("commune-a", "commune-z");
        assert!(!vigie_service::reversibility::certificate_signed(
            &forged, None
        ));
        assert!(app.store.tenant(a.id).await.is_err(), "destroyed");
        for token in &links {
            assert_eq!(
                anyone.get(&format!("/fin-de-contrat/{token}")).await.status,
                StatusCode::NOT_FOUND,
                "no export after the destruction"
            );
        }
        assert!(
            app.store.tenant(b.id).await.is_ok(),
            "the other client stays"
        );
        let cert: serde_json::Value = serde_json::from_str(
            &admin
                .get(&format!("/admin/certificats/{}", certs[0].id))
                .await
                .body,
        )
        .unwrap();
        assert_eq!(cert["certificate"]["tenant"], "commune-a");
        assert!(cert["certificate"]["no_backup_after"].is_string());
        // The DPO's account remains, with nothing left in the organisation.
        let mut dpo = app.signed_in("dpo@commune-a.fr").await;
        assert_eq!(
            dpo.get("/t/commune-a/incidents").await.status,
            StatusCode::NOT_FOUND
        );
        assert!(
            app.store
                .list_messages("dpo@commune-a.fr", vigie_domain::page::Page::default())
                .await
                .unwrap()
                .items
                .iter()
                .any(|m| m.subject.starts_with("Certificat de destruction"))
        );
    }
);

both!(c22_sweeps_of_vigies_own_data_for_the_provider, |app| {
    let t = app.tenant("commune-o").await;
    app.account("admin@vigie.test", true, &[]).await;
    app.person("dpo@commune-o.fr", &[(&t, &[Role::Dpo])]).await;
    let key = vigie_store::trail::TrailKey::generate().unwrap();
    let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
    let vault = test_vault();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    let policy = vigie_domain::retention::OwnPolicy::default();
    // A year and a half on, the DPO unused since today is told.
    let later = Timestamp::now() + jiff::SignedDuration::from_hours(24 * 500);
    let sweep =
        vigie_service::own_data::sweep(ctx, &policy, "Vigie", false, later, 0, &sign, &|_| false)
            .await
            .unwrap();
    let mut dpo = app.signed_in("dpo@commune-o.fr").await;
    assert_eq!(
        dpo.get("/admin/conservation").await.status,
        StatusCode::FORBIDDEN
    );
    let mut admin = app.signed_in("admin@vigie.test").await;
    let page = admin.get("/admin/conservation").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("Comptes prévenus de leur suppression : 1 / 1")
    );
    assert!(page.body.contains("Signature valide"));
    assert!(page.body.contains("1 an"));
    let json = admin
        .get(&format!("/admin/conservation/{}/rapport.json", sweep.id))
        .await;
    assert_eq!(json.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert!(vigie_store::trail::document_signed_by(
        &key.public_hex(),
        v["signed_text"].as_str().unwrap().as_bytes(),
        v["signature"].as_str().unwrap()
    ));
    assert_eq!(
        admin
            .get("/admin/conservation/999999/rapport.json")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Through the API with a provider token (issue 20): the same sweep
    // and the same signed report.
    let provider = crate::api_records::provider_token(&app).await;
    let mut c = app.browser();
    let listed: serde_json::Value = serde_json::from_str(
        &c.api("/api/v1/provider/own-data/sweeps", &provider)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(listed["items"][0]["id"], sweep.id, "{listed}");
    assert_eq!(listed["items"][0]["dry"], false);
    assert!(
        listed["items"][0]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["what"] == "inactivity_notices" && l["changed"] == 1),
        "{listed}"
    );
    let r = c
        .api(
            &format!("/api/v1/provider/own-data/sweeps/{}/report", sweep.id),
            &provider,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.body).unwrap(),
        v
    );
    assert_eq!(
        c.api("/api/v1/provider/own-data/sweeps/999999/report", &provider)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});

both!(c33_c34_the_backups_page_puts_anomalies_first, |app| {
    app.account("admin@vigie.test", true, &[]).await;
    let t = app.tenant("commune-b").await;
    app.person("dpo@commune-b.fr", &[(&t, &[Role::Dpo])]).await;
    let s = app.store.as_ref();
    let now = Timestamp::now();
    let good = s
        .start_backup("vigie-good", "sqlite", "n", now)
        .await
        .unwrap();
    s.finish_backup(good.id, 4096, &"a".repeat(64), "local", "", now)
        .await
        .unwrap();
    s.record_restore(good.id, true, 1500, "migration level 21", now)
        .await
        .unwrap();
    let bad = s
        .start_backup("vigie-bad", "sqlite", "n", now)
        .await
        .unwrap();
    s.fail_backup(bad.id, "target local: disk full", now)
        .await
        .unwrap();
    let mut dpo = app.signed_in("dpo@commune-b.fr").await;
    assert_eq!(
        dpo.get("/admin/sauvegardes").await.status,
        StatusCode::FORBIDDEN
    );
    // The client's dashboard shows the newest backup.
    let home = dpo.get("/t/commune-b").await;
    assert!(!home.body.contains("Aucune encore"), "{}", home.body);
    let mut admin = app.signed_in("admin@vigie.test").await;
    let page = admin.get("/admin/sauvegardes").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Not configured in these settings: said first.
    assert!(page.body.contains("ne sont pas configurées"));
    // The failure comes before the good one, with its reason.
    let (b, g) = (
        page.body.find("vigie-bad").unwrap(),
        page.body.find("vigie-good").unwrap(),
    );
    assert!(b < g);
    assert!(page.body.contains("disk full"));
    // C34: just tested, 1.5 s to restore: both held.
    assert!(page.body.contains("1.5 s"));
    assert_eq!(page.body.matches(">Respecté<").count(), 2, "{}", page.body);
});
