//! Sampling a database: names and types from the catalogue, then at most
//! `rows` rows per table, every column cast to text, in a read-only
//! transaction where the database supports one. Large PostgreSQL tables are
//! sampled with `TABLESAMPLE SYSTEM` rather than read from their start.
//! Each value keeps its row's primary key (or SQLite's `rowid`,
//! PostgreSQL's `ctid` when there is none), so that a finding says where
//! to go (issue 19).

use sqlx::{Connection, Row};

use crate::{
    Sql,
    conn::{Conn, Db, Dialect, bq, dq},
};

/// One column and the values sampled from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSample {
    pub table: String,
    pub column: String,
    pub data_type: String,
    pub values: Vec<String>,
    /// The row of each value, `keys[i]` for `values[i]`, by its primary
    /// key (« id=42 », « commune=39, numero=7 »); `None` for a table
    /// without one where the database has no row address (MySQL).
    pub keys: Vec<Option<RowKey>>,
}

/// A row's primary key: each key column and its value, in the key's
/// order. Values are the database's, unmasked: a report masks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowKey(pub Vec<(String, String)>);

impl RowKey {
    /// `(column, value)` pairs, borrowed.
    pub fn parts(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(c, v)| (c.as_str(), v.as_str()))
    }
}

impl std::fmt::Display for RowKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (c, v)) in self.0.iter().enumerate() {
            write!(f, "{}{c}={v}", if i == 0 { "" } else { ", " })?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error("the database URL must start with postgres://, mysql://, mariadb:// or sqlite://")]
    Scheme,
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("table {table}: {message}")]
    Table { table: String, message: String },
    #[error("{0}")]
    Query(String),
}

fn q(e: sqlx::Error) -> SampleError {
    SampleError::Query(e.to_string())
}

/// An error while reading one table, naming it.
fn table_err(table: &str) -> impl FnOnce(sqlx::Error) -> SampleError + '_ {
    move |e| SampleError::Table {
        table: table.to_owned(),
        message: e.to_string(),
    }
}

/// Groups catalogue rows `(table, column, type)` by table, in order.
fn by_table(cols: Vec<(String, String, String)>) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (t, c, ty) in cols {
        match out.last_mut() {
            Some((last, v)) if *last == t => v.push((c, ty)),
            _ => out.push((t, vec![(c, ty)])),
        }
    }
    out
}

/// What a table's sample reads: its columns, then the columns that name
/// its rows (a primary key, a row address), each cast to text.
fn select_list(dialect: Dialect, cols: &[(String, String)], key: &[String]) -> String {
    cols.iter()
        .map(|(c, _)| c)
        .chain(key)
        .map(|c| dialect.as_text(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn collect<R: Row>(
    table: &str,
    cols: &[(String, String)],
    key: &[String],
    rows: Vec<R>,
) -> Result<Vec<ColumnSample>, SampleError>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut out: Vec<ColumnSample> = cols
        .iter()
        .map(|(c, ty)| ColumnSample {
            table: table.to_owned(),
            column: c.clone(),
            data_type: ty.clone(),
            values: Vec::new(),
            keys: Vec::new(),
        })
        .collect();
    for r in rows {
        let mut parts = Vec::with_capacity(key.len());
        for (i, k) in key.iter().enumerate() {
            let v: Option<String> = r.try_get(cols.len() + i).map_err(table_err(table))?;
            parts.push((k.clone(), v.unwrap_or_else(|| "NULL".into())));
        }
        let row = (!parts.is_empty()).then_some(RowKey(parts));
        for (i, s) in out.iter_mut().enumerate() {
            let v: Option<String> = r.try_get(i).map_err(table_err(table))?;
            if let Some(v) = v {
                s.values.push(v);
                s.keys.push(row.clone());
            }
        }
    }
    Ok(out)
}

/// Groups catalogue rows `(table, column)` of primary keys by table.
fn keys_by_table(rows: Vec<(String, String)>) -> std::collections::HashMap<String, Vec<String>> {
    let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
    for (t, c) in rows {
        out.entry(t).or_default().push(c);
    }
    out
}

/// Samples every user table of the database at `url`, with no
/// confinement: the operator's command line (`vigie scan`).
pub async fn sample_database(url: &str, rows: u32) -> Result<Vec<ColumnSample>, SampleError> {
    if Dialect::of_url(url).is_none() {
        return Err(SampleError::Scheme);
    }
    let mut c = Conn::open(url).await.map_err(SampleError::Connect)?;
    let out = sample(&mut c, rows).await;
    c.close().await;
    out
}

/// Samples every user table of an open database, reading only: the
/// session is made read-only first and stays so, whatever a hostile
/// table or column name would make a statement do.
pub async fn sample(conn: &mut Conn, rows: u32) -> Result<Vec<ColumnSample>, SampleError> {
    let rows = i64::from(rows.max(1));
    let read_only = match &conn.db {
        Db::Postgres(_) => "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        Db::MySql(_) => "SET SESSION TRANSACTION READ ONLY",
        Db::Sqlite(_) => "PRAGMA query_only = ON",
    };
    let mut sql = Sql::new(conn.dialect());
    sql.push(read_only);
    conn.execute(&sql).await.map_err(q)?;
    match &mut conn.db {
        Db::Postgres(c) => postgres(c, rows).await,
        Db::MySql(c) => mysql(c, rows).await,
        Db::Sqlite(c) => sqlite(c, rows).await,
    }
}

async fn postgres(c: &mut sqlx::PgConnection, rows: i64) -> Result<Vec<ColumnSample>, SampleError> {
    // One snapshot for the whole catalogue and its samples.
    let mut tx = c.begin().await.map_err(q)?;
    let catalogue: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.table_schema || '.' || c.table_name, c.column_name, c.data_type \
         FROM information_schema.columns c JOIN information_schema.tables t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') \
         ORDER BY 1, c.ordinal_position",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(q)?;
    let mut keys = keys_by_table(
        sqlx::query_as(
            "SELECT k.table_schema || '.' || k.table_name, k.column_name \
             FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k \
               ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name \
              AND k.table_name = c.table_name \
             WHERE c.constraint_type = 'PRIMARY KEY' \
             ORDER BY 1, k.ordinal_position",
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(q)?,
    );
    let mut out = Vec::new();
    for (table, cols) in by_table(catalogue) {
        let (schema, name) = table.split_once('.').unwrap_or(("public", table.as_str()));
        // A table without a primary key: its rows' physical address.
        let key = keys.remove(&table).unwrap_or_else(|| vec!["ctid".into()]);
        let from = format!("{}.{}", dq(schema), dq(name));
        let estimate: f64 = sqlx::query_scalar(
            "SELECT GREATEST(c.reltuples, 0)::float8 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2",
        )
        .bind(schema)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await
        .map_err(q)?
        .unwrap_or(0.0);
        // Ten times the sample, so rows come from all over the table.
        let sample = if estimate > (rows * 10) as f64 {
            format!(
                " TABLESAMPLE SYSTEM ({})",
                (rows as f64 * 1000.0 / estimate).clamp(0.01, 100.0)
            )
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT {} FROM {from}{sample} LIMIT {rows}",
            select_list(Dialect::Postgres, &cols, &key)
        );
        let got = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await
            .map_err(table_err(&table))?;
        out.extend(collect(&table, &cols, &key, got)?);
    }
    tx.rollback().await.map_err(q)?;
    Ok(out)
}

async fn mysql(c: &mut sqlx::MySqlConnection, rows: i64) -> Result<Vec<ColumnSample>, SampleError> {
    let catalogue: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT CAST(c.TABLE_NAME AS CHAR), CAST(c.COLUMN_NAME AS CHAR), CAST(c.DATA_TYPE AS CHAR) \
         FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
           ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
         WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' \
         ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
    )
    .fetch_all(&mut *c)
    .await
    .map_err(q)?;
    let mut keys = keys_by_table(
        sqlx::query_as(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) \
             FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'PRIMARY' \
             ORDER BY TABLE_NAME, ORDINAL_POSITION",
        )
        .fetch_all(&mut *c)
        .await
        .map_err(q)?,
    );
    let mut out = Vec::new();
    for (table, cols) in by_table(catalogue) {
        // MySQL has no row address: a table without a key has no places.
        let key = keys.remove(&table).unwrap_or_default();
        let sql = format!(
            "SELECT {} FROM {} LIMIT {rows}",
            select_list(Dialect::MySql, &cols, &key),
            bq(&table)
        );
        let got = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *c)
            .await
            .map_err(table_err(&table))?;
        out.extend(collect(&table, &cols, &key, got)?);
    }
    Ok(out)
}

async fn sqlite(
    c: &mut sqlx::SqliteConnection,
    rows: i64,
) -> Result<Vec<ColumnSample>, SampleError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )
    .fetch_all(&mut *c)
    .await
    .map_err(q)?;
    let mut out = Vec::new();
    for table in tables {
        let info = sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA table_info({})",
            dq(&table)
        )))
        .fetch_all(&mut *c)
        .await
        .map_err(q)?;
        let cols: Vec<(i64, String, String)> = info
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>("pk")?,
                    r.try_get::<String, _>("name")?,
                    r.try_get::<String, _>("type")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(q)?;
        let mut key: Vec<(i64, String)> = cols
            .iter()
            .filter(|(pk, _, _)| *pk > 0)
            .map(|(pk, c, _)| (*pk, c.clone()))
            .collect();
        key.sort();
        let mut key: Vec<String> = key.into_iter().map(|(_, c)| c).collect();
        if key.is_empty()
            && let Some(address) = ["rowid", "_rowid_", "oid"]
                .into_iter()
                .find(|a| !cols.iter().any(|(_, c, _)| c.eq_ignore_ascii_case(a)))
        {
            // The row's address under the first of its names that no
            // column of the table takes for itself.
            key.push(address.into());
        }
        let cols: Vec<(String, String)> = cols.into_iter().map(|(_, c, ty)| (c, ty)).collect();
        let sql = format!(
            "SELECT {} FROM {} LIMIT {rows}",
            select_list(Dialect::Sqlite, &cols, &key),
            dq(&table)
        );
        let got = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *c)
            .await
            .map_err(table_err(&table))?;
        out.extend(collect(&table, &cols, &key, got)?);
    }
    Ok(out)
}
