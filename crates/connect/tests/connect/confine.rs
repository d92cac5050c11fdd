//! C27: the attacks a tenant can make with a connected system's URL, each
//! refused or contained by `Confinement::open` — Vigie-marked databases
//! however they are reached, files and ports outside the allowed places,
//! probes that would tell a missing file from a non-database one or name
//! another service, servers that accept and never answer, and type names
//! from a client's catalogue that are not plain identifiers.

use std::time::{Duration, Instant};

use vigie_connect::{
    Action, ConnectError, Dialect, Subject, execute,
    target::{Confinement, FileId, HostPattern, MARKER_TABLE},
};
use vigie_domain::dataset::IdentityKind;

use crate::execute::plan;
use crate::support::AppDb;

/// A folder of its own under the system's temporary folder.
fn folder() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vigie-confine-{}", crate::sample::name()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::canonicalize(dir).unwrap()
}

fn confined(dir: &std::path::Path) -> Confinement {
    Confinement {
        hosts: vec![
            HostPattern::parse("127.0.0.1:*").unwrap(),
            HostPattern::parse("localhost:*").unwrap(),
        ],
        sqlite_dirs: vec![dir.to_owned()],
        connect_timeout: Duration::from_secs(2),
        statement_timeout: Duration::from_secs(2),
        ..Confinement::default()
    }
}

async fn sqlite_with(path: &std::path::Path, sql: &str) {
    use sqlx::Connection;
    let opts = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let mut c = sqlx::SqliteConnection::connect_with(&opts).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
}

fn open_err(r: Result<vigie_connect::Opened, ConnectError>) -> ConnectError {
    match r {
        Ok(_) => panic!("opened"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn c27_a_vigie_database_is_refused_however_it_is_reached_sqlite() {
    let dir = folder();
    let own = dir.join("vigie.db");
    sqlite_with(
        &own,
        &format!("CREATE TABLE {MARKER_TABLE} (id TEXT); CREATE TABLE users (email TEXT);"),
    )
    .await;
    let mut c = confined(&dir);
    // By its marker, under every spelling of its path.
    let link = dir.join("app.db");
    std::os::unix::fs::symlink(&own, &link).unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for url in [
        format!("sqlite://{}", own.display()),
        format!("sqlite:{}", own.display()),
        format!("sqlite://{}/sub/../vigie.db", dir.display()),
        format!("sqlite://{}/./vigie%2Edb", dir.display()),
        format!("sqlite://{}", link.display()),
    ] {
        let e = open_err(c.open(&url).await);
        assert!(matches!(e, ConnectError::NotUsable { .. }), "{url}: {e:?}");
        assert_eq!(e.to_string(), "refused: not a database Vigie may use");
    }
    // By its identity, even without the marker (a copy being migrated).
    let bare = dir.join("bare.db");
    sqlite_with(&bare, "CREATE TABLE t (x INTEGER);").await;
    c.own_files.push(FileId::of(&bare).unwrap());
    let alias = dir.join("alias.db");
    std::fs::hard_link(&bare, &alias).unwrap();
    let e = open_err(c.open(&format!("sqlite://{}", alias.display())).await);
    assert!(matches!(e, ConnectError::NotUsable { .. }), "{e:?}");
    // A link leading out of the allowed folder is refused as out of it.
    let outside = folder();
    sqlite_with(&outside.join("other.db"), "CREATE TABLE t (x INTEGER);").await;
    let out_link = dir.join("out.db");
    std::os::unix::fs::symlink(outside.join("other.db"), &out_link).unwrap();
    let e = open_err(c.open(&format!("sqlite://{}", out_link.display())).await);
    assert!(matches!(e, ConnectError::Refused(_)), "{e:?}");
    let e = open_err(
        c.open(&format!("sqlite://{}", outside.join("other.db").display()))
            .await,
    );
    assert!(matches!(e, ConnectError::Refused(_)), "{e:?}");
}

#[tokio::test]
async fn c27_a_vigie_database_is_refused_postgres() {
    let db = AppDb::new(Dialect::Postgres, 2).await;
    let mut c = db.conn().await;
    c.run(&format!("CREATE TABLE {MARKER_TABLE} (id TEXT)"))
        .await
        .unwrap();
    c.close().await;
    let conf = confined(&folder());
    // Two names of the same server, and a parameter that could lead elsewhere.
    let e = open_err(conf.open(&db.url).await);
    assert!(matches!(e, ConnectError::NotUsable { .. }), "{e:?}");
    let other_name = db.url.replacen("127.0.0.1", "localhost", 1);
    let e = open_err(conf.open(&other_name).await);
    assert!(matches!(e, ConnectError::NotUsable { .. }), "{e:?}");
    let e = open_err(
        conf.open(&format!("{}?host=/var/run/postgresql", db.url))
            .await,
    );
    assert!(matches!(e, ConnectError::Refused(_)), "{e:?}");
    db.drop().await;
}

#[tokio::test]
async fn c27_one_database_has_one_identity_whatever_the_url() {
    let db = AppDb::new(Dialect::Postgres, 2).await;
    let conf = confined(&folder());
    let a = conf.open(&db.url).await.unwrap();
    let b = conf
        .open(&db.url.replacen("127.0.0.1", "localhost", 1))
        .await
        .unwrap();
    assert_eq!(a.identity, b.identity);
    assert!(a.identity.starts_with("postgresql:"), "{}", a.identity);
    a.conn.close().await;
    b.conn.close().await;
    let other = AppDb::new(Dialect::Postgres, 2).await;
    let o = conf.open(&other.url).await.unwrap();
    assert_ne!(o.identity, a.identity);
    o.conn.close().await;
    other.drop().await;
    db.drop().await;
}

/// C27: a missing file, a text file and a key file answer the same words,
/// and the driver's words never reach the tenant.
#[tokio::test]
async fn c27_files_cannot_be_probed() {
    let dir = folder();
    std::fs::write(dir.join("notes.txt"), "secret: hunter2\n").unwrap();
    std::fs::write(dir.join("data.key"), "00".repeat(32)).unwrap();
    let conf = confined(&dir);
    let mut said = Vec::new();
    for name in ["missing.db", "notes.txt", "data.key", ""] {
        let e = open_err(
            conf.open(&format!("sqlite://{}/{name}", dir.display()))
                .await,
        );
        said.push(e.to_string());
    }
    said.dedup();
    assert_eq!(said, ["refused: not a database Vigie may use"]);
    // Outside the folder nothing is even looked at: a file that exists and
    // one that does not are refused with the same words.
    let a = open_err(conf.open("sqlite:///etc/passwd").await);
    let b = open_err(conf.open("sqlite:///etc/no-such-file").await);
    assert_eq!(a, b);
    assert!(matches!(a, ConnectError::Refused(_)));
}

/// C27: ports outside the list are refused without a connection; an
/// allowed port where another service answers, or nothing, is named in
/// Vigie's words; a server that accepts and never answers costs the
/// connect timeout, no more.
#[tokio::test]
async fn c27_ports_cannot_be_probed_and_silence_is_bounded() {
    use std::io::Write;
    let talker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let talker_port = talker.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in talker.incoming().flatten() {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2 secret-banner\r\n");
        }
    });
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    let dir = folder();
    let narrow = Confinement {
        hosts: vec![HostPattern::parse("db.clients.example:5432").unwrap()],
        ..confined(&dir)
    };
    let e = open_err(
        narrow
            .open(&format!("postgres://u@127.0.0.1:{talker_port}/x"))
            .await,
    );
    assert!(matches!(e, ConnectError::Refused(_)), "{e:?}");
    let conf = confined(&dir);
    for scheme in ["postgres", "mysql"] {
        let e = open_err(
            conf.open(&format!("{scheme}://u:p@127.0.0.1:{talker_port}/x"))
                .await,
        );
        assert!(!e.to_string().contains("SSH"), "{e}");
        assert!(!e.to_string().contains("secret"), "{e}");
        let started = Instant::now();
        let e = open_err(
            conf.open(&format!("{scheme}://u:p@127.0.0.1:{silent_port}/x"))
                .await,
        );
        assert_eq!(e, ConnectError::TimedOut(2), "{scheme}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

/// C27: a statement that waits (a client's lock held elsewhere) fails
/// after the statement timeout instead of holding the worker.
#[tokio::test]
async fn c27_a_locked_table_fails_the_task_within_the_statement_timeout() {
    let db = AppDb::new(Dialect::Postgres, 4).await;
    let mut locker = db.conn().await;
    locker.begin(false).await.unwrap();
    locker
        .run("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let conf = confined(&folder());
    let opened = conf.open(&db.url).await.unwrap();
    let d = vigie_connect::parse_dataset(vigie_connect::fixture::DATASET).unwrap();
    let s = Subject {
        identities: vec![(IdentityKind::Email, vigie_connect::fixture::person(1).email)],
    };
    let started = Instant::now();
    let e = execute(opened.conn, plan(&d, &s, &Action::Erase), |_| async {
        Ok(())
    })
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(6), "{e}");
    locker.rollback().await.unwrap();
    locker.close().await;
    db.drop().await;
}

/// C27 (8): a type name read from a client's catalogue goes into SQL
/// quoted, so a type called `we"ird` works and cannot close the cast.
#[tokio::test]
async fn c27_client_type_names_are_quoted() {
    let db = AppDb::new(Dialect::Postgres, 4).await;
    let mut c = db.conn().await;
    c.run(
        "CREATE TYPE \"we\"\"ird; DROP TABLE contacts\" AS ENUM ('non', 'oui'); \
         ALTER TABLE contacts ADD COLUMN marque \"we\"\"ird; DROP TABLE contacts\" NOT NULL DEFAULT 'non'",
    )
    .await
    .unwrap();
    c.close().await;
    let d = vigie_connect::parse_dataset(&vigie_connect::fixture::DATASET.replace(
        "restrict = { column = \"restreint\", value = \"1\" }",
        "restrict = { column = \"marque\", value = \"oui\" }",
    ))
    .unwrap();
    let s = Subject {
        identities: vec![(IdentityKind::Email, vigie_connect::fixture::person(2).email)],
    };
    let conf = confined(&folder());
    let opened = conf.open(&db.url).await.unwrap();
    let out = execute(opened.conn, plan(&d, &s, &Action::Restrict), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(out.changed(), 1);
    assert_eq!(
        db.rows("contacts", "marque", "id = 2").await[0][0].as_deref(),
        Some("oui")
    );
    assert_eq!(db.count("contacts", "1 = 1").await, 4);
    db.drop().await;
}
