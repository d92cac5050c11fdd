//! Reading CSV, JSON, JSON Lines and plain text into columns of sample
//! values, and scanning them into a report. Input is bytes already read;
//! a malformed file gets an error that says what and where.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};

use serde::Serialize;

use crate::{
    PiiKind,
    column::{ColumnReport, POSITIONS_MAX, Position, classify_rows},
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

/// Columns (or JSON paths) and their sampled values, each with its row
/// (`Position::Row`).
#[derive(Debug, Default)]
pub struct Columns(pub BTreeMap<String, Vec<(usize, String)>>);

impl Columns {
    fn push(&mut self, column: &str, row: usize, value: String) {
        let v = self.0.entry(column.to_owned()).or_default();
        if v.len() < MAX_VALUES {
            v.push((row, value));
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
    for (i, rec) in r.byte_records().take(MAX_VALUES).enumerate() {
        let rec = rec.map_err(err)?;
        for (h, v) in headers.iter().zip(rec.iter()) {
            cols.push(h, i + 1, String::from_utf8_lossy(v).into_owned());
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

/// Collects scalar values under their path (`$.contacts[].email`) as
/// the JSON is read, without building the document: a JSON file of any
/// size is walked in the memory of the values kept (issue 19). Depth is
/// bounded (serde_json refuses past 128 levels; values past 64 are not
/// collected) so a hostile file cannot exhaust the stack.
struct Walk<'a> {
    path: &'a mut String,
    cols: &'a mut Columns,
    depth: usize,
    /// The record the values belong to (see `Position::Row`).
    row: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.depth > 64 {
            return <serde::de::IgnoredAny as serde::Deserialize>::deserialize(d).map(|_| ());
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            let len = self.path.len();
            self.path.push('.');
            self.path.push_str(&k);
            m.next_value_seed(Walk {
                path: self.path,
                cols: self.cols,
                depth: self.depth + 1,
                row: self.row,
            })?;
            self.path.truncate(len);
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        let len = self.path.len();
        self.path.push_str("[]");
        let mut i = 0;
        while a
            .next_element_seed(Walk {
                path: self.path,
                cols: self.cols,
                depth: self.depth + 1,
                // A document's top-level array holds its records.
                row: if self.depth == 0 { i + 1 } else { self.row },
            })?
            .is_some()
        {
            i += 1;
        }
        self.path.truncate(len);
        Ok(())
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.cols.push(self.path, self.row, v.to_owned());
        Ok(())
    }

    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.cols.push(self.path, self.row, v);
        Ok(())
    }

    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.cols.push(self.path, self.row, v.to_string());
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.cols.push(self.path, self.row, v.to_string());
        Ok(())
    }

    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        if let Some(n) = serde_json::Number::from_f64(v) {
            self.cols.push(self.path, self.row, n.to_string());
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Walks one JSON value from `de` into `cols`, then checks nothing follows.
fn walk_json<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    cols: &mut Columns,
    line_offset: usize,
) -> Result<(), ReadError> {
    use serde::de::DeserializeSeed;
    let mut path = "$".to_owned();
    Walk {
        path: &mut path,
        cols,
        depth: 0,
        // JSON Lines: the line; a document: 1 unless an array's element.
        row: line_offset + 1,
    }
    .deserialize(&mut de)
    .and_then(|()| de.end())
    .map_err(|e| json_err(&e, line_offset))
}

/// A JSON document read as it comes, in the memory of the values kept.
fn json_columns_from(from: impl Read) -> Result<Columns, ReadError> {
    let mut cols = Columns::default();
    let from = std::io::BufReader::with_capacity(1 << 16, from);
    walk_json(serde_json::Deserializer::from_reader(from), &mut cols, 0)?;
    Ok(cols)
}

/// JSON Lines read line by line: one line in memory at a time.
fn json_lines_columns_from(from: impl BufRead) -> Result<Columns, ReadError> {
    let mut cols = Columns::default();
    for (i, line) in from.split(b'\n').enumerate() {
        let line = line.map_err(|e| ReadError::Io(e.to_string()))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        walk_json(serde_json::Deserializer::from_slice(&line), &mut cols, i)?;
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
        let found = text::scan(piece);
        // An address such as "camille.martin@…" is also its person's name.
        let named = found
            .iter()
            .filter(|f| {
                f.kind == PiiKind::Email && crate::prose::name_in_email(&piece[f.start..f.end])
            })
            .map(|f| text::Finding {
                kind: PiiKind::PersonName,
                ..*f
            })
            .collect::<Vec<_>>();
        for f in found
            .into_iter()
            .chain(named)
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
                // Its line is counted below.
                e.2.push(Position::Text {
                    line,
                    offset: offset + f.start,
                });
            }
        }
        let text_offset = |p: &Position| match p {
            Position::Text { offset, .. } => *offset,
            _ => 0,
        };
        // The lines of the positions kept, counted in one pass over the
        // piece (a table of every line's start cost a twentieth of the
        // scan on short lines).
        let mut kept: Vec<&mut Position> = by_kind
            .values_mut()
            .flat_map(|(_, _, at)| at.iter_mut())
            .collect();
        kept.sort_by_key(|p| text_offset(p));
        let (mut counted, mut newlines) = (0, 0);
        for p in kept {
            if let Position::Text {
                line: at_line,
                offset: at,
            } = p
            {
                let to = *at - offset;
                newlines += memchr::memchr_iter(b'\n', &piece.as_bytes()[counted..to]).count();
                counted = to;
                *at_line = line + newlines;
            }
        }
        for (_, _, at) in by_kind.values_mut() {
            // Names and identifiers come from two passes: in text order.
            at.sort_by_key(text_offset);
        }
        // As `str::lines` counts: a last line without its end counts too.
        let ends = memchr::memchr_iter(b'\n', piece.as_bytes()).count();
        let lines = match piece.as_bytes().last() {
            None => 0,
            Some(b'\n') => ends,
            Some(_) => ends + 1,
        };
        TextTally { by_kind, lines }
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

/// Scans a table, a JSON document or JSON Lines as it is read — `head`
/// already read, the rest from `rest` — in bounded memory (issue 19); a
/// text given here is read whole (the binary reads large texts in pieces,
/// `TextTally`).
pub fn scan_reader(
    source: &str,
    format: Format,
    head: &[u8],
    rest: impl Read,
) -> Result<SourceReport, ReadError> {
    let cols = match format {
        Format::Csv => csv_columns_from(delimiter(head), head.chain(rest))?,
        Format::JsonLines => json_lines_columns_from(std::io::BufReader::new(head.chain(rest)))?,
        Format::Json => json_columns_from(head.chain(rest))?,
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
        Format::Csv | Format::JsonLines | Format::Json => {
            return scan_reader(source, format, bytes, std::io::empty());
        }
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
                classify_rows(name, values.iter().map(|(row, v)| (*row, v.as_str())))
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

    /// Issue 19, item 4: an address made of a first name and a surname is
    /// also that person's name, at the address's place; "contact@" is not.
    #[test]
    fn c39_an_address_naming_its_person_counts_as_a_name() {
        let t = "Écrire à camille.martin@mairie.fr ou contact@mairie.fr.\n";
        let tally = TextTally::of_piece(t, 0, 1);
        let (n, _, at) = &tally.by_kind[&PiiKind::PersonName];
        assert_eq!(*n, 1);
        assert_eq!(
            at[0],
            Position::Text {
                line: 1,
                offset: 11
            }
        );
        assert_eq!(tally.by_kind[&PiiKind::Email].0, 2);
    }

    /// Issue 19, item 5: in JSON Lines a finding's row is its line, in a
    /// JSON document the element of its top-level array — even where
    /// records lack the field.
    #[test]
    fn c39_json_findings_say_their_record() {
        let lines = b"{\"id\": 1}\n{\"mail\": \"a@mairie.fr\"}\n\n{\"mail\": \"b@mairie.fr\"}\n";
        let r = scan_bytes("x.jsonl", Format::JsonLines, lines).unwrap();
        let f = r
            .findings
            .iter()
            .find(|f| f.kind == PiiKind::Email)
            .unwrap();
        assert_eq!(f.at, [Position::Row { row: 2 }, Position::Row { row: 4 }]);
        let doc = br#"[{"id": 1}, {"id": 2, "contact": {"mail": "a@mairie.fr"}}, {"contact": {"mail": "b@mairie.fr"}}]"#;
        let r = scan_bytes("x.json", Format::Json, doc).unwrap();
        let f = r
            .findings
            .iter()
            .find(|f| f.kind == PiiKind::Email)
            .unwrap();
        assert_eq!(f.column, "$[].contact.mail");
        assert_eq!(f.at, [Position::Row { row: 2 }, Position::Row { row: 3 }]);
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
        let e = scan_bytes("bad.json", Format::Json, bad).unwrap_err();
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
