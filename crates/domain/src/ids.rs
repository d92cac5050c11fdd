//! Identifiers of stored objects. Distinct types so that a user id cannot be
//! passed where a tenant id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

id_type!(
    /// A personal account ("compte nominatif").
    UserId
);
id_type!(
    /// A client organisation served by the provider ("organisation cliente").
    TenantId
);
id_type!(
    /// An API token of a tenant.
    ApiTokenId
);
id_type!(
    /// A job in the jobs table.
    JobId
);
id_type!(
    /// A message in the outbox.
    MessageId
);
id_type!(
    /// A data subject's rights request ("demande d'exercice des droits").
    RequestId
);
id_type!(
    /// A tenant's connected application database ("système connecté").
    SystemId
);
id_type!(
    /// A processing activity of a register ("fiche de traitement").
    ActivityId
);
id_type!(
    /// A sub-processor of the provider ("sous-traitant ultérieur").
    SubProcessorId
);
id_type!(
    /// A notice of a change of sub-processor sent to tenants.
    NoticeId
);
