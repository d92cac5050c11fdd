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
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let page_url = ok.location().split('?').next().unwrap().to_owned();
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
