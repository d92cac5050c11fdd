//! Rows written by earlier versions, read into today's types.

use jiff::Timestamp;
use vigie_domain::{
    dataset::IdentityKind,
    identities::{Identities, IdentityProof},
    rights::{Intake, RequestStatus, Verification},
};
use vigie_store::StoreError;

/// The identities column: a list of identifiers with their proofs, or, as
/// written before proofs were kept per identifier (issue 12), `[kind,
/// value]` pairs. Of those only the request's own email counts as proven,
/// once the person confirmed it or an agent verified the request; the
/// others wait for an agent.
pub(crate) fn identities_from(
    text: &str,
    (intake, status, verification, email, received): (
        Intake,
        RequestStatus,
        Option<Verification>,
        &str,
        Option<Timestamp>,
    ),
) -> Result<Identities, StoreError> {
    // Pairs first: serde would also read a pair as an identity without proof.
    let Ok(pairs) = serde_json::from_str::<Vec<(IdentityKind, String)>>(text) else {
        return serde_json::from_str(text)
            .map_err(|e| StoreError::Corrupt(format!("identities: {e}")));
    };
    let mut ids = Identities::default();
    for (kind, value) in pairs {
        ids.add(kind, &value);
    }
    let method = match (intake, status, verification) {
        (_, RequestStatus::AwaitingEmailCheck, _) => None,
        (_, _, Some(v)) => Some(v),
        (Intake::WebForm, _, None) => Some(Verification::EmailCode),
        _ => None,
    };
    if let (Some(method), Some(at)) = (method, received) {
        let by = "avant la preuve par identifiant".to_owned();
        ids.prove(IdentityKind::Email, email, IdentityProof { method, by, at });
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIRS: &str = r#"[["email","anne@mairie.fr"],["phone","06 12 34 56 78"]]"#;

    #[test]
    fn c12_of_an_old_list_only_the_confirmed_address_counts_as_proven() {
        let at = Some(Timestamp::UNIX_EPOCH);
        let read = |intake, status, verification| {
            identities_from(PAIRS, (intake, status, verification, "anne@mairie.fr", at))
                .unwrap()
                .proven()
        };
        let email = vec![(IdentityKind::Email, "anne@mairie.fr".to_owned())];
        assert_eq!(read(Intake::WebForm, RequestStatus::Received, None), email);
        assert_eq!(
            read(
                Intake::Letter,
                RequestStatus::Verified,
                Some(Verification::InPerson)
            ),
            email
        );
        assert!(read(Intake::Letter, RequestStatus::Received, None).is_empty());
        assert!(read(Intake::WebForm, RequestStatus::AwaitingEmailCheck, None).is_empty());
        let ids = identities_from(
            PAIRS,
            (
                Intake::WebForm,
                RequestStatus::Received,
                None,
                "anne@mairie.fr",
                at,
            ),
        )
        .unwrap();
        assert_eq!(ids.len(), 2);
        assert!(
            identities_from(
                "{",
                (Intake::WebForm, RequestStatus::Received, None, "", at)
            )
            .is_err()
        );
    }
}
