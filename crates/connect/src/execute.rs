//! Executing a rights request against one connected system (C15): find
//! every row about the person — from the identity columns, then following
//! references table by table, parents first — and then export, rectify,
//! anonymise or delete, or mark them, in **one transaction**. Statements
//! work on sets of rows (`IN (…)`, one `UPDATE … CASE` per chunk), never
//! one statement per row. Deletion goes children first, so foreign keys
//! hold at every statement.
//!
//! Exactly once: the caller's `before_commit` records the outcome in
//! Vigie's own store before the client transaction commits. A crash
//! before the record rolls everything back; a crash between the record and
//! the commit leaves a recorded step that a new run finds already applied.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use serde::{Deserialize, Serialize};
use vigie_domain::dataset::{
    ColumnSpec, Dataset, DatasetProblem, Erasure, IdentityKind, Link, Masking, Matching, TableSpec,
};

use crate::conn::{Conn, Dialect, Sql};
use crate::left::{Left, Words};
use crate::mask;
use crate::matching;
use crate::schema::{Family, LiveProblem, Schema, check};
use crate::target::{ConnectError, RowFilter};

/// Values per `IN (…)` list: well under every backend's parameter limit.
const CHUNK: usize = 500;

/// More rows than this found by identity alone in one table is a crowd,
/// not one person's duplicate accounts: the agent confirms first.
pub const CROWD_ROWS: usize = 10;

/// Who the request is about: each identity the person gave or the agent
/// checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub identities: Vec<(IdentityKind, String)>,
}

/// What to do with the person's rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Gather for an export (access, portability).
    Access,
    /// Delete or anonymise per the dataset.
    Erase,
    /// Write new values: each key is `table.column`, or a data category
    /// held by one rectifiable column of the person's own record.
    Rectify(Vec<(String, String)>),
    /// Set the dataset's restriction marker.
    Restrict,
    /// Set the dataset's objection marker.
    Object,
}

impl Action {
    fn writes(&self) -> bool {
        *self != Action::Access
    }
}

/// What happened in one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableOutcome {
    pub table: String,
    pub found: u64,
    pub changed: u64,
    /// For access: the columns and rows found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<Vec<Option<String>>>,
    /// Rows of someone else that name the person (a mention link).
    #[serde(default)]
    pub mentioned: u64,
    /// Of `found`, records shared with someone else (a household): kept
    /// as they are on erasure.
    #[serde(default)]
    pub shared: u64,
    /// For access: the key and mention columns of those rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mention_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mention_rows: Vec<Vec<Option<String>>>,
}

/// What happened in one system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub tables: Vec<TableOutcome>,
    /// What the dataset could not do (no restriction marker, no column of
    /// a category to rectify…), said for the agent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Identities found on the person's rows, leading to nobody else's,
    /// not searched by until an agent checks them (C12).
    #[serde(
        default,
        alias = "identities_added",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub identities_found: Vec<(IdentityKind, String)>,
    /// The person's words in columns the dataset does not declare, read
    /// before anything changed (issue 18).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<Left>,
}

impl Outcome {
    pub fn found(&self) -> u64 {
        self.tables.iter().map(|t| t.found).sum()
    }
    pub fn changed(&self) -> u64 {
        self.tables.iter().map(|t| t.changed).sum()
    }
}

/// One execution: what to do, for whom, with what.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    pub dataset: &'a Dataset,
    pub subject: &'a Subject,
    pub action: &'a Action,
    /// The tenant's masking key.
    pub key: &'a [u8; 32],
    /// On a database shared by several tenants, this tenant's rows.
    pub filter: Option<&'a RowFilter>,
    /// The agent confirmed that rows carrying another identity of the
    /// same kind are the person's too (duplicate accounts).
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] ConnectError),
    #[error("the dataset is not valid: {}", join(.0))]
    Dataset(Vec<DatasetProblem>),
    #[error("the dataset no longer matches the database: {}", join(.0))]
    Live(Vec<LiveProblem>),
    #[error("the request gives no identity to search by")]
    NoIdentity,
    /// Rows found that carry someone else's identity: nothing is exported
    /// or changed until the agent confirms (C27).
    #[error(
        "the identities match more than one person — nothing was read out or changed; check and confirm: {}",
        .0.join("; ")
    )]
    Crowd(Vec<String>),
    #[error("table {table}: {message} — nothing was changed")]
    Table { table: String, message: String },
    #[error("the database failed: {0} — nothing was changed")]
    Db(String),
    #[error("the result could not be recorded: {0} — nothing was changed")]
    Record(String),
}

fn join<T: std::fmt::Display>(v: &[T]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads the live schema of an open database and checks the dataset (and
/// a shared database's row filter) against it.
pub async fn read_checked(
    conn: &mut Conn,
    dataset: &Dataset,
    filter: Option<&RowFilter>,
) -> Result<Schema, ExecError> {
    let problems = dataset.problems();
    if !problems.is_empty() {
        return Err(ExecError::Dataset(problems));
    }
    let schema = Schema::read(conn)
        .await
        .map_err(|e| ExecError::Db(e.to_string()))?;
    let mut live = check(dataset, &schema);
    if let Some(f) = filter {
        live.extend(crate::schema::check_filter(dataset, &schema, f));
    }
    if !live.is_empty() {
        return Err(ExecError::Live(live));
    }
    Ok(schema)
}

/// Runs the plan on an open database, which it closes. `before_commit`
/// sees the outcome before anything is committed; if it fails, everything
/// is rolled back.
pub async fn execute<F, Fut>(
    mut conn: Conn,
    plan: Plan<'_>,
    before_commit: F,
) -> Result<Outcome, ExecError>
where
    F: FnOnce(&Outcome) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    if plan
        .subject
        .identities
        .iter()
        .all(|(_, v)| v.trim().is_empty())
    {
        conn.close().await;
        return Err(ExecError::NoIdentity);
    }
    let result = async {
        let schema = read_checked(&mut conn, plan.dataset, plan.filter).await?;
        conn.begin(!plan.action.writes())
            .await
            .map_err(|e| ExecError::Db(e.to_string()))?;
        let mut run = Run {
            conn: &mut conn,
            schema: &schema,
            plan,
        };
        let (found, closure) = run.gather().await?;
        let mut outcome = run.apply(found).await?;
        closure.report(&mut outcome);
        before_commit(&outcome).await.map_err(ExecError::Record)?;
        conn.commit()
            .await
            .map_err(|e| ExecError::Db(e.to_string()))?;
        Ok(outcome)
    }
    .await;
    if result.is_err() {
        // The transaction may already be gone with the connection.
        let _ = conn.rollback().await;
    }
    conn.close().await;
    result
}

/// Identities found on the person's rows that are reported at most.
const CLOSURE_MAX: usize = 10;

/// Identities found on the person's rows.
#[derive(Debug, Default)]
struct Closure {
    /// Leading to the person's rows only: to be checked by an agent.
    found: Vec<(IdentityKind, String)>,
    /// Leading to someone else's rows too (a household's phone).
    shared: Vec<(IdentityKind, String)>,
}

impl Closure {
    fn report(self, o: &mut Outcome) {
        let list = |v: &[(IdentityKind, String)]| {
            v.iter()
                .map(|(k, x)| format!("{} {}", k.words().0, mask::hint(x)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.found.is_empty() {
            o.notes.push(format!(
                "identifiants trouvés sur les lignes de la personne, non utilisés tant qu'un agent ne les a pas vérifiés : {}",
                list(&self.found)
            ));
        }
        if !self.shared.is_empty() {
            o.notes.push(format!(
                "identifiants trouvés sur ses lignes mais partagés avec une autre personne, non utilisés : {}",
                list(&self.shared)
            ));
        }
        o.identities_found = self.found;
    }
}

/// Identities on the rows found, in declared identity columns, that the
/// subject does not have yet (compared normalised), each once.
fn discovered(
    dataset: &Dataset,
    found: &[(usize, Found)],
    subject: &Subject,
) -> Vec<(IdentityKind, String)> {
    let mut known: BTreeSet<(IdentityKind, String)> = subject
        .identities
        .iter()
        .map(|(k, v)| (*k, k.normal(v)))
        .collect();
    let mut out = Vec::new();
    for (idx, f) in found {
        for c in &dataset.tables[*idx].columns {
            let (Some(kind), Some(pos)) = (c.identity, f.position(&c.name)) else {
                continue;
            };
            for row in &f.rows {
                let Some(v) = row.get(pos).cloned().flatten() else {
                    continue;
                };
                let n = kind.normal(&v);
                if !n.is_empty() && known.insert((kind, n)) {
                    out.push((kind, v.trim().to_owned()));
                }
            }
        }
    }
    out
}

/// `expr IN (values)`: a column as stored, or an identity column
/// normalised; `ty` is what PostgreSQL casts the values to.
struct Condition {
    expr: String,
    ty: String,
    values: Vec<String>,
}

/// Rows found in one table.
struct Found {
    columns: Vec<String>,
    /// The person's own rows.
    rows: Vec<Vec<Option<String>>>,
    /// Position of the primary key in `columns`.
    pk: usize,
    /// Rows of someone else that name the person: by mention column, the
    /// keys of the rows whose column holds one of the person's rows.
    mentions: Vec<(String, Vec<String>)>,
    /// Those rows (their columns as in `columns`), each once.
    mention_rows: Vec<Vec<Option<String>>>,
    /// Keys of the shared records (a household) among `rows` that someone
    /// else's rows reference too: exported, kept on erasure.
    shared: BTreeSet<String>,
}

impl Found {
    /// The rows that are the person's alone (shared records left out).
    fn without_shared(&self) -> Found {
        Found {
            columns: self.columns.clone(),
            rows: self
                .rows
                .iter()
                .filter(|r| {
                    r.get(self.pk)
                        .cloned()
                        .flatten()
                        .is_none_or(|k| !self.shared.contains(&k))
                })
                .cloned()
                .collect(),
            pk: self.pk,
            mentions: Vec::new(),
            mention_rows: Vec::new(),
            shared: BTreeSet::new(),
        }
    }

    fn keys(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter_map(|r| r.get(self.pk).cloned().flatten())
            .collect()
    }
    fn position(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }
}

struct Run<'a> {
    conn: &'a mut Conn,
    schema: &'a Schema,
    plan: Plan<'a>,
}

impl Run<'_> {
    fn d(&self) -> Dialect {
        self.conn.dialect()
    }

    /// Every row reached by the subject's identities — all proven: the
    /// caller gives no other (C12). Identities found on these rows that the
    /// subject lacks are reported, not followed: a phone on the person's
    /// account may be anybody's until an agent checks it. Each is tried,
    /// read only, to say whether it also leads to someone else's rows.
    async fn gather(&mut self) -> Result<(Vec<(usize, Found)>, Closure), ExecError> {
        let subject = self.plan.subject.clone();
        let found = self.gather_once(&subject, !self.plan.confirmed).await?;
        let mut closure = Closure::default();
        for id in discovered(self.plan.dataset, &found, &subject)
            .into_iter()
            .take(CLOSURE_MAX)
        {
            let mut widened = subject.clone();
            widened.identities.push(id.clone());
            match self.gather_once(&widened, true).await {
                Ok(_) => closure.found.push(id),
                Err(ExecError::Crowd(_)) => closure.shared.push(id),
                Err(e) => return Err(e),
            }
        }
        Ok((found, closure))
    }

    /// One pass: every row reached from `subject`'s identities, table by
    /// table in dataset order; with `crowd`, refused if rows found carry
    /// someone else's identity.
    async fn gather_once(
        &mut self,
        subject: &Subject,
        crowd: bool,
    ) -> Result<Vec<(usize, Found)>, ExecError> {
        let dataset = self.plan.dataset;
        // Values of referenced columns of the rows found, for the children.
        let mut linked: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        let mut out = Vec::new();
        let mut others = Vec::new();
        for idx in dataset.order() {
            let t = &dataset.tables[idx];
            let mut conditions: Vec<Condition> = Vec::new();
            for c in &t.columns {
                if let Some(kind) = c.identity {
                    let given = subject
                        .identities
                        .iter()
                        .filter(|(k, v)| *k == kind && !v.trim().is_empty());
                    let mut values: Vec<String> = match c.matching {
                        Matching::Exact => given.flat_map(|(k, v)| mask::variants(*k, v)).collect(),
                        Matching::Normalised => {
                            given.flat_map(|(k, v)| matching::keys(*k, v)).collect()
                        }
                    };
                    values.sort();
                    values.dedup();
                    if !values.is_empty() {
                        conditions.push(self.identity_condition(t, c, kind, values));
                    }
                }
                if let Some(r) = &c.references
                    && c.link == Link::Owner
                    && let Some(v) = linked.get(&(r.table.clone(), r.column.clone()))
                    && !v.is_empty()
                {
                    conditions.push(self.link_condition(t, c, v));
                }
            }
            let mut found = self
                .select(t, &conditions, self.plan.action.writes())
                .await?;
            if crowd {
                others.extend(someone_else(t, &found, subject));
            }
            for column in self.referenced_columns(&t.name) {
                let Some(pos) = found.position(&column) else {
                    continue;
                };
                let set = linked.entry((t.name.clone(), column)).or_default();
                set.extend(
                    found
                        .rows
                        .iter()
                        .filter_map(|r| r.get(pos).cloned().flatten()),
                );
            }
            // After the person's own rows, so that a table mentioning its
            // own rows (a sponsor) sees them.
            self.mentions(t, &mut found, &linked).await?;
            out.push((idx, found));
        }
        if !others.is_empty() {
            return Err(ExecError::Crowd(others));
        }
        self.shared_records(&mut out).await?;
        Ok(out)
    }

    /// The records the person's rows reference through a shared link (a
    /// household), and which of them someone else's rows reference too.
    async fn shared_records(&mut self, out: &mut [(usize, Found)]) -> Result<(), ExecError> {
        let dataset = self.plan.dataset;
        let mut wanted: Vec<(usize, String, BTreeSet<String>)> = Vec::new();
        let mut shared: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
        for (idx, f) in out.iter() {
            let child = &dataset.tables[*idx];
            for c in child.columns.iter().filter(|c| c.link == Link::Shared) {
                let (Some(r), Some(pos)) = (&c.references, f.position(&c.name)) else {
                    continue;
                };
                let Some(p) = dataset.tables.iter().position(|t| t.name == r.table) else {
                    continue;
                };
                let values: BTreeSet<String> = f
                    .rows
                    .iter()
                    .filter_map(|row| row.get(pos).cloned().flatten())
                    .collect();
                if values.is_empty() {
                    continue;
                }
                // Referenced by a row that is not the person's: shared.
                let mut sql = Sql::new(self.d());
                let d = self.d();
                sql.push(&format!(
                    "SELECT DISTINCT {} FROM {} WHERE {} IN ",
                    d.as_text(&c.name),
                    d.ident(&child.name),
                    d.ident(&c.name)
                ));
                let vals: Vec<String> = values.iter().cloned().collect();
                sql.list(&vals, self.schema.pg_type(&child.name, &c.name));
                let keys = f.keys();
                if !keys.is_empty() {
                    sql.push(&format!(" AND {} NOT IN ", d.ident(&child.primary_key)));
                    sql.list(&keys, self.schema.pg_type(&child.name, &child.primary_key));
                }
                self.push_filter(&mut sql, child);
                let others = self.conn.rows(&sql).await.map_err(Self::table_err(child))?;
                shared.entry(p).or_default().extend(
                    others
                        .into_iter()
                        .filter_map(|r| r.into_iter().next().flatten()),
                );
                wanted.push((p, r.column.clone(), values));
            }
        }
        for (p, column, values) in wanted {
            let t = &dataset.tables[p];
            let cond = Condition {
                expr: self.d().ident(&column),
                ty: self.schema.pg_type(&t.name, &column).to_owned(),
                values: values.into_iter().collect(),
            };
            let rows = self
                .select(t, &[cond], self.plan.action.writes())
                .await?
                .rows;
            if let Some((_, f)) = out.iter_mut().find(|(i, _)| *i == p) {
                let known: BTreeSet<String> = f.keys().into_iter().collect();
                for row in rows {
                    let key = row.get(f.pk).cloned().flatten();
                    if key.as_ref().is_some_and(|k| !known.contains(k)) {
                        f.rows.push(row);
                    }
                }
                if let Some(s) = shared.get(&p) {
                    f.shared
                        .extend(f.keys().into_iter().filter(|k| s.contains(k)));
                }
            }
        }
        Ok(())
    }

    /// `c IN (values)`, for a reference to rows already found.
    fn link_condition(
        &self,
        t: &TableSpec,
        c: &ColumnSpec,
        values: &BTreeSet<String>,
    ) -> Condition {
        Condition {
            expr: self.d().ident(&c.name),
            ty: self.schema.pg_type(&t.name, &c.name).to_owned(),
            values: values.iter().cloned().collect(),
        }
    }

    /// Rows of `t` that are not the person's but whose mention columns
    /// hold one of the person's rows, and which column names them.
    async fn mentions(
        &mut self,
        t: &TableSpec,
        found: &mut Found,
        linked: &BTreeMap<(String, String), BTreeSet<String>>,
    ) -> Result<(), ExecError> {
        let owned: BTreeSet<String> = found.keys().into_iter().collect();
        // A row naming the person in two columns is one mention row.
        let mut shown: BTreeSet<String> = BTreeSet::new();
        for c in t.columns.iter().filter(|c| c.link == Link::Mention) {
            let Some(r) = &c.references else { continue };
            let Some(targets) = linked.get(&(r.table.clone(), r.column.clone())) else {
                continue;
            };
            if targets.is_empty() {
                continue;
            }
            let cond = self.link_condition(t, c, targets);
            let rows = self
                .select(t, &[cond], self.plan.action.writes())
                .await?
                .rows;
            let mut keys = Vec::new();
            for row in rows {
                let Some(key) = row.get(found.pk).cloned().flatten() else {
                    continue;
                };
                if owned.contains(&key) {
                    continue;
                }
                if shown.insert(key.clone()) {
                    found.mention_rows.push(row);
                }
                keys.push(key);
            }
            if !keys.is_empty() {
                found.mentions.push((c.name.clone(), keys));
            }
        }
        Ok(())
    }

    /// How identity column `c` is compared with the person's `values`
    /// (already in the form the comparison needs).
    fn identity_condition(
        &self,
        t: &TableSpec,
        c: &ColumnSpec,
        kind: IdentityKind,
        values: Vec<String>,
    ) -> Condition {
        let ty = self.schema.pg_type(&t.name, &c.name).to_owned();
        match c.matching {
            Matching::Exact => Condition {
                expr: self.d().ident(&c.name),
                ty,
                values,
            },
            Matching::Normalised => {
                let is_text = self
                    .schema
                    .column(&t.name, &c.name)
                    .is_none_or(|l| l.family == crate::schema::Family::Text);
                Condition {
                    expr: matching::expression(self.d(), kind, &c.name, !is_text),
                    ty: "text".into(),
                    values,
                }
            }
        }
    }

    /// Columns of `table` that other tables reference.
    fn referenced_columns(&self, table: &str) -> Vec<String> {
        let mut cols: Vec<String> = self
            .plan
            .dataset
            .tables
            .iter()
            .flat_map(|t| t.columns.iter())
            .filter_map(|c| c.references.as_ref())
            .filter(|r| r.table == table)
            .map(|r| r.column.clone())
            .collect();
        cols.sort();
        cols.dedup();
        cols
    }

    /// ` AND filter = value` when `t` holds the shared database's tenant
    /// column.
    fn push_filter(&self, sql: &mut Sql, t: &TableSpec) {
        if let Some(f) = self.plan.filter
            && self.schema.column(&t.name, &f.column).is_some()
        {
            let ty = self.schema.pg_type(&t.name, &f.column).to_owned();
            sql.push(&format!(" AND {} = ", self.d().ident(&f.column)));
            sql.param(Some(f.value.clone()), &ty);
        }
    }

    /// Rows of `t` matching any condition, each once: the primary key and
    /// the columns the dataset declares, nothing else (C27).
    async fn select(
        &mut self,
        t: &TableSpec,
        conditions: &[Condition],
        lock: bool,
    ) -> Result<Found, ExecError> {
        let mut columns = vec![t.primary_key.clone()];
        for c in &t.columns {
            if !columns.contains(&c.name) {
                columns.push(c.name.clone());
            }
        }
        let pk = 0;
        let mut found = Found {
            columns,
            rows: Vec::new(),
            pk,
            mentions: Vec::new(),
            mention_rows: Vec::new(),
            shared: BTreeSet::new(),
        };
        let mut seen = BTreeSet::new();
        let d = self.d();
        let select: Vec<String> = found.columns.iter().map(|c| d.as_text(c)).collect();
        for cond in conditions {
            for chunk in cond.values.chunks(CHUNK) {
                let mut sql = Sql::new(d);
                sql.push(&format!(
                    "SELECT {} FROM {} WHERE {} IN ",
                    select.join(", "),
                    d.ident(&t.name),
                    cond.expr
                ));
                sql.list(chunk, &cond.ty);
                self.push_filter(&mut sql, t);
                if lock && d != Dialect::Sqlite {
                    sql.push(" FOR UPDATE");
                }
                let rows = self.conn.rows(&sql).await.map_err(|e| ExecError::Table {
                    table: t.name.clone(),
                    message: e.to_string(),
                })?;
                for r in rows {
                    let key = r.get(pk).cloned().flatten();
                    if seen.insert(key) {
                        found.rows.push(r);
                    }
                }
            }
        }
        Ok(found)
    }

    async fn apply(&mut self, found: Vec<(usize, Found)>) -> Result<Outcome, ExecError> {
        let (dataset, action) = (self.plan.dataset, self.plan.action);
        let mut outcome = Outcome::default();
        let shared: Vec<String> = found
            .iter()
            .flat_map(|(idx, f)| {
                let table = &dataset.tables[*idx].name;
                f.shared.iter().map(move |k| format!("{table}#{k}"))
            })
            .collect();
        if matches!(action, Action::Access | Action::Erase) {
            outcome.left = self.left_behind(&found).await?;
        }
        let mut results: Vec<TableOutcome> = found
            .iter()
            .map(|(idx, f)| TableOutcome {
                table: dataset.tables[*idx].name.clone(),
                found: f.rows.len() as u64,
                mentioned: f.mention_rows.len() as u64,
                shared: f.shared.len() as u64,
                ..TableOutcome::default()
            })
            .collect();
        match action {
            Action::Access => {
                for ((_, f), r) in found.into_iter().zip(results.iter_mut()) {
                    // Of someone else's rows, only the key and what names
                    // the person.
                    let shown: Vec<usize> = std::iter::once(f.pk)
                        .chain(f.mentions.iter().filter_map(|(c, _)| f.position(c)))
                        .collect();
                    r.mention_columns = shown.iter().map(|&i| f.columns[i].clone()).collect();
                    r.mention_rows = f
                        .mention_rows
                        .iter()
                        .map(|row| {
                            shown
                                .iter()
                                .map(|&i| row.get(i).cloned().flatten())
                                .collect()
                        })
                        .collect();
                    if r.mention_rows.is_empty() {
                        r.mention_columns.clear();
                    }
                    r.columns = f.columns;
                    r.rows = f.rows;
                }
            }
            Action::Erase => {
                // Children first: deleting a parent never leaves an orphan;
                // in each table, mentions are emptied before the person's
                // rows go (a table mentioning its own rows).
                for ((idx, f), r) in found.iter().zip(results.iter_mut()).rev() {
                    let t = &dataset.tables[*idx];
                    for (column, keys) in &f.mentions {
                        r.changed += self.update(t, keys, &[(column.clone(), None)]).await?;
                    }
                    let alone = f.without_shared();
                    r.changed += match t.erasure {
                        Erasure::Delete => self.delete(t, &alone.keys()).await?,
                        Erasure::Anonymise => self.anonymise(t, &alone).await?,
                    };
                }
            }
            Action::Rectify(fields) => {
                // Only the columns each correction names (Art. 16): never
                // a key, a link, an undeclared column (C27) or a history
                // table; a category only where one column holds it.
                let mut sets: BTreeMap<String, Vec<(String, Option<String>)>> = BTreeMap::new();
                for (key, value) in fields {
                    match dataset.rectify_targets(key) {
                        Ok(cols) if cols.is_empty() => outcome.notes.push(format!(
                            "no rectifiable column holds the category « {key} »"
                        )),
                        Ok(cols) => {
                            for c in cols {
                                sets.entry(c.table)
                                    .or_default()
                                    .push((c.column, Some(value.clone())));
                            }
                        }
                        Err(e) => outcome.notes.push(e.to_string()),
                    }
                }
                for ((idx, f), r) in found.iter().zip(results.iter_mut()) {
                    let t = &dataset.tables[*idx];
                    if let Some(s) = sets.get(&t.name) {
                        r.changed = self.update(t, &f.keys(), s).await?;
                    }
                }
            }
            Action::Restrict | Action::Object => {
                let mut marked = false;
                for ((idx, f), r) in found.iter().zip(results.iter_mut()) {
                    let t = &dataset.tables[*idx];
                    let marker = if *action == Action::Restrict {
                        &t.restrict
                    } else {
                        &t.object
                    };
                    if let Some(m) = marker {
                        marked = true;
                        let sets = [(m.column.clone(), Some(m.value.clone()))];
                        r.changed = self.update(t, &f.keys(), &sets).await?;
                    }
                }
                if !marked {
                    outcome.notes.push(
                        "the dataset says of no table how to mark this; it must be done by hand"
                            .into(),
                    );
                }
            }
        }
        if !shared.is_empty() && action.writes() {
            outcome.notes.push(format!(
                "partagé avec une autre personne, laissé tel quel : {}",
                shared.join(", ")
            ));
        } else if !shared.is_empty() {
            outcome.notes.push(format!(
                "partagé avec une autre personne : {}",
                shared.join(", ")
            ));
        }
        outcome.tables = results;
        Ok(outcome)
    }

    fn table_err(t: &TableSpec) -> impl FnOnce(sqlx::Error) -> ExecError + '_ {
        move |e| ExecError::Table {
            table: t.name.clone(),
            message: e.to_string(),
        }
    }

    async fn delete(&mut self, t: &TableSpec, keys: &[String]) -> Result<u64, ExecError> {
        let d = self.d();
        let ty = self.schema.pg_type(&t.name, &t.primary_key).to_owned();
        let mut n = 0;
        for chunk in keys.chunks(CHUNK) {
            let mut sql = Sql::new(d);
            sql.push(&format!(
                "DELETE FROM {} WHERE {} IN ",
                d.ident(&t.name),
                d.ident(&t.primary_key)
            ));
            sql.list(chunk, &ty);
            self.push_filter(&mut sql, t);
            n += self.conn.execute(&sql).await.map_err(Self::table_err(t))?;
        }
        Ok(n)
    }

    /// Sets the same values on every row of `keys`.
    async fn update(
        &mut self,
        t: &TableSpec,
        keys: &[String],
        sets: &[(String, Option<String>)],
    ) -> Result<u64, ExecError> {
        let d = self.d();
        let pk_ty = self.schema.pg_type(&t.name, &t.primary_key).to_owned();
        let mut n = 0;
        for chunk in keys.chunks(CHUNK) {
            let mut sql = Sql::new(d);
            sql.push(&format!("UPDATE {} SET ", d.ident(&t.name)));
            for (i, (col, v)) in sets.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push(&format!("{} = ", d.ident(col)));
                let ty = self.schema.pg_type(&t.name, col).to_owned();
                sql.param(v.clone(), &ty);
            }
            sql.push(&format!(" WHERE {} IN ", d.ident(&t.primary_key)));
            sql.list(chunk, &pk_ty);
            self.push_filter(&mut sql, t);
            n += self.conn.execute(&sql).await.map_err(Self::table_err(t))?;
        }
        Ok(n)
    }

    /// The person's words (what the dataset masks or identifies them by)
    /// in the text columns it leaves undeclared, on the person's rows:
    /// counted per column with one masked example.
    async fn left_behind(&mut self, found: &[(usize, Found)]) -> Result<Vec<Left>, ExecError> {
        let dataset = self.plan.dataset;
        let mut words = Words::default();
        for (_, v) in &self.plan.subject.identities {
            words.add(v);
        }
        for (idx, f) in found {
            for c in &dataset.tables[*idx].columns {
                if c.masking.is_keep() && c.identity.is_none() {
                    continue;
                }
                let Some(pos) = f.position(&c.name) else {
                    continue;
                };
                for v in f.rows.iter().filter_map(|r| r.get(pos).cloned().flatten()) {
                    words.add(&v);
                }
            }
        }
        let mut out = Vec::new();
        if words.is_empty() {
            return Ok(out);
        }
        let d = self.d();
        for (idx, f) in found {
            let t = &dataset.tables[*idx];
            let undeclared: Vec<String> = self
                .schema
                .tables
                .get(&t.name)
                .into_iter()
                .flatten()
                .filter(|(name, c)| {
                    c.family == Family::Text
                        && **name != t.primary_key
                        && t.columns.iter().all(|d| d.name != **name)
                })
                .map(|(name, _)| name.clone())
                .collect();
            let keys = f.keys();
            if undeclared.is_empty() || keys.is_empty() {
                continue;
            }
            let pk_ty = self.schema.pg_type(&t.name, &t.primary_key).to_owned();
            let select: Vec<String> = std::iter::once(&t.primary_key)
                .chain(&undeclared)
                .map(|c| d.as_text(c))
                .collect();
            // Per column, per fate: rows and the first example.
            let mut hits: BTreeMap<(usize, bool), (u64, String)> = BTreeMap::new();
            for chunk in keys.chunks(CHUNK) {
                let mut sql = Sql::new(d);
                sql.push(&format!(
                    "SELECT {} FROM {} WHERE {} IN ",
                    select.join(", "),
                    d.ident(&t.name),
                    d.ident(&t.primary_key)
                ));
                sql.list(chunk, &pk_ty);
                self.push_filter(&mut sql, t);
                let rows = self.conn.rows(&sql).await.map_err(Self::table_err(t))?;
                for row in rows {
                    let key = row.first().cloned().flatten().unwrap_or_default();
                    let stays = t.erasure == Erasure::Anonymise || f.shared.contains(&key);
                    for (i, v) in row.iter().skip(1).enumerate() {
                        if let Some(example) = v.as_deref().and_then(|v| words.masked(v)) {
                            let e = hits.entry((i, stays)).or_insert((0, example));
                            e.0 += 1;
                        }
                    }
                }
            }
            out.extend(hits.into_iter().map(|((i, stays), (rows, example))| Left {
                table: t.name.clone(),
                column: undeclared[i].clone(),
                rows,
                example,
                stays,
            }));
        }
        Ok(out)
    }

    /// Replaces the masked columns of the rows found, one statement per
    /// chunk of rows: constant maskings as plain assignments, per-value
    /// ones as `CASE pk WHEN … THEN … END`.
    async fn anonymise(&mut self, t: &TableSpec, f: &Found) -> Result<u64, ExecError> {
        let masked: Vec<(&str, &Masking)> = t
            .columns
            .iter()
            .filter(|c| !c.masking.is_keep())
            .map(|c| (c.name.as_str(), &c.masking))
            .collect();
        if masked.is_empty() || f.rows.is_empty() {
            return Ok(0);
        }
        let d = self.d();
        let pk_ty = self.schema.pg_type(&t.name, &t.primary_key).to_owned();
        let mut n = 0;
        for chunk in f.rows.chunks(CHUNK) {
            let mut sql = Sql::new(d);
            sql.push(&format!("UPDATE {} SET ", d.ident(&t.name)));
            for (i, (col, masking)) in masked.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                let ty = self.schema.pg_type(&t.name, col).to_owned();
                let family = self.schema.column(&t.name, col).map(|c| c.family);
                sql.push(&format!("{} = ", d.ident(col)));
                match masking {
                    Masking::Keep => {}
                    Masking::Null => {
                        sql.push("NULL");
                    }
                    Masking::Fixed(v) => {
                        sql.param(Some(v.clone()), &ty);
                    }
                    Masking::KeyedHash | Masking::Fake | Masking::YearOnly => {
                        let pos = f.position(col).unwrap_or(0);
                        sql.push(&format!("CASE {} ", d.ident(&t.primary_key)));
                        for row in chunk {
                            let key = row.get(f.pk).cloned().flatten();
                            let value = row.get(pos).cloned().flatten();
                            let replaced =
                                mask::masked(masking, value.as_deref(), family, self.plan.key);
                            sql.push("WHEN ");
                            sql.param(key, &pk_ty);
                            sql.push(" THEN ");
                            sql.param(replaced, &ty);
                            sql.push(" ");
                        }
                        sql.push(&format!("ELSE {} END", d.ident(col)));
                    }
                }
            }
            let keys: Vec<String> = chunk
                .iter()
                .filter_map(|r| r.get(f.pk).cloned().flatten())
                .collect();
            sql.push(&format!(" WHERE {} IN ", d.ident(&t.primary_key)));
            sql.list(&keys, &pk_ty);
            self.push_filter(&mut sql, t);
            n += self.conn.execute(&sql).await.map_err(Self::table_err(t))?;
        }
        Ok(n)
    }
}

/// Rows of `t` found for the subject whose identity column holds another
/// identity of a kind the subject gave: a phone shared by a household, an
/// empty-looking account number — the rows of someone else.
fn someone_else(t: &TableSpec, found: &Found, subject: &Subject) -> Vec<String> {
    let mut out = Vec::new();
    let by_identity_only = t.columns.iter().any(|c| c.identity.is_some())
        && t.columns.iter().all(|c| c.references.is_none());
    if by_identity_only && found.rows.len() > CROWD_ROWS {
        out.push(format!(
            "{}: {} rows match (more than {CROWD_ROWS} accounts for one person)",
            t.name,
            found.rows.len()
        ));
    }
    for c in &t.columns {
        let Some(kind) = c.identity else { continue };
        let given: BTreeSet<String> = subject
            .identities
            .iter()
            .filter(|(k, v)| *k == kind && !v.trim().is_empty())
            .map(|(k, v)| k.normal(v))
            .collect();
        let Some(pos) = found.position(&c.name) else {
            continue;
        };
        if given.is_empty() {
            continue;
        }
        for row in &found.rows {
            let Some(v) = row.get(pos).cloned().flatten() else {
                continue;
            };
            if !v.trim().is_empty() && !given.contains(&kind.normal(&v)) {
                let key = row.get(found.pk).cloned().flatten().unwrap_or_default();
                out.push(format!(
                    "{}#{key} holds another {} ({})",
                    t.name,
                    kind.as_str(),
                    mask::hint(&v)
                ));
            }
        }
    }
    out
}
