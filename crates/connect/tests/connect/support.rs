//! Fresh application databases for the tests, loaded with the fixture.

use vigie_connect::{Conn, Dialect, fixture};

use crate::sample::name;

/// A database created for one test, holding `people` fixture people.
pub struct AppDb {
    pub url: String,
    dialect: Dialect,
    name: String,
}

impl AppDb {
    pub async fn new(dialect: Dialect, people: i64) -> AppDb {
        let name = name();
        let url = fixture::create_database(dialect, &name)
            .await
            .expect("the database server is required");
        fixture::install(&url, people).await.unwrap();
        AppDb { url, dialect, name }
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
        fixture::drop_database(self.dialect, &self.name, &self.url)
            .await
            .unwrap();
    }
}
