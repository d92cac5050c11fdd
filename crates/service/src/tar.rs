//! A POSIX ustar archive of a few files, written whole: the reversibility
//! export is one download any system opens (`tar xf`), with no archive
//! crate in the build.

/// One 512-byte header block, then the content padded to 512 bytes.
fn entry(out: &mut Vec<u8>, name: &str, content: &[u8], mtime: i64) {
    let mut h = [0u8; 512];
    let put = |h: &mut [u8; 512], at: usize, len: usize, v: &[u8]| {
        let n = v.len().min(len);
        h[at..at + n].copy_from_slice(&v[..n]);
    };
    let octal = |v: u64, width: usize| format!("{v:0w$o}\0", w = width - 1);
    put(&mut h, 0, 100, name.as_bytes());
    put(&mut h, 100, 8, octal(0o644, 8).as_bytes());
    put(&mut h, 108, 8, octal(0, 8).as_bytes());
    put(&mut h, 116, 8, octal(0, 8).as_bytes());
    put(&mut h, 124, 12, octal(content.len() as u64, 12).as_bytes());
    put(
        &mut h,
        136,
        12,
        octal(u64::try_from(mtime).unwrap_or(0), 12).as_bytes(),
    );
    put(&mut h, 148, 8, b"        ");
    h[156] = b'0';
    put(&mut h, 257, 6, b"ustar\0");
    put(&mut h, 263, 2, b"00");
    let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
    put(&mut h, 148, 8, format!("{sum:06o}\0 ").as_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(content);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

/// The archive of `files` (name, content); names longer than 100 bytes
/// are cut (ours are short and ASCII).
pub fn archive(files: &[(String, Vec<u8>)], mtime: i64) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, content) in files {
        entry(&mut out, name, content, mtime);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the archive back as a tar reader does: header, size, content.
    fn read(tar: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 512 <= tar.len() && tar[at] != 0 {
            let h = &tar[at..at + 512];
            let name =
                String::from_utf8(h[..100].iter().take_while(|b| **b != 0).copied().collect())
                    .unwrap();
            let size =
                usize::from_str_radix(std::str::from_utf8(&h[124..135]).unwrap(), 8).unwrap();
            let stored: u64 =
                u64::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
            let mut copy = h.to_vec();
            copy[148..156].copy_from_slice(b"        ");
            assert_eq!(
                stored,
                copy.iter().map(|b| u64::from(*b)).sum::<u64>(),
                "checksum"
            );
            out.push((name, tar[at + 512..at + 512 + size].to_vec()));
            at += 512 + size.div_ceil(512) * 512;
        }
        out
    }

    #[test]
    fn c24_an_archive_reads_back_file_by_file() {
        let files = vec![
            (
                "README.md".to_owned(),
                "Réversibilité\n".as_bytes().to_vec(),
            ),
            ("vide.json".to_owned(), Vec::new()),
            ("grand.csv".to_owned(), vec![b'x'; 1500]),
        ];
        let tar = archive(&files, 1_764_547_200);
        assert_eq!(tar.len() % 512, 0);
        assert_eq!(read(&tar), files);
    }
}
