//! Signed trail checkpoints kept outside the database (C28): each node
//! appends the checkpoints it signs to `checkpoints.jsonl` in its data
//! folder (one JSON object per line, synced to disk), and `audit verify`
//! checks them against the trail — so that deleting the database's
//! records, checkpoints and head together still shows.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use vigie_store::Checkpoint;

pub const FILE: &str = "checkpoints.jsonl";

/// Appends one checkpoint and syncs the file.
pub fn append(path: &Path, c: &Checkpoint) -> Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let line = serde_json::to_string(c)?;
    writeln!(f, "{line}").with_context(|| format!("writing {}", path.display()))?;
    f.sync_data()
        .with_context(|| format!("syncing {}", path.display()))?;
    Ok(())
}

/// Every checkpoint of the file; none when there is no file. A line that
/// cannot be read is an error naming it.
pub fn read(path: &Path) -> Result<Vec<Checkpoint>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .with_context(|| format!("{} line {}: not a checkpoint", path.display(), i + 1))
        })
        .collect()
}
