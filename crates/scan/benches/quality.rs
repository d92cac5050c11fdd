//! Precision and recall per kind on the labelled set
//! (`cargo bench -p vigie-scan --bench quality`).

use vigie_scan::labelled::{
    Score, evaluate_columns, evaluate_names, evaluate_prose, evaluate_text,
};

fn table(title: &str, rows: &[(vigie_scan::PiiKind, Score)]) {
    println!("{title}");
    println!(
        "  {:<8} {:>9} {:>7} {:>6} {:>5} {:>5}",
        "kind", "precision", "recall", "tp", "fp", "fn"
    );
    for (k, s) in rows {
        println!(
            "  {:<8} {:>9.4} {:>7.4} {:>6} {:>5} {:>5}",
            k.as_str(),
            s.precision(),
            s.recall(),
            s.tp,
            s.fp,
            s.fn_
        );
    }
}

fn main() {
    table(
        "French sentences, exact spans (2,000 per kind + 2,000 decoys)",
        &evaluate_text(0xC39, 2000),
    );
    table(
        "Names and addresses in French prose, exact spans (2,000 of each + 2,000 decoy sentences)",
        &evaluate_prose(0xADD, 2000),
    );
    println!(
        "Person names as French writes them (600 sentences each; first names drawn from the lexicon, or held out of it; 600 decoy sentences)"
    );
    for (what, s) in evaluate_names(0x4E0, 600) {
        println!(
            "  {what:<36} precision {:.4} recall {:.4} (tp {}, fp {}, fn {})",
            s.precision(),
            s.recall(),
            s.tp,
            s.fp,
            s.fn_
        );
    }
    table(
        "Columns of 50 values (60 per kind, a third mixed with decoys; 120 decoy columns)",
        &evaluate_columns(0xC01, 60),
    );
}
