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
        // Where: the first rows holding it, by their keys (issue 19).
        assert!(
            email_row.contains("Premières lignes : <code>id=1</code>, <code>id=2</code>"),
            "{email_row}"
        );
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
        // … which the assistant adds (issue 18).
        assert!(
            undeclared.contains(&format!("href=\"{system}/jeu-de-donnees\"")),
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

// C15/C39 (issue 18): a DPO who cannot write TOML connects a system with
// its identity only, scans it, and the guided editor proposes the rest —
// links from the foreign keys, masking from what was found; saved as the
// browser sends the form, the dataset passes the live check and erases.
both!(
    c15_c39_the_guided_dataset_is_proposed_saved_and_erases,
    |app| {
        let t = app.tenant("commune-g").await;
        app.person("dpo@commune-g.fr", &[(&t, &[Role::Dpo])]).await;
        app.person("auditeur@commune-g.fr", &[(&t, &[Role::Auditor])])
            .await;
        let db = format!(
            "vigie_web_guide_{}_{}",
            std::process::id(),
            app.store.backend()
        );
        let url = fixture::create_database(Dialect::Sqlite, &db)
            .await
            .unwrap();
        fixture::install(&url, 30).await.unwrap();
        let minimal = "[[table]]\nname = \"contacts\"\nprimary_key = \"id\"\n\n  [[table.column]]\n  name = \"email\"\n  identity = \"email\"\n  masking = \"keyed_hash\"\n";
        let mut dpo = app.signed_in("dpo@commune-g.fr").await;
        let saved = dpo
            .post(
                "/t/commune-g/systemes",
                &[
                    ("name", "Mes demandes"),
                    ("url", &url),
                    ("dataset", minimal),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let system = saved.location().split('?').next().unwrap().to_owned();
        let sys_id = vigie_domain::SystemId(system.rsplit('/').next().unwrap().parse().unwrap());
        let scope = vigie_domain::scope::TenantScope::of_provider(t.id);
        assert!(dpo.get(&system).await.body.contains("/jeu-de-donnees\""));
        // Before any scan: only the keys, nothing ticked but what is declared.
        let bare = dpo.get(&format!("{system}/jeu-de-donnees")).await;
        assert_eq!(bare.status, StatusCode::OK, "{}", bare.body);
        assert!(bare.body.contains("Aucune analyse n&#39;a encore tourné"));
        // The auditor reads the register, not the database's catalogue.
        let mut auditor = app.signed_in("auditeur@commune-g.fr").await;
        assert_eq!(
            auditor
                .get(&format!("{system}/jeu-de-donnees"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        dpo.post(&format!("{system}/analyse"), &[]).await;
        let scan = app.store.scans(&scope, sys_id, 1).await.unwrap().remove(0);
        let vault = test_vault();
        let confinement = crate::support::test_confinement();
        let ctx = vigie_service::Ctx {
            store: app.store.as_ref(),
            vault: &vault,
            base_url: "http://test",
            confinement: &confinement,
        };
        vigie_service::discovery::run(ctx, &scope, scan.id, Timestamp::now())
            .await
            .unwrap();

        let page = dpo.get(&format!("{system}/jeu-de-donnees")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("la dernière analyse"));
        let fields = crate::support::form_fields(&page.body, &format!("{system}/jeu-de-donnees"));
        let value = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let index = |table: &str| {
            fields
                .iter()
                .find(|(k, v)| {
                    v == table && k.starts_with('t') && !k.contains('c') && !k.contains('_')
                })
                .map(|(k, _)| k.clone())
                .unwrap_or_else(|| panic!("{table}: {fields:?}"))
        };
        let column = |table: &str, column: &str| {
            let ti = index(table);
            fields
                .iter()
                .find(|(k, v)| v == column && k.starts_with(&format!("{ti}c")) && !k.contains('_'))
                .map(|(k, _)| k.clone())
                .unwrap_or_else(|| panic!("{table}.{column}: {fields:?}"))
        };
        for table in ["contacts", "demandes", "historique", "journaux"] {
            assert_eq!(
                value(&format!("{}_on", index(table))),
                Some("on"),
                "{table} proposed"
            );
        }
        assert_eq!(
            value(&format!("{}_on", index("organisations"))),
            None,
            "nobody's"
        );
        let demandes_link = column("demandes", "contact_id");
        assert_eq!(value(&format!("{demandes_link}_ref")), Some("contacts.id"));
        let mobile = column("contacts", "tel_mobile");
        assert_eq!(value(&format!("{mobile}_id")), Some("phone"));
        assert_eq!(value(&format!("{mobile}_mask")), Some("fake"));
        let nom = column("contacts", "nom");
        assert_eq!(value(&format!("{nom}_mask")), Some("fixed"));
        assert_eq!(value(&format!("{nom}_fixed")), Some("Anonyme"));
        let email = column("contacts", "email");
        assert_eq!(value(&format!("{email}_id")), Some("email"), "as declared");

        // Unticking the table everything hangs from: refused, said, nothing saved.
        let contacts_on = format!("{}_on", index("contacts"));
        let broken: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| *k != contacts_on)
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let refused = dpo.post(&format!("{system}/jeu-de-donnees"), &broken).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("id=\"guide-problems\""),
            "{}",
            refused.body
        );
        assert_eq!(
            app.store.system(&scope, sys_id).await.unwrap().dataset,
            minimal
        );

        // Saved as proposed.
        let as_is: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let done = dpo.post(&format!("{system}/jeu-de-donnees"), &as_is).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let s = app.store.system(&scope, sys_id).await.unwrap();
        let d = vigie_connect::parse_dataset(&s.dataset).unwrap();
        assert!(
            s.dataset.contains("references = \"contacts.id\""),
            "{}",
            s.dataset
        );
        assert_eq!(s.check_result, "", "the live check passed");
        assert!(d.table("journaux").is_some() && d.table("historique").is_some());

        // And it erases a person, links followed.
        let p = fixture::person(6);
        let conn = vigie_connect::Conn::open(&url).await.unwrap();
        let subject = vigie_connect::Subject {
            identities: vec![(vigie_domain::dataset::IdentityKind::Email, p.email.clone())],
        };
        let out = vigie_connect::execute(
            conn,
            vigie_connect::Plan {
                dataset: &d,
                subject: &subject,
                action: &vigie_connect::Action::Erase,
                key: &[7; 32],
                filter: None,
                confirmed: false,
            },
            |_| async { Ok(()) },
        )
        .await
        .unwrap();
        let found = |name: &str| {
            out.tables
                .iter()
                .find(|x| x.table == name)
                .map_or(0, |x| x.found)
        };
        assert_eq!(found("contacts"), 1);
        assert_eq!(found("demandes"), p.demandes as u64);
        assert_eq!(found("journaux"), 3);
        let mut c = vigie_connect::Conn::open(&url).await.unwrap();
        let mut q = vigie_connect::Sql::new(Dialect::Sqlite);
        q.push("SELECT nom, email FROM contacts WHERE id = 6");
        let row = c.rows(&q).await.unwrap().remove(0);
        c.close().await;
        assert_eq!(row[0].as_deref(), Some("Anonyme"));
        assert_ne!(row[1].as_deref(), Some(p.email.as_str()));
        fixture::drop_database(Dialect::Sqlite, &db, &url)
            .await
            .unwrap();
    }
);
