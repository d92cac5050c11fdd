//! Person names and postal addresses in French prose, where no checksum
//! helps: a name is a civility title ("M.", "Mme", "Madame", "Dr"…) or a
//! known first name, followed by capitalised words; an address is a house
//! number, a street type ("rue", "avenue"…) and its name, with the postcode
//! and town when they follow, or a postcode followed by a town. Word-level,
//! one pass, kept apart from the byte-level scanner so that its speed on
//! identifiers is untouched.

use crate::{PiiKind, column::is_first_name, column::is_postcode, text::Finding};

/// A word of the text and where it is.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    /// Punctuation right after the word (',' '.' ';' ':' …), if any,
    /// before the next word.
    stop: Option<char>,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out: Vec<Word<'_>> = Vec::new();
    let mut start = None;
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '-' | '\'' | '’');
    for (i, c) in text.char_indices() {
        match (is_word(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word {
                    text: &text[s..i],
                    start: s,
                    end: i,
                    stop: None,
                });
                start = None;
            }
            _ => {}
        }
        // Punctuation, or a line's end (a name or an address never
        // runs on to the next line: a text read in pieces cut at line
        // ends finds the same, issue 19).
        if !is_word(c)
            && (!c.is_whitespace() || c == '\n')
            && let Some(last) = out.last_mut()
            && last.stop.is_none()
            && start.is_none()
        {
            last.stop = Some(c);
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &text[s..],
            start: s,
            end: text.len(),
            stop: None,
        });
    }
    out
}

fn capitalised(w: &str) -> bool {
    let mut chars = w.chars();
    chars.next().is_some_and(char::is_uppercase) && w.chars().count() >= 2
}

const TITLES: [&str; 11] = [
    "M",
    "Mme",
    "Mlle",
    "Mmes",
    "MM",
    "Monsieur",
    "Madame",
    "Mademoiselle",
    "Dr",
    "Docteur",
    "Maître",
];

/// Lowercase particles inside a surname ("de La Fontaine", "Le Gall").
const PARTICLES: [&str; 6] = ["de", "du", "des", "d'", "le", "la"];

const STREETS: [&str; 18] = [
    "rue",
    "avenue",
    "av",
    "boulevard",
    "bd",
    "chemin",
    "place",
    "allée",
    "allee",
    "impasse",
    "route",
    "quai",
    "cours",
    "square",
    "lieu-dit",
    "hameau",
    "faubourg",
    "résidence",
];

/// Words after which a capitalised word is not a surname.
fn ends_name(w: &Word<'_>) -> bool {
    matches!(
        w.stop,
        Some('.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '«' | '»' | '\n')
    )
}

/// The end of a run of up to `max` capitalised words (with particles)
/// from `i`, or `None` if `words[i]` is not capitalised.
fn capitalised_run(ws: &[Word<'_>], i: usize, max: usize) -> Option<usize> {
    let first = ws.get(i)?;
    if matches!(first.text, "de" | "du" | "des" | "d'") {
        // "Jean de La Fontaine": a particle may open the surname (not
        // "le"/"la": "Madame la Maire" is a function, not a name).
        return if ends_name(first) {
            None
        } else {
            capitalised_run(ws, i + 1, max)
        };
    }
    if !capitalised(first.text) {
        return None;
    }
    let mut last = i;
    let mut j = i;
    while !ends_name(&ws[j]) && j + 1 < ws.len() && j + 1 - i < max {
        let next = &ws[j + 1];
        if capitalised(next.text) {
            last = j + 1;
            j += 1;
        } else if PARTICLES.contains(&next.text.to_lowercase().as_str())
            && ws.get(j + 2).is_some_and(|w| capitalised(w.text))
        {
            last = j + 2;
            j += 2;
        } else {
            break;
        }
    }
    Some(last)
}

/// Names and addresses in `text`, in order.
pub fn scan(text: &str) -> Vec<Finding> {
    let ws = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        let w = &ws[i];
        // A civility title and the name after it.
        if TITLES.contains(&w.text)
            && (w.stop.is_none() || w.stop == Some('.'))
            && let Some(last) = capitalised_run(&ws, i + 1, 4)
        {
            out.push(Finding {
                kind: PiiKind::PersonName,
                start: w.start,
                end: ws[last].end,
            });
            i = last + 1;
            continue;
        }
        // A known first name followed by a surname.
        if capitalised(w.text)
            && !ends_name(w)
            && is_first_name(w.text)
            && let Some(last) = capitalised_run(&ws, i + 1, 3)
        {
            out.push(Finding {
                kind: PiiKind::PersonName,
                start: w.start,
                end: ws[last].end,
            });
            i = last + 1;
            continue;
        }
        // A house number, a street type and its name.
        if w.text.len() <= 4
            && w.text.chars().all(|c| c.is_ascii_digit())
            && w.stop.is_none_or(|c| c == ',')
        {
            let mut j = i + 1;
            if ws.get(j).is_some_and(|x| matches!(x.text, "bis" | "ter")) {
                j += 1;
            }
            if let Some(street) = ws.get(j)
                && STREETS.contains(&street.text.to_lowercase().as_str())
                && !ends_name(street)
            {
                let mut last = j + 1;
                while last < ws.len() && last - j <= 6 && !ends_name(&ws[last]) {
                    last += 1;
                }
                let mut last = last.min(ws.len() - 1);
                // ", 39000 Lons-le-Saunier" after the street.
                if ws[last].stop == Some(',')
                    && let Some(pc) = ws.get(last + 1)
                    && is_postcode(pc.text)
                    && let Some(town) = capitalised_run(&ws, last + 2, 3)
                {
                    last = town;
                }
                out.push(Finding {
                    kind: PiiKind::PostalAddress,
                    start: w.start,
                    end: ws[last].end,
                });
                i = last + 1;
                continue;
            }
        }
        // A postcode and its town.
        if is_postcode(w.text)
            && w.stop.is_none()
            && let Some(town) = capitalised_run(&ws, i + 1, 3)
        {
            out.push(Finding {
                kind: PiiKind::PostalAddress,
                start: w.start,
                end: ws[town].end,
            });
            i = town + 1;
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(t: &str) -> Vec<(PiiKind, &str)> {
        scan(t)
            .iter()
            .map(|f| (f.kind, &t[f.start..f.end]))
            .collect()
    }

    #[test]
    fn names_after_a_title_or_a_first_name() {
        assert_eq!(
            found("Courrier de Mme Éloïse Dupré, reçu hier."),
            [(PiiKind::PersonName, "Mme Éloïse Dupré")]
        );
        assert_eq!(
            found("Le dossier de M. Yann Le Gall est complet."),
            [(PiiKind::PersonName, "M. Yann Le Gall")]
        );
        assert_eq!(
            found("Signé : Camille MARTIN."),
            [(PiiKind::PersonName, "Camille MARTIN")]
        );
        assert_eq!(
            found("Avis de Jean de La Fontaine sur le projet"),
            [(PiiKind::PersonName, "Jean de La Fontaine")]
        );
    }

    #[test]
    fn addresses_with_or_without_postcode() {
        assert_eq!(
            found("Il habite 12 bis rue des Lilas, 39000 Lons-le-Saunier depuis 2020."),
            [(
                PiiKind::PostalAddress,
                "12 bis rue des Lilas, 39000 Lons-le-Saunier"
            )]
        );
        assert_eq!(
            found("Envoyer à 3 avenue Victor Hugo."),
            [(PiiKind::PostalAddress, "3 avenue Victor Hugo")]
        );
        assert_eq!(
            found("Mairie, 39300 Champagnole."),
            [(PiiKind::PostalAddress, "39300 Champagnole")]
        );
    }

    #[test]
    fn ordinary_prose_holds_nothing() {
        for t in [
            "Madame la Maire a ouvert la séance.",
            "Monsieur le Président, merci.",
            "La rue est fermée pour travaux.",
            "Le Conseil Municipal a voté le budget.",
            "Les 12 rues du centre seront rénovées.",
            "Délibération n° 2026-42 du 12 mars.",
            "Saint-Claude et Morez sont jumelées.",
            "Il y a 39000 habitants.",
        ] {
            assert_eq!(found(t), [], "{t}");
        }
    }
}
