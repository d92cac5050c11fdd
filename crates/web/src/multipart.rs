//! Reading a `multipart/form-data` body as browsers send it (a file upload
//! form, issue 17): the parts by name, with the file's name when one is
//! given. The whole body is already in memory and size-limited by the
//! caller; anything malformed is `None`.

/// One part: its field name, its file name if a file, its bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub body: &'a [u8],
}

/// The boundary named by a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        let v = v.trim().trim_matches('"');
        (k.trim().eq_ignore_ascii_case("boundary") && !v.is_empty() && v.len() <= 70)
            .then(|| v.to_owned())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// A quoted parameter of a Content-Disposition header (`name="…"`).
fn param(header: &str, key: &str) -> Option<String> {
    let at = header.find(&format!("{key}=\""))? + key.len() + 2;
    let rest = &header[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Every part of the body, in order; `None` when the body does not hold
/// the boundary's structure.
pub fn parts<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delim = format!("--{boundary}");
    let next_delim = format!("\r\n--{boundary}");
    let mut at = find(body, delim.as_bytes(), 0)? + delim.len();
    let mut out = Vec::new();
    loop {
        // After a delimiter: "--" ends the body, "\r\n" starts a part.
        match body.get(at..at + 2)? {
            b"--" => return Some(out),
            b"\r\n" => at += 2,
            _ => return None,
        }
        let head_end = find(body, b"\r\n\r\n", at)?;
        let head = std::str::from_utf8(&body[at..head_end]).ok()?;
        let disposition = head
            .split("\r\n")
            .find(|l| l.len() > 20 && l[..20].eq_ignore_ascii_case("content-disposition:"))?;
        let start = head_end + 4;
        // The part ends at a delimiter followed by "--" or CRLF; the same
        // characters followed by anything else are content.
        let mut end = find(body, next_delim.as_bytes(), start)?;
        while !matches!(
            body.get(end + next_delim.len()..end + next_delim.len() + 2),
            Some(b"--" | b"\r\n")
        ) {
            end = find(body, next_delim.as_bytes(), end + 1)?;
        }
        out.push(Part {
            name: param(disposition, "name")?,
            filename: param(disposition, "filename"),
            body: &body[start..end],
        });
        at = end + next_delim.len();
    }
}

/// The text of a named (non-file) part.
pub fn text(parts: &[Part], name: &str) -> Option<String> {
    parts
        .iter()
        .find(|p| p.name == name && p.filename.is_none())
        .and_then(|p| String::from_utf8(p.body.to_vec()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"PV 1.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\r\n--XyZ-in-body\r\n--XyZ--\r\n";

    #[test]
    fn reads_fields_and_files() {
        assert_eq!(
            boundary("multipart/form-data; boundary=XyZ").as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary("application/x-www-form-urlencoded"), None);
        let p = parts(BODY, "XyZ").unwrap();
        assert_eq!(text(&p, "csrf").as_deref(), Some("tok"));
        assert_eq!(p[1].filename.as_deref(), Some("PV 1.pdf"));
        // A line that merely starts like the boundary stays in the file.
        assert_eq!(p[1].body, b"%PDF-1.7\r\n--XyZ-in-body");
    }

    #[test]
    fn malformed_bodies_are_none() {
        assert_eq!(parts(b"no boundary here", "XyZ"), None);
        assert_eq!(parts(b"--XyZ\r\nno headers end", "XyZ"), None);
        assert_eq!(
            parts(
                b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
                "XyZ"
            ),
            None
        );
    }
}
