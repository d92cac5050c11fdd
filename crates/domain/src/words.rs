//! Words compared as French writes them: lowercase, accents dropped, so
//! that « Éloïse » in one column and « eloise » in another are one word.

/// A word's letters lowercased and without their accents (ligatures
/// spelled out: « œ » → « oe »).
pub fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ç' => out.push('c'),
            'ÿ' | 'ý' => out.push('y'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            c => out.push(c),
        }
    }
    out
}

/// The words of a text: its runs of letters and digits, with the byte
/// range each covers.
pub fn split(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, &str)> {
    let mut start = None;
    let mut chars = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
    std::iter::from_fn(move || {
        for (i, c) in chars.by_ref() {
            match (start, c.is_alphanumeric()) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    start = None;
                    return Some((s..i, &text[s..i]));
                }
                _ => {}
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_ligatures() {
        assert_eq!(fold("Éloïse"), "eloise");
        assert_eq!(fold("CŒUR"), "coeur");
        assert_eq!(fold("Garçon"), "garcon");
        assert_ne!(fold("Lucas"), fold("Lucie"));
    }

    #[test]
    fn splits_on_anything_but_letters_and_digits() {
        let words: Vec<&str> = split("Demande 0 de Lucas, l'élève—n°12")
            .map(|(_, w)| w)
            .collect();
        assert_eq!(
            words,
            ["Demande", "0", "de", "Lucas", "l", "élève", "n", "12"]
        );
        let text = "  Jean-Éric ";
        let (r, w) = split(text).nth(1).expect("two words");
        assert_eq!((w, &text[r]), ("Éric", "Éric"));
        assert_eq!(split("").count(), 0);
    }
}
