//! Rights exact on a schema nobody on the rights engine wrote for it
//! (issue 11): a recruitment application where people typed their emails
//! in any case, padded with spaces, and their phones in every French form,
//! with duplicate accounts, homonyms and near-miss decoys. The ground
//! truth is computed by independent SQL (upper case instead of lower,
//! regular expressions instead of the engine's replacements, the last nine
//! digits of a phone) on PostgreSQL and MariaDB (C15, C23).

use std::collections::{BTreeMap, BTreeSet};

use vigie_connect::{Action, Conn, Dialect, Sql, Subject, execute, fixture, parse_dataset};
use vigie_domain::dataset::IdentityKind;

use crate::execute::plan;

const SCHEMA: &[&str] = &[
    "CREATE TABLE foyers (id INTEGER PRIMARY KEY, adresse VARCHAR(200) NOT NULL)",
    "CREATE TABLE candidats (id INTEGER PRIMARY KEY, nom VARCHAR(100) NOT NULL, \
     prenom VARCHAR(100) NOT NULL, email VARCHAR(200), telephone VARCHAR(40), parrain_id INTEGER, \
     foyer_id INTEGER, FOREIGN KEY (parrain_id) REFERENCES candidats(id), \
     FOREIGN KEY (foyer_id) REFERENCES foyers(id))",
    "CREATE TABLE candidatures (id INTEGER PRIMARY KEY, candidat_id INTEGER NOT NULL, \
     poste VARCHAR(200) NOT NULL, lettre TEXT, coopte_par INTEGER, \
     FOREIGN KEY (candidat_id) REFERENCES candidats(id), FOREIGN KEY (coopte_par) REFERENCES candidats(id))",
    "CREATE TABLE entretiens (id INTEGER PRIMARY KEY, candidature_id INTEGER NOT NULL, \
     compte_rendu TEXT, FOREIGN KEY (candidature_id) REFERENCES candidatures(id))",
    "CREATE TABLE pieces (id INTEGER PRIMARY KEY, entretien_id INTEGER NOT NULL, \
     fichier VARCHAR(200) NOT NULL, FOREIGN KEY (entretien_id) REFERENCES entretiens(id))",
];

const DATASET: &str = r#"
# A household's address: shared by the people who live there.
[[table]]
name = "foyers"
primary_key = "id"
erasure = "anonymise"

  [[table.column]]
  name = "adresse"
  masking = { fixed = "[effacé]" }

[[table]]
name = "candidats"
primary_key = "id"
erasure = "anonymise"

  [[table.column]]
  name = "email"
  category = "contact.email"
  identity = "email"
  masking = "keyed_hash"
  rectifiable = true

  [[table.column]]
  name = "telephone"
  category = "contact.telephone"
  identity = "phone"
  masking = "null"
  rectifiable = true

  [[table.column]]
  name = "nom"
  masking = { fixed = "Anonyme" }

  [[table.column]]
  name = "prenom"
  masking = { fixed = "Anonyme" }

  [[table.column]]
  name = "foyer_id"
  references = "foyers.id"
  link = "shared"

  # A candidate sponsored by another: the sponsor is only named.
  [[table.column]]
  name = "parrain_id"
  references = "candidats.id"
  link = "mention"

[[table]]
name = "candidatures"
primary_key = "id"
erasure = "delete"

  [[table.column]]
  name = "candidat_id"
  references = "candidats.id"

  [[table.column]]
  name = "lettre"

  # An application co-opted by someone: theirs to know, not their file.
  [[table.column]]
  name = "coopte_par"
  references = "candidats.id"
  link = "mention"

[[table]]
name = "entretiens"
primary_key = "id"
erasure = "delete"
history = true

  [[table.column]]
  name = "candidature_id"
  references = "candidatures.id"

[[table]]
name = "pieces"
primary_key = "id"
erasure = "delete"

  [[table.column]]
  name = "entretien_id"
  references = "entretiens.id"
"#;

/// The accounts with hard cases, then ordinary candidates.
fn candidates() -> Vec<(i64, &'static str, Option<String>, Option<String>)> {
    let mut v: Vec<(i64, &str, Option<String>, Option<String>)> = vec![
        // Élodie, two accounts: the second typed with capitals.
        (
            1,
            "Lefèvre-Ménard",
            Some("elodie.lefevre-menard@laposte.net".into()),
            Some("06 12 34 56 78".into()),
        ),
        (
            2,
            "Lefèvre-Ménard",
            Some("Elodie.Lefevre-Menard@LaPoste.net".into()),
            None,
        ),
        // Her homonym, at another domain, with a phone one digit away.
        (
            3,
            "Lefèvre-Ménard",
            Some("elodie.lefevre-menard@laposte.fr".into()),
            Some("06 12 34 56 79".into()),
        ),
        // Marc typed spaces around his address; his mobile is on another
        // account with no email (found only through the closure); a decoy
        // without the dot.
        (
            4,
            "Durand",
            Some("  marc.durand@orange.fr ".into()),
            Some("07 98 76 54 32".into()),
        ),
        (5, "Durand", Some("marcdurand@orange.fr".into()), None),
        // Sofia, three accounts, her mobile in three international forms.
        (
            6,
            "Keller",
            Some("sofia.k@free.fr".into()),
            Some("0033611223344".into()),
        ),
        (7, "Keller", None, Some("+33 (0)6 11 22 33 44".into())),
        (
            8,
            "Keller",
            Some("SOFIA.K@FREE.FR".into()),
            Some("06.11.22.33.44".into()),
        ),
        // Someone else's mobile, one digit away.
        (
            9,
            "Autre",
            Some("autre@free.fr".into()),
            Some("06 11 22 33 45".into()),
        ),
        (
            10,
            "Petit",
            Some("jean.petit@example.org".into()),
            Some("+33 7 00 00 00 01".into()),
        ),
    ];
    for i in 11..=300 {
        let email = if i % 4 == 0 {
            format!("Candidat{i}@Exemple.FR")
        } else {
            format!(" candidat{i}@exemple.fr")
        };
        let phone = match i % 3 {
            0 => format!("06 {:02} {:02} 00 00", i / 100, i % 100),
            1 => format!("+33 6 {:02} {:02} 00 00", i / 100, i % 100),
            _ => format!("00336{:02}{:02}0000", i / 100, i % 100),
        };
        v.push((i, "Candidat", Some(email), Some(phone)));
    }
    v.push((301, "Durand", None, Some("0798765432".into())));
    // Paul and Anne share the household's phone: it is not Paul's alone.
    v.push((
        302,
        "Martin",
        Some("paul.martin@sfr.fr".into()),
        Some("06 55 55 55 55".into()),
    ));
    v.push((
        303,
        "Martin",
        Some("anne.martin@sfr.fr".into()),
        Some("06 55 55 55 55".into()),
    ));
    v
}

fn quote(v: &Option<String>) -> String {
    v.as_ref()
        .map_or_else(|| "NULL".into(), |s| format!("'{}'", s.replace('\'', "''")))
}

/// A database of the recruitment application; its URL.
async fn install(dialect: Dialect) -> (String, String) {
    let name = crate::sample::name();
    let url = fixture::create_database(dialect, &name)
        .await
        .expect("the database server is required");
    let mut c = Conn::open(&url).await.unwrap();
    for s in SCHEMA {
        c.run(s).await.unwrap();
    }
    let (mut app, mut interview, mut piece) = (0, 0, 0);
    let mut rows = vec![
        "INSERT INTO foyers VALUES (1, '3 rue des Lilas, 39000 Lons')".to_owned(),
        "INSERT INTO foyers VALUES (2, '8 place du Marché, 25000 Besançon')".to_owned(),
        "INSERT INTO foyers VALUES (3, '1 chemin Vert, 70000 Vesoul')".to_owned(),
    ];
    for (id, nom, email, phone) in candidates() {
        // Every tenth candidate was referred by the previous one; Sofia
        // sponsored candidate 21 and co-opted 22's first application.
        let sponsor = match id {
            21 => "6".to_owned(),
            _ if id % 10 == 0 => (id - 1).to_string(),
            _ => "NULL".into(),
        };
        // Paul and Anne live together; Élodie's two accounts, one home.
        let home = match id {
            302 | 303 => "1",
            1 | 2 => "2",
            4 => "3",
            _ => "NULL",
        };
        rows.push(format!(
            "INSERT INTO candidats VALUES ({id}, '{nom}', 'Prénom', {}, {}, {sponsor}, {home})",
            quote(&email),
            quote(&phone)
        ));
        for n in 0..(id % 3 + 1) {
            app += 1;
            let coopted = match (id, n) {
                (22, 0) => "7".to_owned(),
                _ if app % 7 == 0 => (id - 1).to_string(),
                _ => "NULL".into(),
            };
            rows.push(format!(
                "INSERT INTO candidatures VALUES ({app}, {id}, 'Poste {app}', 'Lettre de {nom}', {coopted})"
            ));
            if app % 2 == 0 {
                interview += 1;
                rows.push(format!(
                    "INSERT INTO entretiens VALUES ({interview}, {app}, 'Compte rendu {interview}')"
                ));
                for _ in 0..2 {
                    piece += 1;
                    rows.push(format!(
                        "INSERT INTO pieces VALUES ({piece}, {interview}, 'cv-{piece}.pdf')"
                    ));
                }
            }
        }
    }
    for chunk in rows.chunks(200) {
        c.run(&chunk.join("; ")).await.unwrap();
    }
    c.close().await;
    (url, name)
}

async fn ids(c: &mut Conn, dialect: Dialect, query: &str) -> BTreeSet<String> {
    let mut q = Sql::new(dialect);
    q.push(query);
    c.rows(&q)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect()
}

/// The person's rows, table by table, by SQL written apart from the
/// engine: upper case and `TRIM`, and a phone's last nine digits.
async fn truth(
    url: &str,
    dialect: Dialect,
    kind: IdentityKind,
    value: &str,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut c = Conn::open(url).await.unwrap();
    let stored = match dialect {
        Dialect::Postgres => "regexp_replace(telephone, '[^0-9]', '', 'g')",
        _ => "REGEXP_REPLACE(telephone, '[^0-9]', '')",
    };
    let last9 = format!("CASE WHEN LENGTH({stored}) BETWEEN 10 AND 14 THEN RIGHT({stored}, 9) END");
    let given = match kind {
        IdentityKind::Email => format!(
            "UPPER(TRIM(email)) = UPPER('{}')",
            value.trim().replace('\'', "''")
        ),
        IdentityKind::Phone => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            format!("{last9} = '{}'", &digits[digits.len() - 9..])
        }
        _ => unreachable!(),
    };
    // One step of closure: the emails and phones on those rows.
    let people = format!(
        "SELECT id FROM candidats WHERE {given} \
         OR UPPER(TRIM(email)) IN (SELECT UPPER(TRIM(email)) FROM candidats WHERE ({given}) AND email IS NOT NULL) \
         OR {last9} IN (SELECT {last9} FROM candidats WHERE ({given}) AND telephone IS NOT NULL)"
    );
    let apps = format!("SELECT id FROM candidatures WHERE candidat_id IN ({people})");
    let interviews = format!("SELECT id FROM entretiens WHERE candidature_id IN ({apps})");
    let pieces = format!("SELECT id FROM pieces WHERE entretien_id IN ({interviews})");
    let homes = format!(
        "SELECT id FROM foyers WHERE id IN (SELECT foyer_id FROM candidats WHERE id IN ({people}))"
    );
    let mut out = BTreeMap::new();
    for (table, q) in [
        ("candidats", &people),
        ("candidatures", &apps),
        ("entretiens", &interviews),
        ("pieces", &pieces),
        ("foyers", &homes),
    ] {
        let q = q.replacen("SELECT id", &format!("SELECT {}", dialect.as_text("id")), 1);
        out.insert(table.to_owned(), ids(&mut c, dialect, &q).await);
    }
    c.close().await;
    out
}

/// Rows of others that name the person's accounts `owned`: sponsored
/// candidates and co-opted applications (by SQL, not the engine).
async fn truth_mentions(
    url: &str,
    dialect: Dialect,
    owned: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, BTreeSet<String>> {
    let list = |t: &str| {
        let v: Vec<&str> = owned[t].iter().map(String::as_str).collect();
        if v.is_empty() {
            "NULL".to_owned()
        } else {
            v.join(", ")
        }
    };
    let (people, apps) = (list("candidats"), list("candidatures"));
    let mut c = Conn::open(url).await.unwrap();
    let mut out = BTreeMap::new();
    out.insert(
        "candidats".to_owned(),
        ids(
            &mut c,
            dialect,
            &format!(
                "SELECT {} FROM candidats WHERE parrain_id IN ({people}) AND id NOT IN ({people})",
                dialect.as_text("id")
            ),
        )
        .await,
    );
    out.insert(
        "candidatures".to_owned(),
        ids(
            &mut c,
            dialect,
            &format!(
                "SELECT {} FROM candidatures WHERE coopte_par IN ({people}) AND id NOT IN ({apps})",
                dialect.as_text("id")
            ),
        )
        .await,
    );
    c.close().await;
    out
}

fn mentioned(o: &vigie_connect::Outcome) -> BTreeMap<String, BTreeSet<String>> {
    o.tables
        .iter()
        .filter(|t| t.table == "candidats" || t.table == "candidatures")
        .map(|t| {
            (
                t.table.clone(),
                t.mention_rows
                    .iter()
                    .filter_map(|r| r.first().cloned().flatten())
                    .collect(),
            )
        })
        .collect()
}

/// Every row of every table, by table and id, as text.
async fn snapshot(
    url: &str,
    dialect: Dialect,
) -> BTreeMap<(String, String), BTreeMap<String, Option<String>>> {
    let mut c = Conn::open(url).await.unwrap();
    let schema = vigie_connect::Schema::read(&mut c).await.unwrap();
    let mut out = BTreeMap::new();
    for (table, cols) in &schema.tables {
        let select: Vec<String> = cols.keys().map(|c| dialect.as_text(c)).collect();
        let mut q = Sql::new(dialect);
        q.push(&format!(
            "SELECT {}, {} FROM {table}",
            dialect.as_text("id"),
            select.join(", ")
        ));
        for mut r in c.rows(&q).await.unwrap() {
            let id = r.remove(0).unwrap_or_default();
            out.insert((table.clone(), id), cols.keys().cloned().zip(r).collect());
        }
    }
    c.close().await;
    out
}

fn found(o: &vigie_connect::Outcome) -> BTreeMap<String, BTreeSet<String>> {
    o.tables
        .iter()
        .map(|t| {
            (
                t.table.clone(),
                t.rows
                    .iter()
                    .filter_map(|r| r.first().cloned().flatten())
                    .collect(),
            )
        })
        .collect()
}

const KEY: [u8; 32] = [3; 32];

/// Who asks, and how many accounts are theirs.
fn requests() -> Vec<(IdentityKind, &'static str, usize)> {
    vec![
        (IdentityKind::Email, "elodie.lefevre-menard@laposte.net", 2),
        (IdentityKind::Email, "Marc.Durand@orange.fr", 2),
        (IdentityKind::Phone, "06 11 22 33 44", 3),
        (IdentityKind::Phone, "+33 (0)6 11 22 33 44", 3),
        (IdentityKind::Email, " Jean.Petit@Example.org ", 1),
        (IdentityKind::Phone, "0033700000001", 1),
    ]
}

async fn c15_access_finds_every_row_of_the_person_and_no_other(dialect: Dialect) {
    let (url, name) = install(dialect).await;
    let dataset = parse_dataset(DATASET).unwrap();
    for (kind, value, accounts) in requests() {
        let mut subject = Subject {
            identities: vec![(kind, value.to_owned())],
        };
        let expected = truth(&url, dialect, kind, value).await;
        assert_eq!(
            expected["candidats"].len(),
            accounts,
            "{value}: ground truth"
        );
        // As the agent does (C12): each identifier found on the person's
        // rows is checked, then searched by, until none is new.
        let outcome = loop {
            let conn = Conn::open(&url).await.unwrap();
            let mut p = plan(&dataset, &subject, &Action::Access);
            p.key = &KEY;
            let outcome = execute(conn, p, |_| async { Ok(()) }).await.unwrap();
            if outcome.identities_found.is_empty() {
                break outcome;
            }
            subject.identities.extend(outcome.identities_found);
        };
        // Recall and precision of rows are both 1: the same sets; the
        // rows that merely name them, apart, likewise.
        assert_eq!(found(&outcome), expected, "{value}");
        assert_eq!(
            mentioned(&outcome),
            truth_mentions(&url, dialect, &expected).await,
            "{value}: mentions"
        );
    }
    fixture::drop_database(dialect, &name, &url).await.unwrap();
}

async fn c23_erasure_by_phone_leaves_every_other_row_byte_identical(dialect: Dialect) {
    let (url, name) = install(dialect).await;
    let dataset = parse_dataset(DATASET).unwrap();
    let (kind, value) = (IdentityKind::Phone, "+33 6 11 22 33 44");
    let hers = truth(&url, dialect, kind, value).await;
    let naming = truth_mentions(&url, dialect, &hers).await;
    assert_eq!(
        (naming["candidats"].len(), naming["candidatures"].len()),
        (1, 1),
        "Sofia sponsored one candidate and co-opted one application"
    );
    let before = snapshot(&url, dialect).await;
    let subject = Subject {
        identities: vec![(kind, value.to_owned())],
    };
    let conn = Conn::open(&url).await.unwrap();
    let outcome = execute(conn, plan(&dataset, &subject, &Action::Erase), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    let after = snapshot(&url, dialect).await;
    let is_hers = |(table, id): &(String, String)| hers.get(table).is_some_and(|s| s.contains(id));
    // Everyone else's rows are as they were, but for the one column that
    // named her, now empty.
    let expected: BTreeMap<_, _> = before
        .iter()
        .filter(|(k, _)| !is_hers(k))
        .map(|((table, id), row)| {
            let mut row = row.clone();
            if naming.get(table).is_some_and(|s| s.contains(id)) {
                let column = if table == "candidats" {
                    "parrain_id"
                } else {
                    "coopte_par"
                };
                row.insert(column.to_owned(), None);
            }
            ((table.clone(), id.clone()), row)
        })
        .collect();
    let others_after: BTreeMap<_, _> = after
        .iter()
        .filter(|(k, _)| !is_hers(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert!(expected.len() > 1000, "{}", expected.len());
    assert_eq!(others_after, expected, "someone else's row changed");
    assert_eq!(outcome.tables.iter().map(|t| t.mentioned).sum::<u64>(), 2);
    // Hers: children deleted, accounts kept but without her phone.
    let total: usize = hers.values().map(BTreeSet::len).sum();
    assert_eq!(outcome.found() as usize, total);
    for (table, ids) in &hers {
        for id in ids {
            let key = (table.clone(), id.clone());
            if table == "candidats" {
                let row = &after[&key];
                assert_ne!(row, &before[&key], "{key:?} unchanged");
                assert!(
                    !row.values()
                        .flatten()
                        .any(|v| v.contains("22 33 44") || v.contains("223344")),
                    "{row:?}"
                );
            } else {
                assert!(!after.contains_key(&key), "{key:?} kept");
            }
        }
    }
    fixture::drop_database(dialect, &name, &url).await.unwrap();
}

macro_rules! on_servers {
    ($($scenario:ident),*) => {
        mod postgres { use super::*; $( #[tokio::test] async fn $scenario() { super::$scenario(Dialect::Postgres).await } )* }
        mod mariadb { use super::*; $( #[tokio::test] async fn $scenario() { super::$scenario(Dialect::MySql).await } )* }
    };
}

on_servers!(
    c16_rectification_changes_exactly_the_chosen_cells,
    c15_a_shared_identity_found_on_the_rows_is_not_followed,
    c15_access_finds_every_row_of_the_person_and_no_other,
    c23_erasure_by_phone_leaves_every_other_row_byte_identical
);

/// Issue 11, identity closure, under issue 12's rule (C12: only proven
/// identifiers are searched by): a phone found on Paul's account is shared
/// with Anne's: it is set aside (and said), and Anne's file is neither
/// exported nor held for confirmation. Marc's mobile, found on his
/// account, is reported and not followed; once checked (given), it leads
/// to his second account.
async fn c15_a_shared_identity_found_on_the_rows_is_not_followed(dialect: Dialect) {
    let (url, name) = install(dialect).await;
    let dataset = parse_dataset(DATASET).unwrap();
    let access = |email: &str| Subject {
        identities: vec![(IdentityKind::Email, email.to_owned())],
    };
    let paul = access("paul.martin@sfr.fr");
    let conn = Conn::open(&url).await.unwrap();
    let outcome = execute(conn, plan(&dataset, &paul, &Action::Access), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(
        found(&outcome)["candidats"],
        BTreeSet::from(["302".to_owned()])
    );
    assert!(outcome.identities_found.is_empty());
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("partagés") && n.contains("phone 0•••")),
        "{:?}",
        outcome.notes
    );
    let marc = access("marc.durand@orange.fr");
    let conn = Conn::open(&url).await.unwrap();
    let outcome = execute(conn, plan(&dataset, &marc, &Action::Access), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(
        outcome.identities_found,
        vec![(IdentityKind::Phone, "07 98 76 54 32".to_owned())]
    );
    assert_eq!(
        found(&outcome)["candidats"],
        BTreeSet::from(["4".to_owned()]),
        "an identifier nobody checked is not followed"
    );
    let mut checked = marc.clone();
    checked.identities.extend(outcome.identities_found);
    let conn = Conn::open(&url).await.unwrap();
    let outcome = execute(conn, plan(&dataset, &checked, &Action::Access), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    assert!(outcome.identities_found.is_empty());
    assert_eq!(
        found(&outcome)["candidats"],
        BTreeSet::from(["301".to_owned(), "4".to_owned()])
    );

    // Paul's home is Anne's too: exported, kept as is on erasure, said.
    let conn = Conn::open(&url).await.unwrap();
    let access = execute(conn, plan(&dataset, &paul, &Action::Access), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(found(&access)["foyers"], BTreeSet::from(["1".to_owned()]));
    let before = snapshot(&url, dialect).await;
    let conn = Conn::open(&url).await.unwrap();
    let erased = execute(conn, plan(&dataset, &paul, &Action::Erase), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    let after = snapshot(&url, dialect).await;
    let home = ("foyers".to_owned(), "1".to_owned());
    assert_eq!(after[&home], before[&home], "a shared home is kept");
    let anne = ("candidats".to_owned(), "303".to_owned());
    assert_eq!(after[&anne], before[&anne], "Anne's account is hers");
    assert_ne!(
        after[&("candidats".to_owned(), "302".to_owned())],
        before[&("candidats".to_owned(), "302".to_owned())]
    );
    assert!(
        erased
            .notes
            .iter()
            .any(|n| n.contains("laissé tel quel : foyers#1")),
        "{:?}",
        erased.notes
    );
    assert_eq!(erased.tables.iter().map(|t| t.shared).sum::<u64>(), 1);
    // Élodie's home is hers alone (two accounts of hers): anonymised.
    let elodie = Subject {
        identities: vec![(
            IdentityKind::Email,
            "Elodie.Lefevre-Menard@laposte.net".into(),
        )],
    };
    let conn = Conn::open(&url).await.unwrap();
    execute(conn, plan(&dataset, &elodie, &Action::Erase), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    let after = snapshot(&url, dialect).await;
    assert_eq!(
        after[&("foyers".to_owned(), "2".to_owned())]["adresse"].as_deref(),
        Some("[effacé]")
    );
    assert_eq!(after[&home], before[&home]);
    fixture::drop_database(dialect, &name, &url).await.unwrap();
}

/// Issue 11, rectification by column: exactly the cells named change, in
/// the person's own rows (both of Élodie's accounts, the one without a
/// phone included); a history table is never rewritten.
async fn c16_rectification_changes_exactly_the_chosen_cells(dialect: Dialect) {
    let (url, name) = install(dialect).await;
    let dataset = parse_dataset(DATASET).unwrap();
    let subject = Subject {
        identities: vec![(
            IdentityKind::Email,
            "elodie.lefevre-menard@laposte.net".into(),
        )],
    };
    let before = snapshot(&url, dialect).await;
    let action = Action::Rectify(vec![
        ("contact.telephone".into(), "06 99 99 99 99".into()),
        ("entretiens.compte_rendu".into(), "réécrit".into()),
    ]);
    let conn = Conn::open(&url).await.unwrap();
    let outcome = execute(conn, plan(&dataset, &subject, &action), |_| async {
        Ok(())
    })
    .await
    .unwrap();
    assert!(
        outcome
            .notes
            .iter()
            .any(|n| n.contains("table entretiens is an account of what happened")),
        "{:?}",
        outcome.notes
    );
    let after = snapshot(&url, dialect).await;
    let mut changed = Vec::new();
    for (key, row) in &after {
        for (column, v) in row {
            if before[key].get(column) != Some(v) {
                changed.push((key.0.as_str(), key.1.as_str(), column.as_str(), v.clone()));
            }
        }
    }
    let new = Some("06 99 99 99 99".to_owned());
    assert_eq!(
        changed,
        vec![
            ("candidats", "1", "telephone", new.clone()),
            ("candidats", "2", "telephone", new),
        ]
    );
    assert_eq!(before.len(), after.len());
    fixture::drop_database(dialect, &name, &url).await.unwrap();
}
