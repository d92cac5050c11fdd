//! C31–C33 through the worker: the night's job backs up to every target
//! and tests the restore; a target that refuses and a missed backup are
//! told to the provider's administrators, a missed one once per gap.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use vigie_backup::{
    archive::{Identities, Recipients},
    run::Settings,
    target::{Target, TargetConfig},
};
use vigie_domain::{jobs::JobKind, page::Page};
use vigie_store::Store;
use vigie_store_sql::testing::{TempSqlite, dyn_store};

use crate::{Data, world};

async fn mails(s: &dyn Store, to: &str) -> Vec<String> {
    s.list_messages(to, Page::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn c31_c33_the_nights_backup_and_its_alerts() {
    let db = TempSqlite::new().await;
    let store = dyn_store(&db.store);
    let data = Data::new("backup-job");
    store
        .create_user(&vigie_store::NewUser {
            email: vigie_domain::account::Email::parse("admin@vigie.test").unwrap(),
            name: vigie_domain::account::DisplayName::parse("Admin").unwrap(),
            password_hash: "x".into(),
            is_provider_admin: true,
            locale: "fr".into(),
            time_zone: "Europe/Paris".into(),
        })
        .await
        .unwrap();
    let (identity, public) = Identities::generate();
    // A store that refuses (nothing listens on that port) beside a share.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let targets = [
        TargetConfig::Directory {
            name: "partage".into(),
            path: data.0.join("share"),
        },
        TargetConfig::S3 {
            name: "s3-en-panne".into(),
            endpoint: format!("http://127.0.0.1:{port}"),
            bucket: "vigie".into(),
            region: "us-east-1".into(),
            access_key_id: "k".into(),
            secret_access_key: "s".into(),
            prefix: String::new(),
            allow_http: true,
        },
    ];
    let mut w = world::worker(
        store.clone(),
        &data.0,
        &world::local(std::time::Duration::from_secs(2)),
        "node-a",
        SignedDuration::from_secs(60),
    );
    w.backup = Some(Arc::new(Settings {
        recipients: Recipients::parse(&[public]).unwrap(),
        targets: targets.iter().map(|t| Target::open(t).unwrap()).collect(),
        keep: Default::default(),
        identities: Some(Arc::new(Identities::parse(&identity).unwrap())),
        spool: data.0.join("spool"),
        database_url: String::new(),
        files: vec![],
        node: "node-a".into(),
    }));
    w.backup_max_age = SignedDuration::from_secs(1);
    store
        .enqueue(JobKind::Backup, "backup@night", Timestamp::now())
        .await
        .unwrap();
    w.drain().await.unwrap();
    let good = store.good_backups().await.unwrap();
    assert_eq!(good.len(), 1);
    let b = &good[0];
    assert_eq!(b.targets, "partage");
    assert!(b.error.contains("s3-en-panne"), "{}", b.error);
    assert_eq!(b.restore_state, "ok", "{}", b.restore_detail);
    let told = mails(store.as_ref(), "admin@vigie.test").await;
    assert_eq!(told, vec!["Vigie : une cible de sauvegarde a refusé"]);

    // An hour on, nothing newer than the allowed age: told once.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for key in ["watch@1", "watch@2"] {
        store
            .enqueue(JobKind::BackupWatch, key, Timestamp::now())
            .await
            .unwrap();
        w.drain().await.unwrap();
    }
    let told = mails(store.as_ref(), "admin@vigie.test").await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert_eq!(told[0], "Vigie : sauvegarde manquante");
}
