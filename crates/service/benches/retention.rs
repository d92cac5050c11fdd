//! Retention sweeps and masked copies against a large PostgreSQL
//! application database (issue 14).
//!
//! `cargo bench -p vigie-service --bench retention` builds (once, then
//! reuses) `vigie_bench_retention` on the test server: the "Mes demandes"
//! fixture's tables with 10 million rows (2 M contacts, 3 M demandes,
//! 3 M historique lines, 2 M journaux, 1,000 organisations), with a
//! `derniere_activite` date on contacts half of which are more than three
//! years old. On a copy of it (`CREATE DATABASE … TEMPLATE`), it measures:
//! - the sweep a DPO's rule runs ("contacts inactive 3 years:
//!   anonymise"), end to end as the worker runs it — open, check, batches
//!   of 1,000 recorded and committed one by one — with the longest batch
//!   (the longest a row lock is held) and the process's peak memory;
//! - the same anonymisation one UPDATE per row, each its own transaction
//!   (the anchor), on the first 20,000 expired rows, extrapolated;
//! - `vigie copy --masked` of the whole database into an empty one,
//!   against `pg_dump --data-only | psql` of the unmasked data (the
//!   ceiling: no masking, the server's own binary protocol).
//!
//! `VIGIE_BENCH_SCALE` (default 1.0) scales the row counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;
use std::time::Instant;

use jiff::Timestamp;
use vigie_connect::{Confinement, Conn, Dialect, Sql, fixture, mask, target::HostPattern};
use vigie_domain::{
    retention::{Period, PeriodUnit},
    role::{Role, Roles},
    scope::TenantScope,
    tenant::{TenantName, TenantSlug},
};
use vigie_service::{
    Ctx, copies,
    retention::{self, RuleInput, Step},
    systems::{self, SystemInput},
};
use vigie_store::{trail::TrailKey, vault::Vault};
use vigie_store_sql::testing::{TempSqlite, dyn_store};

const BASE: &str = "vigie_bench_retention";

fn confinement() -> Confinement {
    Confinement {
        hosts: vec![
            HostPattern::parse("127.0.0.1:*").unwrap(),
            HostPattern::parse("localhost:*").unwrap(),
        ],
        ..Confinement::default()
    }
}

fn url_of(db: &str) -> String {
    let admin = fixture::admin_url(Dialect::Postgres);
    format!("{}/{db}", admin.rsplit_once('/').unwrap().0)
}

async fn admin(sql: &str) {
    let mut c = Conn::open(&fixture::admin_url(Dialect::Postgres))
        .await
        .unwrap();
    c.run(sql).await.unwrap();
    c.close().await;
}

async fn scalar(url: &str, sql: &str) -> i64 {
    let mut c = Conn::open(url).await.unwrap();
    let mut q = Sql::new(Dialect::Postgres);
    q.push(sql);
    let v = c.rows(&q).await.unwrap()[0][0]
        .clone()
        .unwrap()
        .parse()
        .unwrap();
    c.close().await;
    v
}

const SCHEMA_EXTRA: &str = "ALTER TABLE contacts ADD COLUMN derniere_activite DATE";

/// The base database, built once: half the contacts inactive for more
/// than three years on the day it is built.
async fn ensure_base(scale: f64) -> String {
    let n = |x: f64| (x * scale) as i64;
    let (contacts, demandes, historique, journaux) = (n(2e6), n(3e6), n(3e6), n(2e6));
    let url = url_of(BASE);
    if let Ok(mut c) = Conn::open(&url).await {
        let mut q = Sql::new(Dialect::Postgres);
        q.push("SELECT count(*)::text FROM contacts");
        if let Ok(rows) = c.rows(&q).await
            && rows[0][0].as_deref() == Some(contacts.to_string().as_str())
        {
            c.close().await;
            println!("reusing {BASE} ({contacts} contacts)");
            return url;
        }
        c.close().await;
        fixture::drop_database(Dialect::Postgres, BASE, &url)
            .await
            .unwrap();
    }
    let t = Instant::now();
    let url = fixture::create_database(Dialect::Postgres, BASE)
        .await
        .unwrap();
    let cutoff = Period::new(3, PeriodUnit::Years)
        .unwrap()
        .cutoff(vigie_domain::time::legal_date(Timestamp::now()));
    let mut c = Conn::open(&url).await.unwrap();
    c.run(fixture::schema()).await.unwrap();
    c.run(SCHEMA_EXTRA).await.unwrap();
    for sql in [
        "INSERT INTO organisations SELECT g, 'Organisation ' || g FROM generate_series(1, 1000) g"
            .to_owned(),
        format!(
            "INSERT INTO contacts (id, organisation_id, nom, prenom, email, tel_fixe, tel_mobile, fonction, login, date_naissance, derniere_activite) \
             SELECT g, 1 + g % 1000, 'Nom' || g, 'Prénom' || g, 'p' || g || '@exemple-mairie.fr', '03' || lpad((g % 100000000)::text, 8, '0'), \
             '06' || lpad((g % 100000000)::text, 8, '0'), 'agent', 'u' || g, DATE '1950-01-01' + (g % 20000), \
             CASE WHEN g % 2 = 1 THEN DATE '{cutoff}' - 1 - (g % 1000) ELSE DATE '{cutoff}' + (g % 1000) END \
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
        "built {BASE}: {} rows in {:.0} s",
        1000 + contacts + demandes + historique + journaux,
        t.elapsed().as_secs_f64()
    );
    url
}

/// A fresh copy of the base (the server copies the files).
async fn clone_base(name: &str) -> String {
    admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    admin(&format!("CREATE DATABASE {name} TEMPLATE {BASE}")).await;
    url_of(name)
}

/// An empty database with the application's tables.
async fn empty_like(name: &str) -> String {
    admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
    admin(&format!("CREATE DATABASE {name}")).await;
    let url = url_of(name);
    let mut c = Conn::open(&url).await.unwrap();
    c.run(fixture::schema()).await.unwrap();
    c.run(SCHEMA_EXTRA).await.unwrap();
    c.close().await;
    url
}

/// The process's peak resident memory (VmHWM), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let scale: f64 = std::env::var("VIGIE_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    ensure_base(scale).await;
    let sweep_db = "vigie_bench_retention_sweep";
    let url = clone_base(sweep_db).await;
    let cutoff = Period::new(3, PeriodUnit::Years)
        .unwrap()
        .cutoff(vigie_domain::time::legal_date(Timestamp::now()));
    let expired = scalar(
        &url,
        &format!("SELECT count(*)::text FROM contacts WHERE derniere_activite < DATE '{cutoff}'"),
    )
    .await;
    let total = scalar(
        &url,
        "SELECT ((SELECT count(*) FROM contacts) + (SELECT count(*) FROM demandes) + (SELECT count(*) FROM historique) \
         + (SELECT count(*) FROM journaux) + (SELECT count(*) FROM organisations))::text",
    )
    .await;
    println!("{expired} contacts inactive for more than 3 years, in a database of {total} rows");

    // Vigie as the worker runs it: its own store, the tenant, the system.
    let store_db = TempSqlite::new().await;
    let store = dyn_store(&store_db.store);
    let vault = Vault::new([7; 32]);
    let conf = confinement();
    let ctx = Ctx {
        store: store.as_ref(),
        vault: &vault,
        base_url: "http://bench",
        confinement: &conf,
    };
    let t = store
        .create_tenant(
            &TenantSlug::parse("bench").unwrap(),
            &TenantName::parse("Bench").unwrap(),
        )
        .await
        .unwrap();
    let scope = TenantScope::from_verified_membership(t.id, None, Roles::new(vec![Role::Dpo]));
    let sys = systems::create(
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
    retention::create_rule(
        ctx,
        &scope,
        &RuleInput {
            system: sys.id.0,
            label: "Contacts inactifs".into(),
            table: "contacts".into(),
            trigger_column: "derniere_activite".into(),
            amount: "3".into(),
            unit: "years".into(),
            action: "anonymise".into(),
        },
        Timestamp::now(),
    )
    .await
    .unwrap();
    let key = TrailKey::generate().unwrap();
    let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
    // The longest batch: from the end of one commit to the next.
    let marks = Mutex::new((Instant::now(), 0f64));
    let stop = |s: Step| {
        if s == Step::Committed {
            let mut m = marks.lock().unwrap();
            let d = m.0.elapsed().as_secs_f64();
            m.1 = m.1.max(d);
            m.0 = Instant::now();
        }
        false
    };
    let before_mib = peak_mib();
    let started = Instant::now();
    marks.lock().unwrap().0 = Instant::now();
    let run = retention::sweep(
        ctx,
        &scope,
        "bench",
        false,
        retention::Trigger::Asked,
        Timestamp::now(),
        retention::BATCH,
        &sign,
        &stop,
    )
    .await
    .unwrap();
    let secs = started.elapsed().as_secs_f64();
    let report: retention::SignedReport = serde_json::from_str(&run.report).unwrap();
    let changed = report.report.rules[0].changed;
    assert_eq!(changed, expired, "{:?}", report.report.rules[0]);
    println!(
        "sweep (anonymise, batches of {}): {changed} rows in {secs:.1} s = {:.0} rows/s; longest batch {:.0} ms; peak memory {:.0} MiB (before {:.0} MiB)",
        retention::BATCH,
        changed as f64 / secs,
        marks.lock().unwrap().1 * 1000.0,
        peak_mib(),
        before_mib
    );

    // The anchor: one UPDATE per row, each its own transaction.
    let naive_db = "vigie_bench_retention_naive";
    let naive = clone_base(naive_db).await;
    let mkey = vault.masking_key(t.id);
    let mut c = Conn::open(&naive).await.unwrap();
    let mut q = Sql::new(Dialect::Postgres);
    q.push(&format!(
        "SELECT id::text, email, tel_mobile, login FROM contacts WHERE derniere_activite < DATE '{cutoff}' ORDER BY id LIMIT 20000"
    ));
    let rows = c.rows(&q).await.unwrap();
    let t0 = Instant::now();
    for r in &rows {
        let v = |i: usize| r[i].clone().unwrap();
        let mut u = Sql::new(Dialect::Postgres);
        u.push("UPDATE contacts SET email = ");
        u.param(Some(mask::keyed_hash(&mkey, &v(1))), "text");
        u.push(", tel_mobile = ");
        u.param(Some(mask::fake(&mkey, &v(2))), "text");
        u.push(", login = ");
        u.param(Some(mask::keyed_hash(&mkey, &v(3))), "text");
        u.push(", tel_fixe = NULL, nom = 'Anonyme', prenom = 'Anonyme', date_naissance = date_trunc('year', date_naissance) WHERE id = ");
        u.param(v(0).into(), "int4");
        c.execute(&u).await.unwrap();
    }
    let per = rows.len() as f64 / t0.elapsed().as_secs_f64();
    c.close().await;
    println!(
        "anchor, one UPDATE per row in its own transaction: {} rows in {:.1} s = {per:.0} rows/s (the {changed} rows: ~{:.0} s)",
        rows.len(),
        t0.elapsed().as_secs_f64(),
        changed as f64 / per
    );
    fixture::drop_database(Dialect::Postgres, naive_db, &naive)
        .await
        .unwrap();

    // The masked copy of the whole database, against pg_dump | psql.
    let copy_db = "vigie_bench_retention_copy";
    let target = empty_like(copy_db).await;
    let t0 = Instant::now();
    let report = copies::masked_copy(ctx, &scope, sys.id, &target, |_, _| {})
        .await
        .unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let rows: u64 = report.tables.iter().map(|(_, n)| n).sum();
    println!(
        "vigie copy --masked: {rows} rows in {secs:.1} s = {:.0} rows/s; peak memory {:.0} MiB",
        rows as f64 / secs,
        peak_mib()
    );
    let dump_db = "vigie_bench_retention_dump";
    let dump_target = empty_like(dump_db).await;
    let t0 = Instant::now();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "pg_dump --data-only '{url}' | psql -q -o /dev/null '{dump_target}'"
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "ceiling, pg_dump --data-only | psql (unmasked): {rows} rows in {secs:.1} s = {:.0} rows/s",
        rows as f64 / secs
    );
    for (name, u) in [
        (copy_db, &target),
        (dump_db, &dump_target),
        (sweep_db, &url),
    ] {
        fixture::drop_database(Dialect::Postgres, name, u)
            .await
            .unwrap();
    }
}
