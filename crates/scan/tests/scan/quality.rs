//! C39: the scanner's precision and recall on the labelled set (fixed seed).

use vigie_scan::{PiiKind, labelled::evaluate_text};

#[test]
fn c39_precision_and_recall_on_the_labelled_set() {
    let scores = evaluate_text(0xC39, 300);
    for (kind, s) in &scores {
        let bar = if kind.checksummed() { 0.99 } else { 0.95 };
        assert!(
            s.precision() >= bar,
            "{kind:?} precision {:.3} ({s:?})",
            s.precision()
        );
        assert!(
            s.recall() >= bar,
            "{kind:?} recall {:.3} ({s:?})",
            s.recall()
        );
    }
    assert!(scores.iter().any(|(k, _)| *k == PiiKind::Nir));
}

#[test]
fn c39_columns_are_classified_by_their_validated_share() {
    let scores = vigie_scan::labelled::evaluate_columns(0x0C01, 12);
    for (kind, s) in &scores {
        assert!(
            s.precision() >= 0.95 && s.recall() >= 0.95,
            "{kind:?} {s:?}"
        );
    }
}

#[test]
fn c39_names_and_addresses_in_prose() {
    for (kind, s) in vigie_scan::labelled::evaluate_prose(0xADD, 300) {
        assert!(
            s.precision() >= 0.95 && s.recall() >= 0.95,
            "{kind:?} precision {:.3} recall {:.3} ({s:?})",
            s.precision(),
            s.recall()
        );
    }
}
