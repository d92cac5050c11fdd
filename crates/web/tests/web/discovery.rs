//! C39/C38 in the UI: scan a connected system, see what its dataset does not
//! declare, accept a finding into the dataset in one step.

use axum::http::StatusCode;
use jiff::Timestamp;
use vigie_connect::{Dialect, fixture};
use vigie_domain::role::Role;

use crate::{
    both,
    support::{TestApp, test_vault},
};

const BIRTH: &str = "  [[table.column]]
  name = \"date_naissance\"
  category = \"identite.naissance\"
  masking = \"year_only\"
";

both!(
    c39_a_scan_shows_undeclared_data_and_a_finding_is_accepted,
    |app| {
        let t = app.tenant("commune-a").await;
        app.person("dpo@commune-a.fr", &[(&t, &[Role::Dpo])]).await;
        let db = format!(
            "vigie_web_scan_{}_{}",
            std::process::id(),
            app.store.backend()
        );
        let url = fixture::create_database(Dialect::Sqlite, &db)
            .await
            .unwrap();
        fixture::install(&url, 30).await.unwrap();
        assert!(fixture::DATASET.contains(BIRTH));
        let dataset = fixture::DATASET.replace(BIRTH, "");
        let mut dpo = app.signed_in("dpo@commune-a.fr").await;
        let saved = dpo
            .post(
                "/t/commune-a/systemes",
                &[
                    ("name", "Mes demandes"),
                    ("url", &url),
                    ("dataset", &dataset),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let system = saved.location().split('?').next().unwrap().to_owned();

        // C38: three children among the contacts, while the register
        // promises no data about minors.
        let mut c = vigie_connect::Conn::open(&url).await.unwrap();
        c.run("UPDATE contacts SET date_naissance = '2016-05-01' WHERE id IN (1, 2, 3)")
            .await
            .unwrap();
        c.close().await;
        let promise = dpo
            .post(
                "/t/commune-a/registre",
                &[
                    ("name", "Annuaire des contacts"),
                    ("no_minors", "on"),
                    ("status", "draft"),
                ],
            )
            .await;
        assert_eq!(promise.status, StatusCode::SEE_OTHER, "{}", promise.body);

        let queued = dpo.post(&format!("{system}/analyse"), &[]).await;
        assert_eq!(queued.status, StatusCode::SEE_OTHER);
        let page = dpo.get(&system).await;
        assert!(page.body.contains("En attente"), "{}", page.body);
        // The worker's part.
        let sys_id = system.rsplit('/').next().unwrap().parse().unwrap();
        let scan = app
            .store
            .scans(
                &vigie_domain::scope::TenantScope::of_provider(t.id),
                vigie_domain::SystemId(sys_id),
                1,
            )
            .await
            .unwrap()
            .remove(0);
        let vault = test_vault();
        let ctx = vigie_service::Ctx {
            store: app.store.as_ref(),
            vault: &vault,
            base_url: "http://test",
            confinement: &crate::support::test_confinement(),
        };
        vigie_service::discovery::run(
            ctx,
            &vigie_domain::scope::TenantScope::of_provider(t.id),
            scan.id,
            Timestamp::now(),
        )
        .await
        .unwrap();

        let report = dpo.get(&format!("{system}/analyses/{}", scan.id)).await;
        assert_eq!(report.status, StatusCode::OK);
        let row = report
            .body
            .split("<tr>")
            .find(|r| r.contains("contacts.date_naissance"))
            .unwrap_or_else(|| panic!("{}", report.body));
        assert!(row.contains("Non déclarée"), "{row}");
        assert!(row.contains("date de naissance"), "{row}");
        assert!(!row.contains("birth_date"), "no raw code: {row}");
        // The summary in words, counted (issue 18).
        assert!(
            report.body.contains("colonnes de données personnelles")
                && !report.body.contains("findings"),
            "{}",
            report.body
        );
        assert!(
            row.contains(
                "dates de naissance de 3 mineurs, alors qu&#39;une activité du registre promet"
            ),
            "{row}"
        );
        let email_row = report
            .body
            .split("<tr>")
            .find(|r| r.contains("contacts.email"))
            .unwrap();
        assert!(email_row.contains("Déclarée"), "{email_row}");
        assert!(
            !report.body.contains(&fixture::person(3).email),
            "values are masked"
        );
        // The organisations table is not in the dataset: said so, not acceptable.
        let undeclared = report
            .body
            .split("<tr>")
            .find(|r| r.contains("organisations.nom"))
            .unwrap_or_else(|| panic!("{}", report.body));
        assert!(
            undeclared.contains("Table absente du jeu de données"),
            "{undeclared}"
        );

        let accepted = dpo
            .post(
                &format!("{system}/accepter"),
                &[
                    ("table", "contacts"),
                    ("column", "date_naissance"),
                    ("category", "identite.naissance"),
                ],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        let s = app
            .store
            .system(
                &vigie_domain::scope::TenantScope::of_provider(t.id),
                vigie_domain::SystemId(sys_id),
            )
            .await
            .unwrap();
        let d = vigie_connect::parse_dataset(&s.dataset).unwrap();
        assert_eq!(
            d.table("contacts")
                .unwrap()
                .column("date_naissance")
                .unwrap()
                .category
                .as_deref(),
            Some("identite.naissance")
        );
        // A column of an undeclared table cannot be accepted alone.
        let refused = dpo
            .post(
                &format!("{system}/accepter"),
                &[
                    ("table", "organisations"),
                    ("column", "nom"),
                    ("category", "x"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("organisations is not in the dataset"));
        fixture::drop_database(Dialect::Sqlite, &db, &url)
            .await
            .unwrap();
    }
);
