//! The text form of a dataset, as a DPO writes it (TOML), and its errors
//! with the line and column where they are.

use vigie_domain::dataset::Dataset;

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
