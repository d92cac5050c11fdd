//! Fresh application databases for the tests, loaded with the fixture.

use sqlx::Connection;
use vigie_connect::{Conn, Dialect, fixture};

use crate::sample::name;

pub fn postgres_admin() -> String {
    std::env::var("VIGIE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn mysql_admin() -> String {
    std::env::var("VIGIE_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// A database created for one test, holding `people` fixture people.
pub struct AppDb {
    pub url: String,
    dialect: Dialect,
    name: String,
}

impl AppDb {
    pub async fn new(dialect: Dialect, people: i64) -> AppDb {
        let name = name();
        let url = match dialect {
            Dialect::Postgres => {
                let admin = postgres_admin();
                let mut c = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("PostgreSQL is required");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut c)
                    .await
                    .unwrap();
                format!("{}/{name}", admin.rsplit_once('/').unwrap().0)
            }
            Dialect::MySql => {
                let admin = mysql_admin();
                let mut c = sqlx::MySqlConnection::connect(&admin)
                    .await
                    .expect("MariaDB is required");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut c)
                    .await
                    .unwrap();
                format!("{admin}/{name}").replacen("mysql:", "mariadb:", 1)
            }
            Dialect::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                std::fs::File::create(&path).unwrap();
                format!("sqlite://{}", path.display())
            }
        };
        let db = AppDb { url, dialect, name };
        let mut c = db.conn().await;
        c.run(fixture::schema()).await.unwrap();
        for s in fixture::people(people) {
            c.run(&s).await.unwrap();
        }
        c.close().await;
        db
    }

    pub async fn conn(&self) -> Conn {
        Conn::open(&self.url).await.unwrap()
    }

    /// `columns` of the rows of `table` matching `filter`, by id, as text.
    pub async fn rows(&self, table: &str, columns: &str, filter: &str) -> Vec<Vec<Option<String>>> {
        let mut c = self.conn().await;
        let columns: Vec<String> = if columns == "*" {
            let schema = vigie_connect::Schema::read(&mut c).await.unwrap();
            schema.tables[table].keys().cloned().collect()
        } else {
            columns.split(", ").map(str::to_owned).collect()
        };
        let select: Vec<String> = columns.iter().map(|c| self.dialect.as_text(c)).collect();
        let mut q = vigie_connect::Sql::new(self.dialect);
        q.push(&format!(
            "SELECT {} FROM {table} WHERE {filter} ORDER BY id",
            select.join(", ")
        ));
        let r = c.rows(&q).await.unwrap();
        c.close().await;
        r
    }

    /// How many rows of `table` match `filter`.
    pub async fn count(&self, table: &str, filter: &str) -> usize {
        self.rows(table, "id", filter).await.len()
    }

    pub async fn drop(self) {
        match self.dialect {
            Dialect::Postgres => {
                let mut c = sqlx::PgConnection::connect(&postgres_admin())
                    .await
                    .unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE {} WITH (FORCE)",
                    self.name
                )))
                .execute(&mut c)
                .await
                .unwrap();
            }
            Dialect::MySql => {
                let mut c = sqlx::MySqlConnection::connect(&mysql_admin())
                    .await
                    .unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {}", self.name)))
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
            Dialect::Sqlite => {
                let _ = std::fs::remove_file(self.url.trim_start_matches("sqlite://"));
            }
        }
    }
}
