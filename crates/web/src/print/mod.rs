//! Printable documents (C06, issue 17): the register, one activity — as a
//! plain model of headed sections of labelled lines, written out as PDF
//! (through `crate::pdf`) and as OpenDocument text (`odt`), the format
//! French administrations are asked to use, editable in LibreOffice.

pub mod odt;
mod zip;

/// A document to print: a cover (the organisation sheet), then sections.
pub struct Document {
    pub lang: &'static str,
    pub title: String,
    /// Under the title: the organisation, the date.
    pub subtitle: String,
    /// (label, value) of the cover page.
    pub cover: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// "Page" in the document's language, for the footer.
    pub page_word: &'static str,
}

/// One heading and its fields, each a label and its lines.
pub struct Section {
    pub heading: String,
    pub fields: Vec<(String, Vec<String>)>,
    /// Starts a new page (an activity of the register); a short section
    /// of a report follows the one before.
    pub page_break: bool,
}

impl Section {
    /// A section that starts its own page.
    pub fn page(heading: String, fields: Vec<(String, Vec<String>)>) -> Section {
        Section {
            heading,
            fields,
            page_break: true,
        }
    }

    /// A section that follows the one before on the same page.
    pub fn follows(heading: String, fields: Vec<(String, Vec<String>)>) -> Section {
        Section {
            heading,
            fields,
            page_break: false,
        }
    }
}

/// The document as PDF: the cover's fields, then each section under its
/// heading; French typography applied as in the ODT.
pub fn pdf(d: &Document) -> Vec<u8> {
    use crate::pdf::Block::{Field, Heading, PageBreak, Para, Title};
    let t = |s: &str| typeset(d.lang, s);
    let mut blocks = vec![Title(t(&d.title)), Para(t(&d.subtitle))];
    blocks.extend(d.cover.iter().map(|(k, v)| Field(t(k), t(v))));
    for (i, s) in d.sections.iter().enumerate() {
        // The cover alone on its page, then the sections, each on a new
        // page when it asks for one.
        if i == 0 || s.page_break {
            blocks.push(PageBreak);
        }
        blocks.push(Heading(t(&s.heading)));
        blocks.extend(
            s.fields
                .iter()
                .map(|(k, lines)| Field(t(k), t(&lines.join("\n")))),
        );
    }
    crate::pdf::render(&d.title, &format!("{} — {}", d.title, d.subtitle), &blocks)
}

/// French typography: a narrow no-break space before « ; : ! ? » and
/// inside « », as printed French wants (English text is left alone).
pub fn typeset(lang: &str, text: &str) -> String {
    if lang == "en" {
        return text.to_owned();
    }
    const NNBSP: char = '\u{202F}';
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ';' | ':' | '!' | '?' => {
                // "a : b" → "a\u{202F}: b"; "http://" and "10:30" stay.
                if out.ends_with(' ') {
                    out.pop();
                    out.push(NNBSP);
                }
                out.push(c);
            }
            '«' => {
                out.push(c);
                if chars.peek() == Some(&' ') {
                    chars.next();
                }
                out.push(NNBSP);
            }
            '»' => {
                if out.ends_with(' ') {
                    out.pop();
                }
                if !out.ends_with(NNBSP) {
                    out.push(NNBSP);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::typeset;

    #[test]
    fn french_punctuation_gets_its_narrow_space() {
        assert_eq!(
            typeset("fr", "Durée : 2 ans ; « tri »"),
            "Durée\u{202F}: 2 ans\u{202F}; «\u{202F}tri\u{202F}»"
        );
        assert_eq!(
            typeset("fr", "https://a.fr à 10:30"),
            "https://a.fr à 10:30"
        );
        assert_eq!(typeset("en", "Period : 2 years"), "Period : 2 years");
    }
}
