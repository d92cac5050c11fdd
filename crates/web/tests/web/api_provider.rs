//! The last of the pages through the API (issue 20): the provider's
//! registry records (C08), a client's grants (C26), breach-notice limit
//! (C17), contract end and reversibility export (C24), the processor
//! register with audits and instructions (C02, C40, C41), the provider's
//! tokens (C25); a tenant's consent sites (C35) and its dataset guide
//! (C27). Each with the pages' permission, its trail record, and nothing
//! of another client's.

use axum::http::StatusCode;
use jiff::Timestamp;
use serde_json::json;
use vigie_connect::fixture;

use crate::{
    api_parity::{json_of, minted, trail_actions, two_communes_and_an_application},
    api_records::{provider_token, two_communes},
    both,
    support::TestApp,
};

fn today() -> jiff::civil::Date {
    vigie_domain::time::legal_date(Timestamp::now())
}

both!(
    c08_c17_c24_c25_c26_a_clients_contract_and_the_registry_through_the_api,
    |app| {
        let (dpo, _, _) = two_communes(&app).await;
        let provider = provider_token(&app).await;
        let mut c = app.browser();

        // A sub-processor's record: read as written, under the transfer
        // guard (C08); a tenant's token makes none.
        let record = json!({"name": "Nuage SAS", "purpose": "Hébergement",
            "sites": [{"name": "Paris DC3", "country": "FR"}], "certifications": ["ISO 27001"]});
        assert_eq!(
            c.api_json("POST", "/api/v1/provider/subprocessors", &dpo, &record)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let mut lower = record.clone();
        lower["sites"][0]["country"] = "fr".into();
        let r = c
            .api_json("POST", "/api/v1/provider/subprocessors", &provider, &lower)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("sites[0].country"), "{}", r.body);
        let mut abroad = record.clone();
        abroad["sites"] = json!([{"name": "Virginie", "country": "IN"}]);
        let r = c
            .api_json("POST", "/api/v1/provider/subprocessors", &provider, &abroad)
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "no ground: {}", r.body);
        assert!(r.body.contains("IN"), "{}", r.body);
        let r = c
            .api_json("POST", "/api/v1/provider/subprocessors", &provider, &record)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let sp = json_of(&r.body)["id"].as_i64().unwrap();
        let one = format!("/api/v1/provider/subprocessors/{sp}");
        abroad["safeguard"] = "standard_clauses".into();
        abroad["contact"] = "dpo@nuage.example".into();
        let r = c.api_json("PUT", &one, &provider, &abroad).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let read = json_of(&c.api(&one, &provider).await.body);
        assert_eq!(read["safeguard"], "standard_clauses");
        assert_eq!(read["contact"], "dpo@nuage.example");
        assert_eq!(read["sites"][0]["country"], "IN");
        assert_eq!(
            c.api("/api/v1/provider/subprocessors/999999", &provider)
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // A person given roles in a client (C26): a new account, then an
        // existing one; in the client's trail as well.
        let grants = "/api/v1/provider/tenants/commune-a/grants";
        let person = json!({"email": "secretaire@commune-a.fr", "name": "Léa Martin", "roles": ["user_manager"]});
        let r = c.api_json("POST", grants, &provider, &person).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(json_of(&r.body)["created"], true);
        let mut again = person.clone();
        again["roles"] = json!(["auditor"]);
        let r = c.api_json("POST", grants, &provider, &again).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(json_of(&r.body)["created"], false);
        let mut none = person.clone();
        none["roles"] = json!([]);
        assert_eq!(
            c.api_json("POST", grants, &provider, &none).await.status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            c.api_json(
                "POST",
                "/api/v1/provider/tenants/nulle-part/grants",
                &provider,
                &person
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        let members = json_of(&c.api("/api/v1/members?q=secretaire", &dpo).await.body);
        assert_eq!(members["total"], 1, "{members}");
        assert!(
            trail_actions(&mut c, "/api/v1/trail", &dpo)
                .await
                .contains(&"api.provider.tenant.grant".to_owned())
        );

        // The limit for a breach notice (C17).
        let hours = "/api/v1/provider/tenants/commune-a/notice-hours";
        for bad in [0, 73] {
            assert_eq!(
                c.api_json("PUT", hours, &provider, &json!({"hours": bad}))
                    .await
                    .status,
                StatusCode::BAD_REQUEST
            );
        }
        let r = c
            .api_json("PUT", hours, &provider, &json!({"hours": 48}))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(json_of(&c.api(hours, &provider).await.body)["hours"], 48);

        // The end of the contract (C24): started once, its DPOs mailed,
        // called off; the export meanwhile.
        let ending = "/api/v1/provider/tenants/commune-a/ending";
        assert_eq!(c.api(ending, &provider).await.status, StatusCode::NOT_FOUND);
        let r = c
            .api_json("POST", ending, &provider, &json!({"delay_days": 400}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = c
            .api_json("POST", ending, &provider, &json!({"delay_days": 30}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let day = today().checked_add(jiff::Span::new().days(30)).unwrap();
        assert_eq!(json_of(&r.body)["destroy_on"], day.to_string());
        assert!(
            json_of(&r.body)["started_by"]
                .as_str()
                .unwrap()
                .starts_with("provider-token:")
        );
        let r = c
            .api_json("POST", ending, &provider, &json!({"delay_days": 30}))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "already ending");
        let mailed = app
            .store
            .list_messages("dpo@commune-a.fr", vigie_domain::page::Page::default())
            .await
            .unwrap();
        assert!(
            mailed
                .items
                .iter()
                .any(|m| m.subject.contains(&day.to_string())),
            "the DPO is told the day"
        );
        let tar = c
            .api(
                "/api/v1/provider/tenants/commune-a/reversibility",
                &provider,
            )
            .await;
        assert_eq!(tar.status, StatusCode::OK);
        assert_eq!(tar.headers["content-type"], "application/x-tar");
        assert!(tar.body.contains("README"), "the archive has its guide");
        assert_eq!(
            c.api_json("DELETE", ending, &provider, &json!({}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(c.api(ending, &provider).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            c.api_json("DELETE", ending, &provider, &json!({}))
                .await
                .status,
            StatusCode::NO_CONTENT,
            "nothing to call off is not an error"
        );
        let theirs = trail_actions(&mut c, "/api/v1/trail", &dpo).await;
        for action in [
            "api.provider.tenant.end_contract",
            "api.provider.tenant.reversibility_export",
            "api.provider.tenant.end_contract_cancel",
            "api.provider.tenant.notice_hours",
        ] {
            assert!(theirs.contains(&action.to_owned()), "{action}: {theirs:?}");
        }
        assert_eq!(
            c.api("/api/v1/provider/certificates/999999", &provider)
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // A password link for an account.
        let agent_id = json_of(
            &c.api("/api/v1/provider/accounts?q=agent@", &provider)
                .await
                .body,
        )["items"][0]["id"]
            .as_i64()
            .unwrap();
        let r = c
            .api_json(
                "POST",
                &format!("/api/v1/provider/accounts/{agent_id}/password-reset"),
                &provider,
                &json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        assert_eq!(
            c.api_json(
                "POST",
                "/api/v1/provider/accounts/999999/password-reset",
                &provider,
                &json!({})
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );

        // The provider's tokens (C25): one made through the API works at
        // once and stops when revoked.
        let listed = json_of(&c.api("/api/v1/provider/tokens", &provider).await.body);
        assert_eq!(listed["total"], 1, "{listed}");
        assert_eq!(
            c.api("/api/v1/provider/tokens", &dpo).await.status,
            StatusCode::UNAUTHORIZED
        );
        let r = c
            .api_json(
                "POST",
                "/api/v1/provider/tokens",
                &provider,
                &json!({"name": "sauvegarde", "days": 0}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = c
            .api_json(
                "POST",
                "/api/v1/provider/tokens",
                &provider,
                &json!({"name": "sauvegarde", "days": 7}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let made = json_of(&r.body);
        let second = made["secret"].as_str().unwrap().to_owned();
        let id = made["token"]["id"].as_i64().unwrap();
        assert_eq!(
            c.api("/api/v1/provider/tenants", &second).await.status,
            StatusCode::OK
        );
        assert_eq!(
            c.api_json(
                "DELETE",
                &format!("/api/v1/provider/tokens/{id}"),
                &provider,
                &json!({})
            )
            .await
            .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            c.api("/api/v1/provider/tenants", &second).await.status,
            StatusCode::UNAUTHORIZED
        );
        let instance = trail_actions(&mut c, "/api/v1/provider/trail", &provider).await;
        for action in [
            "api.provider.subprocessors.create",
            "api.provider.subprocessors.save",
            "api.provider.tokens.create",
            "api.provider.tokens.revoke",
            "api.provider.account.reset_link",
        ] {
            assert!(
                instance.contains(&action.to_owned()),
                "{action}: {instance:?}"
            );
        }
    }
);

both!(c02_c40_c41_the_processor_register_through_the_api, |app| {
    let (dpo, _, other) = two_communes(&app).await;
    let provider = provider_token(&app).await;
    let mut c = app.browser();
    let planned = today().checked_add(jiff::Span::new().days(60)).unwrap();
    let r = c
        .api_json(
            "POST",
            "/api/v1/audits",
            &dpo,
            &json!({"planned_on": planned.to_string(), "scope": "Hébergement de l'état civil"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let audit = json_of(&r.body)["id"].as_i64().unwrap();
    let r = c
            .api_json(
                "POST",
                "/api/v1/instructions",
                &dpo,
                &json!({"given_on": today().to_string(), "purpose": "Relances", "operation": "Exporter les adresses de tous les usagers"}),
            )
            .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let instruction = json_of(&r.body)["id"].as_i64().unwrap();

    // Answered under the right client only.
    let answer =
        json!({"plan": "Sur site, une journée", "report": "Rien à signaler", "answers": "—"});
    let wrong = format!("/api/v1/provider/tenants/commune-b/audits/{audit}/answer");
    assert_eq!(
        c.api_json("PUT", &wrong, &provider, &answer).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.api_json(
            "PUT",
            &format!("/api/v1/provider/tenants/commune-a/audits/{audit}/answer"),
            &dpo,
            &answer
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED,
        "the client does not answer its own audit"
    );
    let r = c
        .api_json(
            "PUT",
            &format!("/api/v1/provider/tenants/commune-a/audits/{audit}/answer"),
            &provider,
            &answer,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let flag = format!("/api/v1/provider/tenants/commune-a/instructions/{instruction}/flag");
    let r = c
        .api_json("PUT", &flag, &provider, &json!({"flagged": true}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("flag_reason"), "{}", r.body);
    let r = c
        .api_json(
            "PUT",
            &flag,
            &provider,
            &json!({"flagged": true, "flag_reason": "Contraire à la finalité déclarée"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // The client reads both; the register across clients shows them.
    let audits = json_of(&c.api("/api/v1/audits", &dpo).await.body);
    assert_eq!(audits["items"][0]["report"], "Rien à signaler", "{audits}");
    let given = json_of(&c.api("/api/v1/instructions", &dpo).await.body);
    assert_eq!(given["items"][0]["flagged_unlawful"], true, "{given}");
    let register = json_of(
        &c.api("/api/v1/provider/processor-register?q=commune", &provider)
            .await
            .body,
    );
    assert_eq!(register["total"], 2, "{register}");
    let a = register["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slug"] == "commune-a")
        .unwrap();
    assert_eq!(a["audits"][0]["plan"], "Sur site, une journée");
    assert_eq!(a["instructions"][0]["flagged_unlawful"], true);
    let b = register["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["slug"] == "commune-b")
        .unwrap();
    assert_eq!(b["audits"], json!([]));
    // Commune B's token sees none of it.
    assert_eq!(
        json_of(&c.api("/api/v1/audits", &other).await.body)["total"],
        0
    );
    assert!(
        trail_actions(&mut c, "/api/v1/trail", &dpo)
            .await
            .contains(&"api.provider.instructions.flag".to_owned())
    );
});

both!(
    c27_c35_consent_sites_and_the_dataset_guide_through_the_api,
    |app| {
        let (_, url) = two_communes_and_an_application(&app, "guide").await;
        let dpo = minted(&app, "dpo@commune-a.fr", "commune-a", "dpo").await;
        let agent = minted(&app, "dpo@commune-a.fr", "commune-a", "agent").await;
        let other = minted(&app, "dpo@commune-b.fr", "commune-b", "dpo").await;
        let mut c = app.browser();

        // A website and its banner's purposes (C35), the DPO's.
        let site = json!({"name": "Site de la commune", "origin": "https://www.commune-a.fr",
        "notice_version": "2026-12", "purposes": {"performance": ["Matomo"], "third_party": ["YouTube"]}});
        assert_eq!(
            c.api_json("POST", "/api/v1/consent/sites", &agent, &site)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        for (field, value) in [
            ("origin", json!("http://www.commune-a.fr")),
            ("purposes", json!({"necessary": ["Session"]})),
            ("purposes", json!({"performance": ["Matomo, Hotjar"]})),
        ] {
            let mut bad = site.clone();
            bad[field] = value;
            let r = c
                .api_json("POST", "/api/v1/consent/sites", &dpo, &bad)
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(r.body.contains(field), "{}", r.body);
        }
        let r = c
            .api_json("POST", "/api/v1/consent/sites", &dpo, &site)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let made = json_of(&r.body);
        assert_eq!(made["purposes"]["performance"], json!(["Matomo"]));
        assert!(made["script"].as_str().unwrap().contains("/banner.js"));
        let id = made["id"].as_i64().unwrap();
        let notices = format!("/api/v1/consent/sites/{id}/notices");
        let same = json!({"notice_version": "2026-12"});
        assert_eq!(
            c.api_json("POST", &notices, &dpo, &same).await.status,
            StatusCode::BAD_REQUEST
        );
        let next = json!({"notice_version": "2027-01"});
        assert_eq!(
            c.api_json("POST", &notices, &other, &next).await.status,
            StatusCode::NOT_FOUND
        );
        let r = c.api_json("POST", &notices, &dpo, &next).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let listed = json_of(&c.api("/api/v1/consent/sites", &dpo).await.body);
        assert_eq!(listed[0]["notice_version"], "2027-01");
        assert_eq!(
            json_of(&c.api("/api/v1/consent/sites", &other).await.body),
            json!([])
        );

        // The dataset guide (C27): the live catalogue and a proposal, the
        // DPO's; another client's token does not find the system.
        let r = c
            .api_json(
                "POST",
                "/api/v1/systems",
                &dpo,
                &json!({"name": "Mes demandes", "url": url, "dataset": fixture::DATASET}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let sys = json_of(&r.body)["id"].as_i64().unwrap();
        let guide = format!("/api/v1/systems/{sys}/dataset-guide");
        assert_eq!(c.api(&guide, &agent).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.api(&guide, &other).await.status, StatusCode::NOT_FOUND);
        let r = c.api(&guide, &dpo).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let g = json_of(&r.body);
        let contacts = g["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "contacts")
            .unwrap_or_else(|| panic!("{g}"));
        assert_eq!(contacts["primary_key"], "id");
        assert!(
            contacts["columns"]
                .as_array()
                .unwrap()
                .iter()
                .any(|col| col["name"] == "email")
        );
        let proposed = g["proposed"].as_str().unwrap();
        assert!(proposed.contains("name = \"contacts\""), "{proposed}");
        // The proposal is a dataset the system takes as it is.
        let r = c
            .api_json(
                "PUT",
                &format!("/api/v1/systems/{sys}"),
                &dpo,
                &json!({"name": "Mes demandes", "dataset": proposed}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            trail_actions(&mut c, "/api/v1/trail", &dpo)
                .await
                .contains(&"api.systems.guide".to_owned())
        );
    }
);
