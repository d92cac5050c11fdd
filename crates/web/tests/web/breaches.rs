//! C17–C20 through the pages: anyone of the tenant declares, every page
//! shows the running clock, the DPO qualifies (errors by field, nothing
//! lost), notifies in phases and prints the notification.

use axum::http::StatusCode;
use vigie_domain::role::Role;

use crate::{both, support::TestApp};

both!(
    c17_c19_declared_by_anyone_qualified_and_notified_by_the_dpo,
    |app| {
        let a = app.tenant("commune-a").await;
        app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
            .await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        let mut agent = app.signed_in("agent@commune-a.fr").await;
        let list = agent.get("/t/commune-a/incidents").await;
        assert_eq!(list.status, StatusCode::OK);
        // A time in the future is refused on its field; what was typed stays.
        let bad = agent
            .post(
                "/t/commune-a/incidents",
                &[
                    ("title", "Clé USB perdue"),
                    ("aware_at", "2099-01-01T10:00"),
                    ("intake", "phone"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("id=\"in-aware-error\"")
                && bad.body.contains("value=\"Clé USB perdue\"")
        );
        let now = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string();
        let ok = agent
            .post(
                "/t/commune-a/incidents",
                &[
                    ("title", "Clé USB perdue"),
                    ("description", "Liste des usagers"),
                    ("aware_at", &now),
                    ("intake", "phone"),
                    ("reported_by", "M. Girard, prestataire, 06 00 00 00 00"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let page_url = ok.location().split('?').next().unwrap().to_owned();
        let declared = agent.get(ok.location()).await;
        assert!(
            declared
                .body
                .contains("M. Girard, prestataire, 06 00 00 00 00 (reçu par Personne agent)"),
            "who called and who recorded it"
        );
        // The clock is on every page of the tenant.
        let home = agent.get("/t/commune-a").await;
        assert!(home.body.contains("pour notifier la CNIL"), "{}", home.body);
        // An agent declares but does not qualify.
        assert_eq!(
            agent
                .post(&format!("{page_url}/qualify"), &[("is_breach", "yes")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        let mut dpo = app.signed_in("dpo@commune-a.fr").await;
        let wrong = dpo
            .post(
                &format!("{page_url}/qualify"),
                &[
                    ("aware_at", &now),
                    ("is_breach", "yes"),
                    ("started_at", "2026-11-30T10:00"),
                    ("ended_at", "2026-11-29T10:00"),
                    ("persons", "beaucoup"),
                    ("consequences", "Hameçonnage"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            wrong.body.contains("id=\"q-persons-error\""),
            "{}",
            wrong.body
        );
        assert!(
            wrong.body.contains(">Hameçonnage</textarea>"),
            "what was typed stays"
        );
        let fine = dpo
            .post(
                &format!("{page_url}/qualify"),
                &[
                    ("aware_at", &now),
                    ("is_breach", "yes"),
                    ("crit_confidentiality", "on"),
                    ("persons", "1 200"),
                    ("person_categories", "Usagers"),
                    ("consequences", "Hameçonnage"),
                ],
            )
            .await;
        assert_eq!(fine.status, StatusCode::SEE_OTHER, "{}", fine.body);
        let complete = dpo
            .post(&format!("{page_url}/notify"), &[("kind", "complete")])
            .await;
        assert_eq!(complete.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            complete.body.contains("records"),
            "the missing sections are named"
        );
        let initial = dpo
            .post(&format!("{page_url}/notify"), &[("kind", "initial")])
            .await;
        assert_eq!(initial.status, StatusCode::SEE_OTHER, "{}", initial.body);
        let shown = dpo.get(&page_url).await;
        assert!(
            shown
                .body
                .contains("Intervention due avant (2 heures ouvrées)"),
            "C34"
        );
        assert!(
            shown.body.contains("Notifications envoyées")
                && shown.body.contains("notification?phase=1")
        );
        assert!(
            !dpo.get("/t/commune-a")
                .await
                .body
                .contains("pour notifier la CNIL"),
            "the clock stopped"
        );
        let printed = dpo.get(&format!("{page_url}/notification?phase=1")).await;
        assert!(
            printed.body.contains("1200") && printed.body.contains("Confidentialité"),
            "{}",
            printed.body
        );
        let json = dpo
            .get(&format!("{page_url}/notification?phase=1&format=json"))
            .await;
        let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
        assert_eq!(v["phase"]["kind"], "initial");
        assert_eq!(v["facts"]["persons"], 1200);
        // The PDF to file with the CNIL: the phase as sent.
        let pdf = dpo
            .get(&format!("{page_url}/notification?phase=1&format=pdf"))
            .await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(
            pdf.headers[axum::http::header::CONTENT_TYPE],
            "application/pdf"
        );
        assert!(
            pdf.headers[axum::http::header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("-1.pdf")
        );
        assert!(pdf.body.starts_with("%PDF-1.4"));
        assert!(
            pdf.body.contains("(1200) Tj"),
            "the phase's count of people"
        );
        assert!(pdf.body.contains("%%EOF"));
        assert_eq!(
            dpo.get(&format!("{page_url}/notification?phase=9"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);

both!(
    c19_a_partner_declares_through_the_public_link_once_the_code_is_entered,
    |app| {
        let a = app.tenant("commune-a").await;
        app.tenant("syndicat-b").await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        let mut partner = app.browser();
        assert_eq!(
            partner.get("/p/commune-a/incident").await.status,
            StatusCode::OK
        );
        assert_eq!(
            partner.get("/p/nulle-part/incident").await.status,
            StatusCode::NOT_FOUND
        );
        let fields = |email: &'static str| {
            vec![
                ("name", "Chloé Martin"),
                ("organisation", "Infogérant Nord"),
                ("email", email),
                ("title", "Sauvegarde exposée sur Internet"),
                ("aware_at", "2026-11-30T09:15"),
            ]
        };
        let bad = partner
            .post("/p/commune-a/incident", &fields("pas-une-adresse"))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("id=\"pi-email-error\"")
                && bad.body.contains("value=\"Infogérant Nord\"")
        );
        let sent = partner
            .post("/p/commune-a/incident", &fields("chloe@infogerant.fr"))
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let link = sent.location().to_owned();
        let scope = vigie_domain::scope::TenantScope::from_verified_membership(
            a.id,
            None,
            vigie_domain::role::Roles::new(vec![Role::Dpo]),
        );
        assert_eq!(
            app.store
                .incidents(&scope, "", vigie_domain::page::Page::default())
                .await
                .unwrap()
                .total,
            0,
            "nothing in the register before the code"
        );
        // The link under another tenant's address leads nowhere.
        let elsewhere = link.replace("/p/commune-a/", "/p/syndicat-b/");
        assert_eq!(partner.get(&elsewhere).await.status, StatusCode::NOT_FOUND);
        let wrong = partner.post(&link, &[("code", "abcdef")]).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("Essais restants : 4"), "{}", wrong.body);
        let mail = app
            .store
            .list_messages("chloe@infogerant.fr", vigie_domain::page::Page::default())
            .await
            .unwrap();
        let code =
            crate::support::extract(&mail.items[0].body, "code de confirmation est : ", "\n")
                .unwrap();
        let done = partner.post(&link, &[("code", &code)]).await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.body.contains("sous la référence V-"), "{}", done.body);
        let list = app
            .store
            .incidents(&scope, "", vigie_domain::page::Page::default())
            .await
            .unwrap();
        assert_eq!(list.total, 1);
        let i = &list.items[0];
        assert_eq!(i.intake, vigie_domain::breach::Intake::Partner);
        assert!(
            i.declared_by.contains("Infogérant Nord")
                && i.declared_by.contains("chloe@infogerant.fr")
        );
        let told = app
            .store
            .list_messages("dpo@commune-a.fr", vigie_domain::page::Page::default())
            .await
            .unwrap();
        assert!(told.items.iter().any(|m| m.subject.contains(&i.reference)));
        // Used: the link is gone.
        assert_eq!(
            partner.post(&link, &[("code", &code)]).await.status,
            StatusCode::NOT_FOUND
        );
    }
);

both!(
    c17_c19_a_provider_wide_incident_each_client_sees_only_its_part,
    |app| {
        let a = app.tenant("commune-a").await;
        let b = app.tenant("syndicat-b").await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        app.person("dpo@syndicat-b.fr", &[(&b, &[Role::Dpo])]).await;
        app.account("admin@hebergeur.fr", true, &[]).await;
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        let mut dpo_a = app.signed_in("dpo@commune-a.fr").await;
        let mut dpo_b = app.signed_in("dpo@syndicat-b.fr").await;
        // The provider's pages are the provider's alone.
        for path in ["/admin/problemes", "/admin/problemes/1"] {
            let r = dpo_a.get(path).await;
            assert!(
                r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
                "{path}: {}",
                r.status
            );
        }
        assert_ne!(
            dpo_a
                .post("/admin/problemes", &[("title", "x")])
                .await
                .status,
            StatusCode::SEE_OTHER
        );
        // The contract's limit, set per client; a wrong one is refused.
        let bad = admin
            .post("/admin/tenants/commune-a/notice-hours", &[("hours", "100")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"nh-commune-a-error\""));
        let ok = admin
            .post("/admin/tenants/commune-a/notice-hours", &[("hours", "24")])
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);

        let now = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string();
        let declared = admin
            .post(
                "/admin/problemes",
                &[
                    ("title", "Baie de stockage compromise"),
                    ("description", "Accès non autorisé à la baie mutualisée"),
                    ("aware_at", &now),
                ],
            )
            .await;
        assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
        let base = declared.location().split('?').next().unwrap().to_owned();
        for (slug, part) in [
            ("commune-a", "Votre état civil"),
            ("syndicat-b", "Vos listes électorales"),
        ] {
            let r = admin
                .post(
                    &format!("{base}/add"),
                    &[("tenant", slug), ("part", part), ("persons", "120")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let unknown = admin
            .post(
                &format!("{base}/add"),
                &[("tenant", "nulle-part"), ("part", "x")],
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body.contains("id=\"pa-tenant-error\""));
        let page = admin.get(&base).await;
        assert!(page.body.contains("(24 h)") && page.body.contains("(48 h)"));

        // Only A is told: its register holds the incident with its part.
        let told = admin
            .post(&format!("{base}/notice"), &[("tenant", "commune-a")])
            .await;
        assert_eq!(told.status, StatusCode::SEE_OTHER, "{}", told.body);
        let list_a = dpo_a.get("/t/commune-a/incidents").await;
        assert!(list_a.body.contains("Baie de stockage compromise"));
        let href = crate::support::extract(&list_a.body, "<td><a href=\"", "\"").unwrap();
        let seen = dpo_a.get(&href).await;
        assert!(seen.body.contains("Votre état civil"));
        assert!(!seen.body.contains("listes électorales"), "B's part");
        assert!(!seen.body.contains("syndicat-b"), "B's name");
        assert!(
            !dpo_b
                .get("/t/syndicat-b/incidents")
                .await
                .body
                .contains("Baie de stockage"),
            "B not told yet"
        );
        // A's incident under B's address: not found.
        let id = href.rsplit('/').next().unwrap();
        assert_eq!(
            dpo_b
                .get(&format!("/t/syndicat-b/incidents/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // News goes to those told; closing needs B told first.
        let r = admin
            .post(&format!("{base}/update"), &[("body", "Baie isolée.")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(dpo_a.get(&href).await.body.contains("Baie isolée."));
        let early = admin
            .post(
                &format!("{base}/update"),
                &[("body", "Clos."), ("closing", "on")],
            )
            .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(early.body.contains("id=\"pu-closing-error\""));
        admin
            .post(&format!("{base}/notice"), &[("tenant", "syndicat-b")])
            .await;
        let closed = admin
            .post(
                &format!("{base}/update"),
                &[("body", "Incident clos, aucune fuite."), ("closing", "on")],
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let list_b = dpo_b.get("/t/syndicat-b/incidents").await;
        let href_b = crate::support::extract(&list_b.body, "<td><a href=\"", "\"").unwrap();
        let seen_b = dpo_b.get(&href_b).await;
        assert!(seen_b.body.contains("Vos listes électorales"));
        assert!(seen_b.body.contains("Incident clos, aucune fuite."));
        assert!(!seen_b.body.contains("Votre état civil"), "A's part");
        // The client reads the provider's news through the API too.
        let minted = dpo_b
            .post(
                "/t/syndicat-b/tokens",
                &[("name", "supervision"), ("role", "dpo"), ("days", "30")],
            )
            .await;
        let token = crate::support::extract(
            &minted.body,
            "id=\"new-token\" type=\"text\" readonly value=\"",
            "\"",
        )
        .unwrap();
        let mut api = app.browser();
        let r = api
            .api(
                &format!("/api/v1/incidents/{}", href_b.rsplit('/').next().unwrap()),
                &token,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let one: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(one["intake"], "processor");
        assert_eq!(one["provider_updates"][0]["closing"], true);
    }
);

both!(c19_a_partner_declares_to_the_provider_itself, |app| {
    let a = app.tenant("commune-a").await;
    app.account("admin@hebergeur.fr", true, &[]).await;
    let mut partner = app.browser();
    assert_eq!(
        partner.get("/prestataire/incident").await.status,
        StatusCode::OK
    );
    let sent = partner
        .post(
            "/prestataire/incident",
            &[
                ("name", "Chloé Martin"),
                ("organisation", "Datacentre Est"),
                ("email", "chloe@datacentre.fr"),
                ("title", "Coupure électrique prolongée"),
                ("aware_at", "2026-11-30T09:15"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let link = sent.location().to_owned();
    assert!(link.starts_with("/prestataire/incident/"));
    // The provider's pending declaration under a tenant's address: not
    // found there.
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(
        partner
            .get(&format!("/p/{}/incident/{token}", a.slug))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mail = app
        .store
        .list_messages("chloe@datacentre.fr", vigie_domain::page::Page::default())
        .await
        .unwrap();
    let code =
        crate::support::extract(&mail.items[0].body, "code de confirmation est : ", "\n").unwrap();
    let done = partner.post(&link, &[("code", &code)]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("P-"), "{}", done.body);
    let problems = app
        .store
        .problems("", vigie_domain::page::Page::default())
        .await
        .unwrap();
    assert_eq!(problems.total, 1);
    assert!(problems.items[0].declared_by.contains("Datacentre Est"));
    let told = app
        .store
        .list_messages("admin@hebergeur.fr", vigie_domain::page::Page::default())
        .await
        .unwrap();
    assert!(
        told.items
            .iter()
            .any(|m| m.subject.contains(&problems.items[0].reference))
    );
});

both!(
    c19_the_providers_monitoring_runs_a_provider_wide_incident_through_the_api,
    |app| {
        let a = app.tenant("commune-a").await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        let admin_user = app.account("admin@hebergeur.fr", true, &[]).await;
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        let bad = admin
            .post("/admin/jetons", &[("name", ""), ("days", "0")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("id=\"token-name-error\"")
                && bad.body.contains("id=\"token-days-error\"")
        );
        let made = admin
            .post("/admin/jetons", &[("name", "supervision"), ("days", "30")])
            .await;
        assert_eq!(made.status, StatusCode::OK);
        let token = crate::support::extract(
            &made.body,
            "id=\"new-token\" type=\"text\" readonly value=\"",
            "\"",
        )
        .unwrap();
        let mut api = app.browser();
        // A provider token opens no tenant's data.
        assert_eq!(
            api.api("/api/v1/incidents", &token).await.status,
            StatusCode::UNAUTHORIZED
        );
        let declared = api
            .api_json(
                "POST",
                "/api/v1/provider/problems",
                &token,
                &serde_json::json!({"title": "Sonde : baie injoignable", "aware_at": jiff::Timestamp::now().to_string()}),
            )
            .await;
        assert_eq!(declared.status, StatusCode::CREATED, "{}", declared.body);
        let p: serde_json::Value = serde_json::from_str(&declared.body).unwrap();
        let id = p["id"].as_i64().unwrap();
        let future = api
            .api_json(
                "POST",
                "/api/v1/provider/problems",
                &token,
                &serde_json::json!({"title": "x", "aware_at": "2099-01-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(future.status, StatusCode::BAD_REQUEST);
        assert!(future.body.contains("aware_at"));
        let unknown = api
            .api_json(
                "POST",
                &format!("/api/v1/provider/problems/{id}/clients"),
                &token,
                &serde_json::json!({"tenant": "nulle-part", "part": "x"}),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        let added = api
            .api_json(
                "POST",
                &format!("/api/v1/provider/problems/{id}/clients"),
                &token,
                &serde_json::json!({"tenant": "commune-a", "part": "Votre portail", "persons": 50}),
            )
            .await;
        assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
        let told = api
            .api_json(
                "POST",
                &format!("/api/v1/provider/problems/{id}/notices"),
                &token,
                &serde_json::json!({"tenant": "commune-a"}),
            )
            .await;
        assert_eq!(told.status, StatusCode::CREATED, "{}", told.body);
        let v: serde_json::Value = serde_json::from_str(&told.body).unwrap();
        assert!(v["clients"][0]["noticed_at"].is_string());
        let twice = api
            .api_json(
                "POST",
                &format!("/api/v1/provider/problems/{id}/notices"),
                &token,
                &serde_json::json!({"tenant": "commune-a"}),
            )
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "told once");
        let closed = api
            .api_json(
                "POST",
                &format!("/api/v1/provider/problems/{id}/updates"),
                &token,
                &serde_json::json!({"body": "Rétabli.", "closing": true}),
            )
            .await;
        assert_eq!(closed.status, StatusCode::CREATED, "{}", closed.body);
        let v: serde_json::Value = serde_json::from_str(&closed.body).unwrap();
        assert_eq!(v["status"], "closed");
        // The client sees it in its register.
        let mut dpo = app.signed_in("dpo@commune-a.fr").await;
        assert!(
            dpo.get("/t/commune-a/incidents")
                .await
                .body
                .contains("Sonde : baie injoignable")
        );
        // Made by someone no longer an administrator: the token stops.
        app.store.set_disabled(admin_user.id, true).await.unwrap();
        assert_eq!(
            api.api("/api/v1/provider/problems", &token).await.status,
            StatusCode::UNAUTHORIZED
        );
        app.store.set_disabled(admin_user.id, false).await.unwrap();
        assert_eq!(
            api.api("/api/v1/provider/problems", &token).await.status,
            StatusCode::OK
        );
        // Disabling ended the administrator's sessions: sign in again.
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        let list = admin.get("/admin/jetons").await;
        let revoke = crate::support::extract(&list.body, "action=\"/admin/jetons/", "\"").unwrap();
        let r = admin.post(&format!("/admin/jetons/{revoke}"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            api.api("/api/v1/provider/problems", &token).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
);
