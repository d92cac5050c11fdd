//! The backup's one object: a tar of the database snapshot and the files
//! beside it, compressed with zstd, then encrypted with age to the
//! recipients' public keys — written and read as streams, so memory stays
//! flat whatever the size. Debian's `age`, `zstd` and `tar` open it.

use std::{
    fs::File,
    io::{self, BufReader, BufWriter, Read, Write},
    path::Path,
    str::FromStr,
};

use sha2::{Digest, Sha256};

use crate::BackupError;

/// zstd's level: 1, multithreaded — faster than restic on the same data
/// and, on the benchmark's text, as small as its level 3 (docs/benchmarks.md).
const LEVEL: i32 = 1;

/// The public keys a backup is encrypted to (`age1…`).
#[derive(Clone)]
pub struct Recipients(Vec<age::x25519::Recipient>);

impl Recipients {
    pub fn parse(keys: &[String]) -> Result<Self, BackupError> {
        if keys.is_empty() {
            return Err(BackupError::Config(
                "backup.recipients: at least one age public key (age1…)".into(),
            ));
        }
        keys.iter()
            .map(|k| {
                age::x25519::Recipient::from_str(k.trim()).map_err(|e| {
                    BackupError::Config(format!(
                        "backup.recipients: {k} is not an age public key: {e}"
                    ))
                })
            })
            .collect::<Result<_, _>>()
            .map(Recipients)
    }
}

/// The secret keys that open a backup (an age identity file).
pub struct Identities(Vec<Box<dyn age::Identity + Send + Sync>>);

impl Identities {
    pub fn read(path: &Path) -> Result<Self, BackupError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BackupError::Config(format!("{}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| BackupError::Config(format!("{}: {e}", path.display())))
    }

    /// An identity file's text: `AGE-SECRET-KEY-1…` lines, `#` comments.
    pub fn parse(text: &str) -> Result<Self, BackupError> {
        let bad = |e: String| BackupError::Config(format!("backup.identity: {e}"));
        let ids = age::IdentityFile::from_buffer(text.as_bytes())
            .map_err(|e| bad(e.to_string()))?
            .into_identities()
            .map_err(|e| bad(e.to_string()))?;
        if ids.is_empty() {
            return Err(bad("no AGE-SECRET-KEY-1… line".into()));
        }
        Ok(Identities(ids))
    }

    /// The public key of the first `AGE-SECRET-KEY-1…` line of `text`.
    pub fn public_key_of(text: &str) -> Result<String, BackupError> {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .ok_or_else(|| BackupError::Config("no AGE-SECRET-KEY-1… line".into()))?;
        age::x25519::Identity::from_str(line)
            .map(|i| i.to_public().to_string())
            .map_err(|e| BackupError::Config(e.to_string()))
    }

    /// A new key pair: the identity file's text and its public key.
    pub fn generate() -> (String, String) {
        let id = age::x25519::Identity::generate();
        let public = id.to_public().to_string();
        let secret = age::secrecy::ExposeSecret::expose_secret(&id.to_string()).to_owned();
        (format!("# public key: {public}\n{secret}\n"), public)
    }
}

/// What was written: the object's size and SHA-256, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub size: u64,
    pub sha256: String,
}

/// Counts and hashes what passes through.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// One file of the archive: its name inside and where it is read from.
pub struct Entry {
    pub name: String,
    pub source: Source,
}

pub enum Source {
    File(std::path::PathBuf),
    Bytes(Vec<u8>),
}

/// Writes `entries` as a tar, compressed then encrypted, into `out`
/// (created, synced to disk before returning).
pub fn seal(entries: &[Entry], recipients: &Recipients, out: &Path) -> Result<Sealed, BackupError> {
    let file = File::create(out).map_err(|e| BackupError::io(out, e))?;
    let hashing = Hashing {
        inner: BufWriter::with_capacity(1 << 20, file),
        hash: Sha256::new(),
        size: 0,
    };
    let encryptor =
        age::Encryptor::with_recipients(recipients.0.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| BackupError::Crypto(e.to_string()))?;
    let encrypted = encryptor
        .wrap_output(hashing)
        .map_err(|e| BackupError::io(out, e))?;
    let compressed = zstd::Encoder::new(encrypted, LEVEL).map_err(|e| BackupError::io(out, e))?;
    let mut tar = tar::Builder::new(compressed);
    tar.mode(tar::HeaderMode::Deterministic);
    for e in entries {
        match &e.source {
            Source::File(path) => {
                let mut f = File::open(path).map_err(|err| BackupError::io(path, err))?;
                tar.append_file(&e.name, &mut f)
                    .map_err(|err| BackupError::io(path, err))?;
            }
            Source::Bytes(b) => {
                let mut h = tar::Header::new_gnu();
                h.set_size(b.len() as u64);
                h.set_mode(0o600);
                h.set_mtime(0);
                h.set_cksum();
                tar.append_data(&mut h, &e.name, b.as_slice())
                    .map_err(|err| BackupError::io(out, err))?;
            }
        }
    }
    let compressed = tar.into_inner().map_err(|e| BackupError::io(out, e))?;
    let encrypted = compressed.finish().map_err(|e| BackupError::io(out, e))?;
    let mut hashing = encrypted.finish().map_err(|e| BackupError::io(out, e))?;
    hashing.flush().map_err(|e| BackupError::io(out, e))?;
    let file = hashing
        .inner
        .into_inner()
        .map_err(|e| BackupError::io(out, e.into_error()))?;
    file.sync_all().map_err(|e| BackupError::io(out, e))?;
    Ok(Sealed {
        size: hashing.size,
        sha256: hex::encode(hashing.hash.finalize()),
    })
}

/// The SHA-256 of a file, read as a stream.
pub fn sha256_of(path: &Path) -> Result<String, BackupError> {
    let mut f = BufReader::with_capacity(
        1 << 20,
        File::open(path).map_err(|e| BackupError::io(path, e))?,
    );
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| BackupError::io(path, e))?;
        if n == 0 {
            return Ok(hex::encode(hash.finalize()));
        }
        hash.update(&buf[..n]);
    }
}

/// Decrypts, decompresses and unpacks the object at `object` into `dir`;
/// a changed or truncated object fails here (age authenticates every
/// chunk and the end).
pub fn open(
    object: &Path,
    identities: &Identities,
    dir: &Path,
) -> Result<Vec<String>, BackupError> {
    let file = BufReader::with_capacity(
        1 << 20,
        File::open(object).map_err(|e| BackupError::io(object, e))?,
    );
    let decryptor =
        age::Decryptor::new_buffered(file).map_err(|e| BackupError::Crypto(e.to_string()))?;
    let plain = decryptor
        .decrypt(
            identities
                .0
                .iter()
                .map(|i| i.as_ref() as &dyn age::Identity),
        )
        .map_err(|e| BackupError::Crypto(e.to_string()))?;
    let decompressed = zstd::Decoder::new(plain).map_err(|e| BackupError::io(object, e))?;
    let mut archive = tar::Archive::new(decompressed);
    let mut names = Vec::new();
    for entry in archive.entries().map_err(|e| BackupError::io(object, e))? {
        let mut entry = entry.map_err(|e| BackupError::io(object, e))?;
        let name = entry
            .path()
            .map_err(|e| BackupError::io(object, e))?
            .to_string_lossy()
            .into_owned();
        // `unpack_in` refuses names that leave `dir`.
        if !entry
            .unpack_in(dir)
            .map_err(|e| BackupError::io(object, e))?
        {
            return Err(BackupError::Corrupt(format!(
                "{name}: a name outside the archive"
            )));
        }
        names.push(name);
    }
    Ok(names)
}
