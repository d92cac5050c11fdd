//! Vigie's domain: the types and rules of the product, with no I/O.
//!
//! Everything here is checked on construction ("parse, don't validate"): a value
//! of these types cannot hold something the product would refuse.

/// A closed list of codes (stored and sent as `snake_case`), with `ALL`,
/// `as_str` and `parse`. Defined before the modules that use it.
macro_rules! closed_list {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }
        }
    };
}

pub mod account;
pub mod audit;
pub mod audits;
pub mod backup;
pub mod breach;
pub mod calendar;
pub mod cell;
pub mod consent;
pub mod dataset;
pub mod dpia;
pub mod followup;
pub mod identities;
pub mod ids;
pub mod jobs;
pub mod lockout;
pub mod organisation;
pub mod page;
pub mod register;
pub mod retention;
pub mod rights;
pub mod role;
pub mod scope;
pub mod subprocessor;
pub mod tenant;
pub mod time;
pub mod webhook;
pub mod words;

pub use ids::*;
