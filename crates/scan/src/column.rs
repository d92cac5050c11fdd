//! Classifying a column (or a JSON path) from its name and a sample of its
//! values: by the share of values that validate, never by one hit.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{PiiKind, lexicon::is_known_name, text};

/// What a column holds, as a report shows it (no value, only a mask).
#[derive(Debug, Clone, Serialize)]
pub struct ColumnReport {
    pub column: String,
    pub kind: PiiKind,
    /// Non-empty values looked at.
    pub sampled: usize,
    /// Values holding this kind, validated.
    pub matched: usize,
    /// 0 to 1.
    pub confidence: f64,
    /// One match, masked.
    pub example: String,
    /// Why: "values", "name", or "values+name".
    pub evidence: &'static str,
    /// Birth dates of people under 18 on the day of the scan (C38: a
    /// register that promises no minors is told).
    pub minors: usize,
    /// Where the first matches are, so that a user can go to them (at most
    /// `POSITIONS_MAX`; `matched` counts them all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub at: Vec<Position>,
}

/// Positions kept per finding.
pub const POSITIONS_MAX: usize = 100;

/// Where a match is (issue 19).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Position {
    /// In text: the line (from 1) and the byte offset in the file.
    Text { line: usize, offset: usize },
    /// In a table (CSV): the data row, from 1, the header left out; in
    /// JSON Lines, the line; in a JSON document, the element of its
    /// top-level array (from 1; 1 for a document that is one object). The
    /// column (or JSON path) is the report's.
    Row { row: usize },
    /// In a database table: the row's primary key as it reads
    /// (« id=42 »), personal data in it masked. The column is the
    /// report's.
    Key { key: String },
}

impl Position {
    /// A database row named by its key, `(column, value)` in the key's
    /// order. A value that may be personal data is masked as a report's
    /// examples are: an identifier it holds (an email as primary key), and
    /// a value of letters only (a name as primary key, « nom=Dupont »);
    /// numbers, codes and UUIDs stay as they are, so the row can be found.
    pub fn key<'a>(parts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Position {
        let mut key = String::new();
        for (i, (column, value)) in parts.into_iter().enumerate() {
            if i > 0 {
                key.push_str(", ");
            }
            key.push_str(column);
            key.push('=');
            if value.chars().any(char::is_alphabetic) && !value.chars().any(|c| c.is_ascii_digit())
            {
                key.push_str(&text::mask(value));
                continue;
            }
            let mut from = 0;
            for f in text::scan(value) {
                key.push_str(&value[from..f.start]);
                key.push_str(&text::mask(&value[f.start..f.end]));
                from = f.end;
            }
            key.push_str(&value[from..]);
        }
        Position::Key { key }
    }
}

/// Column-name words (lowercased, split on `_`, `-`, `.`, spaces and case)
/// that suggest a kind, French and English.
const NAME_HINTS: &[(&str, PiiKind)] = &[
    ("email", PiiKind::Email),
    ("mail", PiiKind::Email),
    ("courriel", PiiKind::Email),
    ("tel", PiiKind::Phone),
    ("telephone", PiiKind::Phone),
    ("téléphone", PiiKind::Phone),
    ("phone", PiiKind::Phone),
    ("mobile", PiiKind::Phone),
    ("portable", PiiKind::Phone),
    ("fax", PiiKind::Phone),
    ("nir", PiiKind::Nir),
    ("secu", PiiKind::Nir),
    ("ssn", PiiKind::Nir),
    ("iban", PiiKind::Iban),
    ("rib", PiiKind::Iban),
    ("siren", PiiKind::Siren),
    ("siret", PiiKind::Siret),
    ("ip", PiiKind::Ipv4),
    ("nom", PiiKind::PersonName),
    ("prenom", PiiKind::PersonName),
    ("prénom", PiiKind::PersonName),
    ("name", PiiKind::PersonName),
    ("firstname", PiiKind::PersonName),
    ("lastname", PiiKind::PersonName),
    ("surname", PiiKind::PersonName),
    ("naissance", PiiKind::BirthDate),
    ("birth", PiiKind::BirthDate),
    ("birthdate", PiiKind::BirthDate),
    ("dob", PiiKind::BirthDate),
    ("adresse", PiiKind::PostalAddress),
    ("address", PiiKind::PostalAddress),
    ("rue", PiiKind::PostalAddress),
    ("cp", PiiKind::PostalAddress),
    ("postal", PiiKind::PostalAddress),
    ("ville", PiiKind::PostalAddress),
    ("commune", PiiKind::PostalAddress),
    ("sante", PiiKind::Sensitive),
    ("santé", PiiKind::Sensitive),
    ("health", PiiKind::Sensitive),
    ("medical", PiiKind::Sensitive),
    ("handicap", PiiKind::Sensitive),
    ("religion", PiiKind::Sensitive),
    ("syndicat", PiiKind::Sensitive),
    ("syndical", PiiKind::Sensitive),
    ("origine", PiiKind::Sensitive),
    ("ethnie", PiiKind::Sensitive),
];

/// The words of a column name: `dateNaissance`, `date_naissance` and
/// `Date naissance` all give `date`, `naissance`.
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// The kinds a column's name suggests.
pub fn name_hints(name: &str) -> Vec<PiiKind> {
    let words = name_words(name);
    let mut kinds: Vec<PiiKind> = NAME_HINTS
        .iter()
        .filter(|(w, _)| words.iter().any(|x| x == w))
        .map(|(_, k)| *k)
        .collect();
    // "date" + "naissance" is a birth date, not a name.
    if kinds.contains(&PiiKind::BirthDate) {
        kinds.retain(|k| *k != PiiKind::PersonName);
    }
    kinds.sort();
    kinds.dedup();
    kinds
}

/// A calendar date written `dd/mm/yyyy`, `dd-mm-yyyy` or `yyyy-mm-dd`,
/// between 1900 and 2099.
pub fn is_date(v: &str) -> bool {
    civil_date(v).is_some()
}

/// Today's (year, month, day) in UTC, from the system clock (Howard
/// Hinnant's days-to-civil).
fn today() -> (u32, u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = i64::try_from(secs / 86_400).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let n = |x: i64| u32::try_from(x).unwrap_or(0);
    (n(y), n(m), n(d))
}

/// A birth date of someone under 18 on `today` (y, m, d).
pub fn is_minor_birth(v: &str, today: (u32, u32, u32)) -> bool {
    civil_date(v).is_some_and(|born| {
        let (y, m, d) = today;
        born > (y.saturating_sub(18), m, d) && born <= today
    })
}

/// The (year, month, day) of a date `is_date` accepts.
fn civil_date(v: &str) -> Option<(u32, u32, u32)> {
    let b = v.trim().as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let num = |s: &[u8]| s.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0'));
    let (y, m, d) = match b {
        [d1, d2, s1, m1, m2, s2, y @ ..]
            if y.len() == 4 && matches!(s1, b'/' | b'-' | b'.') && s1 == s2 =>
        {
            if !digits(&[*d1, *d2, *m1, *m2]) || !digits(y) {
                return None;
            }
            (num(y), num(&[*m1, *m2]), num(&[*d1, *d2]))
        }
        [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2, rest @ ..]
            if rest.is_empty() || rest[0] == b'T' || rest[0] == b' ' =>
        {
            if !digits(&[*y1, *y2, *y3, *y4, *m1, *m2, *d1, *d2]) {
                return None;
            }
            (
                num(&[*y1, *y2, *y3, *y4]),
                num(&[*m1, *m2]),
                num(&[*d1, *d2]),
            )
        }
        _ => return None,
    };
    ((1900..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
        .then_some((y, m, d))
}

/// A postcode, a street ("12 rue des Lilas") or a place name.
fn looks_like_address(v: &str) -> bool {
    const STREETS: [&str; 12] = [
        "rue",
        "avenue",
        "av",
        "boulevard",
        "bd",
        "chemin",
        "place",
        "allée",
        "impasse",
        "route",
        "quai",
        "lieu-dit",
    ];
    let lower = v.to_lowercase();
    is_postcode(v)
        || lower
            .split(|c: char| !c.is_alphanumeric() && c != '-')
            .any(|w| STREETS.contains(&w))
        || (v
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\''))
            && v.chars().next().is_some_and(char::is_uppercase))
}

/// A French postcode: 5 digits, département 01–95 or 97x/98x.
pub fn is_postcode(v: &str) -> bool {
    // Trimmed only when an end may be a space (ASCII's, or any beyond
    // ASCII): the names pass asks of many words.
    let padded = |c: Option<&u8>| c.is_some_and(|c| matches!(c, b' ' | b'\t'..=b'\r' | 0x80..));
    let raw = v.as_bytes();
    let b = if padded(raw.first()) || padded(raw.last()) {
        v.trim().as_bytes()
    } else {
        raw
    };
    b.len() == 5
        && b.iter().all(u8::is_ascii_digit)
        && matches!(
            (b[0], b[1]),
            (b'0', b'1'..=b'9') | (b'1'..=b'8', _) | (b'9', b'0'..=b'5' | b'7' | b'8')
        )
}

/// A value made of one to four words, one of which is a known first name
/// or surname ("Camille Martin", "DUPRÉ Éloïse").
pub fn looks_like_person(v: &str) -> bool {
    let words: Vec<String> = v.split_whitespace().map(str::to_lowercase).collect();
    (1..=4).contains(&words.len())
        && words.iter().all(|w| {
            w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '.'))
        })
        && (words.iter().any(|w| is_known_name(w)) || is_known_name(&words.join(" ")))
}

/// Classifies one column from its name and sampled values. Returns every
/// kind with enough evidence, strongest first.
pub fn classify_column<'a>(
    name: &str,
    values: impl IntoIterator<Item = &'a str>,
) -> Vec<ColumnReport> {
    classify_at(name, values.into_iter().map(|v| (None, v)))
}

/// The same for a table's column, each value with its row (`Position::Row`):
/// each finding says in which rows its first matches are.
pub fn classify_rows<'a>(
    name: &str,
    values: impl IntoIterator<Item = (usize, &'a str)>,
) -> Vec<ColumnReport> {
    classify_at(
        name,
        values
            .into_iter()
            .map(|(row, v)| (Some(Position::Row { row }), v)),
    )
}

/// The same, each value with where it is, if that is known: each finding
/// says where its first matches are.
pub fn classify_at<'a>(
    name: &str,
    values: impl IntoIterator<Item = (Option<Position>, &'a str)>,
) -> Vec<ColumnReport> {
    let hints = name_hints(name);
    let context = name.to_lowercase();
    let today = today();
    let mut minors = 0usize;
    let mut sampled = 0usize;
    let mut hits: BTreeMap<PiiKind, (usize, String)> = BTreeMap::new();
    let mut at: BTreeMap<PiiKind, Vec<Position>> = BTreeMap::new();
    let note = |k: PiiKind, example: &str, hits: &mut BTreeMap<PiiKind, (usize, String)>| {
        let e = hits.entry(k).or_insert((0, String::new()));
        e.0 += 1;
        if e.1.is_empty() {
            e.1 = text::mask(example);
        }
    };
    for (place, v) in values {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        sampled += 1;
        let mut kinds: Vec<(PiiKind, &str)> = text::scan_in(v, context.as_bytes())
            .into_iter()
            .map(|f| (f.kind, &v[f.start..f.end]))
            .collect();
        // Free text ("Bonjour, je suis Yann Dupré…"): names and addresses.
        if v.len() > 24 && v.contains(' ') {
            kinds.extend(
                crate::prose::scan(v)
                    .into_iter()
                    .map(|f| (f.kind, &v[f.start..f.end])),
            );
        }
        if hints.contains(&PiiKind::BirthDate) && is_date(v) {
            kinds.push((PiiKind::BirthDate, v));
            minors += usize::from(is_minor_birth(v, today));
        }
        if hints.contains(&PiiKind::PostalAddress) && looks_like_address(v) {
            kinds.push((PiiKind::PostalAddress, v));
        }
        if (hints.contains(&PiiKind::PersonName)
            && v.chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'')))
            || looks_like_person(v)
        {
            kinds.push((PiiKind::PersonName, v));
        }
        kinds.sort_by_key(|(k, _)| *k);
        kinds.dedup_by_key(|(k, _)| *k);
        for (k, ex) in kinds {
            note(k, ex, &mut hits);
            let seen = at.entry(k).or_default();
            if let Some(place) = &place
                && seen.len() < POSITIONS_MAX
            {
                seen.push(place.clone());
            }
        }
    }
    let mut out: Vec<ColumnReport> = hits
        .into_iter()
        .filter_map(|(kind, (matched, example))| {
            let share = matched as f64 / sampled.max(1) as f64;
            let named =
                hints.contains(&kind) || (kind == PiiKind::Ipv6 && hints.contains(&PiiKind::Ipv4));
            // A kind must hold for most values, or for a fair share when the
            // column's name says so too.
            let needed = if named { 0.2 } else { 0.5 };
            if share < needed {
                return None;
            }
            let base = if kind.checksummed() { 1.0 } else { 0.9 };
            let confidence = (share * base + if named { 0.1 } else { 0.0 }).min(1.0);
            Some(ColumnReport {
                column: name.to_owned(),
                kind,
                sampled,
                matched,
                confidence: (confidence * 100.0).round() / 100.0,
                example,
                evidence: if named { "values+name" } else { "values" },
                minors: if kind == PiiKind::BirthDate {
                    minors
                } else {
                    0
                },
                at: at.remove(&kind).unwrap_or_default(),
            })
        })
        .collect();
    // Sensitive columns are flagged by name alone: their values are free text.
    if hints.contains(&PiiKind::Sensitive) && sampled > 0 {
        out.push(ColumnReport {
            column: name.to_owned(),
            kind: PiiKind::Sensitive,
            sampled,
            matched: 0,
            confidence: 0.6,
            example: String::new(),
            evidence: "name",
            minors: 0,
            at: Vec::new(),
        });
    }
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19: a row is named by its key; a key that is personal data
    /// itself is masked as the examples are.
    #[test]
    fn c39_rows_are_named_by_their_keys_masked() {
        let key = |parts: &[(&str, &str)]| match Position::key(parts.iter().copied()) {
            Position::Key { key } => key,
            other => unreachable!("{other:?}"),
        };
        assert_eq!(key(&[("id", "42")]), "id=42");
        let email = key(&[("courriel", "yann.le-gall@mairie.fr"), ("n", "2")]);
        assert!(
            !email.contains("yann.le-gall@mairie.fr") && email.ends_with(", n=2"),
            "{email}"
        );
        // A name as primary key is masked; codes and UUIDs are not.
        assert_eq!(key(&[("nom", "Dupont"), ("n", "2")]), "nom=D•••nt, n=2");
        assert_eq!(
            key(&[("ref", "3f2a9c1e-77b0-4d2e-9a51-0c6f5e8d1b24")]),
            "ref=3f2a9c1e-77b0-4d2e-9a51-0c6f5e8d1b24"
        );
        assert_eq!(key(&[("code", "AB-12")]), "code=AB-12");
        let found = classify_at(
            "courriel",
            [
                (Some(Position::key([("id", "7")])), "eloise@mairie.fr"),
                (None, "yann@mairie.fr"),
                (Some(Position::key([("id", "9")])), "awa@mairie.fr"),
            ],
        );
        assert_eq!(
            found[0].at,
            [Position::key([("id", "7")]), Position::key([("id", "9")])],
            "{found:?}"
        );
        assert_eq!(
            serde_json::to_value(&found[0].at).unwrap(),
            serde_json::json!([{ "key": "id=7" }, { "key": "id=9" }])
        );
    }

    #[test]
    fn c38_birth_dates_of_minors_are_counted() {
        let today = (2026, 12, 1);
        assert!(is_minor_birth("02/12/2008", today), "17 until tomorrow");
        assert!(!is_minor_birth("01/12/2008", today), "18 today");
        assert!(is_minor_birth("2015-06-30", today));
        assert!(!is_minor_birth("1984-06-30", today));
        assert!(!is_minor_birth("2030-01-01", today), "not yet born: a typo");
        let recent = format!("{}-01-15", super::today().0 - 5);
        let r = classify_column(
            "date_naissance",
            ["1980-03-02", recent.as_str(), "1975-11-30", recent.as_str()],
        );
        assert_eq!(r[0].kind, PiiKind::BirthDate);
        assert_eq!(r[0].minors, 2);
    }

    #[test]
    fn french_column_names_count() {
        assert_eq!(name_words("dateNaissance"), ["date", "naissance"]);
        assert_eq!(name_hints("date_naissance"), [PiiKind::BirthDate]);
        assert_eq!(name_hints("num_secu"), [PiiKind::Nir]);
        assert_eq!(name_hints("Courriel"), [PiiKind::Email]);
        assert_eq!(name_hints("prenom"), [PiiKind::PersonName]);
        assert!(name_hints("montant").is_empty());
    }

    #[test]
    fn a_column_is_classified_by_the_share_that_validates() {
        let emails = ["a@b.fr", "c.d@mairie.fr", "", "pas une adresse", "e@f.com"];
        let r = classify_column("contact", emails);
        assert_eq!(r[0].kind, PiiKind::Email);
        assert_eq!((r[0].sampled, r[0].matched), (4, 3));
        assert!(!r[0].example.contains("mairie") || r[0].example.contains('•'));
        // One email in free-text comments is not an email column.
        let notes = ["rappeler", "ok", "voir a@b.fr", "RAS", "absent"];
        assert!(classify_column("notes", notes).is_empty());
    }

    #[test]
    fn company_numbers_count_with_the_column_name() {
        let sirens = ["732829320", "552100554", "542065479"];
        assert_eq!(classify_column("siren", sirens)[0].kind, PiiKind::Siren);
        assert!(
            classify_column("numero_commande", sirens)
                .iter()
                .all(|r| r.kind != PiiKind::Siren)
        );
    }

    #[test]
    fn dates_names_and_sensitive_hints() {
        let r = classify_column("date_naissance", ["12/03/1984", "1990-07-01", "31/12/2001"]);
        assert_eq!(r[0].kind, PiiKind::BirthDate);
        assert!(classify_column("date_facture", ["12/03/2024"]).is_empty());
        assert_eq!(
            classify_column("nom", ["Dupré", "Le Gall", "N'Diaye"])[0].kind,
            PiiKind::PersonName
        );
        // No telling name: the dictionary of first names and surnames speaks.
        let r = classify_column(
            "champ_3",
            ["Camille Martin", "DUPRÉ Éloïse", "Yann Le Gall", "inconnu"],
        );
        assert_eq!((r[0].kind, r[0].evidence), (PiiKind::PersonName, "values"));
        assert!(classify_column("libelle", ["Salle des fêtes", "Gymnase", "Stade"]).is_empty());
        let r = classify_column("observations_sante", ["asthme", "RAS"]);
        assert!(r.iter().any(|c| c.kind == PiiKind::Sensitive));
        assert!(
            is_postcode("20000")
                && is_postcode("97400")
                && !is_postcode("96000")
                && !is_postcode("00100")
        );
        // Padded values are trimmed, whatever the space.
        for v in [
            " 39000",
            "39000\t",
            "\u{a0}39000",
            "39000\u{202f}",
            "\u{b}39000\r\n",
        ] {
            assert!(is_postcode(v), "{v:?}");
        }
        assert!(!is_postcode("39000x") && !is_postcode("3 9000"));
        assert!(!is_date("31/13/2000") && !is_date("2000-1-1"));
    }
}
