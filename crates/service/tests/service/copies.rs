//! C30: a masked copy of a connected system into a separate test database,
//! on SQLite, PostgreSQL and MariaDB — every row there, joins intact, no
//! original identifier anywhere in the copy — and refused onto the source,
//! onto a production system, or onto a test database that is not empty.

use jiff::Timestamp;
use vigie_connect::{Conn, Dialect, Sql, fixture};
use vigie_service::{ServiceError, copies, systems};
use vigie_store_sql::testing::{TempSqlite, dyn_store};

use crate::{World, confine::system, tenant, unique};

fn field(e: ServiceError) -> &'static str {
    match e {
        ServiceError::Invalid { field, .. } => field,
        other => panic!("{other}"),
    }
}

/// Every value of every table, as text.
async fn everything(url: &str) -> Vec<String> {
    let mut c = Conn::open(url).await.unwrap();
    let schema = vigie_connect::Schema::read(&mut c).await.unwrap();
    let d = c.dialect();
    let mut out = Vec::new();
    for (t, cols) in &schema.tables {
        let select: Vec<String> = cols.keys().map(|k| d.as_text(k)).collect();
        let mut q = Sql::new(d);
        q.push(&format!("SELECT {} FROM {}", select.join(", "), d.ident(t)));
        for row in c.rows(&q).await.unwrap() {
            out.extend(row.into_iter().flatten());
        }
    }
    c.close().await;
    out
}

async fn count(url: &str, sql: &str) -> usize {
    let mut c = Conn::open(url).await.unwrap();
    let mut q = Sql::new(c.dialect());
    q.push(sql);
    let n = c.rows(&q).await.unwrap().len();
    c.close().await;
    n
}

async fn c30_masked_copy_on(dialect: Dialect) {
    let db = TempSqlite::new().await;
    let w = World::new(dyn_store(&db.store));
    let ctx = w.ctx();
    let (_, scope) = tenant(w.store.as_ref(), "commune-copie").await;
    let (_, other) = tenant(w.store.as_ref(), "commune-voisine").await;
    let (src_name, tst_name, nb_name) = (
        unique("vigie_copy_src"),
        unique("vigie_copy_test"),
        unique("vigie_copy_nb"),
    );
    let src = fixture::create_database(dialect, &src_name).await.unwrap();
    fixture::install(&src, 25).await.unwrap();
    let tst = fixture::create_database(dialect, &tst_name).await.unwrap();
    {
        let mut c = Conn::open(&tst).await.unwrap();
        c.run(fixture::schema()).await.unwrap();
        c.close().await;
    }
    // Another tenant's production system.
    let nb = fixture::create_database(dialect, &nb_name).await.unwrap();
    fixture::install(&nb, 3).await.unwrap();
    systems::create(ctx, &other, &system(&nb), "DPO", Timestamp::now())
        .await
        .unwrap();
    let sys = systems::create(ctx, &scope, &system(&src), "DPO", Timestamp::now())
        .await
        .unwrap();
    // Onto Vigie's own database: refused by the confinement (C27).
    let own = format!("sqlite://{}", db.path().display());
    let e = copies::masked_copy(ctx, &scope, sys.id, &own, |_, _| {})
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            ServiceError::Exec(vigie_connect::ExecError::Connect(
                vigie_connect::ConnectError::NotUsable { .. }
            ))
        ),
        "{e}"
    );
    // Onto the source, or onto a production system: refused.
    for bad in [&src, &nb] {
        let e = copies::masked_copy(ctx, &scope, sys.id, bad, |_, _| {})
            .await
            .unwrap_err();
        assert_eq!(field(e), "to", "{bad}");
    }
    let mut seen = Vec::new();
    let report = copies::masked_copy(ctx, &scope, sys.id, &tst, |t, n| {
        seen.push((t.to_owned(), n))
    })
    .await
    .unwrap();
    let rows: std::collections::BTreeMap<String, u64> = report.tables.iter().cloned().collect();
    assert_eq!(rows["contacts"], 25);
    assert_eq!(rows["journaux"], 75);
    assert!(!seen.is_empty(), "progress is told");
    // Parents first: organisations (not in the dataset) before contacts.
    let pos = |t: &str| report.tables.iter().position(|(x, _)| x == t).unwrap();
    assert!(pos("organisations") < pos("contacts") && pos("contacts") < pos("demandes"));
    // What the report says is there, counted in the target itself.
    let d = dialect;
    let ids = format!("SELECT {} FROM contacts", d.as_text("id"));
    assert_eq!(count(&tst, &ids).await, 25);
    // No original identifier anywhere in the copy.
    let copy = everything(&tst).await;
    assert!(copy.len() > 1000, "the copy holds the data: {}", copy.len());
    for id in 1..=25 {
        let p = fixture::person(id);
        for secret in [&p.email, &p.mobile, &p.login] {
            assert!(
                !copy.iter().any(|v| v.contains(secret.as_str())),
                "{secret} is in the copy"
            );
        }
    }
    assert!(!copy.iter().any(|v| v.contains('@')), "no address at all");
    // Joins survive: each request still has its contact, and as many.
    let joined = format!(
        "SELECT {} FROM demandes JOIN contacts ON contacts.id = demandes.contact_id",
        d.as_text("titre")
    );
    assert_eq!(count(&tst, &joined).await, count(&src, &joined).await);
    // The source is untouched; a second copy into the now full test
    // database is refused and changes nothing there.
    assert!(
        everything(&src)
            .await
            .iter()
            .any(|v| v == &fixture::person(1).email)
    );
    let before = everything(&tst).await.len();
    let e = copies::masked_copy(ctx, &scope, sys.id, &tst, |_, _| {})
        .await
        .unwrap_err();
    assert_eq!(field(e), "to");
    assert_eq!(everything(&tst).await.len(), before);
    for (name, url) in [(&src_name, &src), (&tst_name, &tst), (&nb_name, &nb)] {
        fixture::drop_database(dialect, name, url).await.unwrap();
    }
}

#[tokio::test]
async fn c30_masked_copy_sqlite() {
    c30_masked_copy_on(Dialect::Sqlite).await;
}

#[tokio::test]
async fn c30_masked_copy_postgres() {
    c30_masked_copy_on(Dialect::Postgres).await;
}

#[tokio::test]
async fn c30_masked_copy_mariadb() {
    c30_masked_copy_on(Dialect::MySql).await;
}
