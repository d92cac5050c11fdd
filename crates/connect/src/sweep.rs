//! Retention sweeps on a connected system (C21, C22): the rows of one
//! table whose trigger date is past the rule's period, counted for a
//! preview, then deleted or anonymised in batches keyed by primary key —
//! each batch one short transaction, so that a sweep of millions of rows
//! never holds a lock for long. The caller records each batch in Vigie's
//! own store before the client commit (see `vigie-service`'s retention).

use jiff::civil::Date;
use vigie_domain::{
    dataset::{Dataset, Masking, TableSpec},
    retention::RetentionAction,
};

use crate::conn::{Conn, Sql};
use crate::execute::{ExecError, read_checked};
use crate::mask;
use crate::schema::{Family, Schema};
use crate::target::RowFilter;

/// What is wrong with a rule against the live system, by field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SweepError {
    #[error("{field}: {message}")]
    Rule {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    Exec(#[from] ExecError),
    #[error("the database failed: {0}")]
    Db(String),
}

fn db(e: sqlx::Error) -> SweepError {
    SweepError::Db(e.to_string())
}

fn rule(field: &'static str, message: impl Into<String>) -> SweepError {
    SweepError::Rule {
        field,
        message: message.into(),
    }
}

/// One rule's work on one table.
#[derive(Clone, Copy)]
pub struct Sweep<'a> {
    pub table: &'a TableSpec,
    pub trigger: &'a str,
    pub action: RetentionAction,
    /// Rows whose trigger falls before this day are past their period.
    pub before: Date,
    /// And, when anonymising, on or after this one: rows before it were
    /// anonymised by an earlier complete sweep and are not touched twice.
    pub from: Option<Date>,
    /// On a database shared by several tenants, this tenant's rows.
    pub filter: Option<&'a RowFilter>,
    /// The tenant's masking key.
    pub key: &'a [u8; 32],
}

/// Checks a rule against the dataset and the live database: the table is
/// in the dataset, the trigger is a date column, a deletion leaves no
/// reference dangling, an anonymisation has something to mask.
pub async fn check(
    conn: &mut Conn,
    dataset: &Dataset,
    filter: Option<&RowFilter>,
    table: &str,
    trigger: &str,
    action: RetentionAction,
) -> Result<Schema, SweepError> {
    let schema = read_checked(conn, dataset, filter).await?;
    let Some(t) = dataset.table(table) else {
        return Err(rule(
            "table",
            format!("« {table} » is not a table of this system's dataset"),
        ));
    };
    match schema.column(table, trigger).map(|c| c.family) {
        None => {
            return Err(rule(
                "trigger_column",
                format!("« {table} » has no column « {trigger} »"),
            ));
        }
        Some(Family::Date | Family::Timestamp) => {}
        Some(_) => {
            return Err(rule(
                "trigger_column",
                format!("« {trigger} » is not a date or timestamp column"),
            ));
        }
    }
    match action {
        RetentionAction::Delete => {
            let referring: Vec<String> = dataset
                .tables
                .iter()
                .filter(|o| o.name != t.name)
                .filter(|o| {
                    o.columns
                        .iter()
                        .any(|c| c.references.as_ref().is_some_and(|r| r.table == t.name))
                })
                .map(|o| o.name.clone())
                .collect();
            if !referring.is_empty() {
                return Err(rule(
                    "action",
                    format!(
                        "rows of {} refer to « {table} »: anonymise its rows instead (links and counts stay), or delete those tables' rows by their own rule",
                        referring.join(", ")
                    ),
                ));
            }
        }
        RetentionAction::Anonymise => {
            if t.columns.iter().all(|c| c.masking.is_keep()) {
                return Err(rule(
                    "action",
                    format!(
                        "no column of « {table} » has a masking in the dataset: nothing to anonymise"
                    ),
                ));
            }
        }
    }
    Ok(schema)
}

/// A row past its period: its key, and its masked columns before and
/// after anonymisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredRow {
    pub key: String,
    pub before: Vec<Option<String>>,
    pub after: Vec<Option<String>>,
}

/// The columns anonymisation replaces, in the dataset's order.
pub fn masked_columns(t: &TableSpec) -> Vec<(&str, &Masking)> {
    t.columns
        .iter()
        .filter(|c| !c.masking.is_keep())
        .map(|c| (c.name.as_str(), &c.masking))
        .collect()
}

fn day(d: Date) -> String {
    d.to_string()
}

/// ` WHERE trigger < before [AND trigger >= from] [AND tenant's rows]`.
fn push_window(sql: &mut Sql, conn: &Conn, schema: &Schema, s: &Sweep<'_>) {
    let d = conn.dialect();
    let t = &s.table.name;
    let ty = schema.pg_type(t, s.trigger).to_owned();
    let col = d.ident(s.trigger);
    sql.push(&format!(" WHERE {col} < "));
    sql.param(Some(day(s.before)), &ty);
    if let (Some(from), RetentionAction::Anonymise) = (s.from, s.action) {
        sql.push(&format!(" AND {col} >= "));
        sql.param(Some(day(from)), &ty);
    }
    if let Some(f) = s.filter
        && schema.column(t, &f.column).is_some()
    {
        let fty = schema.pg_type(t, &f.column).to_owned();
        sql.push(&format!(" AND {} = ", d.ident(&f.column)));
        sql.param(Some(f.value.clone()), &fty);
    }
}

/// How many rows are past their period now.
pub async fn count(conn: &mut Conn, schema: &Schema, s: &Sweep<'_>) -> Result<u64, SweepError> {
    let d = conn.dialect();
    let mut sql = Sql::new(d);
    // Read as text, like every value this crate reads.
    let count = match d {
        crate::Dialect::Postgres => "COUNT(*)::text",
        crate::Dialect::MySql => "CAST(COUNT(*) AS CHAR)",
        crate::Dialect::Sqlite => "CAST(COUNT(*) AS TEXT)",
    };
    sql.push(&format!("SELECT {count} FROM {}", d.ident(&s.table.name)));
    push_window(&mut sql, conn, schema, s);
    let rows = conn.rows(&sql).await.map_err(db)?;
    Ok(rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// The next rows past their period after `after` (a primary key), at most
/// `limit`, in key order, with what anonymisation would write.
pub async fn next_batch(
    conn: &mut Conn,
    schema: &Schema,
    s: &Sweep<'_>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<ExpiredRow>, SweepError> {
    let d = conn.dialect();
    let t = s.table;
    let masked = masked_columns(t);
    let mut select = vec![d.as_text(&t.primary_key)];
    select.extend(masked.iter().map(|(c, _)| d.as_text(c)));
    let mut sql = Sql::new(d);
    sql.push(&format!(
        "SELECT {} FROM {}",
        select.join(", "),
        d.ident(&t.name)
    ));
    push_window(&mut sql, conn, schema, s);
    if let Some(k) = after {
        let ty = schema.pg_type(&t.name, &t.primary_key).to_owned();
        sql.push(&format!(" AND {} > ", d.ident(&t.primary_key)));
        sql.param(Some(k.to_owned()), &ty);
    }
    // Qualified: PostgreSQL would otherwise order by the output column of
    // the same name, the key as text (1, 10, 11, 2…).
    sql.push(&format!(
        " ORDER BY {}.{} LIMIT {limit}",
        d.ident(&t.name),
        d.ident(&t.primary_key)
    ));
    let rows = conn.rows(&sql).await.map_err(db)?;
    Ok(rows
        .into_iter()
        .filter_map(|mut r| {
            let key = r.first_mut()?.take()?;
            let before: Vec<Option<String>> = r.into_iter().skip(1).collect();
            let after = masked
                .iter()
                .zip(&before)
                .map(|((c, m), v)| {
                    let family = schema.column(&t.name, c).map(|lc| lc.family);
                    mask::masked(m, v.as_deref(), family, s.key)
                })
                .collect();
            Some(ExpiredRow { key, before, after })
        })
        .collect())
}

/// Deletes or anonymises `rows` in one statement per chunk; the caller
/// holds the transaction. Returns the rows changed.
pub async fn apply(
    conn: &mut Conn,
    schema: &Schema,
    s: &Sweep<'_>,
    rows: &[ExpiredRow],
) -> Result<u64, SweepError> {
    let d = conn.dialect();
    let t = s.table;
    let pk_ty = schema.pg_type(&t.name, &t.primary_key).to_owned();
    let masked = masked_columns(t);
    let mut n = 0;
    for chunk in rows.chunks(500) {
        let keys: Vec<String> = chunk.iter().map(|r| r.key.clone()).collect();
        let mut sql = Sql::new(d);
        match s.action {
            RetentionAction::Delete => {
                sql.push(&format!("DELETE FROM {}", d.ident(&t.name)));
            }
            RetentionAction::Anonymise => {
                sql.push(&format!("UPDATE {} SET ", d.ident(&t.name)));
                for (i, (col, _)) in masked.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    let ty = schema.pg_type(&t.name, col).to_owned();
                    sql.push(&format!(
                        "{} = CASE {} ",
                        d.ident(col),
                        d.ident(&t.primary_key)
                    ));
                    for r in chunk {
                        sql.push("WHEN ");
                        sql.param(Some(r.key.clone()), &pk_ty);
                        sql.push(" THEN ");
                        sql.param(r.after.get(i).cloned().flatten(), &ty);
                        sql.push(" ");
                    }
                    sql.push(&format!("ELSE {} END", d.ident(col)));
                }
            }
        }
        push_window(&mut sql, conn, schema, s);
        sql.push(&format!(" AND {} IN ", d.ident(&t.primary_key)));
        sql.list(&keys, &pk_ty);
        n += conn.execute(&sql).await.map_err(db)?;
    }
    Ok(n)
}

/// What one row holds now in `column` (`None`: the row is gone), to tell
/// after a crash whether a batch was committed.
pub async fn probe(
    conn: &mut Conn,
    schema: &Schema,
    table: &TableSpec,
    key: &str,
    column: Option<&str>,
) -> Result<Option<Option<String>>, SweepError> {
    let d = conn.dialect();
    let pk_ty = schema.pg_type(&table.name, &table.primary_key).to_owned();
    let read = column.map_or_else(|| d.as_text(&table.primary_key), |c| d.as_text(c));
    let mut sql = Sql::new(d);
    sql.push(&format!(
        "SELECT {read} FROM {} WHERE {} = ",
        d.ident(&table.name),
        d.ident(&table.primary_key)
    ));
    sql.param(Some(key.to_owned()), &pk_ty);
    let rows = conn.rows(&sql).await.map_err(db)?;
    Ok(rows
        .into_iter()
        .next()
        .map(|r| r.into_iter().next().flatten()))
}
