//! `vigie scan`: personal-data discovery on files, as a report for people
//! or JSON for machines. Values never appear, only masked examples.

use std::{
    io::{Read, Write},
    path::Path,
};

use anyhow::Context;
use vigie_scan::{
    column::Position,
    read::{Format, SourceReport, TextTally, scan_reader},
};

/// Scans every file, several at once (one per core; a large text uses
/// every core by itself); a file that cannot be read or parsed is reported
/// with its reason and the others are still scanned. Returns the reports
/// and the errors, in the order of `paths`.
pub fn scan_files(
    paths: &[impl AsRef<Path> + Sync],
    progress: bool,
) -> (Vec<SourceReport>, Vec<String>) {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<anyhow::Result<SourceReport>>>> =
        paths.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = paths.get(i) else {
                        return;
                    };
                    let p = p.as_ref();
                    let name = p.display().to_string();
                    let result = scan_file(p, &name);
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    if progress {
                        eprint!("\r[{n}/{}] {name}\x1b[K", paths.len());
                        let _ = std::io::stderr().flush();
                    }
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    if progress {
        eprintln!();
    }
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r.into_inner().ok().flatten() {
            Some(Ok(r)) => reports.push(r),
            Some(Err(e)) => errors.push(format!("{e:#}")),
            None => errors.push("a file was left unscanned (a worker stopped)".to_owned()),
        }
    }
    (reports, errors)
}

/// Bytes of a text read at a time, cut at a line's end: no match spans a
/// line end, so the pieces' tallies add up to the whole text's.
const PIECE: usize = 1 << 20;
/// A line longer than this is cut anyway (at a character's boundary).
const LONGEST_LINE: usize = 16 * PIECE;

/// One file: text is read in pieces and scanned on every core, tables and
/// JSON Lines as they come, in bounded memory (issue 19); a JSON document
/// is read whole.
fn scan_file(p: &Path, name: &str) -> anyhow::Result<SourceReport> {
    let mut file = std::fs::File::open(p).with_context(|| format!("{name}: cannot read"))?;
    let mut head = Vec::with_capacity(4096);
    (&mut file)
        .take(4096)
        .read_to_end(&mut head)
        .with_context(|| format!("{name}: cannot read"))?;
    let format = Format::detect(name, &head);
    if format == Format::Text {
        return scan_text(name, head, file).with_context(|| format!("{name}: cannot read"));
    }
    scan_reader(name, format, &head, file).with_context(|| name.to_owned())
}

/// A text, `head` already read, the rest from `rest`: one thread reads
/// pieces, the others tally them; the tallies are merged in order.
fn scan_text(name: &str, head: Vec<u8>, mut rest: impl Read) -> std::io::Result<SourceReport> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (pieces, queue) = std::sync::mpsc::sync_channel::<(usize, usize, usize, Vec<u8>)>(workers);
    let queue = std::sync::Mutex::new(queue);
    let (tallied, tallies) = std::sync::mpsc::channel::<(usize, TextTally)>();
    // Tallies are merged in order as they come: the ones ahead of a piece
    // still being read wait, the rest are folded in (bounded memory).
    let mut total = TextTally::default();
    let mut merged = 0;
    let mut ahead: std::collections::BTreeMap<usize, TextTally> = Default::default();
    let mut absorb = |(n, t): (usize, TextTally)| {
        ahead.insert(n, t);
        while let Some(t) = ahead.remove(&merged) {
            total.merge(t);
            merged += 1;
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (queue, tallied) = (&queue, tallied.clone());
            scope.spawn(move || {
                loop {
                    let next = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(_) => return,
                    };
                    let Ok((n, offset, line, bytes)) = next else {
                        return;
                    };
                    // Valid UTF-8 (the common case) is checked with SIMD
                    // (std's check ran at a fifth of the scan's time on
                    // accented French); only invalid bytes are replaced.
                    let text = match simdutf8::basic::from_utf8(&bytes) {
                        Ok(t) => std::borrow::Cow::Borrowed(t),
                        Err(_) => String::from_utf8_lossy(&bytes),
                    };
                    if tallied
                        .send((n, TextTally::of_piece(&text, offset, line)))
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
        drop(tallied);
        let mut carry = head;
        let (mut n, mut offset, mut line) = (0, 0, 1);
        let mut done = false;
        while !done {
            // Read into the piece itself (no copy between buffers).
            carry.reserve(PIECE);
            let got = (&mut rest).take(PIECE as u64).read_to_end(&mut carry)?;
            done = got == 0;
            if !done && carry.len() < PIECE {
                continue;
            }
            let cut = if done {
                carry.len()
            } else if let Some(nl) = carry.iter().rposition(|b| *b == b'\n') {
                nl + 1
            } else if carry.len() < LONGEST_LINE {
                continue;
            } else {
                // Not inside a character.
                let mut at = carry.len();
                while at > 0 && (carry[at - 1] & 0b1100_0000) == 0b1000_0000 {
                    at -= 1;
                }
                at.saturating_sub(1).max(1)
            };
            let next = carry.split_off(cut);
            let piece = std::mem::replace(&mut carry, next);
            if piece.is_empty() {
                continue;
            }
            let lines = memchr::memchr_iter(b'\n', &piece).count();
            let len = piece.len();
            if pieces.send((n, offset, line, piece)).is_err() {
                break;
            }
            (n, offset, line) = (n + 1, offset + len, line + lines);
            while let Ok(t) = tallies.try_recv() {
                absorb(t);
            }
        }
        drop(pieces);
        Ok::<(), std::io::Error>(())
    })?;
    for t in tallies {
        absorb(t);
    }
    Ok(total.report(name))
}

/// Samples a database (names and types first, at most `rows` rows per
/// table) and classifies each column; a finding names the rows of its
/// first matches by their keys.
pub async fn scan_database(url: &str, rows: u32) -> anyhow::Result<SourceReport> {
    let samples = vigie_connect::sample_database(url, rows).await?;
    let mut findings = Vec::new();
    for s in &samples {
        for mut f in vigie_service::discovery::classify_sample(s) {
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
                Some(Position::Key { key }) => format!("  first at {key}"),
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

    /// Issue 19: a text longer than several pieces, read in pieces on
    /// every core, gives the report of the whole text — counts, first
    /// example, positions (lines and offsets), lines.
    #[test]
    fn a_large_text_read_in_pieces_reports_as_the_whole() {
        let mut text = String::new();
        let mut n = 0;
        while text.len() < 3 * PIECE + PIECE / 2 {
            n += 1;
            if n % 997 == 0 {
                text.push_str(&format!(
                    "Écrire à agent{n}@mairie.fr ou à M. Yann Dupré, 12 rue des Lilas.\n"
                ));
            } else {
                text.push_str("Le conseil municipal s'est réuni à la mairie pour délibérer.\n");
            }
        }
        let bytes = text.as_bytes();
        let whole = TextTally::of_piece(&text, 0, 1).report("t.txt");
        let streamed = scan_text("t.txt", bytes[..4096].to_vec(), &bytes[4096..]).unwrap();
        assert_eq!(
            serde_json::to_value(&streamed).unwrap(),
            serde_json::to_value(&whole).unwrap()
        );
        let email = streamed
            .findings
            .iter()
            .find(|f| f.kind == vigie_scan::PiiKind::Email)
            .unwrap();
        assert_eq!(email.matched, n / 997);
        assert_eq!(
            email.at[0],
            Position::Text {
                line: 997,
                offset: text.find("agent997").unwrap()
            }
        );
    }
}
