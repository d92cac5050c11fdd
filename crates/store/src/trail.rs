//! The access trail's rules over any backend: signed checkpoints,
//! verification from the anchor, and purge after the retention (C28).

use std::collections::BTreeMap;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use futures_util::{StreamExt, stream};
use jiff::Timestamp;
use vigie_domain::audit::{ChainBreak, ChainHash, checkpoint_message, verify_batch, verify_links};

use crate::{Checkpoint, StoreError, Trail};

/// The instance's Ed25519 key that signs checkpoints.
pub struct TrailKey(SigningKey);

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the trail signing key must be 64 hexadecimal characters")]
    Format,
    #[error("no randomness available: {0}")]
    Random(String),
}

impl TrailKey {
    pub fn generate() -> Result<Self, KeyError> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(TrailKey(SigningKey::from_bytes(&b)))
    }
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let v = hex::decode(s.trim()).map_err(|_| KeyError::Format)?;
        let b = <[u8; 32]>::try_from(v.as_slice()).map_err(|_| KeyError::Format)?;
        Ok(TrailKey(SigningKey::from_bytes(&b)))
    }
    pub fn to_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    pub fn sign(&self, seq: i64, hash: ChainHash, at: Timestamp) -> Checkpoint {
        let sig = self.0.sign(&checkpoint_message(seq, &hash, at));
        Checkpoint {
            seq,
            hash,
            signed_at: at,
            public_key: self.public_hex(),
            signature: hex::encode(sig.to_bytes()),
        }
    }
}

impl TrailKey {
    /// Signs a document of Vigie's own (a retention report): Ed25519, hex.
    pub fn sign_document(&self, document: &[u8]) -> String {
        hex::encode(self.0.sign(document).to_bytes())
    }
}

/// Whether `signature` (hex) is `public_key`'s (hex) over `document`.
pub fn document_signed_by(public_key: &str, document: &[u8], signature: &str) -> bool {
    let key = hex::decode(public_key.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok());
    let sig = hex::decode(signature.trim())
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok());
    match (key, sig) {
        (Some(k), Some(s)) => k.verify(document, &s).is_ok(),
        _ => false,
    }
}

impl std::fmt::Debug for TrailKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrailKey(public {})", self.public_hex())
    }
}

/// Why verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the chain is broken at {0}")]
    Break(#[from] ChainBreak),
    #[error("checkpoint at record {seq}: {reason}")]
    Checkpoint { seq: i64, reason: String },
    #[error("verification stopped: {0}")]
    Stopped(String),
    #[error(
        "the trail's head names record {head}, but the records end at {last}: records were removed"
    )]
    Head { head: i64, last: i64 },
}

/// What verification walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The anchor it started from (0 when the trail was never purged).
    pub from_seq: i64,
    pub last_seq: i64,
    pub records: u64,
    pub checkpoints: u64,
    /// Records after the last signed checkpoint: not provable yet against
    /// a copy kept outside the database.
    pub unsigned: u64,
}

/// Checks a checkpoint's signature, and that it was made with the expected
/// key when one is given (a tenant's witness holds the public key).
pub fn check_signature(c: &Checkpoint, expected: Option<&str>) -> Result<(), VerifyError> {
    let bad = |reason: &str| VerifyError::Checkpoint {
        seq: c.seq,
        reason: reason.to_owned(),
    };
    if let Some(k) = expected
        && !k.eq_ignore_ascii_case(&c.public_key)
    {
        return Err(bad("signed with another key than the instance's"));
    }
    let key_bytes = hex::decode(&c.public_key).map_err(|_| bad("malformed public key"))?;
    let key = <[u8; 32]>::try_from(key_bytes.as_slice())
        .ok()
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| bad("malformed public key"))?;
    let sig_bytes = hex::decode(&c.signature).map_err(|_| bad("malformed signature"))?;
    let sig = Signature::from_slice(&sig_bytes).map_err(|_| bad("malformed signature"))?;
    key.verify(&checkpoint_message(c.seq, &c.hash, c.signed_at), &sig)
        .map_err(|_| bad("the signature does not match"))
}

/// Signs the head of the trail if it moved since the last checkpoint.
pub async fn checkpoint(
    trail: &dyn Trail,
    key: &TrailKey,
    now: Timestamp,
) -> Result<Option<Checkpoint>, StoreError> {
    let Some((seq, hash)) = trail.head().await? else {
        return Ok(None);
    };
    let last = trail
        .checkpoints(vigie_domain::page::Page::new(Some(1), Some(1)))
        .await?;
    if last.items.first().is_some_and(|c| c.seq >= seq) {
        return Ok(None);
    }
    let c = key.sign(seq, hash, now);
    trail.add_checkpoint(&c).await?;
    Ok(Some(c))
}

/// Verifies the whole trail from its anchor: every record's hash, no gap,
/// every checkpoint's signature and that it matches the record it names.
/// `progress` is called with the last verified sequence number.
///
/// Ranges of sequence numbers are read several at a time (one connection
/// each) and each range's own links are hashed on a blocking thread, so
/// the database and the hashing use every core (issue 19); the ranges are
/// then joined in order by their first records, where gaps, checkpoints
/// and the first break in order are found.
pub async fn verify(
    trail: &dyn Trail,
    expected_key: Option<&str>,
    mut progress: impl FnMut(i64) + Send,
) -> Result<VerifyReport, VerifyError> {
    const BATCH: i64 = 10_000;
    const AHEAD: usize = 4;
    let (mut seq, mut hash) = match trail.anchor().await? {
        Some(a) => {
            check_signature(&a, expected_key)?;
            (a.seq, a.hash)
        }
        None => (0, ChainHash::GENESIS),
    };
    let from_seq = seq;
    // Read before the walk: records appended meanwhile come after it.
    let head = trail.head().await?;
    let mut pending: BTreeMap<i64, Checkpoint> = trail
        .checkpoints_after(seq)
        .await?
        .into_iter()
        .map(|c| (c.seq, c))
        .collect();
    let last_signed = pending.keys().next_back().copied().unwrap_or(from_seq);
    // Where the records should reach at least.
    let end = head.map_or(from_seq, |(h, _)| h).max(last_signed);
    let mut report = VerifyReport {
        from_seq,
        last_seq: seq,
        records: 0,
        checkpoints: 0,
        unsigned: 0,
    };
    let mut head_hash_seen = None;
    let mut ranges = stream::iter((0..).map(|k| from_seq + k * BATCH))
        .map(|after| async move {
            let batch = trail.records_in(after, after + BATCH).await?;
            let (batch, links) = tokio::task::spawn_blocking(move || {
                let links = verify_links(&batch);
                (batch, links)
            })
            .await
            .map_err(|e| VerifyError::Stopped(e.to_string()))?;
            Ok::<_, VerifyError>((after, batch, links))
        })
        .buffered(AHEAD);
    while let Some(next) = ranges.next().await {
        let (after, batch, links) = next?;
        if batch.is_empty() {
            if after >= end {
                break;
            }
            // A hole of a whole range inside the trail, or its end cut.
            match trail.records_after(after + BATCH, 1).await?.first() {
                Some(r) => {
                    return Err(ChainBreak::Gap {
                        seq: r.seq,
                        previous: seq,
                    }
                    .into());
                }
                None => break,
            }
        }
        if let Some((h, _)) = head
            && let Some(r) = batch.iter().find(|r| r.seq == h)
        {
            head_hash_seen = Some(r.hash);
        }
        let (s, h, cps) = check_batch(seq, hash, &batch, links, &mut pending, expected_key)?;
        (seq, hash) = (s, h);
        report.records += batch.len() as u64;
        report.checkpoints += cps;
        progress(seq);
    }
    if let Some((s, _)) = pending.into_iter().next() {
        // A signed checkpoint beyond the last record: the tail was cut.
        return Err(VerifyError::Checkpoint {
            seq: s,
            reason: "records up to this signed checkpoint are missing (the end of the trail was removed)".into(),
        });
    }
    // The head is written with every append: records cut after the last
    // checkpoint show as a head beyond the end, or at another hash.
    if let Some((h, h_hash)) = head
        && h > from_seq
        && (h > seq || head_hash_seen.is_some_and(|x| x != h_hash) || head_hash_seen.is_none())
    {
        return Err(VerifyError::Head { head: h, last: seq });
    }
    report.last_seq = seq;
    report.unsigned = u64::try_from(seq - last_signed.max(from_seq)).unwrap_or(0);
    Ok(report)
}

/// Checks the checkpoints kept outside the database (a file on each node,
/// `checkpoints.jsonl`) against the trail verified in `report`: each must
/// be validly signed and name a record that is there with the same hash.
/// A copy beyond the trail's end shows a cut tail, or a wiped trail, even
/// when the database's own checkpoints and head were removed with it.
/// Returns how many copies were checked (those before the anchor were
/// purged with their records and are skipped).
pub async fn check_witness(
    trail: &dyn Trail,
    report: &VerifyReport,
    witness: &[Checkpoint],
    expected_key: Option<&str>,
) -> Result<u64, VerifyError> {
    let mut n = 0;
    for c in witness {
        check_signature(c, expected_key)?;
        if c.seq <= report.from_seq {
            continue;
        }
        if c.seq > report.last_seq {
            return Err(VerifyError::Checkpoint {
                seq: c.seq,
                reason: format!(
                    "a copy kept outside the database names this record, beyond the trail's end ({}): records were removed",
                    report.last_seq
                ),
            });
        }
        let rec = trail.records_after(c.seq - 1, 1).await?;
        match rec.first() {
            Some(r) if r.seq == c.seq && r.hash == c.hash => n += 1,
            _ => {
                return Err(VerifyError::Checkpoint {
                    seq: c.seq,
                    reason: "a copy kept outside the database does not match the record".into(),
                });
            }
        }
    }
    Ok(n)
}

/// Joins one batch, whose own links were checked (`links`), after
/// `(seq, hash)` and checks the checkpoints it covers; returns where it
/// ended and how many checkpoints it checked.
fn check_batch(
    seq: i64,
    hash: ChainHash,
    batch: &[vigie_domain::audit::AuditRecord],
    links: Result<(), ChainBreak>,
    pending: &mut BTreeMap<i64, Checkpoint>,
    expected_key: Option<&str>,
) -> Result<(i64, ChainHash, u64), VerifyError> {
    // The first record against the batch before: the first break in order.
    verify_batch(seq, hash, &batch[..batch.len().min(1)])?;
    links?;
    let (last, last_hash) = batch.last().map_or((seq, hash), |r| (r.seq, r.hash));
    let covered: Vec<i64> = pending.range(..=last).map(|(s, _)| *s).collect();
    let mut n = 0;
    for s in covered {
        if let Some(c) = pending.remove(&s) {
            check_signature(&c, expected_key)?;
            let rec = batch
                .iter()
                .find(|r| r.seq == s)
                .ok_or_else(|| VerifyError::Checkpoint {
                    seq: s,
                    reason: "names a record that is missing".into(),
                })?;
            if rec.hash != c.hash {
                return Err(VerifyError::Checkpoint {
                    seq: s,
                    reason: "the record's hash differs from the signed one".into(),
                });
            }
            n += 1;
        }
    }
    Ok((last, last_hash, n))
}

/// Deletes records older than `cutoff`, after signing a checkpoint at the
/// last of them that becomes the new anchor. Returns the records removed.
pub async fn purge(
    trail: &dyn Trail,
    key: &TrailKey,
    cutoff: Timestamp,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let Some(last_old) = trail.last_record_before(cutoff).await? else {
        return Ok(0);
    };
    let anchor = key.sign(last_old.seq, last_old.hash, now);
    trail.purge_through(&anchor).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c22_documents_are_signed_and_checked() {
        let k = TrailKey::generate().unwrap();
        let sig = k.sign_document(b"rapport");
        assert!(document_signed_by(&k.public_hex(), b"rapport", &sig));
        assert!(!document_signed_by(&k.public_hex(), b"rapport!", &sig));
        let other = TrailKey::generate().unwrap();
        assert!(!document_signed_by(&other.public_hex(), b"rapport", &sig));
        assert!(!document_signed_by("zz", b"rapport", &sig));
    }
}
