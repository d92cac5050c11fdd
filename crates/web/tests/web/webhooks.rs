//! Webhooks through the API and the pages (issue 20): the DPO's alone, an
//! address only where the provider allows, a secret shown once, an event
//! queued once per endpoint that asked for it, nothing of another tenant's.

use axum::http::StatusCode;
use jiff::Timestamp;
use serde_json::json;
use vigie_domain::{role::Role, scope::TenantScope};

use crate::{
    api_parity::{json_of, minted, trail_actions, two_communes_and_an_application},
    both,
    support::{TestApp, extract, test_vault},
};

both!(c27_webhooks_through_the_api, |app| {
    let (a, url) = two_communes_and_an_application(&app, "hooks").await;
    let dpo = minted(&app, "dpo@commune-a.fr", "commune-a", "dpo").await;
    let agent = minted(&app, "dpo@commune-a.fr", "commune-a", "agent").await;
    let other = minted(&app, "dpo@commune-b.fr", "commune-b", "dpo").await;
    let mut c = app.browser();
    let body = json!({"url": "http://127.0.0.1:9/vigie", "description": "Supervision", "events": ["scan_finished"]});

    // The DPO's, as the tokens: an agent is refused, and traced.
    let r = c.api_json("POST", "/api/v1/webhooks", &agent, &body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        c.api("/api/v1/webhooks", &agent).await.status,
        StatusCode::FORBIDDEN
    );

    // Only where the provider allows: not elsewhere, not the cloud's
    // metadata, not another port's name for this machine.
    for bad in [
        "https://evil.example/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8080/api/v1/me",
        "http://user:pw@127.0.0.1:9/",
        "ftp://127.0.0.1:9/",
    ] {
        let mut b = body.clone();
        b["url"] = bad.into();
        let r = c.api_json("POST", "/api/v1/webhooks", &dpo, &b).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert!(
            json_of(&r.body)["message"]
                .as_str()
                .unwrap()
                .starts_with("url:"),
            "{}",
            r.body
        );
    }
    let r = c
        .api_json(
            "POST",
            "/api/v1/webhooks",
            &dpo,
            &json!({"url": "http://127.0.0.1:9/", "events": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = c
        .api_json(
            "POST",
            "/api/v1/webhooks",
            &dpo,
            &json!({"url": "http://127.0.0.1:9/", "events": ["ping"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        json_of(&c.api("/api/v1/webhooks", &dpo).await.body)["total"],
        0
    );

    // Recorded: the secret comes back this once, never again.
    let r = c.api_json("POST", "/api/v1/webhooks", &dpo, &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = json_of(&r.body);
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");
    let id = created["webhook"]["id"].as_i64().unwrap();
    assert_eq!(created["webhook"]["events"], json!(["scan_finished"]));
    let read = c.api(&format!("/api/v1/webhooks/{id}"), &dpo).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(!read.body.contains(&secret[6..]), "{}", read.body);
    let listed = c.api("/api/v1/webhooks?q=supervision", &dpo).await;
    assert_eq!(json_of(&listed.body)["total"], 1, "{}", listed.body);
    assert!(!listed.body.contains(&secret[6..]));
    // A second endpoint asks only for executions.
    let r = c
        .api_json(
            "POST",
            "/api/v1/webhooks",
            &dpo,
            &json!({"url": "http://127.0.0.1:9/executions", "events": ["execution_finished"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let executions = json_of(&r.body)["webhook"]["id"].as_i64().unwrap();

    // A scan ends: told once to the endpoint that asked for scans, however
    // many times its end is announced (a job run again after a crash).
    let mut page = app.signed_in("dpo@commune-a.fr").await;
    let saved = page
        .post(
            "/t/commune-a/systemes",
            &[
                ("name", "Mes demandes"),
                ("url", &url),
                ("dataset", vigie_connect::fixture::DATASET),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let systems = json_of(&c.api("/api/v1/systems", &dpo).await.body);
    let system = systems["items"][0]["id"].as_i64().unwrap();
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/systems/{system}/scans"),
            &dpo,
            &json!({}),
        )
        .await;
    let scan = json_of(&r.body)["id"].as_i64().unwrap();
    let vault = test_vault();
    let confinement = crate::support::test_confinement();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &confinement,
    };
    let scope = TenantScope::of_system(a.id);
    assert_eq!(
        vigie_service::webhooks::scan_ended(ctx, &scope, scan, Timestamp::now())
            .await
            .unwrap(),
        0,
        "a queued scan has not ended"
    );
    vigie_service::discovery::run(ctx, &scope, scan, Timestamp::now())
        .await
        .unwrap();
    for expected in [1, 0] {
        let n = vigie_service::webhooks::scan_ended(ctx, &scope, scan, Timestamp::now())
            .await
            .unwrap();
        assert_eq!(n, expected);
    }
    let deliveries = json_of(
        &c.api(&format!("/api/v1/webhooks/{id}/deliveries"), &dpo)
            .await
            .body,
    );
    assert_eq!(deliveries["total"], 1, "{deliveries}");
    let d = &deliveries["items"][0];
    assert_eq!(
        (d["kind"].as_str(), d["state"].as_str()),
        (Some("scan_finished"), Some("pending"))
    );
    let payload = json_of(d["payload"].as_str().unwrap());
    assert_eq!(payload["type"], "scan_finished");
    assert_eq!(payload["tenant"], "commune-a");
    assert_eq!(payload["data"]["scan"], scan);
    assert_eq!(payload["data"]["state"], "done");
    assert_eq!(payload["id"], d["event_id"]);
    let none = json_of(
        &c.api(&format!("/api/v1/webhooks/{executions}/deliveries"), &dpo)
            .await
            .body,
    );
    assert_eq!(none["total"], 0, "it asked for executions only");
    let delivery = d["id"].as_i64().unwrap();
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
            &dpo,
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "pending already: {}",
        r.body
    );
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/webhooks/{executions}/deliveries/{delivery}/redeliver"),
            &dpo,
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "not this endpoint's delivery"
    );

    // A masked copy (C30) is a job too: 202, polled, told when it ends to
    // the endpoint that asked for copies.
    let r = c
        .api_json(
            "POST",
            "/api/v1/webhooks",
            &dpo,
            &json!({"url": "http://127.0.0.1:9/copies", "events": ["copy_finished"]}),
        )
        .await;
    let copies_hook = json_of(&r.body)["webhook"]["id"].as_i64().unwrap();
    let copy_path = format!("/api/v1/systems/{system}/copies");
    let r = c
        .api_json("POST", &copy_path, &dpo, &json!({"to": "ftp://ailleurs"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = c
        .api_json("POST", &copy_path, &agent, &json!({"to": url}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let test_db = format!(
        "vigie_api_hooks_copy_{}_{}",
        std::process::id(),
        app.store.backend()
    );
    let test_url =
        vigie_connect::fixture::create_database(vigie_connect::Dialect::Sqlite, &test_db)
            .await
            .unwrap();
    {
        let mut t = vigie_connect::Conn::open(&test_url).await.unwrap();
        t.run(vigie_connect::fixture::schema()).await.unwrap();
        t.close().await;
    }
    let r = c
        .api_json("POST", &copy_path, &dpo, &json!({"to": test_url}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let queued = json_of(&r.body);
    assert_eq!(queued["state"], "queued");
    let copy = queued["id"].as_i64().unwrap();
    vigie_service::copies::run(ctx, &scope, copy).await.unwrap();
    for expected in [1, 0] {
        let n = vigie_service::webhooks::copy_ended(ctx, &scope, copy, Timestamp::now())
            .await
            .unwrap();
        assert_eq!(n, expected);
    }
    let done = json_of(&c.api(&format!("{copy_path}/{copy}"), &dpo).await.body);
    assert_eq!(done["state"], "done", "{done}");
    assert!(done["rows_copied"].as_i64().unwrap() > 0, "{done}");
    assert_eq!(json_of(&c.api(&copy_path, &dpo).await.body)[0]["id"], copy);
    let told = json_of(
        &c.api(&format!("/api/v1/webhooks/{copies_hook}/deliveries"), &dpo)
            .await
            .body,
    );
    assert_eq!(told["items"][0]["kind"], "copy_finished", "{told}");
    assert_eq!(
        c.api(&format!("{copy_path}/{copy}"), &other).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.api(&copy_path, &other).await.status,
        StatusCode::NOT_FOUND
    );
    let r = c
        .api_json("POST", &copy_path, &other, &json!({"to": test_url}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    vigie_connect::fixture::drop_database(vigie_connect::Dialect::Sqlite, &test_db, &test_url)
        .await
        .unwrap();

    // A new secret, shown once; the replaced one signs a day more.
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/webhooks/{id}/rotate"),
            &dpo,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rotated = json_of(&r.body);
    assert!(rotated["secret"].as_str().unwrap().starts_with("whsec_"));
    let until: Timestamp = rotated["previous_valid_until"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let overlap = until.duration_since(Timestamp::now()).as_hours();
    assert!((23..=24).contains(&overlap), "{overlap}");
    assert!(
        !c.api(&format!("/api/v1/webhooks/{id}"), &dpo)
            .await
            .body
            .contains("whsec_"),
        "never shown again"
    );

    // A test event; filters; pause and resume.
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/webhooks/{id}/ping"),
            &dpo,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let ping = json_of(&r.body)["event_id"].as_str().unwrap().to_owned();
    let found = json_of(
        &c.api(
            &format!("/api/v1/webhooks/{id}/deliveries?q={ping}&state=pending"),
            &dpo,
        )
        .await
        .body,
    );
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["kind"], "ping");
    let r = c
        .api(
            &format!("/api/v1/webhooks/{id}/deliveries?state=lost"),
            &dpo,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/webhooks/{id}/pause"),
            &dpo,
            &json!({}),
        )
        .await;
    assert_eq!(json_of(&r.body)["active"], false, "{}", r.body);
    let r = c
        .api_json(
            "POST",
            &format!("/api/v1/webhooks/{id}/resume"),
            &dpo,
            &json!({}),
        )
        .await;
    assert_eq!(json_of(&r.body)["active"], true, "{}", r.body);

    // Another tenant's token reaches none of it.
    for p in [
        format!("/api/v1/webhooks/{id}"),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        assert_eq!(c.api(&p, &other).await.status, StatusCode::NOT_FOUND, "{p}");
    }
    for p in [
        format!("/api/v1/webhooks/{id}/pause"),
        format!("/api/v1/webhooks/{id}/resume"),
        format!("/api/v1/webhooks/{id}/ping"),
        format!("/api/v1/webhooks/{id}/rotate"),
        format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
    ] {
        let r = c.api_json("POST", &p, &other, &json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
    }
    let r = c
        .api_json(
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            &other,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        json_of(&c.api("/api/v1/webhooks", &other).await.body)["total"],
        0
    );

    // Removed, with its deliveries.
    let r = c
        .api_json(
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            &dpo,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        c.api(&format!("/api/v1/webhooks/{id}"), &dpo).await.status,
        StatusCode::NOT_FOUND
    );

    // Every change is in the tenant's trail, with the token that made it.
    let actions = trail_actions(&mut c, "/api/v1/trail?action=api.webhooks", &dpo).await;
    for a in [
        "api.webhooks.create",
        "api.webhooks.ping",
        "api.webhooks.pause",
        "api.webhooks.resume",
        "api.webhooks.delete",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
});

both!(c27_webhooks_on_the_pages, |app| {
    let a = app.tenant("commune-a").await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    app.person("agent@commune-a.fr", &[(&a, &[Role::Agent])])
        .await;
    let mut agent = app.signed_in("agent@commune-a.fr").await;
    assert_eq!(
        agent.get("/t/commune-a/webhooks").await.status,
        StatusCode::FORBIDDEN
    );
    let mut dpo = app.signed_in("dpo@commune-a.fr").await;
    let r = dpo.get("/t/commune-a/webhooks").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("href=\"/t/commune-a/webhooks\""),
        "in the menu"
    );

    // A refused address: the form again, in French, what was typed kept.
    let r = dpo
        .post(
            "/t/commune-a/webhooks",
            &[
                ("url", "https://evil.example/h"),
                ("description", "Supervision"),
                ("event_scan_finished", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Adresse refusée"), "{}", r.body);
    assert!(r.body.contains("value=\"https://evil.example/h\""));
    let r = dpo
        .post(
            "/t/commune-a/webhooks",
            &[("url", "http://127.0.0.1:9/h"), ("description", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Choisissez au moins un événement"),
        "{}",
        r.body
    );

    // Saved: the secret shown once, then only the address.
    let r = dpo
        .post(
            "/t/commune-a/webhooks",
            &[
                ("url", "http://127.0.0.1:9/h"),
                ("description", "Supervision"),
                ("event_execution_finished", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = extract(
        &r.body,
        "id=\"new-secret\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap();
    assert!(secret.starts_with("whsec_"));
    let list = dpo.get("/t/commune-a/webhooks?q=supervision").await;
    assert!(list.body.contains("http://127.0.0.1:9/h") && !list.body.contains(&secret));
    let id = extract(&list.body, "href=\"/t/commune-a/webhooks/", "\"").unwrap();
    let path = format!("/t/commune-a/webhooks/{id}");

    // A test: queued, listed with its state, found by its kind.
    let r = dpo.post(&format!("{path}/ping"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = dpo.get(&format!("{path}?flash=webhook_pinged")).await;
    assert!(r.body.contains("Un test est en file"), "{}", r.body);
    assert!(
        r.body.contains("ping_") && r.body.contains("En attente"),
        "{}",
        r.body
    );
    let r = dpo.get(&format!("{path}?state=delivered")).await;
    assert!(!r.body.contains("ping_"), "filtered out: {}", r.body);
    // A new secret from the page, shown once, and the day the old one
    // still signs.
    let r = dpo.post(&format!("{path}/rotate"), &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Nouveau secret de signature"), "{}", r.body);
    let fresh = extract(
        &r.body,
        "id=\"new-secret\" type=\"text\" readonly value=\"",
        "\"",
    )
    .unwrap();
    assert!(fresh.starts_with("whsec_") && fresh != secret);
    let again = dpo.get(&path).await;
    assert!(!again.body.contains(&fresh), "shown once");
    assert!(
        again.body.contains("L&#39;ancien secret signe aussi"),
        "{}",
        again.body
    );
    // Paused, resumed, and another tenant's DPO reaches none of it.
    dpo.post(&format!("{path}/pause"), &[]).await;
    assert!(dpo.get(&path).await.body.contains("En pause"));
    dpo.post(&format!("{path}/resume"), &[]).await;
    let b = app.tenant("commune-b").await;
    app.person("dpo@commune-b.fr", &[(&b, &[Role::Dpo])]).await;
    let mut other = app.signed_in("dpo@commune-b.fr").await;
    assert_eq!(
        other
            .get(&format!("/t/commune-b/webhooks/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = other
        .post(&format!("/t/commune-b/webhooks/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other
            .post(&format!("/t/commune-b/webhooks/{id}/rename"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Removed.
    let r = dpo.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(dpo.get(&path).await.status, StatusCode::NOT_FOUND);
});
