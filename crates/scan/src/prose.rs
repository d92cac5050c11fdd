//! Person names and postal addresses in French prose, where no checksum
//! helps: a name is a civility title ("M.", "Mme", "Madame", "Dr"…) or a
//! known first name followed by capitalised words, a surname in capitals
//! before a known first name ("DUPONT Jean"), or a line that holds only a
//! first name and a surname in capitals (a signature, "Yvon TRÉGUER"); an
//! address is a house number, a street type ("rue", "avenue"…) and its
//! name, with the postcode and town when they follow, or a postcode
//! followed by a town. A name after a street or a building's type ("rue
//! Victor Hugo", "collège Antoine de Saint-Exupéry") is a place.
//!
//! Line rate (issue 19): only a word that starts with a capital or a digit
//! can open a finding, so the scan jumps from one such byte to the next
//! (found sixty-four bytes at a time, `bits::Marks`), without building
//! words; the few words around a candidate are read then, into a small
//! window reused for the whole text. Most candidates are settled by the
//! byte after them: a capitalised word followed by a lowercase word or by
//! punctuation opens no rule that reads on. Nothing spans a line end, so a text
//! read in pieces cut at line ends finds the same.

use wide::u8x16;

use crate::{
    PiiKind,
    bits::{Marks, equal, within},
    column::is_postcode,
    lexicon::{WordSet, is_first_name, is_surname},
    text::Finding,
};

/// A word of the text and where it is.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    end: usize,
    /// Punctuation right after the word (',' '.' ';' ':' …), or a line's
    /// end, if any, before the next word.
    stop: Option<char>,
}

fn is_word(c: char) -> bool {
    match u32::from(c) {
        // French letters, without Unicode's tables: Latin-1's and Latin
        // Extended's letters (not × and ÷).
        0xC0..=0x24F => c != '×' && c != '÷',
        0..=0x7F => c.is_ascii_alphanumeric() || c == '-' || c == '\'',
        _ => c.is_alphanumeric() || c == '’',
    }
}

/// Bytes that may start a capitalised word or a number: a capital or a
/// digit, the first byte of À…Þ (not ×), and the first byte of any
/// character beyond Latin-1 but general punctuation (’, « », non-breaking
/// spaces and accented lowercase letters are passed: issue 19, line rate).
/// Latin-1's other characters (0xC2 first) hold no capital.
fn may_open(x: u8x16, next: u8x16) -> u8x16 {
    let latin1_capital = equal(x, 0xC3) & within(next, 0x80, 0x1F) & !equal(next, 0x97);
    let punctuation = equal(x, 0xE2) & equal(next, 0x80);
    within(x, b'A', 26)
        | within(x, b'0', 10)
        | latin1_capital
        | (within(x, 0xC4, 60) & !punctuation)
}

/// Whether the character at `p` starts a word (none of it before).
fn starts_word(text: &str, p: usize) -> bool {
    text[..p].chars().next_back().is_none_or(|c| !is_word(c))
}

/// The character at byte `i` of `text` and its length, ASCII first.
fn char_at(text: &str, i: usize) -> Option<(char, usize)> {
    let c = *text.as_bytes().get(i)?;
    if c < 0x80 {
        return Some((char::from(c), 1));
    }
    if c == 0xC3
        && let Some(n) = text.as_bytes().get(i + 1)
    {
        // Latin-1's letters, the French accents: two bytes, no decoding.
        return Some((char::from(0xC0 | (n & 0x3F)), 2));
    }
    let ch = text.get(i..)?.chars().next()?;
    Some((ch, ch.len_utf8()))
}

/// The first word at or after `from` on the same line, with its stop;
/// `None` at a line's end or the text's.
fn word_at(text: &str, from: usize) -> Option<Word<'_>> {
    let mut start = from;
    if starts_after_space(text, from) {
        start += 1;
    }
    loop {
        let (c, n) = char_at(text, start)?;
        if c == '\n' {
            return None;
        }
        if is_word(c) {
            break;
        }
        start += n;
    }
    let end = word_end(text, start);
    Some(Word {
        text: &text[start..end],
        end,
        stop: stop_after(text, end),
    })
}

/// Whether a single space at `at` is followed by a word's letter or
/// digit (ASCII or Latin-1's): most words of a text, read by bytes.
fn starts_after_space(text: &str, at: usize) -> bool {
    let b = text.as_bytes();
    b.get(at) == Some(&b' ')
        && match b.get(at + 1) {
            Some(c) if c.is_ascii_alphanumeric() => true,
            Some(0xC3) => b.get(at + 2).is_some_and(|n| latin1_letter(*n)),
            _ => false,
        }
}

/// Whether 0xC3 then `second` is one of Latin-1's letters (À…ÿ), that
/// is any but × and ÷.
fn latin1_letter(second: u8) -> bool {
    second != 0x97 && second != 0xB7
}

/// Where the word that starts at `start` ends.
fn word_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut end = start;
    loop {
        match b.get(end) {
            // ASCII letters, digits, '-' and '\'' by a table, the rest of
            // ASCII ends the word.
            Some(&c) if c < 0x80 => {
                if !WORD_ASCII[usize::from(c)] {
                    return end;
                }
                end += 1;
            }
            // Latin-1's letters but × and ÷.
            Some(0xC3) if b.get(end + 1).is_some_and(|n| latin1_letter(*n)) => end += 2,
            Some(_) => match char_at(text, end) {
                Some((c, n)) if is_word(c) => end += n,
                _ => return end,
            },
            None => return end,
        }
    }
}

/// ASCII bytes that are part of a word (`is_word`).
static WORD_ASCII: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'-' || b == b'\'';
        c += 1;
    }
    t
};

/// The punctuation or line end after a word that ends at `end`, before
/// the next word (spaces are passed).
fn stop_after(text: &str, end: usize) -> Option<char> {
    if starts_after_space(text, end) {
        return None;
    }
    let mut at = end;
    while let Some((c, n)) = char_at(text, at)
        && !is_word(c)
    {
        if !c.is_whitespace() || c == '\n' {
            return Some(c);
        }
        at += n;
    }
    None
}

/// The most words a rule reads from its first (a house number, "bis", a
/// street type, six words, a postcode and a town of three).
const WINDOW: usize = 16;

/// The words from a candidate's on, read as the rules ask for them, up to
/// the line's end or `WINDOW` words; its buffer serves the whole text.
struct Window<'a> {
    text: &'a str,
    words: Vec<Word<'a>>,
    next: usize,
    done: bool,
}

impl<'a> Window<'a> {
    fn new(text: &'a str) -> Self {
        Window {
            text,
            words: Vec::with_capacity(WINDOW),
            next: 0,
            done: true,
        }
    }

    /// Starts from the candidate's word `first`.
    fn start(&mut self, first: Word<'a>) {
        self.words.clear();
        self.words.push(first);
        self.next = first.end;
        self.done = first.stop == Some('\n');
    }

    /// The `i`th word from the candidate's, reading up to it.
    fn get(&mut self, i: usize) -> Option<Word<'a>> {
        if let Some(w) = self.words.get(i) {
            return Some(*w);
        }
        while !self.done {
            match word_at(self.text, self.next) {
                Some(w) => {
                    self.next = w.end;
                    self.words.push(w);
                    self.done = w.stop == Some('\n') || self.words.len() == WINDOW;
                    // The word just read is handed back as it is, not
                    // read again from the buffer (a load a profile
                    // showed hot).
                    if self.words.len() > i {
                        return Some(w);
                    }
                }
                None => self.done = true,
            }
        }
        None
    }
}

/// The word just before `start` on the same line, if any, and where it
/// starts.
fn word_before(text: &str, start: usize) -> Option<(usize, &str)> {
    let head = &text[..start];
    let (i, c) = head
        .char_indices()
        .rev()
        .find(|(_, c)| is_word(*c) || *c == '\n')?;
    if c == '\n' {
        return None;
    }
    let end = i + c.len_utf8();
    let begin = head[..end]
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    Some((begin, &head[begin..end]))
}

fn capitalised(w: &str) -> bool {
    let mut chars = w.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.next().is_some()
}

/// A word in capitals only ("DUPONT", "LE GALL"'s parts, "D'ARC").
fn in_capitals(w: &str) -> bool {
    let mut letters = 0;
    for c in w.chars() {
        if c.is_uppercase() {
            letters += 1;
        } else if !matches!(c, '-' | '\'' | '’') {
            return false;
        }
    }
    letters >= 2
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
const PARTICLES: WordSet = WordSet::new(&["de", "du", "des", "d'", "le", "la"]);

const STREETS: WordSet = WordSet::new(&[
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
]);

/// Words after which a person's name names a place or a building: "rue
/// Victor Hugo", "collège Antoine de Saint-Exupéry", "salle Jean Moulin".
const PLACES: WordSet = WordSet::new(&[
    "rue",
    "avenue",
    "boulevard",
    "bd",
    "place",
    "allée",
    "impasse",
    "chemin",
    "quai",
    "square",
    "cours",
    "route",
    "pont",
    "parc",
    "jardin",
    "école",
    "collège",
    "lycée",
    "université",
    "salle",
    "stade",
    "gymnase",
    "espace",
    "centre",
    "médiathèque",
    "bibliothèque",
    "hôpital",
    "musée",
    "fondation",
    "résidence",
]);

/// Capitals that are not surnames, before a first name: "SIRET Marie".
const ACRONYMS: WordSet = WordSet::new(&[
    "siret", "siren", "nir", "iban", "rib", "tva", "rgpd", "cnil", "dpo", "caf", "cpam", "urssaf",
    "ccas", "cgct", "dgfip", "sdis", "ehpad", "rh", "dsi", "objet", "ref", "réf", "pj", "nb",
]);

/// `w` without an elided article or preposition ("l'école" is "école")
/// or a house number written against it ("1Rue" is "Rue").
fn without_elision(w: &str) -> &str {
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    let w = &w[digits..];
    // "l'", "d'" in either case, with a straight or a curly apostrophe.
    let elided = match w.as_bytes() {
        [b'l' | b'L' | b'd' | b'D', b'\'', ..] => 2,
        [b'l' | b'L' | b'd' | b'D', 0xE2, 0x80, 0x99, ..] => 4,
        _ => 0,
    };
    &w[elided..]
}

/// Whether the words before `start` make a name there a place's: a place
/// word just before, or before "du"/"de"/"de la"/"des" ("place du Général
/// de Gaulle").
fn names_a_place(text: &str, start: usize) -> bool {
    let mut at = start;
    for _ in 0..3 {
        let Some((begin, w)) = word_before(text, at) else {
            return false;
        };
        if PLACES.contains(without_elision(w)) {
            return true;
        }
        if !matches!(w, "du" | "de" | "des" | "la" | "d'") {
            return false;
        }
        at = begin;
    }
    false
}

/// Words after which a capitalised word is not a surname.
fn ends_name(w: &Word<'_>) -> bool {
    ends_name_at(w.stop)
}

/// Whether a word whose stop is `stop` ends a name.
fn ends_name_at(stop: Option<char>) -> bool {
    matches!(
        stop,
        Some('.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '"' | '«' | '»' | '\n')
    )
}

/// The end of a run of up to `max` capitalised words (with particles)
/// from `i`, or `None` if word `i` is not capitalised.
fn capitalised_run(ws: &mut Window<'_>, i: usize, max: usize) -> Option<usize> {
    let first = ws.get(i)?;
    if matches!(first.text, "de" | "du" | "des" | "d'") {
        // "Jean de La Fontaine": a particle may open the surname (not
        // "le"/"la": "Madame la Maire" is a function, not a name).
        return if ends_name(&first) {
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
    let mut at = first;
    while !ends_name(&at)
        && j + 1 - i < max
        && let Some(next) = ws.get(j + 1)
    {
        if capitalised(next.text) {
            last = j + 1;
            j += 1;
            at = next;
        } else if PARTICLES.contains(next.text)
            && let Some(after) = ws.get(j + 2)
            && capitalised(after.text)
        {
            last = j + 2;
            j += 2;
            at = after;
        } else {
            break;
        }
    }
    Some(last)
}

/// A finding from the words of `ws` (its first word opens it), and the
/// index of its last word.
fn at_candidate(ws: &mut Window<'_>, op: Opening) -> Option<(PiiKind, usize)> {
    let w = ws.get(0)?;
    let name = |last| Some((PiiKind::PersonName, last));
    // A civility title and the name after it.
    if TITLES.contains(&w.text)
        && (w.stop.is_none() || w.stop == Some('.'))
        && let Some(last) = capitalised_run(ws, 1, 4)
    {
        return name(last);
    }
    // A surname in capitals before a known first name: "DUPONT Jean",
    // "LE GALL Marie-Anne".
    if in_capitals(w.text) && !op.first_name && !ACRONYMS.contains(w.text) {
        let mut j = 0;
        let mut at = w;
        while j < 2
            && !ends_name(&at)
            && let Some(next) = ws.get(j + 1)
            && in_capitals(next.text)
        {
            j += 1;
            at = next;
        }
        // The first name the lexicon knows, or any after a surname it
        // knows (« FONTAINE Gwendal »).
        if let Some(first) = ws.get(j + 1)
            && !ends_name(&at)
            && capitalised(first.text)
            && !in_capitals(first.text)
            && (is_first_name(first.text) || (j == 0 && op.surname))
        {
            return name(j + 1);
        }
    }
    // A known first name followed by a surname.
    if op.first_name
        && capitalised(w.text)
        && !ends_name(&w)
        && let Some(last) = capitalised_run(ws, 1, 3)
    {
        return name(last);
    }
    // A line holding only a first name and a surname in capitals: a
    // signature ("Yvon TRÉGUER").
    if op.line_start
        && w.stop.is_none()
        && capitalised(w.text)
        && !in_capitals(w.text)
        && let Some(surname) = ws.get(1)
        && ws.get(2).is_none()
        && in_capitals(surname.text)
        && surname.stop.is_none_or(|c| matches!(c, '\n' | '.' | ','))
    {
        return name(1);
    }
    // A house number, a street type and its name.
    if w.text.len() <= 4
        && w.text.bytes().all(|c| c.is_ascii_digit())
        && w.stop.is_none_or(|c| c == ',')
    {
        let mut j = 1;
        if ws.get(j).is_some_and(|x| matches!(x.text, "bis" | "ter")) {
            j += 1;
        }
        if let Some(street) = ws.get(j)
            && STREETS.contains(street.text)
            && !ends_name(&street)
        {
            let mut last = j + 1;
            while last - j <= 6
                && let Some(x) = ws.get(last)
                && !ends_name(&x)
            {
                last += 1;
            }
            // The street's last word (the line may end before).
            if ws.get(last).is_none() {
                last -= 1;
            }
            // ", 39000 Lons-le-Saunier" after the street.
            if ws.get(last).is_some_and(|x| x.stop == Some(','))
                && let Some(pc) = ws.get(last + 1)
                && is_postcode(pc.text)
                && let Some(town) = capitalised_run(ws, last + 2, 3)
            {
                last = town;
            }
            return Some((PiiKind::PostalAddress, last));
        }
    }
    // A postcode and its town.
    if is_postcode(w.text)
        && w.stop.is_none()
        && let Some(town) = capitalised_run(ws, 1, 3)
    {
        return Some((PiiKind::PostalAddress, town));
    }
    None
}

/// Whether an email address names its person: a local part made of a
/// known first name and another word ("camille.martin@", "martin_camille@",
/// "jean-pierre.dupont2@"), so that the address is also the person's name.
pub fn name_in_email(email: &str) -> bool {
    let Some((local, _)) = email.split_once('@') else {
        return false;
    };
    let local = local.trim_end_matches(|c: char| c.is_ascii_digit());
    let parts: Vec<&str> = local.split(['.', '_']).collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            p.chars().filter(|c| c.is_alphabetic()).count() >= 2
                && p.chars().all(|c| c.is_alphabetic() || c == '-')
        })
        && (is_first_name(parts[0]) || is_first_name(parts[parts.len() - 1]))
}

/// Names and addresses in `text`, in order.
pub fn scan(text: &str) -> Vec<Finding> {
    scan_with(text, true)
}

/// `scan`, where `shortcut` says whether a candidate is settled from the
/// bytes after it (a lowercase word, punctuation that ends a name) and a
/// surname looked up only after a word just read (`opening`): the tests
/// check that it changes no finding.
fn scan_with(text: &str, shortcut: bool) -> Vec<Finding> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut ws = Window::new(text);
    let mut marks = Marks::new(b, may_open);
    let mut p = 0;
    // Where the last word read by `opening` ends: a capitalised word just
    // before a candidate was read there (none is passed over), so a
    // candidate after anything else has no first name before it.
    let mut opened_end = usize::MAX;
    while let Some(at) = marks.next_from(p) {
        p = at;
        let c = b[p];
        let (opens, len) = match c {
            0..=0x7F => (c.is_ascii_uppercase() || c.is_ascii_digit(), 1),
            // The middle of a character: `p` moves by whole characters,
            // so only past a text's end; nothing opens here.
            0x80..=0xBF => (false, 1),
            // À…Þ (not ×), two bytes, without decoding.
            0xC3 => (
                b.get(p + 1)
                    .is_some_and(|n| (0x80..=0x9E).contains(n) && *n != 0x97),
                2,
            ),
            _ => {
                let ch = text[p..].chars().next().unwrap_or(' ');
                (ch.is_uppercase(), ch.len_utf8())
            }
        };
        if !opens || !starts_word(text, p) {
            p += len;
            continue;
        }
        let after_word = opened_end.checked_add(1) == Some(p) && b[p - 1] == b' ';
        let (first, op) = match opening(text, p, shortcut, after_word) {
            Ok(o) => {
                opened_end = o.0.end;
                o
            }
            Err(end) => {
                // A capitalised word that opens nothing ("Le", "Conseil").
                opened_end = end;
                p = end;
                continue;
            }
        };
        // A known surname after a first name the lexicon does not know:
        // « Gwendal Fontaine », « Gwendal FONTAINE ».
        let done = out.last().map_or(0, |f: &Finding| f.end);
        if op.surname
            && let Some(start) = first_name_before(text, p, done)
        {
            out.push(Finding {
                kind: PiiKind::PersonName,
                start,
                end: first.end,
            });
            p = first.end;
            continue;
        }
        ws.start(first);
        if let Some((kind, last)) = at_candidate(&mut ws, op)
            && (kind != PiiKind::PersonName || !names_a_place(text, p))
        {
            let end = ws.get(last).map_or(p + len, |w| w.end);
            out.push(Finding {
                kind,
                start: p,
                end,
            });
            p = end;
        } else {
            // Not a finding: the rest of this word opens nothing.
            p = first.end;
        }
    }
    out
}

/// What the candidate's own word says, read once.
#[derive(Clone, Copy)]
struct Opening {
    first_name: bool,
    line_start: bool,
    /// One of the surnames most borne in France.
    surname: bool,
}

/// The word at `p` (a word's start) and what it says, if it may open a
/// finding from the word alone; else where it ends. Most capitalised
/// words ("Le", "Conseil") do not, and cost no more than their bytes and
/// a look-up.
///
/// `after_word`: the word before `p` was read here, a single space before
/// it; else the surname's look back cannot find a first name.
fn opening(
    text: &str,
    p: usize,
    shortcut: bool,
    after_word: bool,
) -> Result<(Word<'_>, Opening), usize> {
    let end = word_end(text, p);
    let w = &text[p..end];
    let digit = w.as_bytes().first().is_some_and(u8::is_ascii_digit);
    let lowercase_next = shortcut && !digit && lowercase_follows(text, end);
    let stop = if lowercase_next {
        None
    } else {
        stop_after(text, end)
    };
    // Every rule that reads on needs a capitalised word or a particle next
    // without punctuation between ("Hélène a écrit", "Madame la Maire",
    // "Dupont, Jean"), but a title's full stop ("M. Martin"): otherwise
    // only a surname's look back (« Gwendal Fontaine ») is left, and most
    // candidates of a text end here (issue 19, line rate).
    let settled = shortcut
        && !digit
        && (lowercase_next
            || match stop {
                Some('.') => {
                    !TITLES.contains(&w)
                        || (text.as_bytes().get(end) == Some(&b'.')
                            && lowercase_follows(text, end + 1))
                }
                c => ends_name_at(c),
            });
    if settled {
        return if after_word && is_surname(w) {
            Ok((
                Word { text: w, end, stop },
                Opening {
                    first_name: false,
                    line_start: false,
                    surname: true,
                },
            ))
        } else {
            Err(end.max(p + 1))
        };
    }
    let first_name = !digit && is_first_name(w);
    let surname = !digit && is_surname(w);
    // A signature's first name: the line's first word.
    let may_sign = !digit && line_begins(text, p) && capitalised(w);
    if !(digit || first_name || surname || may_sign || TITLES.contains(&w) || in_capitals(w)) {
        return Err(end.max(p + 1));
    }
    Ok((
        Word { text: w, end, stop },
        Opening {
            first_name,
            line_start: may_sign && stop.is_none(),
            surname,
        },
    ))
}

/// Capitalised words that are not first names before a surname: French
/// words a sentence may start with, and words of places and firms
/// (« Selon Martin », « Saint Martin », « Groupe Bernard »).
const NOT_FIRST: WordSet = WordSet::new(&[
    "le",
    "la",
    "les",
    "l'",
    "un",
    "une",
    "de",
    "du",
    "des",
    "d'",
    "au",
    "aux",
    "en",
    "à",
    "et",
    "ou",
    "mais",
    "pour",
    "par",
    "avec",
    "chez",
    "selon",
    "dans",
    "sur",
    "sous",
    "vers",
    "entre",
    "sans",
    "contre",
    "après",
    "avant",
    "depuis",
    "pendant",
    "ce",
    "cette",
    "ces",
    "son",
    "sa",
    "ses",
    "notre",
    "votre",
    "leur",
    "il",
    "elle",
    "nous",
    "vous",
    "on",
    "si",
    "quand",
    "comme",
    "saint",
    "sainte",
    "mont",
    "port",
    "pont",
    "cap",
    "val",
    "château",
    "lac",
    "grand",
    "société",
    "groupe",
    "cabinet",
    "maison",
]);

/// Where a first name the lexicon does not know starts, just before the
/// surname at `p` on the same line: one capitalised word (not in
/// capitals, not a title, not a sentence's first word of `NOT_FIRST`),
/// a single space before the surname, not a place's name, not inside an
/// earlier finding (`done`).
fn first_name_before(text: &str, p: usize, done: usize) -> Option<usize> {
    let (begin, w) = word_before(text, p)?;
    let named = begin >= done
        && text.get(begin + w.len()..p) == Some(" ")
        && capitalised(w)
        && !in_capitals(w)
        && !TITLES.contains(&w)
        && !NOT_FIRST.contains(without_elision(w))
        && !PLACES.contains(w)
        && !names_a_place(text, begin);
    named.then_some(begin)
}

/// Whether the word after the one that ends at `end` follows it after a
/// single space and starts with a lowercase letter, and is not a particle
/// that may open a surname ("de", "du", "des", "d'"). Read from bytes:
/// ASCII letters and Latin-1's lowercase letters.
fn lowercase_follows(text: &str, end: usize) -> bool {
    let b = text.as_bytes();
    if b.get(end) != Some(&b' ') {
        return false;
    }
    match b.get(end + 1) {
        Some(b'd') => {
            let next = &text[end + 1..word_end(text, end + 1)];
            !matches!(next, "de" | "du" | "des" | "d'")
        }
        Some(c) if c.is_ascii_lowercase() => true,
        // à…ÿ but ÷, which is not a letter.
        Some(0xC3) => b.get(end + 2).is_some_and(|n| *n >= 0xA0 && *n != 0xB7),
        _ => false,
    }
}

/// Whether only spaces stand between the line's start and `p`.
fn line_begins(text: &str, p: usize) -> bool {
    text[..p]
        .chars()
        .rev()
        .take_while(|c| *c != '\n')
        .all(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elisions_and_house_numbers_are_taken_off() {
        for (w, rest) in [
            ("l'école", "école"),
            ("L’École", "École"),
            ("d'Arc", "Arc"),
            ("D’ARC", "ARC"),
            ("1Rue", "Rue"),
            ("12l'école", "école"),
            ("lé", "lé"),
            ("l", "l"),
            ("la", "la"),
            ("’", "’"),
        ] {
            assert_eq!(without_elision(w), rest, "{w}");
        }
    }

    /// C39: settling a word from the bytes after it finds what the full
    /// rules find, on texts of names, titles, particles, places, numbers,
    /// capitals, punctuation and lowercase words in every order and spacing.
    #[test]
    fn c39_settling_words_early_changes_no_finding() {
        let pool = [
            "Jean",
            "Hélène",
            "Gwendal",
            "Fontaine",
            "FONTAINE",
            "DUPONT",
            "Martin",
            "MARTIN",
            "Madame",
            "M.",
            "Mme",
            "de",
            "du",
            "des",
            "d'",
            "d’Arc",
            "la",
            "le",
            "délibération",
            "dossier",
            "été",
            "à",
            "élu",
            "rue",
            "collège",
            "Saint-Exupéry",
            "12",
            "bis",
            "39000",
            "Lons-le-Saunier",
            "Selon",
            "SIRET",
            "Le",
            "Conseil",
            "÷",
            "«",
            "»",
            ",",
            ".",
            ":",
            "\n",
            "Écrit",
            "Œuvre",
            "Øst",
            "x",
        ];
        let gaps = [" ", "  ", "", "\u{a0}", " - "];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for _ in 0..3000 {
            let mut t = String::new();
            for _ in 0..next(14) + 1 {
                t.push_str(pool[next(pool.len())]);
                t.push_str(gaps[next(gaps.len())]);
            }
            assert_eq!(scan_with(&t, true), scan_with(&t, false), "{t:?}");
        }
    }

    fn found(t: &str) -> Vec<(PiiKind, &str)> {
        scan(t)
            .iter()
            .map(|f| (f.kind, &t[f.start..f.end]))
            .collect()
    }

    /// The byte search misses no character that may open a finding: every
    /// capital of any script and every digit, wherever it falls in the
    /// blocks, among French letters, punctuation and other scripts.
    #[test]
    fn every_capital_and_digit_is_a_mark() {
        let pool: Vec<char> = "abcz éèàçœ’«»\u{a0}\u{202f}ÉÀÇÞ×÷ŒŸĀǅΣΩσЖж中😀ℂⅣⒶ—…09AZ-'.\n"
            .chars()
            .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 1..400 {
            let text: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    pool[(x % pool.len() as u64) as usize]
                })
                .collect();
            let mut marks = Marks::new(text.as_bytes(), may_open);
            let mut marked = Vec::new();
            let mut from = 0;
            while let Some(i) = marks.next_from(from) {
                marked.push(i);
                from = i + 1;
            }
            for (i, c) in text.char_indices() {
                if c.is_uppercase() || c.is_ascii_digit() {
                    assert!(marked.contains(&i), "{c:?} at {i} of {text:?}");
                }
            }
            // Lowercase French and its punctuation are passed.
            for i in marked {
                let c = text[i..].chars().next().unwrap();
                assert!(
                    !matches!(
                        c,
                        'a'..='z'
                            | 'é'
                            | 'è'
                            | 'à'
                            | 'ç'
                            | ' '
                            | '’'
                            | '«'
                            | '»'
                            | '\u{a0}'
                            | '—'
                            | '…'
                    ),
                    "{c:?} marked"
                );
            }
        }
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
    fn names_as_french_administration_writes_them() {
        assert_eq!(
            found("Dossier suivi par DUPONT Jean-Pierre, agent."),
            [(PiiKind::PersonName, "DUPONT Jean-Pierre")]
        );
        assert_eq!(
            found("Présents : LE GALL Maurice et Mme Roux."),
            [
                (PiiKind::PersonName, "LE GALL Maurice"),
                (PiiKind::PersonName, "Mme Roux")
            ]
        );
        assert_eq!(
            found("Bien cordialement,\nYvon TRÉGUER\nMairie"),
            [(PiiKind::PersonName, "Yvon TRÉGUER")]
        );
        assert_eq!(
            found("Réponse de Marie-Claire Bouvier."),
            [(PiiKind::PersonName, "Marie-Claire Bouvier")]
        );
    }

    /// Issue 19: a first name the lexicon does not know is found beside a
    /// surname it knows; the words a sentence or a place starts with are
    /// not first names.
    #[test]
    fn c39_an_unknown_first_name_beside_a_known_surname() {
        assert_eq!(
            found("Courrier de Gwendal Fontaine, reçu hier."),
            [(PiiKind::PersonName, "Gwendal Fontaine")]
        );
        assert_eq!(
            found("Dossier suivi par Tancrède MOREAU."),
            [(PiiKind::PersonName, "Tancrède MOREAU")]
        );
        assert_eq!(
            found("Présents : GIRARD Ombeline et le maire."),
            [(PiiKind::PersonName, "GIRARD Ombeline")]
        );
        for t in [
            "Selon Martin, le budget est voté.",
            "La commune de Saint Martin.",
            "Le Groupe Bernard a répondu.",
            "Travaux rue Hadrien Moreau.",
            "Voir l'Article Roux.",
        ] {
            assert_eq!(found(t), [], "{t}");
        }
    }

    #[test]
    fn emails_that_name_their_person() {
        for e in [
            "camille.martin@mairie.fr",
            "martin_camille@exemple.org",
            "jean-pierre.dupont2@x.fr",
            "Maurice.ROUX@x.fr",
        ] {
            assert!(name_in_email(e), "{e}");
        }
        for e in [
            "contact@mairie.fr",
            "camille@x.fr",
            "j.dupont@x.fr",
            "service.etat-civil@x.fr",
            "rh.2026@x.fr",
        ] {
            assert!(!name_in_email(e), "{e}");
        }
    }

    #[test]
    fn places_named_after_people_are_places() {
        for t in [
            "Le collège Antoine de Saint-Exupéry ouvre lundi.",
            "Réunion salle Jean Moulin à 18 h.",
            "L'école Jules Ferry et l’allée Marie Curie.",
            "La place du Général de Gaulle est piétonne.",
            "Travaux avenue Victor Hugo.",
            "Le lycée Saint-Exupéry et Saint-Claude.",
            "Rendez-vous à Saint-Jean-de-Luz.",
        ] {
            assert_eq!(found(t), [], "{t}");
        }
        // A house number against the street's word (seen in a real policy).
        assert_eq!(
            found("Siège : 1Rue Maurice Chevassu, 39000 Lons-le-Saunier"),
            [(PiiKind::PostalAddress, "39000 Lons-le-Saunier")]
        );
        // Not a place word before: a person.
        assert_eq!(
            found("Lettre de Victor Hugo."),
            [(PiiKind::PersonName, "Victor Hugo")]
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
    fn nothing_spans_a_line_end() {
        assert_eq!(found("Lettre de M.\nDupont"), []);
        assert_eq!(
            found("12 rue des Lilas,\n39000 Lons"),
            [
                (PiiKind::PostalAddress, "12 rue des Lilas"),
                (PiiKind::PostalAddress, "39000 Lons")
            ]
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
            "Le RGPD et la CNIL.",
            "Article L. 1111-2 du CGCT",
            "SIRET Marie",
        ] {
            assert_eq!(found(t), [], "{t}");
        }
    }
}
