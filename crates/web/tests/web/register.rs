//! The register through the pages (C01, C04, C05, C06): an activity with
//! every kind of field, errors next to their field with nothing lost, a
//! change with its reason and the comparison of versions, the exports and
//! the public policy.

use axum::http::StatusCode;
use vigie_domain::role::Role;

use crate::{both, support::TestApp};

pub(crate) fn activity_fields<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("name", "Gestion du recrutement"),
        ("controller", "Commune A"),
        ("dpo_contact", "dpo@commune-a.fr"),
        ("purposes", "Réceptionner et traiter les candidatures"),
        ("legal_basis", "public_task"),
        ("legal_basis", "legitimate_interest"),
        ("legitimate_interest", "Recherche des profils adaptés"),
        ("subjects", "Candidats"),
        ("category", "etat_civil"),
        ("category", "vie_professionnelle"),
        ("internal", "Service RH\nDirection générale"),
        ("processors", "Welcome to the jungle"),
        (
            "retentions",
            "Candidat non recruté ; 2 ans après le dernier contact ; destruction",
        ),
        ("security", "Accès restreint au service RH"),
        ("collection", "web_form"),
        ("status", "complete"),
        ("published", "on"),
    ];
    v.extend_from_slice(extra);
    v
}

both!(c01_c04_c05_c06_the_register_through_the_pages, |app| {
    let t = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&t, &[Role::Dpo])]).await;
    app.person("agent@commune-a.fr", &[(&t, &[Role::Agent])])
        .await;
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;

    // Errors next to their field, what was typed kept.
    let bad = dpo
        .post(
            "/t/commune-a/registre",
            &[
                ("name", "Vidéoprotection"),
                ("legal_basis", "legitimate_interest"),
                ("retentions", "Images sans durée"),
                ("status", "complete"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["a-li-error", "a-ret-error", "a-status-error"] {
        assert!(bad.body.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(bad.body.contains("value=\"Vidéoprotection\""));
    assert!(bad.body.contains("Images sans durée"));

    let created = dpo
        .post("/t/commune-a/registre", &activity_fields(&[]))
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = created.location().split('?').next().unwrap().to_owned();
    let shown = dpo.get(&page).await;
    assert!(shown.body.contains("Welcome to the jungle"));
    assert!(
        shown
            .body
            .contains("Candidat non recruté ; 2 ans après le dernier contact ; destruction")
    );

    // A change needs its reason (C04); then the versions compare.
    let no_reason = dpo
        .post(
            &page,
            &activity_fields(&[
                ("category", "sante"),
                ("sensitive_condition", "health_care"),
                ("version", "1"),
            ]),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("id=\"a-reason-error\""));
    // Health data needs the Art. 9(2) condition that allows it (C01).
    let no_condition = dpo
        .post(
            &page,
            &activity_fields(&[
                ("category", "sante"),
                ("version", "1"),
                ("reason", "Visite médicale d'embauche"),
            ]),
        )
        .await;
    assert_eq!(no_condition.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_condition.body.contains("id=\"a-condition-error\""));
    let saved = dpo
        .post(
            &page,
            &activity_fields(&[
                ("category", "sante"),
                ("sensitive_condition", "health_care"),
                ("version", "1"),
                ("reason", "Visite médicale d'embauche"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // A save from a stale form is refused, not lost silently.
    let stale = dpo
        .post(
            &page,
            &activity_fields(&[("version", "1"), ("reason", "ancienne copie")]),
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    let diff = dpo.get(&format!("{page}/versions?a=1&b=2")).await;
    assert_eq!(diff.status, StatusCode::OK);
    // As a person reads it (C04): the field's label, the line added.
    assert!(
        diff.body.contains("Catégories de données")
            && diff.body.contains("<ins>Données de santé</ins>"),
        "{}",
        diff.body
    );
    assert!(!diff.body.contains("data_categories") && !diff.body.contains("[\""));
    let history = dpo.get("/t/commune-a/registre/historique").await;
    assert!(history.body.contains("Visite médicale"), "{}", history.body);

    // Lists filter; sensitive data shows.
    let list = dpo.get("/t/commune-a/registre?sensitive=on").await;
    assert!(list.body.contains("Gestion du recrutement"));
    let none = dpo.get("/t/commune-a/registre?q=parking").await;
    assert!(!none.body.contains("Gestion du recrutement"));

    // Only the DPO marks an activity as checked.
    let mut agent = app.signed_in("agent@commune-a.fr").await;
    let mut checked: Vec<(&str, &str)> =
        activity_fields(&[("version", "2"), ("reason", "contrôle")])
            .into_iter()
            .filter(|(k, _)| *k != "status")
            .collect();
    checked.push(("status", "checked"));
    let refused = agent.post(&page, &checked).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Exports (C06).
    let csv = dpo.get("/t/commune-a/registre/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.body.lines().count(),
        1 + 3,
        "one row per category: {}",
        csv.body
    );
    let json = dpo.get("/t/commune-a/registre/export.json").await;
    assert!(json.body.contains("\"version\": 2"));

    // The public policy, without an account, in both languages (C05).
    let mut visitor = app.browser();
    let policy = visitor.get("/p/commune-a/confidentialite").await;
    assert_eq!(policy.status, StatusCode::OK);
    assert!(policy.body.contains("Gestion du recrutement"));
    assert!(policy.body.contains("intérêt public"), "{}", policy.body);
    assert!(policy.body.contains("/p/commune-a/droits"));
    assert!(policy.body.contains("CNIL"));
    visitor.get("/lang/en?next=/").await;
    let en = visitor.get("/p/commune-a/confidentialite").await;
    assert!(
        en.body.contains("Public task or official authority"),
        "{}",
        en.body
    );
});

both!(
    c05_the_public_policy_holds_only_what_the_dpo_published,
    |app| {
        let t = app.tenant("commune-p").await;
        app.person("dpo@commune-p.fr", &[(&t, &[Role::Dpo])]).await;
        let mut dpo = app.signed_in("dpo@commune-p.fr").await;
        // A draft cannot be published; said on its field, nothing saved.
        let mut draft = activity_fields(&[("name", "Fichier en préparation")]);
        draft.retain(|(k, _)| *k != "status" && *k != "name");
        draft.push(("name", "Fichier en préparation"));
        draft.push(("status", "draft"));
        let refused = dpo.post("/t/commune-p/registre", &draft).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("id=\"a-published-error\""),
            "{}",
            refused.body
        );
        draft.retain(|(k, _)| *k != "published");
        let saved = dpo.post("/t/commune-p/registre", &draft).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        // A complete one, published, then changed for an internal reason.
        let created = dpo
            .post("/t/commune-p/registre", &activity_fields(&[]))
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let page = created.location().split('?').next().unwrap().to_owned();
        let changed = dpo
            .post(
                &page,
                &activity_fields(&[
                    ("version", "1"),
                    ("reason", "note interne : audit RH en cours"),
                ]),
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        let mut visitor = app.browser();
        let policy = visitor.get("/p/commune-p/confidentialite").await.body;
        assert!(policy.contains("Gestion du recrutement"));
        assert!(
            !policy.contains("Fichier en préparation"),
            "a draft is not public"
        );
        assert!(!policy.contains("audit RH"), "no internal reason: {policy}");
        assert!(policy.contains("Gestion du recrutement — mise à jour (v2)"));
        // Only what the register states: no transfer stated, none claimed;
        // no input hint as a heading.
        assert!(!policy.contains("Pas de transfert"), "{policy}");
        assert!(!policy.contains("une par ligne") && !policy.contains("une ligne :"));
        // The rights its bases give (public task, legitimate interest):
        // objection and erasure, no portability.
        assert!(
            policy.contains("droit d&#39;opposition") || policy.contains("droit d'opposition"),
            "{policy}"
        );
        assert!(
            policy.contains("droit à l&#39;effacement") || policy.contains("droit à l'effacement")
        );
        assert!(!policy.contains("portabilité"), "{policy}");
        // Archived: out of the public page and of the register's current
        // view, its versions kept; an archived activity is not published.
        let mut archived = activity_fields(&[("version", "2"), ("reason", "traitement arrêté")]);
        archived.retain(|(k, _)| *k != "status");
        archived.push(("status", "archived"));
        let still_published = dpo.post(&page, &archived).await;
        assert_eq!(still_published.status, StatusCode::UNPROCESSABLE_ENTITY);
        archived.retain(|(k, _)| *k != "published");
        let done = dpo.post(&page, &archived).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let policy = visitor.get("/p/commune-p/confidentialite").await.body;
        assert!(!policy.contains("Gestion du recrutement"), "{policy}");
        let list = dpo.get("/t/commune-p/registre").await.body;
        assert!(
            !list.contains("Gestion du recrutement") && list.contains("Fichier en préparation")
        );
        let old = dpo.get("/t/commune-p/registre?status=archived").await.body;
        assert!(old.contains("Gestion du recrutement"), "{old}");
        let versions = dpo.get(&page).await.body;
        assert!(versions.contains("traitement arrêté") && versions.contains("audit RH"));
        let csv = dpo.get("/t/commune-p/registre/export.csv").await.body;
        assert!(
            !csv.contains("Gestion du recrutement"),
            "the export is the current register"
        );
    }
);

both!(
    c01_c05_the_organisation_sheet_serves_the_register_and_the_policy,
    |app| {
        let t = app.tenant("commune-s").await;
        app.person("dpo@commune-s.fr", &[(&t, &[Role::Dpo])]).await;
        app.person("audit@commune-s.fr", &[(&t, &[Role::Auditor])])
            .await;
        let mut dpo = app.signed_in("dpo@commune-s.fr").await;
        let sheet = |siren: &'static str, dpo_contact: &'static str| {
            vec![
                ("legal_name", "Commune de Saint-Essai"),
                ("address", "1 place de la Mairie, 39000 Saint-Essai"),
                ("siren", siren),
                ("representative", "Jean Dupont"),
                ("representative_title", "maire"),
                ("dpo_name", "Anne Martin"),
                ("dpo_contact", dpo_contact),
                ("dpo_designation", "DPO-12345"),
            ]
        };
        // A wrong check digit and a DPO nobody can reach: each said beside
        // its field, what was typed kept, nothing saved.
        let bad = dpo
            .post("/t/commune-s/organisme", &sheet("213 903 002", ""))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for id in ["org-siren-error", "org-dpo_contact-error"] {
            assert!(
                bad.body.contains(&format!("id=\"{id}\"")),
                "{id}: {}",
                bad.body
            );
        }
        assert!(bad.body.contains("value=\"Jean Dupont\""));
        let policy = app.browser().get("/p/commune-s/confidentialite").await.body;
        assert!(!policy.contains("Jean Dupont"));
        let saved = dpo
            .post(
                "/t/commune-s/organisme",
                &sheet("213 903 008", "dpo@saint-essai.fr"),
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let page = dpo.get("/t/commune-s/organisme").await.body;
        assert!(
            page.contains("value=\"213903008\""),
            "stored without spaces"
        );
        // The public policy states the controller from the sheet.
        let policy = app.browser().get("/p/commune-s/confidentialite").await.body;
        for expected in [
            "Commune de Saint-Essai",
            "213903008",
            "Jean Dupont, maire",
            "Anne Martin — dpo@saint-essai.fr (DPO-12345)",
        ] {
            assert!(policy.contains(expected), "{expected}: {policy}");
        }
        // A new activity starts from it; the JSON export carries it.
        let new = dpo.get("/t/commune-s/registre/nouveau").await.body;
        assert!(new.contains("value=\"Commune de Saint-Essai\""), "{new}");
        let json = dpo.get("/t/commune-s/registre/export.json").await.body;
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["organisation"]["dpo_designation"], "DPO-12345");
        // An auditor reads it, cannot change it.
        let mut auditor = app.signed_in("audit@commune-s.fr").await;
        assert!(
            auditor
                .get("/t/commune-s/organisme")
                .await
                .body
                .contains("readonly")
        );
        let denied = auditor
            .post("/t/commune-s/organisme", &sheet("213 903 008", "x@y.fr"))
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
    }
);

/// The text of an ODT's `content.xml`, read with a ZIP and an XML reader
/// Vigie did not write; and whether `mimetype` comes first, stored.
pub(crate) fn odt_text(bytes: &[u8]) -> (bool, String) {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mimetype_first = {
        let mut f = zip.by_index(0).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        f.name() == "mimetype"
            && f.compression() == zip::CompressionMethod::Stored
            && s == "application/vnd.oasis.opendocument.text"
    };
    for name in ["META-INF/manifest.xml", "styles.xml"] {
        assert!(zip.by_name(name).is_ok(), "{name}");
    }
    let mut xml = String::new();
    zip.by_name("content.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut text = String::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Text(t) => {
                text.push_str(&t.decode().unwrap());
            }
            quick_xml::events::Event::GeneralRef(r) => {
                let name = r.decode().unwrap();
                text.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    _ => "?",
                });
            }
            quick_xml::events::Event::End(_) => text.push('\n'),
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    (mimetype_first, text)
}

/// The text of a PDF, read by Debian's `pdftotext` (poppler-utils, which
/// `.ci/run` installs): missing, the test fails.
pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("vigie-print-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.pdf", bytes.len()));
    std::fs::write(&file, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed: .ci/run installs it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

both!(c06_the_register_prints_to_pdf_and_odt, |app| {
    let t = app.tenant("commune-i").await;
    app.person("dpo@commune-i.fr", &[(&t, &[Role::Dpo])]).await;
    let mut dpo = app.signed_in("dpo@commune-i.fr").await;
    let sheet = dpo
        .post(
            "/t/commune-i/organisme",
            &[
                ("legal_name", "Commune d'Imprimerie"),
                ("siren", "213903008"),
                ("representative", "Jean Dupont"),
                ("representative_title", "maire"),
                ("dpo_name", "Anne Martin"),
                ("dpo_contact", "dpo@commune-i.fr"),
                ("dpo_designation", "DPO-12345"),
            ],
        )
        .await;
    assert_eq!(sheet.status, StatusCode::SEE_OTHER, "{}", sheet.body);
    let created = dpo
        .post(
            "/t/commune-i/registre",
            &activity_fields(&[
                ("transfers", "États-Unis ; Éditeur SaaS ; clauses types"),
                ("other_data", "Lettre de motivation"),
                ("dpia", "large_scale"),
                ("measure", "backups"),
                (
                    "measure_backups",
                    "Quotidiennes, chiffrées, gardées 14 jours",
                ),
                ("measure", "traceability"),
                ("people_estimate", "12 500"),
            ]),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = created.location().split('?').next().unwrap().to_owned();
    // Every field of the activity, as the page names it, and the cover.
    let expected = [
        "Commune d'Imprimerie",
        "213903008",
        "Jean Dupont, maire",
        "Anne Martin — dpo@commune-i.fr (DPO-12345)",
        "Gestion du recrutement",
        "Réceptionner et traiter les candidatures",
        "Mission d'intérêt public ou autorité publique",
        "Recherche des profils adaptés",
        "Candidats",
        "Vie professionnelle (CV, fonction, formation)",
        "Lettre de motivation",
        "Service RH",
        "Direction générale",
        "Welcome to the jungle",
        "Éditeur SaaS (États-Unis) — clauses contractuelles types",
        "Candidat non recruté\u{202F}: 2 ans après le dernier contact (destruction)",
        "Accès restreint au service RH",
        "Sauvegardes\u{202F}: Quotidiennes, chiffrées, gardées 14 jours",
        "Traçabilité (journalisation)",
        "12\u{202F}500",
        "Formulaire en ligne",
        "Traitement à grande échelle",
        "Complète",
    ];
    let odt = dpo.get("/t/commune-i/registre/export.odt").await;
    assert_eq!(odt.status, StatusCode::OK);
    assert_eq!(
        odt.headers[axum::http::header::CONTENT_TYPE],
        "application/vnd.oasis.opendocument.text"
    );
    let (mimetype_first, text) = odt_text(&odt.bytes);
    assert!(
        mimetype_first,
        "an ODT's mimetype entry comes first, stored"
    );
    for e in expected {
        assert!(text.contains(e), "ODT lacks {e:?}: {text}");
    }
    let pdf = dpo.get("/t/commune-i/registre/export.pdf").await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = pdf_text(&pdf.bytes);
    // pdftotext gives the narrow space back as a plain one, and may wrap.
    let flat = text
        .replace(['\u{a0}', '\u{202f}'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for e in expected {
        let e = e.replace('\u{202F}', " ");
        assert!(flat.contains(&e), "PDF lacks {e:?}: {flat}");
    }
    assert!(flat.contains("page 1/"), "numbered pages: {flat}");
    // The CSV in the reader's words, not the register's codes.
    let csv = dpo.get("/t/commune-i/registre/export.csv").await.body;
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("Bases légales") && header.contains("Sensibilité"),
        "{header}"
    );
    assert!(
        csv.contains("Mission d'intérêt public ou autorité publique"),
        "{csv}"
    );
    assert!(csv.contains("Vie professionnelle (CV, fonction, formation)"));
    for code in [
        "public_task",
        "vie_professionnelle",
        "web_form",
        "complete;",
    ] {
        assert!(!csv.contains(code), "{code} in {csv}");
    }
    // One activity alone, both ways.
    for ext in ["pdf", "odt"] {
        let one = dpo.get(&format!("{page}/fiche.{ext}")).await;
        assert_eq!(one.status, StatusCode::OK, "{ext}");
        assert!(one.bytes.len() > 500);
    }
});

both!(
    c01_a_shared_dpo_sees_every_organisation_on_one_page,
    |app| {
        let a = app.tenant("commune-alpha").await;
        let b = app.tenant("commune-beta").await;
        let c = app.tenant("commune-gamma").await;
        app.person(
            "dpo@syndicat.fr",
            &[(&a, &[Role::Dpo]), (&b, &[Role::Dpo]), (&c, &[Role::Agent])],
        )
        .await;
        let mut dpo = app.signed_in("dpo@syndicat.fr").await;
        // Beta: one complete activity waiting for the check, one draft.
        let complete = dpo
            .post("/t/commune-beta/registre", &activity_fields(&[]))
            .await;
        assert_eq!(complete.status, StatusCode::SEE_OTHER, "{}", complete.body);
        let mut draft = activity_fields(&[]);
        draft.retain(|(k, _)| *k != "status" && *k != "published" && *k != "name");
        draft.push(("name", "Brouillon"));
        draft.push(("status", "draft"));
        let drafted = dpo.post("/t/commune-beta/registre", &draft).await;
        assert_eq!(drafted.status, StatusCode::SEE_OTHER, "{}", drafted.body);
        let page = dpo.get("/dpo?sort=to_check").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("href=\"/dpo\""), "in the navigation");
        // The table only (the tenant switcher names every organisation).
        let table = |b: &str| crate::support::extract(b, "<tbody>", "</tbody>").unwrap();
        let body = table(&page.body);
        assert!(
            body.contains("Organisation commune-alpha")
                && body.contains("Organisation commune-beta")
        );
        assert!(
            !body.contains("Organisation commune-gamma"),
            "not its DPO there"
        );
        // Sorted by what waits for a check: beta first, with its counts.
        let beta = body.find("Organisation commune-beta").unwrap();
        assert!(beta < body.find("Organisation commune-alpha").unwrap());
        assert!(
            body[beta..].contains("<td>1 <span class=\"muted\">(1 brouillon)</span></td>"),
            "{body}"
        );
        assert!(page.body.contains("aria-sort=\"descending\""));
        // Alpha: an overdue action and an assessment required, not begun.
        let overdue = dpo
            .post(
                "/t/commune-alpha/suivi",
                &[
                    ("kind", "action"),
                    ("title", "Revoir les habilitations"),
                    ("owner", "DGS"),
                    ("due", "2021-01-31"),
                ],
            )
            .await;
        assert_eq!(overdue.status, StatusCode::SEE_OTHER, "{}", overdue.body);
        let mut dpia = activity_fields(&[("dpia", "large_scale"), ("dpia", "matching")]);
        dpia.retain(|(k, _)| *k != "name");
        dpia.push(("name", "Croisement de fichiers"));
        let required = dpo.post("/t/commune-alpha/registre", &dpia).await;
        assert_eq!(required.status, StatusCode::SEE_OTHER, "{}", required.body);
        let by_overdue = table(&dpo.get("/dpo?sort=overdue").await.body);
        let alpha = by_overdue.find("Organisation commune-alpha").unwrap();
        assert!(alpha < by_overdue.find("Organisation commune-beta").unwrap());
        assert!(
            by_overdue[alpha..].contains("/suivi?kind=action&amp;status=open\"><strong>1</strong>"),
            "{by_overdue}"
        );
        let row = &by_overdue[alpha..alpha + by_overdue[alpha..].find("</tr>").unwrap()];
        assert_eq!(
            row.matches("/registre\">1</a></td>").count(),
            2,
            "one activity, one assessment to carry out: {row}"
        );
        // Searched by name.
        let found = table(&dpo.get("/dpo?q=alpha").await.body);
        assert!(
            found.contains("Organisation commune-alpha")
                && !found.contains("Organisation commune-beta")
        );
    }
);

both!(c03_a_model_is_published_imported_and_followed, |app| {
    let model = app.tenant("modele-mes-demandes").await;
    let a = app.tenant("commune-a").await;
    app.account("admin@hebergeur.fr", true, &[(&model, &[Role::Dpo])])
        .await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    let mut admin = app.signed_in("admin@hebergeur.fr").await;
    let created = admin
        .post("/t/modele-mes-demandes/registre", &activity_fields(&[]))
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let empty = admin
        .post(
            "/admin/modeles",
            &[("product", ""), ("source", "modele-mes-demandes")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let published = admin
        .post(
            "/admin/modeles",
            &[
                ("product", "Mes demandes"),
                ("source", "modele-mes-demandes"),
            ],
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );

    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let models = dpo.get("/t/commune-a/modeles").await;
    assert!(models.body.contains("Mes demandes"));
    let model_id = app
        .store
        .models("", Default::default())
        .await
        .unwrap()
        .items[0]
        .id;
    let imported = dpo
        .post(&format!("/t/commune-a/modeles/{model_id}/importer"), &[])
        .await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let register = dpo.get("/t/commune-a/registre").await;
    assert!(register.body.contains("Gestion du recrutement"));

    // The model changes; the tenant sees the field and takes it.
    let source = admin.get("/t/modele-mes-demandes/registre").await;
    let link =
        crate::support::extract(&source.body, "/t/modele-mes-demandes/registre/", "\"").unwrap();
    let changed: Vec<(&str, &str)> = activity_fields(&[("version", "1"), ("reason", "v2")])
        .into_iter()
        .map(|(k, v)| {
            if k == "purposes" {
                (k, "Réceptionner, traiter et archiver les candidatures")
            } else {
                (k, v)
            }
        })
        .collect();
    let saved = admin
        .post(&format!("/t/modele-mes-demandes/registre/{link}"), &changed)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    admin
        .post(
            "/admin/modeles",
            &[
                ("product", "Mes demandes"),
                ("source", "modele-mes-demandes"),
            ],
        )
        .await;
    let page = dpo.get("/t/commune-a/modeles").await;
    assert!(
        page.body.contains("archiver les candidatures"),
        "{}",
        page.body
    );
    let activity = app
        .store
        .all_activities(&vigie_domain::scope::TenantScope::of_provider(a.id))
        .await
        .unwrap()[0]
        .id;
    let taken = dpo
        .post(
            &format!("/t/commune-a/modeles/{model_id}/activites/{activity}"),
            &[("field", "purposes")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    assert_eq!(
        app.store
            .activity(
                &vigie_domain::scope::TenantScope::of_provider(a.id),
                activity
            )
            .await
            .unwrap()
            .body
            .purposes,
        "Réceptionner, traiter et archiver les candidatures"
    );
});

// Issue 12 (C28, exports): a cell that starts like a formula — typed into
// a register field, or sent as a User-Agent by an anonymous visitor — is
// written inert ('=…) in every CSV: here the register and the trail; the
// timeline and access exports go through the same function.
both!(c28_csv_exports_never_carry_a_formula, |app| {
    let t = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&t, &[Role::Dpo])]).await;
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let created = dpo
        .post(
            "/t/commune-a/registre",
            &[("name", formula), ("status", "draft")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mut visitor = app.browser();
    visitor
        .headers
        .push(("user-agent".into(), "@SUM(1+1)*cmd|' /C calc'!A0".into()));
    visitor.get("/sign-in").await;
    let bad = visitor
        .post(
            "/sign-in",
            &[("email", "+33@x.fr"), ("password", "nope"), ("code", "")],
        )
        .await;
    assert_ne!(bad.status, StatusCode::SEE_OTHER);
    let cells = |csv: &str| -> Vec<String> {
        let body = csv.trim_start_matches('\u{feff}');
        let delimiter = if body.lines().next().unwrap_or("").contains(';') {
            b';'
        } else {
            b','
        };
        csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(body.as_bytes())
            .records()
            .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
            .collect()
    };
    let register = dpo.get("/t/commune-a/registre/export.csv").await;
    let register = cells(&register.body);
    assert!(register.contains(&format!("'{formula}")), "{register:?}");
    let admin_trail = {
        app.account("admin@hebergeur.fr", true, &[]).await;
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        cells(&admin.get("/admin/trail/export.csv").await.body)
    };
    assert!(
        admin_trail.iter().any(|c| c.starts_with("'@SUM(1+1)")),
        "{admin_trail:?}"
    );
    for all in [&register, &admin_trail] {
        assert!(
            all.iter()
                .all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])),
            "{all:?}"
        );
    }
});
