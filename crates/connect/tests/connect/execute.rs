//! Rights requests executed on real databases (C15, C23), checked row by
//! row afterwards, on PostgreSQL, MariaDB and SQLite.

use vigie_connect::{
    Action, Dialect, ExecError, LiveProblem, Plan, RowFilter, Subject, execute, fixture,
    parse_dataset, read_checked,
};
use vigie_domain::dataset::{Dataset, IdentityKind};

use crate::support::AppDb;

const KEY: [u8; 32] = [42; 32];
const PEOPLE: i64 = 12;

fn dataset() -> Dataset {
    parse_dataset(fixture::DATASET).unwrap()
}

fn by_email(id: i64) -> Subject {
    Subject {
        identities: vec![(IdentityKind::Email, fixture::person(id).email)],
    }
}

pub fn plan<'a>(d: &'a Dataset, s: &'a Subject, a: &'a Action) -> Plan<'a> {
    Plan {
        dataset: d,
        subject: s,
        action: a,
        key: &KEY,
        filter: None,
        confirmed: false,
    }
}

async fn run(
    db: &AppDb,
    d: &Dataset,
    s: &Subject,
    a: &Action,
) -> Result<vigie_connect::Outcome, ExecError> {
    execute(db.conn().await, plan(d, s, a), |_| async { Ok(()) }).await
}

/// Every row of every table that is not about person `id`.
async fn others(db: &AppDb, id: i64) -> Vec<Vec<Option<String>>> {
    let mut all = Vec::new();
    for (table, filter) in [
        ("contacts", format!("id <> {id}")),
        ("demandes", format!("contact_id <> {id}")),
        (
            "historique",
            format!("demande_id IN (SELECT id FROM demandes WHERE contact_id <> {id})"),
        ),
        ("journaux", format!("contact_id <> {id}")),
    ] {
        all.extend(db.rows(table, "*", &filter).await);
    }
    all
}

async fn c15_access_gathers_every_row_of_one_person(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    let p = fixture::person(4);
    let out = run(&db, &d, &by_email(4), &Action::Access).await.unwrap();
    let t = |name: &str| out.tables.iter().find(|t| t.table == name).unwrap();
    assert_eq!(t("contacts").found, 1);
    assert_eq!(t("demandes").found, p.demandes as u64);
    assert_eq!(t("historique").found, 2 * p.demandes as u64);
    assert_eq!(t("journaux").found, 3);
    let contacts = t("contacts");
    let email_col = contacts.columns.iter().position(|c| c == "email").unwrap();
    assert_eq!(
        contacts.rows[0][email_col].as_deref(),
        Some(p.email.as_str())
    );
    assert_eq!(out.changed(), 0);
    // The same person by phone, written another way than stored.
    let digits: String = p.mobile.chars().filter(char::is_ascii_digit).collect();
    let by_phone = Subject {
        identities: vec![(IdentityKind::Phone, format!("+33{}", &digits[1..]))],
    };
    let out2 = run(&db, &d, &by_phone, &Action::Access).await.unwrap();
    assert_eq!(out2.found(), out.found());
    // Nobody: found nothing, changed nothing.
    let nobody = Subject {
        identities: vec![(IdentityKind::Email, "personne@nulle-part.fr".into())],
    };
    let none = run(&db, &d, &nobody, &Action::Access).await.unwrap();
    assert_eq!(none.found(), 0);
    db.drop().await;
}

async fn c23_erasure_anonymises_keeps_history_and_touches_no_one_else(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    let p = fixture::person(5);
    let before = others(&db, 5).await;
    let demandes_before = db.count("demandes", "1 = 1").await;
    let out = run(&db, &d, &by_email(5), &Action::Erase).await.unwrap();
    assert_eq!(out.found(), 1 + p.demandes as u64 * 3 + 3);
    let row = &db
        .rows(
            "contacts",
            "nom, prenom, email, tel_fixe, tel_mobile, login, date_naissance",
            "id = 5",
        )
        .await[0];
    assert_eq!(row[0].as_deref(), Some("Anonyme"));
    assert_eq!(row[1].as_deref(), Some("Anonyme"));
    let email = row[2].as_deref().unwrap();
    assert_eq!(email.len(), 16);
    assert!(email.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(row[3], None);
    let mobile = row[4].as_deref().unwrap();
    assert_ne!(mobile, p.mobile);
    assert_eq!(mobile.len(), p.mobile.len());
    assert_ne!(row[5].as_deref(), Some(p.login.as_str()));
    assert!(
        row[6].as_deref().unwrap().starts_with("19")
            && row[6].as_deref().unwrap()[4..].starts_with("-01-01")
    );
    // Links and counts survive (C23); logs are deleted.
    let n = usize::try_from(p.demandes).unwrap();
    assert_eq!(db.count("demandes", "1 = 1").await, demandes_before);
    assert_eq!(db.count("demandes", "contact_id = 5").await, n);
    assert_eq!(
        db.count("demandes", "contact_id = 5 AND description = '[effacé]'")
            .await,
        n
    );
    assert_eq!(
        db.count(
            "historique",
            "demande_id IN (SELECT id FROM demandes WHERE contact_id = 5)"
        )
        .await,
        2 * n
    );
    assert_eq!(db.count("journaux", "contact_id = 5").await, 0);
    // Everybody else, row by row, as before.
    assert_eq!(others(&db, 5).await, before);
    // Running again finds nobody: the identity is gone.
    let again = run(&db, &d, &by_email(5), &Action::Erase).await.unwrap();
    assert_eq!(again.found(), 0);
    db.drop().await;
}

async fn c15_rectification_restriction_objection(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    let before = others(&db, 7).await;
    let out = run(
        &db,
        &d,
        &by_email(7),
        &Action::Rectify(vec![
            ("contacts.tel_mobile".into(), "07 11 22 33 44".into()),
            ("loisirs".into(), "x".into()),
            // Landline and mobile: which one is not guessed (issue 11).
            ("contact.telephone".into(), "07 00 00 00 00".into()),
            ("historique.action".into(), "x".into()),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(out.changed(), 1);
    assert_eq!(
        out.notes[..3],
        [
            "no rectifiable column holds the category « loisirs »",
            "the category « contact.telephone » is held by several columns (contacts.tel_mobile, contacts.tel_fixe): write one of them as table.column = value",
            "table historique is an account of what happened: a rectification never rewrites it",
        ]
    );
    // Her mobile and login, found on her row, reported to be checked, not
    // searched by (C12).
    assert_eq!(
        out.identities_found
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["phone", "account_id"]
    );
    let row = &db.rows("contacts", "tel_fixe, tel_mobile", "id = 7").await[0];
    assert_ne!(
        row[0].as_deref(),
        Some("07 11 22 33 44"),
        "the landline stays"
    );
    assert_eq!(row[1].as_deref(), Some("07 11 22 33 44"));
    run(&db, &d, &by_email(7), &Action::Restrict).await.unwrap();
    run(&db, &d, &by_email(7), &Action::Object).await.unwrap();
    let row = &db
        .rows("contacts", "restreint, opposition_marketing", "id = 7")
        .await[0];
    assert_eq!(row[0].as_deref(), Some("1"));
    assert_eq!(row[1].as_deref(), Some("1"));
    assert_eq!(others(&db, 7).await, before);
    db.drop().await;
}

async fn nothing_is_half_applied(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    let everything = others(&db, -1).await;
    // The record of the outcome fails: the transaction is rolled back.
    let e = execute(
        db.conn().await,
        plan(&d, &by_email(3), &Action::Erase),
        |o| {
            let n = o.changed();
            async move { Err(format!("store down after {n} changes")) }
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ExecError::Record(_)), "{e}");
    assert!(e.to_string().ends_with("nothing was changed"));
    assert_eq!(others(&db, -1).await, everything);
    // The database refuses half-way (contacts deleted while undeclared
    // demandes point at them): the logs deleted first come back.
    let partial = parse_dataset(
        r#"[[table]]
name = "contacts"
primary_key = "id"
erasure = "delete"
  [[table.column]]
  name = "email"
  identity = "email"
[[table]]
name = "journaux"
primary_key = "id"
erasure = "delete"
  [[table.column]]
  name = "contact_id"
  references = "contacts.id"
"#,
    )
    .unwrap();
    let e = run(&db, &partial, &by_email(3), &Action::Erase)
        .await
        .unwrap_err();
    match &e {
        ExecError::Table { table, .. } => assert_eq!(table, "contacts"),
        other => panic!("{other}"),
    }
    assert_eq!(others(&db, -1).await, everything);
    db.drop().await;
}

async fn bad_datasets_and_systems_are_explained(dialect: Dialect) {
    let db = AppDb::new(dialect, 2).await;
    let mut d = dataset();
    d.tables[0].columns[0].name = "courriel".into();
    d.tables[1].columns[0].references = Some("contacts.nom".parse().unwrap());
    d.tables[1].columns[0].name = "contact_id".into();
    let e = run(&db, &d, &by_email(1), &Action::Access)
        .await
        .unwrap_err();
    let ExecError::Live(problems) = &e else {
        panic!("{e}")
    };
    assert!(
        problems.contains(&LiveProblem::MissingColumn {
            table: "contacts".into(),
            column: "courriel".into()
        }),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(
            |p| matches!(p, LiveProblem::TypeMismatch { from, .. } if from == "demandes.contact_id")
        ),
        "{problems:?}"
    );
    let mut d = dataset();
    d.tables[0]
        .columns
        .iter_mut()
        .find(|c| c.name == "nom")
        .unwrap()
        .masking = vigie_domain::dataset::Masking::Null;
    let e = run(&db, &d, &by_email(1), &Action::Erase)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the dataset no longer matches the database: contacts.nom cannot be set to NULL (NOT NULL column): choose another masking"
    );
    db.drop().await;
}

macro_rules! on_every_backend {
    ($($scenario:ident),* $(,)?) => {
        mod postgres { use super::*; $( #[tokio::test] async fn $scenario() { super::$scenario(Dialect::Postgres).await } )* }
        mod mariadb { use super::*; $( #[tokio::test] async fn $scenario() { super::$scenario(Dialect::MySql).await } )* }
        mod sqlite { use super::*; $( #[tokio::test] async fn $scenario() { super::$scenario(Dialect::Sqlite).await } )* }
    };
}

on_every_backend!(
    c27_access_exports_declared_columns_only,
    c27_rectification_writes_only_rectifiable_columns,
    c27_an_identity_matching_several_people_stops_before_anything,
    c27_a_shared_database_is_filtered_per_tenant,
    c15_access_gathers_every_row_of_one_person,
    c23_erasure_anonymises_keeps_history_and_touches_no_one_else,
    c15_rectification_restriction_objection,
    nothing_is_half_applied,
    bad_datasets_and_systems_are_explained,
    c13_the_persons_words_in_undeclared_columns_are_named,
    c15_the_catalogue_gives_primary_and_foreign_keys,
);

/// C15 (issue 18): the guided dataset links tables by the keys the
/// catalogue declares, read the same on the three backends.
async fn c15_the_catalogue_gives_primary_and_foreign_keys(dialect: Dialect) {
    let db = AppDb::new(dialect, 2).await;
    let mut conn = db.conn().await;
    let keys = vigie_connect::Keys::read(&mut conn).await.unwrap();
    conn.close().await;
    for table in [
        "contacts",
        "demandes",
        "historique",
        "journaux",
        "organisations",
    ] {
        assert_eq!(keys.single_primary(table), Some("id"), "{table}: {keys:?}");
    }
    let links: Vec<String> = keys
        .foreign
        .iter()
        .map(|k| format!("{}.{} -> {}", k.table, k.column, k.target))
        .collect();
    for expected in [
        "contacts.organisation_id -> organisations.id",
        "demandes.contact_id -> contacts.id",
        "historique.demande_id -> demandes.id",
        "historique.auteur_id -> contacts.id",
        "journaux.contact_id -> contacts.id",
    ] {
        assert!(links.iter().any(|l| l == expected), "{expected}: {links:?}");
    }
    assert_eq!(links.len(), 5, "{links:?}");
    db.drop().await;
}

/// C13 (issue 18): the person's first name in `demandes.titre`, which the
/// dataset does not declare, is named before the erasure (masked) and
/// again by the erasure, which leaves it; the job title, the log's IP and
/// event, shared by everyone, are not the person's words.
async fn c13_the_persons_words_in_undeclared_columns_are_named(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    let id = (1..=PEOPLE)
        .find(|&i| fixture::person(i).demandes > 1)
        .unwrap();
    let p = fixture::person(id);
    let initial: String = p.prenom.chars().take(1).collect();
    let read = run(&db, &d, &by_email(id), &Action::Access).await.unwrap();
    assert_eq!(read.left.len(), 1, "{:?}", read.left);
    let left = &read.left[0];
    assert_eq!(
        (left.table.as_str(), left.column.as_str()),
        ("demandes", "titre")
    );
    assert_eq!(left.rows, p.demandes as u64);
    assert!(left.stays, "demandes are anonymised, not deleted");
    assert!(
        left.example.starts_with("Demande ")
            && left.example.ends_with(&format!(" de {initial}•••")),
        "{}",
        left.example
    );
    assert!(!left.example.contains(&p.prenom));
    let erased = run(&db, &d, &by_email(id), &Action::Erase).await.unwrap();
    assert_eq!(erased.left, read.left);
    // What was reported is indeed still there.
    assert_eq!(
        db.count(
            "demandes",
            &format!("contact_id = {id} AND titre LIKE '%{}'", p.prenom)
        )
        .await,
        usize::try_from(p.demandes).unwrap()
    );
    // Once the dataset declares the column, nothing is left.
    let declared = parse_dataset(&fixture::DATASET.replace(
        "  [[table.column]]\n  name = \"description\"",
        "  [[table.column]]\n  name = \"titre\"\n  masking = { fixed = \"[effacé]\" }\n\n  [[table.column]]\n  name = \"description\"",
    ))
    .unwrap();
    assert!(
        declared
            .table("demandes")
            .unwrap()
            .columns
            .iter()
            .any(|c| c.name == "titre")
    );
    let other = (1..=PEOPLE)
        .find(|&i| i != id && fixture::person(i).demandes > 0)
        .unwrap();
    let out = run(&db, &declared, &by_email(other), &Action::Erase)
        .await
        .unwrap();
    assert!(out.left.is_empty(), "{:?}", out.left);
    db.drop().await;
}

/// C27: an access export holds the primary key and the declared columns,
/// nothing the DPO did not declare (the job title, the manager, the
/// markers of the contacts table stay out).
async fn c27_access_exports_declared_columns_only(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    let out = run(&db, &d, &by_email(4), &Action::Access).await.unwrap();
    let contacts = out.tables.iter().find(|t| t.table == "contacts").unwrap();
    let declared: Vec<&str> = std::iter::once("id")
        .chain(d.tables[0].columns.iter().map(|c| c.name.as_str()))
        .collect();
    assert_eq!(contacts.columns, declared);
    for undeclared in ["fonction", "superieur_id", "organisation_id", "restreint"] {
        assert!(
            !contacts.columns.iter().any(|c| c == undeclared),
            "{undeclared}"
        );
    }
    assert_eq!(contacts.rows.len(), 1);
    assert_eq!(contacts.rows[0].len(), declared.len());
    db.drop().await;
}

/// C27: a rectification writes only the columns marked rectifiable — a
/// category held by a column that is not (the login) is left alone and
/// said so; a link can never be marked rectifiable.
async fn c27_rectification_writes_only_rectifiable_columns(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    let p = fixture::person(6);
    let before = others(&db, 6).await;
    let out = run(
        &db,
        &d,
        &by_email(6),
        &Action::Rectify(vec![
            ("compte".into(), "admin".into()),
            ("contacts.nom".into(), "Durand".into()),
        ]),
    )
    .await
    .unwrap();
    let row = &db.rows("contacts", "login, nom, prenom", "id = 6").await[0];
    assert_eq!(row[0].as_deref(), Some(p.login.as_str()));
    assert_eq!(row[1].as_deref(), Some("Durand"));
    assert!(
        out.notes.iter().any(|n| n.contains("contacts.login")),
        "{:?}",
        out.notes
    );
    assert_eq!(others(&db, 6).await, before);
    let mut bad = dataset();
    let link = bad.tables[1]
        .columns
        .iter_mut()
        .find(|c| c.name == "contact_id")
        .unwrap();
    link.rectifiable = true;
    link.category = Some("identite".into());
    let e = run(&db, &bad, &by_email(6), &Action::Rectify(vec![]))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("must never write it"), "{e}");
    db.drop().await;
}

/// C27: identities that lead to rows carrying someone else's identity (an
/// email of one person, the phone of another) stop the task before anything
/// is read out or changed; once the agent confirms, it runs.
async fn c27_an_identity_matching_several_people_stops_before_anything(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    let everything = others(&db, -1).await;
    let crowd = Subject {
        identities: vec![
            (IdentityKind::Email, fixture::person(2).email),
            (IdentityKind::Phone, fixture::person(3).mobile),
        ],
    };
    for action in [Action::Access, Action::Erase] {
        let e = run(&db, &d, &crowd, &action).await.unwrap_err();
        let ExecError::Crowd(rows) = &e else {
            panic!("{e}")
        };
        assert!(
            rows.iter().any(|r| r.starts_with("contacts#2 ")),
            "{rows:?}"
        );
        assert!(
            rows.iter().any(|r| r.starts_with("contacts#3 ")),
            "{rows:?}"
        );
        assert!(!e.to_string().contains(&fixture::person(3).email), "{e}");
    }
    assert_eq!(others(&db, -1).await, everything);
    // The same person's phone written another way is not a crowd.
    let p = fixture::person(2);
    let digits: String = p.mobile.chars().filter(char::is_ascii_digit).collect();
    let same = Subject {
        identities: vec![
            (IdentityKind::Email, p.email.to_uppercase()),
            (IdentityKind::Phone, format!("0033{}", &digits[1..])),
        ],
    };
    assert!(run(&db, &d, &same, &Action::Access).await.unwrap().found() > 0);
    let confirmed = Plan {
        confirmed: true,
        ..plan(&d, &crowd, &Action::Access)
    };
    let out = execute(db.conn().await, confirmed, |_| async { Ok(()) })
        .await
        .unwrap();
    assert_eq!(out.tables[0].found, 2);
    // An account number every row shares is a crowd even with no other
    // identity to compare (a dataset that knows only the account).
    let mut c = db.conn().await;
    c.run("UPDATE contacts SET login = 'commun'").await.unwrap();
    c.close().await;
    let shared = Subject {
        identities: vec![(IdentityKind::AccountId, "commun".into())],
    };
    let e = run(&db, &d, &shared, &Action::Erase).await.unwrap_err();
    assert!(e.to_string().contains("contacts: 12 rows match"), "{e}");
    assert_eq!(db.count("contacts", "nom = 'Anonyme'").await, 0);
    db.drop().await;
}

/// C27: on a database shared by several tenants, every statement carries
/// the tenant's row filter: a person of the other organisation is not
/// found, and nothing of theirs changes; a table with identities but no
/// tenant column is refused.
async fn c27_a_shared_database_is_filtered_per_tenant(dialect: Dialect) {
    let db = AppDb::new(dialect, PEOPLE).await;
    let d = dataset();
    // Even ids belong to organisation 1, odd ids to organisation 2.
    let org1 = RowFilter {
        column: "organisation_id".into(),
        value: "1".into(),
    };
    let everything = others(&db, 4).await;
    for (person, found) in [(3, false), (4, true)] {
        let s = by_email(person);
        let p = Plan {
            filter: Some(&org1),
            ..plan(&d, &s, &Action::Erase)
        };
        let out = execute(db.conn().await, p, |_| async { Ok(()) })
            .await
            .unwrap();
        assert_eq!(out.found() > 0, found, "person {person}");
    }
    assert_eq!(others(&db, 4).await, everything);
    let no_column = RowFilter {
        column: "collectivite".into(),
        value: "1".into(),
    };
    let mut c = db.conn().await;
    let e = read_checked(&mut c, &d, Some(&no_column))
        .await
        .unwrap_err();
    c.close().await;
    assert!(
        e.to_string()
            .contains("holds identities but no column collectivite"),
        "{e}"
    );
    db.drop().await;
}
