//! Issue 10 (7): a NUL character, which PostgreSQL cannot store in text, is
//! refused at the edge with 422 naming the field — the public rights form,
//! the sign-in, the API — the same on both backends, and nothing is stored.

use axum::http::StatusCode;
use vigie_domain::{page::Page, role::Role};

use crate::{both, support::TestApp};

/// An API token of a DPO of `t`, created through the tokens page.
async fn dpo_token(app: &TestApp, t: &vigie_store::Tenant) -> String {
    let email = format!("dpo@{}.fr", t.slug.as_str());
    app.person(&email, &[(t, &[Role::Dpo])]).await;
    let mut dpo = app.signed_in(&email).await;
    let page = dpo
        .post(
            &format!("/t/{}/tokens", t.slug.as_str()),
            &[("name", "api"), ("role", "dpo"), ("days", "30")],
        )
        .await;
    crate::support::extract(
        &page.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap()
}

both!(a_nul_character_is_refused_on_its_field, |app| {
    let a = app.tenant("commune-a").await;
    let mut visitor = app.browser();
    let r = visitor
        .post(
            "/p/commune-a/droits",
            &[
                ("kind", "access"),
                ("name", "Éloïse\0 Dupré"),
                ("email", "eloise@exemple.fr"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("« name »"), "{}", r.body);
    assert_eq!(
        app.store
            .list_messages("eloise@exemple.fr", Page::default())
            .await
            .unwrap()
            .total,
        0,
        "nothing stored, nothing sent"
    );
    let r = visitor
        .post(
            "/sign-in",
            &[
                ("email", "a\0@exemple.fr"),
                ("password", "x"),
                ("code", ""),
                ("next", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("« email »"), "{}", r.body);
    let r = visitor.get("/p/commune-a/droits?kind=a%00").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The API answers in JSON, with a stable code and the field's path.
    let secret = dpo_token(&app, &a).await;
    let r = visitor
        .api_json(
            "POST",
            "/api/v1/register",
            &secret,
            &serde_json::json!({"activity": {"name": "Cantine\u{0}", "purposes": "x"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["code"], "invalid_character");
    assert!(
        v["message"].as_str().unwrap().starts_with("activity.name"),
        "{v}"
    );
});

both!(api_errors_are_json_even_from_the_extractors, |app| {
    let a = app.tenant("commune-a").await;
    let secret = dpo_token(&app, &a).await;
    let mut c = app.browser();
    for (method, path, body, code) in [
        (
            "POST",
            "/api/v1/register",
            serde_json::json!({"activity": 3}),
            "invalid_body",
        ),
        (
            "GET",
            "/api/v1/register/abc",
            serde_json::json!(null),
            "bad_request",
        ),
        (
            "GET",
            "/api/v1/register?page=minus",
            serde_json::json!(null),
            "bad_request",
        ),
        (
            "DELETE",
            "/api/v1/me",
            serde_json::json!(null),
            "method_not_allowed",
        ),
    ] {
        let r = c.api_json(method, path, &secret, &body).await;
        assert!(!r.status.is_success(), "{path}");
        let v: serde_json::Value = serde_json::from_str(&r.body)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {}", r.body));
        assert_eq!(v["code"], code, "{method} {path}: {v}");
        assert!(!v["message"].as_str().unwrap().is_empty());
    }
});
