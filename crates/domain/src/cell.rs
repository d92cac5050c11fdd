//! Text written into a CSV cell that a spreadsheet opens: a value that
//! starts like a formula (`=HYPERLINK(…)` typed into a register field, a
//! visitor's User-Agent in the trail) is prefixed with `'` so that it is
//! shown, never evaluated (issue 12, OWASP "CSV injection").

/// The characters a spreadsheet treats as the start of a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `value`, made inert for a spreadsheet.
pub fn spreadsheet_safe(value: &str) -> String {
    if value.starts_with(FORMULA_START) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c28_formulas_are_shown_not_run() {
        for v in [
            "=HYPERLINK(\"http://x\")",
            "+33 6 12",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(spreadsheet_safe(v), format!("'{v}"));
        }
        for v in ["Cantine", "2026-11-30", "", "a=b"] {
            assert_eq!(spreadsheet_safe(v), v);
        }
    }
}
