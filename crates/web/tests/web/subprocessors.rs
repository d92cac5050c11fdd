//! Sub-processors through the pages (C07–C10): the transfer guard refuses
//! with its reason, a change is notified to the tenants concerned only,
//! a tenant objects with a reason within its window, silence is recorded
//! as acceptance, the provider resolves the objection.

use axum::http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use vigie_domain::{page::Page, role::Role, subprocessor::WindowState};

use crate::{
    both,
    support::{TestApp, test_vault},
};

both!(c07_c10_sub_processors_notices_and_objections, |app| {
    let a = app.tenant("commune-a").await;
    let b = app.tenant("syndicat-b").await;
    let c = app.tenant("ccas-c").await;
    app.account("admin@hebergeur.fr", true, &[]).await;
    app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
    app.person("dpo@syndicat-b.fr", &[(&b, &[Role::Dpo])]).await;
    app.person("dpo@ccas-c.fr", &[(&c, &[Role::Dpo])]).await;
    let mut admin = app.signed_in("admin@hebergeur.fr").await;

    // C08: outside the EEA without a safeguard, refused with its reason.
    let refused = admin
        .post(
            "/admin/sous-traitants",
            &[
                ("name", "Nuage Lointain"),
                ("purpose", "Sauvegardes"),
                ("sites", "Virginie ; US"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("(art. 46)") && refused.body.contains("US est hors"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Virginie ; US"),
        "what was typed stays"
    );
    let bad_country = admin
        .post(
            "/admin/sous-traitants",
            &[("name", "X"), ("purpose", "Y"), ("sites", "Paris ; France")],
        )
        .await;
    assert!(bad_country.body.contains("id=\"sp-sites-error\""));

    let created = admin
        .post(
            "/admin/sous-traitants",
            &[
                ("name", "Scaleway"),
                ("address", "8 rue de la Ville-l'Évêque, 75008 Paris"),
                ("purpose", "Hébergement"),
                ("sites", "Paris DC3 ; FR"),
                ("certifications", "ISO 27001\nHDS"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let page = created.location().split('?').next().unwrap().to_owned();

    // C09: notified to A and B, not C.
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
    let mails = app
        .store
        .list_messages("dpo@commune-a.fr", Page::default())
        .await
        .unwrap();
    let mail = &mails.items[0];
    assert!(mail.subject.contains("Scaleway"));
    assert!(mail.body.contains("10 jours") && mail.body.contains("Paris DC3 (FR)"));
    assert_eq!(
        app.store
            .list_messages("dpo@ccas-c.fr", Page::default())
            .await
            .unwrap()
            .total,
        0
    );

    // C10: each tenant sees its own list, self-service.
    let mut dpo_a = app.signed_in("dpo@commune-a.fr").await;
    let list_a = dpo_a.get("/t/commune-a/sous-traitants").await;
    assert!(list_a.body.contains("Scaleway") && list_a.body.contains("Paris DC3 (FR)"));
    // C09: the notice names whom it is about (issue 18).
    assert!(
        list_a
            .body
            .contains("<strong>Ajout de Scaleway</strong> — Hébergement de l&#39;état civil"),
        "{}",
        list_a.body
    );
    let mut dpo_c = app.signed_in("dpo@ccas-c.fr").await;
    assert!(
        !dpo_c
            .get("/t/ccas-c/sous-traitants")
            .await
            .body
            .contains("Scaleway")
    );

    // A objects, with a reason; an empty reason is refused.
    let notice = app
        .store
        .notices_of_tenant(&vigie_domain::scope::TenantScope::of_provider(a.id))
        .await
        .unwrap()[0]
        .notice;
    let empty = dpo_a
        .post(
            &format!("/t/commune-a/sous-traitants/avis/{notice}/objection"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let objected = dpo_a
        .post(
            &format!("/t/commune-a/sous-traitants/avis/{notice}/objection"),
            &[(
                "reason",
                "Nous exigeons un hébergement HDS dans le Grand Est",
            )],
        )
        .await;
    assert_eq!(objected.status, StatusCode::SEE_OTHER, "{}", objected.body);
    // C cannot answer a notice it never received.
    let other = dpo_c
        .post(
            &format!("/t/ccas-c/sous-traitants/avis/{notice}/acceptation"),
            &[],
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // Eleven days later, B's silence is acceptance.
    let vault = test_vault();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    let later = Timestamp::now() + SignedDuration::from_hours(24 * 15);
    assert_eq!(
        vigie_service::subprocessors::close_windows(ctx, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.store
            .notices_of_tenant(&vigie_domain::scope::TenantScope::of_provider(b.id))
            .await
            .unwrap()[0]
            .state,
        WindowState::AcceptedBySilence
    );
    assert_eq!(
        app.store
            .notices_of_tenant(&vigie_domain::scope::TenantScope::of_provider(a.id))
            .await
            .unwrap()[0]
            .state,
        WindowState::Objected
    );

    // The provider resolves A's objection.
    let resolved = admin
        .post(
            &format!("{page}/avis/{notice}/{}", a.id),
            &[(
                "resolution",
                "Données de la commune maintenues chez l'ancien hébergeur",
            )],
        )
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    let shown = admin.get(&page).await;
    assert!(shown.body.contains("Objection résolue"));
    assert!(
        shown.body.contains("Accepté (silence à l&#x27;échéance)")
            || shown.body.contains("silence")
    );
});
