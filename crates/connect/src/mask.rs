//! Replacement values for anonymisation (C23) and the written forms under
//! which an identity may be stored. Keyed by the tenant's key, so that
//! equal values stay equal (counts and joins survive) and cannot be
//! recovered without the key.

use vigie_domain::dataset::IdentityKind;

use crate::schema::{Family, HASH_LEN};

/// A keyed hash of `value`, as hex.
pub fn keyed_hash(key: &[u8; 32], value: &str) -> String {
    let h = blake3::keyed_hash(key, value.as_bytes()).to_hex();
    h[..HASH_LEN].to_owned()
}

/// A value of the same shape as `value`: each letter replaced by a letter
/// of the same case, each digit by a digit, everything else kept — so an
/// email stays an email and a phone number a phone number.
pub fn fake(key: &[u8; 32], value: &str) -> String {
    let mut stream = blake3::Hasher::new_keyed(key)
        .update(value.as_bytes())
        .finalize_xof();
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        let mut b = [0u8; 1];
        stream.fill(&mut b);
        let r = b[0];
        out.push(if ch.is_ascii_digit() {
            char::from(b'0' + r % 10)
        } else if ch.is_alphabetic() && ch.is_uppercase() {
            char::from(b'A' + r % 26)
        } else if ch.is_alphabetic() {
            char::from(b'a' + r % 26)
        } else {
            ch
        });
    }
    out
}

/// The date truncated to 1 January of its year, written for a column of
/// `family`; `None` when no year can be read (the value is then cleared).
pub fn year_only(value: &str, family: Family) -> Option<String> {
    let bytes = value.as_bytes();
    let year = (0..bytes.len().saturating_sub(3)).find_map(|i| {
        let w = &bytes[i..i + 4];
        let starts = i == 0 || !bytes[i - 1].is_ascii_digit();
        let ends = bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        (starts && ends && w.iter().all(u8::is_ascii_digit)).then(|| &value[i..i + 4])
    })?;
    Some(match family {
        Family::Timestamp => format!("{year}-01-01 00:00:00"),
        Family::Date => format!("{year}-01-01"),
        _ => year.to_owned(),
    })
}

/// What anonymisation writes in place of `value` (C23): `None` is NULL.
/// Every masking of the dataset, in one place, for rights erasure and
/// retention sweeps alike.
pub fn masked(
    masking: &vigie_domain::dataset::Masking,
    value: Option<&str>,
    family: Option<Family>,
    key: &[u8; 32],
) -> Option<String> {
    use vigie_domain::dataset::Masking;
    match masking {
        Masking::Keep => value.map(str::to_owned),
        Masking::Null => None,
        Masking::Fixed(v) => Some(v.clone()),
        Masking::KeyedHash => value.map(|v| keyed_hash(key, v)),
        Masking::Fake => value.map(|v| fake(key, v)),
        Masking::YearOnly => value.and_then(|v| year_only(v, family?)),
    }
}

/// The forms under which an identity may be written in a database, so that
/// an indexed equality finds it however the application stored it.
pub fn variants(kind: IdentityKind, value: &str) -> Vec<String> {
    let v = value.trim();
    let mut out = vec![v.to_owned()];
    match kind {
        IdentityKind::Email => out.push(v.to_lowercase()),
        IdentityKind::Phone => {
            let digits: String = v.chars().filter(char::is_ascii_digit).collect();
            let national = if digits.len() == 11 && digits.starts_with("33") {
                format!("0{}", &digits[2..])
            } else {
                digits.clone()
            };
            if national.len() == 10 && national.starts_with('0') {
                let pairs: Vec<&str> = (0..5).map(|i| &national[2 * i..2 * i + 2]).collect();
                let rest = &national[1..];
                out.push(national.clone());
                out.push(pairs.join(" "));
                out.push(pairs.join("."));
                out.push(pairs.join("-"));
                out.push(format!("+33{rest}"));
                out.push(format!("+33 {} {}", &rest[..1], pairs[1..].join(" ")));
            } else if !digits.is_empty() {
                out.push(digits);
            }
        }
        IdentityKind::Nir | IdentityKind::AccountId => {
            out.push(v.chars().filter(|c| !c.is_whitespace()).collect());
        }
    }
    out.sort();
    out.dedup();
    out.retain(|s| !s.is_empty());
    out
}

/// A value shown to an agent without showing it: its first character and
/// its domain, if any (`j•••@mairie.fr`).
pub fn hint(value: &str) -> String {
    let v = value.trim();
    let first: String = v.chars().take(1).collect();
    match v.split_once('@') {
        Some((_, domain)) => format!("{first}•••@{domain}"),
        None => format!("{first}•••"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn c23_masking_is_keyed_stable_and_shaped() {
        let a = keyed_hash(&KEY, "eloise@mairie.fr");
        assert_eq!(a.len(), HASH_LEN);
        assert_eq!(a, keyed_hash(&KEY, "eloise@mairie.fr"));
        assert_ne!(a, keyed_hash(&[8; 32], "eloise@mairie.fr"));
        let f = fake(&KEY, "Éloïse.Dupré@mairie-07.fr");
        assert_eq!(
            f.chars().count(),
            "Éloïse.Dupré@mairie-07.fr".chars().count()
        );
        assert!(f.contains('@') && f.contains('-') && f.contains('.'));
        assert_ne!(f, "Éloïse.Dupré@mairie-07.fr");
        assert!(f.is_ascii());
        assert_eq!(fake(&KEY, "06 12"), fake(&KEY, "06 12"));
    }

    #[test]
    fn year_only_reads_the_year() {
        assert_eq!(
            year_only("1980-05-17", Family::Date).as_deref(),
            Some("1980-01-01")
        );
        assert_eq!(
            year_only("1980-05-17 10:11:12+00", Family::Timestamp).as_deref(),
            Some("1980-01-01 00:00:00")
        );
        assert_eq!(
            year_only("17/05/1980", Family::Text).as_deref(),
            Some("1980")
        );
        assert_eq!(year_only("12345", Family::Text), None);
        assert_eq!(year_only("", Family::Text), None);
    }

    #[test]
    fn normal_forms_tell_people_apart() {
        assert_eq!(
            IdentityKind::Email.normal(" Yann@Mairie.FR"),
            "yann@mairie.fr"
        );
        for p in ["+33 (0)6 12 34 56 78", "0033612345678", "06.12.34.56.78"] {
            assert_eq!(IdentityKind::Phone.normal(p), "0612345678", "{p}");
        }
        assert_eq!(IdentityKind::AccountId.normal(" ab 12 "), "ab12");
        assert_eq!(hint("jeanne@mairie.fr"), "j•••@mairie.fr");
        assert_eq!(hint("0612345678"), "0•••");
    }

    #[test]
    fn phone_variants_cover_written_forms() {
        let v = variants(IdentityKind::Phone, "+33 6 12 34 56 78");
        for form in [
            "0612345678",
            "06 12 34 56 78",
            "06.12.34.56.78",
            "+33612345678",
            "+33 6 12 34 56 78",
        ] {
            assert!(v.contains(&form.to_owned()), "{form} in {v:?}");
        }
        assert_eq!(
            variants(IdentityKind::Email, " Yann@Mairie.fr "),
            ["Yann@Mairie.fr", "yann@mairie.fr"]
        );
    }
}
