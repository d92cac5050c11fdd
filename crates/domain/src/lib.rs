//! Vigie's domain: the types and rules of the product, with no I/O.
//!
//! Everything here is checked on construction ("parse, don't validate"): a value
//! of these types cannot hold something the product would refuse.

pub mod account;
pub mod audit;
pub mod audits;
pub mod calendar;
pub mod cell;
pub mod dataset;
pub mod identities;
pub mod ids;
pub mod jobs;
pub mod lockout;
pub mod page;
pub mod register;
pub mod rights;
pub mod role;
pub mod scope;
pub mod subprocessor;
pub mod tenant;
pub mod time;

pub use ids::*;
