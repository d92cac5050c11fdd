//! Reading CSV, JSON, JSON Lines and plain text into columns of sample
//! values, and scanning them into a report. Input is bytes already read;
//! a malformed file gets an error that says what and where.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};

use serde::Serialize;

use crate::{
    PiiKind,
    column::{ColumnReport, POSITIONS_MAX, Position, classify_column, classify_rows},
    text,
};

/// Values kept per column: enough for a share, bounded for huge files.
pub const MAX_VALUES: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Json,
    JsonLines,
    Text,
    /// Sampled from a database's tables.
    Database,
}

impl Format {
    /// From the file name, else from the first bytes.
    pub fn detect(name: &str, head: &[u8]) -> Format {
        let lower = name.to_lowercase();
        if lower.ends_with(".csv") || lower.ends_with(".tsv") {
            return Format::Csv;
        }
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            return Format::JsonLines;
        }
        if lower.ends_with(".json") {
            return Format::Json;
        }
        match head.iter().find(|c| !c.is_ascii_whitespace()) {
            Some(b'[') => Format::Json,
            Some(b'{')
                if head.iter().filter(|c| **c == b'\n').count() > 1 && head.starts_with(b"{") =>
            {
                Format::JsonLines
            }
            Some(b'{') => Format::Json,
            _ => Format::Text,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("CSV, line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("cannot read: {0}")]
    Io(String),
    #[error("JSON, line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
}

/// Columns (or JSON paths) and their sampled values.
#[derive(Debug, Default)]
pub struct Columns(pub BTreeMap<String, Vec<String>>);

impl Columns {
    fn push(&mut self, column: &str, value: String) {
        let v = self.0.entry(column.to_owned()).or_default();
        if v.len() < MAX_VALUES {
            v.push(value);
        }
    }
}

/// The most frequent of `;`, `,` and tab on the first line: French
/// spreadsheets export with semicolons.
fn delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|c| *c == b'\n').next().unwrap_or_default();
    [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| first.iter().filter(|c| *c == d).count())
        .unwrap_or(b',')
}

/// A table read as it comes: only its first `MAX_VALUES` rows are kept,
/// so reading stops there (a large export is not read to its end).
fn csv_columns_from(delimiter: u8, from: impl Read) -> Result<Columns, ReadError> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(from);
    let err = |e: csv::Error| ReadError::Csv {
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    };
    let headers: Vec<String> = r
        .byte_headers()
        .map_err(err)?
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = String::from_utf8_lossy(h).trim().to_owned();
            if h.is_empty() {
                format!("column {}", i + 1)
            } else {
                h
            }
        })
        .collect();
    let mut cols = Columns::default();
    for rec in r.byte_records().take(MAX_VALUES) {
        let rec = rec.map_err(err)?;
        for (h, v) in headers.iter().zip(rec.iter()) {
            cols.push(h, String::from_utf8_lossy(v).into_owned());
        }
    }
    Ok(cols)
}

fn json_err(e: &serde_json::Error, line_offset: usize) -> ReadError {
    ReadError::Json {
        line: e.line() + line_offset,
        column: e.column(),
        message: e.to_string(),
    }
}

/// Collects scalar values under their path: `$.contacts[].email`. Depth
/// is bounded so a hostile file cannot exhaust the stack.
fn walk(v: &serde_json::Value, path: &mut String, cols: &mut Columns, depth: usize) {
    use serde_json::Value;
    if depth > 64 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                walk(child, path, cols, depth + 1);
                path.truncate(len);
            }
        }
        Value::Array(a) => {
            let len = path.len();
            path.push_str("[]");
            for child in a {
                walk(child, path, cols, depth + 1);
            }
            path.truncate(len);
        }
        Value::String(s) => cols.push(path, s.clone()),
        Value::Number(n) => cols.push(path, n.to_string()),
        Value::Bool(_) | Value::Null => {}
    }
}

pub fn json_columns(bytes: &[u8]) -> Result<Columns, ReadError> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| json_err(&e, 0))?;
    let mut cols = Columns::default();
    walk(&v, &mut "$".to_owned(), &mut cols, 0);
    Ok(cols)
}

/// JSON Lines read line by line: one object in memory at a time.
fn json_lines_columns_from(from: impl BufRead) -> Result<Columns, ReadError> {
    let mut cols = Columns::default();
    for (i, line) in from.split(b'\n').enumerate() {
        let line = line.map_err(|e| ReadError::Io(e.to_string()))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&line).map_err(|e| json_err(&e, i))?;
        walk(&v, &mut "$".to_owned(), &mut cols, 0);
    }
    Ok(cols)
}

/// What a scan of one source found.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    pub source: String,
    pub format: Format,
    pub findings: Vec<ColumnReport>,
}

/// Scans free text: one finding per kind, with its count and where its
/// first matches are (line and byte offset).
pub fn text_report(source: &str, text_content: &str) -> SourceReport {
    TextTally::of_piece(text_content, 0, 1).report(source)
}

/// What a piece of a text holds — by kind: the matches, the first one
/// masked, where the first ones are — so that a large text is read in
/// pieces cut at line ends (no match spans a line end), tallied apart, on
/// several cores, and merged in order: the same report as the whole text,
/// in bounded memory (issue 19).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextTally {
    by_kind: BTreeMap<PiiKind, (usize, String, Vec<Position>)>,
    lines: usize,
}

impl TextTally {
    /// Tallies `piece`, which starts at byte `offset` of the text, on its
    /// line `line` (from 1).
    pub fn of_piece(piece: &str, offset: usize, line: usize) -> TextTally {
        let mut by_kind: BTreeMap<PiiKind, (usize, String, Vec<Position>)> = BTreeMap::new();
        // Where each line starts, to name a match's line.
        let starts: Vec<usize> = std::iter::once(0)
            .chain(piece.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        for f in text::scan(piece)
            .into_iter()
            .chain(crate::prose::scan(piece))
        {
            let e = by_kind
                .entry(f.kind)
                .or_insert((0, String::new(), Vec::new()));
            e.0 += 1;
            if e.1.is_empty() {
                e.1 = text::mask(&piece[f.start..f.end]);
            }
            if e.2.len() < POSITIONS_MAX {
                e.2.push(Position::Text {
                    line: line - 1 + starts.partition_point(|s| *s <= f.start),
                    offset: offset + f.start,
                });
            }
        }
        for (_, _, at) in by_kind.values_mut() {
            // Names and identifiers come from two passes: in text order.
            at.sort_by_key(|p| match p {
                Position::Text { offset, .. } => *offset,
                Position::Row { row } => *row,
            });
        }
        TextTally {
            by_kind,
            lines: piece.lines().count(),
        }
    }

    /// Adds the tally of the piece that follows.
    pub fn merge(&mut self, later: TextTally) {
        self.lines += later.lines;
        for (kind, (n, example, at)) in later.by_kind {
            let e = self
                .by_kind
                .entry(kind)
                .or_insert((0, String::new(), Vec::new()));
            e.0 += n;
            if e.1.is_empty() {
                e.1 = example;
            }
            let room = POSITIONS_MAX.saturating_sub(e.2.len());
            e.2.extend(at.into_iter().take(room));
        }
    }

    pub fn report(self, source: &str) -> SourceReport {
        let lines = self.lines;
        SourceReport {
            source: source.to_owned(),
            format: Format::Text,
            findings: self
                .by_kind
                .into_iter()
                .map(|(kind, (matched, example, at))| ColumnReport {
                    column: "(text)".into(),
                    kind,
                    sampled: lines,
                    matched,
                    confidence: if kind.checksummed() { 0.95 } else { 0.85 },
                    example,
                    evidence: "values",
                    minors: 0,
                    at,
                })
                .collect(),
        }
    }
}

/// Scans a table or JSON Lines as it is read — `head` already read, the
/// rest from `rest` — in bounded memory (issue 19); a JSON document or a
/// text is read whole and scanned as `scan_bytes` does.
pub fn scan_reader(
    source: &str,
    format: Format,
    head: &[u8],
    rest: impl Read,
) -> Result<SourceReport, ReadError> {
    let cols = match format {
        Format::Csv => csv_columns_from(delimiter(head), head.chain(rest))?,
        Format::JsonLines => json_lines_columns_from(std::io::BufReader::new(head.chain(rest)))?,
        _ => {
            let mut bytes = head.to_vec();
            let mut rest = rest;
            rest.read_to_end(&mut bytes)
                .map_err(|e| ReadError::Io(e.to_string()))?;
            return scan_bytes(source, format, &bytes);
        }
    };
    Ok(report_of(source, format, &cols))
}

/// Scans a file's bytes in the given format.
pub fn scan_bytes(source: &str, format: Format, bytes: &[u8]) -> Result<SourceReport, ReadError> {
    let cols = match format {
        Format::Text => return Ok(text_report(source, &String::from_utf8_lossy(bytes))),
        Format::Csv | Format::JsonLines => {
            return scan_reader(source, format, bytes, std::io::empty());
        }
        Format::Json => json_columns(bytes)?,
        Format::Database => Columns::default(),
    };
    Ok(report_of(source, format, &cols))
}

/// The findings of each column; in a table, where: every record has every
/// field, so a value's place is its row.
fn report_of(source: &str, format: Format, cols: &Columns) -> SourceReport {
    SourceReport {
        source: source.to_owned(),
        format,
        findings: cols
            .0
            .iter()
            .flat_map(|(name, values)| {
                let values = values.iter().map(String::as_str);
                if format == Format::Csv {
                    classify_rows(name, values)
                } else {
                    classify_column(name, values)
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19: a text cut at any line end, its pieces tallied apart and
    /// merged, gives the report of the whole text.
    #[test]
    fn a_text_cut_at_every_line_end_gives_the_same_report() {
        let text = "Bonjour,\nJe suis Yann Dupré, né le 12/03/1984.\nMon courriel : yann@mairie.fr, tél. 06 12 34 56 78.\n\
                    IBAN FR76 3000 6000 0112 3456 7890 189\nNIR 1 84 12 75 123 456 78\n\
                    Écrire à Éloïse Le Gall, 12 rue des Lilas 39000 Lons-le-Saunier\ncarte 4970 1012 3456 7890\n";
        let whole = TextTally::of_piece(text, 0, 1);
        assert!(whole.by_kind.len() >= 4, "{whole:?}");
        let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        for &cut in &ends {
            let line = text[..cut].matches('\n').count() + 1;
            let mut merged = TextTally::of_piece(&text[..cut], 0, 1);
            merged.merge(TextTally::of_piece(&text[cut..], cut, line));
            assert_eq!(merged, whole, "cut at byte {cut}");
        }
        // And in as many pieces as lines.
        let mut pieces = TextTally::default();
        let mut from = 0;
        for (n, &end) in ends.iter().enumerate() {
            pieces.merge(TextTally::of_piece(&text[from..end], from, n + 1));
            from = end;
        }
        assert_eq!(pieces, whole);
    }

    /// Issue 19: a table is read as it comes and no further than the
    /// rows it keeps; what is read is what a whole read finds.
    #[test]
    fn a_table_is_read_as_it_comes_and_no_further_than_kept() {
        let mut csv = String::from("id;courriel\n");
        for i in 0..MAX_VALUES + 500 {
            csv.push_str(&format!("{i};p{i}@mairie.fr\n"));
        }
        let whole = scan_bytes("t.csv", Format::Csv, csv.as_bytes()).unwrap();
        // A broken row past the rows kept is never read.
        let broken = format!("{csv}1;2;3;4\n");
        let (head, rest) = broken.as_bytes().split_at(4096);
        let streamed = scan_reader("t.csv", Format::Csv, head, rest).unwrap();
        assert_eq!(
            serde_json::to_value(&streamed).unwrap(),
            serde_json::to_value(&whole).unwrap()
        );
        let email = &streamed.findings[0];
        assert_eq!((email.kind, email.sampled), (PiiKind::Email, MAX_VALUES));
        // JSON Lines, line by line: the same as read whole.
        let lines: String = (0..300)
            .map(|i| format!("{{\"contact\": {{\"mail\": \"p{i}@mairie.fr\"}}}}\n"))
            .collect();
        let (head, rest) = lines.as_bytes().split_at(100);
        assert_eq!(
            serde_json::to_value(scan_reader("t.jsonl", Format::JsonLines, head, rest).unwrap())
                .unwrap(),
            serde_json::to_value(
                scan_bytes("t.jsonl", Format::JsonLines, lines.as_bytes()).unwrap()
            )
            .unwrap()
        );
    }

    #[test]
    fn findings_say_where_they_are() {
        let text =
            "Rapport\nContact : eloise@mairie.fr\n\nRappeler yann@mairie.fr ou eloise@mairie.fr\n";
        let r = text_report("notes.txt", text);
        let email = r
            .findings
            .iter()
            .find(|f| f.kind == PiiKind::Email)
            .unwrap();
        assert_eq!(email.matched, 3);
        let first = text.find("eloise").unwrap();
        let second = text.find("yann").unwrap();
        assert_eq!(
            email.at[..2],
            [
                Position::Text {
                    line: 2,
                    offset: first
                },
                Position::Text {
                    line: 4,
                    offset: second
                }
            ]
        );
        let json = serde_json::to_value(email).unwrap();
        assert_eq!(
            json["at"][0],
            serde_json::json!({"line": 2, "offset": first})
        );
        // A table: the data rows, header left out.
        let csv = "id;courriel\n1;\n2;a@b.fr\n3;\n4;c@d.fr\n";
        let r = scan_bytes("t.csv", Format::Csv, csv.as_bytes()).unwrap();
        let col = r
            .findings
            .iter()
            .find(|f| f.kind == PiiKind::Email)
            .unwrap();
        assert_eq!(col.at, [Position::Row { row: 2 }, Position::Row { row: 4 }]);
        // At most so many, however many there are.
        let many = "x@y.fr\n".repeat(POSITIONS_MAX + 50);
        let r = text_report("many.txt", &many);
        assert_eq!(r.findings[0].matched, POSITIONS_MAX + 50);
        assert_eq!(r.findings[0].at.len(), POSITIONS_MAX);
    }

    #[test]
    fn csv_with_semicolons_and_french_names() {
        let csv = "nom;prenom;courriel;tel;montant\nDupré;Éloïse;eloise@mairie.fr;06 12 34 56 78;12,50\nLe Gall;Yann;yann@mairie.fr;0698765432;3\n";
        let r = scan_bytes(
            "agents.csv",
            Format::detect("agents.csv", csv.as_bytes()),
            csv.as_bytes(),
        )
        .unwrap();
        let kinds: Vec<(&str, PiiKind)> = r
            .findings
            .iter()
            .map(|f| (f.column.as_str(), f.kind))
            .collect();
        assert!(kinds.contains(&("courriel", PiiKind::Email)), "{kinds:?}");
        assert!(kinds.contains(&("tel", PiiKind::Phone)), "{kinds:?}");
        assert!(kinds.contains(&("nom", PiiKind::PersonName)), "{kinds:?}");
        assert!(!kinds.iter().any(|(c, _)| *c == "montant"));
        assert!(r.findings.iter().all(|f| !f.example.contains("eloise")));
    }

    #[test]
    fn json_paths_and_lines() {
        let j = br#"{"contacts":[{"email":"a@b.fr","phone":"+33 6 12 34 56 78"},{"email":"c@d.fr","phone":"0612345678"}]}"#;
        let r = scan_bytes("x.json", Format::Json, j).unwrap();
        assert!(
            r.findings
                .iter()
                .any(|f| f.column == "$.contacts[].email" && f.kind == PiiKind::Email)
        );
        let l = b"{\"ip\":\"10.0.0.1\"}\n{\"ip\":\"10.0.0.2\"}\n";
        let r = scan_bytes("x.jsonl", Format::detect("x.jsonl", l), l).unwrap();
        assert_eq!(r.findings[0].kind, PiiKind::Ipv4);
    }

    #[test]
    fn malformed_files_say_where() {
        let bad = b"a,b\n1,2\n3\n";
        assert!(matches!(
            scan_bytes("bad.csv", Format::Csv, bad),
            Err(ReadError::Csv { line: 3, .. })
        ));
        let bad = b"{\"a\": 1,\n \"b\": }";
        let e = json_columns(bad).unwrap_err();
        assert!(matches!(e, ReadError::Json { line: 2, .. }), "{e}");
        let bad = b"{\"a\":1}\n{oops}\n";
        assert!(matches!(
            scan_bytes("bad.jsonl", Format::JsonLines, bad),
            Err(ReadError::Json { line: 2, .. })
        ));
    }

    #[test]
    fn readers_never_panic_on_noise() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in [0usize, 1, 2, 5, 17, 100, 1000] {
            for _ in 0..300 {
                let v: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        b"{}[]\",:;\n\\ 0123456789@.abcFR+-\xc3\xa9\xff"[(x % 32) as usize]
                    })
                    .collect();
                for f in [Format::Csv, Format::Json, Format::JsonLines, Format::Text] {
                    let _ = scan_bytes("noise", f, &v);
                }
            }
        }
        // Deep nesting is bounded, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let _ = scan_bytes("deep", Format::Json, deep.as_bytes());
    }
}
