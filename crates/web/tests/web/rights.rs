//! Rights requests through the pages (C11–C16): the public form and its
//! code, the agent's actions, a connected SQLite application, and the
//! person's download — with errors shown next to their field.

use axum::http::StatusCode;
use jiff::Timestamp;
use vigie_connect::{Dialect, fixture};
use vigie_domain::{page::Page, role::Role};

use crate::{
    both, both_with,
    support::{TestApp, extract, test_vault},
};

both!(c11_c15_a_request_from_the_form_to_the_download, |app| {
    let t = app.tenant("commune-a").await;
    app.person("agent@commune-a.fr", &[(&t, &[Role::Dpo, Role::Agent])])
        .await;
    let p = fixture::person(4);

    // The public form, without an account; a bad field keeps what was typed.
    let mut visitor = app.browser();
    let form = visitor.get("/p/commune-a/droits").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("for=\"rq-email\""));
    assert_eq!(
        visitor.get("/p/nulle-part/droits").await.status,
        StatusCode::NOT_FOUND
    );
    let bad = visitor
        .post(
            "/p/commune-a/droits",
            &[
                ("kind", "access"),
                ("name", "Éloïse Dupré"),
                ("email", "pas-une-adresse"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("value=\"Éloïse Dupré\""));
    assert!(bad.body.contains("id=\"rq-email-error\""));
    // C12: she types someone else's phone; only her address gets proven.
    let other = fixture::person(5);
    let sent = visitor
        .post(
            "/p/commune-a/droits",
            &[
                ("kind", "access"),
                ("name", "Éloïse Dupré"),
                ("email", &p.email),
                ("phone", &other.mobile),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let status_page = sent.location().to_owned();
    assert!(status_page.starts_with("/p/commune-a/demande/"));
    let wrong = visitor.post(&status_page, &[("code", "12345x")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mail = app
        .store
        .list_messages(&p.email, Page::default())
        .await
        .unwrap();
    let code = extract(&mail.items[0].body, "code de confirmation est : ", "\n").unwrap();
    let ok = visitor.post(&status_page, &[("code", &code)]).await;
    assert_eq!(ok.status, StatusCode::OK);
    let year = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).year();
    assert!(ok.body.contains(&format!("{year}-0001")), "{}", ok.body);
    // The status page says which right, dates as days (issue 18).
    assert!(
        ok.body.contains("<dd>droit d&#39;accès</dd>"),
        "{}",
        ok.body
    );
    assert!(
        !ok.body.contains(" CET") && !ok.body.contains(" CEST"),
        "a day, not a time"
    );
    // An acknowledgement names who received what, until when, and the CNIL.
    let ack = app
        .store
        .list_messages(&p.email, Page::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|m| m.subject.contains("Accusé de réception"))
        .expect("an acknowledgement of receipt is sent");
    assert!(
        ack.subject.contains("Organisation commune-a"),
        "{}",
        ack.subject
    );
    for part in [
        "droit d'accès",
        "au plus tard le",
        "cnil.fr",
        "/p/commune-a/demande/",
    ] {
        assert!(ack.body.contains(part), "{part}: {}", ack.body);
    }

    // A connected system; a wrong dataset is explained, nothing is lost.
    let db = format!(
        "vigie_web_app_{}_{}",
        std::process::id(),
        app.store.backend()
    );
    let url = fixture::create_database(Dialect::Sqlite, &db)
        .await
        .unwrap();
    fixture::install(&url, 6).await.unwrap();
    let mut agent = app.signed_in("agent@commune-a.fr").await;
    let broken = fixture::DATASET.replace("name = \"tel_mobile\"", "name = \"portable\"");
    let refused = agent
        .post(
            "/t/commune-a/systemes",
            &[
                ("name", "Mes demandes"),
                ("url", &url),
                ("dataset", &broken),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("column contacts.portable does not exist in the database")
    );
    assert!(refused.body.contains("value=\"Mes demandes\""));
    assert!(!refused.body.contains(&url), "the URL is not sent back");
    let saved = agent
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

    // The agent's list shows it; verify, approve, run, answer.
    let list = agent.get("/t/commune-a/demandes").await;
    assert!(list.body.contains("Éloïse Dupré"));
    // A filter word the list does not know shows the open ones, not none.
    let unknown = agent.get("/t/commune-a/demandes?due=bientot").await;
    assert!(unknown.body.contains("Éloïse Dupré"), "{}", unknown.body);
    assert!(
        unknown.body.contains("<option value=\"open\" selected"),
        "{}",
        unknown.body
    );
    let r = app
        .store
        .request_by_public_token(&vigie_service::token_hash(
            status_page.rsplit('/').next().unwrap(),
        ))
        .await
        .unwrap();
    let base = format!("/t/commune-a/demandes/{}", r.id);
    let too_soon = agent.post(&format!("{base}/approve"), &[]).await;
    assert_eq!(too_soon.status, StatusCode::UNPROCESSABLE_ENTITY, "C12");
    let shown = agent.get(&base).await;
    assert!(
        shown.body.contains(&format!("phone : {}", other.mobile))
            && shown.body.contains("non prouvé")
            && shown.body.contains("name=\"prove_1\""),
        "{}",
        shown.body
    );
    assert!(
        !shown.body.contains("name=\"prove_0\""),
        "her address is proven"
    );
    // A question to the person: a fresh link in the mail, the answer given
    // on the status page, on the timeline and to the agents (issue 18).
    let asked = agent
        .post(
            &format!("{base}/ask"),
            &[("message", "Précisez la période concernée.")],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let question = app
        .store
        .list_messages(&p.email, Page::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|m| m.subject.contains("information complémentaire"))
        .unwrap();
    let fresh = extract(&question.body, "http://127.0.0.1:8080", "\n").unwrap();
    assert_ne!(fresh, status_page, "a new link");
    let page = visitor.get(&fresh).await;
    assert!(
        page.body.contains("Précisez la période concernée."),
        "{}",
        page.body
    );
    let empty = visitor
        .post(&format!("{fresh}/reponse"), &[("reply", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("id=\"reply-error\""));
    // The form takes documents too; one that is markup is refused, with
    // nothing kept — not even the text sent with it.
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(page.body.contains("name=\"piece\" type=\"file\""));
    let html = visitor
        .post_multipart(
            &format!("{fresh}/reponse"),
            &[
                ("reply", None, "Voici ma pièce.".as_bytes()),
                (
                    "piece",
                    Some("piece.pdf"),
                    b"<html><script>alert(1)</script>",
                ),
            ],
        )
        .await;
    assert_eq!(
        html.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        html.body
    );
    assert!(
        html.body.contains("Un document n&#39;a pas été accepté"),
        "{}",
        html.body
    );
    let pdf: &[u8] = b"%PDF-1.4\n% justificatif de domicile\n%%EOF\n";
    let answered_q = visitor
        .post_multipart(
            &format!("{fresh}/reponse"),
            &[
                ("reply", None, "De 2020 à 2024.".as_bytes()),
                ("piece", Some("justificatif domicile.pdf"), pdf),
                // A file field left empty, as browsers send it.
                ("piece", Some(""), b""),
            ],
        )
        .await;
    assert_eq!(answered_q.status, StatusCode::OK, "{}", answered_q.body);
    assert!(answered_q.body.contains("transmise"));
    let shown = agent.get(&base).await;
    let link = extract(
        &shown.body,
        "<a href=\"",
        "\" download>justificatif domicile.pdf</a>",
    )
    .map(|l| l.rsplit('"').next().unwrap().to_owned())
    .unwrap_or_else(|| panic!("{}", shown.body));
    assert!(link.starts_with(&format!("{base}/pieces/")), "{link}");
    let got = agent.get(&link).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.bytes, pdf);
    assert_eq!(got.headers["content-type"], "application/pdf");
    assert_eq!(got.headers["x-content-type-options"], "nosniff");
    assert!(
        got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert_eq!(
        app.store
            .request_attachments(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap()
            .len(),
        1,
        "the refused reply kept nothing"
    );
    // The first link still works.
    assert_eq!(visitor.get(&status_page).await.status, StatusCode::OK);
    let timeline = agent.get(&base).await;
    assert!(
        timeline.body.contains("Réponse de la personne")
            && timeline.body.contains("De 2020 à 2024."),
        "{}",
        timeline.body
    );
    assert!(
        app.store
            .list_messages("agent@commune-a.fr", Page::default())
            .await
            .unwrap()
            .items
            .iter()
            .any(|m| m.subject.contains("La personne a répondu")
                && m.body.contains("De 2020 à 2024.")),
        "the agents are told"
    );
    // Once verified, the request no longer waits: a reply is refused.
    let v = agent
        .post(&format!("{base}/verify"), &[("method", "email_code")])
        .await;
    assert_eq!(v.status, StatusCode::SEE_OTHER, "{}", v.body);
    assert_eq!(
        visitor
            .post(&format!("{fresh}/reponse"), &[("reply", "encore")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let verified = app
        .store
        .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap();
    assert_eq!(
        verified.identities.proven().len(),
        1,
        "the phone is not ticked"
    );
    // C13: within the first month an extension is offered; past it, not
    // (issue 18: an action that cannot succeed is not offered).
    let extend_form = format!("action=\"{base}/extend\"");
    assert!(agent.get(&base).await.body.contains(&extend_form));
    let mut late = verified.clone();
    late.received_at = Some(Timestamp::now() - jiff::SignedDuration::from_hours(24 * 40));
    app.store
        .save_request(
            &late,
            late.status,
            &vigie_store::RequestEvent {
                at: Timestamp::now(),
                actor: "test".into(),
                step: String::new(),
                detail: String::new(),
                detail_en: String::new(),
            },
            &[],
        )
        .await
        .unwrap();
    assert!(!agent.get(&base).await.body.contains(&extend_form));
    let a = agent.post(&format!("{base}/approve"), &[]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let vault = test_vault();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    for task in app
        .store
        .tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap()
    {
        vigie_service::rights::run_task(ctx, task.id, Timestamp::now())
            .await
            .unwrap();
    }
    let page = agent.get(&base).await;
    assert!(
        page.body.contains("mes-demandes-contacts.csv"),
        "{}",
        page.body
    );
    let empty = agent
        .post(&format!("{base}/answer"), &[("answer", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answered = agent
        .post(
            &format!("{base}/answer"),
            &[("answer", "Voici vos données.")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    // The person reads the answer on the status page too.
    assert!(
        visitor
            .get(&status_page)
            .await
            .body
            .contains("Voici vos données.")
    );
    let csv = agent.get(&format!("{base}/historique.csv")).await;
    assert!(csv.body.contains("answered") && csv.body.contains("email_confirmed"));
    // The timeline and the tasks in words, not codes (issue 18).
    let done = agent.get(&base).await;
    for words in [
        "Demande déposée",
        "Système traité",
        "Réponse envoyée",
        "<td>Terminé</td>",
    ] {
        assert!(done.body.contains(words), "{words}: {}", done.body);
    }
    for code in [">task_done<", ">answered<", ">submitted<", ">done<"] {
        assert!(!done.body.contains(code), "{code} shown raw");
    }
    // An auditor reads what was sent, but downloads none of the
    // person's data (the links are for those who act on the request).
    app.person("audit@commune-a.fr", &[(&t, &[Role::Auditor])])
        .await;
    let mut auditor = app.signed_in("audit@commune-a.fr").await;
    let read = auditor.get(&base).await;
    assert!(read.body.contains("mes-demandes-contacts.csv"));
    assert!(
        !read.body.contains(&format!("{base}/export/")),
        "no link it cannot open"
    );
    assert_ne!(
        auditor
            .get(&format!("{base}/export/mes-demandes-contacts.csv"))
            .await
            .status,
        StatusCode::OK
    );

    // The register the export's Art. 15(1) information comes from: one
    // published activity, one draft.
    for fields in [
        vec![
            ("name", "Gestion des demandes"),
            ("purposes", "Traiter les demandes des usagers"),
            ("legal_basis", "public_task"),
            ("category", "coordonnees"),
            ("subjects", "Usagers"),
            ("retentions", "Demandes ; 2 ans ; destruction"),
            ("status", "complete"),
            ("published", "on"),
        ],
        vec![("name", "Brouillon secret"), ("status", "draft")],
    ] {
        let r = agent.post("/t/commune-a/registre", &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    // The person's link, without an account.
    let mail = app
        .store
        .list_messages(&p.email, Page::default())
        .await
        .unwrap();
    let answer = mail
        .items
        .iter()
        .find(|m| m.body.contains("/export/"))
        .unwrap();
    let link = extract(&answer.body, "http://127.0.0.1:8080", "\n").unwrap();
    let export = visitor.get(&link).await;
    assert_eq!(export.status, StatusCode::OK, "{link}");
    // Art. 15(1): with the data, what the register says of its processing
    // (published activities only), the rights and the CNIL (issue 18).
    assert!(export.body.contains("RGPD, art. 15.1"), "{}", export.body);
    assert!(
        export.body.contains("Gestion des demandes"),
        "{}",
        export.body
    );
    assert!(
        !export.body.contains("Brouillon secret"),
        "a draft is not told"
    );
    assert!(export.body.contains("cnil.fr"));
    let info = visitor.get(&format!("{link}/informations-art15.txt")).await;
    assert_eq!(info.status, StatusCode::OK);
    assert!(
        info.body.contains("Traiter les demandes des usagers"),
        "{}",
        info.body
    );
    assert!(
        info.body.contains("Demandes : 2 ans (destruction)"),
        "{}",
        info.body
    );
    // A public task: objection, no portability (Art. 20, 21).
    assert!(info.body.contains("droit d'opposition") && !info.body.contains("portabilité"));
    let json_name = extract(&export.body, &format!("{link}/"), "\"").unwrap();
    let json = visitor.get(&format!("{link}/{json_name}")).await;
    assert!(json.body.contains(&p.email));
    assert!(!json.body.contains(&fixture::person(5).email));
    assert_eq!(
        visitor.get(&format!("{link}x")).await.status,
        StatusCode::NOT_FOUND
    );
    fixture::drop_database(Dialect::Sqlite, &db, &url)
        .await
        .unwrap();
});

#[tokio::test]
async fn c11_the_public_form_cannot_be_used_to_send_mail_to_anyone() {
    let app = TestApp::sqlite().await;
    app.tenant("commune-a").await;
    let mut visitor = app.browser();
    for i in 0..5 {
        let email = format!("personne{i}@exemple.fr");
        let r = visitor
            .post(
                "/p/commune-a/droits",
                &[
                    ("kind", "access"),
                    ("name", "Une Personne"),
                    ("email", &email),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{i}: {}", r.body);
    }
    let sixth = visitor
        .post(
            "/p/commune-a/droits",
            &[
                ("kind", "access"),
                ("name", "Une Personne"),
                ("email", "victime@exemple.fr"),
            ],
        )
        .await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        sixth.body.contains("value=\"Une Personne\""),
        "what was typed stays"
    );
    assert_eq!(
        app.store
            .list_messages("victime@exemple.fr", Page::default())
            .await
            .unwrap()
            .total,
        0
    );
}

/// Tenant commune-a with an agent-DPO, a connected "Mes demandes"
/// SQLite application, and an erasure request of fixture person `person`
/// recorded by email (not yet verified).
struct AgentWithApp {
    tenant: vigie_store::Tenant,
    db: String,
    url: String,
    vault: vigie_store::vault::Vault,
    confinement: vigie_connect::Confinement,
    request: vigie_store::RightsRequest,
}

impl AgentWithApp {
    async fn new(app: &TestApp, db: &str, person: i64) -> Self {
        use vigie_domain::{
            rights::{Intake, RequestKind},
            role::Roles,
            scope::TenantScope,
        };
        use vigie_service::{
            rights::{self, RequestInput},
            systems::{self, SystemInput},
        };
        let tenant = app.tenant("commune-a").await;
        app.person(
            "agent@commune-a.fr",
            &[(&tenant, &[Role::Dpo, Role::Agent])],
        )
        .await;
        let db = format!("{db}_{}_{}", std::process::id(), app.store.backend());
        let url = fixture::create_database(Dialect::Sqlite, &db)
            .await
            .unwrap();
        fixture::install(&url, 6).await.unwrap();
        let (vault, confinement) = (test_vault(), crate::support::test_confinement());
        let scope = TenantScope::from_verified_membership(
            tenant.id,
            None,
            Roles::new(vec![Role::Dpo, Role::Agent]),
        );
        let ctx = vigie_service::Ctx {
            store: app.store.as_ref(),
            vault: &vault,
            base_url: "http://test",
            confinement: &confinement,
        };
        systems::create(
            ctx,
            &scope,
            &SystemInput {
                name: "Mes demandes".into(),
                url: url.clone(),
                dataset: fixture::DATASET.into(),
            },
            "dpo",
            Timestamp::now(),
        )
        .await
        .unwrap();
        let p = fixture::person(person);
        let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let request = rights::record(
            ctx,
            &scope,
            "agent",
            &RequestInput {
                kind: RequestKind::Erasure,
                name: p.prenom.clone(),
                email: Some(vigie_domain::account::Email::parse(&p.email).unwrap()),
                phone: String::new(),
                details: String::new(),
                channels: vec![],
                rectifications: vec![],
                contact: Default::default(),
            },
            Intake::Email,
            today,
            Timestamp::now(),
        )
        .await
        .unwrap();
        AgentWithApp {
            tenant,
            db,
            url,
            vault,
            confinement,
            request,
        }
    }

    fn ctx<'a>(&'a self, app: &'a TestApp) -> vigie_service::Ctx<'a> {
        vigie_service::Ctx {
            store: app.store.as_ref(),
            vault: &self.vault,
            base_url: "http://test",
            confinement: &self.confinement,
        }
    }

    async fn verify(&self, app: &TestApp) -> vigie_store::RightsRequest {
        vigie_service::rights::verify(
            self.ctx(app),
            &self.request,
            vigie_domain::rights::Verification::InPerson,
            vigie_service::rights::IdentityCheck::all(&self.request),
            "agent",
            Timestamp::now(),
        )
        .await
        .unwrap()
    }

    async fn drop(self) {
        fixture::drop_database(Dialect::Sqlite, &self.db, &self.url)
            .await
            .unwrap();
    }
}

// Issue 11: an execution that fails is flagged where agents look — the
// list (a filter and the system's reason on the row) and the dashboard —
// and the request is not shown as executed.
both!(
    c15_a_failed_execution_is_flagged_in_the_list_and_dashboard,
    |app| {
        use vigie_service::rights;
        let w = AgentWithApp::new(&app, "vigie_web_stalled", 2).await;
        let ctx = w.ctx(&app);
        let r = w.verify(&app).await;
        let r = rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
            .await
            .unwrap();
        // The application changed since the dataset was written.
        let mut c = vigie_connect::Conn::open(&w.url).await.unwrap();
        c.run("ALTER TABLE contacts RENAME COLUMN tel_mobile TO portable")
            .await
            .unwrap();
        c.close().await;
        let tasks = app
            .store
            .tasks(
                &vigie_domain::scope::TenantScope::of_provider(w.tenant.id),
                r.id,
            )
            .await
            .unwrap();
        assert_eq!(tasks.len(), 1);
        for task in tasks {
            assert!(
                rights::run_task(ctx, task.id, Timestamp::now())
                    .await
                    .is_err()
            );
        }
        let mut agent = app.signed_in("agent@commune-a.fr").await;
        let flagged = agent.get("/t/commune-a/demandes?due=stalled").await;
        assert_eq!(flagged.status, StatusCode::OK);
        assert!(flagged.body.contains(&r.reference), "{}", flagged.body);
        assert!(
            flagged
                .body
                .contains("Échec — Mes demandes : the dataset no longer matches the database"),
            "{}",
            flagged.body
        );
        let late = agent.get("/t/commune-a/demandes?due=late").await;
        assert!(!late.body.contains(&r.reference));
        let dashboard = agent.get("/t/commune-a").await;
        let card = extract(
            &dashboard.body,
            "Exécution en échec ou à confirmer</a></h2>",
            "</p>",
        )
        .unwrap();
        assert!(card.ends_with(">1"), "{card}");
        let page = agent.get(&format!("/t/commune-a/demandes/{}", r.id)).await;
        assert!(!page.body.contains(">Exécutée<"), "not executed");
        w.drop().await;
    }
);

// Issue 11: before approving, the agent sees what each system holds for
// the person — read only, traced, and never before the identity is
// checked (C12).
both!(
    c12_c15_a_preview_before_approval_reads_and_changes_nothing,
    |app| {
        let w = AgentWithApp::new(&app, "vigie_web_preview", 3).await;
        let (t, r, url) = (&w.tenant, &w.request, &w.url);
        let snapshot = || async {
            let mut c = vigie_connect::Conn::open(url).await.unwrap();
            let mut q = vigie_connect::Sql::new(Dialect::Sqlite);
            q.push("SELECT CAST(id AS TEXT), nom, email, tel_mobile FROM contacts ORDER BY id");
            let rows = c.rows(&q).await.unwrap();
            c.close().await;
            rows
        };
        let before = snapshot().await;
        let base = format!("/t/commune-a/demandes/{}", r.id);
        let mut agent = app.signed_in("agent@commune-a.fr").await;
        let early = agent.post(&format!("{base}/preview"), &[]).await;
        assert!(
            early.body.contains("the identity must be checked"),
            "{}",
            early.body
        );
        w.verify(&app).await;
        // An erasure is not approved in one click: no button before the
        // preview, and a post without the confirmation is refused.
        let before_preview = agent.get(&base).await;
        assert!(
            !before_preview
                .body
                .contains(&format!("action=\"{base}/approve\""))
        );
        assert!(
            before_preview
                .body
                .contains("calculez d&#39;abord l&#39;aperçu")
        );
        let blind = agent.post(&format!("{base}/approve"), &[]).await;
        assert_eq!(blind.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            blind.body.contains("la case de vérification cochée"),
            "{}",
            blind.body
        );
        let shown = agent.post(&format!("{base}/preview"), &[]).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        assert!(
            shown.body.contains("Aperçu avant approbation"),
            "{}",
            shown.body
        );
        let contacts = extract(&shown.body, "<tr><td>contacts</td>", "</tr>").unwrap();
        // Found, what erasure does to the table (from the dataset), shared,
        // mentioned, a masked example (issue 18).
        let p = fixture::person(3);
        let (local, domain) = p.email.split_once('@').unwrap();
        assert!(
            contacts.starts_with(
                "<td>1</td><td>anonymisées (conservées pour l&#39;historique)</td><td>0</td><td>0</td><td>"
            ),
            "{contacts}"
        );
        assert!(
            contacts.contains(&format!("email : {}•••@{domain}", &local[..1]))
                && contacts.contains(&format!("nom : {}•••", &p.nom[..1])),
            "{contacts}"
        );
        assert!(
            !contacts.contains(local) && !contacts.contains(&p.nom),
            "{contacts}"
        );
        assert!(shown.body.contains("<tr><td>demandes</td>"));
        // The title names her, and the dataset does not declare it: said
        // before approving, masked (issue 18).
        let left = extract(&shown.body, "<code>demandes.titre</code>", "</li>").unwrap();
        assert!(
            left.contains(&format!("1 ligne, « Demande 0 de {}••• »", &p.prenom[..1]))
                && left.contains("restera après l&#39;effacement"),
            "{left}"
        );
        assert_eq!(snapshot().await, before, "nothing changed");
        let fresh = app
            .store
            .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap();
        assert_eq!(
            fresh.status,
            vigie_domain::rights::RequestStatus::Verified,
            "still awaiting approval"
        );
        // From the preview, the box ticked: approved.
        assert!(shown.body.contains("name=\"confirm_erasure\""));
        let approved = agent
            .post(&format!("{base}/approve"), &[("confirm_erasure", "on")])
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
        // Executed: the request says what the erasure left, and where.
        let ctx = w.ctx(&app);
        for task in app
            .store
            .tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
            .await
            .unwrap()
        {
            vigie_service::rights::run_task(ctx, task.id, Timestamp::now())
                .await
                .unwrap();
        }
        let after = agent.get(&base).await;
        let section = extract(
            &after.body,
            "Ce que l&#39;effacement a laissé",
            "</section>",
        )
        .unwrap_or_else(|| panic!("{}", after.body));
        assert!(
            section.contains(&format!(
                "Mes demandes : <code>demandes.titre</code> — 1 ligne, « Demande 0 de {}••• »",
                &p.prenom[..1]
            )),
            "{section}"
        );
        assert_ne!(snapshot().await, before, "the erasure ran");
        let trail = app.store.records_after(0, 10_000).await.unwrap();
        assert!(
            trail
                .iter()
                .any(|x| x.event.action == "system.preview" && x.event.tenant == Some(t.id)),
            "the read is traced"
        );
        w.drop().await;
    }
);

both!(
    c11_c16_a_letter_from_a_representative_answered_by_post,
    |app| {
        let t = app.tenant("commune-l").await;
        app.person("agent@commune-l.fr", &[(&t, &[Role::Agent])])
            .await;
        let mut agent = app.signed_in("agent@commune-l.fr").await;
        let letter = |extra: &[(&'static str, &'static str)]| {
            let mut v = vec![
                ("kind", "access"),
                ("intake", "letter"),
                ("received_on", "2026-11-25"),
                ("name", "Léa Martin"),
                ("answer_by", "post"),
                ("rep_name", "Paul Martin"),
                ("rep_capacity", "parent"),
                ("rep_mandate", "livret de famille vu à l'accueil"),
            ];
            v.extend_from_slice(extra);
            v
        };
        // No email and no address: the answer could reach nobody.
        let refused = agent.post("/t/commune-l/demandes", &letter(&[])).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("id=\"rq-postal-error\""),
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("value=\"Paul Martin\""),
            "what was typed stays"
        );
        // A representative without the proof of mandate.
        let mut no_proof = letter(&[("postal_address", "3 rue des Lilas\n39000 Lons-le-Saunier")]);
        no_proof.retain(|(k, _)| *k != "rep_mandate");
        let r = agent.post("/t/commune-l/demandes", &no_proof).await;
        assert!(r.body.contains("id=\"rq-rep-error\""), "{}", r.body);
        let created = agent
            .post(
                "/t/commune-l/demandes",
                &letter(&[("postal_address", "3 rue des Lilas\n39000 Lons-le-Saunier")]),
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let page = created.location().split('?').next().unwrap().to_owned();
        let shown = agent.get(&page).await;
        for part in [
            "Paul Martin (Parent (autorité parentale)) — livret de famille",
            "3 rue des Lilas",
            "Par courrier (lettre à imprimer)",
        ] {
            assert!(shown.body.contains(part), "{part}: {}", shown.body);
        }
        assert!(
            !shown.body.contains("lettre.pdf"),
            "no letter before the answer"
        );
        let v = agent
            .post(&format!("{page}/verify"), &[("method", "document_seen")])
            .await;
        assert_eq!(v.status, StatusCode::SEE_OTHER, "{}", v.body);
        let answered = agent
            .post(
                &format!("{page}/answer"),
                &[(
                    "answer",
                    "Madame, Monsieur,\nVeuillez trouver ci-joint les données de Léa.",
                )],
            )
            .await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
        let after = agent.get(&page).await;
        assert!(
            after.body.contains("réponse envoyée par courrier"),
            "the channel on the timeline"
        );
        let pdf = agent.get(&format!("{page}/lettre.pdf")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        let text = crate::register::pdf_text(&pdf.bytes)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for part in [
            "Paul Martin (Parent (autorité parentale)) — pour Léa Martin",
            "3 rue des Lilas 39000 Lons-le-Saunier",
            "Veuillez trouver ci-joint les données de Léa.",
            "droit d'accès",
            "CNIL",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        // Read in English, Vigie's own lines are English (issue 18).
        agent.get("/lang/en").await;
        let english = agent.get(&page).await;
        assert!(
            english.body.contains("answer sent by post")
                && english.body.contains("letter received on 2026-11-25")
                && !english.body.contains("réponse envoyée par courrier"),
            "{}",
            english.body
        );
    }
);

// C14 (issue 18): the provider's administrator reaches the requests its
// own organisation receives without giving himself a role there — and no
// other tenant's; forwards one to the client it concerns, whose DPO is
// told by email with the link; a grant to an existing account tells it.
both_with!(
    c14_the_provider_forwards_from_its_inbox_and_the_client_is_told,
    vigie_web::WebSettings {
        provider_tenant: Some(vigie_domain::tenant::TenantSlug::parse("hebergeur").unwrap()),
        confinement: crate::support::test_confinement(),
        ..vigie_web::WebSettings::default()
    },
    |app| {
        app.tenant("hebergeur").await;
        let client = app.tenant("commune-f").await;
        app.tenant("commune-g").await;
        app.account("admin@hebergeur.fr", true, &[]).await;
        app.person("dpo@commune-f.fr", &[(&client, &[Role::Dpo])])
            .await;
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        let dashboard = admin.get("/admin/tenants").await;
        assert!(
            dashboard
                .body
                .contains("href=\"/t/hebergeur/demandes\">Demandes reçues par le prestataire"),
            "{}",
            dashboard.body
        );
        // Another tenant stays closed to him, exactly as one that does not exist.
        assert_eq!(
            admin.get("/t/commune-g/demandes").await.status,
            StatusCode::NOT_FOUND
        );
        let recorded = admin
            .post(
                "/t/hebergeur/demandes",
                &[
                    ("kind", "access"),
                    ("intake", "email"),
                    ("received_on", "2026-11-25"),
                    ("name", "Awa Diallo"),
                    ("email", "awa.diallo@exemple.fr"),
                    ("details", "Mes données dans le portail de la commune F"),
                ],
            )
            .await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
        let page = recorded.location().split('?').next().unwrap().to_owned();
        let shown = admin.get(&page).await;
        assert!(shown.body.contains("action=\"") && shown.body.contains("/forward\""));
        let forwarded = admin
            .post(&format!("{page}/forward"), &[("client", "commune-f")])
            .await;
        assert_eq!(
            forwarded.status,
            StatusCode::SEE_OTHER,
            "{}",
            forwarded.body
        );
        assert!(
            forwarded.location().ends_with("flash=forwarded"),
            "{}",
            forwarded.location()
        );
        let mails = app
            .store
            .list_messages("dpo@commune-f.fr", Page::default())
            .await
            .unwrap();
        let mail = mails
            .items
            .iter()
            .find(|m| m.subject.contains("transmise par Organisation hebergeur"))
            .unwrap_or_else(|| panic!("{:?}", mails.items));
        let link = extract(&mail.body, "http://127.0.0.1:8080", "\n").unwrap();
        assert!(link.starts_with("/t/commune-f/demandes/"), "{link}");
        // The client's DPO opens it: the client's copy, received from the provider.
        let mut dpo = app.signed_in("dpo@commune-f.fr").await;
        let copy = dpo.get(&link).await;
        assert_eq!(copy.status, StatusCode::OK);
        assert!(copy.body.contains("Awa Diallo"), "{}", copy.body);
        // The client's own page offers no forward: only the provider's does.
        assert!(!copy.body.contains("/forward\""));
        // A grant to an account that exists sends no password link but says so.
        let granted = admin
            .post(
                "/admin/tenants/commune-g/grant",
                &[
                    ("email", "dpo@commune-f.fr"),
                    ("name", "DPO F"),
                    ("role_dpo", "on"),
                ],
            )
            .await;
        assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
        assert!(granted.location().ends_with("flash=user_granted_existing"));
        let mails = app
            .store
            .list_messages("dpo@commune-f.fr", Page::default())
            .await
            .unwrap();
        assert!(
            mails.items.iter().any(|m| m.subject
                == "Vigie : vous avez accès à Organisation commune-g"
                && m.body.contains("/t/commune-g")
                && !m.body.contains("/password/reset/")),
            "{:?}",
            mails.items
        );
    }
);

// C14 through the API (issue 20): the provider's tools list its inbox and
// forward a request to the client it concerns, with a provider token; a
// tenant's token reaches neither.
both_with!(
    c14_the_provider_forwards_through_the_api,
    vigie_web::WebSettings {
        provider_tenant: Some(vigie_domain::tenant::TenantSlug::parse("hebergeur").unwrap()),
        confinement: crate::support::test_confinement(),
        ..vigie_web::WebSettings::default()
    },
    |app| {
        use serde_json::{Value, json};
        app.tenant("hebergeur").await;
        let client = app.tenant("commune-f").await;
        app.account("admin@hebergeur.fr", true, &[]).await;
        app.person("dpo@commune-f.fr", &[(&client, &[Role::Dpo])])
            .await;
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        let recorded = admin
            .post(
                "/t/hebergeur/demandes",
                &[
                    ("kind", "access"),
                    ("intake", "email"),
                    ("received_on", "2026-11-25"),
                    ("name", "Awa Diallo"),
                    ("email", "awa.diallo@exemple.fr"),
                    ("details", "Mes données dans le portail de la commune F"),
                ],
            )
            .await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
        let made = admin
            .post("/admin/jetons", &[("name", "outillage"), ("days", "30")])
            .await;
        let provider = crate::support::extract(
            &made.body,
            "id=\"new-token\" type=\"text\" readonly value=\"",
            "\"",
        )
        .unwrap();
        let dpo_f = crate::api_parity::minted(&app, "dpo@commune-f.fr", "commune-f", "dpo").await;
        let mut c = app.browser();
        let json = |body: &str| -> Value { serde_json::from_str(body).unwrap() };
        assert_eq!(
            c.api("/api/v1/provider/requests", &dpo_f).await.status,
            StatusCode::UNAUTHORIZED
        );
        let inbox = json(
            &c.api("/api/v1/provider/requests?due=all", &provider)
                .await
                .body,
        );
        assert_eq!(inbox["total"], 1, "{inbox}");
        let id = inbox["items"][0]["id"].as_i64().unwrap();
        let forward = format!("/api/v1/provider/requests/{id}/forward");
        let r = c
            .api_json("POST", &forward, &provider, &json!({"client": "hebergeur"}))
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "not to itself: {}",
            r.body
        );
        let r = c
            .api_json(
                "POST",
                &forward,
                &provider,
                &json!({"client": "nulle-part"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = c
            .api_json("POST", &forward, &provider, &json!({"client": "commune-f"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let done = json(&r.body);
        assert_eq!(done["told"], 1, "{done}");
        assert_eq!(done["copy"]["status"], "received");
        // The client sees its copy, with what the provider received.
        let theirs = json(&c.api("/api/v1/requests?due=all", &dpo_f).await.body);
        assert_eq!(theirs["total"], 1, "{theirs}");
        assert_eq!(theirs["items"][0]["id"], done["copy"]["id"]);
        assert_eq!(theirs["items"][0]["subject_name"], "Awa Diallo");
        assert_eq!(theirs["items"][0]["due_on"], done["copy"]["due_on"]);
        let r = c
            .api_json("POST", &forward, &provider, &json!({"client": "commune-f"}))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "forwarded once: {}", r.body);
    }
);
