//! `vigie scan`: personal-data discovery on files, as a report for people
//! or JSON for machines. Values never appear, only masked examples.

use std::{io::Write, path::Path};

use anyhow::Context;
use vigie_scan::{
    column::Position,
    read::{Format, SourceReport, scan_bytes},
};

/// Scans every file; a file that cannot be read or parsed is reported with
/// its reason and the others are still scanned. Returns the reports and
/// the errors.
pub fn scan_files(paths: &[impl AsRef<Path>], progress: bool) -> (Vec<SourceReport>, Vec<String>) {
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        let p = p.as_ref();
        let name = p.display().to_string();
        if progress {
            eprint!("\r[{}/{}] {name}\x1b[K", i + 1, paths.len());
            let _ = std::io::stderr().flush();
        }
        let result = std::fs::read(p)
            .with_context(|| format!("{name}: cannot read"))
            .and_then(|bytes| {
                let format = Format::detect(&name, &bytes[..bytes.len().min(4096)]);
                scan_bytes(&name, format, &bytes).with_context(|| name.clone())
            });
        match result {
            Ok(r) => reports.push(r),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if progress {
        eprintln!();
    }
    (reports, errors)
}

/// Samples a database (names and types first, at most `rows` rows per
/// table) and classifies each column.
pub async fn scan_database(url: &str, rows: u32) -> anyhow::Result<SourceReport> {
    let samples = vigie_connect::sample_database(url, rows).await?;
    let mut findings = Vec::new();
    for s in &samples {
        for mut f in
            vigie_scan::column::classify_column(&s.column, s.values.iter().map(String::as_str))
        {
            f.column = format!("{}.{} ({})", s.table, s.column, s.data_type);
            findings.push(f);
        }
    }
    Ok(SourceReport {
        source: crate::config::redact_url(url),
        format: Format::Database,
        findings,
    })
}

/// The report as people read it.
pub fn render_text(reports: &[SourceReport]) -> String {
    let mut s = String::new();
    for r in reports {
        s.push_str(&format!("{} ({:?})\n", r.source, r.format).to_lowercase());
        if r.findings.is_empty() {
            s.push_str("  no personal data found\n");
        }
        for f in &r.findings {
            // Where to look first (the JSON report lists more).
            let first = match f.at.first() {
                Some(Position::Text { line, .. }) => format!("  first at line {line}"),
                Some(Position::Row { row }) => format!("  first at row {row}"),
                None => String::new(),
            };
            s.push_str(&format!(
                "  {:<28} {:<15} {:>6}/{:<6} confidence {:.2}  {}  [{}]{first}\n",
                f.column,
                f.kind.as_str(),
                f.matched,
                f.sampled,
                f.confidence,
                f.example,
                f.evidence
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c39_scans_files_and_reports_bad_ones() {
        let dir = std::env::temp_dir().join(format!("vigie-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("agents.csv");
        std::fs::write(&good, "email;tel\na@b.fr;0612345678\nc@d.fr;0798765432\n").unwrap();
        let bad = dir.join("broken.json");
        std::fs::write(&bad, "{\"a\": [1, 2").unwrap();
        let missing = dir.join("missing.txt");
        let (reports, errors) = scan_files(&[good, bad, missing], false);
        assert_eq!(reports.len(), 1);
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0].contains("broken.json") && errors[0].contains("line 1"),
            "{errors:?}"
        );
        assert!(errors[1].contains("missing.txt: cannot read"));
        let text = render_text(&reports);
        assert!(
            text.contains("email") && text.contains("phone") && !text.contains("a@b.fr"),
            "{text}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
