//! The kinds of personal data the scanner recognises.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Email,
    /// French phone number, overseas departments included.
    Phone,
    /// "Numéro d'inscription au répertoire" (social-security number).
    Nir,
    Iban,
    Siren,
    Siret,
    /// Payment card number.
    Card,
    Ipv4,
    Ipv6,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Nir => "nir",
            PiiKind::Iban => "iban",
            PiiKind::Siren => "siren",
            PiiKind::Siret => "siret",
            PiiKind::Card => "card",
            PiiKind::Ipv4 => "ipv4",
            PiiKind::Ipv6 => "ipv6",
        }
    }

    /// Whether the kind is checksummed: a valid checksum is strong evidence.
    pub fn checksummed(self) -> bool {
        matches!(
            self,
            PiiKind::Nir | PiiKind::Iban | PiiKind::Siren | PiiKind::Siret | PiiKind::Card
        )
    }
}
