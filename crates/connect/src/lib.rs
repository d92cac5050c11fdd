//! The client organisations' own databases: PostgreSQL, MySQL/MariaDB and
//! SQLite. Sampling them for personal-data discovery; checking a dataset
//! against the live schema; executing rights requests on them. Only this
//! crate speaks MySQL.

mod conn;
pub mod copy;
mod dataset_text;
pub mod execute;
#[doc(hidden)]
pub mod fixture;
pub mod left;
pub mod mask;
pub mod matching;
mod sample;
pub mod schema;
pub mod sweep;
pub mod target;

pub use conn::{Conn, Dialect, Sql};
pub use dataset_text::{dataset_text, parse_dataset};
pub use execute::{Action, ExecError, Outcome, Plan, Subject, TableOutcome, execute, read_checked};
pub use sample::{ColumnSample, RowKey, SampleError, sample, sample_database};
pub use schema::{ForeignKey, Keys, LiveProblem, Schema};
pub use target::{Confinement, ConnectError, Opened, Refusal, RowFilter};
