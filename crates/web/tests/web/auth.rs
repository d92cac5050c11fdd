//! C25: accounts, sign-in, sessions, CSRF, reset links, second factor.

use axum::http::StatusCode;
use jiff::SignedDuration;
use vigie_domain::{page::Page, role::Role};
use vigie_store::TrailFilter;
use vigie_web::WebSettings;

use crate::{
    both,
    support::{PASSWORD, TestApp, extract},
};

both!(c25_sign_in_sets_a_safe_session_cookie, |app| {
    let t = app.tenant("commune-a").await;
    app.person("agent@commune-a.fr", &[(&t, &[Role::Agent])])
        .await;
    let mut b = app.browser();
    let r = b.sign_in("agent@commune-a.fr", PASSWORD, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("vigie_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP in tests");
    assert!(
        !cookie.contains("Max-Age") && !cookie.contains("Expires"),
        "a session cookie"
    );
    let home = b.get("/").await;
    assert_eq!(home.location(), "/t/commune-a");
    let dash = b.get("/t/commune-a").await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("Tableau de bord"));
});

#[tokio::test]
async fn c25_cookie_is_secure_over_tls() {
    let app = TestApp::with_settings(WebSettings {
        secure_cookies: true,
        ..WebSettings::default()
    })
    .await;
    app.person("a@b.fr", &[]).await;
    let mut b = app.browser();
    let r = b.sign_in("a@b.fr", PASSWORD, "").await;
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("vigie_session=") && c.contains("; Secure"))
    );
}

#[tokio::test]
async fn c25_session_fixation_is_prevented() {
    let app = TestApp::sqlite().await;
    app.person("a@b.fr", &[]).await;
    let mut b = app.browser();
    b.cookies
        .insert("vigie_session".into(), "planted-by-attacker".into());
    let r = b.sign_in("a@b.fr", PASSWORD, "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let fresh = b.cookies.get("vigie_session").unwrap().clone();
    assert_ne!(fresh, "planted-by-attacker");
    assert_eq!(fresh.len(), 64);
    // The attacker's value opens nothing.
    let mut attacker = app.browser();
    attacker
        .cookies
        .insert("vigie_session".into(), "planted-by-attacker".into());
    assert_eq!(attacker.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn c25_session_expires_when_idle() {
    let app = TestApp::with_settings(WebSettings {
        session_idle: SignedDuration::from_secs(3),
        ..WebSettings::default()
    })
    .await;
    app.person("a@b.fr", &[]).await;
    let mut b = app.signed_in("a@b.fr").await;
    assert_eq!(b.get("/account").await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    let r = b.get("/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location().starts_with("/sign-in?next=%2Faccount"),
        "{}",
        r.location()
    );
}

both!(c25_failures_are_generic_then_delayed, |app| {
    app.person("a@b.fr", &[]).await;
    let mut b = app.browser();
    let unknown = b.sign_in("nobody@b.fr", PASSWORD, "").await;
    let wrong = b.sign_in("a@b.fr", "wrong password!!", "").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("Adresse, mot de passe ou code incorrect.")
    );
    assert!(
        wrong.body.contains("value=\"a@b.fr\""),
        "the typed address is kept"
    );
    for _ in 0..4 {
        b.sign_in("a@b.fr", "wrong password!!", "").await;
    }
    // Five failures for this account: even the right password waits.
    let r = b.sign_in("a@b.fr", PASSWORD, "").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address from the same IP is not yet delayed.
    app.person("c@b.fr", &[]).await;
    assert_eq!(
        b.sign_in("c@b.fr", PASSWORD, "").await.status,
        StatusCode::SEE_OTHER
    );
    let f = TrailFilter {
        action_prefix: "auth.sign_in".into(),
        ..Default::default()
    };
    let trail = app.store.instance_trail(&f, Page::default()).await.unwrap();
    let failures = trail
        .items
        .iter()
        .filter(|r| r.event.outcome != vigie_domain::audit::Outcome::Success)
        .count();
    assert_eq!(
        failures, 7,
        "each failure and the throttled attempt are traced (C28)"
    );
    assert!(trail.items.iter().all(|r| r.event.ip == "192.0.2.10"));
});

#[tokio::test]
async fn c25_ip_is_delayed_after_many_accounts_fail() {
    let app = TestApp::sqlite().await;
    app.person("victim@b.fr", &[]).await;
    let mut b = app.browser();
    for i in 0..20 {
        b.sign_in(&format!("guess{i}@b.fr"), "wrong password!!", "")
            .await;
    }
    assert_eq!(
        b.sign_in("victim@b.fr", PASSWORD, "").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let mut other = app.browser();
    other.ip = "198.51.100.7".into();
    assert_eq!(
        other.sign_in("victim@b.fr", PASSWORD, "").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn csrf_is_required_on_every_form() {
    let app = TestApp::sqlite().await;
    app.person("a@b.fr", &[]).await;
    let mut b = app.browser();
    // No token, a wrong token: refused before anything happens.
    let r = b
        .post_raw("/sign-in", &[("email", "a@b.fr"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Le formulaire a expiré"));
    let r = b
        .post_raw(
            "/sign-in",
            &[
                ("csrf", "forged"),
                ("email", "a@b.fr"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut b = app.signed_in("a@b.fr").await;
    for path in [
        "/sign-out",
        "/account/preferences",
        "/account/password",
        "/account/totp",
        "/account/totp/disable",
    ] {
        let r = b.post_raw(path, &[("csrf", "forged")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    // The token of another session does not work either.
    let mut other = app.signed_in("a@b.fr").await;
    let theirs = other.csrf("/account").await;
    let r = b.post_raw("/sign-out", &[("csrf", &theirs)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        b.get("/account").await.status,
        StatusCode::OK,
        "still signed in"
    );
}

both!(c25_password_reset_by_one_time_link, |app| {
    let u = app.person("a@b.fr", &[]).await;
    let mut old = app.signed_in("a@b.fr").await;
    let mut b = app.browser();
    let r = b.post("/password/forgot", &[("email", "A@B.fr")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let same = b
        .post("/password/forgot", &[("email", "nobody@b.fr")])
        .await;
    assert_eq!(
        extract(&r.body, "<p class=\"flash\" role=\"status\">", "<"),
        extract(&same.body, "<p class=\"flash\" role=\"status\">", "<"),
        "the answer does not reveal who has an account"
    );
    let mail = app
        .store
        .list_messages("a@b.fr", Page::default())
        .await
        .unwrap();
    assert_eq!(mail.total, 1);
    let body = &mail.items[0].body;
    assert!(!body.contains(PASSWORD), "never a password by email");
    let link = extract(body, "http://127.0.0.1:8080", "\n").unwrap();
    assert!(link.starts_with("/password/reset/"));
    assert_eq!(b.get(&link).await.status, StatusCode::OK);
    // A refused password keeps the link usable and says why.
    let r = b
        .post(&link, &[("password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("au moins 12 caractères"));
    let r = b
        .post(
            &link,
            &[
                ("password", "un nouveau secret solide"),
                ("confirm", "autre chose encore"),
            ],
        )
        .await;
    assert!(r.body.contains("Les deux mots de passe diffèrent."));
    let r = b
        .post(
            &link,
            &[
                ("password", "un nouveau secret solide"),
                ("confirm", "un nouveau secret solide"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/sign-in?flash=reset_done");
    // Used once; every old session is closed.
    assert_eq!(b.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(old.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        b.sign_in("a@b.fr", PASSWORD, "").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        b.sign_in("a@b.fr", "un nouveau secret solide", "")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let f = TrailFilter {
        action_prefix: "auth.password_reset".into(),
        ..Default::default()
    };
    let t = app.store.instance_trail(&f, Page::default()).await.unwrap();
    assert!(
        t.items
            .iter()
            .any(|r| r.event.action == "auth.password_reset" && r.event.actor.user == Some(u.id))
    );
});

#[tokio::test]
async fn c25_totp_second_factor_and_recovery_codes() {
    let app = TestApp::sqlite().await;
    app.person("a@b.fr", &[]).await;
    let mut b = app.signed_in("a@b.fr").await;
    let setup = b.get("/account/totp").await;
    let secret = extract(&setup.body, "name=\"secret\" value=\"", "\"").unwrap();
    // A QR code to scan, drawn by Vigie as inline SVG (issue 18).
    let qr = extract(&setup.body, "<figure class=\"qr\"", "</figure>").unwrap();
    assert!(qr.contains("<svg") && qr.contains("aria-label="), "{qr}");
    assert!(!setup.body.contains("<?xml"));
    let r = b
        .post(
            "/account/totp",
            &[
                ("secret", &secret),
                ("code", "000000x"),
                ("current", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = vigie_web::mfa::current_code(&secret).unwrap();
    // Issue 12: a session alone does not change the second factor.
    let r = b
        .post("/account/totp", &[("secret", &secret), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Le mot de passe actuel est incorrect."));
    let r = b
        .post(
            "/account/totp",
            &[("secret", &secret), ("code", &code), ("current", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let codes: Vec<String> = r
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    // Issue 12: the secret is sealed at rest, not stored in clear.
    let u = app
        .store
        .user_by_email(&vigie_domain::account::Email::parse("a@b.fr").unwrap())
        .await
        .unwrap();
    let stored = app
        .store
        .credentials(u.id)
        .await
        .unwrap()
        .totp_secret
        .unwrap();
    assert!(
        stored.starts_with("sealed:") && !stored.contains(&secret),
        "{stored}"
    );

    let mut c = app.browser();
    assert_eq!(
        c.sign_in("a@b.fr", PASSWORD, "").await.status,
        StatusCode::UNAUTHORIZED,
        "code required"
    );
    assert_eq!(
        c.sign_in("a@b.fr", PASSWORD, "123").await.status,
        StatusCode::UNAUTHORIZED
    );
    let code = vigie_web::mfa::current_code(&secret).unwrap();
    assert_eq!(
        c.sign_in("a@b.fr", PASSWORD, &code).await.status,
        StatusCode::SEE_OTHER
    );
    // Issue 12: the same code is not accepted twice within its window
    // (RFC 6238 §5.2): someone who saw it cannot reuse it.
    let mut replay = app.browser();
    assert_eq!(
        replay.sign_in("a@b.fr", PASSWORD, &code).await.status,
        StatusCode::UNAUTHORIZED,
        "replayed code"
    );
    let mut d = app.browser();
    assert_eq!(
        d.sign_in("a@b.fr", PASSWORD, &codes[0]).await.status,
        StatusCode::SEE_OTHER
    );
    let mut e = app.browser();
    assert_eq!(
        e.sign_in("a@b.fr", PASSWORD, &codes[0]).await.status,
        StatusCode::UNAUTHORIZED,
        "single use"
    );
}

both!(c25_disabling_an_account_ends_its_sessions_at_once, |app| {
    let t = app.tenant("commune-a").await;
    app.account("admin@provider.fr", true, &[]).await;
    let u = app
        .person("agent@commune-a.fr", &[(&t, &[Role::Agent])])
        .await;
    let mut agent = app.signed_in("agent@commune-a.fr").await;
    assert_eq!(agent.get("/t/commune-a").await.status, StatusCode::OK);
    let mut admin = app.signed_in("admin@provider.fr").await;
    let r = admin
        .post(&format!("/admin/users/{}/disable", u.id), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        agent.get("/t/commune-a").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.browser()
            .sign_in("agent@commune-a.fr", PASSWORD, "")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let f = TrailFilter {
        action_prefix: "user.disable".into(),
        ..Default::default()
    };
    let t = app.store.instance_trail(&f, Page::default()).await.unwrap();
    assert_eq!(
        t.items[0].event.actor.label, "admin@provider.fr",
        "admin actions are traced (C28)"
    );
});

#[tokio::test]
async fn c25_password_change_checks_current_and_policy() {
    let app = TestApp::sqlite().await;
    app.person("camille.martin@b.fr", &[]).await;
    let mut b = app.signed_in("camille.martin@b.fr").await;
    let mut other = app.signed_in("camille.martin@b.fr").await;
    let r = b
        .post(
            "/account/password",
            &[("current", "nope"), ("password", "x"), ("confirm", "x")],
        )
        .await;
    assert!(r.body.contains("Le mot de passe actuel est incorrect."));
    let r = b
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "martin-2026-secret"),
                ("confirm", "martin-2026-secret"),
            ],
        )
        .await;
    assert!(
        r.body.contains("ni votre nom ni votre adresse"),
        "policy checks the account's own address"
    );
    let r = b
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("password", "lune pleine sur le lac"),
                ("confirm", "lune pleine sur le lac"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        b.get("/account").await.status,
        StatusCode::OK,
        "this session continues"
    );
    assert_eq!(
        other.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "others are closed"
    );
}

// Issue 12 (C25): the forgotten-password form cannot flood a mailbox
// (three links per account and quarter hour, ten requests per address,
// the same answer either way), and using one link voids the others.
both!(
    c25_password_reset_is_throttled_and_one_use_voids_all_links,
    |app| {
        app.person("victime@b.fr", &[]).await;
        let mut attacker = app.browser();
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(
                attacker
                    .post("/password/forgot", &[("email", "victime@b.fr")])
                    .await
                    .status,
            );
        }
        let mails = app
            .store
            .list_messages("victime@b.fr", Page::default())
            .await
            .unwrap();
        assert_eq!(mails.total, 3, "three links, not twelve");
        assert_eq!(statuses[..10], [StatusCode::OK; 10]);
        assert_eq!(statuses[10..], [StatusCode::TOO_MANY_REQUESTS; 2]);
        // From another address, the victim still gets no fourth link.
        let mut other = app.browser();
        other.ip = "192.0.2.77".into();
        let r = other
            .post("/password/forgot", &[("email", "victime@b.fr")])
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            app.store
                .list_messages("victime@b.fr", Page::default())
                .await
                .unwrap()
                .total,
            3
        );
        let links: Vec<String> = mails
            .items
            .iter()
            .map(|m| extract(&m.body, "http://127.0.0.1:8080", "\n").unwrap())
            .collect();
        let r = other
            .post(
                &links[0],
                &[
                    ("password", "un nouveau secret solide"),
                    ("confirm", "un nouveau secret solide"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        for l in &links[1..] {
            assert_eq!(other.get(l).await.status, StatusCode::NOT_FOUND, "{l}");
        }
    }
);

// Issue 12 (C25, C28): behind a listed reverse proxy, the trail and the
// per-address limits see the person's address; a header from anyone else
// is ignored.
#[tokio::test]
async fn c28_only_a_trusted_proxy_names_the_caller() {
    for (trusted, expected) in [(true, "198.51.100.7"), (false, "192.0.2.10")] {
        let settings = vigie_web::WebSettings {
            trusted_proxies: if trusted {
                vec!["192.0.2.10".parse().unwrap()]
            } else {
                vec![]
            },
            ..vigie_web::WebSettings::default()
        };
        let app = TestApp::with_settings(settings).await;
        let mut b = app.browser();
        b.headers
            .push(("x-forwarded-for".into(), "198.51.100.7".into()));
        let r = b.sign_in("personne@b.fr", "mauvais mot de passe", "").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let f = TrailFilter {
            action_prefix: "auth.sign_in".into(),
            ..Default::default()
        };
        let t = app.store.instance_trail(&f, Page::default()).await.unwrap();
        assert!(!t.items.is_empty());
        assert!(
            t.items.iter().all(|r| r.event.ip == expected),
            "trusted={trusted}: {:?}",
            t.items.iter().map(|r| &r.event.ip).collect::<Vec<_>>()
        );
    }
}

// Issue 12 (C25): the delay grows with the failures and counts from the
// last one, with the durations production uses (failures placed in the
// past through the store, not shortened constants): after 5 failures the
// account waits 1 minute, after 6 two; then the right password works.
both!(c25_the_sign_in_delay_grows_as_documented, |app| {
    use jiff::{SignedDuration, Timestamp};
    app.person("a@b.fr", &[]).await;
    let key = "account:a@b.fr";
    let now = Timestamp::now();
    let ago = |s: i64| now - SignedDuration::from_secs(s);
    // Five failures, the last 30 s ago: one minute to wait.
    for s in [600, 500, 400, 300, 30] {
        app.store.record_sign_in_failure(key, ago(s)).await.unwrap();
    }
    let mut b = app.browser();
    assert_eq!(
        b.sign_in("a@b.fr", PASSWORD, "").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The same five, the last 70 s ago: the minute is over.
    app.store.clear_sign_in_failures(key).await.unwrap();
    for s in [600, 500, 400, 300, 70] {
        app.store.record_sign_in_failure(key, ago(s)).await.unwrap();
    }
    assert_eq!(
        b.sign_in("a@b.fr", PASSWORD, "").await.status,
        StatusCode::SEE_OTHER,
        "no fixed 15-minute lockout"
    );
    // Six failures, the last 70 s ago: two minutes, still waiting; and it
    // keeps growing past the old 15-minute window (failures an hour old
    // still count).
    app.store.clear_sign_in_failures(key).await.unwrap();
    for s in [3600, 3000, 2400, 1800, 1200, 70] {
        app.store.record_sign_in_failure(key, ago(s)).await.unwrap();
    }
    let mut c = app.browser();
    c.ip = "198.51.100.8".into();
    assert_eq!(
        c.sign_in("a@b.fr", PASSWORD, "").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
});
