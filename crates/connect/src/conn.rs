//! One connection to a client database, whatever its kind: the three SQL
//! dialects differ in quoting, placeholders and casts, and this file is the
//! only place that knows how. Every value travels as text (or NULL), cast
//! to the column's type by the database, so one code path serves all.

use std::time::Duration;

use sqlx::{Connection, Row};

/// The kind of a client database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

impl Dialect {
    /// The dialect of a connection URL, if it is one Vigie speaks.
    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::MySql),
            "sqlite" => Some(Dialect::Sqlite),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgresql",
            Dialect::MySql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// An identifier, quoted.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::MySql => bq(name),
            _ => dq(name),
        }
    }

    /// A column read as text.
    pub fn as_text(self, column: &str) -> String {
        let c = self.ident(column);
        match self {
            Dialect::Postgres => format!("{c}::text"),
            Dialect::MySql => format!("CAST({c} AS CHAR)"),
            // Blobs are not text; they are left out rather than mangled.
            Dialect::Sqlite => {
                format!("CASE typeof({c}) WHEN 'blob' THEN NULL ELSE CAST({c} AS TEXT) END")
            }
        }
    }
}

/// `"name"` with inner quotes doubled (PostgreSQL, SQLite).
pub(crate) fn dq(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `` `name` `` with inner backquotes doubled (MySQL).
pub(crate) fn bq(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Builds a statement's text and its parameters together, so that a
/// placeholder can never be numbered wrong.
pub struct Sql {
    dialect: Dialect,
    pub text: String,
    pub params: Vec<Option<String>>,
}

impl Sql {
    pub fn new(dialect: Dialect) -> Self {
        Sql {
            dialect,
            text: String::new(),
            params: Vec::new(),
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// A parameter, cast to `pg_type` on PostgreSQL (which, unlike the
    /// others, does not convert text implicitly).
    pub fn param(&mut self, value: Option<String>, pg_type: &str) -> &mut Self {
        self.params.push(value);
        match self.dialect {
            Dialect::Postgres => {
                let n = self.params.len();
                self.text.push_str(&format!("CAST(${n} AS {pg_type})"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// `(v1, v2, …)` for an IN list.
    pub fn list(&mut self, values: &[String], pg_type: &str) -> &mut Self {
        self.text.push('(');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.param(Some(v.clone()), pg_type);
        }
        self.text.push(')');
        self
    }
}

/// An open connection, and how long one statement may take on it.
pub struct Conn {
    pub(crate) db: Db,
    timeout: Option<Duration>,
}

pub(crate) enum Db {
    Postgres(sqlx::PgConnection),
    MySql(sqlx::MySqlConnection),
    Sqlite(sqlx::SqliteConnection),
}

macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            Db::Postgres($c) => $body,
            Db::MySql($c) => $body,
            Db::Sqlite($c) => $body,
        }
    };
}

/// `f`, failed if it takes longer than `limit`.
async fn bounded<T>(
    limit: Option<Duration>,
    f: impl std::future::Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, f)
            .await
            .unwrap_or_else(|_| Err(timed_out(limit))),
        None => f.await,
    }
}

/// The error of a statement that did not answer in time.
fn timed_out(limit: Duration) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("no answer within {} s", limit.as_secs().max(1)),
    ))
}

impl Conn {
    pub(crate) fn new(db: Db) -> Self {
        Conn { db, timeout: None }
    }

    /// Every statement from now on fails if it takes longer than `limit`
    /// (a server that stops answering must not hold a worker).
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Connects to `url` with no confinement: for the operator's own
    /// command line, the fixtures and the tests. Whatever a tenant wrote
    /// goes through `Confinement::open` instead. A SQLite file must
    /// already exist (a typo must not create an empty database that
    /// "holds nobody").
    pub async fn open(url: &str) -> Result<Self, String> {
        match Dialect::of_url(url) {
            Some(Dialect::Postgres) => sqlx::PgConnection::connect(url)
                .await
                .map(|c| Conn::new(Db::Postgres(c)))
                .map_err(|e| e.to_string()),
            Some(Dialect::MySql) => {
                sqlx::MySqlConnection::connect(&url.replacen("mariadb:", "mysql:", 1))
                    .await
                    .map(|c| Conn::new(Db::MySql(c)))
                    .map_err(|e| e.to_string())
            }
            Some(Dialect::Sqlite) => {
                use std::str::FromStr;
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)
                    .map_err(|e| e.to_string())?
                    .create_if_missing(false)
                    .foreign_keys(true);
                sqlx::SqliteConnection::connect_with(&opts)
                    .await
                    .map(|c| Conn::new(Db::Sqlite(c)))
                    .map_err(|e| e.to_string())
            }
            None => Err(
                "the database URL must start with postgres://, mysql://, mariadb:// or sqlite://"
                    .into(),
            ),
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.db {
            Db::Postgres(_) => Dialect::Postgres,
            Db::MySql(_) => Dialect::MySql,
            Db::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// Rows of a statement whose every column is read as text.
    pub async fn rows(&mut self, sql: &Sql) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        bounded(self.timeout, async {
            on_conn!(&mut self.db, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.text.clone()));
                for p in &sql.params {
                    q = q.bind(p.clone());
                }
                let rows = q.fetch_all(&mut *c).await?;
                rows.iter()
                    .map(|r| (0..r.len()).map(|i| r.try_get::<Option<String>, _>(i)).collect())
                    .collect()
            })
        })
        .await
    }

    /// Runs a statement; returns the number of rows it changed.
    pub async fn execute(&mut self, sql: &Sql) -> Result<u64, sqlx::Error> {
        bounded(self.timeout, async {
            on_conn!(&mut self.db, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.text.clone()));
                for p in &sql.params {
                    q = q.bind(p.clone());
                }
                Ok(q.execute(&mut *c).await?.rows_affected())
            })
        })
        .await
    }

    /// Runs a statement without parameters.
    pub async fn run(&mut self, text: &str) -> Result<(), sqlx::Error> {
        bounded(self.timeout, async {
            on_conn!(&mut self.db, c => {
                sqlx::raw_sql(sqlx::AssertSqlSafe(text.to_owned())).execute(&mut *c).await.map(|_| ())
            })
        })
        .await
    }

    /// Opens a transaction; `read_only` asks for one consistent snapshot.
    pub async fn begin(&mut self, read_only: bool) -> Result<(), sqlx::Error> {
        let text = match (self.dialect(), read_only) {
            (Dialect::Postgres, true) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            (Dialect::Postgres, false) => "BEGIN",
            (Dialect::MySql, true) => "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
            (Dialect::MySql, false) => "START TRANSACTION",
            (Dialect::Sqlite, true) => "BEGIN",
            (Dialect::Sqlite, false) => "BEGIN IMMEDIATE",
        };
        self.run(text).await
    }

    pub async fn commit(&mut self) -> Result<(), sqlx::Error> {
        self.run("COMMIT").await
    }

    pub async fn rollback(&mut self) -> Result<(), sqlx::Error> {
        self.run("ROLLBACK").await
    }

    pub async fn close(self) {
        let limit = self.timeout.unwrap_or(Duration::from_secs(10));
        // A server that stopped answering must not hold us on goodbye.
        let _ =
            tokio::time::timeout(limit, async { on_conn!(self.db, c => c.close().await) }).await;
    }
}
