//! Consent in the pages and from the banner (C35–C37): the DPO declares a
//! site, its banner carries the purposes, a choice is recorded only from
//! the site's origin, small, and found again with its proof; an agent puts
//! a number on the suppression list, never shown back.

use axum::http::StatusCode;
use vigie_domain::role::Role;

use crate::{both, support::TestApp};

both!(c35_c36_c37_consent_from_the_banner_to_the_proof, |app| {
    let t = app.tenant("commune-c").await;
    app.person("dpo@commune-c.fr", &[(&t, &[Role::Dpo])]).await;
    app.person("agent@commune-c.fr", &[(&t, &[Role::Agent])])
        .await;
    let other = app.tenant("commune-d").await;
    app.person("dpo@commune-d.fr", &[(&other, &[Role::Dpo])])
        .await;
    let mut dpo = app.signed_in("dpo@commune-c.fr").await;
    // A wrong origin is refused on its field, what was typed kept.
    let bad = dpo
        .post(
            "/t/commune-c/consentement/sites",
            &[
                ("name", "Site de la commune"),
                ("origin", "http://www.commune-c.fr"),
                ("notice_version", "2026-12"),
                ("performance", "Matomo"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("aria-invalid=\"true\""));
    assert!(bad.body.contains("Site de la commune"));
    let saved = dpo
        .post(
            "/t/commune-c/consentement/sites",
            &[
                ("name", "Site de la commune"),
                ("origin", "https://www.commune-c.fr"),
                ("notice_version", "2026-12"),
                ("performance", "Matomo"),
                ("third_party", "YouTube"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = dpo.get("/t/commune-c/consentement").await;
    let key = crate::support::extract(&page.body, "/c/", "/banner.css").unwrap();
    // The banner carries the site's purposes and the controller's name.
    let mut anyone = app.browser();
    let js = anyone.get(&format!("/c/{key}/banner.js")).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("\"Matomo\"") && js.body.contains("Organisation commune-c"));
    assert!(js.body.contains("Tout refuser") && js.body.contains("Tout accepter"));
    assert!(!js.body.contains("/*CONFIG*/ null"));
    assert!(
        anyone
            .get(&format!("/c/{key}/banner.js?lang=en"))
            .await
            .body
            .contains("Refuse all")
    );
    // A choice from the site's origin is recorded; from another, refused.
    let choice = r#"{"device":"0123456789abcdef0123","choices":{"performance":true,"third_party":false},"notice_version":"2026-12"}"#;
    let sent = anyone
        .send_body(
            &format!("/c/{key}/choix"),
            "https://www.commune-c.fr",
            choice,
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    assert_eq!(
        sent.headers["access-control-allow-origin"],
        "https://www.commune-c.fr"
    );
    let forged = anyone
        .send_body(&format!("/c/{key}/choix"), "https://evil.example", choice)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!forged.headers.contains_key("access-control-allow-origin"));
    let big = anyone
        .send_body(
            &format!("/c/{key}/choix"),
            "https://www.commune-c.fr",
            &"x".repeat(5000),
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    // The DPO finds it by device and downloads the proof.
    let found = dpo
        .get("/t/commune-c/consentement?device=0123456789abcdef0123")
        .await;
    assert!(found.body.contains("Choix par finalité"), "{}", found.body);
    let proof = dpo
        .get("/t/commune-c/consentement/preuve?device=0123456789abcdef0123")
        .await;
    let v: serde_json::Value = serde_json::from_str(&proof.body).unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), 1);
    assert_eq!(v["chain_verified"], true);
    // The API reads the device's choice that holds on the site.
    let minted = dpo
        .post(
            "/t/commune-c/tokens",
            &[("name", "lecture"), ("role", "agent"), ("days", "30")],
        )
        .await;
    let reader = crate::support::extract(
        &minted.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap();
    let site_id = crate::support::extract(
        &page.body,
        "action=\"/t/commune-c/consentement/sites/",
        "\"",
    )
    .unwrap();
    let current = format!("/api/v1/consent/sites/{site_id}/devices/0123456789abcdef0123");
    let mut api = app.browser();
    let holds = api.api(&current, &reader).await;
    assert_eq!(holds.status, StatusCode::OK, "{}", holds.body);
    assert!(holds.body.contains("\"kind\":\"partial\""));
    // A new notice: the old banner's choices are refused, the device's
    // choice no longer holds, the banner carries the new version.
    let same = dpo
        .post(
            &format!("/t/commune-c/consentement/sites/{site_id}"),
            &[("notice_version", "2026-12")],
        )
        .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    let published = dpo
        .post(
            &format!("/t/commune-c/consentement/sites/{site_id}"),
            &[("notice_version", "2027-01")],
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let stale = anyone
        .send_body(
            &format!("/c/{key}/choix"),
            "https://www.commune-c.fr",
            choice,
        )
        .await;
    assert_eq!(stale.status, StatusCode::BAD_REQUEST, "{}", stale.body);
    assert_eq!(
        api.api(&current, &reader).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        anyone
            .get(&format!("/c/{key}/banner.js"))
            .await
            .body
            .contains("2027-01")
    );
    // Another organisation sees nothing of it.
    let mut other_dpo = app.signed_in("dpo@commune-d.fr").await;
    let theirs = other_dpo
        .get("/t/commune-d/consentement/preuve?device=0123456789abcdef0123")
        .await;
    let v: serde_json::Value = serde_json::from_str(&theirs.body).unwrap();
    assert!(v["records"].as_array().unwrap().is_empty());
    // C37: an agent puts a number on the suppression list; the list
    // never shows it.
    let mut agent = app.signed_in("agent@commune-c.fr").await;
    let added = agent
        .post(
            "/t/commune-c/consentement/opposition",
            &[("channel", "sms"), ("value", "+33 6 12 34 56 78")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = agent.get("/t/commune-c/consentement").await;
    assert!(page.body.contains("agent:Personne agent"));
    assert!(!page.body.contains("12 34 56 78") && !page.body.contains("0612345678"));
    // The API: the organisation's tools check and feed the list, read the
    // records and a device's proof; another tenant's token sees none.
    let minted = dpo
        .post(
            "/t/commune-c/tokens",
            &[("name", "outil"), ("role", "agent"), ("days", "30")],
        )
        .await;
    let token = crate::support::extract(
        &minted.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap();
    let mut api = app.browser();
    let check = |value: &'static str| serde_json::json!({ "channel": "sms", "value": value });
    let r = api
        .api_json(
            "POST",
            "/api/v1/suppression/check",
            &token,
            &check("06 12 34 56 78"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"suppressed\":true"));
    let r = api
        .api_json(
            "POST",
            "/api/v1/suppression/check",
            &token,
            &check("06 99 99 99 99"),
        )
        .await;
    assert!(r.body.contains("\"suppressed\":false"));
    let r = api
        .api_json(
            "POST",
            "/api/v1/suppression",
            &token,
            &serde_json::json!({ "channel": "email", "value": "Anne@Exemple.fr" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = api
        .api_json(
            "POST",
            "/api/v1/suppression/check",
            &token,
            &serde_json::json!({ "channel": "post", "value": "1 rue" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The list for the mailing tools: the DPO's, as on the page.
    assert_eq!(
        api.api("/api/v1/suppression/export.csv", &token)
            .await
            .status,
        StatusCode::FORBIDDEN,
        "an agent's token"
    );
    let minted_dpo = dpo
        .post(
            "/t/commune-c/tokens",
            &[("name", "routage"), ("role", "dpo"), ("days", "30")],
        )
        .await;
    let dpo_token = crate::support::extract(
        &minted_dpo.body,
        "id=\"new-token\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap();
    let list = api.api("/api/v1/suppression/export.csv", &dpo_token).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.to_lowercase().contains("anne@exemple.fr"),
        "{}",
        list.body
    );
    let records: serde_json::Value = serde_json::from_str(
        &api.api(
            "/api/v1/consent/records?device=0123456789abcdef0123",
            &token,
        )
        .await
        .body,
    )
    .unwrap();
    assert_eq!(records["total"], 1);
    assert_eq!(records["items"][0]["kind"], "partial");
    let proof: serde_json::Value = serde_json::from_str(
        &api.api("/api/v1/consent/devices/0123456789abcdef0123/proof", &token)
            .await
            .body,
    )
    .unwrap();
    assert_eq!(proof["chain_verified"], true);
    // A choice given on paper, recorded by the organisation's tool; the
    // banner's method is the banner's own; a site that is not the
    // organisation's is not found.
    let paper = |site: &str, method: &str| {
        serde_json::json!({ "site": site.parse::<i64>().unwrap(), "device": "papier-000000000001",
            "choices": { "performance": true, "third_party": true }, "method": method })
    };
    let r = api
        .api_json(
            "POST",
            "/api/v1/consent/records",
            &token,
            &paper(&site_id, "paper"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(r.body.contains("\"kind\":\"accept_all\"") && r.body.contains("\"method\":\"paper\""));
    let r = api
        .api_json(
            "POST",
            "/api/v1/consent/records",
            &token,
            &paper(&site_id, "banner"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = api
        .api_json(
            "POST",
            "/api/v1/consent/records",
            &token,
            &paper("999999", "form"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // The DPO exports the list for the mailing tool; an agent cannot.
    let csv = dpo.get("/t/commune-c/consentement/opposition.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("sms;0612345678;agent:Personne agent"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("email;anne@exemple.fr;api:token:outil"));
    assert_eq!(
        agent
            .get("/t/commune-c/consentement/opposition.csv")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Only the DPO declares sites.
    let denied = agent
        .post(
            "/t/commune-c/consentement/sites",
            &[
                ("name", "x"),
                ("origin", "https://x.fr"),
                ("notice_version", "1"),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
});

both!(c37_a_sites_own_form_puts_objections_on_the_list, |app| {
    let t = app.tenant("commune-e").await;
    app.person("dpo@commune-e.fr", &[(&t, &[Role::Dpo])]).await;
    let mut dpo = app.signed_in("dpo@commune-e.fr").await;
    let saved = dpo
        .post(
            "/t/commune-e/consentement/sites",
            &[
                ("name", "Portail"),
                ("origin", "https://portail.commune-e.fr"),
                ("notice_version", "1"),
                ("performance", "Matomo"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = dpo.get("/t/commune-e/consentement").await;
    let key = crate::support::extract(&page.body, "/c/", "/banner.css").unwrap();
    // The DPO is given the form to place on the site, posting to Vigie.
    assert!(
        page.body
            .contains(&format!("/c/{key}/opposition&#34; data-vigie-opposition")),
        "{}",
        page.body
    );
    let path = format!("/c/{key}/opposition");
    let form = "application/x-www-form-urlencoded";
    let mut visitor = app.browser();
    // Without JavaScript: a page in the visitor's language, back to the
    // site, never to a place the caller names.
    let done = visitor
        .send_typed(
            &path,
            "https://portail.commune-e.fr",
            form,
            "lang=fr&channel=email&value=Jean.Dupont%40Exemple.fr",
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Opposition enregistrée"));
    assert!(done.body.contains("href=\"https://portail.commune-e.fr\""));
    // With the banner's script: JSON, readable by the site only.
    let sent = visitor
        .send_body(
            &path,
            "https://portail.commune-e.fr",
            r#"{"channel":"phone","value":"03 84 00 00 00"}"#,
        )
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    assert_eq!(
        sent.headers["access-control-allow-origin"],
        "https://portail.commune-e.fr"
    );
    // Another site, a postal address, a malformed value: nothing added,
    // and the reason said.
    let forged = visitor
        .send_typed(
            &path,
            "https://evil.example",
            form,
            "channel=email&value=victime%40exemple.fr",
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.body.contains("Opposition non enregistrée"));
    let post = visitor
        .send_body(
            &path,
            "https://portail.commune-e.fr",
            r#"{"channel":"post","value":"1 rue de la Mairie"}"#,
        )
        .await;
    assert_eq!(post.status, StatusCode::BAD_REQUEST);
    assert!(post.body.contains("channel"), "{}", post.body);
    let bad = visitor
        .send_typed(
            &path,
            "https://portail.commune-e.fr",
            form,
            "lang=en&channel=email&value=pas-une-adresse",
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Objection not recorded"), "{}", bad.body);
    let unknown = visitor
        .send_typed(
            "/c/nope/opposition",
            "https://portail.commune-e.fr",
            form,
            "channel=email&value=a%40b.fr",
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // The list holds exactly the two, marked with the site's name.
    let csv = dpo.get("/t/commune-e/consentement/opposition.csv").await;
    assert!(
        csv.body
            .contains("email;jean.dupont@exemple.fr;site:Portail"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("phone;0384000000;site:Portail"),
        "{}",
        csv.body
    );
    assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
});
