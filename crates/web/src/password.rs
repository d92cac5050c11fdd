//! Password hashing with argon2id, off the async threads.

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString},
};

/// The argon2id cost. The default is OWASP's (19 MiB, 2 passes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Argon2Settings {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("invalid argon2 settings: {0}")]
    Settings(String),
    #[error("hashing failed: {0}")]
    Hash(String),
}

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A hash verified when the account does not exist, so that the answer
    /// takes as long as for a real account.
    dummy: String,
}

impl PasswordHasher {
    pub fn new(s: Argon2Settings) -> Result<Self, HashError> {
        let params = Params::new(s.memory_kib, s.iterations, s.parallelism, None)
            .map_err(|e| HashError::Settings(e.to_string()))?;
        let mut h = PasswordHasher {
            params,
            dummy: String::new(),
        };
        h.dummy = h.hash_blocking("not a real password, only for timing")?;
        Ok(h)
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash_blocking(&self, password: &str) -> Result<String, HashError> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| HashError::Hash(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| HashError::Hash(e.to_string()))?;
        self.argon()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    }

    /// Hashes on a blocking thread.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let (me, pw) = (self.clone(), password.to_owned());
        tokio::task::spawn_blocking(move || me.hash_blocking(&pw))
            .await
            .map_err(|e| HashError::Hash(e.to_string()))?
    }

    /// Verifies on a blocking thread; `None` checks against a dummy hash
    /// and answers false.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> bool {
        let me = self.clone();
        let pw = password.to_owned();
        let real = hash.is_some();
        let hash = hash.map_or_else(|| self.dummy.clone(), str::to_owned);
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|h| me.argon().verify_password(pw.as_bytes(), &h).is_ok())
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
            && real
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id() {
        let h = PasswordHasher::new(Argon2Settings {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        let hash = h.hash("cheval correct agrafe").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(h.verify("cheval correct agrafe", Some(&hash)).await);
        assert!(!h.verify("cheval correct agrafE", Some(&hash)).await);
        assert!(!h.verify("not a real password, only for timing", None).await);
    }
}
