//! C21 and C22 on real application databases (SQLite, PostgreSQL,
//! MariaDB): rules checked when written, a preview that changes nothing,
//! a sweep in small batches that is stopped between its writes and
//! resumed — every expired row changed exactly once, every other row
//! byte-identical — a signed report, and a second sweep that changes
//! nothing.

use std::sync::atomic::{AtomicUsize, Ordering};

use jiff::Timestamp;
use vigie_connect::{Conn, Dialect, Sql, fixture, mask};
use vigie_domain::{
    SystemId,
    retention::{Period, PeriodUnit},
};
use vigie_service::{
    ServiceError,
    retention::{self, RuleInput, SignedReport, Step},
    systems,
};
use vigie_store::trail::TrailKey;
use vigie_store_sql::testing::{TempSqlite, dyn_store};

use crate::{World, confine::system, tenant, unique};

fn fields(e: ServiceError) -> Vec<&'static str> {
    match e {
        ServiceError::Fields(all) => all.into_iter().map(|(f, _)| f).collect(),
        ServiceError::Invalid { field, .. } => vec![field],
        other => panic!("{other}"),
    }
}

async fn table(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut c = Conn::open(url).await.unwrap();
    let d = c.dialect();
    let mut q = Sql::new(d);
    q.push(sql);
    let rows = c.rows(&q).await.unwrap();
    c.close().await;
    rows
}

fn text(d: Dialect, col: &str) -> String {
    d.as_text(col)
}

async fn c21_c22_sweep_on(dialect: Dialect) {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let (_, scope) = tenant(w.store.as_ref(), "commune-ret").await;
    let name = unique("vigie_retention");
    let url = fixture::create_database(dialect, &name).await.unwrap();
    fixture::install(&url, 40).await.unwrap();
    let today = vigie_domain::time::legal_date(Timestamp::now());
    // A third of the logs are recent: kept.
    {
        let mut c = Conn::open(&url).await.unwrap();
        c.run(&format!(
            "UPDATE journaux SET le = '{today}' WHERE id % 3 = 0"
        ))
        .await
        .unwrap();
        c.close().await;
    }
    let sys = systems::create(ctx, &scope, &system(&url), "DPO", Timestamp::now())
        .await
        .unwrap();
    let d = dialect;
    let snapshot = |sql: String| {
        let url = url.clone();
        async move { table(&url, &sql).await }
    };
    let contacts_sql = format!(
        "SELECT {}, {}, {}, {}, {}, {}, {}, {}, {} FROM contacts ORDER BY id",
        text(d, "id"),
        text(d, "email"),
        text(d, "tel_mobile"),
        text(d, "tel_fixe"),
        text(d, "nom"),
        text(d, "prenom"),
        text(d, "login"),
        text(d, "date_naissance"),
        text(d, "organisation_id"),
    );
    let before = snapshot(contacts_sql.clone()).await;
    let logs_before = snapshot(format!(
        "SELECT {}, {} FROM journaux ORDER BY id",
        text(d, "id"),
        text(d, "le")
    ))
    .await;
    let input = |table: &str, trigger: &str, amount: &str, unit: &str, action: &str| RuleInput {
        system: sys.id.0,
        label: format!("{table} ({trigger})"),
        table: table.into(),
        trigger_column: trigger.into(),
        amount: amount.into(),
        unit: unit.into(),
        action: action.into(),
    };
    // Refused with the field at fault, nothing recorded.
    for (bad, field) in [
        (
            input("contacts", "nom", "1", "years", "anonymise"),
            "trigger_column",
        ),
        (input("inconnue", "le", "1", "years", "delete"), "table"),
        (input("journaux", "le", "0", "days", "delete"), "amount"),
        (
            input("contacts", "date_naissance", "50", "years", "delete"),
            "action",
        ),
        (
            input("journaux", "absente", "1", "years", "delete"),
            "trigger_column",
        ),
    ] {
        let e = retention::create_rule(ctx, &scope, &bad, Timestamp::now())
            .await
            .unwrap_err();
        assert_eq!(fields(e), [field], "{bad:?}");
    }
    assert!(w.store.rules(&scope).await.unwrap().is_empty());
    let other = RuleInput {
        system: 99_999,
        ..input("journaux", "le", "30", "days", "delete")
    };
    assert_eq!(
        fields(
            retention::create_rule(ctx, &scope, &other, Timestamp::now())
                .await
                .unwrap_err()
        ),
        ["system"]
    );
    retention::create_rule(
        ctx,
        &scope,
        &input("journaux", "le", "30", "days", "delete"),
        Timestamp::now(),
    )
    .await
    .unwrap();
    retention::create_rule(
        ctx,
        &scope,
        &input("contacts", "date_naissance", "50", "years", "anonymise"),
        Timestamp::now(),
    )
    .await
    .unwrap();

    // What is expired, computed here independently.
    let born_cutoff = Period::new(50, PeriodUnit::Years).unwrap().cutoff(today);
    let log_cutoff = Period::new(30, PeriodUnit::Days).unwrap().cutoff(today);
    let expired_contacts: Vec<&Vec<Option<String>>> = before
        .iter()
        .filter(|r| r[7].as_deref().unwrap()[..10] < *born_cutoff.to_string())
        .collect();
    let expired_logs = logs_before
        .iter()
        .filter(|r| r[1].as_deref().unwrap()[..10] < *log_cutoff.to_string())
        .count();
    assert!(!expired_contacts.is_empty() && expired_contacts.len() < before.len());
    assert!(expired_logs > 0 && expired_logs < logs_before.len());

    // The preview counts and changes nothing.
    let preview = retention::preview(ctx, &scope, Timestamp::now())
        .await
        .unwrap();
    let counted: Vec<(String, u64)> = preview
        .iter()
        .map(|p| (p.rule.rule.table.clone(), p.matched))
        .collect();
    assert!(
        counted.contains(&("journaux".into(), expired_logs as u64)),
        "{preview:?}"
    );
    assert!(counted.contains(&("contacts".into(), expired_contacts.len() as u64)));
    let shown = &preview
        .iter()
        .find(|p| p.rule.rule.table == "contacts")
        .unwrap()
        .examples;
    assert!(!shown.is_empty());
    let emails: Vec<&str> = before.iter().filter_map(|r| r[1].as_deref()).collect();
    assert!(
        shown
            .iter()
            .flat_map(|(_, cols)| cols)
            .all(|(_, b, _)| b == "NULL" || (b.contains('•') && !emails.contains(&b.as_str()))),
        "the preview shows hints, not the values: {shown:?}"
    );
    let keys: Vec<&str> = shown.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["1", "2", "3"], "in key order");
    assert_eq!(snapshot(contacts_sql.clone()).await, before);

    let key = TrailKey::generate().unwrap();
    let sign = |b: &[u8]| (key.sign_document(b), key.public_hex());
    let sweep = |dry: bool, trigger, stop: &'static (dyn Fn(Step) -> bool + Sync)| {
        retention::sweep(
            ctx,
            &scope,
            "nuit",
            dry,
            trigger,
            Timestamp::now(),
            7,
            &sign,
            stop,
        )
    };
    // The night's sweep leaves rules written less than a day ago alone,
    // and says so in its report.
    assert_eq!(retention::schedule(ctx, Timestamp::now()).await.unwrap(), 1);
    let night = sweep(false, retention::Trigger::Scheduled, &|_| false)
        .await
        .unwrap();
    let night: SignedReport = serde_json::from_str(&night.report).unwrap();
    assert_eq!(night.report.rules.len(), 2);
    assert!(
        night
            .report
            .rules
            .iter()
            .all(|r| r.changed == 0 && r.note.contains("24 hours")),
        "{night:?}"
    );
    assert_eq!(snapshot(contacts_sql.clone()).await, before);
    // The sweep asked for, in batches of 7, stopped after a commit, then
    // before one.
    let commits = AtomicUsize::new(0);
    let stop_after_second_commit: &'static (dyn Fn(Step) -> bool + Sync) =
        Box::leak(Box::new(move |s: Step| {
            s == Step::Committed && commits.fetch_add(1, Ordering::SeqCst) == 1
        }));
    let e = sweep(false, retention::Trigger::Asked, stop_after_second_commit)
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Interrupted));
    let e = sweep(false, retention::Trigger::Asked, &|s| s == Step::Pending)
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Interrupted));
    let run = sweep(false, retention::Trigger::Asked, &|_| false)
        .await
        .unwrap();
    let signed: SignedReport = serde_json::from_str(&run.report).unwrap();
    assert!(signed.verify(Some(&key.public_hex())));
    let mut forged = signed.clone();
    forged.report.rules[0].changed += 1;
    assert!(!forged.verify(None), "a changed report no longer verifies");
    let line = |t: &str| {
        signed
            .report
            .rules
            .iter()
            .find(|r| r.table == t)
            .unwrap()
            .clone()
    };
    assert_eq!(line("journaux").changed, expired_logs as i64);
    assert_eq!(line("contacts").changed, expired_contacts.len() as i64);
    assert_eq!(line("contacts").matched, expired_contacts.len() as i64);

    // Row by row: expired contacts masked once (a second hash would
    // differ), links kept; the others byte-identical.
    let mkey = w.vault.masking_key(scope.tenant());
    let after = snapshot(contacts_sql.clone()).await;
    assert_eq!(after.len(), before.len(), "anonymised, not deleted");
    for (b, a) in before.iter().zip(&after) {
        let expired = b[7].as_deref().unwrap()[..10] < *born_cutoff.to_string();
        if expired {
            assert_eq!(
                a[1],
                Some(mask::keyed_hash(&mkey, b[1].as_deref().unwrap())),
                "{b:?}"
            );
            assert_eq!(a[2], Some(mask::fake(&mkey, b[2].as_deref().unwrap())));
            assert_eq!(a[3], None);
            assert_eq!(a[4].as_deref(), Some("Anonyme"));
            assert_eq!(a[8], b[8], "links stay");
            assert!(a[7].as_deref().unwrap().contains("-01-01"));
        } else {
            assert_eq!(a, b);
        }
    }
    let logs_after = snapshot(format!(
        "SELECT {}, {} FROM journaux ORDER BY id",
        text(d, "id"),
        text(d, "le")
    ))
    .await;
    assert_eq!(logs_after.len(), logs_before.len() - expired_logs);
    assert!(
        logs_after
            .iter()
            .all(|r| r[1].as_deref().unwrap()[..10] >= *log_cutoff.to_string())
    );
    // Foreign keys hold: every request still has its contact.
    let orphans = table(
        &url,
        &format!(
            "SELECT {} FROM demandes WHERE contact_id NOT IN (SELECT id FROM contacts)",
            text(d, "id")
        ),
    )
    .await;
    assert!(orphans.is_empty());

    // A second sweep changes nothing.
    let again = sweep(false, retention::Trigger::Asked, &|_| false)
        .await
        .unwrap();
    let again: SignedReport = serde_json::from_str(&again.report).unwrap();
    assert_eq!(again.report.rules.len(), 2);
    assert!(
        again.report.rules.iter().all(|r| r.changed == 0),
        "{again:?}"
    );
    assert_eq!(snapshot(contacts_sql).await, after);
    // A dry run counts without changing.
    let dry = sweep(true, retention::Trigger::Asked, &|_| false)
        .await
        .unwrap();
    assert!(dry.dry);
    let _ = SystemId(0);
    fixture::drop_database(dialect, &name, &url).await.unwrap();
    // The system gone: the sweep still ends, each rule's error in its
    // signed report, nothing counted.
    let gone = sweep(false, retention::Trigger::Asked, &|_| false)
        .await
        .unwrap();
    let gone: SignedReport = serde_json::from_str(&gone.report).unwrap();
    assert!(gone.verify(None));
    assert_eq!(gone.report.rules.len(), 2);
    assert!(
        gone.report
            .rules
            .iter()
            .all(|r| !r.error.is_empty() && r.changed == 0),
        "{gone:?}"
    );
}

#[tokio::test]
async fn c21_c22_sweep_sqlite() {
    c21_c22_sweep_on(Dialect::Sqlite).await;
}

#[tokio::test]
async fn c21_c22_sweep_postgres() {
    c21_c22_sweep_on(Dialect::Postgres).await;
}

#[tokio::test]
async fn c21_c22_sweep_mariadb() {
    c21_c22_sweep_on(Dialect::MySql).await;
}
