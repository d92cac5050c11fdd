//! Personal accounts ("comptes nominatifs", C25): who may sign in, and the
//! password policy.

use serde::{Deserialize, Serialize};

use crate::UserId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("the email address is not valid")]
    Email,
    #[error("the name must not be empty and must have at most 200 characters")]
    DisplayName,
    #[error("the password must have at least {min} characters")]
    PasswordTooShort { min: usize },
    #[error("the password must have at most {max} characters")]
    PasswordTooLong { max: usize },
    #[error("the password must not contain the account's name or email address")]
    PasswordContainsIdentity,
    #[error("the password is too repetitive")]
    PasswordRepetitive,
}

/// An email address, lowercased, checked for the shape `local@domain.tld`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let s = raw.trim().to_lowercase();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AccountError::Email);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(AccountError::Email);
        };
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(AccountError::Email);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before `@`, used by the password policy.
    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }
}

impl TryFrom<String> for Email {
    type Error = AccountError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The name shown for a person ("Camille Martin").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let s = raw.trim();
        if s.is_empty() || s.chars().count() > 200 || s.chars().any(char::is_control) {
            return Err(AccountError::DisplayName);
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DisplayName {
    type Error = AccountError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DisplayName> for String {
    fn from(e: DisplayName) -> String {
        e.0
    }
}

/// A password that satisfies the policy, before hashing. Never logged:
/// `Debug` is redacted.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    /// ANSSI and CNIL (délibération 2022-100) accept 12 characters with
    /// complexity left to the user when there is a lockout; we require length.
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    /// Checks the policy: length, and not derived from the account's own
    /// email or name (checked case-insensitively, for parts of 4+ letters).
    pub fn parse(raw: &str, email: &Email, name: &DisplayName) -> Result<Self, AccountError> {
        let count = raw.chars().count();
        if count < Self::MIN_CHARS {
            return Err(AccountError::PasswordTooShort {
                min: Self::MIN_CHARS,
            });
        }
        if count > Self::MAX_CHARS {
            return Err(AccountError::PasswordTooLong {
                max: Self::MAX_CHARS,
            });
        }
        let lower = raw.to_lowercase();
        let identity_parts = std::iter::once(email.local_part())
            .chain(email.local_part().split(['.', '_', '-', '+']))
            .chain(name.as_str().split_whitespace())
            .map(str::to_lowercase)
            .filter(|p| p.chars().count() >= 4);
        for part in identity_parts {
            if lower.contains(&part) {
                return Err(AccountError::PasswordContainsIdentity);
            }
        }
        let mut distinct: Vec<char> = raw.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < 5 {
            return Err(AccountError::PasswordRepetitive);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A personal account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: DisplayName,
    /// Provider administrator ("administrateur de la plateforme").
    pub is_provider_admin: bool,
    /// Disabled accounts cannot sign in and have no session.
    pub disabled: bool,
    pub totp_enabled: bool,
    /// Preferred language, "fr" or "en".
    pub locale: String,
    /// IANA time zone used to show dates to this person.
    pub time_zone: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who() -> (Email, DisplayName) {
        (
            Email::parse("Camille.Martin@Exemple.fr").unwrap(),
            DisplayName::parse("Camille Martin").unwrap(),
        )
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(who().0.as_str(), "camille.martin@exemple.fr");
        for bad in [
            "", "a", "a@b", "@b.fr", "a b@c.fr", "a@-b.fr", "a@b..fr", "a@@b.fr",
        ] {
            assert_eq!(Email::parse(bad), Err(AccountError::Email), "{bad}");
        }
    }

    #[test]
    fn password_policy_c25() {
        let (e, n) = who();
        assert!(matches!(
            NewPassword::parse("short", &e, &n),
            Err(AccountError::PasswordTooShort { min: 12 })
        ));
        assert_eq!(
            NewPassword::parse("xxCAMILLE2024!!", &e, &n).unwrap_err(),
            AccountError::PasswordContainsIdentity
        );
        assert_eq!(
            NewPassword::parse("martin-est-la-2026", &e, &n).unwrap_err(),
            AccountError::PasswordContainsIdentity
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaaaaab", &e, &n).unwrap_err(),
            AccountError::PasswordRepetitive
        );
        let ok = NewPassword::parse("cheval correct agrafe", &e, &n).unwrap();
        assert_eq!(format!("{ok:?}"), "NewPassword(***)");
    }
}
