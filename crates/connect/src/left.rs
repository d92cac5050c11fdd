//! What the dataset does not cover: the person's own words — the names,
//! addresses and logins an erasure masks — found again in columns the
//! dataset does not declare, on the person's rows (« Demande 0 de Lucas »
//! in a title). Shown before an erasure and kept after it, as a hint only
//! (C27): the agent learns where, never the value.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use vigie_domain::words::{fold, split};

/// One undeclared column that holds the person's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Left {
    pub table: String,
    pub column: String,
    /// The person's rows whose column holds one of their words.
    pub rows: u64,
    /// One such value, each of the person's words shortened to its
    /// first letter (« Demande 0 de L••• »).
    pub example: String,
    /// The rows stay after an erasure (anonymised or shared); otherwise
    /// they are deleted with it.
    pub stays: bool,
}

/// A value longer than this many words is free text (a description), not
/// a name or an address: its words are not the person's.
const SHORT: usize = 3;
/// Shorter words (« de », « le ») say nothing about who someone is.
const MIN_LETTERS: usize = 3;
/// Runs of digits this long are numbers of the person (a phone, an
/// account), not a year or a house number.
const MIN_DIGITS: usize = 6;
/// An example is cut here.
const EXAMPLE_CHARS: usize = 80;

/// The person's words, taken from the values an erasure masks.
#[derive(Debug, Default)]
pub(crate) struct Words(BTreeSet<String>);

impl Words {
    /// Adds the words of one masked or identity value: of an email, its
    /// local part only (a domain is everybody's).
    pub(crate) fn add(&mut self, value: &str) {
        let value = value.split_once('@').map_or(value, |(local, _)| local);
        if split(value).count() > SHORT {
            return;
        }
        for (_, w) in split(value) {
            if telling(w) {
                self.0.insert(fold(w));
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value with each of the person's words masked, if it holds any.
    pub(crate) fn masked(&self, value: &str) -> Option<String> {
        let mut out = String::new();
        let mut at = 0;
        let mut hit = false;
        for (range, w) in split(value) {
            if telling(w) && self.0.contains(&fold(w)) {
                hit = true;
                out.push_str(&value[at..range.start]);
                out.extend(w.chars().take(1));
                out.push_str("•••");
                at = range.end;
            }
        }
        if !hit {
            return None;
        }
        out.push_str(&value[at..]);
        if out.chars().count() > EXAMPLE_CHARS {
            out = out.chars().take(EXAMPLE_CHARS).collect::<String>() + "…";
        }
        Some(out)
    }
}

fn telling(w: &str) -> bool {
    if w.chars().all(|c| c.is_ascii_digit()) {
        w.len() >= MIN_DIGITS
    } else {
        w.chars().count() >= MIN_LETTERS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(values: &[&str]) -> Words {
        let mut w = Words::default();
        for v in values {
            w.add(v);
        }
        w
    }

    #[test]
    fn c13_a_title_naming_the_person_is_found_and_masked() {
        let w = words(&[
            "Lucas",
            "Dupré",
            "lucas.dupre.7@exemple-mairie.fr",
            "06 12 34 56 78",
        ]);
        assert_eq!(
            w.masked("Demande 0 de Lucas").as_deref(),
            Some("Demande 0 de L•••")
        );
        assert_eq!(
            w.masked("Appel de M. DUPRE (lucas)").as_deref(),
            Some("Appel de M. D••• (l•••)")
        );
        assert_eq!(w.masked("Demande 3 de Camille"), None);
        // The email's domain is nobody's word; « de » is too short.
        assert_eq!(w.masked("exemple-mairie de Lons"), None);
    }

    #[test]
    fn c13_free_text_and_short_numbers_are_not_the_persons_words() {
        let w = words(&["Merci de traiter ma demande rapidement", "1985-03-02"]);
        assert!(w.is_empty());
        let w = words(&["0612345678"]);
        assert_eq!(
            w.masked("rappeler le 0612345678").as_deref(),
            Some("rappeler le 0•••")
        );
        assert_eq!(w.masked("dossier 2026"), None);
    }

    #[test]
    fn a_long_example_is_cut() {
        let w = words(&["Lucas"]);
        let long = format!("Lucas {}", "x".repeat(200));
        let m = w.masked(&long).expect("found");
        assert!(m.starts_with("L•••") && m.ends_with('…'));
        assert_eq!(m.chars().count(), EXAMPLE_CHARS + 1);
    }
}
