//! Tenants: the client organisations ("organisations clientes") of the provider.

use serde::{Deserialize, Serialize};

/// The short name of a tenant in URLs: lowercase ASCII letters, digits and
/// hyphens, 2 to 63 characters, not starting or ending with a hyphen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    #[error("the short name must have 2 to 63 characters")]
    SlugLength,
    #[error(
        "the short name may hold only lowercase letters a-z, digits and hyphens, and may not start or end with a hyphen"
    )]
    SlugCharacters,
    #[error("the name must not be empty and must have at most 200 characters")]
    NameLength,
}

impl TenantSlug {
    pub fn parse(raw: &str) -> Result<Self, TenantError> {
        let s = raw.trim();
        if !(2..=63).contains(&s.len()) {
            return Err(TenantError::SlugLength);
        }
        let ok = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if !ok {
            return Err(TenantError::SlugCharacters);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantSlug {
    type Error = TenantError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TenantSlug> for String {
    fn from(s: TenantSlug) -> String {
        s.0
    }
}

impl std::fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The display name of a tenant ("Syndicat mixte des eaux…").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantName(String);

impl TenantName {
    pub fn parse(raw: &str) -> Result<Self, TenantError> {
        let s = raw.trim();
        if s.is_empty() || s.chars().count() > 200 {
            return Err(TenantError::NameLength);
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantName {
    type Error = TenantError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<TenantName> for String {
    fn from(s: TenantName) -> String {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(TenantSlug::parse("syndicat-eaux").is_ok());
        assert_eq!(TenantSlug::parse("a"), Err(TenantError::SlugLength));
        assert_eq!(
            TenantSlug::parse("Mairie"),
            Err(TenantError::SlugCharacters)
        );
        assert_eq!(TenantSlug::parse("-ab"), Err(TenantError::SlugCharacters));
        assert_eq!(TenantSlug::parse("é-ab"), Err(TenantError::SlugCharacters));
        assert_eq!(TenantName::parse("  "), Err(TenantError::NameLength));
    }
}
