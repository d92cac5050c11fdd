//! Text scanning speed on mixed French text with accents
//! (`cargo bench -p vigie-scan`): 32 MiB generated with a fixed seed, with
//! personal data at two densities (one item per 40 and per 2,000 words).
#![allow(clippy::unwrap_used)]

use std::time::Instant;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "le",
    "la",
    "les",
    "des",
    "à",
    "été",
    "déjà",
    "mairie",
    "délibération",
    "conseil",
    "municipal",
    "séance",
    "procès-verbal",
    "élu",
    "élue",
    "préfecture",
    "réunion",
    "agent",
    "général",
    "numéro",
    "téléphone",
    "août",
    "rôle",
    "forêt",
    "être",
    "très",
    "où",
    "garçon",
    "hôpital",
    "intérêt",
    "et",
    "ou",
    "pour",
    "demande",
    "dossier",
    "reçu",
    "traité",
    "Mme",
    "M.",
    "Éloïse",
    "Noël",
    "Loïc",
    "Hélène",
    "Gaëlle",
];

const PII: &[&str] = &[
    "06 12 34 56 78",
    "camille.martin@mairie-exemple.fr",
    "FR14 2004 1010 0505 0001 3M02 606",
    "192.168.10.20",
    "+33 6 98 76 54 32",
    "SIRET 732 829 320 00074",
    "4539 5787 6362 1486",
    "2001:db8::42",
    "01.45.67.89.10",
];

fn text(density: u64, bytes: usize, seed: u64) -> String {
    let mut r = Rng(seed);
    let mut s = String::with_capacity(bytes + 64);
    while s.len() < bytes {
        if r.next().is_multiple_of(density) {
            s.push_str(r.pick(PII));
        } else {
            s.push_str(r.pick(WORDS));
        }
        s.push(if r.next().is_multiple_of(12) {
            '\n'
        } else {
            ' '
        });
    }
    s
}

/// Both passes on a text of one's own (`VIGIE_SCAN_TEXT=file`): French
/// written by people, say, beside the generated text.
fn own_text(path: &str) {
    let t = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    for (what, pass) in [
        ("identifiers", vigie_scan::text::scan as fn(&str) -> Vec<_>),
        ("names and addresses", vigie_scan::prose::scan),
    ] {
        let _ = pass(&t);
        let start = Instant::now();
        let mut found = 0;
        for _ in 0..3 {
            found = pass(&t).len();
        }
        let secs = start.elapsed().as_secs_f64() / 3.0;
        println!(
            "{what:<20} {path}: {:>7.0} MB/s on one core ({found} findings in {} MiB)",
            t.len() as f64 / secs / 1e6,
            t.len() >> 20
        );
    }
}

fn main() {
    if let Ok(path) = std::env::var("VIGIE_SCAN_TEXT") {
        own_text(&path);
    }
    for density in [40, 2000] {
        let t = text(density, 32 << 20, 0x5EED_0000 + density);
        // For scripts/presidio_compare.py: the same text, for the ratio.
        if let Ok(path) = std::env::var("VIGIE_SCAN_DUMP")
            && density == 40
        {
            std::fs::write(path, &t).unwrap();
        }
        let _ = vigie_scan::text::scan(&t);
        let start = Instant::now();
        let mut found = 0;
        for _ in 0..3 {
            found = vigie_scan::text::scan(&t).len();
        }
        let secs = start.elapsed().as_secs_f64() / 3.0;
        println!(
            "scan, French text, 1 item per {density:>4} words: {:>7.0} MB/s on one core ({found} findings in {} MiB)",
            t.len() as f64 / secs / 1e6,
            t.len() >> 20
        );
        if density == 40 {
            let _ = vigie_scan::prose::scan(&t);
            let start = Instant::now();
            let mut names = 0;
            for _ in 0..3 {
                names = vigie_scan::prose::scan(&t).len();
            }
            let secs = start.elapsed().as_secs_f64() / 3.0;
            println!(
                "names and addresses in prose (word level), same text:  {:>7.0} MB/s on one core ({names} findings)",
                t.len() as f64 / secs / 1e6
            );
        }
    }
}
