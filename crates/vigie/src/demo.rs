//! `vigie demo`: a living instance from the seeds' organisations, with one
//! account per role, so the product can be tried in a browser at once.

use std::path::Path;

use anyhow::Result;
use jiff::Timestamp;
use vigie_domain::{
    account::{DisplayName, Email, NewPassword},
    audit::{Actor, AuditEvent, Outcome},
    rights::{Intake, RequestKind, Verification},
    role::{Role, Roles},
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
};
use vigie_service::{
    Ctx,
    rights::{self, RequestInput},
    systems::{self, SystemInput},
};
use vigie_store::{NewUser, Store, StoreError, vault::Vault};
use vigie_web::PasswordHasher;

/// Every demo account uses this password; it satisfies the policy.
pub const DEMO_PASSWORD: &str = "Tournesol-Brume-2026";

pub struct DemoAccount {
    pub email: &'static str,
    pub name: &'static str,
    pub provider_admin: bool,
    /// (tenant slug, roles)
    pub roles: &'static [(&'static str, &'static [Role])],
    pub what: &'static str,
}

pub const TENANTS: &[(&str, &str)] = &[
    ("cis-valley", "CIS Valley (hébergeur et éditeur)"),
    ("sidec-jura", "SIDEC du Jura — « Mes demandes »"),
    ("commune-exemple", "Commune d'Exemple-sur-Loue"),
];

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        email: "admin@cis-valley.example",
        name: "Alix Martin",
        provider_admin: true,
        roles: &[],
        what: "administrateur de la plateforme / platform administrator",
    },
    DemoAccount {
        email: "dpo@cis-valley.example",
        name: "Dominique Pereira",
        provider_admin: false,
        roles: &[
            ("cis-valley", &[Role::Dpo]),
            ("sidec-jura", &[Role::Dpo]),
            ("commune-exemple", &[Role::Dpo]),
        ],
        what: "DPO mutualisé des trois organisations / shared DPO of all three",
    },
    DemoAccount {
        email: "gestion@sidec.example",
        name: "Gabriel Simon",
        provider_admin: false,
        roles: &[("sidec-jura", &[Role::UserManager])],
        what: "gestionnaire des utilisateurs du SIDEC / SIDEC user manager",
    },
    DemoAccount {
        email: "agent@sidec.example",
        name: "Anna Leroy",
        provider_admin: false,
        roles: &[("sidec-jura", &[Role::Agent])],
        what: "agent du SIDEC / SIDEC agent",
    },
    DemoAccount {
        email: "auditeur@cis-valley.example",
        name: "Aurore Blanc",
        provider_admin: false,
        roles: &[
            ("sidec-jura", &[Role::Auditor]),
            ("commune-exemple", &[Role::Auditor]),
        ],
        what: "auditeur en lecture seule / read-only auditor",
    },
];

/// Creates the demo tenants and accounts unless they exist. Idempotent.
pub async fn seed(store: &dyn Store, hasher: &PasswordHasher) -> Result<bool> {
    let first = TenantSlug::parse(TENANTS[0].0)?;
    match store.tenant_by_slug(&first).await {
        Ok(_) => return Ok(false),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let mut tenants = Vec::new();
    for (slug, name) in TENANTS {
        tenants.push(
            store
                .create_tenant(&TenantSlug::parse(slug)?, &TenantName::parse(name)?)
                .await?,
        );
    }
    for a in ACCOUNTS {
        let email = Email::parse(a.email)?;
        let name = DisplayName::parse(a.name)?;
        let pw = NewPassword::parse(DEMO_PASSWORD, &email, &name)?;
        let user = store
            .create_user(&NewUser {
                email,
                name,
                password_hash: hasher.hash(pw.expose()).await?,
                is_provider_admin: a.provider_admin,
                locale: "fr".into(),
                time_zone: "Europe/Paris".into(),
            })
            .await?;
        for (slug, roles) in a.roles {
            if let Some(t) = tenants.iter().find(|t| t.slug.as_str() == *slug) {
                store
                    .set_roles(
                        &TenantScope::of_provider(t.id),
                        user.id,
                        &Roles::new(roles.to_vec()),
                    )
                    .await?;
            }
        }
    }
    store
        .append(&AuditEvent {
            actor: Actor {
                user: None,
                label: "cli:demo".into(),
            },
            tenant: None,
            action: "demo.seed".into(),
            object: format!("tenants:{}", TENANTS.len()),
            ip: String::new(),
            user_agent: String::new(),
            outcome: Outcome::Success,
        })
        .await?;
    Ok(true)
}

/// What `vigie demo` prints.
pub fn banner(base_url: &str) -> String {
    let mut s = format!(
        "\nVigie (démo) : {base_url}\nComptes de démonstration / demo accounts — mot de passe / password: {DEMO_PASSWORD}\n"
    );
    for a in ACCOUNTS {
        s.push_str(&format!("  {:<30} {}\n", a.email, a.what));
    }
    s.push_str("Courriels / emails: data/outbox/*.eml\n");
    s.push_str(&format!(
        "Site de la commune avec son bandeau de consentement / a site with the consent banner: {}/p/sidec-jura/site-demo\n",
        base_url.trim_end_matches('/')
    ));
    s
}

/// The provider's own organisation among the demo's tenants.
pub const PROVIDER_TENANT: &str = "cis-valley";

/// People in the demo's application database.
const DEMO_PEOPLE: i64 = 40;

/// The rights side of the demo, unless it exists: a "Mes demandes"
/// application database (SQLite, fictitious people) connected to the
/// SIDEC tenant with its dataset, and two requests — one just received
/// from the public form's person, one received by letter five weeks ago
/// and now late — so that an access or an erasure can be run from the
/// browser with no external service.
pub async fn seed_rights(
    store: &dyn Store,
    vault: &Vault,
    clients_dir: &Path,
    base_url: &str,
    confinement: &vigie_connect::Confinement,
) -> Result<()> {
    let slug = TenantSlug::parse("sidec-jura")?;
    let tenant = store.tenant_by_slug(&slug).await?;
    if !store
        .all_systems(&TenantScope::of_provider(tenant.id))
        .await?
        .is_empty()
    {
        return Ok(());
    }
    std::fs::create_dir_all(clients_dir)?;
    let path = std::path::absolute(clients_dir.join("mes-demandes.db"))?;
    let url = format!("sqlite://{}", path.display());
    if !path.exists() {
        std::fs::File::create(&path)?;
        vigie_connect::fixture::install(&url, DEMO_PEOPLE)
            .await
            .map_err(|e| anyhow::anyhow!("demo application database: {e}"))?;
        // When each contact last used the portal: a quarter of them not
        // for five years, for the retention rule of the demo (C21).
        let mut c = vigie_connect::Conn::open(&url)
            .await
            .map_err(|e| anyhow::anyhow!("demo application database: {e}"))?;
        let added = c
            .run(
                "ALTER TABLE contacts ADD COLUMN derniere_activite DATE; \
                 UPDATE contacts SET derniere_activite = CASE WHEN id % 4 = 0 \
                 THEN '2021-03-15' ELSE '2026-10-01' END",
            )
            .await;
        c.close().await;
        added.map_err(|e| anyhow::anyhow!("demo application database: {e}"))?;
    }
    let scope = TenantScope::of_provider(tenant.id);
    let ctx = Ctx {
        store,
        vault,
        base_url,
        confinement,
    };
    let now = Timestamp::now();
    systems::create(
        ctx,
        &scope,
        &SystemInput {
            name: "Mes demandes (SIDEC)".into(),
            url,
            dataset: vigie_connect::fixture::DATASET.into(),
        },
        "démonstration",
        now,
    )
    .await?;
    let today = vigie_domain::time::legal_date(now);
    for (person, kind, days_ago, verified) in [
        (4, RequestKind::Access, 2, false),
        (7, RequestKind::Erasure, 36, true),
    ] {
        let p = vigie_connect::fixture::person(person);
        let input = RequestInput {
            kind,
            name: format!("{} {}", p.prenom, p.nom),
            email: Some(Email::parse(&p.email)?),
            phone: String::new(),
            details: String::new(),
            channels: vec![],
            rectifications: vec![],
            contact: Default::default(),
        };
        let received = today.checked_sub(jiff::ToSpan::days(days_ago))?;
        let r = rights::record(
            ctx,
            &scope,
            "démonstration",
            &input,
            Intake::Letter,
            received,
            now,
        )
        .await?;
        if verified {
            rights::verify(
                ctx,
                &r,
                Verification::DocumentSeen,
                rights::IdentityCheck::all(&r),
                "démonstration",
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// The demo registers (CIS Valley's after seed 004, the SIDEC's "Mes
/// demandes" after seed 002) and the sub-processors of seed 000 serving
/// the client organisations, unless they exist.
pub async fn seed_register(store: &dyn Store) -> Result<()> {
    if store
        .subprocessors("", vigie_domain::page::Page::default())
        .await?
        .total
        == 0
    {
        let mut clients = Vec::new();
        for slug in ["sidec-jura", "commune-exemple"] {
            clients.push(store.tenant_by_slug(&TenantSlug::parse(slug)?).await?.id);
        }
        let received = vigie_domain::time::legal_date(Timestamp::now());
        for sp in crate::demo_register::subprocessors() {
            sp.transfer_basis()?;
            let stored = store.create_subprocessor(&sp, Timestamp::now()).await?;
            // A notice each, its window open, so that an objection can be tried.
            let deadline = vigie_domain::calendar::Calendar::France.days_after(received, 10);
            store
                .create_notice(&vigie_store::NewNotice {
                    subprocessor: stored.id,
                    kind: vigie_domain::subprocessor::ChangeKind::Added,
                    replaces: String::new(),
                    activities: "Hébergement et exploitation des logiciels".into(),
                    at: Timestamp::now(),
                    tenants: clients.iter().map(|t| (*t, deadline)).collect(),
                })
                .await?;
        }
    }
    // What the seeds publish is on the public policy; drafts are not.
    let change = |mut body: vigie_domain::register::Activity, status| {
        body.published = status != vigie_domain::register::ActivityStatus::Draft;
        vigie_store::ActivityChange {
            status,
            body,
            author: "démonstration".into(),
            reason: "reprise du registre publié".into(),
            at: Timestamp::now(),
        }
    };
    let cis = store
        .tenant_by_slug(&TenantSlug::parse("cis-valley")?)
        .await?;
    if store
        .all_activities(&TenantScope::of_provider(cis.id))
        .await?
        .is_empty()
    {
        let scope = TenantScope::of_provider(cis.id);
        for (body, status) in crate::demo_register::cis_valley() {
            store.create_activity(&scope, &change(body, status)).await?;
        }
    }
    // The SIDEC's "Mes demandes" activity comes from the product's model
    // register (C03), as a client importing it would have it.
    let sidec = store
        .tenant_by_slug(&TenantSlug::parse("sidec-jura")?)
        .await?;
    if store
        .all_activities(&TenantScope::of_provider(sidec.id))
        .await?
        .is_empty()
    {
        let scope = TenantScope::of_provider(sidec.id);
        let activities = crate::demo_register::sidec();
        let bodies: Vec<_> = activities.iter().map(|(a, _)| a.clone()).collect();
        let model = store
            .create_model(
                "Mes demandes (iTop, COMBODO)",
                &bodies,
                "démonstration",
                Timestamp::now(),
            )
            .await?;
        for (body, status) in activities {
            let link = vigie_store::ModelLink {
                model: model.id,
                version: model.version,
                name: body.name.clone(),
            };
            store
                .create_linked_activity(&scope, &change(body, status), &link)
                .await?;
        }
    }
    // The SIDEC DPO's follow-up: an assessment begun, advice waiting for
    // an answer, an action late and one to come (issue 17).
    let scope = TenantScope::of_provider(sidec.id);
    if store.all_follow_ups(&scope).await?.is_empty()
        && let Some(platform) = store.all_activities(&scope).await?.first()
    {
        crate::demo_register::seed_follow_up(store, &scope, platform.id).await?;
    }
    // Each organisation's sheet, which the policies and exports use.
    for (slug, sheet) in crate::demo_register::sheets() {
        let t = store.tenant_by_slug(&TenantSlug::parse(slug)?).await?;
        let scope = TenantScope::of_provider(t.id);
        if store.organisation_sheet(&scope).await?.is_none() {
            store
                .save_organisation_sheet(&scope, &sheet, "démonstration", Timestamp::now())
                .await?;
        }
    }
    Ok(())
}

/// The breach register of the demo (C17–C20), unless it exists: one
/// breach whose clock runs, one notified in two phases with its Art. 34
/// decision, one incident that was not a breach.
pub async fn seed_incidents(store: &dyn Store, vault: &Vault, base_url: &str) -> Result<()> {
    use jiff::SignedDuration;
    use vigie_domain::breach::{Criterion, Facts, InformDecision, Intake, PhaseKind};
    use vigie_service::breaches::{self, Declaration};

    let tenant = store
        .tenant_by_slug(&TenantSlug::parse("sidec-jura")?)
        .await?;
    let scope = TenantScope::of_provider(tenant.id);
    if store.incidents(&scope, "", Default::default()).await?.total > 0 {
        return Ok(());
    }
    let confinement = vigie_connect::Confinement::default();
    let ctx = Ctx {
        store,
        vault,
        base_url,
        confinement: &confinement,
    };
    let now = Timestamp::now();
    let hours = |h: i64| now - SignedDuration::from_hours(h);
    let declared = |title: &str, description: &str, aware_at, intake| Declaration {
        title: title.into(),
        description: description.into(),
        aware_at,
        intake,
        declared_by: "Agent de démonstration".into(),
    };
    let dpo = "dpo@sidec-jura.fr (démonstration)".to_owned();

    // Notified in two phases, ten days ago; no high risk for the people.
    let sent = hours(240);
    let i = breaches::declare(
        ctx,
        &scope,
        &declared(
            "Courriel de relance envoyé au mauvais destinataire",
            "Un agent a joint le tableau des impayés de cantine d'une commune à un courriel destiné à une autre.",
            sent,
            Intake::Account,
        ),
        sent + SignedDuration::from_hours(1),
    )
    .await?;
    let mut facts = Facts {
        criteria: vec![Criterion::Confidentiality],
        is_breach: Some(true),
        started_at: Some(sent - SignedDuration::from_mins(20)),
        ended_at: Some(sent),
        origin: "Erreur humaine".into(),
        cause: "Pièce jointe choisie dans le mauvais dossier".into(),
        activities: "Facturation de la restauration scolaire".into(),
        person_categories: "Familles d'élèves".into(),
        persons: Some(37),
        consequences: "Divulgation de dettes de cantine à une autre collectivité".into(),
        dpo_contact: dpo.clone(),
        ..Facts::default()
    };
    let i = breaches::qualify(
        ctx,
        &scope,
        &i,
        facts.clone(),
        sent,
        sent + SignedDuration::from_hours(3),
    )
    .await?;
    breaches::notify(
        ctx,
        &scope,
        &i,
        PhaseKind::Initial,
        "",
        "DPO SIDEC",
        sent + SignedDuration::from_hours(30),
    )
    .await?;
    let i = store.incident(&scope, i.id).await?;
    facts.records = Some(37);
    facts.measures_taken =
        "Le destinataire a confirmé la suppression par écrit ; rappel de la procédure d'envoi."
            .into();
    let later = sent + SignedDuration::from_hours(96);
    let i = breaches::qualify(ctx, &scope, &i, facts, sent, later).await?;
    breaches::notify(ctx, &scope, &i, PhaseKind::Complete, "", "DPO SIDEC", later).await?;
    let i = store.incident(&scope, i.id).await?;
    breaches::decide_inform(
        ctx,
        &scope,
        &i,
        InformDecision::NoHighRisk,
        "Un seul destinataire, agent public tenu au secret, suppression confirmée.",
        later,
    )
    .await?;

    // Not a breach: stays in the register with the reason.
    let aware = hours(72);
    let i = breaches::declare(
        ctx,
        &scope,
        &declared(
            "Coupure électrique de la salle serveur",
            "Trois heures d'interruption ; onduleur déchargé.",
            aware,
            Intake::Phone,
        ),
        aware + SignedDuration::from_mins(30),
    )
    .await?;
    let i = breaches::qualify(
        ctx,
        &scope,
        &i,
        Facts {
            criteria: vec![Criterion::Availability],
            is_breach: Some(false),
            not_breach_reason:
                "Aucune donnée perdue ni exposée : service rétabli, sauvegardes intactes.".into(),
            ..Facts::default()
        },
        aware,
        aware + SignedDuration::from_hours(2),
    )
    .await?;
    breaches::close(ctx, &scope, &i, aware + SignedDuration::from_hours(2)).await?;

    // The clock runs: 20 hours gone, qualified, not yet notified.
    let aware = hours(20);
    let i = breaches::declare(
        ctx,
        &scope,
        &declared(
            "Rançongiciel sur le serveur de fichiers",
            "Fichiers chiffrés et message de rançon sur le partage des services techniques.",
            aware,
            Intake::Account,
        ),
        aware + SignedDuration::from_mins(15),
    )
    .await?;
    breaches::qualify(
        ctx,
        &scope,
        &i,
        Facts {
            criteria: vec![Criterion::Availability, Criterion::Confidentiality],
            is_breach: Some(true),
            started_at: Some(aware - SignedDuration::from_hours(6)),
            origin: "Attaque externe".into(),
            systems: "Serveur de fichiers des services techniques".into(),
            person_categories: "Agents, usagers des services techniques".into(),
            persons: Some(850),
            consequences: "Indisponibilité des dossiers ; exfiltration possible".into(),
            measures_taken: "Serveur isolé du réseau, plainte en cours".into(),
            dpo_contact: dpo,
            ..Facts::default()
        },
        aware,
        aware + SignedDuration::from_hours(2),
    )
    .await?;
    Ok(())
}

/// A provider-wide incident ("problème") touching the two demo clients:
/// both told their own part, one update sent, still open (C19).
pub async fn seed_problems(store: &dyn Store, vault: &Vault, base_url: &str) -> Result<()> {
    use jiff::SignedDuration;
    use vigie_domain::breach::{Criterion, Facts, Intake};
    use vigie_service::{breaches::Declaration, problems};

    if store.problems("", Default::default()).await?.total > 0 {
        return Ok(());
    }
    let confinement = vigie_connect::Confinement::default();
    let ctx = Ctx {
        store,
        vault,
        base_url,
        confinement: &confinement,
    };
    let now = Timestamp::now();
    let aware = now - SignedDuration::from_hours(30);
    let p = problems::declare(
        ctx,
        &Declaration {
            title: "Panne de la baie de stockage mutualisée".into(),
            description: "Contrôleur de la baie défaillant : applications métier hébergées indisponibles, intégrité des dernières écritures à vérifier.".into(),
            aware_at: aware,
            intake: Intake::Phone,
            declared_by: "Astreinte d'exploitation (démonstration)".into(),
        },
        aware + SignedDuration::from_mins(10),
    )
    .await?;
    let p = problems::qualify(
        ctx,
        &p,
        Facts {
            criteria: vec![Criterion::Availability, Criterion::Integrity],
            started_at: Some(aware - SignedDuration::from_mins(40)),
            origin: "Panne matérielle".into(),
            systems: "Baie de stockage du centre d'hébergement principal".into(),
            measures_taken: "Bascule sur le site de secours ; contrôle des sauvegardes de la nuit."
                .into(),
            ..Facts::default()
        },
        aware,
        aware + SignedDuration::from_hours(1),
    )
    .await?;
    let parts = [
        (
            "sidec-jura",
            "Logiciel de gestion de l'état civil indisponible ; écritures de 8 h à 9 h à vérifier.",
            1200,
        ),
        (
            "cis-valley",
            "Portail des familles indisponible ; aucune écriture perdue à ce stade.",
            300,
        ),
    ];
    for (i, (slug, part, persons)) in parts.into_iter().enumerate() {
        let t = store.tenant_by_slug(&TenantSlug::parse(slug)?).await?;
        let at = aware + SignedDuration::from_hours(1);
        problems::add_client(
            ctx,
            &p,
            &t,
            part,
            Some(persons),
            "Administrateur de démonstration",
            at,
        )
        .await?;
        let c = store
            .impacted(p.id)
            .await?
            .into_iter()
            .find(|c| c.tenant == t.id)
            .ok_or_else(|| anyhow::anyhow!("{slug} is not on the list"))?;
        let told = aware + SignedDuration::from_hours(2 + 2 * i64::try_from(i)?);
        problems::notice(ctx, &p, &c, slug, "Administrateur de démonstration", told).await?;
    }
    let p = store.problem(p.id).await?;
    problems::update(
        ctx,
        &p,
        "Service rétabli sur le site de secours. Les écritures de 8 h à 9 h sont en cours de contrôle ; prochain point sous 4 heures.",
        false,
        "Administrateur de démonstration",
        aware + SignedDuration::from_hours(8),
    )
    .await?;
    Ok(())
}

/// The SIDEC's retention rules on its "Mes demandes" database (C21):
/// connection logs deleted after 6 months, contacts anonymised 3 years
/// after their last activity — both finding rows in the preview.
pub async fn seed_retention(
    store: &dyn Store,
    vault: &Vault,
    base_url: &str,
    confinement: &vigie_connect::Confinement,
) -> Result<()> {
    use vigie_service::retention::{self, RuleInput};
    let tenant = store
        .tenant_by_slug(&TenantSlug::parse("sidec-jura")?)
        .await?;
    let scope = TenantScope::of_provider(tenant.id);
    if !store.rules(&scope).await?.is_empty() {
        return Ok(());
    }
    let Some(system) = store.all_systems(&scope).await?.into_iter().next() else {
        return Ok(());
    };
    let ctx = Ctx {
        store,
        vault,
        base_url,
        confinement,
    };
    for (label, table, trigger, amount, unit, action) in [
        (
            "Journaux de connexion",
            "journaux",
            "le",
            "6",
            "months",
            "delete",
        ),
        (
            "Contacts inactifs",
            "contacts",
            "derniere_activite",
            "3",
            "years",
            "anonymise",
        ),
    ] {
        let input = RuleInput {
            system: system.id.0,
            label: label.into(),
            table: table.into(),
            trigger_column: trigger.into(),
            amount: amount.into(),
            unit: unit.into(),
            action: action.into(),
        };
        retention::create_rule(ctx, &scope, &input, Timestamp::now()).await?;
    }
    Ok(())
}

/// A preview of the sweep of Vigie's own data (C22), so that its page
/// shows a signed report from the first start.
pub async fn seed_own_preview(
    ctx: Ctx<'_>,
    policy: &vigie_domain::retention::OwnPolicy,
    key: &vigie_store::trail::TrailKey,
) -> Result<()> {
    if ctx
        .store
        .own_sweeps(vigie_domain::page::Page::default())
        .await?
        .total
        > 0
    {
        return Ok(());
    }
    let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
    vigie_service::own_data::sweep(
        ctx,
        policy,
        "démonstration",
        true,
        Timestamp::now(),
        0,
        &sign,
        &|_| false,
    )
    .await?;
    Ok(())
}

/// The demo's backups: to `backups/` in its folder, encrypted to a key
/// made for it and kept beside (a real instance keeps the secret key off
/// the server).
pub fn backup_config(c: &mut crate::config::Config) -> Result<()> {
    let path = c.data_dir.join("backup-identity.txt");
    if !path.exists() {
        std::fs::create_dir_all(&c.data_dir)?;
        let (identity, _) = vigie_backup::archive::Identities::generate();
        std::fs::write(&path, identity)?;
    }
    let identity = std::fs::read_to_string(&path)?;
    c.backup.recipients = vec![vigie_backup::archive::Identities::public_key_of(&identity)?];
    c.backup.identity = identity;
    c.backup.targets = vec![vigie_backup::target::TargetConfig::Directory {
        name: "dossier local".into(),
        path: c.data_dir.join("backups"),
    }];
    Ok(())
}

/// One backup at start, restore-tested, so its page shows one.
pub async fn first_backup(c: &crate::config::Config, store: &dyn Store) -> Result<()> {
    let Some(s) = crate::backups::settings(c, "démonstration")? else {
        return Ok(());
    };
    let key = crate::app::trail_key(c)?.public_hex();
    let b = vigie_backup::run::backup(store, &s, Timestamp::now(), &|_| false).await?;
    vigie_backup::run::rotate(store, &s, Timestamp::now()).await?;
    vigie_backup::restore::test(store, &s, &b, Some(&key)).await?;
    Ok(())
}

/// The SIDEC's website as a consent site (C36): its own demo page serves
/// the banner, from Vigie's own address.
pub async fn seed_consent(ctx: Ctx<'_>) -> Result<()> {
    use vigie_domain::consent::Category;
    let tenant = ctx
        .store
        .tenant_by_slug(&TenantSlug::parse("sidec-jura")?)
        .await?;
    let scope = TenantScope::of_provider(tenant.id);
    if !ctx.store.sites(&scope).await?.is_empty() {
        return Ok(());
    }
    let input = vigie_service::consent::SiteInput {
        name: "Site du SIDEC (démonstration)".into(),
        origin: ctx.base_url.to_owned(),
        notice_version: "2026-12".into(),
        services: [
            (Category::Performance, "Matomo".to_owned()),
            (Category::ThirdParty, "YouTube".to_owned()),
        ]
        .into_iter()
        .collect(),
    };
    vigie_service::consent::create_site(ctx, &scope, &input, Timestamp::now()).await?;
    Ok(())
}
