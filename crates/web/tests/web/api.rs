//! The JSON API: bearer tokens with a role and an expiry, JSON errors, and
//! the committed OpenAPI document.

use axum::http::StatusCode;
use vigie_domain::role::Role;

use crate::{
    both,
    support::{TestApp, extract},
};

async fn token(app: &TestApp, role: &str) -> String {
    let a = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    another_token(app, role).await
}

/// A token of `role` minted by commune-a's DPO (set up by `token`).
async fn another_token(app: &TestApp, role: &str) -> String {
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let r = dpo
        .post(
            "/t/commune-a/tokens",
            &[("name", "export nocturne"), ("role", role), ("days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("il ne sera plus jamais affiché"));
    extract(
        &r.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap()
}

both!(api_tokens_are_scoped_shown_once_and_revocable, |app| {
    let secret = token(&app, "auditor").await;
    assert!(secret.starts_with("vigie_"));
    let mut c = app.browser();
    let me = c.api("/api/v1/me", &secret).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let v: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!(
        (v["tenant"].as_str(), v["role"].as_str()),
        (Some("commune-a"), Some("auditor"))
    );
    let members: serde_json::Value =
        serde_json::from_str(&c.api("/api/v1/members?q=agent", &secret).await.body).unwrap();
    assert_eq!(members["total"], 1);
    assert_eq!(members["items"][0]["roles"][0], "agent");
    let trail = c.api("/api/v1/trail?action=api.", &secret).await;
    let trail: serde_json::Value = serde_json::from_str(&trail.body).unwrap();
    assert!(
        trail["total"].as_i64().unwrap() >= 2,
        "API reads are traced: {trail}"
    );
    // The listing never shows the secret again.
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let list = dpo.get("/t/commune-a/tokens").await;
    assert!(!list.body.contains(&secret));
    assert!(list.body.contains("export nocturne"));
    let stored = app
        .store
        .list_tokens(
            &vigie_domain::scope::TenantScope::from_verified_membership(
                app.store
                    .tenant_by_slug(&vigie_domain::tenant::TenantSlug::parse("commune-a").unwrap())
                    .await
                    .unwrap()
                    .id,
                None,
                vigie_domain::role::Roles::default(),
            ),
            vigie_domain::page::Page::default(),
        )
        .await
        .unwrap();
    let id = stored.items[0].id;
    let r = dpo
        .post(&format!("/t/commune-a/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c.api("/api/v1/me", &secret).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let e: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(e["code"], "unauthorized");
    assert!(e["message"].as_str().unwrap().contains("token"));
});

#[tokio::test]
async fn api_role_limits_and_errors_are_json() {
    let app = TestApp::sqlite().await;
    let agent_token = token(&app, "agent").await;
    let mut c = app.browser();
    let r = c.api("/api/v1/trail", &agent_token).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "an agent does not read the trail"
    );
    assert!(r.body.contains("\"code\":\"forbidden\""));
    let r = c.api("/api/v1/members/99999", &agent_token).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.api("/api/v1/nothing-here", &agent_token).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("\"code\":\"not_found\""));
    let r = c.api("/api/v1/me", "vigie_not-a-token").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers.get("www-authenticate").unwrap(), "Bearer");
    let r = c.get("/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let dpo_token = {
        let mut dpo = app.signed_in("dpo@commune-a.fr").await;
        let r = dpo
            .post(
                "/t/commune-a/tokens",
                &[("name", "t2"), ("role", "dpo"), ("days", "1")],
            )
            .await;
        extract(
            &r.body,
            "id=\"new-token\" type=\"text\" readonly value=\"",
            "\"",
        )
        .unwrap()
    };
    let r = c.api("/api/v1/trail?from=yesterday", &dpo_token).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("`from` must be an RFC 3339 instant"));
}

#[tokio::test]
async fn token_form_keeps_input_and_explains_errors() {
    let app = TestApp::sqlite().await;
    let a = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let r = dpo
        .post(
            "/t/commune-a/tokens",
            &[("name", "mon outil"), ("role", "agent"), ("days", "9999")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("entre 1 et 365"));
    assert!(r.body.contains("value=\"mon outil\"") && r.body.contains("value=\"9999\""));
    assert!(r.body.contains("<option value=\"agent\" selected>"));
}

#[tokio::test]
async fn openapi_document_matches_the_committed_one() {
    let app = TestApp::sqlite().await;
    let served = app.browser().get("/api/v1/openapi.json").await;
    assert_eq!(served.status, StatusCode::OK);
    let generated = vigie_web::api::openapi_json();
    assert_eq!(served.body, generated);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != generated && std::env::var("VIGIE_UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &generated).unwrap();
        return;
    }
    assert!(
        committed == generated,
        "docs/openapi.json differs from the API; run VIGIE_UPDATE_OPENAPI=1 cargo test -p vigie-web openapi and commit it"
    );
    // Every operation, named here: one documented or dropped without
    // being listed here fails (issue 20's quality bar).
    let expected: &[(&str, &str)] = &[
        ("GET", "/api/v1/audits"),
        ("POST", "/api/v1/audits"),
        ("GET", "/api/v1/consent/devices/{device}/proof"),
        ("GET", "/api/v1/consent/records"),
        ("POST", "/api/v1/consent/records"),
        ("GET", "/api/v1/consent/sites"),
        ("GET", "/api/v1/consent/sites/{id}/devices/{device}"),
        ("GET", "/api/v1/evidence"),
        ("POST", "/api/v1/evidence"),
        ("GET", "/api/v1/evidence/{id}"),
        ("DELETE", "/api/v1/evidence/{id}"),
        ("GET", "/api/v1/follow-ups"),
        ("POST", "/api/v1/follow-ups"),
        ("POST", "/api/v1/follow-ups/{id}/close"),
        ("GET", "/api/v1/incidents"),
        ("POST", "/api/v1/incidents"),
        ("GET", "/api/v1/incidents/{id}"),
        ("PUT", "/api/v1/incidents/{id}/facts"),
        ("POST", "/api/v1/incidents/{id}/phases"),
        ("GET", "/api/v1/instructions"),
        ("POST", "/api/v1/instructions"),
        ("GET", "/api/v1/invitations"),
        ("DELETE", "/api/v1/invitations/{id}"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/members"),
        ("POST", "/api/v1/members"),
        ("GET", "/api/v1/members/{id}"),
        ("DELETE", "/api/v1/members/{id}"),
        ("POST", "/api/v1/members/{id}/disable"),
        ("POST", "/api/v1/members/{id}/enable"),
        ("POST", "/api/v1/members/{id}/password-reset"),
        ("PUT", "/api/v1/members/{id}/roles"),
        ("GET", "/api/v1/models"),
        ("POST", "/api/v1/models/{id}/activities/{activity}/take"),
        ("POST", "/api/v1/models/{id}/import"),
        ("GET", "/api/v1/organisation"),
        ("PUT", "/api/v1/organisation"),
        ("GET", "/api/v1/provider/accounts"),
        ("POST", "/api/v1/provider/accounts/{id}/disable"),
        ("POST", "/api/v1/provider/accounts/{id}/enable"),
        ("GET", "/api/v1/provider/backups"),
        ("GET", "/api/v1/provider/certificates"),
        ("GET", "/api/v1/provider/checkpoints"),
        ("GET", "/api/v1/provider/jobs"),
        ("POST", "/api/v1/provider/models"),
        ("POST", "/api/v1/provider/notices/{notice}/resolutions"),
        ("GET", "/api/v1/provider/outbox"),
        ("GET", "/api/v1/provider/problems"),
        ("POST", "/api/v1/provider/problems"),
        ("GET", "/api/v1/provider/problems/{id}"),
        ("POST", "/api/v1/provider/problems/{id}/clients"),
        ("PUT", "/api/v1/provider/problems/{id}/facts"),
        ("POST", "/api/v1/provider/problems/{id}/notices"),
        ("POST", "/api/v1/provider/problems/{id}/updates"),
        ("GET", "/api/v1/provider/requests"),
        ("POST", "/api/v1/provider/requests/{id}/forward"),
        ("GET", "/api/v1/provider/subprocessors"),
        ("POST", "/api/v1/provider/subprocessors/{id}/notices"),
        ("GET", "/api/v1/provider/tenants"),
        ("POST", "/api/v1/provider/tenants"),
        ("GET", "/api/v1/provider/trail"),
        ("GET", "/api/v1/register"),
        ("POST", "/api/v1/register"),
        ("GET", "/api/v1/register/{id}"),
        ("PUT", "/api/v1/register/{id}"),
        ("GET", "/api/v1/register/{id}/dpia"),
        ("GET", "/api/v1/register/{id}/export"),
        ("GET", "/api/v1/register/{id}/versions"),
        ("GET", "/api/v1/register/export"),
        ("GET", "/api/v1/register/history"),
        ("PUT", "/api/v1/register/{id}/dpia"),
        ("GET", "/api/v1/register/{id}/dpia/export"),
        ("GET", "/api/v1/report/{year}"),
        ("GET", "/api/v1/requests"),
        ("POST", "/api/v1/requests"),
        ("GET", "/api/v1/requests/{id}"),
        ("POST", "/api/v1/requests/{id}/answer"),
        ("GET", "/api/v1/requests/{id}/attachments"),
        ("GET", "/api/v1/requests/{id}/attachments/{attachment}"),
        ("GET", "/api/v1/requests/{id}/export"),
        ("GET", "/api/v1/requests/{id}/export/{file}"),
        ("GET", "/api/v1/requests/{id}/letter.pdf"),
        ("GET", "/api/v1/requests/{id}/timeline.csv"),
        ("POST", "/api/v1/requests/{id}/approve"),
        ("POST", "/api/v1/requests/{id}/ask"),
        ("POST", "/api/v1/requests/{id}/close"),
        ("POST", "/api/v1/requests/{id}/extend"),
        ("POST", "/api/v1/requests/{id}/preview"),
        ("POST", "/api/v1/requests/{id}/refuse"),
        ("POST", "/api/v1/requests/{id}/retry"),
        ("POST", "/api/v1/requests/{id}/tasks/{task}/confirm"),
        ("POST", "/api/v1/requests/{id}/verify"),
        ("GET", "/api/v1/retention/preview"),
        ("GET", "/api/v1/retention/rules"),
        ("POST", "/api/v1/retention/rules"),
        ("DELETE", "/api/v1/retention/rules/{id}"),
        ("GET", "/api/v1/retention/runs"),
        ("POST", "/api/v1/retention/runs"),
        ("GET", "/api/v1/retention/runs/{id}"),
        ("POST", "/api/v1/suppression"),
        ("POST", "/api/v1/suppression/check"),
        ("GET", "/api/v1/suppression/export.csv"),
        ("GET", "/api/v1/subprocessors"),
        ("GET", "/api/v1/subprocessors/notices"),
        ("POST", "/api/v1/subprocessors/notices/{notice}/acceptance"),
        ("POST", "/api/v1/subprocessors/notices/{notice}/objection"),
        ("GET", "/api/v1/systems"),
        ("POST", "/api/v1/systems"),
        ("GET", "/api/v1/systems/{id}"),
        ("PUT", "/api/v1/systems/{id}"),
        ("POST", "/api/v1/systems/{id}/accept"),
        ("GET", "/api/v1/systems/{id}/copies"),
        ("POST", "/api/v1/systems/{id}/copies"),
        ("GET", "/api/v1/systems/{id}/copies/{copy}"),
        ("GET", "/api/v1/systems/{id}/scans"),
        ("POST", "/api/v1/systems/{id}/scans"),
        ("GET", "/api/v1/systems/{id}/scans/{scan}"),
        ("GET", "/api/v1/tokens"),
        ("POST", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/{id}"),
        ("GET", "/api/v1/trail"),
        ("GET", "/api/v1/webhooks"),
        ("POST", "/api/v1/webhooks"),
        ("GET", "/api/v1/webhooks/{id}"),
        ("DELETE", "/api/v1/webhooks/{id}"),
        ("GET", "/api/v1/webhooks/{id}/deliveries"),
        (
            "POST",
            "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver",
        ),
        ("POST", "/api/v1/webhooks/{id}/pause"),
        ("POST", "/api/v1/webhooks/{id}/ping"),
        ("POST", "/api/v1/webhooks/{id}/resume"),
        ("POST", "/api/v1/webhooks/{id}/rotate"),
        ("PUT", "/api/v1/incidents/{id}/inform"),
        ("POST", "/api/v1/incidents/{id}/close"),
        ("POST", "/api/v1/consent/sites"),
        ("POST", "/api/v1/consent/sites/{id}/notices"),
        ("GET", "/api/v1/systems/{id}/dataset-guide"),
        ("GET", "/api/v1/retention/runs/{id}/report.csv"),
        ("POST", "/api/v1/provider/subprocessors"),
        ("GET", "/api/v1/provider/subprocessors/{id}"),
        ("PUT", "/api/v1/provider/subprocessors/{id}"),
        ("POST", "/api/v1/provider/tenants/{slug}/grants"),
        ("GET", "/api/v1/provider/tenants/{slug}/notice-hours"),
        ("PUT", "/api/v1/provider/tenants/{slug}/notice-hours"),
        ("GET", "/api/v1/provider/tenants/{slug}/ending"),
        ("POST", "/api/v1/provider/tenants/{slug}/ending"),
        ("DELETE", "/api/v1/provider/tenants/{slug}/ending"),
        ("GET", "/api/v1/provider/tenants/{slug}/reversibility"),
        ("PUT", "/api/v1/provider/tenants/{slug}/audits/{id}/answer"),
        (
            "PUT",
            "/api/v1/provider/tenants/{slug}/instructions/{id}/flag",
        ),
        ("GET", "/api/v1/provider/certificates/{id}"),
        ("POST", "/api/v1/provider/accounts/{id}/password-reset"),
        ("GET", "/api/v1/provider/processor-register"),
        ("GET", "/api/v1/provider/databases"),
        ("POST", "/api/v1/provider/databases"),
        ("POST", "/api/v1/provider/databases/release"),
        ("GET", "/api/v1/provider/own-data/sweeps"),
        ("GET", "/api/v1/provider/own-data/sweeps/{id}/report"),
        ("GET", "/api/v1/provider/tokens"),
        ("POST", "/api/v1/provider/tokens"),
        ("DELETE", "/api/v1/provider/tokens/{id}"),
        ("POST", "/c/{key}/choix"),
        ("POST", "/c/{key}/opposition"),
    ];
    let v: serde_json::Value = serde_json::from_str(&generated).unwrap();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in v["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    let mut listed: Vec<(String, String)> = expected
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    documented.sort();
    listed.sort();
    assert_eq!(documented, listed, "the documented operations");
    // A path parameter is in the path (a query one documented "in path"
    // broke generated clients).
    for (path, item) in v["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap();
                    assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{path}: {name} is not in the path"
                    );
                }
            }
        }
    }
    // And each is routed: with no valid token, an API operation answers 401
    // (never 404 or 405); the public consent ones refuse the made-up site.
    let mut c = app.browser();
    for (method, path) in expected {
        let url = path
            .replace("{id}", "1")
            .replace("{task}", "1")
            .replace("{scan}", "1")
            .replace("{notice}", "1")
            .replace("{delivery}", "1")
            .replace("{attachment}", "1")
            .replace("{copy}", "1")
            .replace("{activity}", "1")
            .replace("{year}", "2026")
            .replace("{file}", "f.json")
            .replace("{device}", "d")
            .replace("{key}", "0000")
            .replace("{slug}", "commune-exemple");
        let r = c.api_json(method, &url, "", &serde_json::json!({})).await;
        assert!(
            !matches!(
                r.status,
                StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
            ) || path.starts_with("/c/"),
            "{method} {path}: {} {}",
            r.status,
            r.body
        );
        if path.starts_with("/api/") {
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path}: {}",
                r.body
            );
        }
    }
}

both!(c01_c04_the_register_through_the_api, |app| {
    let secret = token(&app, "agent").await;
    let mut c = app.browser();
    let activity = serde_json::json!({
        "name": "Cantine scolaire",
        "purposes": "Inscriptions et facturation de la cantine",
        "legal_bases": ["public_task"],
        "subject_categories": ["Parents", "Enfants"],
        "data_categories": ["etat_civil", "coordonnees", "sante"],
        "sensitive_condition": "health_care",
        "retentions": [{"data": "Dossiers", "duration": "1 an après la fin de l'année scolaire", "fate": "destruction"}]
    });
    let created = c
        .api_json(
            "POST",
            "/api/v1/register",
            &secret,
            &serde_json::json!({"status": "complete", "activity": activity}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let v: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    assert_eq!(
        (v["version"].as_i64(), v["sensitive_data"].as_bool()),
        (Some(1), Some(true))
    );
    let id = v["id"].as_i64().unwrap();

    let bad = c
        .api_json(
            "POST",
            "/api/v1/register",
            &secret,
            &serde_json::json!({"activity": {"name": "", "legal_bases": ["legitimate_interest"]}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("legitimate_interest"), "{}", bad.body);
    let checked = c
        .api_json(
            "POST",
            "/api/v1/register",
            &secret,
            &serde_json::json!({"status": "checked", "activity": activity}),
        )
        .await;
    assert_eq!(checked.status, StatusCode::BAD_REQUEST, "only a DPO checks");

    let mut changed = activity.clone();
    changed["purposes"] = "Inscriptions, facturation et allergies".into();
    let no_reason = c
        .api_json(
            "PUT",
            &format!("/api/v1/register/{id}"),
            &secret,
            &serde_json::json!({"version": 1, "activity": changed}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("reason"), "{}", no_reason.body);
    let blank_reason = c
        .api_json(
            "PUT",
            &format!("/api/v1/register/{id}"),
            &secret,
            &serde_json::json!({"version": 1, "reason": "  ", "activity": changed}),
        )
        .await;
    assert_eq!(blank_reason.status, StatusCode::BAD_REQUEST);
    assert!(
        blank_reason.body.contains("reason: say why"),
        "{}",
        blank_reason.body
    );
    // A misspelt field is refused by name, not dropped (issue 20).
    let typo = c
        .api_json(
            "PUT",
            &format!("/api/v1/register/{id}"),
            &secret,
            &serde_json::json!({"version": 1, "reason": "typo", "activity": changed, "statut": "draft"}),
        )
        .await;
    assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        typo.body.contains("\"code\":\"unknown_field\""),
        "{}",
        typo.body
    );
    assert!(typo.body.contains("statut: not a field"), "{}", typo.body);
    let saved = c
        .api_json(
            "PUT",
            &format!("/api/v1/register/{id}"),
            &secret,
            &serde_json::json!({"version": 1, "reason": "allergies", "status": "complete", "activity": changed}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let stale = c
        .api_json(
            "PUT",
            &format!("/api/v1/register/{id}"),
            &secret,
            &serde_json::json!({"version": 1, "reason": "ancienne copie", "activity": activity}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let list: serde_json::Value = serde_json::from_str(
        &c.api("/api/v1/register?q=cantine&sensitive=true", &secret)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["version"], 2);
    assert_eq!(
        list["items"][0]["activity"]["purposes"],
        "Inscriptions, facturation et allergies"
    );
    assert_eq!(
        c.api("/api/v1/register/999999", &secret).await.status,
        StatusCode::NOT_FOUND
    );
    // The organisation sheet (issue 17): none yet, a wrong SIREN named,
    // then saved and read back normalised.
    assert_eq!(
        c.api("/api/v1/organisation", &secret).await.status,
        StatusCode::NOT_FOUND
    );
    let sheet = |siren: &str| serde_json::json!({"legal_name": "Commune A", "siren": siren, "dpo_name": "Anne", "dpo_contact": "dpo@a.fr"});
    let bad = c
        .api_json("PUT", "/api/v1/organisation", &secret, &sheet("123456789"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("siren"), "{}", bad.body);
    let ok = c
        .api_json(
            "PUT",
            "/api/v1/organisation",
            &secret,
            &sheet("213 903 008"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let read: serde_json::Value =
        serde_json::from_str(&c.api("/api/v1/organisation", &secret).await.body).unwrap();
    assert_eq!(read["sheet"]["siren"], "213903008");
});

#[tokio::test]
async fn the_register_is_read_only_for_an_auditor_token() {
    let app = TestApp::sqlite().await;
    let secret = token(&app, "auditor").await;
    let mut c = app.browser();
    let r = c
        .api_json(
            "POST",
            "/api/v1/register",
            &secret,
            &serde_json::json!({"activity": {"name": "x"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        c.api("/api/v1/register", &secret).await.status,
        StatusCode::OK
    );
}

// Issue 12 (C26): a token never carries more than its creator holds — a
// DPO cannot mint a user manager's token — and stops when its creator is
// removed from the tenant or loses what the token allows.
both!(c26_a_token_never_carries_more_than_its_creator, |app| {
    let a = app.tenant("commune-a").await;
    let dpo_user = app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let above = dpo
        .post(
            "/t/commune-a/tokens",
            &[("name", "trop"), ("role", "user_manager"), ("days", "30")],
        )
        .await;
    assert_eq!(above.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        above.body.contains("id=\"token-role-error\""),
        "{}",
        above.body
    );
    assert!(!above.body.contains("<option value=\"user_manager\""));
    let mut secrets = Vec::new();
    for role in ["dpo", "auditor", "agent"] {
        let r = dpo
            .post(
                "/t/commune-a/tokens",
                &[("name", role), ("role", role), ("days", "30")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.body);
        secrets.push(
            extract(
                &r.body,
                "id=\"new-token\" type=\"text\" readonly value=\"",
                "\"",
            )
            .unwrap(),
        );
    }
    let mut c = app.browser();
    for s in &secrets {
        assert_eq!(c.api("/api/v1/me", s).await.status, StatusCode::OK);
    }
    // Now only an agent: the DPO's and auditor's tokens (trail reading)
    // stop; the agent's goes on.
    app.store
        .set_roles(
            &vigie_domain::scope::TenantScope::of_provider(a.id),
            dpo_user.id,
            &vigie_domain::role::Roles::new(vec![Role::Agent]),
        )
        .await
        .unwrap();
    let codes: Vec<StatusCode> = {
        let mut v = Vec::new();
        for s in &secrets {
            v.push(c.api("/api/v1/me", s).await.status);
        }
        v
    };
    assert_eq!(
        codes,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::OK
        ]
    );
    // Removed from the tenant: nothing works any more.
    app.store
        .set_roles(
            &vigie_domain::scope::TenantScope::of_provider(a.id),
            dpo_user.id,
            &vigie_domain::role::Roles::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        c.api("/api/v1/me", &secrets[2]).await.status,
        StatusCode::UNAUTHORIZED
    );
    let revoked = app
        .store
        .list_tokens(
            &vigie_domain::scope::TenantScope::from_verified_membership(
                a.id,
                None,
                vigie_domain::role::Roles::new(vec![Role::Dpo]),
            ),
            vigie_domain::page::Page::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(revoked.items.len(), 3);
    assert!(revoked.items.iter().all(|t| t.revoked), "shown as revoked");
});

both!(c17_c19_c20_incidents_through_the_api, |app| {
    let monitoring = token(&app, "agent").await;
    let dpo_token = another_token(&app, "dpo").await;
    let mut c = app.browser();
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3)).to_string();
    let refused = c
        .api_json(
            "POST",
            "/api/v1/incidents",
            &monitoring,
            &serde_json::json!({"title": "Disque plein", "aware_at": future}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("aware_at"), "{}", refused.body);
    let aware = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2)).to_string();
    let created = c
        .api_json(
            "POST",
            "/api/v1/incidents",
            &monitoring,
            &serde_json::json!({"title": "Accès anormal à la base", "description": "Alerte SIEM", "aware_at": aware}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let v: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    let id = v["id"].as_i64().unwrap();
    assert_eq!(
        (v["clock_running"].as_bool(), v["level"].as_u64()),
        (Some(true), Some(1))
    );
    assert!(v["declared_by"].as_str().unwrap().starts_with("token:"));
    // An agent's token declares; it does not qualify.
    let facts =
        serde_json::json!({"is_breach": true, "criteria": ["confidentiality"], "persons": 40});
    let body =
        serde_json::json!({"updated_at": v["updated_at"], "aware_at": aware, "facts": facts});
    let path = format!("/api/v1/incidents/{id}/facts");
    assert_eq!(
        c.api_json("PUT", &path, &monitoring, &body).await.status,
        StatusCode::FORBIDDEN
    );
    let stale = serde_json::json!({"updated_at": "2020-01-01T00:00:00Z", "aware_at": aware, "facts": facts});
    assert_eq!(
        c.api_json("PUT", &path, &dpo_token, &stale).await.status,
        StatusCode::CONFLICT
    );
    let q = c.api_json("PUT", &path, &dpo_token, &body).await;
    assert_eq!(q.status, StatusCode::OK, "{}", q.body);
    let phases = format!("/api/v1/incidents/{id}/phases");
    let incomplete = c
        .api_json(
            "POST",
            &phases,
            &dpo_token,
            &serde_json::json!({"kind": "complete"}),
        )
        .await;
    // What the incident lacks is its state, not the request's fault.
    assert_eq!(incomplete.status, StatusCode::CONFLICT);
    assert!(
        incomplete.body.contains("dpo_contact"),
        "{}",
        incomplete.body
    );
    let sent = c
        .api_json(
            "POST",
            &phases,
            &dpo_token,
            &serde_json::json!({"kind": "initial"}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let read: serde_json::Value = serde_json::from_str(
        &c.api(&format!("/api/v1/incidents/{id}"), &monitoring)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(
        (read["status"].as_str(), read["clock_running"].as_bool()),
        (Some("notified"), Some(false))
    );
    assert_eq!(read["phases"][0]["facts"]["persons"], 40);
    let list: serde_json::Value =
        serde_json::from_str(&c.api("/api/v1/incidents?q=siem", &monitoring).await.body).unwrap();
    assert_eq!(list["total"], 1);

    // The people told or not, with the reasoning (C20, Art. 34); then
    // closed. Each at the version read; the agent does neither.
    let inform = format!("/api/v1/incidents/{id}/inform");
    let decision = serde_json::json!({"updated_at": read["updated_at"], "decision": "unintelligible",
        "reasoning": "Sauvegarde chiffrée, clé non compromise"});
    assert_eq!(
        c.api_json("PUT", &inform, &monitoring, &decision)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut blank = decision.clone();
    blank["reasoning"] = " ".into();
    let r = c.api_json("PUT", &inform, &dpo_token, &blank).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("reasoning"), "{}", r.body);
    let r = c.api_json("PUT", &inform, &dpo_token, &decision).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let told: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(told["inform"], "unintelligible");
    assert_eq!(
        c.api_json("PUT", &inform, &dpo_token, &decision)
            .await
            .status,
        StatusCode::CONFLICT,
        "the version read is gone"
    );
    let close = format!("/api/v1/incidents/{id}/close");
    let r = c
        .api_json(
            "POST",
            &close,
            &dpo_token,
            &serde_json::json!({"updated_at": told["updated_at"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let closed: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["phases"][0]["kind"], "initial", "its record stays");
    // One not qualified yet is not closed.
    let fresh: serde_json::Value = serde_json::from_str(
        &c.api_json(
            "POST",
            "/api/v1/incidents",
            &monitoring,
            &serde_json::json!({"title": "Alerte à vérifier", "aware_at": aware}),
        )
        .await
        .body,
    )
    .unwrap();
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/incidents/{}/close", fresh["id"]),
            &dpo_token,
            &serde_json::json!({"updated_at": fresh["updated_at"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
});

both!(c04_the_dpos_follow_up_through_the_api, |app| {
    let secret = token(&app, "agent").await;
    let reader = another_token(&app, "auditor").await;
    let mut c = app.browser();
    let created = c
        .api_json(
            "POST",
            "/api/v1/register",
            &secret,
            &serde_json::json!({"activity": {
                "name": "Vidéoprotection",
                "dpia_criteria": ["systematic_monitoring", "large_scale"]
            }}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = serde_json::from_str::<serde_json::Value>(&created.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let dpia_url = format!("/api/v1/register/{id}/dpia");
    let none: serde_json::Value =
        serde_json::from_str(&c.api(&dpia_url, &secret).await.body).unwrap();
    assert_eq!(none["status"], "missing");
    let nothing = c.api(&format!("{dpia_url}/export"), &secret).await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND, "no assessment yet");
    // A decision without what it rests on: every missing part named.
    let bare = c
        .api_json(
            "PUT",
            &dpia_url,
            &secret,
            &serde_json::json!({"version": 0, "dpia": {"decision": "accepted"}}),
        )
        .await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    for field in ["overview", "risk.disappearance.likelihood", "dpo_opinion"] {
        assert!(bare.body.contains(field), "{field}: {}", bare.body);
    }
    let saved = c
        .api_json(
            "PUT",
            &dpia_url,
            &secret,
            &serde_json::json!({"version": 0, "dpia": {"overview": "Caméras aux entrées"}}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let stale = c
        .api_json(
            "PUT",
            &dpia_url,
            &secret,
            &serde_json::json!({"version": 0, "dpia": {"overview": "autre"}}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let read: serde_json::Value =
        serde_json::from_str(&c.api(&dpia_url, &reader).await.body).unwrap();
    assert_eq!(read["status"], "in_progress");
    // Printed as the page prints it, the latest version or one asked for.
    let pdf = c.api(&format!("{dpia_url}/export"), &reader).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let odt = c
        .api(
            &format!("{dpia_url}/export?format=odt&version=1&lang=en"),
            &reader,
        )
        .await;
    assert!(odt.bytes.starts_with(b"PK"), "{}", odt.status);
    let missing = c
        .api(&format!("{dpia_url}/export?version=9"), &reader)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        read["versions"][0]["dpia"]["risks"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // The auditor reads but does not write.
    let refused = c
        .api_json(
            "PUT",
            &dpia_url,
            &reader,
            &serde_json::json!({"version": 1, "dpia": {}}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The action plan.
    let no_owner = c
        .api_json(
            "POST",
            "/api/v1/follow-ups",
            &secret,
            &serde_json::json!({"kind": "action", "title": "Chiffrer", "activity": id}),
        )
        .await;
    assert_eq!(no_owner.status, StatusCode::BAD_REQUEST);
    assert!(no_owner.body.contains("owner") && no_owner.body.contains("due"));
    let action = c
        .api_json(
            "POST",
            "/api/v1/follow-ups",
            &secret,
            &serde_json::json!({"kind": "action", "title": "Chiffrer l'enregistreur",
                "owner": "Service informatique", "due": "2027-03-31", "activity": id}),
        )
        .await;
    assert_eq!(action.status, StatusCode::CREATED, "{}", action.body);
    let action_id = serde_json::from_str::<serde_json::Value>(&action.body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let close = format!("/api/v1/follow-ups/{action_id}/close");
    let why = c
        .api_json(
            "POST",
            &close,
            &secret,
            &serde_json::json!({"status": "declined"}),
        )
        .await;
    assert_eq!(why.status, StatusCode::BAD_REQUEST);
    let done = c
        .api_json(
            "POST",
            &close,
            &secret,
            &serde_json::json!({"status": "done", "response": "fait en janvier"}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let again = c
        .api_json(
            "POST",
            &close,
            &secret,
            &serde_json::json!({"status": "done"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let list: serde_json::Value = serde_json::from_str(
        &c.api("/api/v1/follow-ups?kind=action&status=done", &reader)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["response"], "fait en janvier");
    assert_eq!(
        c.api("/api/v1/follow-ups?kind=nope", &reader).await.status,
        StatusCode::BAD_REQUEST
    );

    // Evidence: kept when its bytes are a document, handed back as is.
    let pdf = b"%PDF-1.4\nattestation\n".to_vec();
    let kept = c
        .api_bytes(
            &format!("/api/v1/evidence?name=attestation.pdf&activity={id}"),
            &secret,
            pdf.clone(),
        )
        .await;
    assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.body);
    let kept: serde_json::Value = serde_json::from_str(&kept.body).unwrap();
    assert_eq!(kept["media_type"], "application/pdf");
    let html = c
        .api_bytes(
            "/api/v1/evidence?name=x.pdf",
            &secret,
            b"<html><script>x()</script>".to_vec(),
        )
        .await;
    assert_eq!(html.status, StatusCode::BAD_REQUEST, "{}", html.body);
    let big = c
        .api_bytes(
            "/api/v1/evidence?name=big.txt",
            &secret,
            vec![b'a'; 10 * 1024 * 1024 + 1],
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    let file = c
        .api(&format!("/api/v1/evidence/{}", kept["id"]), &reader)
        .await;
    assert_eq!(file.bytes, pdf);
    assert_eq!(
        file.headers[axum::http::header::X_CONTENT_TYPE_OPTIONS],
        "nosniff"
    );
    let listed: serde_json::Value = serde_json::from_str(
        &c.api(&format!("/api/v1/evidence?activity={id}"), &reader)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(listed["total"], 1);
    let gone = c
        .api_json(
            "DELETE",
            &format!("/api/v1/evidence/{}", kept["id"]),
            &secret,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
});

// Issue 20: a page out of its documented bounds is refused, naming the
// field, on every list (schemathesis found it quietly clamped).
both!(api_pages_out_of_bounds_are_refused_by_name, |app| {
    let secret = token(&app, "dpo").await;
    let mut c = app.browser();
    for list in [
        "/api/v1/members",
        "/api/v1/register",
        "/api/v1/trail",
        "/api/v1/incidents",
    ] {
        let ok = c
            .api(&format!("{list}?page=1&page_size=500"), &secret)
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{list}: {}", ok.body);
        for (query, field) in [
            ("page_size=501", "page_size"),
            ("page_size=0", "page_size"),
            ("page=0", "page"),
        ] {
            let r = c.api(&format!("{list}?{query}"), &secret).await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{list}?{query}: {}",
                r.body
            );
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(v["code"], "bad_request");
            assert!(
                v["message"].as_str().unwrap().starts_with(field),
                "{}",
                r.body
            );
        }
    }
});

/// Two bodies of one name would be one schema in the document, the last
/// registered winning: an operation would then be documented with another
/// operation's body (it happened: two `PreviewOut`, two `UpdateOut`).
#[test]
fn every_documented_body_has_a_name_of_its_own() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("api.rs"), root.join("consent.rs")];
    for e in std::fs::read_dir(root.join("api")).unwrap() {
        files.push(e.unwrap().path());
    }
    let mut seen = std::collections::BTreeMap::<String, String>::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if !(l.contains("derive(") && l.contains("ToSchema")) {
                continue;
            }
            let name = lines[i + 1..]
                .iter()
                .find_map(|x| {
                    let x = x.trim_start();
                    x.strip_prefix("pub struct ")
                        .or_else(|| x.strip_prefix("pub enum "))
                        .map(|r| r.split([' ', '{', '<', '(']).next().unwrap().to_owned())
                })
                .unwrap();
            let at = f.display().to_string();
            if let Some(before) = seen.insert(name.clone(), at.clone()) {
                panic!("{name} is documented twice: {before} and {at}");
            }
        }
    }
    assert!(seen.len() > 100, "{} bodies found", seen.len());
}
