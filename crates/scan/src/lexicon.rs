//! The names Vigie knows, shipped as data in `data/` (public facts: which
//! first names and surnames are given in France, with where the lists come
//! from in their headers): looked up without allocating, in any case.

use std::{collections::HashMap, sync::LazyLock};

/// How often a first name is given in France, from the lexicon's second
/// field (see `data/prenoms.txt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frequency {
    /// Among the most given names of a generation.
    VeryCommon,
    Common,
    /// Given, but rarely, or in one region.
    Rare,
}

/// Lines of a lexicon file: `name` or `name<TAB>class`, `#` comments.
fn entries(file: &'static str) -> impl Iterator<Item = (&'static str, Option<&'static str>)> {
    file.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once('\t') {
            Some((n, c)) => (n.trim(), Some(c.trim())),
            None => (l, None),
        })
}

/// FNV-1a: the lexicon's keys are short words, looked up for every
/// capitalised word of a text; SipHash's defence against chosen keys is
/// not needed for a fixed table.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// Keyed by bytes: a folded word is looked up as it is, not checked
/// again as UTF-8.
static FIRST_NAMES: LazyLock<HashMap<&'static [u8], Frequency, FnvBuild>> = LazyLock::new(|| {
    entries(include_str!("../data/prenoms.txt"))
        .map(|(n, c)| {
            let f = match c {
                Some("1") => Frequency::VeryCommon,
                Some("3") => Frequency::Rare,
                _ => Frequency::Common,
            };
            (n.as_bytes(), f)
        })
        .collect()
});

static SURNAMES: LazyLock<std::collections::HashSet<&'static [u8], FnvBuild>> =
    LazyLock::new(|| {
        entries(include_str!("../data/noms.txt"))
            .map(|(n, _)| n.as_bytes())
            .collect()
    });

/// A word in lower case on the stack: names are short, and the names pass
/// folds a word for every candidate (issue 19).
pub struct Folded {
    buf: [u8; 64],
    len: usize,
}

impl Folded {
    /// `w` in lower case, with `’` as `'`; `None` when longer than the
    /// buffer (no name is).
    #[inline]
    pub fn new(w: &str) -> Option<Folded> {
        let mut f = Folded {
            buf: [0; 64],
            len: 0,
        };
        // ASCII and Latin-1 (two bytes, 0xC3 first) byte by byte: most
        // words are; the rest goes by characters.
        let b = w.as_bytes();
        let mut i = 0;
        // Byte by byte, not a copy of a slice: a copy of a length known
        // only at run time is a call to memcpy.
        while i < b.len() {
            match (b[i], b.get(i + 1)) {
                (c @ 0..=0x7F, _) => {
                    *f.buf.get_mut(f.len)? = c.to_ascii_lowercase();
                    f.len += 1;
                    i += 1;
                }
                (0xC3, Some(&n)) => {
                    // À…Þ (not ×) are à…þ: 0x20 further.
                    let n = if (0x80..=0x9E).contains(&n) && n != 0x97 {
                        n + 0x20
                    } else {
                        n
                    };
                    *f.buf.get_mut(f.len)? = 0xC3;
                    *f.buf.get_mut(f.len + 1)? = n;
                    f.len += 2;
                    i += 2;
                }
                _ => break,
            }
        }
        for c in w[i..].chars() {
            let lower = match c {
                'A'..='Z' => c.to_ascii_lowercase(),
                '’' => '\'',
                // Latin-1's capitals (À…Þ, not ×) without Unicode's tables.
                'À'..='Þ' if c != '×' => char::from_u32(u32::from(c) + 0x20).unwrap_or(c),
                // ASCII and Latin-1's small letters are their own.
                '\0'..='\u{ff}' => c,
                _ => {
                    for l in c.to_lowercase() {
                        f.push(l)?;
                    }
                    continue;
                }
            };
            f.push(lower)?;
        }
        Some(f)
    }

    fn push(&mut self, c: char) -> Option<()> {
        let n = c.len_utf8();
        let to = self.buf.get_mut(self.len..self.len + n)?;
        c.encode_utf8(to);
        self.len += n;
        Some(())
    }

    /// The folded word's bytes (whole characters, UTF-8).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// A word's first two bytes in lower case and the length of its first
/// part (up to a '-'), as one of 2^16 bits, when the word is written in
/// ASCII and Latin-1 (whose lower case keeps the length); `None` for any
/// other word.
fn shape(w: &[u8]) -> Option<usize> {
    let part = w.iter().position(|c| *c == b'-').unwrap_or(w.len());
    let head = w.get(..part)?;
    if head.len() < 2 || head.iter().any(|c| *c >= 0xC4) {
        return None;
    }
    let (a, b) = (head[0].to_ascii_lowercase(), head[1]);
    let b = match (a, b) {
        // À…Þ (not ×) are à…þ: 0x20 further.
        (0xC3, 0x80..=0x9E) if b != 0x97 => b + 0x20,
        _ => b.to_ascii_lowercase(),
    };
    Some((usize::from(a) | usize::from(b) << 8) ^ (part.min(31) * 0x9E37) & 0xFFFF)
}

/// The shapes of a lexicon's names: most capitalised words of a text
/// ("Le", "Article", "Commune") are told apart from its names by one bit,
/// without folding or hashing them (issue 19: line rate).
fn shapes<'a>(names: impl Iterator<Item = &'a &'static [u8]>) -> Vec<u64> {
    let mut bits = vec![0u64; 1 << 10];
    for name in names {
        if let Some(s) = shape(name) {
            bits[s >> 6] |= 1 << (s & 63);
        }
    }
    bits
}

/// Whether `w` may be one of the names whose shapes are `bits`.
fn may_be(w: &str, bits: &[u64]) -> bool {
    shape(w.as_bytes()).is_none_or(|s| bits[s >> 6] & (1 << (s & 63)) != 0)
}

static FIRST_NAME_SHAPES: LazyLock<Vec<u64>> = LazyLock::new(|| shapes(FIRST_NAMES.keys()));
static SURNAME_SHAPES: LazyLock<Vec<u64>> = LazyLock::new(|| shapes(SURNAMES.iter()));

/// How often `w` (any case) is given as a first name in France, if it is
/// one; a compound ("Jean-Baptiste") is one when each part is.
pub fn first_name(w: &str) -> Option<Frequency> {
    if !may_be(w, &FIRST_NAME_SHAPES) {
        return None;
    }
    let f = Folded::new(w)?;
    let f = f.as_bytes();
    if let Some(k) = FIRST_NAMES.get(f) {
        return Some(*k);
    }
    let mut parts = f.split(|b| *b == b'-');
    let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
        return None;
    };
    [a, b]
        .into_iter()
        .chain(parts)
        .map(|p| FIRST_NAMES.get(p).copied())
        .try_fold(Frequency::VeryCommon, |acc, k| k.map(|k| acc.max(k)))
}

/// Every first name of the lexicon (lower case), in no order.
pub fn first_names() -> impl Iterator<Item = &'static str> {
    FIRST_NAMES
        .keys()
        .filter_map(|k| std::str::from_utf8(k).ok())
}

/// Whether `w` (any case) is a first name given in France.
pub fn is_first_name(w: &str) -> bool {
    first_name(w).is_some()
}

/// Whether `w` (any case) is one of the surnames most borne in France
/// (`data/noms.txt`).
pub fn is_surname(w: &str) -> bool {
    may_be(w, &SURNAME_SHAPES) && Folded::new(w).is_some_and(|f| SURNAMES.contains(f.as_bytes()))
}

/// Every surname of the lexicon (lower case), in no order.
pub fn surnames() -> impl Iterator<Item = &'static str> {
    SURNAMES.iter().filter_map(|k| std::str::from_utf8(k).ok())
}

/// Whether `w` (lower case) is a known first name or surname.
pub fn is_known_name(w: &str) -> bool {
    FIRST_NAMES.contains_key(w.as_bytes()) || SURNAMES.contains(w.as_bytes())
}

/// A short list of lowercase words (titles, street types, places),
/// looked up in any case. Most words are turned away by their first
/// letter, and the rest are compared only to the words of their length:
/// the names pass looks up several words per candidate (issue 19, line
/// rate).
pub(crate) struct WordSet {
    words: &'static [&'static str],
    /// The ASCII first letters of the words, a bit per letter.
    first: u32,
    /// For each length in bytes, the words of that length, a bit per
    /// word.
    by_len: [u64; WordSet::LONGEST + 1],
}

impl WordSet {
    const LONGEST: usize = 15;

    /// Fails to compile for more than 64 words or a word over `LONGEST`
    /// bytes.
    pub(crate) const fn new(words: &'static [&'static str]) -> WordSet {
        assert!(words.len() <= 64);
        let mut first = 0;
        let mut by_len = [0; WordSet::LONGEST + 1];
        let mut i = 0;
        while i < words.len() {
            let w = words[i].as_bytes();
            assert!(w.len() <= WordSet::LONGEST);
            if let Some(c) = w.first()
                && c.is_ascii_lowercase()
            {
                first |= 1 << (*c - b'a');
            }
            by_len[w.len()] |= 1 << i;
            i += 1;
        }
        WordSet {
            words,
            first,
            by_len,
        }
    }

    /// Whether `w`, in any case, is one of the words.
    pub(crate) fn contains(&self, w: &str) -> bool {
        // Folding turns an ASCII letter into its lowercase and nothing
        // else into one: a word that starts with one the list's words do
        // not start with is none of them.
        if let Some(c) = w.as_bytes().first()
            && c.is_ascii_alphabetic()
            && self.first & (1 << (c.to_ascii_lowercase() - b'a')) == 0
        {
            return false;
        }
        if w.is_ascii() {
            return self.any_of_length(w.len(), |s| s.eq_ignore_ascii_case(w));
        }
        Folded::new(w).is_some_and(|f| {
            let f = f.as_bytes();
            self.any_of_length(f.len(), |s| s.as_bytes() == f)
        })
    }

    fn any_of_length(&self, len: usize, mut is: impl FnMut(&str) -> bool) -> bool {
        let mut of = self.by_len.get(len).copied().unwrap_or(0);
        while of != 0 {
            let i = of.trailing_zeros() as usize;
            if self.words.get(i).is_some_and(|s| is(s)) {
                return true;
            }
            of &= of - 1;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word set answers as folding the word and comparing it to each of
    /// its words does, whatever turns the word away first.
    #[test]
    fn a_word_set_is_a_folded_comparison() {
        const SET: WordSet = WordSet::new(&["rue", "école", "l'", "d'", "allée", "kiosque"]);
        let naive = |w: &str| {
            Folded::new(w).is_some_and(|f| SET.words.iter().any(|s| s.as_bytes() == f.as_bytes()))
        };
        for w in [
            "rue",
            "RUE",
            "Rue",
            "rues",
            "ru",
            "École",
            "ÉCOLE",
            "école",
            "ecole",
            "L'",
            "l’",
            "D’",
            "d",
            "ALLÉE",
            "Allée",
            "allee",
            "\u{212A}iosque",
            "KIOSQUE",
            "",
            "'",
            "9",
            "Ŕue",
            "x".repeat(70).as_str(),
        ] {
            assert_eq!(SET.contains(w), naive(w), "{w:?}");
        }
        assert!(SET.contains("RUE") && SET.contains("l’") && SET.contains("\u{212A}iosque"));
        assert!(!SET.contains("Route") && !SET.contains("ecole"));
    }

    #[test]
    fn names_in_any_case_and_compounds() {
        assert_eq!(first_name("Jean"), Some(Frequency::VeryCommon));
        assert!(is_first_name("ÉLOÏSE") && is_first_name("éloïse"));
        assert!(is_first_name("Jean-Baptiste") && is_first_name("Marie-Thérèse"));
        assert!(!is_first_name("Saint-Jean") && !is_first_name("Conseil"));
        assert!(!is_first_name(&"a".repeat(100)));
        assert!(is_known_name("martin") && !is_known_name("délibération"));
    }

    /// `name` (lower case) in capitals and capitalised.
    fn written(name: &str) -> (String, String) {
        let upper: String = name
            .chars()
            .map(|c| match c {
                'à'..='þ' if c != '÷' => char::from_u32(u32::from(c) - 0x20).unwrap_or(c),
                _ => c.to_ascii_uppercase(),
            })
            .collect();
        let mut title = upper.chars().take(1).collect::<String>();
        title.extend(name.chars().skip(1));
        (upper, title)
    }

    /// The quick test by shape never turns a first name away, in any case
    /// it may be written in.
    #[test]
    fn every_first_name_passes_its_shape() {
        for name in first_names() {
            let (upper, title) = written(name);
            for w in [name.to_owned(), upper, title.clone()] {
                assert!(is_first_name(&w), "{w}");
            }
            if !name.contains('-') {
                assert!(is_first_name(&format!("{title}-Marie")), "{title}-Marie");
            }
        }
        assert!(!is_first_name("Le") && !is_first_name("Article"));
    }

    /// Nor does it turn a surname away, in lower case, capitalised or in
    /// capitals.
    #[test]
    fn every_surname_passes_its_shape() {
        let mut n = 0;
        for name in surnames() {
            let (upper, title) = written(name);
            for w in [name, &upper, &title] {
                assert!(is_surname(w), "{w}");
            }
            n += 1;
        }
        assert!(n >= 80, "{n} surnames");
        assert!(!is_surname("Le") && !is_surname("Gwendal"));
    }
}
