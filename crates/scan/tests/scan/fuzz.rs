//! Property tests: no panic and bounded work on any input, and every
//! generated valid identifier is found in any surrounding text.

use proptest::prelude::*;
use vigie_scan::{
    PiiKind,
    labelled::{Rng, value},
    read::{Format, scan_bytes},
    text::scan,
    validate,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn validators_accept_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = (validate::luhn(&b), validate::siren(&b), validate::siret(&b), validate::card(&b));
        let _ = (validate::nir(&b), validate::iban(&b), validate::rib_key(&b), validate::email(&b));
        let _ = (validate::fr_phone(&b, true), validate::fr_phone(&b, false), validate::ipv4(&b), validate::ipv6(&b));
    }

    #[test]
    fn readers_accept_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..512)) {
        for f in [Format::Csv, Format::Json, Format::JsonLines, Format::Text] {
            let _ = scan_bytes("fuzz", f, &b);
        }
    }

    #[test]
    fn findings_are_in_bounds_on_any_text(t in "\\PC{0,300}") {
        for f in scan(&t) {
            prop_assert!(f.start < f.end && f.end <= t.len());
            prop_assert!(t.is_char_boundary(f.start) && t.is_char_boundary(f.end));
        }
    }

    #[test]
    fn prose_findings_are_in_bounds_on_any_text(t in "\\PC{0,300}") {
        for f in vigie_scan::prose::scan(&t) {
            prop_assert!(f.start < f.end && f.end <= t.len());
            prop_assert!(t.is_char_boundary(f.start) && t.is_char_boundary(f.end));
        }
    }

    #[test]
    fn a_valid_identifier_is_found_between_any_words(
        seed in any::<u64>(),
        kind in prop::sample::select(vec![PiiKind::Email, PiiKind::Phone, PiiKind::Nir, PiiKind::Iban, PiiKind::Ipv4]),
        before in "[a-zàéèêçô ]{0,20}",
        after in "[a-zàéèêçô ]{0,20}",
    ) {
        let v = value(kind, &mut Rng(seed | 1));
        let t = format!("{before} {v} {after}");
        let found: Vec<(PiiKind, &str)> = scan(&t).into_iter().map(|f| (f.kind, &t[f.start..f.end])).collect();
        prop_assert!(found.contains(&(kind, v.as_str())), "{t:?}: {found:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Issue 19: the names pass skips eight bytes at a time; where the
    /// text falls against those blocks changes nothing (a plain prefix of
    /// any length, on its own line, moves every finding by its length).
    #[test]
    fn c39_names_do_not_depend_on_alignment(parts in proptest::collection::vec(prop::sample::select(vec![
        "Mme", "M.", "Éloïse", "Émile", "DUPONT", "Dupré", "de", "La", "Fontaine", "rue", "12", "bis",
        "39000", "Lons-le-Saunier", ",", ".", "la", "Maire", "été", "œuvre", "l’école", "Œdipe",
        "Jean-Pierre", "ÉTIENNE", "Hélène", "LE", "GALL", "Maurice", "\n", "collège", "avenue", "Victor",
        "Hugo", "3", "du", "d'", "déjà", "«", "»", "Ülrich", "Łukasz", "Şule",
    ]), 0..40)) {
        let t: String = parts.iter().map(|p| format!("{p} ")).collect();
        let base: Vec<_> = vigie_scan::prose::scan(&t).iter().map(|f| (f.kind, f.start, f.end)).collect();
        for shift in 1..9 {
            // On a line of its own: a signature is a line's only words.
            let prefix = format!("{}\n", "é".repeat(shift / 2) + &"a".repeat(shift % 2));
            let shifted = format!("{prefix}{t}");
            let got: Vec<_> = vigie_scan::prose::scan(&shifted)
                .iter()
                .map(|f| (f.kind, f.start - prefix.len(), f.end - prefix.len()))
                .collect();
            prop_assert_eq!(&got, &base, "{:?}", shifted);
        }
    }
}
