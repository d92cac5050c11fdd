//! The files of an access or portability export (C15): one JSON document
//! with everything, and one CSV per system and table — structured and
//! machine-readable (Art. 20).

use serde_json::{Map, Value, json};
use vigie_connect::Outcome;

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// A file name made of safe characters only.
fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    out.trim_matches('-').to_owned()
}

/// The CSV file name of a system's table.
pub fn csv_name(system: &str, table: &str) -> String {
    format!("{}-{}.csv", slug(system), slug(table))
}

/// Rows as `[{column: value}]`.
fn objects(columns: &[String], rows: &[Vec<Option<String>>]) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                let obj: Map<String, Value> = columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| (c.clone(), v.clone().map_or(Value::Null, Value::String)))
                    .collect();
                Value::Object(obj)
            })
            .collect(),
    )
}

/// `{systems: {system: {table: [{column: value}]}}, mentions: {…}}`: the
/// person's rows, and apart, the rows of others that name them (only
/// their key and the naming column).
pub fn json(reference: &str, systems: &[(String, Outcome)]) -> ExportFile {
    let mut root = Map::new();
    let mut mentions = Map::new();
    for (name, o) in systems {
        let mut tables = Map::new();
        let mut named = Map::new();
        for t in &o.tables {
            tables.insert(t.table.clone(), objects(&t.columns, &t.rows));
            if !t.mention_rows.is_empty() {
                named.insert(
                    t.table.clone(),
                    objects(&t.mention_columns, &t.mention_rows),
                );
            }
        }
        root.insert(name.clone(), Value::Object(tables));
        if !named.is_empty() {
            mentions.insert(name.clone(), Value::Object(named));
        }
    }
    let doc = json!({ "request": reference, "systems": root, "mentions": mentions });
    ExportFile {
        name: format!("{}.json", slug(reference)),
        content_type: "application/json",
        bytes: serde_json::to_vec_pretty(&doc).unwrap_or_default(),
    }
}

/// A `;`-separated CSV with a BOM, as French spreadsheets expect.
fn csv_file(name: String, columns: &[String], rows: &[Vec<Option<String>>]) -> Option<ExportFile> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let ok = w.write_record(columns).is_ok()
        && rows.iter().all(|r| {
            w.write_record(
                r.iter()
                    .map(|v| vigie_domain::cell::spreadsheet_safe(v.as_deref().unwrap_or(""))),
            )
            .is_ok()
        });
    match (ok, w.into_inner()) {
        (true, Ok(bytes)) => Some(ExportFile {
            name,
            content_type: "text/csv; charset=utf-8",
            bytes,
        }),
        _ => None,
    }
}

/// One CSV per system and table with rows, header first, and one per
/// table with mentions (`…-mentions.csv`).
pub fn csvs(systems: &[(String, Outcome)]) -> Vec<ExportFile> {
    let mut out = Vec::new();
    for (name, o) in systems {
        for t in &o.tables {
            if !t.rows.is_empty() {
                out.extend(csv_file(csv_name(name, &t.table), &t.columns, &t.rows));
            }
            if !t.mention_rows.is_empty() {
                let file = csv_name(name, &format!("{}-mentions", t.table));
                out.extend(csv_file(file, &t.mention_columns, &t.mention_rows));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_connect::TableOutcome;

    fn sample() -> Vec<(String, Outcome)> {
        vec![(
            "Mes demandes".into(),
            Outcome {
                tables: vec![
                    TableOutcome {
                        table: "contacts".into(),
                        found: 1,
                        changed: 0,
                        columns: vec!["id".into(), "nom".into(), "tel".into()],
                        rows: vec![vec![Some("4".into()), Some("Dupré; Éloïse".into()), None]],
                        mentioned: 1,
                        shared: 0,
                        mention_columns: vec!["id".into(), "parrain_id".into()],
                        mention_rows: vec![vec![Some("9".into()), Some("=cmd|x".into())]],
                    },
                    TableOutcome {
                        table: "journaux".into(),
                        ..TableOutcome::default()
                    },
                ],
                notes: vec![],
                identities_found: vec![],
                left: vec![],
            },
        )]
    }

    #[test]
    fn c15_exports_are_json_and_one_csv_per_table() {
        let j = json("2026-0001", &sample());
        assert_eq!(j.name, "2026-0001.json");
        let v: Value = serde_json::from_slice(&j.bytes).unwrap();
        assert_eq!(
            v["systems"]["Mes demandes"]["contacts"][0]["nom"],
            "Dupré; Éloïse"
        );
        assert_eq!(
            v["systems"]["Mes demandes"]["contacts"][0]["tel"],
            Value::Null
        );
        assert_eq!(
            v["mentions"]["Mes demandes"]["contacts"][0]["parrain_id"], "=cmd|x",
            "JSON is not a spreadsheet: as is"
        );
        assert!(v["mentions"]["Mes demandes"]["contacts"][0]["nom"].is_null());
        let c = csvs(&sample());
        assert_eq!(c.len(), 2, "empty tables have no file");
        assert_eq!(c[0].name, "mes-demandes-contacts.csv");
        let text = String::from_utf8(c[0].bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "id;nom;tel\n4;\"Dupré; Éloïse\";\n");
        assert_eq!(c[1].name, "mes-demandes-contacts-mentions.csv");
        let text = String::from_utf8(c[1].bytes[3..].to_vec()).unwrap();
        // A value that a spreadsheet would run is written inert (issue 12).
        assert_eq!(text, "id;parrain_id\n9;'=cmd|x\n");
    }
}
