//! The trail's records read in bulk for verification (`audit verify`,
//! issue 19), each value borrowed from what the database sent instead of
//! decoded by sqlx row by row: SQLite's file through a read-only
//! connection of its own, PostgreSQL's rows as `COPY … (FORMAT binary)`.

use std::path::Path;

use vigie_domain::{
    TenantId, UserId,
    audit::{Actor, AuditEvent, AuditRecord, ChainHash, Outcome},
    time::from_micros,
};
use vigie_store::StoreError;

/// The columns read, in this order.
pub(crate) const COLUMNS: &str =
    "seq, at, actor_user, actor_label, tenant_id, action, object, ip, user_agent, outcome, hash";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("audit_log.{what}: {e}"))
}

/// A record's values as the database holds them, borrowed.
struct RecordRef<'a> {
    seq: Option<i64>,
    at: Option<i64>,
    user: Option<i64>,
    label: &'a str,
    tenant: Option<i64>,
    action: &'a str,
    object: &'a str,
    ip: &'a str,
    user_agent: &'a str,
    outcome: &'a str,
    hash: &'a [u8],
}

impl RecordRef<'_> {
    fn record(&self) -> Result<AuditRecord, StoreError> {
        Ok(AuditRecord {
            seq: self.seq.ok_or_else(|| corrupt("seq", "NULL"))?,
            at: from_micros(self.at.ok_or_else(|| corrupt("at", "NULL"))?),
            event: AuditEvent {
                actor: Actor {
                    user: self.user.map(UserId),
                    label: self.label.to_owned(),
                },
                tenant: self.tenant.map(TenantId),
                action: self.action.to_owned(),
                object: self.object.to_owned(),
                ip: self.ip.to_owned(),
                user_agent: self.user_agent.to_owned(),
                outcome: Outcome::parse(self.outcome)
                    .ok_or_else(|| corrupt("outcome", self.outcome))?,
            },
            hash: ChainHash::from_slice(self.hash)
                .ok_or_else(|| corrupt("hash", "not 32 bytes"))?,
        })
    }
}

/// The records with `after < seq <= through` of the SQLite database in
/// `file`, in order. Blocking: run off the async runtime.
pub(crate) fn sqlite_file(
    file: &Path,
    after: i64,
    through: i64,
) -> Result<Vec<AuditRecord>, StoreError> {
    use rusqlite::{Connection, OpenFlags};
    let db = |e: rusqlite::Error| StoreError::Other(format!("reading the trail: {e}"));
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(db)?;
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"
        ))
        .map_err(db)?;
    let mut rows = stmt.query((after, through)).map_err(db)?;
    let mut out = Vec::with_capacity(capacity(after, through));
    while let Some(r) = rows.next().map_err(db)? {
        let v = |i: usize| r.get_ref(i).map_err(db);
        let s = |i: usize, what: &str| v(i)?.as_str().map_err(|e| corrupt(what, e));
        let n = |i: usize, what: &str| v(i)?.as_i64_or_null().map_err(|e| corrupt(what, e));
        out.push(
            RecordRef {
                seq: n(0, "seq")?,
                at: n(1, "at")?,
                user: n(2, "actor_user")?,
                label: s(3, "actor_label")?,
                tenant: n(4, "tenant_id")?,
                action: s(5, "action")?,
                object: s(6, "object")?,
                ip: s(7, "ip")?,
                user_agent: s(8, "user_agent")?,
                outcome: s(9, "outcome")?,
                hash: v(10)?.as_blob().map_err(|e| corrupt("hash", e))?,
            }
            .record()?,
        );
    }
    Ok(out)
}

/// Room for a range's records, bounded: a range may be sparse.
fn capacity(after: i64, through: i64) -> usize {
    usize::try_from(through.saturating_sub(after))
        .unwrap_or(0)
        .min(100_000)
}

/// The `COPY` statement whose output `pg_copy` reads: the bounds are
/// numbers, written by this code (COPY takes no parameters).
pub(crate) fn pg_copy_statement(after: i64, through: i64) -> String {
    format!(
        "COPY (SELECT {COLUMNS} FROM audit_log WHERE seq > {after} AND seq <= {through} \
         ORDER BY seq) TO STDOUT (FORMAT binary)"
    )
}

/// PostgreSQL's binary `COPY` output, field by field: a signature, flags
/// and a header extension, then tuples (a field count, then each field's
/// length, -1 for NULL, and bytes), then -1.
struct Copy<'a> {
    b: &'a [u8],
}

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

impl<'a> Copy<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        if self.b.len() < n {
            return Err(corrupt("copy", "the data ends inside a record"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }
    fn i16(&mut self) -> Result<i16, StoreError> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }
    fn i32(&mut self) -> Result<i32, StoreError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A field's bytes, `None` for NULL.
    fn field(&mut self) -> Result<Option<&'a [u8]>, StoreError> {
        match self.i32()? {
            -1 => Ok(None),
            n => {
                let n = usize::try_from(n).map_err(|_| corrupt("copy", "a negative length"))?;
                self.take(n).map(Some)
            }
        }
    }
    fn bigint(&mut self, what: &str) -> Result<Option<i64>, StoreError> {
        self.field()?
            .map(|b| {
                <[u8; 8]>::try_from(b)
                    .map(i64::from_be_bytes)
                    .map_err(|_| corrupt(what, "not an 8-byte integer"))
            })
            .transpose()
    }
    fn text(&mut self, what: &str) -> Result<&'a str, StoreError> {
        let b = self.field()?.ok_or_else(|| corrupt(what, "NULL"))?;
        std::str::from_utf8(b).map_err(|e| corrupt(what, e))
    }
}

/// The records in the binary `COPY` output `b` of `pg_copy_statement`.
pub(crate) fn pg_copy(b: &[u8]) -> Result<Vec<AuditRecord>, StoreError> {
    let mut c = Copy { b };
    if c.take(SIGNATURE.len())? != SIGNATURE {
        return Err(corrupt("copy", "not PostgreSQL's binary COPY format"));
    }
    let _flags = c.i32()?;
    let extension = usize::try_from(c.i32()?).map_err(|_| corrupt("copy", "a bad header"))?;
    c.take(extension)?;
    let mut out = Vec::new();
    loop {
        match c.i16()? {
            -1 => return Ok(out),
            11 => {}
            n => return Err(corrupt("copy", format!("{n} fields in a record, not 11"))),
        }
        out.push(
            RecordRef {
                seq: c.bigint("seq")?,
                at: c.bigint("at")?,
                user: c.bigint("actor_user")?,
                label: c.text("actor_label")?,
                tenant: c.bigint("tenant_id")?,
                action: c.text("action")?,
                object: c.text("object")?,
                ip: c.text("ip")?,
                user_agent: c.text("user_agent")?,
                outcome: c.text("outcome")?,
                hash: c.field()?.ok_or_else(|| corrupt("hash", "NULL"))?,
            }
            .record()?,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(out: &mut Vec<u8>, v: Option<&[u8]>) {
        match v {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(b) => {
                out.extend_from_slice(&i32::try_from(b.len()).unwrap().to_be_bytes());
                out.extend_from_slice(b);
            }
        }
    }

    /// One record in PostgreSQL's binary COPY format, as the documentation
    /// of `COPY` describes it.
    fn copy_of(seq: i64, hash: &[u8]) -> Vec<u8> {
        let mut b = SIGNATURE.to_vec();
        b.extend_from_slice(&0i32.to_be_bytes());
        b.extend_from_slice(&0i32.to_be_bytes());
        b.extend_from_slice(&11i16.to_be_bytes());
        field(&mut b, Some(&seq.to_be_bytes()));
        field(&mut b, Some(&1_700_000_000_000_000i64.to_be_bytes()));
        field(&mut b, None);
        for t in ["system", "auth.sign_in", "user:1", "127.0.0.1", "curl"] {
            if t == "auth.sign_in" {
                field(&mut b, Some(&7i64.to_be_bytes()));
            }
            field(&mut b, Some(t.as_bytes()));
        }
        field(&mut b, Some(b"success"));
        field(&mut b, Some(hash));
        b.extend_from_slice(&(-1i16).to_be_bytes());
        b
    }

    #[test]
    fn c28_a_binary_copy_is_read_field_by_field() {
        let r = pg_copy(&copy_of(42, &[9; 32])).unwrap();
        assert_eq!(r.len(), 1);
        let r = &r[0];
        assert_eq!(
            (r.seq, r.event.actor.user, r.event.tenant),
            (42, None, Some(TenantId(7)))
        );
        assert_eq!(
            (
                r.event.actor.label.as_str(),
                r.event.action.as_str(),
                r.event.user_agent.as_str()
            ),
            ("system", "auth.sign_in", "curl")
        );
        assert_eq!(r.event.outcome, Outcome::Success);
        assert_eq!(r.hash, ChainHash::from_slice(&[9; 32]).unwrap());
    }

    /// A cut or altered stream is an error that says so, never a panic
    /// nor fewer records read as if whole.
    #[test]
    fn c28_a_damaged_binary_copy_is_an_error() {
        let whole = copy_of(1, &[1; 32]);
        for cut in 0..whole.len() {
            assert!(
                matches!(pg_copy(&whole[..cut]), Err(StoreError::Corrupt(_))),
                "cut at {cut}"
            );
        }
        assert!(pg_copy(&copy_of(1, &[1; 31])).is_err(), "a short hash");
        let mut other = whole.clone();
        other[0] = b'X';
        assert!(pg_copy(&other).is_err(), "another format");
    }
}
