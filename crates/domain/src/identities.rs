//! The identifiers a rights request searches the connected systems by, each
//! with how it was proven to be the person's (C12). An identifier nobody
//! proved is shown to the agent and never used: someone who proves their
//! own email must not reach another person's rows by typing that person's
//! phone, nor through a phone found on their own rows.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{dataset::IdentityKind, rights::Verification};

/// How, by whom and when an identifier was proven the person's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProof {
    pub method: Verification,
    /// "demandeur" for a code the person entered, else the agent's name.
    pub by: String,
    pub at: Timestamp,
}

/// One identifier of the person ("identifiant de la personne").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectIdentity {
    pub kind: IdentityKind,
    pub value: String,
    /// `None` until someone proves it; then it is searched by.
    #[serde(default)]
    pub proof: Option<IdentityProof>,
}

impl SubjectIdentity {
    pub fn is_proven(&self) -> bool {
        self.proof.is_some()
    }
}

/// A request's identifiers, each once (compared in their normal form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Identities(Vec<SubjectIdentity>);

impl Identities {
    pub fn iter(&self) -> impl Iterator<Item = &SubjectIdentity> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    fn position(&self, kind: IdentityKind, value: &str) -> Option<usize> {
        let n = kind.normal(value);
        self.0
            .iter()
            .position(|i| i.kind == kind && i.kind.normal(&i.value) == n)
    }
    /// Adds an identifier not yet proven; one already there (in any
    /// written form) or blank is left as it is. True when added.
    pub fn add(&mut self, kind: IdentityKind, value: &str) -> bool {
        let value = value.trim();
        if kind.normal(value).is_empty() || self.position(kind, value).is_some() {
            return false;
        }
        self.0.push(SubjectIdentity {
            kind,
            value: value.to_owned(),
            proof: None,
        });
        true
    }
    /// Records the proof of an identifier, adding it if absent. A proof
    /// already recorded is kept (the first proof is the one that counts).
    pub fn prove(&mut self, kind: IdentityKind, value: &str, proof: IdentityProof) {
        self.add(kind, value);
        if let Some(i) = self.position(kind, value)
            && let Some(id) = self.0.get_mut(i)
            && id.proof.is_none()
        {
            id.proof = Some(proof);
        }
    }
    /// The identifiers the systems may be searched by.
    pub fn proven(&self) -> Vec<(IdentityKind, String)> {
        self.0
            .iter()
            .filter(|i| i.is_proven())
            .map(|i| (i.kind, i.value.clone()))
            .collect()
    }
    /// Those waiting for a proof.
    pub fn unproven(&self) -> impl Iterator<Item = &SubjectIdentity> {
        self.0.iter().filter(|i| !i.is_proven())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof() -> IdentityProof {
        IdentityProof {
            method: Verification::EmailCode,
            by: "demandeur".into(),
            at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn c12_only_proven_identifiers_are_searched_by() {
        let mut ids = Identities::default();
        assert!(ids.add(IdentityKind::Email, "Anne@Mairie.fr"));
        assert!(ids.add(IdentityKind::Phone, "06 12 34 56 78"));
        assert!(ids.proven().is_empty());
        ids.prove(IdentityKind::Email, "anne@mairie.fr ", proof());
        assert_eq!(
            ids.proven(),
            vec![(IdentityKind::Email, "Anne@Mairie.fr".to_owned())]
        );
        assert_eq!(ids.unproven().count(), 1);
    }

    #[test]
    fn the_same_identifier_in_another_form_is_one() {
        let mut ids = Identities::default();
        ids.add(IdentityKind::Phone, "06 12 34 56 78");
        assert!(!ids.add(IdentityKind::Phone, "+33 6 12 34 56 78"));
        assert!(!ids.add(IdentityKind::Phone, "  "));
        ids.prove(IdentityKind::Phone, "0612345678", proof());
        let mut later = proof();
        later.by = "agent".into();
        ids.prove(IdentityKind::Phone, "06.12.34.56.78", later);
        assert_eq!(ids.len(), 1);
        assert_eq!(
            ids.iter()
                .next()
                .and_then(|i| i.proof.as_ref())
                .map(|p| p.by.as_str()),
            Some("demandeur")
        );
    }
}
