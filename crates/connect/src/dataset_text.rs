//! The text form of a dataset, as a DPO writes it (TOML), and its errors
//! with the line and column where they are.

use vigie_domain::dataset::{Dataset, Erasure, Link, Marker, Masking, Matching};

/// Reads a dataset; the error names the line, column and what was wrong.
pub fn parse_dataset(text: &str) -> Result<Dataset, String> {
    toml::from_str::<Dataset>(text).map_err(|e| {
        let msg = e.message().to_owned();
        match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("line {line}, column {column}: {msg}")
            }
            None => msg,
        }
    })
}

/// A dataset written as a DPO would write it: one `[[table]]` block per
/// table, its columns indented under it, defaults left out. What the
/// guided editor saves; it reads back as the same dataset.
pub fn dataset_text(d: &Dataset) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let marker = |m: &Marker| format!("{{ column = {}, value = {} }}", q(&m.column), q(&m.value));
    let mut out = String::new();
    for (i, t) in d.tables.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!(
            "[[table]]\nname = {}\nprimary_key = {}\nerasure = {}\n",
            q(&t.name),
            q(&t.primary_key),
            q(match t.erasure {
                Erasure::Delete => "delete",
                Erasure::Anonymise => "anonymise",
            })
        ));
        if let Some(m) = &t.restrict {
            out.push_str(&format!("restrict = {}\n", marker(m)));
        }
        if let Some(m) = &t.object {
            out.push_str(&format!("object = {}\n", marker(m)));
        }
        if t.history {
            out.push_str("history = true\n");
        }
        for c in &t.columns {
            out.push_str(&format!("\n  [[table.column]]\n  name = {}\n", q(&c.name)));
            if let Some(cat) = &c.category {
                out.push_str(&format!("  category = {}\n", q(cat)));
            }
            if let Some(k) = c.identity {
                out.push_str(&format!("  identity = {}\n", q(k.as_str())));
            }
            if c.matching == Matching::Exact {
                out.push_str("  match = \"exact\"\n");
            }
            if let Some(r) = &c.references {
                out.push_str(&format!("  references = {}\n", q(&r.to_string())));
            }
            match c.link {
                Link::Owner => {}
                Link::Mention => out.push_str("  link = \"mention\"\n"),
                Link::Shared => out.push_str("  link = \"shared\"\n"),
            }
            let masking = match &c.masking {
                Masking::Keep => None,
                Masking::Null => Some(q("null")),
                Masking::Fixed(v) => Some(format!("{{ fixed = {} }}", q(v))),
                Masking::KeyedHash => Some(q("keyed_hash")),
                Masking::Fake => Some(q("fake")),
                Masking::YearOnly => Some(q("year_only")),
            };
            if let Some(m) = masking {
                out.push_str(&format!("  masking = {m}\n"));
            }
            if c.rectifiable {
                out.push_str("  rectifiable = true\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_dataset_parses_and_is_sound() {
        let d = parse_dataset(crate::fixture::DATASET).unwrap();
        assert_eq!(d.tables.len(), 4);
        assert_eq!(d.problems(), vec![]);
    }

    #[test]
    fn c23_a_dataset_written_out_reads_back_the_same() {
        let d = parse_dataset(crate::fixture::DATASET).unwrap();
        let text = dataset_text(&d);
        assert_eq!(parse_dataset(&text).unwrap(), d, "{text}");
        assert!(
            text.contains("  masking = { fixed = \"Anonyme\" }\n"),
            "{text}"
        );
        // Names that need quoting survive.
        let mut odd = d.clone();
        odd.tables[0].columns[0].category = Some("a \"b\" \\ c".into());
        assert_eq!(parse_dataset(&dataset_text(&odd)).unwrap(), odd);
    }

    #[test]
    fn errors_say_where() {
        let e =
            parse_dataset("[[table]]\nname = \"a\"\nprimary_key = \"id\"\nerasure = \"burn\"\n")
                .unwrap_err();
        assert!(e.starts_with("line 4, column 11:"), "{e}");
        let e = parse_dataset("[[table]]\nname = \"a\"\nprimary_key = \"id\"\ncolour = 1\n")
            .unwrap_err();
        assert!(e.contains("line 4") && e.contains("colour"), "{e}");
        let e = parse_dataset(
            "[[table]]\nname = \"a\"\nprimary_key = \"id\"\n[[table.column]]\nname = \"b\"\nreferences = \"nodot\"\n",
        )
        .unwrap_err();
        assert!(e.contains("table.column"), "{e}");
    }
}
