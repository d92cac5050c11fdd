//! Where backups go (C31): a plain directory (a mounted NFS or SMB share)
//! or an S3-compatible object store (what French hosts sell), both behind
//! `object_store`, written from a file as a stream (multipart on S3), an
//! object complete or absent.

use std::{path::PathBuf, sync::Arc, time::Duration};

use futures_util::StreamExt;
use object_store::{ObjectStore, ObjectStoreExt, buffered::BufWriter, path::Path as ObjectPath};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use crate::BackupError;

/// A target as the configuration writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum TargetConfig {
    Directory {
        name: String,
        path: PathBuf,
    },
    S3 {
        name: String,
        /// `https://s3.gra.io.cloud.ovh.net`, `https://s3.fr-par.scw.cloud`…
        endpoint: String,
        bucket: String,
        #[serde(default = "default_region")]
        region: String,
        access_key_id: String,
        secret_access_key: String,
        /// Objects are named under it (`vigie/prod/`).
        #[serde(default)]
        prefix: String,
        /// Plain HTTP, for a store on loopback only.
        #[serde(default)]
        allow_http: bool,
    },
}

fn default_region() -> String {
    "us-east-1".into()
}

impl TargetConfig {
    pub fn name(&self) -> &str {
        match self {
            TargetConfig::Directory { name, .. } | TargetConfig::S3 { name, .. } => name,
        }
    }
}

pub struct Target {
    pub name: String,
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl Target {
    pub fn open(c: &TargetConfig) -> Result<Self, BackupError> {
        let fail = |m: String| BackupError::Target {
            target: c.name().to_owned(),
            message: m,
        };
        let (store, prefix): (Arc<dyn ObjectStore>, String) = match c {
            TargetConfig::Directory { path, .. } => {
                std::fs::create_dir_all(path)
                    .map_err(|e| fail(format!("{}: {e}", path.display())))?;
                let fs = object_store::local::LocalFileSystem::new_with_prefix(path)
                    .map_err(|e| fail(e.to_string()))?;
                (Arc::new(fs), String::new())
            }
            TargetConfig::S3 {
                endpoint,
                bucket,
                region,
                access_key_id,
                secret_access_key,
                prefix,
                allow_http,
                ..
            } => {
                // HTTPS on the ring provider, as the rest of Vigie (an
                // error only says one is installed already).
                let _ = rustls::crypto::ring::default_provider().install_default();
                let options = object_store::ClientOptions::new()
                    .with_timeout(Duration::from_secs(300))
                    .with_connect_timeout(Duration::from_secs(10))
                    .with_allow_http(*allow_http);
                let s3 = object_store::aws::AmazonS3Builder::new()
                    .with_endpoint(endpoint)
                    .with_bucket_name(bucket)
                    .with_region(region)
                    .with_access_key_id(access_key_id)
                    .with_secret_access_key(secret_access_key)
                    .with_virtual_hosted_style_request(false)
                    .with_client_options(options)
                    // Five tries with backoff (about 3 s for a refused
                    // connection): a store that stays down is reported,
                    // the other targets keep the night's backup.
                    .with_retry(object_store::RetryConfig {
                        max_retries: 5,
                        retry_timeout: Duration::from_secs(120),
                        ..Default::default()
                    })
                    .build()
                    .map_err(|e| fail(e.to_string()))?;
                (Arc::new(s3), prefix.trim_matches('/').to_owned())
            }
        };
        Ok(Target {
            name: c.name().to_owned(),
            store,
            prefix,
        })
    }

    fn path(&self, name: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(name)
        } else {
            ObjectPath::from(format!("{}/{name}", self.prefix))
        }
    }

    fn fail(&self, e: impl std::fmt::Display) -> BackupError {
        BackupError::Target {
            target: self.name.clone(),
            message: e.to_string(),
        }
    }

    /// Sends a file as object `name`, streamed: complete or absent.
    pub async fn put_file(&self, name: &str, file: &std::path::Path) -> Result<(), BackupError> {
        let mut from = tokio::fs::File::open(file)
            .await
            .map_err(|e| BackupError::io(file, e))?;
        let mut to = BufWriter::with_capacity(self.store.clone(), self.path(name), 8 << 20);
        if let Err(e) = tokio::io::copy(&mut from, &mut to).await {
            let _ = to.abort().await;
            return Err(self.fail(e));
        }
        to.shutdown().await.map_err(|e| self.fail(e))
    }

    pub async fn put_bytes(&self, name: &str, bytes: Vec<u8>) -> Result<(), BackupError> {
        self.store
            .put(&self.path(name), bytes.into())
            .await
            .map(drop)
            .map_err(|e| self.fail(e))
    }

    /// Fetches object `name` into a file, streamed; returns its size.
    pub async fn get_file(&self, name: &str, to: &std::path::Path) -> Result<u64, BackupError> {
        let got = self
            .store
            .get(&self.path(name))
            .await
            .map_err(|e| self.fail(e))?;
        let mut out = tokio::fs::File::create(to)
            .await
            .map_err(|e| BackupError::io(to, e))?;
        let mut stream = got.into_stream();
        let mut n = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.fail(e))?;
            n += chunk.len() as u64;
            out.write_all(&chunk)
                .await
                .map_err(|e| BackupError::io(to, e))?;
        }
        out.sync_all().await.map_err(|e| BackupError::io(to, e))?;
        Ok(n)
    }

    pub async fn get_bytes(&self, name: &str) -> Result<Vec<u8>, BackupError> {
        let got = self
            .store
            .get(&self.path(name))
            .await
            .map_err(|e| self.fail(e))?;
        Ok(got.bytes().await.map_err(|e| self.fail(e))?.to_vec())
    }

    /// The names of the objects under the target's prefix.
    pub async fn names(&self) -> Result<Vec<String>, BackupError> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let mut list = self.store.list(prefix.as_ref());
        let mut out = Vec::new();
        while let Some(meta) = list.next().await {
            let meta = meta.map_err(|e| self.fail(e))?;
            if let Some(name) = meta.location.filename() {
                out.push(name.to_owned());
            }
        }
        out.sort();
        Ok(out)
    }

    pub async fn delete(&self, name: &str) -> Result<(), BackupError> {
        match self.store.delete(&self.path(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }
}
