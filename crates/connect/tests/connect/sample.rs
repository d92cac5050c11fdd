use sqlx::Connection;
use vigie_connect::{ColumnSample, Conn, SampleError, Sql, sample, sample_database};

/// Samples `url`, then tries to write through the same connection: the
/// sampling session must refuse it (read only, whatever it ran).
async fn sample_read_only(url: &str) -> Result<Vec<ColumnSample>, SampleError> {
    let mut conn = Conn::open(url).await.unwrap();
    let samples = sample(&mut conn, 100).await;
    let mut delete = Sql::new(conn.dialect());
    delete.push("DELETE FROM contacts");
    let write = conn.execute(&delete).await;
    conn.close().await;
    let e = write.expect_err("a write after sampling must be refused");
    let text = e.to_string().to_lowercase();
    assert!(
        text.contains("read-only") || text.contains("read only") || text.contains("readonly"),
        "{text}"
    );
    samples
}

pub fn name() -> String {
    let mut b = [0u8; 5];
    getrandom::fill(&mut b).unwrap();
    format!("vigie_sample_{}_{}", std::process::id(), hex::encode(b))
}

const PEOPLE: &[(&str, &str, &str)] = &[
    ("Dupré", "eloise@mairie.fr", "06 12 34 56 78"),
    ("Le Gall", "yann@mairie.fr", "0698765432"),
    ("N'Diaye", "awa@mairie.fr", "+33 7 11 22 33 44"),
];

/// The keys of `column`'s values, as they read.
fn keys_of(samples: &[ColumnSample], column: &str) -> Vec<Option<String>> {
    samples
        .iter()
        .find(|s| s.column == column)
        .unwrap()
        .keys
        .iter()
        .map(|k| k.as_ref().map(ToString::to_string))
        .collect()
}

fn check(samples: &[ColumnSample]) {
    let email = samples
        .iter()
        .find(|s| s.column == "courriel")
        .expect("courriel sampled");
    assert_eq!(email.values.len(), 3);
    assert!(email.values.contains(&"yann@mairie.fr".to_owned()));
    // Issue 19: each value with its row's primary key, the same row's.
    assert_eq!(email.keys.len(), email.values.len());
    let yann = email
        .values
        .iter()
        .position(|v| v == "yann@mairie.fr")
        .unwrap();
    let nom = samples.iter().find(|s| s.column == "nom").unwrap();
    assert_eq!(
        nom.values[nom
            .keys
            .iter()
            .position(|k| *k == email.keys[yann])
            .unwrap()],
        "Le Gall"
    );
    assert!(
        email
            .keys
            .iter()
            .all(|k| k.as_ref().is_some_and(|k| k.to_string().starts_with("id="))),
        "{:?}",
        email.keys
    );
    assert!(
        samples
            .iter()
            .any(|s| s.column == "montant" && s.values == ["12.50"])
    );
    assert!(samples.iter().all(|s| !s.data_type.is_empty()));
}

#[tokio::test]
async fn c15_postgres_is_sampled_read_only() {
    let admin = vigie_connect::fixture::admin_url(vigie_connect::Dialect::Postgres);
    let db = name();
    let mut c = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL is required");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut c)
        .await
        .unwrap();
    let url = format!("{}/{db}", admin.rsplit_once('/').unwrap().0);
    let result = async {
        let mut d = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE contacts (id serial PRIMARY KEY, nom text, courriel text, tel text);
             CREATE TABLE \"Commandes\" (id serial PRIMARY KEY, montant numeric(10,2));
             INSERT INTO \"Commandes\" (montant) VALUES (12.50);
             CREATE TABLE journal (message text);
             INSERT INTO journal VALUES ('appel de yann@mairie.fr');
             CREATE TABLE lignes (commande int, numero int, libelle text, PRIMARY KEY (commande, numero));
             INSERT INTO lignes VALUES (4, 2, 'ligne');",
        )
        .execute(&mut d)
        .await
        .unwrap();
        for (n, e, t) in PEOPLE {
            sqlx::query("INSERT INTO contacts (nom, courriel, tel) VALUES ($1, $2, $3)")
                .bind(n)
                .bind(e)
                .bind(t)
                .execute(&mut d)
                .await
                .unwrap();
        }
        d.close().await.unwrap();
        sample_read_only(&url).await
    }
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {db} WITH (FORCE)"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    let samples = result.unwrap();
    // A table without a key: its rows' address; a key of two columns in
    // its own order (issue 19).
    let keys_of = |column: &str| keys_of(&samples, column);
    assert_eq!(keys_of("message"), &[Some("ctid=(0,1)".to_owned())]);
    assert_eq!(
        keys_of("libelle"),
        &[Some("commande=4, numero=2".to_owned())]
    );
    check(&samples);
    assert!(
        samples.iter().any(|s| s.table == "public.Commandes"),
        "quoted names work"
    );
}

#[tokio::test]
async fn c15_mariadb_is_sampled_read_only() {
    let admin = vigie_connect::fixture::admin_url(vigie_connect::Dialect::MySql);
    let db = name();
    let mut c = sqlx::MySqlConnection::connect(&admin)
        .await
        .expect("MariaDB is required");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut c)
        .await
        .unwrap();
    let url = format!("{admin}/{db}");
    let result = async {
        let mut d = sqlx::MySqlConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE contacts (id INT AUTO_INCREMENT PRIMARY KEY, nom TEXT, courriel VARCHAR(200), tel VARCHAR(40));
             CREATE TABLE commandes (id INT AUTO_INCREMENT PRIMARY KEY, montant DECIMAL(10,2));
             INSERT INTO commandes (montant) VALUES (12.50);
             CREATE TABLE journal (message TEXT);
             INSERT INTO journal VALUES ('appel de yann@mairie.fr');",
        )
        .execute(&mut d)
        .await
        .unwrap();
        for (n, e, t) in PEOPLE {
            sqlx::query("INSERT INTO contacts (nom, courriel, tel) VALUES (?, ?, ?)")
                .bind(n)
                .bind(e)
                .bind(t)
                .execute(&mut d)
                .await
                .unwrap();
        }
        d.close().await.unwrap();
        sample_read_only(&url.replacen("mysql:", "mariadb:", 1)).await
    }
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {db}")))
        .execute(&mut c)
        .await
        .unwrap();
    let samples = result.unwrap();
    // MySQL has no row address: a table without a key has no places.
    let journal = samples.iter().find(|s| s.column == "message").unwrap();
    assert_eq!(journal.keys, [None]);
    check(&samples);
}

#[tokio::test]
async fn sqlite_is_sampled_and_bad_input_is_explained() {
    let path = std::env::temp_dir().join(format!("{}.db", name()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut d = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY, nom TEXT, courriel TEXT, tel TEXT);
         CREATE TABLE commandes (id INTEGER PRIMARY KEY, montant TEXT);
         INSERT INTO commandes (montant) VALUES ('12.50');
         CREATE TABLE journal (message TEXT);
         INSERT INTO journal VALUES ('appel de yann@mairie.fr');
         CREATE TABLE lignes (commande INTEGER, numero INTEGER, libelle TEXT, PRIMARY KEY (numero, commande));
         INSERT INTO lignes VALUES (4, 2, 'ligne');
         CREATE TABLE notes (rowid TEXT, texte TEXT);
         INSERT INTO notes VALUES ('pas une adresse', 'rappeler yann@mairie.fr');",
    )
    .execute(&mut d)
    .await
    .unwrap();
    for (n, e, t) in PEOPLE {
        sqlx::query("INSERT INTO contacts (nom, courriel, tel) VALUES ($1, $2, $3)")
            .bind(n)
            .bind(e)
            .bind(t)
            .execute(&mut d)
            .await
            .unwrap();
    }
    d.close().await.unwrap();
    let samples = sample_database(&format!("sqlite://{}", path.display()), 2)
        .await
        .unwrap();
    let email = samples.iter().find(|s| s.column == "courriel").unwrap();
    assert_eq!(email.values.len(), 2, "bounded by the sample size");
    let keys_of = |column: &str| keys_of(&samples, column);
    assert_eq!(keys_of("message"), &[Some("rowid=1".to_owned())]);
    // C39: a column named `rowid` hides the row's address under that
    // name: its other name is used, not the column's value.
    assert_eq!(keys_of("texte"), &[Some("_rowid_=1".to_owned())]);
    // The key's columns in the key's order, not the table's.
    assert_eq!(
        keys_of("libelle"),
        &[Some("numero=2, commande=4".to_owned())]
    );
    check(
        &sample_read_only(&format!("sqlite://{}", path.display()))
            .await
            .unwrap(),
    );
    std::fs::remove_file(&path).unwrap();

    assert!(matches!(
        sample_database("oracle://x", 10).await,
        Err(SampleError::Scheme)
    ));
    let refused = sample_database("postgres://nobody@127.0.0.1:1/x", 10)
        .await
        .unwrap_err();
    assert!(matches!(refused, SampleError::Connect(_)), "{refused}");
}
