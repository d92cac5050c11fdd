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
