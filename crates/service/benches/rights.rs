//! Rights requests against a large PostgreSQL application database.
//!
//! `cargo bench -p vigie-service --bench rights` builds (once, then reuses)
//! `vigie_bench_rights` on the test server: the "Mes demandes" fixture's six
//! tables with 10 million rows (1 M contacts, 3 M demandes, 4 M historique
//! lines, 2 M journaux, 1,000 organisations), indexed on the identity and
//! reference columns as a real application is. Then it measures:
//! - an access request for one person (connect, read the schema, check the
//!   dataset, gather every row following references);
//! - an erasure touching 1,000 rows of one person, in one transaction;
//! - the same 1,000 rows changed Fides-style, one UPDATE per row, each in
//!   its own transaction;
//! - 1,000 access requests queued at once, run by 4 workers.
//!
//! `VIGIE_BENCH_SCALE` (default 1.0) scales the row counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{sync::Arc, time::Instant};

use jiff::Timestamp;
use vigie_connect::{
    Action, Confinement, Conn, Dialect, Plan, Subject, execute, fixture, parse_dataset,
    target::HostPattern,
};
use vigie_domain::{
    account::Email,
    dataset::IdentityKind,
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
use vigie_store::{Store, vault::Vault};
use vigie_store_sql::testing::{TempSqlite, dyn_store};

const DB: &str = "vigie_bench_rights";
/// The erasure subject: beyond the generated ids.
const BIG: i64 = 90_000_000;

/// The bench's places: the local PostgreSQL, as a provider would list it.
fn confinement() -> Confinement {
    Confinement {
        hosts: vec![
            HostPattern::parse("127.0.0.1:*").unwrap(),
            HostPattern::parse("localhost:*").unwrap(),
        ],
        ..Confinement::default()
    }
}

/// One execution as the worker runs it: opened through the confinement.
async fn run(
    conf: &Confinement,
    url: &str,
    dataset: &vigie_domain::dataset::Dataset,
    subject: &Subject,
    action: &Action,
    key: &[u8; 32],
) -> vigie_connect::Outcome {
    let opened = conf.open(url).await.unwrap();
    let plan = Plan {
        dataset,
        subject,
        action,
        key,
        filter: None,
        confirmed: false,
    };
    execute(opened.conn, plan, |_| async { Ok(()) })
        .await
        .unwrap()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

async fn ensure_database(scale: f64) -> String {
    let n = |x: f64| (x * scale) as i64;
    let (contacts, demandes, historique, journaux) = (n(1e6), n(3e6), n(4e6), n(2e6));
    let admin = fixture::admin_url(Dialect::Postgres);
    let url = format!("{}/{DB}", admin.rsplit_once('/').unwrap().0);
    if let Ok(mut c) = Conn::open(&url).await {
        let mut q = vigie_connect::Sql::new(Dialect::Postgres);
        q.push("SELECT count(*)::text FROM contacts");
        if let Ok(rows) = c.rows(&q).await
            && rows[0][0].as_deref() == Some(contacts.to_string().as_str())
        {
            c.close().await;
            println!("reusing {DB} ({contacts} contacts)");
            return url;
        }
        c.close().await;
        fixture::drop_database(Dialect::Postgres, DB, &url)
            .await
            .unwrap();
    }
    let t = Instant::now();
    let url = fixture::create_database(Dialect::Postgres, DB)
        .await
        .unwrap();
    let mut c = Conn::open(&url).await.unwrap();
    c.run(fixture::schema()).await.unwrap();
    for sql in [
        "INSERT INTO organisations SELECT g, 'Organisation ' || g FROM generate_series(1, 1000) g"
            .to_owned(),
        format!(
            "INSERT INTO contacts (id, organisation_id, nom, prenom, email, tel_mobile, fonction, login, date_naissance) \
                 SELECT g, 1 + g % 1000, 'Nom' || g, 'Prénom' || g, 'p' || g || '@exemple-mairie.fr', \
                 '06' || lpad((g % 100000000)::text, 8, '0'), 'agent', 'u' || g, DATE '1950-01-01' + (g % 20000) \
                 FROM generate_series(1, {contacts}) g"
        ),
        format!(
            "INSERT INTO demandes SELECT g, 1 + g % {contacts}, 'Demande ' || g, 'Texte libre de la demande', 'ouverte', DATE '2026-01-01' \
                 FROM generate_series(1, {demandes}) g"
        ),
        format!(
            "INSERT INTO historique SELECT g, 1 + g % {demandes}, 1 + g % {contacts}, 'mise à jour', DATE '2026-01-02' \
                 FROM generate_series(1, {historique}) g"
        ),
        format!(
            "INSERT INTO journaux SELECT g, 1 + g % {contacts}, '192.0.2.1', 'connexion', DATE '2026-01-03' \
                 FROM generate_series(1, {journaux}) g"
        ),
        "ANALYZE".to_owned(),
    ] {
        c.run(&sql).await.unwrap();
    }
    c.close().await;
    println!(
        "built {DB}: {} rows in {:.0} s",
        1000 + contacts + demandes + historique + journaux,
        t.elapsed().as_secs_f64()
    );
    url
}

/// One person with 1,000 rows: 1 contact, 333 demandes, 333 history lines,
/// 333 log lines.
async fn add_big_person(url: &str) {
    let mut c = Conn::open(url).await.unwrap();
    c.run(&format!(
        "INSERT INTO contacts (id, organisation_id, nom, prenom, email, tel_mobile, login) \
         VALUES ({BIG}, 1, 'Grand', 'Compte', 'grand.compte@exemple-mairie.fr', '0700000000', 'ubig');
         INSERT INTO demandes SELECT {BIG} * 10 + g, {BIG}, 'Demande', 'Texte', 'ouverte', DATE '2026-01-01' FROM generate_series(1, 333) g;
         INSERT INTO historique SELECT {BIG} * 10 + g, {BIG} * 10 + g, {BIG}, 'maj', DATE '2026-01-01' FROM generate_series(1, 333) g;
         INSERT INTO journaux SELECT {BIG} * 10 + g, {BIG}, '192.0.2.9', 'connexion', DATE '2026-01-01' FROM generate_series(1, 333) g;"
    ))
    .await
    .unwrap();
    c.close().await;
}

/// The dataset with every identity column compared as stored.
fn exact_matching(dataset: &str) -> String {
    dataset.replace("\n  identity = ", "\n  match = \"exact\"\n  identity = ")
}

/// Creates (or drops) the expression indexes normalised matching uses
/// on the fixture's identity columns.
async fn indexes(url: &str, create: bool) {
    let mut c = Conn::open(url).await.unwrap();
    for (kind, column) in [
        (IdentityKind::Email, "email"),
        (IdentityKind::Phone, "tel_mobile"),
        (IdentityKind::AccountId, "login"),
    ] {
        let ddl = vigie_connect::matching::index_statement(
            Dialect::Postgres,
            kind,
            "contacts",
            column,
            false,
        );
        let name = format!("contacts_{column}_vigie");
        c.run(&format!("DROP INDEX IF EXISTS {name}"))
            .await
            .unwrap();
        if create {
            c.run(&ddl).await.unwrap();
        }
    }
    c.run("ANALYZE contacts").await.unwrap();
    c.close().await;
}

/// Access requests for `people` people; prints the median and p95.
async fn access(
    conf: &Confinement,
    url: &str,
    dataset: &vigie_domain::dataset::Dataset,
    key: &[u8; 32],
    contacts: i64,
    people: i64,
    label: &str,
) {
    let mut times = Vec::new();
    let mut rows = 0;
    for i in 0..people {
        let id = 1 + (i * 7919 * 31) % contacts;
        let subject = Subject {
            identities: vec![(IdentityKind::Email, format!("p{id}@exemple-mairie.fr"))],
        };
        let t = Instant::now();
        let o = run(conf, url, dataset, &subject, &Action::Access, key).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        rows += o.found();
    }
    let p95 = {
        let mut s = times.clone();
        s.sort_by(|a, b| a.partial_cmp(b).unwrap());
        s[(s.len() * 95 / 100).min(s.len() - 1)]
    };
    println!(
        "access, one person, {label}: median {:.1} ms, p95 {p95:.1} ms ({rows} rows found over {people} people)",
        median(&mut times),
    );
}

async fn remove_big_person(url: &str) {
    let mut c = Conn::open(url).await.unwrap();
    c.run(&format!(
        "DELETE FROM historique WHERE auteur_id = {BIG}; DELETE FROM journaux WHERE contact_id = {BIG};
         DELETE FROM demandes WHERE contact_id = {BIG}; DELETE FROM contacts WHERE id = {BIG};"
    ))
    .await
    .unwrap();
    c.close().await;
}

#[tokio::main]
async fn main() {
    let scale: f64 = std::env::var("VIGIE_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let url = ensure_database(scale).await;
    let dataset = parse_dataset(fixture::DATASET).unwrap();
    let key = [1u8; 32];
    let conf = confinement();
    let contacts = (1e6 * scale) as i64;

    // Access for one person, people spread over the table: identities
    // compared as stored (the former behaviour, the anchor), then
    // normalised without and with the expression indexes the docs ask for.
    let exact = parse_dataset(&exact_matching(fixture::DATASET)).unwrap();
    indexes(&url, false).await;
    access(
        &conf,
        &url,
        &exact,
        &key,
        contacts,
        30,
        "as stored (match = \"exact\")",
    )
    .await;
    access(
        &conf,
        &url,
        &dataset,
        &key,
        contacts,
        5,
        "normalised, no expression index",
    )
    .await;
    let t = Instant::now();
    indexes(&url, true).await;
    println!(
        "expression indexes on email, mobile and login built in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    access(
        &conf,
        &url,
        &dataset,
        &key,
        contacts,
        30,
        "normalised, expression indexes",
    )
    .await;

    // Erasure of 1,000 rows, one transaction.
    let mut times = Vec::new();
    for _ in 0..5 {
        add_big_person(&url).await;
        let subject = Subject {
            identities: vec![(IdentityKind::Email, "grand.compte@exemple-mairie.fr".into())],
        };
        let t = Instant::now();
        let o = run(&conf, &url, &dataset, &subject, &Action::Erase, &key).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(o.found(), 1000, "{o:?}");
        remove_big_person(&url).await;
    }
    println!(
        "erasure, 1,000 rows of one person, one transaction: median {:.1} ms",
        median(&mut times)
    );

    // The same rows, one UPDATE per row in its own transaction (as Fides).
    add_big_person(&url).await;
    let mut c = Conn::open(&url).await.unwrap();
    let t = Instant::now();
    for (table, n) in [("demandes", 333), ("historique", 333), ("journaux", 333)] {
        for g in 1..=n {
            let mut q = vigie_connect::Sql::new(Dialect::Postgres);
            let set = if table == "demandes" {
                "description = 'x'"
            } else if table == "historique" {
                "action = 'x'"
            } else {
                "ip = NULL"
            };
            q.push(&format!("UPDATE {table} SET {set} WHERE id = "));
            q.param(Some((BIG * 10 + g).to_string()), "int4");
            c.execute(&q).await.unwrap();
        }
    }
    c.close().await;
    println!(
        "same 1,000 rows, one UPDATE per row (Fides-style, no transaction): {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    remove_big_person(&url).await;

    // 1,000 requests queued at once.
    let store_db = TempSqlite::new().await;
    let store: Arc<dyn Store> = dyn_store(&store_db.store);
    let vault = Vault::new([2; 32]);
    let ctx = Ctx {
        store: store.as_ref(),
        vault: &vault,
        base_url: "http://bench",
        confinement: &conf,
    };
    let tenant = store
        .create_tenant(
            &TenantSlug::parse("bench").unwrap(),
            &TenantName::parse("Bench").unwrap(),
        )
        .await
        .unwrap();
    let scope = TenantScope::from_verified_membership(tenant.id, None, Roles::new(vec![Role::Dpo]));
    systems::create(
        ctx,
        &scope,
        &SystemInput {
            name: "Mes demandes".into(),
            url: url.clone(),
            dataset: fixture::DATASET.into(),
        },
        "bench",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut tasks = Vec::new();
    let t = Instant::now();
    for i in 0..1000i64 {
        let id = 1 + (i * 104_729) % contacts;
        let input = RequestInput {
            kind: RequestKind::Access,
            name: format!("Personne {id}"),
            email: Some(Email::parse(&format!("p{id}@exemple-mairie.fr")).unwrap()),
            phone: String::new(),
            details: String::new(),
            channels: vec![],
            rectifications: vec![],
            contact: Default::default(),
        };
        let r = rights::record(
            ctx,
            &scope,
            "bench",
            &input,
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
            "bench",
            Timestamp::now(),
        )
        .await
        .unwrap();
        let r = rights::approve(ctx, &r, vec![], "bench", Timestamp::now())
            .await
            .unwrap();
        tasks.extend(
            store
                .tasks(
                    &vigie_domain::scope::TenantScope::of_provider(tenant.id),
                    r.id,
                )
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.id),
        );
    }
    let queued = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let chunks: Vec<Vec<i64>> = tasks
        .chunks(tasks.len().div_ceil(4))
        .map(<[i64]>::to_vec)
        .collect();
    let mut handles = Vec::new();
    for chunk in chunks {
        let store = store.clone();
        let vault = vault.clone();
        let conf = conf.clone();
        handles.push(tokio::spawn(async move {
            let ctx = Ctx {
                store: store.as_ref(),
                vault: &vault,
                base_url: "http://bench",
                confinement: &conf,
            };
            let mut errors = 0;
            for id in chunk {
                if rights::run_task(ctx, id, Timestamp::now()).await.is_err() {
                    errors += 1;
                }
            }
            errors
        }));
    }
    let mut errors = 0;
    for h in handles {
        errors += h.await.unwrap();
    }
    println!(
        "1,000 access requests: recorded, verified and approved in {queued:.1} s; executed by 4 workers in {:.1} s ({:.0}/s), {errors} errors",
        t.elapsed().as_secs_f64(),
        1000.0 / t.elapsed().as_secs_f64()
    );
    assert_eq!(errors, 0);
}
