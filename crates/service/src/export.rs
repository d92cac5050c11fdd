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

/// `{system: {table: [{column: value}]}}`.
pub fn json(reference: &str, systems: &[(String, Outcome)]) -> ExportFile {
    let mut root = Map::new();
    for (name, o) in systems {
        let mut tables = Map::new();
        for t in &o.tables {
            let rows: Vec<Value> = t
                .rows
                .iter()
                .map(|r| {
                    let obj: Map<String, Value> = t
                        .columns
                        .iter()
                        .zip(r)
                        .map(|(c, v)| (c.clone(), v.clone().map_or(Value::Null, Value::String)))
                        .collect();
                    Value::Object(obj)
                })
                .collect();
            tables.insert(t.table.clone(), Value::Array(rows));
        }
        root.insert(name.clone(), Value::Object(tables));
    }
    let doc = json!({ "request": reference, "systems": root });
    ExportFile {
        name: format!("{}.json", slug(reference)),
        content_type: "application/json",
        bytes: serde_json::to_vec_pretty(&doc).unwrap_or_default(),
    }
}

/// One CSV per system and table with rows, header first; `;`-separated
/// with a BOM, as French spreadsheets expect.
pub fn csvs(systems: &[(String, Outcome)]) -> Vec<ExportFile> {
    let mut out = Vec::new();
    for (name, o) in systems {
        for t in o.tables.iter().filter(|t| !t.rows.is_empty()) {
            let mut w = csv::WriterBuilder::new()
                .delimiter(b';')
                .from_writer(vec![0xEF, 0xBB, 0xBF]);
            let ok = w.write_record(&t.columns).is_ok()
                && t.rows.iter().all(|r| {
                    w.write_record(r.iter().map(|v| v.as_deref().unwrap_or("")))
                        .is_ok()
                });
            if let (true, Ok(bytes)) = (ok, w.into_inner()) {
                out.push(ExportFile {
                    name: csv_name(name, &t.table),
                    content_type: "text/csv; charset=utf-8",
                    bytes,
                });
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
                    },
                    TableOutcome {
                        table: "journaux".into(),
                        ..TableOutcome::default()
                    },
                ],
                notes: vec![],
                identities_added: vec![],
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
        let c = csvs(&sample());
        assert_eq!(c.len(), 1, "empty tables have no file");
        assert_eq!(c[0].name, "mes-demandes-contacts.csv");
        let text = String::from_utf8(c[0].bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "id;nom;tel\n4;\"Dupré; Éloïse\";\n");
    }
}
