//! The live shape of a client database (tables, column types, nullability,
//! lengths) and the check of a dataset against it: every table and column
//! exists, references join columns of the same kind, and every masking can
//! be stored in its column.

use std::collections::BTreeMap;

use vigie_domain::dataset::{Dataset, Link, Masking};

use crate::conn::{Conn, Dialect, Sql, dq};
use crate::target::RowFilter;

/// What a column can hold, as far as masking and joins care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Text,
    Integer,
    Number,
    Bool,
    Date,
    Timestamp,
    Other,
}

impl Family {
    /// The family a catalogue's type name belongs to.
    pub fn of(type_name: &str) -> Family {
        let t = type_name.to_ascii_lowercase();
        let has = |s: &str| t.contains(s);
        if t.is_empty() || has("char") || has("text") || has("clob") || has("string") {
            Family::Text
        } else if t == "date" {
            Family::Date
        } else if has("timestamp") || has("datetime") {
            Family::Timestamp
        } else if has("bool") {
            Family::Bool
        } else if has("int") || has("serial") {
            Family::Integer
        } else if has("numeric") || has("decimal") || has("real") || has("double") || has("float") {
            Family::Number
        } else {
            Family::Other
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveColumn {
    /// The type as the database names it (`int4`, `varchar`, `TEXT`…).
    pub type_name: String,
    /// On PostgreSQL, the type as a cast names it, schema-qualified and
    /// quoted (`"pg_catalog"."int4"`): a client's catalogue may hold any
    /// type name, and nothing read from it enters SQL unquoted.
    pub pg_cast: String,
    pub family: Family,
    pub nullable: bool,
    pub max_len: Option<i64>,
}

/// Table name → column name → column.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub tables: BTreeMap<String, BTreeMap<String, LiveColumn>>,
}

impl Schema {
    pub fn column(&self, table: &str, column: &str) -> Option<&LiveColumn> {
        self.tables.get(table)?.get(column)
    }

    /// The type to cast a parameter to on PostgreSQL.
    pub fn pg_type(&self, table: &str, column: &str) -> &str {
        self.column(table, column)
            .map(|c| c.pg_cast.as_str())
            .filter(|c| !c.is_empty())
            .unwrap_or("text")
    }

    /// Reads the catalogue of the connection's current database/schema.
    pub async fn read(conn: &mut Conn) -> Result<Schema, sqlx::Error> {
        let text = match conn.dialect() {
            Dialect::Postgres => {
                "SELECT table_name::text, column_name::text, udt_name::text, is_nullable::text, \
                        character_maximum_length::text, udt_schema::text \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 ORDER BY table_name, ordinal_position"
            }
            Dialect::MySql => {
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), \
                        CAST(IS_NULLABLE AS CHAR), CAST(CHARACTER_MAXIMUM_LENGTH AS CHAR), NULL \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                 ORDER BY TABLE_NAME, ORDINAL_POSITION"
            }
            Dialect::Sqlite => {
                "SELECT m.name, p.name, p.type, CASE p.\"notnull\" WHEN 0 THEN 'YES' ELSE 'NO' END, NULL, NULL \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 ORDER BY m.name, p.cid"
            }
        };
        let mut sql = Sql::new(conn.dialect());
        sql.push(text);
        let rows = conn.rows(&sql).await?;
        let mut schema = Schema::default();
        for r in rows {
            let get = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            let type_name = get(2);
            let type_schema = get(5);
            let pg_cast = if type_schema.is_empty() {
                String::new()
            } else {
                format!("{}.{}", dq(&type_schema), dq(&type_name))
            };
            schema.tables.entry(get(0)).or_default().insert(
                get(1),
                LiveColumn {
                    family: Family::of(&type_name),
                    pg_cast,
                    type_name,
                    nullable: get(3) == "YES",
                    max_len: get(4).parse().ok(),
                },
            );
        }
        Ok(schema)
    }
}

/// A foreign key of the live database: `table.column` references `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub table: String,
    pub column: String,
    pub target: vigie_domain::dataset::ColumnRef,
}

/// The keys the catalogue declares: each table's primary key columns (in
/// order) and every foreign key — what a proposed dataset links tables by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub primary: BTreeMap<String, Vec<String>>,
    pub foreign: Vec<ForeignKey>,
}

impl Keys {
    /// Reads the keys of the connection's current database/schema.
    pub async fn read(conn: &mut Conn) -> Result<Keys, sqlx::Error> {
        let text = match conn.dialect() {
            Dialect::Postgres => {
                "SELECT tc.constraint_type::text, kcu.table_name::text, kcu.column_name::text, \
                        ccu.table_name::text, ccu.column_name::text \
                 FROM information_schema.table_constraints tc \
                 JOIN information_schema.key_column_usage kcu \
                   ON kcu.constraint_name = tc.constraint_name \
                  AND kcu.constraint_schema = tc.constraint_schema AND kcu.table_name = tc.table_name \
                 LEFT JOIN information_schema.constraint_column_usage ccu \
                   ON tc.constraint_type = 'FOREIGN KEY' AND ccu.constraint_name = tc.constraint_name \
                  AND ccu.constraint_schema = tc.constraint_schema \
                 WHERE tc.table_schema = current_schema() \
                   AND tc.constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') \
                 ORDER BY 2, 1, kcu.ordinal_position"
            }
            Dialect::MySql => {
                "SELECT CAST(CASE WHEN CONSTRAINT_NAME = 'PRIMARY' THEN 'PRIMARY KEY' ELSE 'FOREIGN KEY' END AS CHAR), \
                        CAST(TABLE_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), \
                        CAST(REFERENCED_TABLE_NAME AS CHAR), CAST(REFERENCED_COLUMN_NAME AS CHAR) \
                 FROM information_schema.KEY_COLUMN_USAGE \
                 WHERE TABLE_SCHEMA = DATABASE() \
                   AND (CONSTRAINT_NAME = 'PRIMARY' OR REFERENCED_TABLE_NAME IS NOT NULL) \
                 ORDER BY 2, 1, ORDINAL_POSITION"
            }
            Dialect::Sqlite => {
                "SELECT 'PRIMARY KEY', m.name, p.name, NULL, NULL \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND p.pk > 0 \
                 UNION ALL \
                 SELECT 'FOREIGN KEY', m.name, f.\"from\", f.\"table\", f.\"to\" \
                 FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            }
        };
        let mut sql = Sql::new(conn.dialect());
        sql.push(text);
        let rows = conn.rows(&sql).await?;
        let mut keys = Keys::default();
        let mut foreign = Vec::new();
        for r in rows {
            let get = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            if get(0) == "PRIMARY KEY" {
                keys.primary.entry(get(1)).or_default().push(get(2));
            } else {
                foreign.push((get(1), get(2), get(3), get(4)));
            }
        }
        for (table, column, target, target_column) in foreign {
            // SQLite leaves the column out when it is the target's key.
            let target_column = if target_column.is_empty() {
                match keys.primary.get(&target).map(Vec::as_slice) {
                    Some([one]) => one.clone(),
                    _ => continue,
                }
            } else {
                target_column
            };
            keys.foreign.push(ForeignKey {
                table,
                column,
                target: vigie_domain::dataset::ColumnRef {
                    table: target,
                    column: target_column,
                },
            });
        }
        Ok(keys)
    }

    /// The table's primary key when it is one column (a dataset needs one).
    pub fn single_primary(&self, table: &str) -> Option<&str> {
        match self.primary.get(table).map(Vec::as_slice) {
            Some([one]) => Some(one),
            _ => None,
        }
    }
}

/// A disagreement between a dataset and the live database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveProblem {
    #[error("table {0} does not exist in the database")]
    MissingTable(String),
    #[error("column {table}.{column} does not exist in the database")]
    MissingColumn { table: String, column: String },
    #[error(
        "{from} ({from_type}) references {to} ({to_type}): the types differ, the join would match nothing"
    )]
    TypeMismatch {
        from: String,
        from_type: String,
        to: String,
        to_type: String,
    },
    #[error(
        "table {table} holds identities but no column {column}: on a database shared by several organisations, Vigie could not tell whose rows it finds"
    )]
    Unfiltered { table: String, column: String },
    #[error("{table}.{column} cannot be set to NULL (NOT NULL column): choose another masking")]
    NotNullable { table: String, column: String },
    #[error("{table}.{column} ({type_name}) cannot hold {what}")]
    Unstorable {
        table: String,
        column: String,
        type_name: String,
        what: String,
    },
}

/// On a database shared by several tenants: every table that can be
/// reached by an identity must hold the tenant column, so that no row of
/// another tenant can be found (tables reached only through references
/// follow rows already filtered).
pub fn check_filter(dataset: &Dataset, schema: &Schema, filter: &RowFilter) -> Vec<LiveProblem> {
    dataset
        .tables
        .iter()
        .filter(|t| t.columns.iter().any(|c| c.identity.is_some()))
        .filter(|t| schema.column(&t.name, &filter.column).is_none())
        .map(|t| LiveProblem::Unfiltered {
            table: t.name.clone(),
            column: filter.column.clone(),
        })
        .collect()
}

/// Length of a keyed-hash replacement value.
pub const HASH_LEN: usize = 16;

/// Every disagreement between `dataset` and `schema`.
pub fn check(dataset: &Dataset, schema: &Schema) -> Vec<LiveProblem> {
    let mut out = Vec::new();
    for t in &dataset.tables {
        let Some(live) = schema.tables.get(&t.name) else {
            out.push(LiveProblem::MissingTable(t.name.clone()));
            continue;
        };
        let missing = |c: &str| LiveProblem::MissingColumn {
            table: t.name.clone(),
            column: c.to_owned(),
        };
        if !live.contains_key(&t.primary_key) {
            out.push(missing(&t.primary_key));
        }
        for m in [&t.restrict, &t.object].into_iter().flatten() {
            match live.get(&m.column) {
                None => out.push(missing(&m.column)),
                Some(lc) => check_value(&t.name, &m.column, lc, &m.value, &mut out),
            }
        }
        for c in &t.columns {
            let Some(lc) = live.get(&c.name) else {
                out.push(missing(&c.name));
                continue;
            };
            if let Some(r) = &c.references
                && let Some(target) = schema.column(&r.table, &r.column)
                && target.family != lc.family
            {
                out.push(LiveProblem::TypeMismatch {
                    from: format!("{}.{}", t.name, c.name),
                    from_type: lc.type_name.clone(),
                    to: r.to_string(),
                    to_type: target.type_name.clone(),
                });
            }
            let unstorable = |what: &str| LiveProblem::Unstorable {
                table: t.name.clone(),
                column: c.name.clone(),
                type_name: lc.type_name.clone(),
                what: what.to_owned(),
            };
            // A mention is emptied on erasure, whatever its masking says.
            let mention = c.references.is_some() && c.link == Link::Mention;
            let masking = if mention { &Masking::Null } else { &c.masking };
            match masking {
                Masking::Keep => {}
                Masking::Null if !lc.nullable => out.push(LiveProblem::NotNullable {
                    table: t.name.clone(),
                    column: c.name.clone(),
                }),
                Masking::Null => {}
                Masking::Fixed(v) => check_value(&t.name, &c.name, lc, v, &mut out),
                Masking::KeyedHash | Masking::Fake if lc.family != Family::Text => {
                    out.push(unstorable("a text replacement (use null or a fixed value)"))
                }
                Masking::KeyedHash if lc.max_len.is_some_and(|m| m < HASH_LEN as i64) => out.push(
                    unstorable(&format!("a {HASH_LEN}-character keyed hash (too short)")),
                ),
                Masking::KeyedHash | Masking::Fake => {}
                Masking::YearOnly
                    if !matches!(lc.family, Family::Date | Family::Timestamp | Family::Text) =>
                {
                    out.push(unstorable("a date"))
                }
                Masking::YearOnly => {}
            }
        }
    }
    out
}

/// Whether a fixed value fits the column's kind.
fn check_value(
    table: &str,
    column: &str,
    lc: &LiveColumn,
    value: &str,
    out: &mut Vec<LiveProblem>,
) {
    let fits = match lc.family {
        Family::Integer => value.trim().parse::<i64>().is_ok(),
        Family::Number => value.trim().parse::<f64>().is_ok(),
        Family::Bool => matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "true" | "false" | "0" | "1"
        ),
        Family::Text => lc.max_len.is_none_or(|m| value.chars().count() as i64 <= m),
        _ => true,
    };
    if !fits {
        out.push(LiveProblem::Unstorable {
            table: table.to_owned(),
            column: column.to_owned(),
            type_name: lc.type_name.clone(),
            what: format!("the value « {value} »"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_of_common_types() {
        assert_eq!(Family::of("int4"), Family::Integer);
        assert_eq!(Family::of("INTEGER"), Family::Integer);
        assert_eq!(Family::of("bigint"), Family::Integer);
        assert_eq!(Family::of("varchar"), Family::Text);
        assert_eq!(Family::of("TEXT"), Family::Text);
        assert_eq!(Family::of("date"), Family::Date);
        assert_eq!(Family::of("timestamptz"), Family::Timestamp);
        assert_eq!(Family::of("datetime"), Family::Timestamp);
        assert_eq!(Family::of("numeric"), Family::Number);
        assert_eq!(Family::of("uuid"), Family::Other);
    }
}
