//! Backups end to end (C31–C34) on Vigie's SQLite and PostgreSQL stores,
//! to a directory and to a real S3 server on loopback (s3s-fs, started by
//! the test; `.ci/run` installs it): sealed, sent, rotated, restored into
//! a scratch database and proved; a crash between steps, a corrupted and
//! a truncated object.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod s3;

use std::{path::PathBuf, sync::Arc};

use jiff::{SignedDuration, Timestamp};
use vigie_backup::{
    BackupError,
    archive::{Identities, Recipients},
    restore,
    run::{self, Settings, manifest_name, object_name},
    target::{Target, TargetConfig},
};
use vigie_domain::{
    audit::{Actor, AuditEvent, Outcome},
    backup::Keep,
    page::Page,
};
use vigie_store::Store;
use vigie_store_sql::testing::{TempPostgres, TempSqlite, dyn_store};

fn scratch(prefix: &str) -> PathBuf {
    let mut b = [0u8; 5];
    getrandom::fill(&mut b).unwrap();
    let d = std::env::temp_dir().join(format!(
        "vigie_backup_{prefix}_{}_{}",
        std::process::id(),
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct World {
    settings: Settings,
    dir: PathBuf,
    _s3: Option<s3::Server>,
}

async fn world(database_url: &str, with_s3: bool) -> World {
    let dir = scratch("world");
    let (identity, public) = Identities::generate();
    std::fs::write(dir.join("identity.txt"), identity).unwrap();
    let mut targets = vec![
        Target::open(&TargetConfig::Directory {
            name: "partage".into(),
            path: dir.join("share"),
        })
        .unwrap(),
    ];
    let server = if with_s3 {
        let s = s3::Server::start(&dir.join("s3")).await;
        targets.push(Target::open(&s.target()).unwrap());
        Some(s)
    } else {
        None
    };
    World {
        settings: Settings {
            recipients: Recipients::parse(&[public]).unwrap(),
            targets,
            keep: Keep {
                daily: 3,
                weekly: 0,
                monthly: 0,
            },
            identities: Some(Arc::new(
                Identities::read(&dir.join("identity.txt")).unwrap(),
            )),
            spool: dir.join("spool"),
            database_url: database_url.to_owned(),
            files: vec![(
                "vigie.toml".into(),
                b"listen = \"127.0.0.1:8080\"\n".to_vec(),
            )],
            node: "test".into(),
        },
        dir,
        _s3: server,
    }
}

async fn some_data(store: &dyn Store) {
    for i in 0..30 {
        store
            .append(&AuditEvent {
                actor: Actor::system(),
                tenant: None,
                action: "test.write".into(),
                object: format!("thing:{i}"),
                ip: String::new(),
                user_agent: String::new(),
                outcome: Outcome::Success,
            })
            .await
            .unwrap();
    }
}

fn never(_: &str) -> bool {
    false
}

async fn c31_c32_on(store: Arc<dyn Store>, database_url: &str) {
    let w = world(database_url, true).await;
    let s = &w.settings;
    some_data(store.as_ref()).await;
    let t0 = Timestamp::now();
    let b = run::backup(store.as_ref(), s, t0, &never).await.unwrap();
    assert_eq!(b.state, "done");
    assert_eq!(b.targets, "partage,s3", "{b:?}");
    assert!(b.size > 0 && b.sha256.len() == 64);
    // On both targets, with its manifest; nothing in clear.
    for t in &s.targets {
        let names = t.names().await.unwrap();
        assert!(names.contains(&object_name(&b.name)), "{names:?}");
        assert!(names.contains(&manifest_name(&b.name)));
    }
    let object = std::fs::read(w.dir.join("share").join(object_name(&b.name))).unwrap();
    assert!(object.starts_with(b"age-encryption.org/v1"));
    assert!(!object.windows(9).any(|x| x == b"test.writ"));
    // C32: restored into a scratch database and proved.
    let tested = restore::test(store.as_ref(), s, &b, None).await.unwrap();
    assert_eq!(tested.restore_state, "ok", "{}", tested.restore_detail);
    assert!(
        tested
            .restore_detail
            .contains("access trail verified (30 records"),
        "{}",
        tested.restore_detail
    );
    assert!(tested.restore_ms.is_some() && tested.restore_at.is_some());

    // C32: four more days, three kept; the others leave every target,
    // each deletion traced.
    let mut names = vec![b.name.clone()];
    for d in 1..=4 {
        let b = run::backup(
            store.as_ref(),
            s,
            t0 + SignedDuration::from_hours(24 * d),
            &never,
        )
        .await
        .unwrap();
        names.push(b.name);
    }
    let rotation = run::rotate(store.as_ref(), s, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(rotation.deleted, vec![names[1].clone(), names[0].clone()]);
    assert!(rotation.errors.is_empty(), "{:?}", rotation.errors);
    for t in &s.targets {
        let on = t.names().await.unwrap();
        assert_eq!(on.len(), 6, "{on:?}");
        assert!(!on.contains(&object_name(&names[0])));
    }
    let traced = store
        .instance_trail(
            &vigie_store::TrailFilter {
                action_prefix: "backup.delete".into(),
                ..Default::default()
            },
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(traced.total, 2);
}

#[tokio::test]
async fn c31_c32_sqlite_to_a_directory_and_s3() {
    let db = TempSqlite::new().await;
    let url = format!("sqlite://{}", db.path().display());
    c31_c32_on(dyn_store(&db.store), &url).await;
}

#[tokio::test]
async fn c31_c32_postgres_to_a_directory_and_s3() {
    let db = TempPostgres::new().await;
    let url = db.url.clone();
    c31_c32_on(dyn_store(&db.store), &url).await;
}

/// Killed between any two steps: no partial backup is ever listed as
/// good, the object a crash left without its manifest is removed, and the
/// next run succeeds.
#[tokio::test]
async fn c31_a_crash_mid_backup_leaves_no_false_backup() {
    let db = TempSqlite::new().await;
    let store = dyn_store(&db.store);
    let w = world("", false).await;
    let s = &w.settings;
    for step in ["snapshot", "sealed", "object_sent"] {
        let cut = run::backup(store.as_ref(), s, Timestamp::now(), &|x| x == step).await;
        assert!(matches!(cut, Err(BackupError::Interrupted)), "{step}");
        assert!(store.good_backups().await.unwrap().is_empty(), "{step}");
    }
    // The last one left its object on the share, without a manifest.
    let share = &s.targets[0];
    assert_eq!(share.names().await.unwrap().len(), 1);
    let b = run::backup(store.as_ref(), s, Timestamp::now(), &never)
        .await
        .unwrap();
    let page = store.backups(Page::default()).await.unwrap();
    // The three interrupted runs are failed ones, listed first.
    assert_eq!(page.total, 4);
    assert!(
        page.items[..3]
            .iter()
            .all(|x| x.state == "failed" && x.error.contains("interrupted"))
    );
    run::rotate(store.as_ref(), s, Timestamp::now())
        .await
        .unwrap();
    let on = share.names().await.unwrap();
    assert_eq!(on, vec![manifest_name(&b.name), object_name(&b.name)]);
}

/// A changed or truncated object is caught by the restore test, which
/// records the failure.
#[tokio::test]
async fn c32_a_damaged_backup_fails_its_restore_test() {
    let db = TempSqlite::new().await;
    let store = dyn_store(&db.store);
    some_data(store.as_ref()).await;
    let w = world("", false).await;
    let s = &w.settings;
    let b = run::backup(store.as_ref(), s, Timestamp::now(), &never)
        .await
        .unwrap();
    let path = w.dir.join("share").join(object_name(&b.name));
    let good = std::fs::read(&path).unwrap();
    // One byte flipped in the middle.
    let mut bad = good.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    std::fs::write(&path, &bad).unwrap();
    let t = restore::test(store.as_ref(), s, &b, None).await.unwrap();
    assert_eq!(t.restore_state, "failed");
    assert!(t.restore_detail.contains("SHA-256"), "{}", t.restore_detail);
    // Truncated, its manifest rewritten to match: age's authentication
    // still refuses it.
    let cut = &good[..good.len() - 100];
    std::fs::write(&path, cut).unwrap();
    let manifest_path = w.dir.join("share").join(manifest_name(&b.name));
    let mut m: run::Manifest =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    m.sha256 = vigie_backup::archive::sha256_of(&path).unwrap();
    std::fs::write(&manifest_path, serde_json::to_vec(&m).unwrap()).unwrap();
    let t = restore::test(store.as_ref(), s, &b, None).await.unwrap();
    assert_eq!(t.restore_state, "failed", "{}", t.restore_detail);
    // Put back, it passes again.
    std::fs::write(&path, &good).unwrap();
    m.sha256 = b.sha256.clone();
    std::fs::write(&manifest_path, serde_json::to_vec(&m).unwrap()).unwrap();
    let t = restore::test(store.as_ref(), s, &b, None).await.unwrap();
    assert_eq!(t.restore_state, "ok", "{}", t.restore_detail);
}

/// `vigie backup restore` (C32): a SQLite backup into a new file, refused
/// over an existing one unless asked; a PostgreSQL backup into an empty
/// database, then over a changed one.
#[tokio::test]
async fn c32_a_backup_restores_for_real() {
    // SQLite.
    let db = TempSqlite::new().await;
    let store = dyn_store(&db.store);
    some_data(store.as_ref()).await;
    let mut w = world("", false).await;
    let b = run::backup(store.as_ref(), &w.settings, Timestamp::now(), &never)
        .await
        .unwrap();
    let to = w.dir.join("restored.db");
    w.settings.database_url = format!("sqlite://{}", to.display());
    let ids = w.settings.identities.clone().unwrap();
    let m = restore::restore(&w.settings, &ids, &b.name, false)
        .await
        .unwrap();
    assert_eq!(m.backend, "sqlite");
    let back = vigie_store_sql::sqlite::SqliteStore::connect(&w.settings.database_url)
        .await
        .unwrap();
    assert!(
        vigie_store::trail::verify(&back, None, |_| {})
            .await
            .unwrap()
            .records
            >= 30
    );
    drop(back);
    assert!(matches!(
        restore::restore(&w.settings, &ids, &b.name, false).await,
        Err(BackupError::Config(_))
    ));
    restore::restore(&w.settings, &ids, &b.name, true)
        .await
        .unwrap();

    // PostgreSQL: into an empty database, then over a changed one.
    let pg = TempPostgres::new().await;
    let store = dyn_store(&pg.store);
    some_data(store.as_ref()).await;
    let mut w = world(&pg.url, false).await;
    let b = run::backup(store.as_ref(), &w.settings, Timestamp::now(), &never)
        .await
        .unwrap();
    let empty = TempPostgres::empty().await;
    w.settings.database_url = empty.url.clone();
    let ids = w.settings.identities.clone().unwrap();
    restore::restore(&w.settings, &ids, &b.name, false)
        .await
        .unwrap();
    let back = vigie_store_sql::postgres::PostgresStore::connect(&empty.url)
        .await
        .unwrap();
    let records = vigie_store::trail::verify(&back, None, |_| {})
        .await
        .unwrap()
        .records;
    some_data(&back).await;
    drop(back);
    restore::restore(&w.settings, &ids, &b.name, true)
        .await
        .unwrap();
    let back = vigie_store_sql::postgres::PostgresStore::connect(&empty.url)
        .await
        .unwrap();
    assert_eq!(
        vigie_store::trail::verify(&back, None, |_| {})
            .await
            .unwrap()
            .records,
        records
    );
}
