//! How a person's identities are compared with a client database's
//! identity columns (C15, issue 11): normalised on both sides, in the
//! database, so that `Elodie.Lefevre@LaPoste.net`, an address padded with
//! spaces or a phone written `+33 (0)6 11 22 33 44` is found; or as stored
//! when the dataset says `match = "exact"`.

use vigie_domain::dataset::IdentityKind;

use crate::conn::Dialect;

/// Characters people put between a phone's digits, removed in SQL.
const PHONE_SEPARATORS: [&str; 7] = [" ", ".", "-", "(", ")", "+", "/"];

/// The SQL expression that normalises `column`'s stored value for `kind`.
/// `as_text` casts a non-text PostgreSQL column first. An index on this
/// same expression makes the comparison an index lookup (docs/rights.md).
pub fn expression(d: Dialect, kind: IdentityKind, column: &str, as_text: bool) -> String {
    let mut x = d.ident(column);
    if as_text && d == Dialect::Postgres {
        x = format!("{x}::text");
    }
    match kind {
        IdentityKind::Email => format!("lower(trim({x}))"),
        IdentityKind::Phone => PHONE_SEPARATORS
            .iter()
            .fold(x, |acc, s| format!("replace({acc}, '{s}', '')")),
        IdentityKind::Nir => format!("upper(replace({x}, ' ', ''))"),
        IdentityKind::AccountId => format!("trim({x})"),
    }
}

/// The index that makes normalised matching on `table.column` an index
/// lookup, for the DPO to hand to the application's administrator:
/// an expression index on PostgreSQL, SQLite and MySQL 8. MariaDB has no
/// expression index: there the comparison reads the table (or the column
/// is declared `match = "exact"` when the application normalises it).
pub fn index_statement(
    d: Dialect,
    kind: IdentityKind,
    table: &str,
    column: &str,
    as_text: bool,
) -> String {
    let name = d.ident(&format!("{table}_{column}_vigie"));
    format!(
        "CREATE INDEX {name} ON {} (({}))",
        d.ident(table),
        expression(d, kind, column, as_text)
    )
}

/// The values [`expression`] gives for every way `value` may be stored:
/// one for most kinds; for a French phone, its national form and the
/// international ones (`33…`, `0033…`, and `330…` from `+33 (0)…`).
pub fn keys(kind: IdentityKind, value: &str) -> Vec<String> {
    let v = value.trim();
    let mut out = match kind {
        IdentityKind::Email => vec![v.to_lowercase()],
        IdentityKind::Nir => vec![
            v.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase(),
        ],
        IdentityKind::AccountId => vec![v.to_owned()],
        IdentityKind::Phone => {
            let national = kind.normal(v);
            match national.strip_prefix('0') {
                Some(rest) if national.len() == 10 && rest.bytes().all(|b| b.is_ascii_digit()) => {
                    vec![
                        national.clone(),
                        format!("33{rest}"),
                        format!("0033{rest}"),
                        format!("330{rest}"),
                        format!("00330{rest}"),
                    ]
                }
                _ => vec![national],
            }
        }
    };
    out.retain(|k| !k.is_empty());
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c15_every_written_form_of_a_phone_has_a_key() {
        let k = keys(IdentityKind::Phone, "06 12 34 56 78");
        // What the SQL expression makes of each stored form.
        let strip = |s: &str| {
            PHONE_SEPARATORS
                .iter()
                .fold(s.to_owned(), |acc, sep| acc.replace(sep, ""))
        };
        for stored in [
            "0612345678",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "+33 6 12 34 56 78",
            "+33612345678",
            "0033612345678",
            "0033 6 12 34 56 78",
            "+33 (0)6 12 34 56 78",
            "(+33) 6 12 34 56 78",
            "06/12/34/56/78",
        ] {
            assert!(k.contains(&strip(stored)), "{stored} → {}", strip(stored));
        }
        // Asked in any of these forms, the keys are the same.
        for asked in ["+33 (0)6 12 34 56 78", "0033612345678", "+33612345678"] {
            assert_eq!(keys(IdentityKind::Phone, asked), k, "{asked}");
        }
        assert!(!k.contains(&strip("06 12 34 56 79")));
    }

    #[test]
    fn c15_emails_and_identifiers_compare_without_case_or_padding() {
        assert_eq!(
            keys(IdentityKind::Email, "  Elodie.Lefevre-Menard@LaPoste.net "),
            vec!["elodie.lefevre-menard@laposte.net"]
        );
        assert_eq!(
            keys(IdentityKind::Nir, "2 84 05 2a 004 017 42"),
            vec!["284052A00401742"]
        );
        assert_eq!(
            expression(Dialect::Postgres, IdentityKind::Email, "email", false),
            "lower(trim(\"email\"))"
        );
        assert_eq!(
            expression(Dialect::MySql, IdentityKind::AccountId, "n", true),
            "trim(`n`)"
        );
    }
}
