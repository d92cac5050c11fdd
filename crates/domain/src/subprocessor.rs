//! Sub-processors ("sous-traitants ultérieurs", Art. 28) and the transfer
//! guard (C08): where a sub-processor keeps data, and on what ground data
//! may go there.

use serde::{Deserialize, Serialize};

use crate::register::Safeguard;

/// A country, as its ISO 3166-1 alpha-2 code (upper case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country(String);

impl Country {
    pub fn parse(s: &str) -> Result<Self, String> {
        let c = s.trim().to_ascii_uppercase();
        if c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase()) {
            Ok(Country(c))
        } else {
            Err(format!(
                "« {s} » is not a two-letter country code (FR, DE, US…)"
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Member of the European Economic Area (EU + Iceland, Liechtenstein,
    /// Norway): no transfer in the GDPR's sense.
    pub fn in_eea(&self) -> bool {
        const EEA: &[&str] = &[
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
            "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
            "LI", "NO",
        ];
        EEA.contains(&self.0.as_str())
    }

    /// Covered by an adequacy decision of the European Commission (Art.
    /// 45). The United States only for organisations certified under the
    /// Data Privacy Framework.
    pub fn adequacy(&self, dpf_certified: bool) -> bool {
        const ADEQUATE: &[&str] = &[
            "AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY",
        ];
        ADEQUATE.contains(&self.0.as_str()) || (self.0 == "US" && dpf_certified)
    }
}

impl TryFrom<String> for Country {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Country::parse(&s)
    }
}

impl From<Country> for String {
    fn from(c: Country) -> String {
        c.0
    }
}

/// Where a sub-processor keeps or reaches data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// "Roubaix (RBX)", "Paris DC3"…
    pub name: String,
    pub country: Country,
}

/// A sub-processor of the provider ("sous-traitant ultérieur").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SubProcessor {
    pub name: String,
    pub address: String,
    pub contact: String,
    /// What it does with the data ("hébergement", "sauvegarde externalisée").
    pub purpose: String,
    pub sites: Vec<Site>,
    /// ISO 27001, HDS…
    pub certifications: Vec<String>,
    /// The ground of transfers outside the EEA, if any.
    pub safeguard: Option<Safeguard>,
    /// For US sites: certified under the EU-US Data Privacy Framework.
    pub dpf_certified: bool,
}

/// Why the transfer guard refuses a sub-processor (C08).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferRefusal {
    #[error(
        "{country} is outside the EU/EEA with no adequacy decision: record standard contractual clauses or binding corporate rules (Art. 46)"
    )]
    NoSafeguard { country: String },
    #[error(
        "{country}: an Art. 49 derogation is for occasional transfers, not for a sub-processor that keeps data; record an Art. 46 safeguard"
    )]
    DerogationForRegularTransfer { country: String },
}

/// On what ground data may reach a sub-processor's sites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferBasis {
    /// Every site is in the EEA: no transfer.
    WithinEea,
    /// Every site outside the EEA has an adequacy decision.
    Adequacy,
    /// An Art. 46 safeguard covers the sites outside the EEA.
    Safeguard(Safeguard),
}

impl SubProcessor {
    /// The transfer guard (C08): a site outside the EU/EEA is accepted only
    /// with an adequacy decision or an Art. 46 safeguard.
    pub fn transfer_basis(&self) -> Result<TransferBasis, TransferRefusal> {
        let outside: Vec<&Country> = self
            .sites
            .iter()
            .map(|s| &s.country)
            .filter(|c| !c.in_eea())
            .collect();
        if outside.is_empty() {
            return Ok(TransferBasis::WithinEea);
        }
        if outside.iter().all(|c| c.adequacy(self.dpf_certified)) {
            return Ok(TransferBasis::Adequacy);
        }
        let first = outside
            .iter()
            .find(|c| !c.adequacy(self.dpf_certified))
            .map_or(String::new(), |c| c.as_str().to_owned());
        match self.safeguard {
            Some(s @ (Safeguard::StandardClauses | Safeguard::BindingRules)) => {
                Ok(TransferBasis::Safeguard(s))
            }
            Some(Safeguard::Derogation) => {
                Err(TransferRefusal::DerogationForRegularTransfer { country: first })
            }
            Some(Safeguard::Adequacy) | None => {
                Err(TransferRefusal::NoSafeguard { country: first })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(countries: &[&str]) -> SubProcessor {
        SubProcessor {
            name: "Hébergeur".into(),
            sites: countries
                .iter()
                .map(|c| Site {
                    name: "DC".into(),
                    country: Country::parse(c).unwrap(),
                })
                .collect(),
            ..SubProcessor::default()
        }
    }

    #[test]
    fn c08_eea_and_adequate_countries_pass() {
        // OVH Roubaix and Scaleway Paris (seed 000).
        assert_eq!(
            sp(&["FR", "fr"]).transfer_basis(),
            Ok(TransferBasis::WithinEea)
        );
        assert_eq!(
            sp(&["FR", "NO"]).transfer_basis(),
            Ok(TransferBasis::WithinEea)
        );
        assert_eq!(
            sp(&["FR", "CH"]).transfer_basis(),
            Ok(TransferBasis::Adequacy)
        );
    }

    #[test]
    fn c08_outside_without_safeguard_is_refused_with_its_reason() {
        let mut s = sp(&["FR", "US"]);
        let e = s.transfer_basis().unwrap_err();
        assert_eq!(
            e,
            TransferRefusal::NoSafeguard {
                country: "US".into()
            }
        );
        assert!(e.to_string().contains("Art. 46"));
        s.dpf_certified = true;
        assert_eq!(s.transfer_basis(), Ok(TransferBasis::Adequacy));
        let mut india = sp(&["IN"]);
        india.safeguard = Some(Safeguard::Derogation);
        assert!(matches!(
            india.transfer_basis(),
            Err(TransferRefusal::DerogationForRegularTransfer { .. })
        ));
        india.safeguard = Some(Safeguard::StandardClauses);
        assert_eq!(
            india.transfer_basis(),
            Ok(TransferBasis::Safeguard(Safeguard::StandardClauses))
        );
    }

    #[test]
    fn countries_are_two_letters() {
        assert!(Country::parse("France").is_err());
        assert!(Country::parse("F1").is_err());
        assert_eq!(Country::parse(" de ").unwrap().as_str(), "DE");
    }
}

/// How long a tenant has to object to a change of sub-processor (000:
/// "10 jours à compter de la réception").
pub const OBJECTION_DAYS: i32 = 10;

/// Where a tenant stands on a change notice (C09).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    /// Within the 10 days, no answer yet.
    Open,
    /// The tenant objected, with a reason; awaiting resolution.
    Objected,
    /// The tenant accepted in writing.
    Accepted,
    /// No objection in time: silence is acceptance (recorded).
    AcceptedBySilence,
    /// An objection was resolved by the provider.
    Resolved,
}

impl WindowState {
    pub const ALL: [WindowState; 5] = [
        WindowState::Open,
        WindowState::Objected,
        WindowState::Accepted,
        WindowState::AcceptedBySilence,
        WindowState::Resolved,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            WindowState::Open => "open",
            WindowState::Objected => "objected",
            WindowState::Accepted => "accepted",
            WindowState::AcceptedBySilence => "accepted_by_silence",
            WindowState::Resolved => "resolved",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a notice announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Replaced,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Replaced => "replaced",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [ChangeKind::Added, ChangeKind::Replaced]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}
