//! Consent to cookies and trackers ("consentement", C35–C36) and
//! opposition to commercial solicitation by channel (C37): the purposes a
//! site declares (the five categories of seed 000), a person's choices, how
//! long they hold (13 months, or until the notice changes), the chained
//! proof of each choice, and the suppression list's normalised entries.

use std::collections::BTreeMap;

use jiff::{Timestamp, civil::Date};

use crate::{audit::ChainHash, retention::Period};

closed_list!(
    /// The purposes of seed 000's "Politique cookies".
    Category {
        /// Strictly necessary: exempt from consent, always on.
        Necessary = "necessary",
        Performance = "performance",
        Functional = "functional",
        Advertising = "advertising",
        ThirdParty = "third_party",
    }
);

closed_list!(
    /// What a person did, as recorded.
    ChoiceKind {
        AcceptAll = "accept_all",
        RefuseAll = "refuse_all",
        Partial = "partial",
        /// Took back a consent given before.
        Withdraw = "withdraw",
    }
);

closed_list!(
    /// How the choice was made.
    ConsentMethod {
        Banner = "banner",
        Form = "form",
        Paper = "paper",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("origin: {0}")]
    Origin(&'static str),
    #[error("device: 16 to 64 letters, digits or dashes")]
    Device,
    #[error("purposes: {0}")]
    Purposes(String),
    #[error("notice_version: 1 to 40 letters, digits, dots or dashes")]
    NoticeVersion,
}

/// A site's origin, as a browser sends it: `https://host[:port]`; plain
/// HTTP only on the machine itself (a demo).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SiteOrigin(String);

impl SiteOrigin {
    pub fn parse(raw: &str) -> Result<Self, ConsentError> {
        let raw = raw.trim().trim_end_matches('/');
        let (scheme, rest) = raw
            .split_once("://")
            .ok_or(ConsentError::Origin("https://www.example.fr"))?;
        let host = rest.split(':').next().unwrap_or_default();
        let local = matches!(host, "localhost" | "127.0.0.1");
        match scheme {
            "https" => {}
            "http" if local => {}
            _ => return Err(ConsentError::Origin("https only (http on localhost)")),
        }
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':');
        if rest.is_empty() || rest.len() > 253 || !rest.chars().all(ok_char) || host.is_empty() {
            return Err(ConsentError::Origin(
                "a host name and a port at most, no path",
            ));
        }
        Ok(SiteOrigin(format!(
            "{scheme}://{}",
            rest.to_ascii_lowercase()
        )))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The pseudonymous identifier the banner keeps in the browser: random,
/// no IP address or account behind it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct DeviceId(String);

impl DeviceId {
    pub fn parse(raw: &str) -> Result<Self, ConsentError> {
        let ok = (16..=64).contains(&raw.len())
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        ok.then(|| DeviceId(raw.to_owned()))
            .ok_or(ConsentError::Device)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The version of the notice shown ("2026-11", "v3").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NoticeVersion(String);

impl NoticeVersion {
    pub fn parse(raw: &str) -> Result<Self, ConsentError> {
        let raw = raw.trim();
        let ok = (1..=40).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        ok.then(|| NoticeVersion(raw.to_owned()))
            .ok_or(ConsentError::NoticeVersion)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A purpose a site declares, with the services behind it ("Matomo").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Purpose {
    pub category: Category,
    pub services: Vec<String>,
}

/// Per category, given or not. The strictly necessary are always on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Choices(pub BTreeMap<Category, bool>);

impl Choices {
    /// The choices for exactly the site's purposes: one missing or one the
    /// site does not declare is refused.
    pub fn check(
        given: &BTreeMap<String, bool>,
        declared: &[Purpose],
    ) -> Result<Self, ConsentError> {
        let mut out = BTreeMap::new();
        for (k, v) in given {
            let c = Category::parse(k)
                .ok_or_else(|| ConsentError::Purposes(format!("{k} is not a purpose")))?;
            if !declared.iter().any(|p| p.category == c) {
                return Err(ConsentError::Purposes(format!(
                    "{k} is not declared by the site"
                )));
            }
            out.insert(c, *v || c == Category::Necessary);
        }
        for p in declared {
            if p.category == Category::Necessary {
                out.insert(Category::Necessary, true);
            } else if !out.contains_key(&p.category) {
                return Err(ConsentError::Purposes(format!(
                    "{} has no choice",
                    p.category.as_str()
                )));
            }
        }
        Ok(Choices(out))
    }

    /// What the choices amount to, after `before` (the device's previous
    /// choices, if any).
    pub fn kind(&self, before: Option<&Choices>) -> ChoiceKind {
        let optional: Vec<bool> = self
            .0
            .iter()
            .filter(|(c, _)| **c != Category::Necessary)
            .map(|(_, v)| *v)
            .collect();
        let withdrew = before.is_some_and(|b| {
            b.0.iter()
                .any(|(c, v)| *v && *c != Category::Necessary && self.0.get(c) == Some(&false))
        });
        if withdrew {
            ChoiceKind::Withdraw
        } else if optional.iter().all(|v| *v) {
            ChoiceKind::AcceptAll
        } else if optional.iter().all(|v| !*v) {
            ChoiceKind::RefuseAll
        } else {
            ChoiceKind::Partial
        }
    }
}

/// Consent holds 13 months (seed 003 §5, the CNIL's guidance), and only
/// for the notice it was given on.
pub const VALIDITY: Period = Period::THIRTEEN_MONTHS;

/// Whether a choice given at `given_on` on notice `then` still holds on
/// `today` for the current notice `now`.
pub fn holds(given_on: Date, then: &str, today: Date, now: &str) -> bool {
    then == now && given_on >= VALIDITY.cutoff(today)
}

/// One recorded choice, as chained.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConsentRecord {
    pub seq: i64,
    pub at: Timestamp,
    pub site: i64,
    pub device: String,
    pub kind: ChoiceKind,
    pub choices: Choices,
    pub method: ConsentMethod,
    pub notice_version: String,
}

impl ConsentRecord {
    /// The bytes chained: every field, in a fixed form.
    fn canonical(&self) -> Vec<u8> {
        let choices: Vec<String> = self
            .choices
            .0
            .iter()
            .map(|(c, v)| format!("{}={}", c.as_str(), u8::from(*v)))
            .collect();
        format!(
            "vigie-consent-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
            self.seq,
            self.at.as_microsecond(),
            self.site,
            self.device,
            self.kind.as_str(),
            choices.join(","),
            self.method.as_str(),
            self.notice_version
        )
        .into_bytes()
    }

    /// The hash of this record after `prev`: a record changed, removed or
    /// inserted breaks every hash after it.
    pub fn chain(&self, prev: &ChainHash) -> ChainHash {
        let mut h = blake3::Hasher::new();
        h.update(&prev.0);
        h.update(&self.canonical());
        ChainHash(*h.finalize().as_bytes())
    }
}

/// An address or number as the suppression list holds it (C37):
/// addresses lower-cased, French numbers as ten digits.
pub fn normalise(channel: crate::rights::Channel, raw: &str) -> Option<String> {
    use crate::rights::Channel;
    match channel {
        Channel::Email => {
            let e = raw.trim().to_lowercase();
            let (user, domain) = e.split_once('@')?;
            (!user.is_empty() && domain.contains('.') && !e.contains(char::is_whitespace))
                .then_some(e)
        }
        Channel::Sms | Channel::Phone => {
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            let national =
                if raw.trim_start().starts_with('+') || raw.trim_start().starts_with("00") {
                    let d = digits.trim_start_matches("00");
                    d.strip_prefix("33").map(|r| format!("0{r}"))?
                } else {
                    digits
                };
            (national.len() == 10 && national.starts_with('0')).then_some(national)
        }
        Channel::Post => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rights::Channel;

    fn declared() -> Vec<Purpose> {
        [
            Category::Necessary,
            Category::Performance,
            Category::ThirdParty,
        ]
        .into_iter()
        .map(|category| Purpose {
            category,
            services: vec![],
        })
        .collect()
    }

    fn given(pairs: &[(&str, bool)]) -> BTreeMap<String, bool> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn c35_choices_name_every_declared_purpose_and_nothing_else() {
        let all = Choices::check(
            &given(&[("performance", true), ("third_party", true)]),
            &declared(),
        )
        .unwrap();
        assert_eq!(all.kind(None), ChoiceKind::AcceptAll);
        assert!(all.0[&Category::Necessary]);
        let none = Choices::check(
            &given(&[
                ("performance", false),
                ("third_party", false),
                ("necessary", false),
            ]),
            &declared(),
        )
        .unwrap();
        // The strictly necessary cannot be refused.
        assert!(none.0[&Category::Necessary]);
        assert_eq!(none.kind(None), ChoiceKind::RefuseAll);
        assert_eq!(none.kind(Some(&all)), ChoiceKind::Withdraw);
        let some = Choices::check(
            &given(&[("performance", true), ("third_party", false)]),
            &declared(),
        )
        .unwrap();
        assert_eq!(some.kind(None), ChoiceKind::Partial);
        assert!(Choices::check(&given(&[("performance", true)]), &declared()).is_err());
        assert!(
            Choices::check(
                &given(&[
                    ("performance", true),
                    ("third_party", true),
                    ("advertising", true)
                ]),
                &declared()
            )
            .is_err()
        );
        assert!(Choices::check(&given(&[("cookies", true)]), &declared()).is_err());
    }

    #[test]
    fn c35_consent_holds_thirteen_months_on_its_notice() {
        let given_on = jiff::civil::date(2026, 1, 31);
        assert!(holds(given_on, "v1", jiff::civil::date(2027, 2, 28), "v1"));
        assert!(!holds(given_on, "v1", jiff::civil::date(2027, 3, 1), "v1"));
        assert!(!holds(given_on, "v1", jiff::civil::date(2026, 2, 1), "v2"));
    }

    #[test]
    fn c35_a_changed_record_breaks_the_chain() {
        let r = ConsentRecord {
            seq: 1,
            at: Timestamp::UNIX_EPOCH,
            site: 3,
            device: "0123456789abcdef".into(),
            kind: ChoiceKind::Partial,
            choices: Choices::check(
                &given(&[("performance", true), ("third_party", false)]),
                &declared(),
            )
            .unwrap(),
            method: ConsentMethod::Banner,
            notice_version: "v1".into(),
        };
        let h = r.chain(&ChainHash::GENESIS);
        let mut changed = r.clone();
        changed.choices.0.insert(Category::ThirdParty, true);
        assert_ne!(changed.chain(&ChainHash::GENESIS), h);
        assert_eq!(r.chain(&ChainHash::GENESIS), h);
    }

    #[test]
    fn c36_origins_and_devices_are_checked() {
        assert_eq!(
            SiteOrigin::parse("https://www.Mairie-Exemple.fr/")
                .unwrap()
                .as_str(),
            "https://www.mairie-exemple.fr"
        );
        assert!(SiteOrigin::parse("http://127.0.0.1:8080").is_ok());
        for bad in [
            "http://www.x.fr",
            "www.x.fr",
            "https://x.fr/page",
            "https://",
            "javascript://x",
        ] {
            assert!(SiteOrigin::parse(bad).is_err(), "{bad}");
        }
        assert!(DeviceId::parse("0123456789abcdef").is_ok());
        for bad in ["short", "0123456789abcdef<script>", &"a".repeat(65)] {
            assert!(DeviceId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn c37_addresses_and_numbers_are_normalised() {
        assert_eq!(
            normalise(Channel::Email, " Anne@Mairie.FR ").as_deref(),
            Some("anne@mairie.fr")
        );
        assert_eq!(
            normalise(Channel::Sms, "+33 6 12 34 56 78").as_deref(),
            Some("0612345678")
        );
        assert_eq!(
            normalise(Channel::Phone, "06.12.34.56.78").as_deref(),
            Some("0612345678")
        );
        assert_eq!(
            normalise(Channel::Phone, "0033612345678").as_deref(),
            Some("0612345678")
        );
        assert_eq!(normalise(Channel::Email, "pas une adresse"), None);
        assert_eq!(normalise(Channel::Phone, "+44 20 7946 0958"), None);
    }
}
