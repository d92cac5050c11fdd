//! What a DPO keeps beside the register, through the pages (issue 17,
//! C01, C04, C06, C28): the impact assessment as versions and printed, advice and the
//! action plan, evidence documents checked for what they are, and the
//! annual report built from all of it.

use axum::http::{StatusCode, header};
use vigie_domain::role::Role;

use crate::{
    both,
    register::{odt_text, pdf_text},
    support::TestApp,
};

/// An activity whose two criteria make an assessment required; its page.
async fn required_activity(dpo: &mut crate::support::Browser, slug: &str) -> String {
    let created = dpo
        .post(
            &format!("/t/{slug}/registre"),
            &[
                ("name", "Vidéoprotection des bâtiments"),
                ("purposes", "Sécurité des biens et des personnes"),
                ("legal_basis", "public_task"),
                ("dpia", "systematic_monitoring"),
                ("dpia", "large_scale"),
                ("status", "draft"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    created.location().split('?').next().unwrap().to_owned()
}

fn assessed<'a>(version: &'a str, decision: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", version),
        ("overview", "Caméras aux entrées de la mairie et de l'école"),
        ("lifecycle", "Images conservées 30 jours puis écrasées"),
        (
            "principle.minimisation",
            "Champ des caméras limité aux accès",
        ),
        ("risk.illegitimate_access.sources", "Agent indélicat"),
        ("risk.illegitimate_access.likelihood", "limited"),
        ("risk.illegitimate_access.severity", "significant"),
        ("risk.unwanted_modification.likelihood", "negligible"),
        ("risk.unwanted_modification.severity", "limited"),
        ("risk.disappearance.likelihood", "limited"),
        ("risk.disappearance.severity", "limited"),
        (
            "planned_measures",
            "Journaliser les consultations\n\nChiffrer l'enregistreur",
        ),
        ("dpo_opinion", "Favorable sous réserve de la journalisation"),
        ("subjects_opinion", "Affichage en mairie, pas d'observation"),
        ("decision", decision),
        ("decided_by", "Le maire"),
    ]
}

both!(
    c04_c06_the_impact_assessment_is_kept_as_versions_and_printed,
    |app| {
        let t = app.tenant("commune-d").await;
        app.person("dpo@commune-d.fr", &[(&t, &[Role::Dpo])]).await;
        app.person("audit@commune-d.fr", &[(&t, &[Role::Auditor])])
            .await;
        let mut dpo = app.signed_in("dpo@commune-d.fr").await;
        let page = required_activity(&mut dpo, "commune-d").await;
        let aipd = format!("{page}/aipd");
        // The activity says an assessment is required and not started.
        let shown = dpo.get(&page).await;
        assert!(
            shown.body.contains("AIPD requise, non commencée"),
            "{}",
            shown.body
        );

        // A decision without what it rests on: every missing part named,
        // what was typed kept, nothing saved.
        let bare = dpo
            .post(
                &aipd,
                &[
                    ("version", "0"),
                    ("decision", "accepted"),
                    ("supports", "Enregistreur"),
                ],
            )
            .await;
        assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
        for id in [
            "d-overview-error",
            "d-illegitimate_access-error",
            "d-disappearance-error",
            "d-dpo_opinion-error",
            "d-decided_by-error",
        ] {
            assert!(bare.body.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(bare.body.contains(">Enregistreur</textarea>"));
        assert!(
            !dpo.get(&aipd)
                .await
                .body
                .contains("Versions de l&#39;analyse")
        );

        // A draft first, then the decided version.
        let draft = dpo
            .post(
                &aipd,
                &[("version", "0"), ("overview", "Première rédaction")],
            )
            .await;
        assert_eq!(draft.status, StatusCode::SEE_OTHER, "{}", draft.body);
        assert!(dpo.get(&page).await.body.contains("AIPD en cours"));
        // Accepting with actions names the actions.
        let mut no_actions = assessed("1", "accepted_with_actions");
        no_actions.retain(|(k, _)| *k != "planned_measures");
        let r = dpo.post(&aipd, &no_actions).await;
        assert!(
            r.body.contains("id=\"d-planned_measures-error\""),
            "{}",
            r.body
        );
        let decided = dpo
            .post(&aipd, &assessed("1", "accepted_with_actions"))
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
        // A save from the stale form (still version 1) is refused, not lost.
        let stale = dpo.post(&aipd, &assessed("1", "refused")).await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(stale.body.contains("version 2, not 1"), "{}", stale.body);

        let now = dpo.get(&aipd).await;
        assert!(
            now.body
                .contains("Journaliser les consultations\nChiffrer l&#39;enregistreur")
        );
        assert!(now.body.contains("AIPD validée"));
        // The first version is still readable, read only.
        let v1 = dpo.get(&format!("{aipd}?version=1")).await;
        assert!(v1.body.contains("Première rédaction"));
        assert!(v1.body.contains("lecture seule"));
        assert!(!v1.body.contains("Enregistrer une nouvelle version"));
        assert_eq!(
            dpo.get(&format!("{aipd}?version=9")).await.status,
            StatusCode::NOT_FOUND
        );
        // A high residual risk calls for the CNIL's prior consultation.
        let mut high = assessed("2", "accepted_with_actions");
        high.retain(|(k, _)| !k.starts_with("risk.disappearance"));
        high.push(("risk.disappearance.likelihood", "significant"));
        high.push(("risk.disappearance.severity", "maximum"));
        assert_eq!(dpo.post(&aipd, &high).await.status, StatusCode::SEE_OTHER);
        assert!(dpo.get(&aipd).await.body.contains("(art. 36)"));

        // Printed: every part of the method, the organisation as the cover.
        let pdf = dpo.get(&format!("{aipd}.pdf")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        let text = pdf_text(&pdf.bytes)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for expected in [
            "Analyse d'impact (AIPD) — Vidéoprotection des bâtiments",
            "1. Contexte",
            "Caméras aux entrées de la mairie et de l'école",
            "Minimisation des données",
            "Champ des caméras limité aux accès",
            "Accès illégitime à des données",
            "Agent indélicat",
            "Vraisemblance",
            "Maximale",
            "Journaliser les consultations",
            "Favorable sous réserve de la journalisation",
            "Acceptée sous réserve des mesures prévues",
            "Le maire",
            "Consultation préalable de la CNIL",
        ] {
            assert!(text.contains(expected), "{expected} missing from: {text}");
        }
        let odt = dpo.get(&format!("{aipd}.odt?version=1")).await;
        let (mimetype_first, odt) = odt_text(&odt.bytes);
        assert!(mimetype_first);
        assert!(odt.contains("Première rédaction"));
        assert!(
            !odt.contains("Agent indélicat"),
            "version 1 is printed as it was"
        );
        // The register's print gives each activity's assessment state.
        let register = dpo.get("/t/commune-d/registre/export.pdf").await;
        assert!(pdf_text(&register.bytes).contains("AIPD validée"));

        // Each save and each print is on the trail (C28).
        let trail = app.store.records_after(0, 10_000).await.unwrap();
        for action in ["dpia.save", "dpia.read", "dpia.export"] {
            assert!(
                trail.iter().any(|x| x.event.action == action),
                "{action} traced"
            );
        }
        // An auditor reads and prints, but does not write.
        let mut auditor = app.signed_in("audit@commune-d.fr").await;
        let read = auditor.get(&aipd).await;
        assert_eq!(read.status, StatusCode::OK);
        assert!(!read.body.contains("Enregistrer une nouvelle version"));
        assert_ne!(
            auditor.post(&aipd, &assessed("3", "refused")).await.status,
            StatusCode::SEE_OTHER
        );
    }
);

both!(
    c01_c06_advice_the_action_plan_and_the_annual_report,
    |app| {
        let t = app.tenant("commune-e").await;
        app.person("dpo@commune-e.fr", &[(&t, &[Role::Dpo])]).await;
        let mut dpo = app.signed_in("dpo@commune-e.fr").await;
        let page = required_activity(&mut dpo, "commune-e").await;
        let activity_id = page.rsplit('/').next().unwrap().to_owned();

        // An action without its owner or due date: both named, nothing lost.
        let bad = dpo
            .post(
                "/t/commune-e/suivi",
                &[
                    ("kind", "action"),
                    ("title", "Chiffrer l'enregistreur"),
                    ("due", "31/03/2027"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"fn-due-error\""));
        let bad = dpo
            .post(
                "/t/commune-e/suivi",
                &[("kind", "action"), ("title", "Chiffrer l'enregistreur")],
            )
            .await;
        assert!(bad.body.contains("id=\"fn-owner-error\""));
        assert!(bad.body.contains("id=\"fn-due-error\""));
        assert!(bad.body.contains("value=\"Chiffrer l&#39;enregistreur\""));

        for fields in [
            vec![
                ("kind", "action"),
                ("title", "Chiffrer l'enregistreur"),
                ("owner", "Service informatique"),
                ("due", "2020-03-31"),
                ("activity", activity_id.as_str()),
            ],
            vec![
                ("kind", "advice"),
                ("title", "Réduire la conservation à 15 jours"),
                ("activity", activity_id.as_str()),
            ],
            vec![("kind", "advice"), ("title", "Former les agents d'accueil")],
        ] {
            let r = dpo.post("/t/commune-e/suivi", &fields).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let list = dpo.get("/t/commune-e/suivi").await;
        assert!(
            list.body.contains("en retard"),
            "the 2020 action is overdue"
        );
        // Search and the activity's own view.
        let found = dpo.get("/t/commune-e/suivi?q=FORMER").await;
        assert!(found.body.contains("Former les agents"));
        assert!(!found.body.contains("Chiffrer"));
        let mine = dpo
            .get(&format!("/t/commune-e/suivi?activite={activity_id}"))
            .await;
        assert!(mine.body.contains("Réduire la conservation"));
        assert!(!mine.body.contains("Former les agents"));

        // Advice not followed says why.
        let ids: Vec<String> = list
            .body
            .match_indices("/cloture\"")
            .map(|(i, _)| {
                let start = list.body[..i].rfind('/').unwrap() + 1;
                list.body[start..i].to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 3, "{}", list.body);
        let advice_id = {
            let at = list.body.find("Réduire la conservation").unwrap();
            let after = &list.body[at..];
            let i = after.find("/cloture\"").unwrap();
            let start = after[..i].rfind('/').unwrap() + 1;
            after[start..i].to_owned()
        };
        let close = format!("/t/commune-e/suivi/{advice_id}/cloture");
        let no_reason = dpo.post(&close, &[("status", "declined")]).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            no_reason
                .body
                .contains(&format!("id=\"fu-close-{advice_id}-error\""))
        );
        let declined = dpo
            .post(
                &close,
                &[
                    ("status", "declined"),
                    ("response", "Obligation de 30 jours (arrêté préfectoral)"),
                ],
            )
            .await;
        assert_eq!(declined.status, StatusCode::SEE_OTHER);
        // Closing twice is refused.
        let twice = dpo.post(&close, &[("status", "done")]).await;
        assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
        let closed = dpo.get("/t/commune-e/suivi?status=declined").await;
        assert!(closed.body.contains("Non suivie — Obligation de 30 jours"));

        // The annual report gathers it, on the page and printed.
        let year = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .year();
        let report = dpo
            .get(&format!("/t/commune-e/rapport-annuel?annee={year}"))
            .await;
        assert_eq!(report.status, StatusCode::OK);
        for expected in [
            "Réduire la conservation à 15 jours — Obligation de 30 jours",
            "Former les agents d&#39;accueil",
            "Chiffrer l&#39;enregistreur — Service informatique — 2020-03-31",
            "Vidéoprotection des bâtiments",
        ] {
            assert!(
                report.body.contains(expected),
                "{expected}: {}",
                report.body
            );
        }
        let pdf = dpo
            .get(&format!("/t/commune-e/rapport-annuel/{year}/pdf"))
            .await;
        let text = pdf_text(&pdf.bytes)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for expected in [
            "Rapport annuel du DPO",
            "Les préconisations du DPO",
            "Obligation de 30 jours",
            "Analyses d'impact requises et non commencées",
            "Les demandes d'exercice des droits",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        let odt = dpo
            .get(&format!("/t/commune-e/rapport-annuel/{year}/odt"))
            .await;
        assert!(odt_text(&odt.bytes).1.contains("Le plan d'action"));
        assert_eq!(
            dpo.get("/t/commune-e/rapport-annuel/1066/pdf").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            dpo.get(&format!("/t/commune-e/rapport-annuel/{year}/exe"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);

both!(c01_evidence_documents_are_what_their_bytes_say, |app| {
    let t = app.tenant("commune-f").await;
    app.person("dpo@commune-f.fr", &[(&t, &[Role::Dpo])]).await;
    let mut dpo = app.signed_in("dpo@commune-f.fr").await;
    let page = required_activity(&mut dpo, "commune-f").await;
    let activity_id = page.rsplit('/').next().unwrap().to_owned();
    let url = "/t/commune-f/suivi/preuves";

    // A real OpenDocument (the register Vigie prints) and a PDF are kept.
    let odt = dpo.get("/t/commune-f/registre/export.odt").await.bytes;
    let kept = dpo
        .post_multipart(
            url,
            &[
                ("activity", None, activity_id.as_bytes()),
                ("file", Some("C:\\Users\\dpo\\registre signé.odt"), &odt),
            ],
        )
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);
    let pdf = b"%PDF-1.4\nproces-verbal du comite\n%%EOF\n";
    let kept = dpo
        .post_multipart(url, &[("file", Some("pv.pdf"), pdf)])
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.body);

    // Markup and programs are refused whatever their name says; nothing kept.
    for (name, bytes) in [
        (
            "note.pdf",
            &b"<html><script>alert(document.cookie)</script></html>"[..],
        ),
        (
            "image.png",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"x()\"/>",
        ),
        ("outil.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"),
        ("archive.odt", b"PK\x03\x04\x14\x00\x00\x00anything.exe"),
    ] {
        let r = dpo
            .post_multipart(url, &[("file", Some(name), bytes)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            r.body.contains("son type est lu dans son contenu"),
            "{name}: {}",
            r.body
        );
    }
    // A form cut short, and one without its CSRF token.
    let cut = dpo.post_multipart(url, &[]).await;
    assert_eq!(cut.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Over 10 MiB: refused before anything is parsed.
    let big = vec![b'a'; 11 * 1024 * 1024];
    let r = dpo
        .post_multipart(url, &[("file", Some("big.txt"), &big)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Elsewhere a multipart body gets no more than a form's 1 MiB.
    let two = vec![b'a'; 2 * 1024 * 1024];
    let r = dpo
        .post_multipart("/t/commune-f/suivi", &[("file", Some("x.txt"), &two)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    let list = dpo.get(url).await;
    assert!(
        list.body.contains("registre signé.odt"),
        "the path is dropped"
    );
    assert!(!list.body.contains("Users"));
    assert!(list.body.contains("OpenDocument"));
    assert_eq!(list.body.matches("/supprimer\"").count(), 2);
    // Handed back as a download of what it is, never inline.
    let pdf_id = {
        let at = list.body.find(">pv.pdf<").unwrap();
        let start = list.body[..at].rfind('/').unwrap() + 1;
        list.body[start..at - 1].to_owned()
    };
    let got = dpo.get(&format!("{url}/{pdf_id}")).await;
    assert_eq!(got.bytes, pdf);
    assert_eq!(got.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(got.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        got.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    // Its SHA-256 is shown, for a copy to be checked.
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(pdf))
    };
    assert!(list.body.contains(&digest));
    // The activity's view lists only its documents.
    let mine = dpo.get(&format!("{url}?activite={activity_id}")).await;
    assert!(mine.body.contains("registre signé.odt"));
    assert!(!mine.body.contains(">pv.pdf<"));

    let gone = dpo.post(&format!("{url}/{pdf_id}/supprimer"), &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(
        dpo.get(&format!("{url}/{pdf_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let trail = app.store.records_after(0, 10_000).await.unwrap();
    for action in ["evidence.add", "evidence.read", "evidence.delete"] {
        assert!(
            trail
                .iter()
                .any(|x| x.event.action == action && x.event.object.contains("evidence:")),
            "{action} traced"
        );
    }
});

both!(
    c01_c08_processors_are_linked_to_the_sub_processor_registry,
    |app| {
        use vigie_domain::subprocessor::{ChangeKind, Country, Site, SubProcessor};
        let a = app.tenant("commune-g").await;
        let b = app.tenant("commune-h").await;
        app.person("dpo@commune-g.fr", &[(&a, &[Role::Dpo])]).await;
        let sp = |name: &str, country: &str| SubProcessor {
            name: name.into(),
            sites: vec![Site {
                name: format!("Site {name}"),
                country: Country::parse(country).unwrap(),
            }],
            ..Default::default()
        };
        let now = jiff::Timestamp::now();
        let mut ids = Vec::new();
        for (s, tenant) in [
            (sp("Hébergeur Roubaix", "FR"), a.id),
            (sp("Messagerie Virginie", "US"), a.id),
            (sp("Hébergeur de H seulement", "FR"), b.id),
        ] {
            let created = app.store.create_subprocessor(&s, now).await.unwrap();
            app.store
                .create_notice(&vigie_store::NewNotice {
                    subprocessor: created.id,
                    kind: ChangeKind::Added,
                    replaces: String::new(),
                    activities: "Hébergement".into(),
                    at: now,
                    tenants: vec![(tenant, jiff::civil::date(2099, 1, 1))],
                })
                .await
                .unwrap();
            ids.push(created.id.to_string());
        }
        let mut dpo = app.signed_in("dpo@commune-g.fr").await;
        let form = dpo.get("/t/commune-g/registre/nouveau").await;
        assert!(form.body.contains("Hébergeur Roubaix"));
        assert!(form.body.contains("Messagerie Virginie"));
        assert!(
            !form.body.contains("Hébergeur de H"),
            "only those serving this organisation"
        );
        let base = [
            ("name", "État civil"),
            ("purposes", "Tenue des registres"),
            ("legal_basis", "legal_obligation"),
            ("status", "draft"),
        ];
        let with = |extra: &[(&'static str, &str)]| {
            let mut v: Vec<(&str, String)> =
                base.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
            v.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
            v
        };
        // The US one without its transfer: refused on the transfers field.
        let fields = with(&[("linked_processor", &ids[0]), ("linked_processor", &ids[1])]);
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = dpo.post("/t/commune-g/registre", &refs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"a-transfers-error\""), "{}", r.body);
        assert!(
            r.body.contains(
                "Messagerie Virginie conserve des données à Site Messagerie Virginie (US)"
            )
        );
        // Another organisation's sub-processor cannot be linked.
        let fields = with(&[("linked_processor", &ids[2])]);
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = dpo.post("/t/commune-g/registre", &refs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"a-linked-error\""), "{}", r.body);
        // With the transfer recorded, saved with the registry's names.
        let fields = with(&[
            ("linked_processor", &ids[0]),
            ("linked_processor", &ids[1]),
            ("linked_processor", &ids[1]),
            (
                "transfers",
                "États-Unis ; Messagerie Virginie ; clauses contractuelles types",
            ),
            ("processors", "Imprimeur local"),
        ]);
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = dpo.post("/t/commune-g/registre", &refs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = r.location().split('?').next().unwrap().to_owned();
        let shown = dpo.get(&page).await;
        assert_eq!(
            shown
                .body
                .matches("name=\"linked_processor\" value=\"")
                .count(),
            2
        );
        assert_eq!(
            shown.body.matches(" checked> Messagerie Virginie").count(),
            1
        );
        assert!(shown.body.contains(">Imprimeur local</textarea>"));
        let json = dpo.get("/t/commune-g/registre/export.json").await;
        assert_eq!(
            json.body.matches("\"subprocessor\"").count(),
            2,
            "{}",
            json.body
        );
        let pdf = pdf_text(&dpo.get(&format!("{page}/fiche.pdf")).await.bytes);
        assert!(pdf.contains("Hébergeur Roubaix") && pdf.contains("Imprimeur local"));
    }
);
