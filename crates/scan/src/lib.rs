//! Personal-data discovery (C38, C39): finds candidates in text with a
//! hand-written byte scanner (no Unicode word boundaries, so accented
//! French text stays on the fast path), validates every candidate with
//! every applicable checksum, and classifies columns by the share of their
//! values that validate. Readers parse bytes already read; files and
//! databases are opened by the binary.

mod bits;
pub mod column;
pub mod kind;
#[doc(hidden)]
pub mod labelled;
pub mod lexicon;
pub mod prose;
pub mod read;
pub mod text;
pub mod validate;

pub use kind::PiiKind;
