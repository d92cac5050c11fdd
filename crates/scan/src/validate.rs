//! Checksums and shapes of identifiers, on normalised input (separators
//! removed). Each function is total: any input, no panic, linear time.

/// Luhn (ISO/IEC 7812) over ASCII digits.
pub fn luhn(digits: &[u8]) -> bool {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let v = u32::from(d - b'0');
            if i % 2 == 1 {
                let x = v * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                v
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// SIREN: 9 digits, Luhn.
pub fn siren(d: &[u8]) -> bool {
    d.len() == 9 && luhn(d)
}

/// SIRET: 14 digits, Luhn; La Poste's establishments (SIREN 356000000)
/// use a digit sum divisible by 5 instead, except the head office.
pub fn siret(d: &[u8]) -> bool {
    if d.len() != 14 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    if d.starts_with(b"356000000") && d != b"35600000000048" {
        let sum: u32 = d.iter().map(|c| u32::from(c - b'0')).sum();
        return sum.is_multiple_of(5);
    }
    luhn(d)
}

/// Payment card: 12 to 19 digits, Luhn, not all the same digit.
pub fn card(d: &[u8]) -> bool {
    (12..=19).contains(&d.len()) && luhn(d) && d.iter().any(|c| *c != d[0])
}

/// NIR: 15 characters (13 + 2-digit key), Corsica as 2A/2B.
pub fn nir(s: &[u8]) -> bool {
    if s.len() != 15 {
        return false;
    }
    let (body, key) = s.split_at(13);
    if !key.iter().all(u8::is_ascii_digit)
        || !matches!(body[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8')
    {
        return false;
    }
    // Corsica: 2A and 2B count as 19 and 18 in the key.
    let mut digits = [0u8; 13];
    digits.copy_from_slice(body);
    match digits[6].to_ascii_uppercase() {
        b'A' if digits[5] == b'2' => digits[5..7].copy_from_slice(b"19"),
        b'B' if digits[5] == b'2' => digits[5..7].copy_from_slice(b"18"),
        _ => {}
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n = digits
        .iter()
        .fold(0u64, |a, d| a * 10 + u64::from(d - b'0'));
    let month = u32::from(body[3] - b'0') * 10 + u32::from(body[4] - b'0');
    if month == 0 {
        return false;
    }
    let k = u64::from(key[0] - b'0') * 10 + u64::from(key[1] - b'0');
    k == 97 - n % 97
}

/// The value of an IBAN character in ISO 7064 MOD 97-10.
fn iban_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 10),
        _ => None,
    }
}

/// IBAN: country, check digits, mod 97 = 1; French IBANs also carry a
/// valid RIB key.
pub fn iban(s: &[u8]) -> bool {
    if !(15..=34).contains(&s.len())
        || !s[..2].iter().all(u8::is_ascii_alphabetic)
        || !s[2..4].iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let mut rem: u32 = 0;
    for c in s[4..].iter().chain(&s[..4]) {
        let Some(v) = iban_value(*c) else {
            return false;
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    if rem != 1 {
        return false;
    }
    if s[..2].eq_ignore_ascii_case(b"FR") {
        return s.len() == 27 && rib_key(&s[4..]);
    }
    true
}

/// The French RIB key: bank (5) + branch (5) + account (11) + key (2).
pub fn rib_key(bban: &[u8]) -> bool {
    if bban.len() != 23 {
        return false;
    }
    let num = |part: &[u8]| -> Option<u64> {
        part.iter().try_fold(0u64, |acc, c| {
            let v = match c.to_ascii_uppercase() {
                d @ b'0'..=b'9' => d - b'0',
                l @ b'A'..=b'I' => l - b'A' + 1,
                l @ b'J'..=b'R' => l - b'J' + 1,
                l @ b'S'..=b'Z' => l - b'S' + 2,
                _ => return None,
            };
            Some(acc * 10 + u64::from(v))
        })
    };
    let (Some(bank), Some(branch), Some(account), Some(key)) = (
        num(&bban[..5]),
        num(&bban[5..10]),
        num(&bban[10..21]),
        num(&bban[21..]),
    ) else {
        return false;
    };
    97 - (89 * bank + 15 * branch + 3 * account) % 97 == key
}

/// A French phone number, digits only (a leading `+` dropped): national
/// `0[1-9]` + 8 digits, or `33`/`0033` + 9 digits, or an overseas
/// department's country code (262, 269, 508, 590, 594, 596, 687, 689) + 9.
pub fn fr_phone(d: &[u8], international: bool) -> bool {
    if !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let nsn = |n: &[u8]| n.len() == 9 && n[0] != b'0';
    if !international {
        if let Some(rest) = d.strip_prefix(b"0033") {
            return nsn(rest);
        }
        return d.len() == 10 && d[0] == b'0' && d[1] != b'0';
    }
    for cc in [
        &b"33"[..],
        b"262",
        b"269",
        b"508",
        b"590",
        b"594",
        b"596",
        b"687",
        b"689",
    ] {
        if let Some(rest) = d.strip_prefix(cc) {
            // Overseas numbers outside +33 are 6 to 9 digits long.
            return if cc == b"33" {
                nsn(rest)
            } else {
                (6..=9).contains(&rest.len())
            };
        }
    }
    false
}

/// An email address: local part, one `@`, a dotted domain with a TLD of
/// 2+ letters.
pub fn email(s: &[u8]) -> bool {
    let Some(at) = s.iter().position(|c| *c == b'@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    if local.is_empty() || local.len() > 64 || domain.len() < 4 || domain.len() > 253 {
        return false;
    }
    let local_ok = local
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(c))
        && local[0] != b'.'
        && local[local.len() - 1] != b'.';
    let labels_ok = domain.split(|c| *c == b'.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && l[0] != b'-'
            && l[l.len() - 1] != b'-'
    });
    let tld_ok = domain
        .rsplit(|c| *c == b'.')
        .next()
        .is_some_and(|t| t.len() >= 2 && t.iter().all(u8::is_ascii_alphabetic));
    local_ok && labels_ok && tld_ok && domain.contains(&b'.')
}

/// Dotted-quad IPv4, each part 0–255 without leading zeros.
pub fn ipv4(s: &[u8]) -> bool {
    let parts: Vec<&[u8]> = s.split(|c| *c == b'.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.iter().all(u8::is_ascii_digit)
                && (p.len() == 1 || p[0] != b'0')
                && p.iter().fold(0u32, |a, d| a * 10 + u32::from(d - b'0')) <= 255
        })
}

/// IPv6 in any of its written forms (checked by the standard library).
pub fn ipv6(s: &[u8]) -> bool {
    s.len() >= 3
        && s.iter().filter(|c| **c == b':').count() >= 2
        && std::str::from_utf8(s).is_ok_and(|t| t.parse::<std::net::Ipv6Addr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_family() {
        assert!(luhn(b"4539578763621486"));
        assert!(card(b"4539578763621486"));
        assert!(!card(b"4539578763621487"));
        assert!(
            !card(b"0000000000000000"),
            "all zeros passes Luhn but is no card"
        );
        assert!(siren(b"732829320"));
        assert!(!siren(b"732829321"));
        assert!(siret(b"73282932000074"));
        assert!(!siret(b"73282932000075"));
    }

    #[test]
    fn la_poste_sirets() {
        assert!(siret(b"35600000000048"), "head office, by Luhn");
        assert!(siret(b"35600000049837"), "an establishment: digit sum 50");
        assert!(!luhn(b"35600000049837"));
        assert!(!siret(b"35600000049838"));
    }

    #[test]
    fn nir_keys_corsica_and_abroad() {
        // 1 84 12 76 451 089 key: 97 - (1841276451089 mod 97)
        let body = 1_841_276_451_089u64;
        let key = 97 - body % 97;
        assert!(nir(format!("{body}{key:02}").as_bytes()));
        assert!(!nir(format!("{body}{:02}", (key % 97) + 1).as_bytes()));
        // Corsica 2A: computed with 19 in place of 2A.
        let body = 1_841_219_451_089u64;
        let key = 97 - body % 97;
        assert!(nir(format!("18412 2A451089{key:02}")
            .replace(' ', "")
            .as_bytes()));
        let body = 1_841_218_451_089u64;
        let key = 97 - body % 97;
        assert!(nir(format!("184122B451089{key:02}").as_bytes()));
        // Born abroad: département 99.
        let body = 2_920_599_352_014u64;
        let key = 97 - body % 97;
        assert!(nir(format!("{body}{key:02}").as_bytes()));
        assert!(!nir(b"5841276451089xx"));
        assert!(!nir(b"184122C45108912"));
    }

    #[test]
    fn iban_and_rib() {
        assert!(
            iban(b"FR1420041010050500013M02606"),
            "RIB key 06, from the notes"
        );
        assert!(iban(b"DE89370400440532013000"));
        assert!(!iban(b"DE89370400440532013001"));
        assert!(!iban(b"FR1420041010050500013M02607"));
        assert!(rib_key(b"20041010050500013M02606"));
    }

    #[test]
    fn phones_in_all_forms() {
        assert!(fr_phone(b"0612345678", false));
        assert!(fr_phone(b"0033612345678", false));
        assert!(fr_phone(b"33612345678", true));
        assert!(fr_phone(b"262692123456", true), "Réunion mobile");
        assert!(fr_phone(b"0262123456", false), "Réunion, national form");
        assert!(!fr_phone(b"0012345678", false));
        assert!(!fr_phone(b"061234567", false));
        assert!(!fr_phone(b"4412345678", true));
    }

    #[test]
    fn emails_and_ips() {
        assert!(email(b"camille.martin@mairie-exemple.fr"));
        assert!(!email(b"camille@localhost"));
        assert!(!email(b".a@b.fr"));
        assert!(!email(b"a@b.f2"));
        assert!(ipv4(b"192.168.1.20"));
        assert!(!ipv4(b"192.168.1.256") && !ipv4(b"1.2.3") && !ipv4(b"01.2.3.4"));
        assert!(ipv6(b"2001:db8::1") && ipv6(b"::1") && !ipv6(b"12:30"));
    }

    #[test]
    fn validators_never_panic_on_noise() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in 0..64 {
            for _ in 0..200 {
                let v: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        b"0123456789ABab:.@- +xZ\xc3\xa9"[(x % 23) as usize]
                    })
                    .collect();
                let _ = (luhn(&v), siren(&v), siret(&v), card(&v), nir(&v), iban(&v));
                let _ = (
                    fr_phone(&v, true),
                    fr_phone(&v, false),
                    email(&v),
                    ipv4(&v),
                    ipv6(&v),
                );
            }
        }
    }
}
