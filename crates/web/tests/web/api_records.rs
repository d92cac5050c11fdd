//! More of the pages through the API (issue 20): tokens (C25), a client's
//! audits and instructions (C40, C41), the register's versions, history
//! and documents (C04, C06) — each with the pages' permissions and nothing
//! of another tenant's.

use axum::http::StatusCode;
use jiff::{Timestamp, ToSpan};
use serde_json::json;
use vigie_domain::role::Role;

use crate::{
    api_parity::{json_of, minted, trail_actions},
    both,
    support::TestApp,
};

/// Commune A (a DPO and an agent) and commune B (a DPO): the DPO's and the
/// agent's tokens of A, and B's DPO's.
pub(crate) async fn two_communes(app: &TestApp) -> (String, String, String) {
    let a = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    let b = app.tenant("commune-b").await;
    app.person("dpo@commune-b.fr", &[(&b, &[Role::Dpo])]).await;
    (
        minted(app, "dpo@commune-a.fr", "commune-a", "dpo").await,
        minted(app, "dpo@commune-a.fr", "commune-a", "agent").await,
        minted(app, "dpo@commune-b.fr", "commune-b", "dpo").await,
    )
}

both!(c25_tokens_through_the_api, |app| {
    let (dpo, agent, other) = two_communes(&app).await;
    let mut c = app.browser();
    let body = json!({"name": "  export nocturne ", "role": "auditor", "days": 30});
    assert_eq!(
        c.api_json("POST", "/api/v1/tokens", &agent, &body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    for bad in [
        json!({"name": "x", "role": "auditor", "days": 0}),
        json!({"name": "x".repeat(101), "role": "auditor", "days": 3}),
    ] {
        let r = c.api_json("POST", "/api/v1/tokens", &dpo, &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    let r = c.api_json("POST", "/api/v1/tokens", &dpo, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let made = json_of(&r.body);
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert_eq!(made["token"]["name"], "export nocturne");
    assert_eq!(made["token"]["role"], "auditor");
    let id = made["token"]["id"].as_i64().unwrap();
    // It works, with its role only, and is listed without its secret.
    assert_eq!(
        json_of(&c.api("/api/v1/me", &secret).await.body)["role"],
        "auditor"
    );
    assert_eq!(
        c.api("/api/v1/tokens", &secret).await.status,
        StatusCode::FORBIDDEN
    );
    let listed = c.api("/api/v1/tokens", &dpo).await;
    assert_eq!(json_of(&listed.body)["total"], 3, "{}", listed.body);
    assert!(!listed.body.contains(&secret));
    // Another tenant neither sees nor revokes it.
    assert_eq!(
        json_of(&c.api("/api/v1/tokens", &other).await.body)["total"],
        1
    );
    let r = c
        .api_json(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            &other,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(c.api("/api/v1/me", &secret).await.status, StatusCode::OK);
    // Revoked: it stops at once.
    let r = c
        .api_json("DELETE", &format!("/api/v1/tokens/{id}"), &dpo, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        c.api("/api/v1/me", &secret).await.status,
        StatusCode::UNAUTHORIZED
    );
    let trail = json_of(&c.api("/api/v1/trail?action=api.tokens", &dpo).await.body);
    assert!(trail["total"].as_i64().unwrap() >= 3, "{trail}");
});

both!(c40_c41_audits_and_instructions_through_the_api, |app| {
    let (dpo, agent, other) = two_communes(&app).await;
    let mut c = app.browser();
    let today = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .date();
    let soon = today.checked_add(10.days()).unwrap();
    let later = today.checked_add(45.days()).unwrap();
    let audit = |on: jiff::civil::Date| json!({"planned_on": on.to_string(), "scope": "Hébergement du portail", "auditor": "Cabinet Audit"});
    // A month's notice (C40): refused sooner, naming the field.
    let r = c
        .api_json("POST", "/api/v1/audits", &dpo, &audit(soon))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("planned_on"), "{}", r.body);
    let r = c
        .api_json("POST", "/api/v1/audits", &dpo, &audit(later))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // At most one a year unless an authority requires it.
    let r = c
        .api_json(
            "POST",
            "/api/v1/audits",
            &dpo,
            &audit(later.checked_add(30.days()).unwrap()),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let mut required = audit(later.checked_add(30.days()).unwrap());
    required["authority_required"] = true.into();
    required["authority"] = "CNIL".into();
    let r = c.api_json("POST", "/api/v1/audits", &dpo, &required).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Every member reads them; another tenant none.
    let listed = json_of(&c.api("/api/v1/audits?page_size=1", &agent).await.body);
    assert_eq!(
        (
            listed["total"].as_i64(),
            listed["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    assert_eq!(
        listed["items"][0]["planned_on"],
        later.checked_add(30.days()).unwrap().to_string(),
        "latest planned first"
    );
    assert_eq!(
        json_of(&c.api("/api/v1/audits?q=cnil", &agent).await.body)["total"],
        0
    );
    assert_eq!(
        json_of(&c.api("/api/v1/audits?q=portail", &agent).await.body)["total"],
        2
    );
    assert_eq!(
        json_of(&c.api("/api/v1/audits", &other).await.body)["total"],
        0
    );

    // An instruction (C41): not dated in the future; an auditor may not write.
    let instruction = |on: jiff::civil::Date| json!({"given_on": on.to_string(), "given_by": "Le maire", "purpose": "Relances", "operation": "Envoyer les relances de facturation"});
    let r = c
        .api_json("POST", "/api/v1/instructions", &dpo, &instruction(soon))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let auditor = minted(&app, "dpo@commune-a.fr", "commune-a", "auditor").await;
    let r = c
        .api_json(
            "POST",
            "/api/v1/instructions",
            &auditor,
            &instruction(today),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "an auditor reads only");
    let r = c
        .api_json("POST", "/api/v1/instructions", &dpo, &instruction(today))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json_of(&r.body)["flagged_unlawful"], false);
    let listed = json_of(&c.api("/api/v1/instructions?q=relances", &agent).await.body);
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(
        json_of(&c.api("/api/v1/instructions", &other).await.body)["total"],
        0
    );
});

both!(
    c04_c06_register_versions_history_and_documents_through_the_api,
    |app| {
        let (dpo, agent, other) = two_communes(&app).await;
        let mut c = app.browser();
        let activity = json!({"name": "Cantine scolaire", "purposes": "Inscriptions", "legal_bases": ["public_task"]});
        let r = c
            .api_json(
                "POST",
                "/api/v1/register",
                &dpo,
                &json!({"activity": activity}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = json_of(&r.body)["id"].as_i64().unwrap();
        let mut changed = activity.clone();
        changed["purposes"] = "Inscriptions et facturation".into();
        let r = c
            .api_json(
                "PUT",
                &format!("/api/v1/register/{id}"),
                &dpo,
                &json!({"version": 1, "reason": "Facturation ajoutée", "activity": changed}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        let versions = json_of(
            &c.api(&format!("/api/v1/register/{id}/versions"), &agent)
                .await
                .body,
        );
        let versions = versions.as_array().unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0]["reason"], "Facturation ajoutée", "newest first");
        assert_eq!(versions[1]["activity_body"]["purposes"], "Inscriptions");
        let history = json_of(&c.api("/api/v1/register/history", &agent).await.body);
        assert_eq!(history["total"], 2);
        assert_eq!(history["items"][0]["version"], 2, "newest first");

        // The documents a person downloads, the same bytes.
        let csv = c.api("/api/v1/register/export?format=csv", &agent).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(
            csv.body.contains("Cantine scolaire")
                && csv.body.contains("Inscriptions et facturation"),
            "{}",
            csv.body
        );
        let en = c
            .api("/api/v1/register/export?format=csv&lang=en", &agent)
            .await;
        assert_ne!(
            en.body.lines().next(),
            csv.body.lines().next(),
            "headers in English"
        );
        let json_doc = json_of(
            &c.api("/api/v1/register/export?format=json", &agent)
                .await
                .body,
        );
        assert!(
            json_doc.to_string().contains("Cantine scolaire"),
            "{json_doc}"
        );
        let pdf = c.api("/api/v1/register/export", &agent).await;
        assert_eq!(pdf.headers["content-type"], "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF"));
        let odt = c
            .api(&format!("/api/v1/register/{id}/export?format=odt"), &agent)
            .await;
        assert_eq!(
            odt.headers["content-type"],
            "application/vnd.oasis.opendocument.text"
        );
        assert!(odt.bytes.starts_with(b"PK"));
        assert_eq!(
            c.api(&format!("/api/v1/register/{id}/export?format=csv"), &agent)
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        for bad in ["format=docx", "lang=de", "format=csv&lang=%C2%84"] {
            let r = c
                .api(&format!("/api/v1/register/export?{bad}"), &agent)
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        }

        // The DPO's annual report, as the page prints it.
        let report = c.api("/api/v1/report/2026?format=odt", &agent).await;
        assert_eq!(report.status, StatusCode::OK);
        assert!(report.bytes.starts_with(b"PK"));
        let report = c.api("/api/v1/report/2026", &agent).await;
        assert!(report.bytes.starts_with(b"%PDF"));
        assert_eq!(
            c.api("/api/v1/report/1999", &agent).await.status,
            StatusCode::BAD_REQUEST
        );

        // Another tenant's token reaches none of it.
        for p in [
            format!("/api/v1/register/{id}/versions"),
            format!("/api/v1/register/{id}/export"),
        ] {
            assert_eq!(c.api(&p, &other).await.status, StatusCode::NOT_FOUND, "{p}");
        }
        assert_eq!(
            json_of(&c.api("/api/v1/register/history", &other).await.body)["total"],
            0
        );
        let theirs = c.api("/api/v1/register/export?format=csv", &other).await;
        assert!(!theirs.body.contains("Cantine"), "{}", theirs.body);
    }
);

/// A provider token, made by a new platform administrator on the page.
pub(crate) async fn provider_token(app: &TestApp) -> String {
    app.account("admin@hebergeur.fr", true, &[]).await;
    provider_token_of(app, "admin@hebergeur.fr").await
}

/// A provider token, made on the page by the administrator `admin`.
pub(crate) async fn provider_token_of(app: &TestApp, admin: &str) -> String {
    let mut admin = app.signed_in(admin).await;
    let made = admin
        .post("/admin/jetons", &[("name", "outillage"), ("days", "30")])
        .await;
    assert_eq!(made.status, StatusCode::OK);
    crate::support::extract(
        &made.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap()
}

both!(
    c25_c28_the_providers_administration_through_the_api,
    |app| {
        let (dpo, _, _) = two_communes(&app).await;
        let provider = provider_token(&app).await;
        let mut c = app.browser();
        // A tenant's token opens none of it; the provider's opens no tenant's data.
        assert_eq!(
            c.api("/api/v1/provider/tenants", &dpo).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            c.api("/api/v1/members", &provider).await.status,
            StatusCode::UNAUTHORIZED
        );

        // Client organisations: listed, searched, created once per short name.
        let listed = json_of(
            &c.api("/api/v1/provider/tenants?q=commune", &provider)
                .await
                .body,
        );
        assert_eq!(listed["total"], 2, "{listed}");
        let body = json!({"slug": "syndicat-eaux", "name": "Syndicat des eaux"});
        let r = c
            .api_json("POST", "/api/v1/provider/tenants", &provider, &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(json_of(&r.body)["slug"], "syndicat-eaux");
        let r = c
            .api_json("POST", "/api/v1/provider/tenants", &provider, &body)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        for bad in [" syndicat", "Syndicat", "-x", "a"] {
            let r = c
                .api_json(
                    "POST",
                    "/api/v1/provider/tenants",
                    &provider,
                    &json!({"slug": bad, "name": "X"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", r.body);
        }

        // Accounts: an agent disabled stops at once, enabled again; the
        // token's own maker is not disabled through it.
        let accounts = json_of(
            &c.api("/api/v1/provider/accounts?q=agent@", &provider)
                .await
                .body,
        );
        assert_eq!(accounts["total"], 1, "{accounts}");
        let agent_id = accounts["items"][0]["id"].as_i64().unwrap();
        let r = c
            .api_json(
                "POST",
                &format!("/api/v1/provider/accounts/{agent_id}/disable"),
                &provider,
                &json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let again = json_of(
            &c.api("/api/v1/provider/accounts?q=agent@", &provider)
                .await
                .body,
        );
        assert_eq!(again["items"][0]["disabled"], true);
        let r = c
            .api_json(
                "POST",
                &format!("/api/v1/provider/accounts/{agent_id}/enable"),
                &provider,
                &json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let admin_id = json_of(
            &c.api("/api/v1/provider/accounts?q=admin@", &provider)
                .await
                .body,
        )["items"][0]["id"]
            .as_i64()
            .unwrap();
        let r = c
            .api_json(
                "POST",
                &format!("/api/v1/provider/accounts/{admin_id}/disable"),
                &provider,
                &json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = c
            .api_json(
                "POST",
                "/api/v1/provider/accounts/999999/disable",
                &provider,
                &json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Jobs and email: their state, never a body; the instance's trail.
        app.store
            .queue_message(
                &vigie_store::NewMessage {
                    tenant: None,
                    to: vigie_domain::account::Email::parse("agent@commune-a.fr").unwrap(),
                    subject: "Votre lien".into(),
                    body: "secret-du-corps".into(),
                },
                Timestamp::now(),
            )
            .await
            .unwrap();
        let jobs = c.api("/api/v1/provider/jobs", &provider).await;
        assert_eq!(jobs.status, StatusCode::OK);
        let outbox = json_of(&c.api("/api/v1/provider/outbox", &provider).await.body);
        assert_eq!(outbox["total"], 1, "{outbox}");
        assert_eq!(outbox["items"][0]["subject"], "Votre lien");
        assert!(
            !outbox.to_string().contains("secret-du-corps"),
            "never a body"
        );
        let actions = trail_actions(
            &mut c,
            "/api/v1/provider/trail?action=api.provider",
            &provider,
        )
        .await;
        for a in [
            "api.provider.tenant.create",
            "api.provider.account.disable",
            "api.provider.account.enable",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
        }
        // A checkpoint signed now is there for an outside witness to copy.
        let key = vigie_store::trail::TrailKey::generate().unwrap();
        vigie_store::trail::checkpoint(app.store.as_ref(), &key, Timestamp::now())
            .await
            .unwrap();
        let checkpoints = json_of(&c.api("/api/v1/provider/checkpoints", &provider).await.body);
        assert_eq!(checkpoints["total"], 1, "{checkpoints}");
        assert_eq!(checkpoints["items"][0]["public_key"], key.public_hex());
        let certificates = json_of(&c.api("/api/v1/provider/certificates", &provider).await.body);
        assert_eq!(certificates["total"], 0);
        let r = c
            .api("/api/v1/provider/trail?outcome=maybe", &provider)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
);

both!(c03_models_through_the_api, |app| {
    use crate::register::activity_fields;
    let model = app.tenant("modele-mes-demandes").await;
    app.account("admin@hebergeur.fr", true, &[(&model, &[Role::Dpo])])
        .await;
    let (dpo, agent, other) = two_communes(&app).await;
    let mut admin = app.signed_in("admin@hebergeur.fr").await;
    let publish = [
        ("product", "Mes demandes"),
        ("source", "modele-mes-demandes"),
    ];
    admin
        .post("/t/modele-mes-demandes/registre", &activity_fields(&[]))
        .await;
    admin.post("/admin/modeles", &publish).await;
    let mut c = app.browser();

    let models = json_of(&c.api("/api/v1/models?q=demandes", &agent).await.body);
    assert_eq!(models["total"], 1, "{models}");
    assert_eq!(models["items"][0]["imported"], 0);
    let id = models["items"][0]["id"].as_i64().unwrap();
    let auditor = minted(&app, "dpo@commune-a.fr", "commune-a", "auditor").await;
    let import = format!("/api/v1/models/{id}/import");
    assert_eq!(
        c.api_json("POST", &import, &auditor, &json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = c.api_json("POST", &import, &dpo, &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let n = json_of(&r.body)["imported"].as_i64().unwrap();
    assert!(n >= 1);
    // Once: imported again, nothing is added.
    let r = c.api_json("POST", &import, &dpo, &json!({})).await;
    assert_eq!(json_of(&r.body)["imported"], 0);
    let register = json_of(&c.api("/api/v1/register", &dpo).await.body);
    assert_eq!(register["total"], n, "{register}");
    assert_eq!(
        register["items"][0]["activity"]["controller"],
        "Organisation commune-a"
    );
    assert_eq!(
        json_of(&c.api("/api/v1/register", &other).await.body)["total"],
        0
    );

    // The model changes; the update shows field by field and is taken.
    let source = admin.get("/t/modele-mes-demandes/registre").await;
    let link =
        crate::support::extract(&source.body, "/t/modele-mes-demandes/registre/", "\"").unwrap();
    let changed: Vec<(&str, &str)> = activity_fields(&[("version", "1"), ("reason", "v2")])
        .into_iter()
        .map(|(k, v)| {
            if k == "purposes" {
                (k, "Réceptionner et archiver les candidatures")
            } else {
                (k, v)
            }
        })
        .collect();
    admin
        .post(&format!("/t/modele-mes-demandes/registre/{link}"), &changed)
        .await;
    // Published again, through the provider's API this time.
    let made = admin
        .post("/admin/jetons", &[("name", "outillage"), ("days", "30")])
        .await;
    let provider = crate::support::extract(
        &made.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap();
    let r = c
        .api_json(
            "POST",
            "/api/v1/provider/models",
            &provider,
            &json!({"product": "Mes demandes", "source": "nulle-part"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .api_json(
            "POST",
            "/api/v1/provider/models",
            &provider,
            &json!({"product": "Mes demandes", "source": "commune-b"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "an empty register is no model: {}",
        r.body
    );
    let r = c
        .api_json(
            "POST",
            "/api/v1/provider/models",
            &provider,
            &json!({"product": "Mes demandes", "source": "modele-mes-demandes"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json_of(&r.body)["version"], 2);
    let models = json_of(&c.api("/api/v1/models", &dpo).await.body);
    let update = &models["items"][0]["updates"][0];
    assert_eq!(
        (update["from"].as_i64(), update["to"].as_i64()),
        (Some(1), Some(2)),
        "{models}"
    );
    let change = update["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "purposes")
        .unwrap();
    assert_eq!(change["model"], "Réceptionner et archiver les candidatures");
    let activity = update["activity"].as_i64().unwrap();
    let take = format!("/api/v1/models/{id}/activities/{activity}/take");
    let r = c
        .api_json("POST", &take, &other, &json!({"fields": ["purposes"]}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "another tenant's activity");
    let r = c
        .api_json("POST", &take, &dpo, &json!({"fields": ["purposes"]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let taken = json_of(&r.body);
    assert_eq!(
        taken["activity"]["purposes"],
        "Réceptionner et archiver les candidatures"
    );
    assert_eq!(taken["version"], 2);
    let after = json_of(&c.api("/api/v1/models", &dpo).await.body);
    assert_eq!(
        after["items"][0]["updates"],
        json!([]),
        "it follows version 2 now"
    );
});

both!(
    c09_the_provider_tells_a_change_and_resolves_through_the_api,
    |app| {
        let (dpo, _, other) = two_communes(&app).await;
        let provider = provider_token(&app).await;
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
        let mut c = app.browser();
        let registry = json_of(
            &c.api("/api/v1/provider/subprocessors?q=scal", &provider)
                .await
                .body,
        );
        assert_eq!(registry["total"], 1, "{registry}");
        let sp = registry["items"][0]["id"].as_i64().unwrap();
        let notices = format!("/api/v1/provider/subprocessors/{sp}/notices");
        assert_eq!(
            c.api_json("POST", &notices, &dpo, &json!({})).await.status,
            StatusCode::UNAUTHORIZED,
            "a tenant's token tells nobody"
        );
        let body = json!({"kind": "added", "activities": "Hébergement de l'état civil", "tenants": ["commune-a"]});
        let mut unknown = body.clone();
        unknown["tenants"] = json!(["nulle-part"]);
        assert_eq!(
            c.api_json("POST", &notices, &provider, &unknown)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let mut replaced = body.clone();
        replaced["kind"] = "replaced".into();
        let r = c.api_json("POST", &notices, &provider, &replaced).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "who is replaced: {}",
            r.body
        );
        let r = c.api_json("POST", &notices, &provider, &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let notice = json_of(&r.body)["notice"].as_i64().unwrap();

        // Told to A only, with its window; B was not told.
        let told = json_of(&c.api("/api/v1/subprocessors/notices", &dpo).await.body);
        assert_eq!(told[0]["notice"], notice);
        assert_eq!(told[0]["state"], "open");
        assert_eq!(
            json_of(&c.api("/api/v1/subprocessors/notices", &other).await.body),
            json!([])
        );
        let resolution = format!("/api/v1/provider/notices/{notice}/resolutions");
        let answer = json!({"tenant": "commune-a", "resolution": "Données restées en France"});
        let r = c.api_json("POST", &resolution, &provider, &answer).await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "no objection yet: {}",
            r.body
        );
        let r = c
            .api_json(
                "POST",
                &format!("/api/v1/subprocessors/notices/{notice}/objection"),
                &dpo,
                &json!({"reason": "Pas de transfert hors de France"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = c.api_json("POST", &resolution, &provider, &answer).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let seen = json_of(&c.api("/api/v1/subprocessors/notices", &dpo).await.body);
        assert_eq!(seen[0]["state"], "resolved", "{seen}");
        let r = c.api_json("POST", &resolution, &provider, &answer).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "resolved once");
    }
);
