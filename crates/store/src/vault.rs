//! Secrets at rest: connection URLs of client databases and the rows of an
//! export are sealed (ChaCha20-Poly1305) under keys derived from the
//! instance's data key, one per purpose and tenant, so one leaked derived
//! key opens nothing else. A version byte leads every sealed value so keys
//! can be rotated later.

use chacha20poly1305::{
    ChaCha20Poly1305, Key, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use vigie_domain::{TenantId, UserId};

const VERSION: u8 = 1;

/// Why a sealed value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the sealed value is damaged or was sealed under another key")]
    Damaged,
    #[error("the operating system gave no randomness")]
    Random,
}

/// What a sealed value is for; part of the key derivation and of the
/// authenticated data, so a value sealed for one use opens for no other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A connected system's URL.
    Credentials,
    /// Rows gathered for an access request.
    Export,
    /// An address or number on the suppression list (C37).
    Suppression,
    /// A webhook endpoint's signing secret (issue 20).
    WebhookSecret,
}

impl Purpose {
    fn context(self) -> &'static str {
        match self {
            Purpose::Credentials => "vigie 2026-11 connected system credentials",
            Purpose::Export => "vigie 2026-11 rights request export",
            Purpose::Suppression => "vigie 2026-12 suppression list",
            Purpose::WebhookSecret => "vigie 2026-12 webhook secret",
        }
    }
}

/// The instance's data key and what derives from it.
#[derive(Clone)]
pub struct Vault {
    master: [u8; 32],
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault(..)")
    }
}

impl Vault {
    pub fn new(master: [u8; 32]) -> Self {
        Vault { master }
    }

    fn key(&self, context: &str, tenant: TenantId) -> [u8; 32] {
        self.derive(context, tenant.0)
    }

    fn derive(&self, context: &str, owner: i64) -> [u8; 32] {
        let mut material = self.master.to_vec();
        material.extend_from_slice(&owner.to_le_bytes());
        blake3::derive_key(context, &material)
    }

    /// Seals an account's second-factor secret (issue 12), under a key of
    /// that account only.
    pub fn seal_second_factor(&self, user: UserId, plain: &[u8]) -> Result<Vec<u8>, VaultError> {
        seal_with(&self.derive(SECOND_FACTOR, user.0), plain)
    }

    pub fn open_second_factor(&self, user: UserId, sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
        open_with(&self.derive(SECOND_FACTOR, user.0), sealed)
    }

    /// The tenant's key for anonymisation (keyed hashes, fake values).
    pub fn masking_key(&self, tenant: TenantId) -> [u8; 32] {
        self.key("vigie 2026-11 masking", tenant)
    }

    pub fn seal(
        &self,
        purpose: Purpose,
        tenant: TenantId,
        plain: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        seal_with(&self.key(purpose.context(), tenant), plain)
    }

    pub fn open(
        &self,
        purpose: Purpose,
        tenant: TenantId,
        sealed: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        open_with(&self.key(purpose.context(), tenant), sealed)
    }
}

const SECOND_FACTOR: &str = "vigie 2026-12 second factor secret";

fn seal_with(key: &[u8; 32], plain: &[u8]) -> Result<Vec<u8>, VaultError> {
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|_| VaultError::Random)?;
    let aad = [VERSION];
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plain,
                aad: &aad,
            },
        )
        .map_err(|_| VaultError::Damaged)?;
    let mut out = Vec::with_capacity(1 + 12 + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open_with(key: &[u8; 32], sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
    if sealed.len() < 13 || sealed[0] != VERSION {
        return Err(VaultError::Damaged);
    }
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    cipher
        .decrypt(
            Nonce::from_slice(&sealed[1..13]),
            Payload {
                msg: &sealed[13..],
                aad: &sealed[..1],
            },
        )
        .map_err(|_| VaultError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_for_their_tenant_purpose_and_key() {
        let v = Vault::new([1; 32]);
        let s = v
            .seal(
                Purpose::Credentials,
                TenantId(1),
                b"postgres://u:secret@h/db",
            )
            .unwrap();
        assert!(!s.windows(6).any(|w| w == b"secret"));
        assert_eq!(
            v.open(Purpose::Credentials, TenantId(1), &s).unwrap(),
            b"postgres://u:secret@h/db"
        );
        assert_eq!(
            v.open(Purpose::Credentials, TenantId(2), &s),
            Err(VaultError::Damaged)
        );
        assert_eq!(
            v.open(Purpose::Export, TenantId(1), &s),
            Err(VaultError::Damaged)
        );
        assert_eq!(
            Vault::new([2; 32]).open(Purpose::Credentials, TenantId(1), &s),
            Err(VaultError::Damaged)
        );
        let mut bad = s.clone();
        bad[20] ^= 1;
        assert_eq!(
            v.open(Purpose::Credentials, TenantId(1), &bad),
            Err(VaultError::Damaged)
        );
        assert_ne!(v.masking_key(TenantId(1)), v.masking_key(TenantId(2)));
    }
}
