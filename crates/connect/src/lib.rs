//! The client organisations' own databases: PostgreSQL, MySQL/MariaDB and
//! SQLite, reached read-only. For now: reading table and column names and
//! types first, then a bounded sample of each table's values as text, for
//! personal-data discovery. Only this crate speaks MySQL.

mod sample;

pub use sample::{ColumnSample, SampleError, sample_database};
