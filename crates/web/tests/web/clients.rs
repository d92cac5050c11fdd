//! C40/C41 and C02 through the pages: an audit refused with the reason
//! (notice, once a year), an authority's audit accepted; an instruction
//! recorded and flagged by the provider; the processor register shows each
//! client's processing, sub-processors and transfers.

use axum::http::StatusCode;
use jiff::{Timestamp, ToSpan};
use vigie_domain::role::Role;

use crate::{both, support::TestApp};

both!(
    c40_c41_c02_audits_instructions_and_processor_register,
    |app| {
        let a = app.tenant("commune-a").await;
        app.account("admin@hebergeur.fr", true, &[]).await;
        app.person("dpo@commune-a.fr", &[(&a, &[Role::Dpo])]).await;
        let mut dpo = app.signed_in("dpo@commune-a.fr").await;
        let today = Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
            .date();
        let soon = today.checked_add(10.days()).unwrap().to_string();
        let later = today.checked_add(2.months()).unwrap().to_string();
        let too_close = today.checked_add(5.months()).unwrap().to_string();

        let short = dpo
            .post(
                "/t/commune-a/audits",
                &[("scope", "Hébergement"), ("planned_on", &soon)],
            )
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            short.body.contains("la première date possible est le"),
            "{}",
            short.body
        );
        assert!(short.body.contains("value=\"Hébergement\""));
        let ok = dpo
            .post(
                "/t/commune-a/audits",
                &[("scope", "Hébergement"), ("planned_on", &later)],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let second = dpo
            .post(
                "/t/commune-a/audits",
                &[("scope", "Sauvegardes"), ("planned_on", &too_close)],
            )
            .await;
        assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(second.body.contains("Un audit par période de 12 mois"));
        let authority = dpo
            .post(
                "/t/commune-a/audits",
                &[
                    ("scope", "Sauvegardes"),
                    ("planned_on", &too_close),
                    ("authority_required", "on"),
                    ("authority", "CNIL"),
                ],
            )
            .await;
        assert_eq!(authority.status, StatusCode::SEE_OTHER);

        let given = today.to_string();
        let missing = dpo
            .post(
                "/t/commune-a/instructions",
                &[("given_on", &given), ("purpose", "Archivage")],
            )
            .await;
        assert!(missing.body.contains("id=\"in-op-error\""));
        let recorded = dpo
            .post(
                "/t/commune-a/instructions",
                &[
                    ("given_on", &given),
                    ("given_by", "Le maire"),
                    ("purpose", "Archivage"),
                    ("operation", "Conserver les dossiers 50 ans"),
                ],
            )
            .await;
        assert_eq!(recorded.status, StatusCode::SEE_OTHER);

        // C02: what the provider does for A — A's processing (with the
        // processor named), sub-processors, transfers, security measures —
        // in A's section, and nothing of A in B's.
        let b = app.tenant("syndicat-b").await;
        seed_processing(&app, &a, &b).await;
        let mut admin = app.signed_in("admin@hebergeur.fr").await;
        let register = admin.get("/admin/registre-sous-traitant").await;
        assert_eq!(register.status, StatusCode::OK);
        let section = |name: &str| {
            register
                .body
                .split("<section class=\"card\">")
                .find(|s| s.contains(&format!("<h2>{name}</h2>")))
                .unwrap_or_else(|| panic!("{}", register.body))
                .to_owned()
        };
        let of_a = section("Organisation commune-a");
        for expected in [
            "État civil — Logiciel Foncine",
            "Stockage Nord (Sauvegardes chiffrées)",
            "Support Outre-Atlantique (US, standard_clauses)",
            "Stockage Nord — Site Montréal (CA)",
            "Chiffrement des sauvegardes",
            "Journalisation des accès",
        ] {
            assert!(of_a.contains(expected), "{expected}: {of_a}");
        }
        assert!(
            !of_a.contains("Site Roubaix"),
            "a site in the EEA is no transfer"
        );
        let of_b = section("Organisation syndicat-b");
        for absent in [
            "État civil",
            "Stockage Nord",
            "Outre-Atlantique",
            "Chiffrement",
        ] {
            assert!(!of_b.contains(absent), "{absent}: {of_b}");
        }
        let instruction = app
            .store
            .instructions(
                &vigie_domain::scope::TenantScope::of_provider(a.id),
                "",
                Default::default(),
            )
            .await
            .unwrap()
            .items[0]
            .id;
        let no_reason = admin
            .post(
                &format!("/admin/clients/commune-a/instructions/{instruction}"),
                &[("flagged", "on")],
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let flagged = admin
            .post(
                &format!("/admin/clients/commune-a/instructions/{instruction}"),
                &[
                    ("flagged", "on"),
                    ("flag_reason", "Durée sans rapport avec la finalité"),
                ],
            )
            .await;
        assert_eq!(flagged.status, StatusCode::SEE_OTHER);
        let audit = app
            .store
            .audits(&vigie_domain::scope::TenantScope::of_provider(a.id))
            .await
            .unwrap()[0]
            .id;
        let planned = admin
            .post(
                &format!("/admin/clients/commune-a/audits/{audit}"),
                &[("plan", "Visite du site de Roubaix")],
            )
            .await;
        assert_eq!(planned.status, StatusCode::SEE_OTHER);
        let seen = dpo.get("/t/commune-a/instructions").await;
        assert!(seen.body.contains("Durée sans rapport avec la finalité"));
        assert!(
            dpo.get("/t/commune-a/audits")
                .await
                .body
                .contains("Visite du site de Roubaix")
        );
        // Only the provider administrator reaches these forms.
        assert_eq!(
            dpo.post(
                &format!("/admin/clients/commune-a/audits/{audit}"),
                &[("plan", "x")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    }
);

/// A's register and sub-processor, as the provider's register must show
/// them (C02); B has an activity of its own only.
async fn seed_processing(app: &TestApp, a: &vigie_store::Tenant, b: &vigie_store::Tenant) {
    use vigie_domain::{register::*, role::Roles, scope::TenantScope, subprocessor::*};
    let scope = |t: &vigie_store::Tenant| {
        TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Dpo]))
    };
    let change = |body: Activity| vigie_store::ActivityChange {
        status: ActivityStatus::Draft,
        body,
        author: "dpo".into(),
        reason: "création".into(),
        at: Timestamp::now(),
    };
    app.store
        .create_activity(
            &scope(a),
            &change(Activity {
                name: "État civil".into(),
                recipients: vec![Recipient {
                    kind: RecipientKind::Processor,
                    name: "Logiciel Foncine".into(),
                    subprocessor: None,
                }],
                transfers: vec![Transfer {
                    country: "US".into(),
                    recipient: "Support Outre-Atlantique".into(),
                    safeguard: Safeguard::StandardClauses,
                }],
                security_measures: vec![
                    "Chiffrement des sauvegardes".into(),
                    "Journalisation des accès".into(),
                ],
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    app.store
        .create_activity(
            &scope(b),
            &change(Activity {
                name: "Paie".into(),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let sp = app
        .store
        .create_subprocessor(
            &SubProcessor {
                name: "Stockage Nord".into(),
                purpose: "Sauvegardes chiffrées".into(),
                sites: vec![
                    Site {
                        name: "Site Roubaix".into(),
                        country: Country::parse("FR").unwrap(),
                    },
                    Site {
                        name: "Site Montréal".into(),
                        country: Country::parse("CA").unwrap(),
                    },
                ],
                ..Default::default()
            },
            Timestamp::now(),
        )
        .await
        .unwrap();
    app.store
        .create_notice(&vigie_store::NewNotice {
            subprocessor: sp.id,
            kind: ChangeKind::Added,
            replaces: String::new(),
            activities: "Sauvegardes".into(),
            at: Timestamp::now(),
            tenants: vec![(a.id, jiff::civil::date(2099, 1, 1))],
        })
        .await
        .unwrap();
}
