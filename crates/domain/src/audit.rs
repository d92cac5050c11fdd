//! The access trail ("traçabilité des accès", C28): records chained by hash so
//! that a changed, inserted or removed record shows.
//!
//! `hash(n) = BLAKE3(hash(n-1) ‖ canonical(record n))`, where the canonical form
//! is each field prefixed by its length, so that no two different records
//! share a canonical form.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{TenantId, UserId};

/// The hash that links a record to everything before it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChainHash(#[serde(with = "hex_bytes")] pub [u8; 32]);

impl ChainHash {
    /// The anchor of an empty trail.
    pub const GENESIS: ChainHash = ChainHash([0; 32]);

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_slice(b: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(b).ok().map(ChainHash)
    }
}

impl std::fmt::Debug for ChainHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ChainHash({})", self.to_hex())
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    pub fn serialize<S: Serializer>(b: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(b))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let v = hex::decode(s).map_err(D::Error::custom)?;
        <[u8; 32]>::try_from(v.as_slice()).map_err(|_| D::Error::custom("expected 32 bytes"))
    }
}

/// Whether the recorded action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
    /// The request ended without saying (the process stopped, or the
    /// answer timed out): what it was to change may or may not be done.
    Interrupted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
            Outcome::Interrupted => "interrupted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Outcome::Success,
            Outcome::Failure,
            Outcome::Denied,
            Outcome::Interrupted,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// Who did it: a person, or the system itself (scheduled jobs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: Option<UserId>,
    /// The account's email at the time, or "system", or the address typed in
    /// a failed sign-in; kept so that the record reads on its own after the
    /// account is gone.
    pub label: String,
}

impl Actor {
    /// A signed-in person, named by their address at the time.
    pub fn person(u: &crate::account::User) -> Self {
        Actor {
            user: Some(u.id),
            label: u.email.to_string(),
        }
    }

    pub fn system() -> Self {
        Actor {
            user: None,
            label: "system".into(),
        }
    }
}

/// What a handler reports; the store gives it a sequence number, a time and
/// its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub actor: Actor,
    pub tenant: Option<TenantId>,
    /// Dotted name: `auth.sign_in`, `user.create`, `trail.export`…
    pub action: String,
    /// The object acted on, as `type:id`, never the data itself.
    pub object: String,
    pub ip: String,
    pub user_agent: String,
    pub outcome: Outcome,
}

/// A stored record of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: Timestamp,
    #[serde(flatten)]
    pub event: AuditEvent,
    pub hash: ChainHash,
}

fn put(buf: &mut Vec<u8>, field: &[u8]) {
    buf.extend_from_slice(&(field.len() as u64).to_le_bytes());
    buf.extend_from_slice(field);
}

/// The bytes that are hashed for a record.
pub fn canonical(seq: i64, at: Timestamp, e: &AuditEvent) -> Vec<u8> {
    let mut b = Vec::with_capacity(128 + e.action.len() + e.object.len() + e.user_agent.len());
    canonical_into(&mut b, seq, at, e);
    b
}

/// The same, written at the end of `b` (a buffer reused record after
/// record: verification hashes millions).
fn canonical_into(b: &mut Vec<u8>, seq: i64, at: Timestamp, e: &AuditEvent) {
    put(b, b"vigie-trail-v1");
    put(b, &seq.to_le_bytes());
    put(b, &at.as_microsecond().to_le_bytes());
    put(b, &e.actor.user.map_or(-1, |u| u.0).to_le_bytes());
    put(b, e.actor.label.as_bytes());
    put(b, &e.tenant.map_or(-1, |t| t.0).to_le_bytes());
    put(b, e.action.as_bytes());
    put(b, e.object.as_bytes());
    put(b, e.ip.as_bytes());
    put(b, e.user_agent.as_bytes());
    put(b, e.outcome.as_str().as_bytes());
}

/// The hash of the record that follows `prev`.
pub fn chain(prev: &ChainHash, seq: i64, at: Timestamp, e: &AuditEvent) -> ChainHash {
    chain_with(&mut Vec::new(), prev, seq, at, e)
}

/// The same, with `buf` as room for the canonical form.
fn chain_with(
    buf: &mut Vec<u8>,
    prev: &ChainHash,
    seq: i64,
    at: Timestamp,
    e: &AuditEvent,
) -> ChainHash {
    buf.clear();
    buf.extend_from_slice(&prev.0);
    canonical_into(buf, seq, at, e);
    ChainHash(*blake3::hash(buf).as_bytes())
}

/// The bytes an Ed25519 checkpoint signs: the position and hash of the
/// record it vouches for, in a fixed text form a tenant can check by hand.
pub fn checkpoint_message(seq: i64, hash: &ChainHash, at: Timestamp) -> Vec<u8> {
    format!(
        "vigie-trail-checkpoint-v1\n{seq}\n{}\n{}\n",
        hash.to_hex(),
        at.as_microsecond()
    )
    .into_bytes()
}

/// Where verification found the chain broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("record {seq}: its hash does not match its content and the record before it")]
    HashMismatch { seq: i64 },
    #[error("record {seq} follows record {previous}: records are missing in between")]
    Gap { seq: i64, previous: i64 },
}

/// Checks that `r` follows the record `(prev_seq, prev_hash)`.
fn link(
    buf: &mut Vec<u8>,
    prev_seq: i64,
    prev_hash: &ChainHash,
    r: &AuditRecord,
) -> Result<(), ChainBreak> {
    if r.seq != prev_seq + 1 {
        return Err(ChainBreak::Gap {
            seq: r.seq,
            previous: prev_seq,
        });
    }
    if chain_with(buf, prev_hash, r.seq, r.at, &r.event) != r.hash {
        return Err(ChainBreak::HashMismatch { seq: r.seq });
    }
    Ok(())
}

/// Walks records in order from an anchor and reports the first break.
/// Returns the last (seq, hash) reached, to continue with the next batch.
pub fn verify_batch(
    prev_seq: i64,
    prev_hash: ChainHash,
    records: &[AuditRecord],
) -> Result<(i64, ChainHash), ChainBreak> {
    let Some(first) = records.first() else {
        return Ok((prev_seq, prev_hash));
    };
    link(&mut Vec::new(), prev_seq, &prev_hash, first)?;
    verify_links(records)?;
    Ok(records
        .last()
        .map_or((prev_seq, prev_hash), |r| (r.seq, r.hash)))
}

/// Checks every record of `records` but the first against the one before
/// it. Each record's hash depends only on stored values, so batches are
/// checked apart, on several cores, and joined by their first records.
pub fn verify_links(records: &[AuditRecord]) -> Result<(), ChainBreak> {
    let mut buf = Vec::with_capacity(512);
    records
        .windows(2)
        .try_for_each(|w| link(&mut buf, w[0].seq, &w[0].hash, &w[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str) -> AuditEvent {
        AuditEvent {
            actor: Actor {
                user: Some(UserId(1)),
                label: "a@b.fr".into(),
            },
            tenant: Some(TenantId(2)),
            action: action.into(),
            object: "user:3".into(),
            ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            outcome: Outcome::Success,
        }
    }

    fn build(n: i64) -> Vec<AuditRecord> {
        let mut prev = ChainHash::GENESIS;
        (1..=n)
            .map(|seq| {
                let at = Timestamp::from_second(1_700_000_000 + seq).unwrap();
                let e = event(&format!("a{seq}"));
                let hash = chain(&prev, seq, at, &e);
                prev = hash;
                AuditRecord {
                    seq,
                    at,
                    event: e,
                    hash,
                }
            })
            .collect()
    }

    /// The hash is BLAKE3 over the previous hash then the canonical form,
    /// however it is computed: trails written before keep verifying.
    #[test]
    fn c28_the_chain_hash_is_the_documented_one() {
        let at = Timestamp::from_second(1_700_000_000).unwrap();
        let prev = ChainHash([7; 32]);
        let mut h = blake3::Hasher::new();
        h.update(&prev.0);
        h.update(&canonical(42, at, &event("x.y")));
        assert_eq!(
            chain(&prev, 42, at, &event("x.y")),
            ChainHash(*h.finalize().as_bytes())
        );
    }

    #[test]
    fn c28_intact_chain_verifies() {
        let recs = build(5);
        let (seq, hash) = verify_batch(0, ChainHash::GENESIS, &recs).unwrap();
        assert_eq!(seq, 5);
        assert_eq!(hash, recs[4].hash);
    }

    #[test]
    fn c28_changed_record_is_found() {
        let mut recs = build(5);
        recs[2].event.outcome = Outcome::Failure;
        assert_eq!(
            verify_batch(0, ChainHash::GENESIS, &recs),
            Err(ChainBreak::HashMismatch { seq: 3 })
        );
    }

    #[test]
    fn c28_removed_record_is_found() {
        let mut recs = build(5);
        recs.remove(1);
        assert_eq!(
            verify_batch(0, ChainHash::GENESIS, &recs),
            Err(ChainBreak::Gap {
                seq: 3,
                previous: 1
            })
        );
    }

    #[test]
    fn field_boundaries_matter() {
        let mut a = event("ab");
        a.object = "c".into();
        let mut b = event("a");
        b.object = "bc".into();
        let at = Timestamp::UNIX_EPOCH;
        assert_ne!(canonical(1, at, &a), canonical(1, at, &b));
    }

    #[test]
    fn verification_continues_from_a_checkpoint() {
        let recs = build(6);
        let anchor = &recs[2];
        let (seq, _) = verify_batch(anchor.seq, anchor.hash, &recs[3..]).unwrap();
        assert_eq!(seq, 6);
    }
}
