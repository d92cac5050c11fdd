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
    /// A date of birth (a date in a column named for birth).
    BirthDate,
    /// First names and surnames (from the column's name).
    PersonName,
    /// Street address, postcode or town.
    PostalAddress,
    /// Art. 9 hints: health, religion, union membership, origin.
    Sensitive,
}

impl PiiKind {
    pub const ALL: [PiiKind; 13] = [
        PiiKind::Email,
        PiiKind::Phone,
        PiiKind::Nir,
        PiiKind::Iban,
        PiiKind::Siren,
        PiiKind::Siret,
        PiiKind::Card,
        PiiKind::Ipv4,
        PiiKind::Ipv6,
        PiiKind::BirthDate,
        PiiKind::PersonName,
        PiiKind::PostalAddress,
        PiiKind::Sensitive,
    ];

    /// The kind a report names (`as_str`).
    pub fn parse(s: &str) -> Option<PiiKind> {
        PiiKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

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
            PiiKind::BirthDate => "birth_date",
            PiiKind::PersonName => "person_name",
            PiiKind::PostalAddress => "postal_address",
            PiiKind::Sensitive => "sensitive",
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
