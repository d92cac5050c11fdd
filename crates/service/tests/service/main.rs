//! Rights requests end to end (C11–C16), on Vigie's SQLite and PostgreSQL
//! stores, executed against real PostgreSQL, MariaDB and SQLite
//! application databases created by the tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod breaches;
mod confine;
mod consent;
mod copies;
mod faults;
mod identity;
mod own_data;
mod problems;
mod retention;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use vigie_connect::{Confinement, Dialect, fixture, target::HostPattern};
use vigie_domain::{
    account::Email,
    dataset::IdentityKind,
    page::Page,
    rights::{Channel, Intake, RequestKind, RequestStatus, Verification},
    role::{Role, Roles},
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
};
use vigie_service::{
    Ctx, ServiceError,
    rights::{self, RequestInput},
    systems::{self, SystemInput},
};
use vigie_store::{Store, TaskState, Tenant, vault::Vault};
use vigie_store_sql::testing::{TempPostgres, TempSqlite, dyn_store};

const BASE: &str = "https://vigie.test";

struct World {
    store: Arc<dyn Store>,
    vault: Vault,
    confinement: Confinement,
}

impl World {
    fn new(store: Arc<dyn Store>) -> Self {
        World {
            store,
            vault: Vault::new([3; 32]),
            confinement: confinement(),
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            store: self.store.as_ref(),
            vault: &self.vault,
            base_url: BASE,
            confinement: &self.confinement,
        }
    }
}

/// The tests' places: the temporary folder (where the tests' own Vigie
/// SQLite databases live too) and the local servers (where the tests' own
/// Vigie PostgreSQL databases live too).
fn confinement() -> Confinement {
    Confinement {
        hosts: vec![
            HostPattern::parse("127.0.0.1:*").unwrap(),
            HostPattern::parse("localhost:*").unwrap(),
        ],
        sqlite_dirs: vec![std::fs::canonicalize(std::env::temp_dir()).unwrap()],
        connect_timeout: std::time::Duration::from_secs(2),
        statement_timeout: std::time::Duration::from_secs(5),
        ..Confinement::default()
    }
}

fn unique(prefix: &str) -> String {
    let mut b = [0u8; 5];
    getrandom::fill(&mut b).unwrap();
    format!("{prefix}_{}_{}", std::process::id(), hex(&b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn tenant(s: &dyn Store, slug: &str) -> (Tenant, TenantScope) {
    let t = s
        .create_tenant(
            &TenantSlug::parse(slug).unwrap(),
            &TenantName::parse(slug).unwrap(),
        )
        .await
        .unwrap();
    let scope =
        TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Dpo, Role::Agent]));
    (t, scope)
}

fn input(kind: RequestKind, person: i64) -> RequestInput {
    let p = fixture::person(person);
    RequestInput {
        kind,
        name: format!("{} {}", p.prenom, p.nom),
        email: Some(Email::parse(&p.email).unwrap()),
        phone: String::new(),
        details: "Demande d'essai".into(),
        channels: vec![],
        rectifications: vec![],
        contact: Default::default(),
    }
}

/// The code in the last email sent to `to`.
async fn code_sent_to(s: &dyn Store, to: &str) -> String {
    let m = s.list_messages(to, Page::default()).await.unwrap();
    let body = &m.items.first().expect("an email with the code").body;
    let at =
        body.find("code de confirmation est : ").unwrap() + "code de confirmation est : ".len();
    body[at..at + 6].to_owned()
}

/// An account (a provider administrator, or none) holding `role` in the
/// scope's tenant, if any.
pub(crate) async fn person(
    s: &dyn Store,
    email: &str,
    admin: bool,
    role: Option<(&TenantScope, Role)>,
) -> vigie_domain::account::User {
    let u = s
        .create_user(&vigie_store::NewUser {
            email: Email::parse(email).unwrap(),
            name: vigie_domain::account::DisplayName::parse("Personne").unwrap(),
            password_hash: "x".into(),
            is_provider_admin: admin,
            locale: "fr".into(),
            time_zone: "Europe/Paris".into(),
        })
        .await
        .unwrap();
    if let Some((scope, role)) = role {
        s.set_roles(scope, u.id, &Roles::new(vec![role]))
            .await
            .unwrap();
    }
    u
}

/// Runs every queued task of a request, like the worker.
async fn run_all(w: &World, r: &vigie_store::RightsRequest) -> Vec<Result<String, ServiceError>> {
    let mut out = Vec::new();
    for t in w
        .store
        .tasks(
            &vigie_domain::scope::TenantScope::of_provider(r.tenant),
            r.id,
        )
        .await
        .unwrap()
    {
        out.push(rights::run_task(w.ctx(), t.id, Timestamp::now()).await);
    }
    out
}

async fn scenario(store: Arc<dyn Store>, app: Dialect) {
    let w = World::new(store);
    let ctx = w.ctx();
    let (t, scope) = tenant(w.store.as_ref(), "sidec-test").await;
    let db_name = unique("vigie_app");
    let url = fixture::create_database(app, &db_name).await.unwrap();
    fixture::install(&url, 12).await.unwrap();
    let sys = systems::create(
        ctx,
        &scope,
        &SystemInput {
            name: "Mes demandes".into(),
            url: url.clone(),
            dataset: fixture::DATASET.into(),
        },
        "dpo",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert!(sys.checked_at.is_some(), "{}", sys.check_result);
    assert!(
        !String::from_utf8_lossy(&sys.url_sealed).contains("127.0.0.1") || app == Dialect::Sqlite
    );

    // C11/C12: the public form, the emailed code, a wrong try, the clock.
    let p = fixture::person(4);
    let (r, token) = rights::submit(ctx, &t, &input(RequestKind::Access, 4), Timestamp::now())
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::AwaitingEmailCheck);
    let code = code_sent_to(w.store.as_ref(), &p.email).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(matches!(
        rights::confirm(ctx, &token, wrong, Timestamp::now()).await,
        Err(ServiceError::WrongCode { left: 4 })
    ));
    let r = rights::confirm(ctx, &token, &code, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Received);
    assert!(r.due_on.is_some());
    // C12: nothing runs before identity is checked.
    assert!(matches!(
        rights::approve(ctx, &r, vec![], "agent", Timestamp::now()).await,
        Err(ServiceError::Step(_))
    ));
    let r = rights::verify(
        ctx,
        &r,
        Verification::EmailCode,
        rights::IdentityCheck::all(&r),
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let r = rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Executing);
    for res in run_all(&w, &r).await {
        res.unwrap();
    }
    let r = w
        .store
        .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Executed);
    // C15: the export holds the person's rows and nobody else's.
    let export = rights::export(ctx, &r).await.unwrap();
    let json = vigie_service::export::json(&r.reference, &export);
    let text = String::from_utf8(json.bytes).unwrap();
    assert!(text.contains(&p.email));
    assert!(!text.contains(&fixture::person(5).email));
    assert_eq!(vigie_service::export::csvs(&export).len(), 4);
    let (r, link) = rights::answer(ctx, &t, &r, "Voici vos données.", "agent", Timestamp::now())
        .await
        .unwrap();
    let link = link.unwrap();
    assert!(link.starts_with(&format!("{BASE}/p/sidec-test/export/")));
    let token = link.rsplit('/').next().unwrap();
    assert_eq!(
        w.store
            .download(&vigie_service::token_hash(token), Timestamp::now())
            .await
            .unwrap(),
        (t.id, r.id)
    );
    let r = rights::close(ctx, &r, "agent", Timestamp::now())
        .await
        .unwrap();
    // C16: the whole timeline.
    let steps: Vec<String> = w
        .store
        .events(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.step)
        .collect();
    assert_eq!(
        steps,
        [
            "submitted",
            "email_confirmed",
            "verified",
            "approved",
            "task_done",
            // Her mobile and login, read on her row, for the agent (C12).
            "identities_found",
            "executed",
            "answered",
            "closed"
        ]
    );

    // An erasure recorded from a letter, with the phone as identity.
    let mut letter = input(RequestKind::Erasure, 5);
    letter.phone = fixture::person(5).mobile.replace(' ', "");
    let today = Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .date();
    let r = rights::record(
        ctx,
        &scope,
        "agent",
        &letter,
        Intake::Letter,
        today,
        Timestamp::now(),
    )
    .await
    .unwrap();
    let r = rights::verify(
        ctx,
        &r,
        Verification::DocumentSeen,
        rights::IdentityCheck::all(&r),
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let r = rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
        .await
        .unwrap();
    let task = w
        .store
        .tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap()
        .remove(0);
    // A crash after the client commit, before "done" was written: the
    // next run finds nothing and keeps the first run's counts.
    rights::run_task(ctx, task.id, Timestamp::now())
        .await
        .unwrap();
    let mut t1 = w.store.task(task.id).await.unwrap();
    let first = (t1.found, t1.changed);
    assert!(first.0 > 0 && first.1 > 0);
    t1.state = TaskState::Applying;
    w.store.save_task(&t1).await.unwrap();
    let mut again = w
        .store
        .request(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap();
    if again.status == RequestStatus::Executed {
        // Put it back as the crash would have left it.
        let mut back = again.clone();
        back.status = RequestStatus::Executing;
        w.store
            .save_request(
                &back,
                RequestStatus::Executed,
                &vigie_store::RequestEvent {
                    at: Timestamp::now(),
                    actor: String::new(),
                    step: String::new(),
                    detail: String::new(),
                    detail_en: String::new(),
                },
                &[],
            )
            .await
            .unwrap();
        again = back;
    }
    let summary = rights::run_task(ctx, task.id, Timestamp::now())
        .await
        .unwrap();
    assert!(summary.contains("déjà appliqué"), "{summary}");
    let t2 = w.store.task(task.id).await.unwrap();
    assert_eq!((t2.found, t2.changed), first);
    assert_eq!(
        w.store
            .request(
                &vigie_domain::scope::TenantScope::of_provider(t.id),
                again.id
            )
            .await
            .unwrap()
            .status,
        RequestStatus::Executed
    );

    // A system that is down: the task fails naming it, and is retried.
    let (t_b, scope_b) = tenant(w.store.as_ref(), "commune-b").await;
    let down = systems::create(
        ctx,
        &scope_b,
        &SystemInput {
            name: "Logiciel éteint".into(),
            url: "postgres://nobody@127.0.0.1:1/app".into(),
            dataset: fixture::DATASET.into(),
        },
        "dpo",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert!(
        down.check_result.starts_with("not checked: not reachable"),
        "{}",
        down.check_result
    );
    let r = rights::record(
        ctx,
        &scope_b,
        "agent",
        &input(RequestKind::Restriction, 2),
        Intake::Email,
        today,
        Timestamp::now(),
    )
    .await
    .unwrap();
    let r = rights::verify(
        ctx,
        &r,
        Verification::InPerson,
        rights::IdentityCheck {
            added: vec![(IdentityKind::AccountId, "u000002".into())],
            ..rights::IdentityCheck::all(&r)
        },
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert!(
        r.identities
            .proven()
            .contains(&(IdentityKind::AccountId, "u000002".into()))
    );
    let r = rights::approve(ctx, &r, vec![], "agent", Timestamp::now())
        .await
        .unwrap();
    let results = run_all(&w, &r).await;
    assert!(matches!(&results[0], Err(ServiceError::Exec(_))));
    let tasks = w
        .store
        .tasks(&vigie_domain::scope::TenantScope::of_provider(t_b.id), r.id)
        .await
        .unwrap();
    assert_eq!(tasks[0].state, TaskState::Failed);
    assert!(
        tasks[0]
            .message
            .starts_with("cannot connect to the database: not reachable"),
        "{}",
        tasks[0].message
    );
    let events = w
        .store
        .events(&vigie_domain::scope::TenantScope::of_provider(t_b.id), r.id)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.step == "task_failed" && e.detail.starts_with("Logiciel éteint"))
    );
    // Issue 11: a failed execution is flagged, never "executed": in the
    // tenant's list (filter and flag), and in the daily email to its agents.
    let stalled = w.store.stalled_tasks(Some(t_b.id)).await.unwrap();
    assert_eq!(
        stalled
            .iter()
            .map(|t| (t.request, t.system.as_str(), t.state))
            .collect::<Vec<_>>(),
        vec![(r.id, "Logiciel éteint", TaskState::Failed)]
    );
    assert!(stalled[0].message.contains("not reachable"), "{stalled:?}");
    let flagged = w
        .store
        .requests(
            &scope_b,
            &vigie_store::RequestFilter {
                stalled_only: true,
                ..Default::default()
            },
            Page::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(
        flagged.items.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![r.id]
    );
    assert_ne!(
        w.store
            .request(&vigie_domain::scope::TenantScope::of_provider(t_b.id), r.id)
            .await
            .unwrap()
            .status,
        RequestStatus::Executed
    );
    person(
        w.store.as_ref(),
        "agent@logiciel-b.fr",
        false,
        Some((&TenantScope::of_provider(t_b.id), Role::Agent)),
    )
    .await;
    rights::remind(ctx, Timestamp::now()).await.unwrap();
    let mails = w
        .store
        .list_messages("agent@logiciel-b.fr", Page::new(None, None))
        .await
        .unwrap();
    assert!(
        mails.items.iter().any(|m| m
            .body
            .contains(&format!("{} : Logiciel éteint en échec", r.reference))),
        "{:?}",
        mails.items
    );
    assert_eq!(
        rights::retry_failed(ctx, &r, Timestamp::now())
            .await
            .unwrap(),
        1
    );

    // C14: the provider forwards a request to the client it concerns.
    let (provider, pscope) = tenant(w.store.as_ref(), "hebergeur").await;
    let mut vague = input(RequestKind::Objection, 3);
    vague.details.clear();
    let r = rights::record(
        ctx,
        &pscope,
        "agent",
        &vague,
        Intake::Email,
        today,
        Timestamp::now(),
    )
    .await;
    assert!(matches!(
        r,
        Err(ServiceError::Invalid {
            field: "channels",
            ..
        })
    ));
    let mut obj = input(RequestKind::Objection, 3);
    obj.channels = vec![Channel::Email, Channel::Sms];
    let r = rights::record(
        ctx,
        &pscope,
        "agent",
        &obj,
        Intake::Email,
        today,
        Timestamp::now(),
    )
    .await
    .unwrap();
    // C14 (issue 18): the client's DPO is told, with the link to its copy.
    person(
        w.store.as_ref(),
        "dpo@client-c14.fr",
        false,
        Some((&TenantScope::of_provider(t.id), Role::Dpo)),
    )
    .await;
    let forwarded = rights::forward(ctx, &r, &provider, &t, "agent", Timestamp::now())
        .await
        .unwrap();
    let copy = forwarded.copy;
    assert!(forwarded.told >= 1, "{}", forwarded.told);
    let told = w
        .store
        .list_messages("dpo@client-c14.fr", Page::new(None, None))
        .await
        .unwrap();
    assert!(
        told.items
            .iter()
            .any(|m| m.subject.contains(&copy.reference)
                && m.subject.contains("hebergeur")
                && m.body
                    .contains(&format!("/t/{}/demandes/{}", t.slug, copy.id))
                && m.body.contains("ne répond pas à la personne")),
        "{:?}",
        told.items
    );
    assert_eq!(copy.tenant, t.id);
    assert_eq!(copy.intake, Intake::Forwarded);
    assert_eq!(copy.channels, [Channel::Email, Channel::Sms]);
    assert_eq!(copy.forwarded_from, Some(r.id));
    let provider_copy = w
        .store
        .request(
            &vigie_domain::scope::TenantScope::of_provider(provider.id),
            r.id,
        )
        .await
        .unwrap();
    assert_eq!(provider_copy.status, RequestStatus::Forwarded);
    assert!(matches!(
        rights::answer(
            ctx,
            &provider,
            &provider_copy,
            "x",
            "agent",
            Timestamp::now()
        )
        .await,
        Err(ServiceError::Step(_))
    ));

    // C13: an extension within the first month, told to the person; a
    // second one refused.
    let ext = rights::extend(ctx, &copy, "Demande complexe", "dpo", Timestamp::now())
        .await
        .unwrap();
    assert!(ext.extended && ext.due_on > copy.due_on);
    assert!(matches!(
        rights::extend(ctx, &ext, "encore", "dpo", Timestamp::now()).await,
        Err(ServiceError::Invalid {
            field: "reason",
            ..
        })
    ));
    // … and too late after the first month.
    let old = rights::record(
        ctx,
        &scope,
        "agent",
        &input(RequestKind::Access, 6),
        Intake::Letter,
        today.checked_sub(jiff::ToSpan::days(40)).unwrap(),
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        rights::extend(ctx, &old, "trop tard", "dpo", Timestamp::now()).await,
        Err(ServiceError::TooLateToExtend(_))
    ));
    // Reminders reach the tenant's agents about the late one: one email
    // per agent or DPO, none to an auditor.
    for (email, role) in [
        ("agent@sidec.fr", Role::Agent),
        ("audit@sidec.fr", Role::Auditor),
    ] {
        person(
            w.store.as_ref(),
            email,
            false,
            Some((&TenantScope::of_provider(t.id), role)),
        )
        .await;
    }
    let sent = rights::remind(ctx, Timestamp::now() + SignedDuration::from_hours(1))
        .await
        .unwrap();
    assert!(sent.items >= 1 && sent.emails >= 1, "{sent:?}");
    let mail = w
        .store
        .list_messages("agent@sidec.fr", Page::default())
        .await
        .unwrap();
    assert_eq!(mail.total, 1);
    assert!(
        mail.items[0]
            .body
            .contains(&format!("{} (access) : échéance", old.reference))
            && mail.items[0].body.contains("EN RETARD"),
        "{}",
        mail.items[0].body
    );
    assert_eq!(
        w.store
            .list_messages("audit@sidec.fr", Page::default())
            .await
            .unwrap()
            .total,
        0
    );

    // Rectification (C15): the agent says what to write, by category.
    let mut rect = input(RequestKind::Rectification, 8);
    rect.details = "Mon portable a changé.".into();
    let r = rights::record(
        ctx,
        &scope,
        "agent",
        &rect,
        Intake::Email,
        today,
        Timestamp::now(),
    )
    .await
    .unwrap();
    let r = rights::verify(
        ctx,
        &r,
        Verification::EmailCode,
        rights::IdentityCheck::all(&r),
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        rights::approve(ctx, &r, vec![], "agent", Timestamp::now()).await,
        Err(ServiceError::Invalid {
            field: "corrections",
            ..
        })
    ));
    assert!(rights::parse_corrections("pas de signe égal").is_err());
    // Issue 11: the category is held by the landline and the mobile: the
    // agent is told to name the column, before anything runs.
    let vague = rights::parse_corrections("contact.telephone = 07 99 88 77 66\n").unwrap();
    match rights::approve(ctx, &r, vague, "agent", Timestamp::now()).await {
        Err(ServiceError::Invalid { field, message }) => {
            assert_eq!(field, "corrections");
            assert!(
                message.contains("(contacts.tel_mobile, contacts.tel_fixe)"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let corrections = rights::parse_corrections("contacts.tel_mobile = 07 99 88 77 66\n").unwrap();
    let r = rights::approve(ctx, &r, corrections, "agent", Timestamp::now())
        .await
        .unwrap();
    for res in run_all(&w, &r).await {
        res.unwrap();
    }
    let tasks = w
        .store
        .tasks(&vigie_domain::scope::TenantScope::of_provider(t.id), r.id)
        .await
        .unwrap();
    assert_eq!(tasks[0].changed, 1, "{:?}", tasks[0]);
    let mut c = vigie_connect::Conn::open(&url).await.unwrap();
    let mut q = vigie_connect::Sql::new(app);
    q.push(&format!(
        "SELECT {}, {} FROM contacts WHERE id = 8",
        app.as_text("tel_mobile"),
        app.as_text("tel_fixe")
    ));
    let row = c.rows(&q).await.unwrap().remove(0);
    assert_eq!(row[0].as_deref(), Some("07 99 88 77 66"));
    assert_ne!(
        row[1].as_deref(),
        Some("07 99 88 77 66"),
        "the landline stays"
    );
    c.close().await;

    fixture::drop_database(app, &db_name, &url).await.unwrap();
}

#[tokio::test]
async fn sqlite_store_with_sqlite_application() {
    let db = TempSqlite::new().await;
    scenario(dyn_store(&db.store), Dialect::Sqlite).await;
}

#[tokio::test]
async fn postgres_store_with_postgres_application() {
    let db = TempPostgres::new().await;
    scenario(dyn_store(&db.store), Dialect::Postgres).await;
}

#[tokio::test]
async fn sqlite_store_with_mariadb_application() {
    let db = TempSqlite::new().await;
    scenario(dyn_store(&db.store), Dialect::MySql).await;
}

/// C03: a model published from the provider's model register, imported
/// in one step, then updated: the tenant sees what the model changed and
/// takes what it chooses, keeping its own edits elsewhere.
async fn models_scenario(store: Arc<dyn Store>) {
    use vigie_domain::register::{Activity, ActivityStatus, LegalBasis};
    use vigie_service::models;
    use vigie_store::ActivityChange;
    let w = World::new(store);
    let ctx = w.ctx();
    let (_, model_scope) = tenant(w.store.as_ref(), "modele-mes-demandes").await;
    let (client, scope) = tenant(w.store.as_ref(), "sidec").await;
    let v1 = Activity {
        name: "Mes demandes".into(),
        purposes: "Gestion des demandes".into(),
        legal_bases: vec![LegalBasis::Contract],
        ..Activity::default()
    };
    let a = w
        .store
        .create_activity(
            &model_scope,
            &ActivityChange {
                status: ActivityStatus::Draft,
                body: v1.clone(),
                author: "éditeur".into(),
                reason: "création".into(),
                at: Timestamp::now(),
            },
        )
        .await
        .unwrap();
    let m = models::publish(
        ctx,
        "Mes demandes (iTop)",
        model_scope.tenant(),
        "éditeur",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(m.version, 1);
    assert_eq!(
        models::import(ctx, &scope, m.id, "SIDEC du Jura", "dpo", Timestamp::now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        models::import(ctx, &scope, m.id, "SIDEC du Jura", "dpo", Timestamp::now())
            .await
            .unwrap(),
        0,
        "not twice"
    );
    let (mine, link) = w
        .store
        .linked_activities(&scope, m.id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (link.version, mine.body.controller.as_str()),
        (1, "SIDEC du Jura")
    );
    // The tenant adapts its copy; the provider changes the model.
    let mut adapted = mine.body.clone();
    adapted.subject_categories = vec!["Agents des collectivités".into()];
    vigie_service::register::save(
        ctx,
        &scope,
        mine.id,
        1,
        adapted,
        ActivityStatus::Draft,
        "dpo",
        "adaptation",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let mut v2 = v1.clone();
    v2.purposes = "Gestion des demandes, incidents et changements".into();
    v2.legal_bases = vec![LegalBasis::Contract, LegalBasis::PublicTask];
    vigie_service::register::save(
        ctx,
        &model_scope,
        a.id,
        1,
        v2,
        ActivityStatus::Draft,
        "éditeur",
        "v2",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let m2 = models::publish(
        ctx,
        "Mes demandes (iTop)",
        model_scope.tenant(),
        "éditeur",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!((m2.id, m2.version), (m.id, 2));
    let ups = models::updates(ctx, &scope, m.id).await.unwrap();
    assert_eq!(ups.len(), 1);
    let fields: Vec<&str> = ups[0].changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["legal_bases", "purposes"]);
    assert_eq!(ups[0].changes[1].yours, "Gestion des demandes");
    // Take the purposes only.
    let taken = models::take(
        ctx,
        &scope,
        m.id,
        mine.id,
        &["purposes".into()],
        "dpo",
        Timestamp::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        taken.body.purposes,
        "Gestion des demandes, incidents et changements"
    );
    assert_eq!(
        taken.body.legal_bases,
        vec![LegalBasis::Contract],
        "not taken"
    );
    assert_eq!(
        taken.body.subject_categories,
        ["Agents des collectivités"],
        "own edit kept"
    );
    assert_eq!(taken.body.controller, "SIDEC du Jura");
    assert!(models::updates(ctx, &scope, m.id).await.unwrap().is_empty());
    assert!(
        w.store
            .versions(
                &vigie_domain::scope::TenantScope::of_provider(client.id),
                mine.id
            )
            .await
            .unwrap()[0]
            .reason
            .contains("purposes repris")
    );
}

#[tokio::test]
async fn c03_models_on_sqlite() {
    let db = TempSqlite::new().await;
    models_scenario(dyn_store(&db.store)).await;
}

#[tokio::test]
async fn c03_models_on_postgres() {
    let db = TempPostgres::new().await;
    models_scenario(dyn_store(&db.store)).await;
}
