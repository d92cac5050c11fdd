//! Integration tests of `vigie-connect` on real PostgreSQL, MariaDB and
//! SQLite databases created by the tests (and dropped after). A missing
//! server fails the tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod confine;
mod execute;
mod recruitment;
mod sample;
mod support;
