//! Masked copies of a connected system for a test environment (C30, seed
//! 002 §9): every table of the source streamed into the same, empty
//! tables of the target, batch by batch, the dataset's masking applied on
//! the way — keyed by a key of this copy, so that equal values stay equal
//! (joins and uniqueness survive) and differ from one copy to the next.
//! Tables the dataset does not declare go first and as they are; the
//! dataset's tables follow, parents first, so foreign keys hold.

use std::collections::BTreeMap;

use vigie_domain::dataset::{Dataset, Masking};

use crate::conn::{Conn, Sql};
use crate::execute::{ExecError, read_checked};
use crate::mask;
use crate::schema::Schema;
use crate::target::RowFilter;

/// Rows per read and per INSERT.
const BATCH: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    #[error("{0}")]
    Exec(#[from] ExecError),
    /// The target is not ready to receive the copy.
    #[error("the test database: {0}")]
    Target(String),
    #[error("table {table}: {message}")]
    Table { table: String, message: String },
}

/// Rows copied, per table, in the order copied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub tables: Vec<(String, u64)>,
    /// Columns masked, as `table.column`.
    pub masked: Vec<String>,
}

/// The source's tables in copy order: those the dataset does not declare
/// first (alphabetical), then the dataset's, parents first.
fn order(dataset: &Dataset, schema: &Schema) -> Vec<String> {
    let declared: Vec<String> = dataset
        .order()
        .into_iter()
        .filter_map(|i| dataset.tables.get(i).map(|t| t.name.clone()))
        .collect();
    schema
        .tables
        .keys()
        .filter(|t| !declared.contains(t))
        .cloned()
        .chain(declared.iter().cloned())
        .collect()
}

/// Copies `source` into `target` with the dataset's masking. The target
/// must hold every table of the source with its columns, empty.
pub async fn copy_masked(
    source: &mut Conn,
    target: &mut Conn,
    dataset: &Dataset,
    filter: Option<&RowFilter>,
    key: &[u8; 32],
    mut progress: impl FnMut(&str, u64),
) -> Result<CopyReport, CopyError> {
    let from = read_checked(source, dataset, filter).await?;
    let to = Schema::read(target)
        .await
        .map_err(|e| CopyError::Target(e.to_string()))?;
    let tables = order(dataset, &from);
    for t in &tables {
        let Some(cols) = to.tables.get(t) else {
            return Err(CopyError::Target(format!(
                "it has no table « {t} »: create the application's tables there first"
            )));
        };
        if let Some(c) = from
            .tables
            .get(t)
            .and_then(|src| src.keys().find(|c| !cols.contains_key(*c)))
        {
            return Err(CopyError::Target(format!(
                "table « {t} » has no column « {c} »"
            )));
        }
        let mut sql = Sql::new(target.dialect());
        sql.push(&format!(
            "SELECT 1 FROM {} LIMIT 1",
            target.dialect().ident(t)
        ));
        let rows = target
            .rows(&sql)
            .await
            .map_err(|e| CopyError::Target(e.to_string()))?;
        if !rows.is_empty() {
            return Err(CopyError::Target(format!(
                "table « {t} » is not empty: a masked copy goes into empty tables only"
            )));
        }
    }
    // All or nothing: a copy that fails leaves the test database empty,
    // ready for the next attempt.
    target
        .begin(false)
        .await
        .map_err(|e| CopyError::Target(e.to_string()))?;
    let copied = copy_all(
        source,
        target,
        &from,
        &to,
        &tables,
        dataset,
        filter,
        key,
        &mut progress,
    )
    .await;
    match copied {
        Ok(report) => {
            target
                .commit()
                .await
                .map_err(|e| CopyError::Target(e.to_string()))?;
            Ok(report)
        }
        Err(e) => {
            let _ = target.rollback().await;
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn copy_all(
    source: &mut Conn,
    target: &mut Conn,
    from: &Schema,
    to: &Schema,
    tables: &[String],
    dataset: &Dataset,
    filter: Option<&RowFilter>,
    key: &[u8; 32],
    progress: &mut impl FnMut(&str, u64),
) -> Result<CopyReport, CopyError> {
    let mut report = CopyReport::default();
    for t in tables {
        let Some(cols) = from.tables.get(t) else {
            continue;
        };
        let names: Vec<&String> = cols.keys().collect();
        let spec = dataset.table(t);
        let masks: BTreeMap<&str, &Masking> = spec
            .map(|s| {
                s.columns
                    .iter()
                    .filter(|c| !c.masking.is_keep())
                    .map(|c| (c.name.as_str(), &c.masking))
                    .collect()
            })
            .unwrap_or_default();
        report
            .masked
            .extend(masks.keys().map(|c| format!("{t}.{c}")));
        let n = copy_table(
            source,
            target,
            from,
            to,
            t,
            &names,
            &masks,
            spec.map(|s| s.primary_key.as_str()),
            filter,
            key,
            progress,
        )
        .await
        .map_err(|message| CopyError::Table {
            table: t.clone(),
            message,
        })?;
        report.tables.push((t.clone(), n));
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn copy_table(
    source: &mut Conn,
    target: &mut Conn,
    from: &Schema,
    to: &Schema,
    t: &str,
    names: &[&String],
    masks: &BTreeMap<&str, &Masking>,
    pk: Option<&str>,
    filter: Option<&RowFilter>,
    key: &[u8; 32],
    progress: &mut impl FnMut(&str, u64),
) -> Result<u64, String> {
    let sd = source.dialect();
    let td = target.dialect();
    let select: Vec<String> = names.iter().map(|c| sd.as_text(c)).collect();
    let pk_pos = pk.and_then(|p| names.iter().position(|c| c.as_str() == p));
    let filter = filter.filter(|f| from.column(t, &f.column).is_some());
    let mut last: Option<String> = None;
    let mut offset = 0u64;
    let mut copied = 0u64;
    loop {
        let mut sql = Sql::new(sd);
        sql.push(&format!(
            "SELECT {} FROM {}",
            select.join(", "),
            sd.ident(t)
        ));
        let mut first = true;
        let mut and = |sql: &mut Sql| {
            sql.push(if first { " WHERE " } else { " AND " });
            first = false;
        };
        if let Some(f) = filter {
            and(&mut sql);
            sql.push(&format!("{} = ", sd.ident(&f.column)));
            sql.param(Some(f.value.clone()), from.pg_type(t, &f.column));
        }
        // Keyed by primary key where the dataset names it; by offset
        // otherwise (tables it does not declare are small reference ones).
        if let (Some(p), Some(k)) = (pk, &last) {
            and(&mut sql);
            sql.push(&format!("{} > ", sd.ident(p)));
            sql.param(Some(k.clone()), from.pg_type(t, p));
        }
        match pk {
            Some(p) => sql.push(&format!(
                " ORDER BY {}.{} LIMIT {BATCH}",
                sd.ident(t),
                sd.ident(p)
            )),
            None => sql.push(&format!(" LIMIT {BATCH} OFFSET {offset}")),
        };
        let rows = source.rows(&sql).await.map_err(|e| e.to_string())?;
        if rows.is_empty() {
            return Ok(copied);
        }
        if let Some(p) = pk_pos {
            last = rows.last().and_then(|r| r.get(p).cloned().flatten());
        }
        offset += rows.len() as u64;
        let mut insert = Sql::new(td);
        insert.push(&format!(
            "INSERT INTO {} ({}) VALUES ",
            td.ident(t),
            names
                .iter()
                .map(|c| td.ident(c))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                insert.push(", ");
            }
            insert.push("(");
            for (j, c) in names.iter().enumerate() {
                if j > 0 {
                    insert.push(", ");
                }
                let v = row.get(j).cloned().flatten();
                let v = match masks.get(c.as_str()) {
                    Some(m) => {
                        let family = from.column(t, c).map(|lc| lc.family);
                        mask::masked(m, v.as_deref(), family, key)
                    }
                    None => v,
                };
                insert.param(v, to.pg_type(t, c));
            }
            insert.push(")");
        }
        target.execute(&insert).await.map_err(|e| e.to_string())?;
        copied += rows.len() as u64;
        progress(t, copied);
    }
}
