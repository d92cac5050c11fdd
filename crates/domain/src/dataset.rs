//! A dataset ("jeu de données"): which tables of a connected application
//! database hold personal data, which columns identify a person, how tables
//! reference each other, and how each field is anonymised. The structural
//! rules live here (every table reachable from an identity, no cycle, links
//! never masked); the live database is checked by `vigie-connect`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// What identifies a person in a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Email,
    Phone,
    /// The person's account number in the application.
    AccountId,
    /// "numéro de sécurité sociale"
    Nir,
}

impl IdentityKind {
    pub const ALL: [IdentityKind; 4] = [
        IdentityKind::Email,
        IdentityKind::Phone,
        IdentityKind::AccountId,
        IdentityKind::Nir,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Email => "email",
            IdentityKind::Phone => "phone",
            IdentityKind::AccountId => "account_id",
            IdentityKind::Nir => "nir",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// What people call it, in French and English (pages, timelines).
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            IdentityKind::Email => ("adresse électronique", "email address"),
            IdentityKind::Phone => ("téléphone", "phone"),
            IdentityKind::AccountId => ("numéro de compte", "account number"),
            IdentityKind::Nir => ("NIR (sécurité sociale)", "NIR (social security)"),
        }
    }
    /// One written form per identity, to tell whether two values are the same
    /// person's: an email in lower case, a French phone as ten digits, other
    /// identifiers without spaces.
    pub fn normal(self, value: &str) -> String {
        let v = value.trim();
        match self {
            IdentityKind::Email => v.to_lowercase(),
            IdentityKind::Phone => {
                let digits: String = v
                    .replace("(0)", "")
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                match digits
                    .strip_prefix("0033")
                    .or_else(|| digits.strip_prefix("33"))
                {
                    Some(rest) if rest.len() == 9 => format!("0{rest}"),
                    _ => digits,
                }
            }
            IdentityKind::Nir | IdentityKind::AccountId => {
                v.chars().filter(|c| !c.is_whitespace()).collect()
            }
        }
    }
}

/// How a field is anonymised on erasure of a table kept for history (C23).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Masking {
    /// Left as is (not identifying, or a link).
    #[default]
    Keep,
    /// Set to NULL.
    Null,
    /// Set to a fixed value ("Anonyme").
    Fixed(String),
    /// Replaced by a keyed hash: equal values stay equal (counts survive),
    /// the value cannot be recovered without the tenant's key.
    KeyedHash,
    /// Replaced by a value of the same shape (letters by letters, digits by
    /// digits), so that the application's format checks still pass.
    Fake,
    /// A date truncated to 1 January of its year (ages stay usable).
    YearOnly,
}

impl Masking {
    pub fn is_keep(&self) -> bool {
        *self == Masking::Keep
    }
}

/// A reference from this column to a column of another table
/// (`"table.column"`), like a foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ColumnRef {
    pub table: String,
    pub column: String,
}

impl std::fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.table, self.column)
    }
}

impl std::str::FromStr for ColumnRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('.') {
            Some((t, c)) if !t.is_empty() && !c.is_empty() && !c.contains('.') => Ok(ColumnRef {
                table: t.to_owned(),
                column: c.to_owned(),
            }),
            _ => Err(format!("« {s} » must be written table.column")),
        }
    }
}

/// One column holding personal data, or linking tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    pub name: String,
    /// Data category, as in the register ("identite", "contact.email"…).
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub identity: Option<IdentityKind>,
    #[serde(default, with = "opt_ref")]
    pub references: Option<ColumnRef>,
    #[serde(default, skip_serializing_if = "Masking::is_keep")]
    pub masking: Masking,
    /// A rectification may write this column (Art. 16); nothing else is
    /// ever written by one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rectifiable: bool,
    /// How an identity column is compared with the person's identity.
    #[serde(
        default,
        rename = "match",
        skip_serializing_if = "Matching::is_default"
    )]
    pub matching: Matching,
    /// What a reference says of the row that holds it.
    #[serde(default, skip_serializing_if = "Link::is_owner")]
    pub link: Link,
}

/// What a reference (`references = "table.column"`) says of its row
/// (`link = "…"` in the dataset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// The row belongs to the person whose row it references: exported and
    /// erased with theirs (a request of a contact, its history).
    #[default]
    Owner,
    /// The row is someone else's and only names the person (an application
    /// co-opted by them, a candidate they sponsored, a referee): the
    /// mention is exported, and on erasure only this column is emptied.
    /// A table may mention its own rows (a self reference).
    Mention,
    /// The row referenced is a record the person may share with others
    /// (a household, a company account): reached from the person's rows;
    /// theirs alone, it is treated like theirs; referenced by someone
    /// else's rows too, it is exported but kept as is on erasure, and
    /// said to the agent.
    Shared,
}

impl Link {
    pub fn is_owner(&self) -> bool {
        *self == Link::Owner
    }
}

/// How an identity column's stored values are compared with the request's
/// (`match = "…"` in the dataset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Matching {
    /// Normalised on both sides, in the database: an email trimmed and in
    /// lower case, a phone's digits whatever its written form (`+33 (0)6…`,
    /// `0033…`, dots, spaces), a NIR without spaces in upper case, an
    /// account number trimmed. Finds what people typed however they typed
    /// it; an index on the same expression keeps it fast (see the docs).
    #[default]
    Normalised,
    /// As stored, against the usual written forms of the identity: an
    /// ordinary index serves it, but `Jean@X.fr` or a value padded with
    /// spaces is missed. For columns the application already normalises.
    Exact,
}

impl Matching {
    pub fn is_default(&self) -> bool {
        *self == Matching::Normalised
    }
}

/// What erasure does to a table's rows about the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Erasure {
    /// Rows are deleted.
    Delete,
    /// Rows are kept, their masked columns replaced (C23).
    #[default]
    Anonymise,
}

/// A column set to a value to mark rows (restriction, objection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    pub column: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub name: String,
    pub primary_key: String,
    #[serde(default)]
    pub erasure: Erasure,
    /// How to mark the person's rows as restricted (Art. 18).
    #[serde(default)]
    pub restrict: Option<Marker>,
    /// How to record an objection (Art. 21), e.g. a marketing opt-out.
    #[serde(default)]
    pub object: Option<Marker>,
    /// An account of what happened (history, messages sent): a
    /// rectification never rewrites it (erasure still applies).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub history: bool,
    #[serde(default, rename = "column")]
    pub columns: Vec<ColumnSpec>,
}

impl TableSpec {
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A connected system's dataset.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    #[serde(default, rename = "table")]
    pub tables: Vec<TableSpec>,
}

/// Something structurally wrong with a dataset, said so that its author
/// can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetProblem {
    #[error("the dataset declares no table")]
    Empty,
    #[error(
        "no column identifies a person: mark at least one with identity = \"email\" (or phone, account_id, nir)"
    )]
    NoIdentity,
    #[error("table {0} is declared twice")]
    DuplicateTable(String),
    #[error("column {table}.{column} is declared twice")]
    DuplicateColumn { table: String, column: String },
    #[error("{table}.{column} references {target}, which is not a declared table")]
    UnknownTable {
        table: String,
        column: String,
        target: String,
    },
    #[error(
        "{table}.{column} references {target}, which is neither declared nor the primary key of {}",
        target.table
    )]
    UnknownColumn {
        table: String,
        column: String,
        target: ColumnRef,
    },
    #[error("references form a cycle: {}", .0.join(" → "))]
    Cycle(Vec<String>),
    #[error(
        "table {0} is not reachable from an identity: give it an identity column or a reference to a reachable table"
    )]
    Unreachable(String),
    #[error(
        "{table}.{column} is a link (primary key or reference): masking it would break the history; use erasure = \"delete\" or keep it"
    )]
    MaskedLink { table: String, column: String },
    #[error(
        "table {table} is kept (anonymised) but references {parent}, whose rows are deleted: delete {table} too, or anonymise {parent}"
    )]
    KeptChildOfDeleted { table: String, parent: String },
    #[error(
        "{table}.{column} is a link (primary key or reference): a rectification must never write it"
    )]
    RectifiableLink { table: String, column: String },
    #[error("{table}.{column}: a fixed masking value must not be empty")]
    EmptyFixed { table: String, column: String },
    #[error(
        "{table}.{column} references its own table as owner: a row cannot belong to the person because another row of the same table does; declare link = \"mention\""
    )]
    SelfOwner { table: String, column: String },
    #[error(
        "{table}.{column} is a mention: on erasure it is emptied (NULL); its masking can only be \"null\" or left out"
    )]
    MentionMasking { table: String, column: String },
}

/// Why a correction cannot be written as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RectifyProblem {
    #[error("{0} is not a declared column")]
    UnknownColumn(String),
    #[error("not rectifiable per the dataset, left as is: {}", .0.join(", "))]
    NotRectifiable(Vec<String>),
    #[error("table {0} is an account of what happened: a rectification never rewrites it")]
    History(String),
    #[error(
        "the category « {category} » is held by several columns ({}): write one of them as table.column = value",
        .columns.join(", ")
    )]
    Ambiguous {
        category: String,
        columns: Vec<String>,
    },
}

impl Dataset {
    /// The columns a correction `key` writes (Art. 16): `table.column`
    /// names one; a data category names the one rectifiable column that
    /// holds it in a table where the person is identified (their own
    /// record, not what hangs below it). Never a history table. Empty
    /// when nothing here holds the category.
    pub fn rectify_targets(&self, key: &str) -> Result<Vec<ColumnRef>, RectifyProblem> {
        let key = key.trim();
        if let Ok(r) = key.parse::<ColumnRef>()
            && let Some(t) = self.table(&r.table)
        {
            if t.history {
                return Err(RectifyProblem::History(t.name.clone()));
            }
            let c = t
                .column(&r.column)
                .ok_or_else(|| RectifyProblem::UnknownColumn(key.to_owned()))?;
            if !c.rectifiable {
                return Err(RectifyProblem::NotRectifiable(vec![key.to_owned()]));
            }
            return Ok(vec![r]);
        }
        let holders: Vec<(&TableSpec, &ColumnSpec)> = self
            .tables
            .iter()
            .filter(|t| !t.history && t.columns.iter().any(|c| c.identity.is_some()))
            .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
            .filter(|(_, c)| c.category.as_deref() == Some(key))
            .collect();
        let name = |(t, c): &(&TableSpec, &ColumnSpec)| format!("{}.{}", t.name, c.name);
        let writable: Vec<&(&TableSpec, &ColumnSpec)> =
            holders.iter().filter(|(_, c)| c.rectifiable).collect();
        match writable.as_slice() {
            [] if holders.is_empty() => Ok(vec![]),
            [] => Err(RectifyProblem::NotRectifiable(
                holders.iter().map(name).collect(),
            )),
            [(t, c)] => Ok(vec![ColumnRef {
                table: t.name.clone(),
                column: c.name.clone(),
            }]),
            many => Err(RectifyProblem::Ambiguous {
                category: key.to_owned(),
                columns: many.iter().map(|x| name(x)).collect(),
            }),
        }
    }

    /// `table.column (category)` of every column a rectification may
    /// write, for the agent.
    pub fn rectifiable_columns(&self) -> Vec<String> {
        self.tables
            .iter()
            .filter(|t| !t.history)
            .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
            .filter(|(_, c)| c.rectifiable)
            .map(|(t, c)| match &c.category {
                Some(cat) => format!("{}.{} ({cat})", t.name, c.name),
                None => format!("{}.{}", t.name, c.name),
            })
            .collect()
    }

    pub fn table(&self, name: &str) -> Option<&TableSpec> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Every structural problem, in the order of the text; empty if none.
    pub fn problems(&self) -> Vec<DatasetProblem> {
        let mut out = Vec::new();
        if self.tables.is_empty() {
            out.push(DatasetProblem::Empty);
            return out;
        }
        let mut seen = BTreeSet::new();
        for t in &self.tables {
            if !seen.insert(t.name.as_str()) {
                out.push(DatasetProblem::DuplicateTable(t.name.clone()));
            }
            let mut cols = BTreeSet::new();
            for c in &t.columns {
                if !cols.insert(c.name.as_str()) {
                    out.push(DatasetProblem::DuplicateColumn {
                        table: t.name.clone(),
                        column: c.name.clone(),
                    });
                }
                let is_link = c.name == t.primary_key || c.references.is_some();
                if is_link && c.rectifiable {
                    out.push(DatasetProblem::RectifiableLink {
                        table: t.name.clone(),
                        column: c.name.clone(),
                    });
                }
                let mention = c.references.is_some() && c.link == Link::Mention;
                if mention && !matches!(c.masking, Masking::Keep | Masking::Null) {
                    out.push(DatasetProblem::MentionMasking {
                        table: t.name.clone(),
                        column: c.name.clone(),
                    });
                }
                if let Some(r) = &c.references
                    && r.table == t.name
                    && c.link == Link::Owner
                {
                    out.push(DatasetProblem::SelfOwner {
                        table: t.name.clone(),
                        column: c.name.clone(),
                    });
                }
                if is_link && !mention && !c.masking.is_keep() {
                    out.push(DatasetProblem::MaskedLink {
                        table: t.name.clone(),
                        column: c.name.clone(),
                    });
                }
                if matches!(&c.masking, Masking::Fixed(v) if v.is_empty()) {
                    out.push(DatasetProblem::EmptyFixed {
                        table: t.name.clone(),
                        column: c.name.clone(),
                    });
                }
                if let Some(r) = &c.references {
                    // A mention is emptied before its target is deleted.
                    if t.erasure == Erasure::Anonymise
                        && c.link != Link::Mention
                        && self
                            .table(&r.table)
                            .is_some_and(|p| p.erasure == Erasure::Delete)
                    {
                        out.push(DatasetProblem::KeptChildOfDeleted {
                            table: t.name.clone(),
                            parent: r.table.clone(),
                        });
                    }
                    match self.table(&r.table) {
                        None => out.push(DatasetProblem::UnknownTable {
                            table: t.name.clone(),
                            column: c.name.clone(),
                            target: r.table.clone(),
                        }),
                        Some(target)
                            if target.primary_key != r.column
                                && target.column(&r.column).is_none() =>
                        {
                            out.push(DatasetProblem::UnknownColumn {
                                table: t.name.clone(),
                                column: c.name.clone(),
                                target: r.clone(),
                            })
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        if !self
            .tables
            .iter()
            .any(|t| t.columns.iter().any(|c| c.identity.is_some()))
        {
            out.push(DatasetProblem::NoIdentity);
        }
        if let Some(cycle) = self.cycle() {
            out.push(DatasetProblem::Cycle(cycle));
            return out;
        }
        let order = self.order();
        let mut reachable = BTreeSet::new();
        for t in &order {
            let spec = &self.tables[*t];
            let reached = spec.columns.iter().any(|c| {
                c.identity.is_some()
                    || c.references
                        .as_ref()
                        .is_some_and(|r| reachable.contains(r.table.as_str()))
            });
            if reached {
                reachable.insert(spec.name.as_str());
            }
        }
        // A shared record is reached from the rows that reference it.
        loop {
            let more: Vec<&str> = self
                .tables
                .iter()
                .filter(|t| reachable.contains(t.name.as_str()))
                .flat_map(|t| t.columns.iter())
                .filter(|c| c.link == Link::Shared)
                .filter_map(|c| c.references.as_ref())
                .map(|r| r.table.as_str())
                .filter(|t| !reachable.contains(t))
                .collect();
            if more.is_empty() {
                break;
            }
            reachable.extend(more);
        }
        for t in &self.tables {
            if !reachable.contains(t.name.as_str()) {
                out.push(DatasetProblem::Unreachable(t.name.clone()));
            }
        }
        out
    }

    /// Parents of each table (the tables its columns reference), by index.
    fn parents(&self) -> Vec<Vec<usize>> {
        let index: BTreeMap<&str, usize> = self
            .tables
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.as_str(), i))
            .collect();
        self.tables
            .iter()
            .map(|t| {
                // A table mentioning its own rows is not its own parent.
                let mut p: Vec<usize> = t
                    .columns
                    .iter()
                    .filter_map(|c| c.references.as_ref())
                    .filter(|r| r.table != t.name)
                    .filter_map(|r| index.get(r.table.as_str()).copied())
                    .collect();
                p.sort_unstable();
                p.dedup();
                p
            })
            .collect()
    }

    /// A cycle of references, named table by table, if there is one.
    fn cycle(&self) -> Option<Vec<String>> {
        let parents = self.parents();
        // 0 = unseen, 1 = on the current path, 2 = done.
        let mut mark = vec![0u8; self.tables.len()];
        let mut path = Vec::new();
        fn visit(
            i: usize,
            parents: &[Vec<usize>],
            mark: &mut [u8],
            path: &mut Vec<usize>,
        ) -> Option<Vec<usize>> {
            mark[i] = 1;
            path.push(i);
            for &p in &parents[i] {
                if mark[p] == 1 {
                    let start = path.iter().position(|&x| x == p).unwrap_or(0);
                    let mut c = path[start..].to_vec();
                    c.push(p);
                    return Some(c);
                }
                if mark[p] == 0
                    && let Some(c) = visit(p, parents, mark, path)
                {
                    return Some(c);
                }
            }
            path.pop();
            mark[i] = 2;
            None
        }
        for i in 0..self.tables.len() {
            if mark[i] == 0
                && let Some(c) = visit(i, &parents, &mut mark, &mut path)
            {
                return Some(c.iter().map(|&i| self.tables[i].name.clone()).collect());
            }
        }
        None
    }

    /// Table indexes with every table after the tables it references
    /// (parents first). Assumes no cycle; tables in a cycle come last.
    pub fn order(&self) -> Vec<usize> {
        let parents = self.parents();
        let mut placed = vec![false; self.tables.len()];
        let mut out = Vec::with_capacity(self.tables.len());
        // Kahn's algorithm in passes, keeping the text's order among peers.
        loop {
            let before = out.len();
            for i in 0..self.tables.len() {
                if !placed[i] && parents[i].iter().all(|&p| placed[p] || p == i) {
                    placed[i] = true;
                    out.push(i);
                }
            }
            if out.len() == before {
                break;
            }
        }
        out.extend((0..self.tables.len()).filter(|&i| !placed[i]));
        out
    }
}

/// `references = "table.column"` in the text form.
mod opt_ref {
    use super::ColumnRef;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<ColumnRef>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(r) => s.serialize_some(&r.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ColumnRef>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| s.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str) -> ColumnSpec {
        ColumnSpec {
            name: name.into(),
            category: None,
            identity: None,
            references: None,
            masking: Masking::Keep,
            rectifiable: false,
            matching: Matching::Normalised,
            link: Link::Owner,
        }
    }
    fn table(name: &str, cols: Vec<ColumnSpec>) -> TableSpec {
        TableSpec {
            name: name.into(),
            primary_key: "id".into(),
            erasure: Erasure::Anonymise,
            restrict: None,
            object: None,
            history: false,
            columns: cols,
        }
    }
    fn refs(name: &str, target: &str) -> ColumnSpec {
        ColumnSpec {
            references: Some(target.parse().unwrap()),
            ..col(name)
        }
    }
    fn ident(name: &str) -> ColumnSpec {
        ColumnSpec {
            identity: Some(IdentityKind::Email),
            masking: Masking::KeyedHash,
            ..col(name)
        }
    }

    fn sample() -> Dataset {
        Dataset {
            tables: vec![
                table("history", vec![refs("ticket_id", "tickets.id")]),
                table("tickets", vec![refs("contact_id", "contacts.id")]),
                table("contacts", vec![ident("email")]),
            ],
        }
    }

    #[test]
    fn a_good_dataset_has_no_problem_and_orders_parents_first() {
        let d = sample();
        assert_eq!(d.problems(), vec![]);
        let names: Vec<&str> = d
            .order()
            .iter()
            .map(|&i| d.tables[i].name.as_str())
            .collect();
        assert_eq!(names, ["contacts", "tickets", "history"]);
    }

    #[test]
    fn unreachable_and_unknown_references_are_named() {
        let mut d = sample();
        d.tables.push(table("logs", vec![col("ip")]));
        d.tables
            .push(table("notes", vec![refs("ticket", "ticket.id")]));
        d.tables
            .push(table("files", vec![refs("ticket_id", "tickets.number")]));
        let p = d.problems();
        assert!(
            p.contains(&DatasetProblem::Unreachable("logs".into())),
            "{p:?}"
        );
        assert!(p.contains(&DatasetProblem::UnknownTable {
            table: "notes".into(),
            column: "ticket".into(),
            target: "ticket".into()
        }));
        assert_eq!(
            p.iter()
                .find(|x| matches!(x, DatasetProblem::UnknownColumn { .. }))
                .unwrap()
                .to_string(),
            "files.ticket_id references tickets.number, which is neither declared nor the primary key of tickets"
        );
    }

    #[test]
    fn c15_c23_a_table_may_mention_its_own_rows_but_not_own_them() {
        let mention = |name: &str, target: &str| ColumnSpec {
            link: Link::Mention,
            ..refs(name, target)
        };
        let mut d = sample();
        // A contact sponsored by another; a ticket co-signed by one.
        d.tables[2]
            .columns
            .push(mention("sponsor_id", "contacts.id"));
        d.tables[1]
            .columns
            .push(mention("cosigner_id", "contacts.id"));
        assert_eq!(d.problems(), vec![]);
        let names: Vec<&str> = d
            .order()
            .iter()
            .map(|&i| d.tables[i].name.as_str())
            .collect();
        assert_eq!(names, ["contacts", "tickets", "history"]);
        // A mention is emptied on erasure: no other masking, and kept
        // rows may mention deleted ones.
        d.tables[2].erasure = Erasure::Delete;
        d.tables[1].columns[1].masking = Masking::Fixed("x".into());
        d.tables[2].columns.push(refs("previous_id", "contacts.id"));
        let p = d.problems();
        assert!(p.contains(&DatasetProblem::MentionMasking {
            table: "tickets".into(),
            column: "cosigner_id".into()
        }));
        assert!(p.contains(&DatasetProblem::SelfOwner {
            table: "contacts".into(),
            column: "previous_id".into()
        }));
        // tickets is kept but owned by deleted contacts: still refused.
        assert!(p.contains(&DatasetProblem::KeptChildOfDeleted {
            table: "tickets".into(),
            parent: "contacts".into()
        }));
        assert!(
            !p.iter().any(|x| matches!(x, DatasetProblem::Cycle(_))),
            "{p:?}"
        );
    }

    #[test]
    fn cycles_are_reported_with_their_path() {
        let mut d = sample();
        d.tables[2].columns.push(refs("last_ticket", "history.id"));
        let p = d.problems();
        let cycle = p
            .iter()
            .find_map(|x| match x {
                DatasetProblem::Cycle(c) => Some(c.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 4, "{cycle:?}");
        assert!(
            p.iter()
                .any(|x| x.to_string().starts_with("references form a cycle: "))
        );
    }

    #[test]
    fn c23_links_cannot_be_masked() {
        let mut d = sample();
        d.tables[1].columns[0].masking = Masking::Null;
        assert_eq!(
            d.problems(),
            vec![DatasetProblem::MaskedLink {
                table: "tickets".into(),
                column: "contact_id".into()
            }]
        );
    }

    #[test]
    fn c23_kept_rows_cannot_point_to_deleted_ones() {
        let mut d = sample();
        d.tables[2].erasure = Erasure::Delete;
        assert_eq!(
            d.problems(),
            vec![DatasetProblem::KeptChildOfDeleted {
                table: "tickets".into(),
                parent: "contacts".into()
            }]
        );
    }

    #[test]
    fn no_identity_no_table_duplicates() {
        assert_eq!(Dataset::default().problems(), vec![DatasetProblem::Empty]);
        let d = Dataset {
            tables: vec![table("a", vec![col("x"), col("x")]), table("a", vec![])],
        };
        let p = d.problems();
        assert!(p.contains(&DatasetProblem::NoIdentity));
        assert!(p.contains(&DatasetProblem::DuplicateTable("a".into())));
        assert!(p.contains(&DatasetProblem::DuplicateColumn {
            table: "a".into(),
            column: "x".into()
        }));
    }

    #[test]
    fn json_round_trip_and_reference_syntax() {
        let d = sample();
        let j = serde_json::to_string(&d).unwrap();
        let back: Dataset = serde_json::from_str(&j).unwrap();
        assert_eq!(back, d);
        assert!("nodot".parse::<ColumnRef>().is_err());
        assert!("a.b.c".parse::<ColumnRef>().is_err());
    }
}
