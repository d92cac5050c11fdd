//! What the pages do, through the API (issue 20): rights requests
//! (C11–C16), connected systems and their scans (C27, C39), sub-processor
//! notices (C09, C10) — the pages' permissions, their refusals as JSON,
//! long work as a job to poll, and nothing of another tenant's.

use axum::http::StatusCode;
use jiff::Timestamp;
use serde_json::{Value, json};
use vigie_connect::{Dialect, fixture};
use vigie_domain::role::Role;

use crate::{
    both,
    support::{Browser, TestApp, extract, test_vault},
};

/// A token of `role` for `tenant`, minted by its DPO `dpo`.
pub(crate) async fn minted(app: &TestApp, dpo: &str, tenant: &str, role: &str) -> String {
    let mut c = app.signed_in(dpo).await;
    let r = c
        .post(
            &format!("/t/{tenant}/tokens"),
            &[("name", "guichet"), ("role", role), ("days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    extract(
        &r.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap()
}

/// The actions of the trail records `path` lists, newest first.
pub(crate) async fn trail_actions(c: &mut Browser, path: &str, token: &str) -> Vec<String> {
    json_of(&c.api(path, token).await.body)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// Commune A (a DPO, an agent), commune B (a DPO) and a connected-to-be
/// application database named after `label`: commune A and its URL.
pub(crate) async fn two_communes_and_an_application(
    app: &TestApp,
    label: &str,
) -> (vigie_store::Tenant, String) {
    let a = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    let b = app.tenant("commune-b").await;
    app.person("dpo@commune-b.fr", &[(&b, &[Role::Dpo])]).await;
    let db = format!(
        "vigie_api_{label}_{}_{}",
        std::process::id(),
        app.store.backend()
    );
    let url = fixture::create_database(Dialect::Sqlite, &db)
        .await
        .unwrap();
    fixture::install(&url, 6).await.unwrap();
    (a, url)
}

both!(c11_c16_rights_requests_through_the_api, |app| {
    // A connected application holding the person.
    let (a, url) = two_communes_and_an_application(&app, "rights").await;
    app.person("audit@commune-a.fr", &[(&a, &[Role::Auditor])])
        .await;
    let agent = minted(&app, "dpo@commune-a.fr", "commune-a", "agent").await;
    let auditor = minted(&app, "dpo@commune-a.fr", "commune-a", "auditor").await;
    let other = minted(&app, "dpo@commune-b.fr", "commune-b", "dpo").await;
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
    let p = fixture::person(4);
    let today = vigie_domain::time::legal_date(Timestamp::now()).to_string();

    let mut c = app.browser();
    // Recorded from a letter (C11): refusals name their field.
    let letter = json!({"kind": "access", "intake": "letter", "received_on": today,
        "name": "Éloïse Dupré", "email": p.email});
    let mut future = letter.clone();
    future["received_on"] = "2999-01-01".into();
    let r = c
        .api_json("POST", "/api/v1/requests", &agent, &future)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("received_on"), "{}", r.body);
    let mut typo = letter.clone();
    typo["nom"] = "Dupré".into();
    let r = c.api_json("POST", "/api/v1/requests", &agent, &typo).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("nom: not a field"), "{}", r.body);
    let r = c
        .api_json("POST", "/api/v1/requests", &auditor, &letter)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "an auditor reads only");
    let r = c
        .api_json("POST", "/api/v1/requests", &agent, &letter)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = json_of(&r.body);
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["status"], "received");
    assert_eq!(v["intake"], "letter");
    assert!(v["due_on"].is_string(), "the month runs: {v}");
    assert_eq!(v["identities"][0]["value"], p.email.as_str());
    assert_eq!(v["identities"][0]["proven"], false);
    assert_eq!(v["events"][0]["step"], "received");
    let base = format!("/api/v1/requests/{id}");

    // The list, as the page's filters; the auditor reads it.
    let list = json_of(&c.api("/api/v1/requests?due=all", &auditor).await.body);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["reference"], v["reference"]);
    let r = c.api("/api/v1/requests?due=someday", &auditor).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Not before the identity is checked (C12): the state refuses, 409.
    let r = c
        .api_json("POST", &format!("{base}/approve"), &agent, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = c
        .api_json(
            "POST",
            &format!("{base}/verify"),
            &agent,
            &json!({"method": "document_seen", "proven": [7]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("proven: no identifier 7"), "{}", r.body);
    let r = c
        .api_json(
            "POST",
            &format!("{base}/verify"),
            &agent,
            &json!({"method": "document_seen", "proven": [0]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json_of(&r.body);
    assert_eq!(v["status"], "verified");
    assert_eq!(v["identities"][0]["proven_by"], "document_seen");

    // What the system holds, nothing changed; then the execution, a job.
    let r = c
        .api_json("POST", &format!("{base}/preview"), &agent, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let preview = json_of(&r.body);
    assert_eq!(preview[0]["system"], "Mes demandes");
    let contacts = preview[0]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "contacts")
        .unwrap_or_else(|| panic!("{preview}"));
    assert_eq!(contacts["found"], 1);
    let r = c
        .api_json("POST", &format!("{base}/approve"), &agent, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let v = json_of(&r.body);
    assert_eq!(v["status"], "executing");
    assert_eq!(v["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(v["tasks"][0]["state"], "queued");
    // Answering while the job runs is refused by the request's state.
    let r = c
        .api_json(
            "POST",
            &format!("{base}/answer"),
            &agent,
            &json!({"answer": "Voici vos données."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = c.api(&format!("{base}/letter.pdf"), &agent).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no answer yet: {}", r.body);
    let vault = test_vault();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    let task = v["tasks"][0]["id"].as_i64().unwrap();
    vigie_service::rights::run_task(ctx, task, Timestamp::now())
        .await
        .unwrap();
    let polled = json_of(&c.api(&base, &agent).await.body);
    assert_eq!(polled["tasks"][0]["state"], "done", "{polled}");
    assert!(polled["tasks"][0]["found"].as_i64().unwrap() >= 1);
    let r = c
        .api_json(
            "POST",
            &format!("{base}/answer"),
            &agent,
            &json!({"answer": "Voici vos données."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r.body)["status"], "answered");
    // The request's documents, as the page gives them to agents.
    let letter_pdf = c.api(&format!("{base}/letter.pdf"), &agent).await;
    assert_eq!(letter_pdf.status, StatusCode::OK);
    assert!(letter_pdf.bytes.starts_with(b"%PDF"));
    let files = json_of(&c.api(&format!("{base}/export"), &agent).await.body);
    let names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.ends_with(".json")), "{files}");
    let json_file = names.iter().find(|n| n.ends_with(".json")).unwrap();
    let exported = c.api(&format!("{base}/export/{json_file}"), &agent).await;
    assert_eq!(exported.status, StatusCode::OK);
    assert!(exported.body.contains("contacts"), "{}", exported.body);
    assert_eq!(
        c.api(&format!("{base}/export/nothing.csv"), &agent)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.api(&format!("{base}/export"), &auditor).await.status,
        StatusCode::FORBIDDEN,
        "agents only"
    );
    assert_eq!(
        json_of(&c.api(&format!("{base}/attachments"), &agent).await.body),
        json!([])
    );
    assert_eq!(
        c.api(&format!("{base}/attachments/1"), &agent).await.status,
        StatusCode::NOT_FOUND
    );
    let r = c
        .api_json("POST", &format!("{base}/close"), &agent, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let closed = json_of(&r.body);
    assert_eq!(closed["status"], "closed");
    let steps: Vec<&str> = closed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    for step in ["received", "verified", "approved", "answered", "closed"] {
        assert!(steps.contains(&step), "{step}: {steps:?}");
    }
    let r = c
        .api_json("POST", &format!("{base}/close"), &agent, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "closed once");

    // An erasure is approved only with the preview read; refused here.
    let mut erasure = letter.clone();
    erasure["kind"] = "erasure".into();
    let e = json_of(
        &c.api_json("POST", "/api/v1/requests", &agent, &erasure)
            .await
            .body,
    );
    let ebase = format!("/api/v1/requests/{}", e["id"]);
    let r = c
        .api_json(
            "POST",
            &format!("{ebase}/verify"),
            &agent,
            &json!({"method": "in_person", "proven": [0]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = c
        .api_json("POST", &format!("{ebase}/approve"), &agent, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("confirm_erasure"), "{}", r.body);
    let r = c
        .api_json(
            "POST",
            &format!("{ebase}/extend"),
            &agent,
            &json!({"reason": "Plusieurs applications à vérifier."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r.body)["extended"], true);
    let r = c
        .api_json(
            "POST",
            &format!("{ebase}/ask"),
            &agent,
            &json!({"message": "Quel compte ?"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = c
        .api_json(
            "POST",
            &format!("{ebase}/refuse"),
            &agent,
            &json!({"reason": "Obligation légale de conservation."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r.body)["status"], "refused");

    // The timeline for a spreadsheet: every step, formulas defused.
    let csv = c.api(&format!("{base}/timeline.csv"), &auditor).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("reference;at_utc;actor;step") && csv.body.contains(";closed;"),
        "{}",
        csv.body
    );

    // Another tenant's token sees none of it; the auditor changes nothing.
    assert_eq!(c.api(&base, &other).await.status, StatusCode::NOT_FOUND);
    for doc in ["timeline.csv", "letter.pdf", "export", "attachments"] {
        let r = c.api(&format!("{base}/{doc}"), &other).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{doc}");
    }
    let r = c
        .api_json("POST", &format!("{ebase}/close"), &other, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(&c.api("/api/v1/requests?due=all", &other).await.body)["total"],
        0
    );
    let r = c
        .api_json("POST", &format!("{ebase}/close"), &auditor, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Each step is in the trail, as the token.
    let dpo_token = minted(&app, "dpo@commune-a.fr", "commune-a", "dpo").await;
    let actions = trail_actions(
        &mut c,
        "/api/v1/trail?action=api.rights.&page_size=100",
        &dpo_token,
    )
    .await;
    for a in [
        "api.rights.record",
        "api.rights.verify",
        "api.rights.approve",
        "api.rights.answer",
        "api.rights.refuse",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
});

both!(c27_c39_connected_systems_and_scans_through_the_api, |app| {
    let (a, url) = two_communes_and_an_application(&app, "systems").await;
    let dpo = minted(&app, "dpo@commune-a.fr", "commune-a", "dpo").await;
    let agent = minted(&app, "dpo@commune-a.fr", "commune-a", "agent").await;
    let other = minted(&app, "dpo@commune-b.fr", "commune-b", "dpo").await;
    let mut c = app.browser();
    let body = json!({"name": "Mes demandes", "url": url, "dataset": fixture::DATASET});

    // Only the DPO connects a system (C27); Vigie's own database is refused
    // through the API as through the page, nothing stored.
    let r = c.api_json("POST", "/api/v1/systems", &agent, &body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut own = body.clone();
    own["url"] = app.own_url.clone().into();
    let r = c.api_json("POST", "/api/v1/systems", &dpo, &own).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("url"), "{}", r.body);
    assert!(!r.body.contains(&app.own_url), "the URL is not echoed");
    let mut unfit = body.clone();
    unfit["dataset"] = fixture::DATASET
        .replace("name = \"tel_mobile\"", "name = \"portable\"")
        .into();
    let r = c.api_json("POST", "/api/v1/systems", &dpo, &unfit).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("contacts.portable"), "{}", r.body);
    let listed = json_of(&c.api("/api/v1/systems", &agent).await.body);
    assert_eq!(listed["total"], 0, "nothing stored");

    let r = c.api_json("POST", "/api/v1/systems", &dpo, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = json_of(&r.body);
    let id = s["id"].as_i64().unwrap();
    assert!(
        s.get("url").is_none() && !r.body.contains(&url),
        "the URL never comes back: {s}"
    );
    assert!(s["checked_at"].is_string(), "{s}");
    let read = json_of(&c.api(&format!("/api/v1/systems/{id}"), &agent).await.body);
    assert_eq!(read["name"], "Mes demandes");
    // A new name, the URL kept when left empty.
    let r = c
        .api_json(
            "PUT",
            &format!("/api/v1/systems/{id}"),
            &dpo,
            &json!({"name": "Mes demandes (v2)", "dataset": fixture::DATASET}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r.body)["url_hint"], s["url_hint"]);

    // A scan is a job: queued (202), run by the worker, then its report.
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/systems/{id}/scans"),
            &agent,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let scan = json_of(&r.body);
    assert_eq!(scan["state"], "queued");
    let scan_id = scan["id"].as_i64().unwrap();
    let vault = test_vault();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    let scope = vigie_domain::scope::TenantScope::of_provider(a.id);
    vigie_service::discovery::run(ctx, &scope, scan_id, Timestamp::now())
        .await
        .unwrap();
    let path = format!("/api/v1/systems/{id}/scans/{scan_id}");
    let done = json_of(&c.api(&path, &agent).await.body);
    assert_eq!(done["state"], "done", "{done}");
    let findings = done["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["kind"] == "email" && f["table"] == "contacts"),
        "{done}"
    );
    assert!(
        findings
            .iter()
            .all(|f| !f["example"].as_str().unwrap().contains("@exemple")),
        "examples are masked: {done}"
    );
    let all = json_of(
        &c.api(&format!("/api/v1/systems/{id}/scans"), &agent)
            .await
            .body,
    );
    assert_eq!(all[0]["id"], scan_id);

    // Another tenant's token reaches none of it.
    for p in [
        format!("/api/v1/systems/{id}"),
        format!("/api/v1/systems/{id}/scans"),
        path.clone(),
    ] {
        assert_eq!(c.api(&p, &other).await.status, StatusCode::NOT_FOUND, "{p}");
    }
    for (method, p, body) in [
        ("PUT", format!("/api/v1/systems/{id}"), body.clone()),
        ("POST", format!("/api/v1/systems/{id}/scans"), json!({})),
        (
            "POST",
            format!("/api/v1/systems/{id}/accept"),
            json!({"table": "contacts", "column": "x", "category": "identity"}),
        ),
    ] {
        let r = c.api_json(method, &p, &other, &body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {p}");
    }
    assert_eq!(
        json_of(&c.api("/api/v1/systems", &other).await.body)["total"],
        0
    );
});

both!(c09_c10_sub_processor_notices_through_the_api, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("syndicat-b").await;
    let c_ = app.tenant("ccas-c").await;
    app.account("admin@hebergeur.fr", true, &[]).await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    app.person("dpo@syndicat-b.fr", &[(&b, &[Role::Dpo])]).await;
    app.person("dpo@ccas-c.fr", &[(&c_, &[Role::Dpo])]).await;
    let mut admin = app.signed_in("admin@hebergeur.fr").await;
    let created = admin
        .post(
            "/admin/sous-traitants",
            &[
                ("name", "Scaleway"),
                ("purpose", "Hébergement"),
                ("sites", "Paris DC3 ; FR"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = created.location().split('?').next().unwrap().to_owned();
    let notified = admin
        .post(
            &format!("{page}/notifier"),
            &[
                ("tenant", "commune-a"),
                ("tenant", "syndicat-b"),
                ("kind", "added"),
                ("activities", "Hébergement de l'état civil"),
            ],
        )
        .await;
    assert_eq!(notified.status, StatusCode::SEE_OTHER, "{}", notified.body);
    let ta = minted(&app, "dpo@commune-a.fr", "commune-a", "dpo").await;
    let tb = minted(&app, "dpo@syndicat-b.fr", "syndicat-b", "dpo").await;
    let tc = minted(&app, "dpo@ccas-c.fr", "ccas-c", "dpo").await;
    let audit_a = {
        app.person("audit@commune-a.fr", &[(&a, &[Role::Auditor])])
            .await;
        minted(&app, "dpo@commune-a.fr", "commune-a", "auditor").await
    };
    let mut c = app.browser();

    // C10: each tenant reads its own, self-service.
    let sps = json_of(&c.api("/api/v1/subprocessors", &ta).await.body);
    assert_eq!(sps[0]["name"], "Scaleway");
    assert_eq!(sps[0]["sites"][0]["country"], "FR");
    assert_eq!(
        json_of(&c.api("/api/v1/subprocessors/notices", &tc).await.body),
        json!([]),
        "C was not told"
    );
    let notices = json_of(&c.api("/api/v1/subprocessors/notices", &ta).await.body);
    assert_eq!(notices[0]["state"], "open");
    assert_eq!(notices[0]["kind"], "added");
    let n = notices[0]["notice"].as_i64().unwrap();
    let objection = format!("/api/v1/subprocessors/notices/{n}/objection");
    let acceptance = format!("/api/v1/subprocessors/notices/{n}/acceptance");

    // C09: an objection states its reason; the auditor does not answer; C
    // (not told) cannot answer A's or B's notice.
    let r = c
        .api_json("POST", &objection, &ta, &json!({"reason": "  "}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .api_json("POST", &objection, &audit_a, &json!({"reason": "Non."}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c.api_json("POST", &acceptance, &tc, &json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = c
        .api_json(
            "POST",
            &objection,
            &ta,
            &json!({"reason": "Nous exigeons un hébergement HDS"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = json_of(&r.body);
    assert_eq!(
        (v["state"].as_str(), v["reason"].as_str()),
        (Some("objected"), Some("Nous exigeons un hébergement HDS"))
    );
    // Answered once: a second answer is refused by the window's state.
    let r = c.api_json("POST", &acceptance, &ta, &json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // B accepts; A's objection is untouched.
    let r = c.api_json("POST", &acceptance, &tb, &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r.body)["state"], "accepted");
    let again = json_of(&c.api("/api/v1/subprocessors/notices", &ta).await.body);
    assert_eq!(again[0]["state"], "objected");
});

both!(c25_c26_people_and_roles_through_the_api, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("commune-b").await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    // Only a DPO mints tokens; this one manages the people too.
    app.person("rh@commune-a.fr", &[(&a, &[Role::Dpo, Role::UserManager])])
        .await;
    let shared = app
        .person(
            "partage@exemple.fr",
            &[(&a, &[Role::Agent]), (&b, &[Role::Agent])],
        )
        .await;
    app.person("dpo@commune-b.fr", &[(&b, &[Role::Dpo, Role::UserManager])])
        .await;
    let manager = minted(&app, "rh@commune-a.fr", "commune-a", "user_manager").await;
    let dpo = minted(&app, "dpo@commune-a.fr", "commune-a", "dpo").await;
    let other = minted(&app, "dpo@commune-b.fr", "commune-b", "user_manager").await;
    let mut c = app.browser();
    let person =
        json!({"email": "nouvelle@commune-a.fr", "name": "Nina Nouvelle", "roles": ["agent"]});

    // Only a user manager adds people (the DPO token is refused).
    let r = c.api_json("POST", "/api/v1/members", &dpo, &person).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut bad = person.clone();
    bad["roles"] = json!(["roi"]);
    let r = c.api_json("POST", "/api/v1/members", &manager, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("roles[0]: unknown variant `roi`"),
        "{}",
        r.body
    );
    let r = c
        .api_json("POST", "/api/v1/members", &manager, &person)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let added = json_of(&r.body);
    assert_eq!(added["outcome"], "created");
    assert_eq!(added["member"]["roles"], json!(["agent"]));
    let id = added["member"]["id"].as_i64().unwrap();
    let mail = app
        .store
        .list_messages("nouvelle@commune-a.fr", vigie_domain::page::Page::default())
        .await
        .unwrap();
    assert_eq!(mail.total, 1, "a link to choose a password");
    // An account of another tenant is only invited: its name not shown.
    let r = c
        .api_json(
            "POST",
            "/api/v1/members",
            &manager,
            &json!({"email": "dpo@commune-b.fr", "name": "X", "roles": ["auditor"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        json_of(&r.body),
        json!({"outcome": "invited", "member": null})
    );
    let r = c
        .api_json("POST", "/api/v1/members", &manager, &person)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(json_of(&r.body)["outcome"], "already_member");

    // The invitation waits, listed to this tenant's user managers only;
    // withdrawn, it is gone.
    let waiting = json_of(&c.api("/api/v1/invitations", &manager).await.body);
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting[0]["email"], "dpo@commune-b.fr");
    assert_eq!(waiting[0]["roles"], json!(["auditor"]));
    let invitation = waiting[0]["id"].as_i64().unwrap();
    assert_eq!(
        c.api("/api/v1/invitations", &dpo).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        json_of(&c.api("/api/v1/invitations", &other).await.body),
        json!([])
    );
    let gone = format!("/api/v1/invitations/{invitation}");
    let r = c.api_json("DELETE", &gone, &other, &json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.api_json("DELETE", &gone, &manager, &json!({})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        json_of(&c.api("/api/v1/invitations", &manager).await.body),
        json!([])
    );

    // A new password link, mailed as from the page; not for another tenant.
    let reset = format!("/api/v1/members/{id}/password-reset");
    let r = c.api_json("POST", &reset, &other, &json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.api_json("POST", &reset, &manager, &json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let mail = app
        .store
        .list_messages("nouvelle@commune-a.fr", vigie_domain::page::Page::default())
        .await
        .unwrap();
    assert_eq!(mail.total, 2, "the welcome link, then the reset link");

    // Roles: replaced; never one's own.
    let r = c
        .api_json(
            "PUT",
            &format!("/api/v1/members/{id}/roles"),
            &manager,
            &json!({"roles": ["agent", "auditor"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r.body)["roles"], json!(["agent", "auditor"]));
    let me = json_of(&c.api("/api/v1/members?q=rh@", &manager).await.body)["items"][0]["id"]
        .as_i64()
        .unwrap();
    let r = c
        .api_json(
            "PUT",
            &format!("/api/v1/members/{me}/roles"),
            &manager,
            &json!({"roles": ["dpo"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Nor removed or disabled through its own token (C26): the tenant's
    // manager would lock it out, the script would stop mid-run.
    for (method, path) in [
        ("DELETE", format!("/api/v1/members/{me}")),
        ("POST", format!("/api/v1/members/{me}/disable")),
    ] {
        let r = c.api_json(method, &path, &manager, &json!({})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{path}: {}", r.body);
    }
    assert_eq!(
        c.api("/api/v1/me", &manager).await.status,
        StatusCode::OK,
        "the token still works"
    );

    // Disabled only when the account is this tenant's alone.
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/members/{}/disable", shared.id),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/members/{id}/disable"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(json_of(&r.body)["disabled"], true);
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/members/{id}/enable"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(json_of(&r.body)["disabled"], false);

    // Another tenant's token reaches none of A's people.
    for (method, path) in [
        ("PUT", format!("/api/v1/members/{id}/roles")),
        ("POST", format!("/api/v1/members/{id}/disable")),
        ("DELETE", format!("/api/v1/members/{id}")),
    ] {
        let r = c
            .api_json(method, &path, &other, &json!({"roles": ["dpo"]}))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    // Removed: no longer a member here, the account kept.
    let r = c
        .api_json(
            "DELETE",
            &format!("/api/v1/members/{id}"),
            &manager,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        c.api(&format!("/api/v1/members/{id}"), &manager)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});
