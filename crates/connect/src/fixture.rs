//! A fictitious application database shaped like the "Mes demandes" portal
//! of seed 002 (organisations, contacts, requests, their history, logs), in
//! the three dialects, with its dataset. Used by the demo, the tests and the
//! benchmarks; every person is invented.

/// The tables, with the foreign keys and indexes a real application has.
pub fn schema() -> &'static str {
    "CREATE TABLE organisations (id INTEGER PRIMARY KEY, nom VARCHAR(200) NOT NULL);
     CREATE TABLE contacts (
        id INTEGER PRIMARY KEY, organisation_id INTEGER, nom VARCHAR(100) NOT NULL,
        prenom VARCHAR(100) NOT NULL, email VARCHAR(200) NOT NULL, tel_fixe VARCHAR(30),
        tel_mobile VARCHAR(30), fonction VARCHAR(100), superieur_id INTEGER, login VARCHAR(100),
        date_naissance DATE, restreint INTEGER NOT NULL DEFAULT 0,
        opposition_marketing INTEGER NOT NULL DEFAULT 0,
        FOREIGN KEY (organisation_id) REFERENCES organisations(id));
     CREATE INDEX contacts_email ON contacts(email);
     CREATE INDEX contacts_mobile ON contacts(tel_mobile);
     CREATE TABLE demandes (
        id INTEGER PRIMARY KEY, contact_id INTEGER NOT NULL, titre VARCHAR(200) NOT NULL,
        description TEXT, statut VARCHAR(20) NOT NULL, cree_le DATE NOT NULL,
        FOREIGN KEY (contact_id) REFERENCES contacts(id));
     CREATE INDEX demandes_contact ON demandes(contact_id);
     CREATE TABLE historique (
        id INTEGER PRIMARY KEY, demande_id INTEGER NOT NULL, auteur_id INTEGER,
        action VARCHAR(200) NOT NULL, le DATE NOT NULL,
        FOREIGN KEY (demande_id) REFERENCES demandes(id),
        FOREIGN KEY (auteur_id) REFERENCES contacts(id));
     CREATE INDEX historique_demande ON historique(demande_id);
     CREATE INDEX historique_auteur ON historique(auteur_id);
     CREATE TABLE journaux (
        id INTEGER PRIMARY KEY, contact_id INTEGER, ip VARCHAR(45), evenement VARCHAR(100),
        le DATE NOT NULL, FOREIGN KEY (contact_id) REFERENCES contacts(id));
     CREATE INDEX journaux_contact ON journaux(contact_id);"
}

/// The dataset of this database, in the form a DPO writes.
pub const DATASET: &str = r#"# « Mes demandes » — contacts, demandes, historique, journaux
[[table]]
name = "contacts"
primary_key = "id"
erasure = "anonymise"
restrict = { column = "restreint", value = "1" }
object = { column = "opposition_marketing", value = "1" }

  [[table.column]]
  name = "email"
  category = "contact.email"
  rectifiable = true
  identity = "email"
  masking = "keyed_hash"

  [[table.column]]
  name = "tel_mobile"
  category = "contact.telephone"
  rectifiable = true
  identity = "phone"
  masking = "fake"

  [[table.column]]
  name = "tel_fixe"
  category = "contact.telephone"
  rectifiable = true
  masking = "null"

  [[table.column]]
  name = "nom"
  category = "identite"
  rectifiable = true
  masking = { fixed = "Anonyme" }

  [[table.column]]
  name = "prenom"
  category = "identite"
  rectifiable = true
  masking = { fixed = "Anonyme" }

  [[table.column]]
  name = "login"
  category = "compte"
  identity = "account_id"
  masking = "keyed_hash"

  [[table.column]]
  name = "date_naissance"
  category = "identite.naissance"
  masking = "year_only"

[[table]]
name = "demandes"
primary_key = "id"
erasure = "anonymise"

  [[table.column]]
  name = "contact_id"
  references = "contacts.id"

  [[table.column]]
  name = "description"
  category = "demande.contenu"
  masking = { fixed = "[effacé]" }

[[table]]
name = "historique"
primary_key = "id"
erasure = "anonymise"
history = true

  [[table.column]]
  name = "demande_id"
  references = "demandes.id"

[[table]]
name = "journaux"
primary_key = "id"
erasure = "delete"

  [[table.column]]
  name = "contact_id"
  references = "contacts.id"

  [[table.column]]
  name = "ip"
  category = "connexion.ip"
"#;

const FIRST: &[&str] = &[
    "Éloïse", "Yann", "Awa", "Théo", "Maëlys", "Lucas", "Inès", "Hugo", "Chloé", "Nathan", "Léa",
    "Jules",
];
const LAST: &[&str] = &[
    "Dupré", "Le Gall", "N'Diaye", "Martin", "Bernard", "Lefèvre", "Moreau", "Garnier", "Roux",
    "Faure", "Girard", "Mercier",
];

/// A fictitious person of the fixture, numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub prenom: String,
    pub nom: String,
    pub email: String,
    pub mobile: String,
    pub login: String,
    /// How many requests ("demandes") they filed.
    pub demandes: i64,
}

pub fn person(id: i64) -> Person {
    let i = usize::try_from(id).unwrap_or(0);
    let prenom = FIRST[i % FIRST.len()].to_owned();
    let nom = LAST[(i / FIRST.len()) % LAST.len()].to_owned();
    let ascii: String = format!("{prenom}.{nom}")
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ë' => 'e',
            'ï' => 'i',
            ' ' | '\'' => '-',
            c => c,
        })
        .collect();
    Person {
        id,
        email: format!("{ascii}.{id}@exemple-mairie.fr"),
        mobile: format!(
            "06 {:02} {:02} {:02} {:02}",
            (id / 1_000_000) % 100,
            (id / 10_000) % 100,
            (id / 100) % 100,
            id % 100
        ),
        login: format!("u{id:06}"),
        demandes: id % 3 + 1,
        prenom,
        nom,
    }
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Statements inserting people `1..=count` with their requests (two
/// history lines each, the second by person 1, an agent) and three log
/// lines each; ids are derived from the person's id, so runs are
/// repeatable. One multi-row INSERT per table per 200 people.
pub fn people(count: i64) -> Vec<String> {
    let mut out = vec!["INSERT INTO organisations (id, nom) VALUES (1, 'Commune de Foncine-le-Haut'), (2, 'SIDEC du Jura')".to_owned()];
    let mut start = 1;
    while start <= count {
        let end = (start + 199).min(count);
        let (mut c, mut d, mut h, mut j) = (vec![], vec![], vec![], vec![]);
        for id in start..=end {
            let p = person(id);
            c.push(format!(
                "({id}, {}, {}, {}, {}, {}, {}, 'Secrétaire de mairie', NULL, {}, '19{:02}-0{}-1{}')",
                1 + id % 2,
                lit(&p.nom),
                lit(&p.prenom),
                lit(&p.email),
                lit(&format!("03 84 {:02} {:02} {:02}", id % 100, (id / 100) % 100, 7)),
                lit(&p.mobile),
                lit(&p.login),
                50 + id % 49,
                1 + id % 9,
                id % 10,
            ));
            for k in 0..p.demandes {
                let did = id * 10 + k;
                d.push(format!(
                    "({did}, {id}, {}, {}, 'ouverte', '2026-0{}-15')",
                    lit(&format!("Demande {k} de {}", p.prenom)),
                    lit(&format!(
                        "Bonjour, je suis {} {}, merci de rappeler au {}.",
                        p.prenom, p.nom, p.mobile
                    )),
                    1 + k % 9
                ));
                h.push(format!(
                    "({}, {did}, {id}, 'création', '2026-01-15')",
                    did * 10
                ));
                h.push(format!(
                    "({}, {did}, 1, 'prise en charge', '2026-01-16')",
                    did * 10 + 1
                ));
            }
            for k in 0..3 {
                j.push(format!(
                    "({}, {id}, '192.0.2.{}', 'connexion', '2026-02-0{}')",
                    id * 10 + k,
                    id % 250,
                    k + 1
                ));
            }
        }
        out.push(format!("INSERT INTO contacts (id, organisation_id, nom, prenom, email, tel_fixe, tel_mobile, fonction, superieur_id, login, date_naissance) VALUES {}", c.join(", ")));
        out.push(format!(
            "INSERT INTO demandes (id, contact_id, titre, description, statut, cree_le) VALUES {}",
            d.join(", ")
        ));
        out.push(format!(
            "INSERT INTO historique (id, demande_id, auteur_id, action, le) VALUES {}",
            h.join(", ")
        ));
        out.push(format!(
            "INSERT INTO journaux (id, contact_id, ip, evenement, le) VALUES {}",
            j.join(", ")
        ));
        start = end + 1;
    }
    out
}

/// Creates the fixture's tables and `people` people in the (empty)
/// database at `url`.
pub async fn install(url: &str, people: i64) -> Result<(), String> {
    let mut c = crate::Conn::open(url).await?;
    let mut result = c.run(schema()).await.map_err(|e| e.to_string());
    if result.is_ok() {
        for s in self::people(people) {
            if let Err(e) = c.run(&s).await {
                result = Err(e.to_string());
                break;
            }
        }
    }
    c.close().await;
    result
}

/// Servers the tests and benchmarks create their databases on: named,
/// the machine's, or throwaway ones (`vigie_testservers`).
pub fn admin_url(dialect: crate::Dialect) -> String {
    match dialect {
        crate::Dialect::Postgres => {
            vigie_testservers::admin_url(vigie_testservers::Server::Postgres)
        }
        crate::Dialect::MySql => vigie_testservers::admin_url(vigie_testservers::Server::MariaDb),
        crate::Dialect::Sqlite => "sqlite://".into(),
    }
}

/// A new empty database named `name` (letters, digits, `_`); returns its
/// URL. SQLite databases are files in the temporary directory.
pub async fn create_database(dialect: crate::Dialect, name: &str) -> Result<String, String> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("bad database name {name}"));
    }
    let admin = admin_url(dialect);
    match dialect {
        crate::Dialect::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            std::fs::File::create(&path).map_err(|e| e.to_string())?;
            return Ok(format!("sqlite://{}", path.display()));
        }
        _ => {
            let mut c = crate::Conn::open(&admin).await?;
            let r = c.run(&format!("CREATE DATABASE {name}")).await;
            c.close().await;
            r.map_err(|e| e.to_string())?;
        }
    }
    Ok(match dialect {
        crate::Dialect::Postgres => {
            format!(
                "{}/{name}",
                admin.rsplit_once('/').map_or(admin.as_str(), |(a, _)| a)
            )
        }
        _ => format!("{admin}/{name}").replacen("mysql:", "mariadb:", 1),
    })
}

/// Drops a database made by `create_database`.
pub async fn drop_database(dialect: crate::Dialect, name: &str, url: &str) -> Result<(), String> {
    let sql = match dialect {
        crate::Dialect::Sqlite => {
            let _ = std::fs::remove_file(url.trim_start_matches("sqlite://"));
            return Ok(());
        }
        crate::Dialect::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        crate::Dialect::MySql => format!("DROP DATABASE IF EXISTS {name}"),
    };
    let mut c = crate::Conn::open(&admin_url(dialect)).await?;
    let r = c.run(&sql).await.map_err(|e| e.to_string());
    c.close().await;
    r
}
