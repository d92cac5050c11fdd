//! The guided dataset ("jeu de données guidé", issue 18): what Vigie
//! proposes for a connected system from its live schema (tables, columns,
//! primary and foreign keys) and its last discovery scan — identity
//! columns, references from the foreign keys, categories and masking from
//! what was found — for the DPO to review field by field. What the DPO
//! already declared is kept as written; only what is missing is proposed.

use std::collections::{BTreeMap, BTreeSet};

use vigie_connect::{Keys, Schema, schema::Family};
use vigie_domain::{
    dataset::{ColumnRef, ColumnSpec, Dataset, Erasure, IdentityKind, Masking, TableSpec},
    scope::TenantScope,
};
use vigie_scan::PiiKind;
use vigie_store::System;

use crate::{
    Ctx, Result,
    discovery::{Finding, category_of, findings},
    invalid,
    systems::url_of,
    targets,
};

/// One live column, with what discovery found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideColumn {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    /// The kind found (`PiiKind` name) and how sure.
    pub found: Option<(String, f64)>,
    /// Foreign keys from this column.
    pub references: Vec<ColumnRef>,
}

/// One live table.
#[derive(Debug, Clone, PartialEq)]
pub struct GuideTable {
    pub name: String,
    /// Its primary key when it is one column (a dataset needs one).
    pub primary_key: Option<String>,
    pub columns: Vec<GuideColumn>,
}

/// The live database as the editor shows it, and the dataset proposed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guide {
    pub tables: Vec<GuideTable>,
    pub proposed: Dataset,
    /// The scan the findings come from, if any ran.
    pub scan: Option<i64>,
}

/// Reads the system's schema and keys and its last finished scan, and
/// proposes a dataset. Needs the right to manage systems: it opens the
/// database (its catalogue only: no row is read).
pub async fn guide(ctx: Ctx<'_>, scope: &TenantScope, system: &System) -> Result<Guide> {
    crate::systems::may_manage(scope)?;
    let url = url_of(ctx, scope.tenant(), system)?;
    let (mut opened, _) = targets::open(ctx, scope.tenant(), &url).await?;
    let read = async {
        let schema = Schema::read(&mut opened.conn)
            .await
            .map_err(|e| e.to_string())?;
        let keys = Keys::read(&mut opened.conn)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((schema, keys))
    }
    .await;
    opened.conn.close().await;
    let (schema, keys) = read.map_err(|e| invalid("system", e))?;
    let last = ctx
        .store
        .scans(scope, system.id, 20)
        .await?
        .into_iter()
        .find(|s| s.state == "done");
    let found = last.as_ref().map(findings).unwrap_or_default();
    let current = vigie_connect::parse_dataset(&system.dataset).ok();
    Ok(Guide {
        tables: live_tables(&schema, &keys, &found),
        proposed: propose(&schema, &keys, &found, current.as_ref()),
        scan: last.map(|s| s.id),
    })
}

fn live_tables(schema: &Schema, keys: &Keys, found: &[Finding]) -> Vec<GuideTable> {
    schema
        .tables
        .iter()
        .map(|(table, columns)| GuideTable {
            name: table.clone(),
            primary_key: keys.single_primary(table).map(str::to_owned),
            columns: columns
                .iter()
                .map(|(name, c)| GuideColumn {
                    name: name.clone(),
                    data_type: c.type_name.clone(),
                    nullable: c.nullable,
                    found: strongest(found, table, name).map(|f| (f.kind.clone(), f.confidence)),
                    references: keys
                        .foreign
                        .iter()
                        .filter(|k| k.table == *table && k.column == *name)
                        .map(|k| k.target.clone())
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// The finding a column is known by: the surest.
fn strongest<'a>(found: &'a [Finding], table: &str, column: &str) -> Option<&'a Finding> {
    found
        .iter()
        .filter(|f| f.table == table && f.column == column)
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
}

/// A column of free text (a message, a description): an unbounded text
/// type whose name does not say it holds one identifier.
fn free_text(name: &str, type_name: &str) -> bool {
    let ty = type_name.to_ascii_lowercase();
    let unbounded = ["text", "clob", "longtext", "mediumtext", "tinytext"]
        .iter()
        .any(|t| ty == *t);
    let n = name.to_ascii_lowercase();
    // Within a word for long stems (« e_mail », « courriel_pro »), at a
    // word's start for short ones (« tel_fixe », not « hotel »).
    let long = [
        "mail",
        "courriel",
        "phone",
        "mobile",
        "portable",
        "secu",
        "prenom",
        "naissance",
        "birth",
        "adresse",
        "address",
        "iban",
    ];
    let short = ["tel", "nir", "nom", "name", "ip"];
    let named = n
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| long.iter().any(|l| w.contains(l)) || short.iter().any(|s| w.starts_with(s)));
    unbounded && !named
}

/// What a kind of personal data becomes in a dataset column: its
/// identity, masking and whether a rectification may write it.
fn column_for(
    kind: PiiKind,
    nullable: bool,
    family: Family,
) -> (Option<IdentityKind>, Masking, bool) {
    // Emptying is the surest masking where the column allows it.
    let emptied = |otherwise: Masking| if nullable { Masking::Null } else { otherwise };
    let erased = || Masking::Fixed("[effacé]".into());
    match kind {
        PiiKind::Email => (Some(IdentityKind::Email), Masking::KeyedHash, true),
        PiiKind::Phone => (Some(IdentityKind::Phone), Masking::Fake, true),
        PiiKind::Nir => (Some(IdentityKind::Nir), emptied(Masking::KeyedHash), false),
        PiiKind::PersonName => (None, Masking::Fixed("Anonyme".into()), true),
        PiiKind::BirthDate if matches!(family, Family::Date | Family::Timestamp | Family::Text) => {
            (None, Masking::YearOnly, true)
        }
        PiiKind::BirthDate => (None, emptied(erased()), true),
        PiiKind::PostalAddress => (None, emptied(erased()), true),
        PiiKind::Iban | PiiKind::Card => (None, emptied(Masking::KeyedHash), false),
        PiiKind::Ipv4 | PiiKind::Ipv6 => (None, emptied(Masking::KeyedHash), false),
        PiiKind::Sensitive => (None, emptied(erased()), false),
        // An organisation's number is not the person's.
        PiiKind::Siren | PiiKind::Siret => (None, Masking::Keep, false),
    }
}

/// The proposal: every table holding an identity found by discovery, then
/// every table a foreign key links to those (its link column declared as a
/// reference to its nearest owner), each with the columns where personal
/// data was found. A table another table's foreign key points to is
/// anonymised (its history stays), others deleted. A table the current dataset declares is kept as
/// declared, with only the columns it lacks added.
pub fn propose(
    schema: &Schema,
    keys: &Keys,
    found: &[Finding],
    current: Option<&Dataset>,
) -> Dataset {
    let mut specs: BTreeMap<String, TableSpec> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let columns_found = |table: &str| -> Vec<ColumnSpec> {
        let Some(live) = schema.tables.get(table) else {
            return Vec::new();
        };
        live.iter()
            .filter_map(|(name, c)| {
                let f = strongest(found, table, name)?;
                let kind = PiiKind::parse(&f.kind)?;
                let (mut identity, mut masking, mut rectifiable) =
                    column_for(kind, c.nullable, c.family);
                if free_text(name, &c.type_name) {
                    // A phone inside a message is not the column's value:
                    // the text is emptied, never searched by.
                    identity = None;
                    rectifiable = false;
                    masking = if c.nullable {
                        Masking::Null
                    } else {
                        Masking::Fixed("[effacé]".into())
                    };
                }
                Some(ColumnSpec {
                    name: name.clone(),
                    category: Some(category_of(kind).to_owned()),
                    identity,
                    references: None,
                    masking,
                    rectifiable,
                    matching: Default::default(),
                    link: Default::default(),
                })
            })
            .collect()
    };
    let new_table = |name: &str, pk: &str, columns: Vec<ColumnSpec>| TableSpec {
        name: name.to_owned(),
        primary_key: pk.to_owned(),
        erasure: Erasure::Delete,
        restrict: None,
        object: None,
        history: false,
        columns: columns.into_iter().filter(|c| c.name != pk).collect(),
    };
    // Tables where a person is identified.
    for table in schema.tables.keys() {
        let Some(pk) = keys.single_primary(table) else {
            continue;
        };
        let cols = columns_found(table);
        if cols.iter().any(|c| c.identity.is_some()) {
            order.push(table.clone());
            specs.insert(table.clone(), new_table(table, pk, cols));
        }
    }
    // Then what links to them, level by level: each table's distance from
    // a table where a person is identified.
    let mut distance: BTreeMap<String, usize> = specs.keys().map(|t| (t.clone(), 0)).collect();
    for level in 1.. {
        let next: BTreeSet<String> = keys
            .foreign
            .iter()
            .filter(|fk| {
                !distance.contains_key(&fk.table)
                    && distance.get(&fk.target.table) == Some(&(level - 1))
                    && keys.single_primary(&fk.table).is_some()
            })
            .map(|fk| fk.table.clone())
            .collect();
        if next.is_empty() {
            break;
        }
        distance.extend(next.into_iter().map(|t| (t, level)));
    }
    let mut linked: Vec<(&String, &usize)> = distance.iter().filter(|(_, d)| **d > 0).collect();
    linked.sort_by_key(|(t, d)| (**d, (*t).clone()));
    for (table, _) in linked {
        // Its rows belong to the nearest owner: the linked parent farthest
        // from the root (a history line is its request's, not its
        // author's).
        let Some(fk) = keys
            .foreign
            .iter()
            .filter(|fk| fk.table == *table && fk.target.table != *table)
            .filter(|fk| distance.contains_key(&fk.target.table))
            .max_by_key(|fk| distance[&fk.target.table])
        else {
            continue;
        };
        let Some(pk) = keys.single_primary(table) else {
            continue;
        };
        let mut cols = columns_found(table);
        cols.retain(|c| c.name != fk.column);
        // Reached through its link, not searched by an identity of its own.
        for c in cols.iter_mut() {
            c.identity = None;
        }
        cols.insert(
            0,
            ColumnSpec {
                name: fk.column.clone(),
                category: None,
                identity: None,
                references: Some(fk.target.clone()),
                masking: Masking::Keep,
                rectifiable: false,
                matching: Default::default(),
                link: Default::default(),
            },
        );
        order.push(table.clone());
        specs.insert(table.clone(), new_table(table, pk, cols));
    }
    // A row another row points to (a foreign key of the live database,
    // declared or not) is anonymised, kept for that history: deleting it
    // would break the link. Others are deleted.
    let pointed: BTreeSet<&str> = keys
        .foreign
        .iter()
        .filter(|fk| fk.table != fk.target.table)
        .map(|fk| fk.target.table.as_str())
        .collect();
    for (name, t) in specs.iter_mut() {
        if pointed.contains(name.as_str()) {
            t.erasure = Erasure::Anonymise;
        }
    }
    // What the DPO wrote stands; missing columns are added to it.
    let mut out = Dataset::default();
    if let Some(current) = current {
        for t in &current.tables {
            let mut kept = t.clone();
            if let Some(p) = specs.remove(&t.name) {
                for c in p.columns {
                    if kept.column(&c.name).is_none() && c.name != kept.primary_key {
                        kept.columns.push(c);
                    }
                }
            }
            out.tables.push(kept);
        }
    }
    for name in order {
        if let Some(t) = specs.remove(&name) {
            out.tables.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::Gap;
    use vigie_connect::{ForeignKey, schema::LiveColumn};

    fn col(ty: &str, nullable: bool) -> LiveColumn {
        LiveColumn {
            type_name: ty.into(),
            pg_cast: String::new(),
            family: Family::of(ty),
            nullable,
            max_len: None,
        }
    }

    fn finding(table: &str, column: &str, kind: PiiKind) -> Finding {
        Finding {
            table: table.into(),
            column: column.into(),
            data_type: "text".into(),
            kind: kind.as_str().into(),
            sampled: 10,
            matched: 10,
            confidence: 0.9,
            example: String::new(),
            sensitive: false,
            gap: Gap::UndeclaredTable,
            category: category_of(kind).into(),
            register_gap: false,
            minors: 0,
            rows: Vec::new(),
        }
    }

    /// The demo's application: contacts, their requests, the requests'
    /// history, logs; and a table of settings nobody links to.
    fn demo() -> (Schema, Keys) {
        let mut schema = Schema::default();
        let mut t = |name: &str, cols: &[(&str, &str, bool)]| {
            schema.tables.insert(
                name.into(),
                cols.iter()
                    .map(|(c, ty, n)| ((*c).to_owned(), col(ty, *n)))
                    .collect(),
            );
        };
        t(
            "contacts",
            &[
                ("id", "INTEGER", false),
                ("nom", "VARCHAR", false),
                ("email", "VARCHAR", false),
                ("tel_mobile", "VARCHAR", true),
                ("date_naissance", "DATE", true),
                ("adresse", "TEXT", true),
            ],
        );
        t(
            "demandes",
            &[
                ("id", "INTEGER", false),
                ("contact_id", "INTEGER", false),
                ("titre", "VARCHAR", false),
                ("description", "TEXT", true),
            ],
        );
        t(
            "historique",
            &[
                ("id", "INTEGER", false),
                ("demande_id", "INTEGER", false),
                ("auteur_id", "INTEGER", true),
            ],
        );
        t(
            "journaux",
            &[
                ("id", "INTEGER", false),
                ("contact_id", "INTEGER", true),
                ("ip", "VARCHAR", true),
            ],
        );
        t("parametres", &[("cle", "VARCHAR", false)]);
        let fk = |table: &str, column: &str, target: &str| ForeignKey {
            table: table.into(),
            column: column.into(),
            target: target.parse().unwrap(),
        };
        let keys = Keys {
            primary: [
                ("contacts", "id"),
                ("demandes", "id"),
                ("historique", "id"),
                ("journaux", "id"),
                ("parametres", "cle"),
            ]
            .into_iter()
            .map(|(t, c)| (t.to_owned(), vec![c.to_owned()]))
            .collect(),
            foreign: vec![
                fk("demandes", "contact_id", "contacts.id"),
                // Its author first: the link kept must still be its request.
                fk("historique", "auteur_id", "contacts.id"),
                fk("historique", "demande_id", "demandes.id"),
                fk("journaux", "contact_id", "contacts.id"),
            ],
        };
        (schema, keys)
    }

    fn found() -> Vec<Finding> {
        vec![
            finding("contacts", "email", PiiKind::Email),
            finding("contacts", "tel_mobile", PiiKind::Phone),
            finding("contacts", "nom", PiiKind::PersonName),
            finding("contacts", "date_naissance", PiiKind::BirthDate),
            finding("contacts", "adresse", PiiKind::PostalAddress),
            finding("journaux", "ip", PiiKind::Ipv4),
            // « merci de rappeler au 06… » in a message.
            finding("demandes", "description", PiiKind::Phone),
        ]
    }

    #[test]
    fn c15_a_dataset_is_proposed_from_keys_and_findings() {
        let (schema, keys) = demo();
        let d = propose(&schema, &keys, &found(), None);
        assert_eq!(d.problems(), vec![], "{d:#?}");
        let names: Vec<&str> = d.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["contacts", "demandes", "historique", "journaux"]);
        let contacts = d.table("contacts").unwrap();
        assert_eq!(
            contacts.erasure,
            Erasure::Anonymise,
            "requests reference it"
        );
        let c = |n: &str| contacts.column(n).unwrap();
        assert_eq!(c("email").identity, Some(IdentityKind::Email));
        assert_eq!(c("email").masking, Masking::KeyedHash);
        assert_eq!(c("tel_mobile").identity, Some(IdentityKind::Phone));
        assert_eq!(c("nom").masking, Masking::Fixed("Anonyme".into()));
        assert_eq!(c("date_naissance").masking, Masking::YearOnly);
        assert_eq!(c("adresse").masking, Masking::Null, "nullable");
        assert_eq!(c("adresse").category.as_deref(), Some("contact.adresse"));
        let demandes = d.table("demandes").unwrap();
        assert_eq!(
            demandes.column("contact_id").unwrap().references,
            Some("contacts.id".parse().unwrap())
        );
        assert_eq!(
            demandes.erasure,
            Erasure::Anonymise,
            "history references it"
        );
        let text = demandes.column("description").unwrap();
        assert_eq!(
            text.identity, None,
            "a phone in a message is not searched by"
        );
        assert_eq!(text.masking, Masking::Null);
        assert_eq!(text.category.as_deref(), Some("contact.telephone"));
        let historique = d.table("historique").unwrap();
        assert_eq!(historique.erasure, Erasure::Delete);
        assert_eq!(
            historique.columns[0].references,
            Some("demandes.id".parse().unwrap()),
            "a history line belongs to its request"
        );
        assert!(historique.column("auteur_id").is_none());
        let journaux = d.table("journaux").unwrap();
        assert_eq!(journaux.erasure, Erasure::Delete);
        assert_eq!(journaux.column("ip").unwrap().masking, Masking::Null);
        assert!(
            d.table("parametres").is_none(),
            "nothing links it to a person"
        );
    }

    #[test]
    fn c15_what_the_dpo_declared_stands_and_only_gaps_are_added() {
        let (schema, keys) = demo();
        let current = vigie_connect::parse_dataset(
            "[[table]]\nname = \"contacts\"\nprimary_key = \"id\"\nerasure = \"delete\"\n\n  [[table.column]]\n  name = \"email\"\n  identity = \"email\"\n  masking = \"null\"\n",
        )
        .unwrap();
        let d = propose(&schema, &keys, &found(), Some(&current));
        let contacts = d.table("contacts").unwrap();
        assert_eq!(contacts.erasure, Erasure::Delete, "as declared");
        assert_eq!(contacts.column("email").unwrap().masking, Masking::Null);
        assert_eq!(
            contacts.columns[0].name, "email",
            "declared first, in place"
        );
        assert!(contacts.column("tel_mobile").is_some(), "the gap is added");
        assert_eq!(d.tables.iter().filter(|t| t.name == "contacts").count(), 1);
    }

    #[test]
    fn without_an_identity_nothing_is_proposed() {
        let (schema, keys) = demo();
        let only_ip = vec![finding("journaux", "ip", PiiKind::Ipv4)];
        assert!(propose(&schema, &keys, &only_ip, None).tables.is_empty());
    }
}
