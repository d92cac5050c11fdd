//! A small PDF writer for documents a DPO files or prints (the CNIL
//! breach notification): A4 pages, the standard Helvetica fonts in
//! WinAnsi encoding — every PDF reader has them, nothing is embedded —
//! text wrapped to the page width from the fonts' metrics, a footer with
//! page numbers.

/// What a document holds, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// The document's title, large.
    Title(String),
    /// A section heading.
    Heading(String),
    /// A label and its value (a dash when empty).
    Field(String, String),
    /// Running text; line breaks are kept.
    Para(String),
    /// What follows starts a new page (unless the page is still empty).
    PageBreak,
}

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const FOOTER_Y: f32 = 30.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }
}

/// One laid-out line.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    font: Font,
    size: f32,
    x: f32,
    y: f32,
    text: String,
}

/// Helvetica's advance widths (thousandths of the size) for ASCII 32–126,
/// from the font's published metrics.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '–'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // '0'–'9'
    278, 278, 584, 584, 584, 556, 1015, // ':'–'@'
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667,
    611, 722, 667, 944, 667, 667, 611, // 'A'–'Z'
    278, 278, 278, 469, 556, 333, // '['–'`'
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, // 'a'–'z'
    334, 260, 334, 584, // '{'–'~'
];

/// The letter an accented one is drawn as wide as.
fn base_letter(c: char) -> char {
    match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'î' | 'ï' | 'í' | 'ì' => 'i',
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => 'o',
        'ù' | 'û' | 'ü' | 'ú' => 'u',
        'ç' => 'c',
        'ÿ' | 'ý' => 'y',
        'ñ' => 'n',
        'À' | 'Â' | 'Ä' | 'Á' | 'Ã' | 'Å' => 'A',
        'É' | 'È' | 'Ê' | 'Ë' => 'E',
        'Î' | 'Ï' | 'Í' | 'Ì' => 'I',
        'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => 'O',
        'Ù' | 'Û' | 'Ü' | 'Ú' => 'U',
        'Ç' => 'C',
        'Ÿ' | 'Ý' => 'Y',
        'Ñ' => 'N',
        other => other,
    }
}

/// Width of `c` in thousandths of the size; bold is drawn a tenth wider
/// to stay on the safe side of its own metrics.
fn width(c: char, font: Font) -> f32 {
    let c = base_letter(c);
    let w = match c {
        ' '..='~' => HELVETICA[c as usize - 32],
        '\u{a0}' | '\u{202f}' => 278,
        'œ' => 944,
        'Œ' => 1000,
        '’' | '‘' => 222,
        '“' | '”' => 333,
        '«' | '»' | '€' | '–' | '°' => 556,
        '—' | '…' => 1000,
        _ => 600,
    };
    let w = f32::from(w);
    if font == Font::Bold { w * 1.1 } else { w }
}

fn text_width(s: &str, font: Font, size: f32) -> f32 {
    s.chars().map(|c| width(c, font)).sum::<f32>() * size / 1000.0
}

/// Splits `text` into lines no wider than `max`; a word wider than a
/// line is cut.
fn wrap(text: &str, font: Font, size: f32, max: f32) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, font, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if text_width(&next, font, size) > max && !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
        out.push(line);
    }
    out
}

/// Lays the blocks out on pages.
fn layout(blocks: &[Block]) -> Vec<Vec<Line>> {
    let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
    let mut y = PAGE_HEIGHT - MARGIN;
    let full = PAGE_WIDTH - 2.0 * MARGIN;
    let put = |pages: &mut Vec<Vec<Line>>,
               y: &mut f32,
               font,
               size: f32,
               indent: f32,
               text: &str,
               before: f32| {
        let leading = size * 1.35;
        *y -= before;
        for l in wrap(text, font, size, full - indent) {
            if *y - leading < MARGIN {
                pages.push(Vec::new());
                *y = PAGE_HEIGHT - MARGIN;
            }
            *y -= leading;
            if let Some(page) = pages.last_mut() {
                page.push(Line {
                    font,
                    size,
                    x: MARGIN + indent,
                    y: *y,
                    text: l,
                });
            }
        }
    };
    for b in blocks {
        match b {
            Block::Title(t) => put(&mut pages, &mut y, Font::Bold, 15.0, 0.0, t, 0.0),
            Block::Heading(t) => put(&mut pages, &mut y, Font::Bold, 12.0, 0.0, t, 10.0),
            Block::Field(label, value) => {
                put(&mut pages, &mut y, Font::Bold, 9.5, 0.0, label, 3.0);
                let v = if value.trim().is_empty() {
                    "—"
                } else {
                    value.trim()
                };
                put(&mut pages, &mut y, Font::Regular, 10.0, 12.0, v, 0.0);
            }
            Block::Para(t) => put(&mut pages, &mut y, Font::Regular, 10.0, 0.0, t, 3.0),
            Block::PageBreak => {
                if pages.last().is_some_and(|p| !p.is_empty()) {
                    pages.push(Vec::new());
                    y = PAGE_HEIGHT - MARGIN;
                }
            }
        }
    }
    pages
}

/// `c` in WinAnsiEncoding (Windows-1252); `?` where it has no place.
fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\t' => b' ',
        '\u{202f}' => 0xA0,
        '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
        '€' => 0x80,
        '‚' => 0x82,
        '„' => 0x84,
        '…' => 0x85,
        'Œ' => 0x8C,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '™' => 0x99,
        'œ' => 0x9C,
        'Ÿ' => 0x9F,
        _ => b'?',
    }
}

/// A PDF literal string of `s`.
fn literal(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in s.chars() {
        let b = win_ansi(c);
        if matches!(b, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b')');
    out
}

/// The document, as the bytes of a PDF file.
pub fn render(title: &str, footer: &str, blocks: &[Block]) -> Vec<u8> {
    let pages = layout(blocks);
    let n = pages.len();
    // Objects: 1 catalog, 2 page tree, 3–4 fonts, 5 info, then a page and
    // its content for each page.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    for name in ["Helvetica", "Helvetica-Bold"] {
        objects.push(
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>"
            )
            .into_bytes(),
        );
    }
    let mut info = b"<< /Producer (Vigie) /Title ".to_vec();
    info.extend(literal(title));
    info.extend(b" >>");
    objects.push(info);
    for (i, page) in pages.iter().enumerate() {
        let mut content = Vec::new();
        let footer_line = Line {
            font: Font::Regular,
            size: 8.0,
            x: MARGIN,
            y: FOOTER_Y,
            text: format!("{footer} — page {}/{n}", i + 1),
        };
        for l in page.iter().chain(std::iter::once(&footer_line)) {
            content.extend(
                format!(
                    "BT /{} {} Tf {:.2} {:.2} Td ",
                    l.font.resource(),
                    l.size,
                    l.x,
                    l.y
                )
                .into_bytes(),
            );
            content.extend(literal(&l.text));
            content.extend(b" Tj ET\n");
        }
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                7 + 2 * i
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend(content);
        stream.extend(b"\nendstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text of every `(…) Tj` of the file, page by page, decoded back.
    fn shown_text(pdf: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(start) = pdf[i..]
            .windows(3)
            .position(|w| w == b"Td ")
            .map(|p| p + i + 4)
        {
            let mut s = String::new();
            let mut j = start;
            while pdf[j] != b')' || pdf[j - 1] == b'\\' {
                if pdf[j] != b'\\' || pdf[j - 1] == b'\\' {
                    let b = pdf[j];
                    s.push(match b {
                        0x92 => '’',
                        0x97 => '—',
                        0x9C => 'œ',
                        0x8C => 'Œ',
                        0x80 => '€',
                        _ => char::from(b),
                    });
                }
                j += 1;
            }
            out.push(s);
            i = j;
        }
        out
    }

    #[test]
    fn c18_the_xref_points_at_every_object_and_streams_have_their_length() {
        let blocks = vec![
            Block::Title("Notification de violation (CNIL)".into()),
            Block::Field(
                "Référence".into(),
                "V-2026-003 — Commune d'Œuilly (€)".into(),
            ),
            Block::Para("Parenthèses (et \\ barre) gardées".into()),
        ];
        let pdf = render("V-2026-003", "Vigie", &blocks);
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        let find = |from: usize, needle: &[u8]| {
            pdf[from..]
                .windows(needle.len())
                .position(|w| w == needle)
                .map(|p| p + from)
                .unwrap()
        };
        let tail = find(0, b"startxref\n") + 10;
        let startxref: usize = std::str::from_utf8(&pdf[tail..])
            .unwrap()
            .lines()
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(pdf[startxref..].starts_with(b"xref\n0 8\n"));
        let table = std::str::from_utf8(&pdf[startxref..]).unwrap();
        for (n, row) in table.lines().skip(3).take(7).enumerate() {
            let at: usize = row[..10].parse().unwrap();
            assert!(
                pdf[at..].starts_with(format!("{} 0 obj\n", n + 1).as_bytes()),
                "object {}",
                n + 1
            );
        }
        // The content stream is as long as it says.
        let s = find(0, b"/Length ") + 8;
        let len: usize = std::str::from_utf8(&pdf[s..find(s, b" ")])
            .unwrap()
            .parse()
            .unwrap();
        let body = find(s, b"stream\n") + 7;
        assert_eq!(&pdf[body + len..body + len + 10], b"\nendstream");
        let shown = shown_text(&pdf);
        assert_eq!(shown[0], "Notification de violation (CNIL)");
        assert!(
            shown
                .iter()
                .any(|l| l.contains("Commune d’Œuilly") || l.contains("Commune d'Œuilly"))
        );
        assert!(
            shown
                .iter()
                .any(|l| l == "Parenthèses (et \\ barre) gardées")
        );
        assert!(shown.last().unwrap().ends_with("page 1/1"));
    }

    #[test]
    fn c18_long_text_wraps_inside_the_margins_and_runs_onto_more_pages() {
        let long = "Mesures de sécurité renforcées sur l'ensemble des serveurs. ".repeat(200);
        let word = "x".repeat(400);
        let pdf = render("t", "Vigie", &[Block::Para(long), Block::Para(word)]);
        let pages = layout(&[Block::Para("a ".repeat(20_000))]);
        assert!(pages.len() > 2);
        for l in pages.iter().flatten() {
            assert!(l.y >= MARGIN && l.y <= PAGE_HEIGHT - MARGIN);
            assert!(text_width(&l.text, l.font, l.size) <= PAGE_WIDTH - 2.0 * MARGIN + 0.01);
        }
        let shown = shown_text(&pdf);
        let footers: Vec<&String> = shown
            .iter()
            .filter(|l| l.starts_with("Vigie — page"))
            .collect();
        assert!(footers.len() >= 2);
        assert!(
            footers
                .last()
                .unwrap()
                .ends_with(&format!("/{}", footers.len()))
        );
        // The cut word is all there, in pieces no wider than a line.
        let xs: usize = shown
            .iter()
            .filter(|l| l.chars().all(|c| c == 'x'))
            .map(|l| l.len())
            .sum();
        assert_eq!(xs, 400);
    }
}
