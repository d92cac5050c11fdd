//! Our own migration runner: each file applied once, in order, in its own
//! transaction, recorded in `schema_migrations`; a database newer than the
//! binary is refused rather than guessed at.

use vigie_store::StoreError;

/// A migration: its version and its SQL.
pub(crate) struct Migration {
    pub version: i64,
    pub sql: &'static str,
}

pub(crate) fn newer_than_binary(found: i64, known: i64) -> StoreError {
    StoreError::Other(format!(
        "the database is at schema version {found}, newer than this binary knows ({known}); use a newer Vigie"
    ))
}
