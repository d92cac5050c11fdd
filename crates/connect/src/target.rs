//! Where a connected system may live, and the one way to open it (C27).
//!
//! A tenant writes a URL; the provider decides where URLs may lead. The
//! `Confinement` lists the host:port patterns (PostgreSQL, MySQL) and the
//! folders (SQLite) the provider allows, and every tenant-facing connection
//! goes through [`Confinement::open`], which:
//! 1. reads the URL strictly (no socket, no parameter that could lead
//!    elsewhere or read a server file) and checks the place *before*
//!    touching the network or the disk, so that nothing outside is probed;
//! 2. resolves a SQLite path to the file itself (symlinks, `..`) and
//!    refuses Vigie's own file by its identity (device, inode);
//! 3. connects within a timeout and sets a statement timeout;
//! 4. refuses any database that holds Vigie's marker table
//!    (`vigie_instance`), however the URL spells it;
//! 5. names the database by what it is, not how it was written (the
//!    cluster's identifier on PostgreSQL, the server's host and data folder
//!    on MySQL, the file's identity on SQLite), so that one database can
//!    be bound to one tenant.
//!
//! Errors say what happened in Vigie's words; the driver's own message,
//! which could tell a file or a port apart, goes to the server log only.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use sqlx::Connection;

use crate::conn::{Conn, Db, Dialect, Sql};

/// The table every Vigie database holds (created by its first migration):
/// a database holding it is never a connected system.
pub const MARKER_TABLE: &str = "vigie_instance";

/// A `host:port` pattern: `db.example.fr:5432`, `*.clients.internal:5432`,
/// `10.0.0.12:*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPattern {
    host: String,
    port: Option<u16>,
}

impl HostPattern {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        let (host, port) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("« {s} »: write host:port (the port may be *)"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host == "*" || host.contains('/') || host.contains('@') {
            return Err(format!(
                "« {s} »: name a host or *.domain (a lone * would allow every host)"
            ));
        }
        if host[1..].contains('*') || (host.starts_with('*') && !host.starts_with("*.")) {
            return Err(format!("« {s} »: only a leading *. is allowed in a host"));
        }
        let port = match port {
            "*" => None,
            p => Some(
                p.parse::<u16>()
                    .map_err(|_| format!("« {s} »: the port is a number or *"))?,
            ),
        };
        Ok(HostPattern {
            host: host.to_owned(),
            port,
        })
    }

    pub fn matches(&self, host: &str, port: u16) -> bool {
        let host_ok = match self.host.strip_prefix("*.") {
            Some(suffix) => host
                .strip_suffix(suffix)
                .is_some_and(|h| h.ends_with('.') && h.len() > 1),
            None => self.host == host,
        };
        host_ok && self.port.is_none_or(|p| p == port)
    }
}

/// The rows of a shared database that belong to one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFilter {
    pub column: String,
    pub value: String,
}

/// Where connected systems may live, and how long Vigie waits for them.
#[derive(Debug, Clone)]
pub struct Confinement {
    pub hosts: Vec<HostPattern>,
    /// Folders, resolved (absolute, symlinks followed).
    pub sqlite_dirs: Vec<PathBuf>,
    /// Vigie's own SQLite file(s), by identity.
    pub own_files: Vec<FileId>,
    pub connect_timeout: Duration,
    pub statement_timeout: Duration,
    /// `host:port` patterns tenants' webhook endpoints may be on (issue
    /// 20): the same rule, a separate list (a database host is not a place
    /// to post events to).
    pub webhook_hosts: Vec<HostPattern>,
}

impl Default for Confinement {
    /// Nothing allowed: a provider that configured nothing connects nothing.
    fn default() -> Self {
        Confinement {
            hosts: Vec::new(),
            sqlite_dirs: Vec::new(),
            own_files: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(60),
            webhook_hosts: Vec::new(),
        }
    }
}

/// A file's identity: the same for every path and link that leads to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
}

impl FileId {
    pub fn of(path: &Path) -> std::io::Result<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let m = std::fs::metadata(path)?;
            Ok(FileId {
                dev: m.dev(),
                ino: m.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let p = std::fs::canonicalize(path)?;
            let h = blake3::hash(p.to_string_lossy().as_bytes());
            let b = h.as_bytes();
            let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
            Ok(FileId {
                dev: word(0),
                ino: word(8),
            })
        }
    }
}

/// Where a URL leads, as Vigie understands it (no credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Network {
        dialect: Dialect,
        host: String,
        port: u16,
        database: String,
    },
    /// An absolute path, lexically normalised (not yet resolved).
    File(PathBuf),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Network {
                dialect,
                host,
                port,
                database,
            } => write!(f, "{}://{host}:{port}/{database}", dialect.as_str()),
            Location::File(p) => write!(f, "sqlite://{}", p.display()),
        }
    }
}

/// Why a place is refused, before anything is opened or once the
/// database said what it is. Each has its words in the interface.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the URL must start with postgres://, mysql://, mariadb:// or sqlite://")]
    Scheme,
    #[error("the URL cannot be read")]
    Unreadable,
    #[error("the URL parameter « {0} » is not allowed")]
    Parameter(String),
    #[error("the URL names no host (local sockets are not allowed)")]
    NoHost,
    #[error("the URL must name one database after the host")]
    NoDatabase,
    #[error("{0} is not among the places where the provider allows connected systems")]
    HostNotAllowed(String),
    #[error("a SQLite URL names a database file, with no parameter")]
    NotAFileUrl,
    #[error("this file is not in a folder where the provider allows SQLite databases")]
    FileNotAllowed,
    #[error("this database is shared by the provider with other organisations, not with yours")]
    SharedNotYours,
    #[error("this database is already connected for another organisation (ask the provider)")]
    BoundElsewhere,
}

/// Why opening failed, in Vigie's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error("not reachable (the server did not answer or refused the connection)")]
    Unreachable { detail: String },
    #[error("authentication failed (check the user name and password)")]
    Authentication { detail: String },
    #[error("refused: not a database Vigie may use")]
    NotUsable { detail: String },
    #[error("not reachable: no answer within {0} s")]
    TimedOut(u64),
}

impl ConnectError {
    /// What the driver said, for the server log only.
    pub fn detail(&self) -> &str {
        match self {
            ConnectError::Unreachable { detail }
            | ConnectError::Authentication { detail }
            | ConnectError::NotUsable { detail } => detail,
            _ => "",
        }
    }

    /// Whether trying again later may succeed (the place itself is fine).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ConnectError::Unreachable { .. } | ConnectError::TimedOut(_)
        )
    }
}

fn refused(why: Refusal) -> ConnectError {
    ConnectError::Refused(why)
}

/// A connection opened through the confinement.
pub struct Opened {
    pub conn: Conn,
    /// What the database is, whatever the URL said.
    pub identity: String,
    pub location: Location,
}

/// Query parameters a tenant may give: none of them can lead elsewhere or
/// read a file of the server.
const PG_PARAMS: [&str; 2] = ["sslmode", "application_name"];
const MYSQL_PARAMS: [&str; 3] = ["ssl-mode", "sslmode", "charset"];

/// `a/./b/../c` → `a/c`, without touching the disk.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

impl Location {
    /// Where `url` leads, read strictly; nothing is opened.
    pub fn parse(url: &str) -> Result<Location, Refusal> {
        match Dialect::of_url(url).ok_or(Refusal::Scheme)? {
            Dialect::Sqlite => Self::parse_file(url),
            dialect => Self::parse_network(dialect, url),
        }
    }

    fn parse_network(dialect: Dialect, url: &str) -> Result<Location, Refusal> {
        let u = url::Url::parse(url).map_err(|_| Refusal::Unreadable)?;
        let allowed: &[&str] = if dialect == Dialect::Postgres {
            &PG_PARAMS
        } else {
            &MYSQL_PARAMS
        };
        for (k, _) in u.query_pairs() {
            if !allowed.contains(&k.as_ref()) {
                return Err(Refusal::Parameter(k.into_owned()));
            }
        }
        let host = match u.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_ascii_lowercase(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(Refusal::NoHost),
        };
        let port = u.port().unwrap_or(match dialect {
            Dialect::Postgres => 5432,
            _ => 3306,
        });
        let database = u.path().trim_start_matches('/').to_owned();
        if database.is_empty() || database.contains('/') {
            return Err(Refusal::NoDatabase);
        }
        Ok(Location::Network {
            dialect,
            host,
            port,
            database,
        })
    }

    fn parse_file(url: &str) -> Result<Location, Refusal> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or_default();
        if rest.contains('?') || rest.contains('#') {
            return Err(Refusal::NotAFileUrl);
        }
        let decoded = percent_decode(rest);
        if decoded.is_empty() || decoded.starts_with(":memory:") || decoded.starts_with("file:") {
            return Err(Refusal::NotAFileUrl);
        }
        let path = std::path::absolute(Path::new(&decoded)).map_err(|_| Refusal::NotAFileUrl)?;
        Ok(Location::File(normalise(&path)))
    }
}

impl Confinement {
    /// Where `url` leads, if the provider allows it; nothing is opened.
    pub fn locate(&self, url: &str) -> Result<Location, ConnectError> {
        let location = Location::parse(url).map_err(refused)?;
        match &location {
            Location::Network { host, port, .. } => {
                if !self.hosts.iter().any(|p| p.matches(host, *port)) {
                    return Err(refused(Refusal::HostNotAllowed(format!("{host}:{port}"))));
                }
            }
            Location::File(path) => {
                if !self.sqlite_dirs.iter().any(|d| path.starts_with(d)) {
                    return Err(refused(Refusal::FileNotAllowed));
                }
            }
        }
        Ok(location)
    }

    /// Opens `url` if the provider allows it and it is not a Vigie
    /// database; see the module's documentation.
    pub async fn open(&self, url: &str) -> Result<Opened, ConnectError> {
        let location = self.locate(url)?;
        let secs = self.connect_timeout.as_secs().max(1);
        let connecting = self.connect(url, &location);
        let (conn, file) = match tokio::time::timeout(self.connect_timeout, connecting).await {
            Ok(r) => r?,
            Err(_) => return Err(ConnectError::TimedOut(secs)),
        };
        let mut conn = conn.with_timeout(self.statement_timeout);
        match self.identify(&mut conn, file).await {
            Ok(identity) => Ok(Opened {
                conn,
                identity,
                location,
            }),
            Err(e) => {
                conn.close().await;
                Err(e)
            }
        }
    }

    async fn connect(
        &self,
        url: &str,
        location: &Location,
    ) -> Result<(Conn, Option<FileId>), ConnectError> {
        use std::str::FromStr;
        let ms = self.statement_timeout.as_millis().to_string();
        match location {
            Location::File(path) => {
                let not_usable = || ConnectError::NotUsable {
                    detail: format!("{} is missing or not a file", path.display()),
                };
                let real = std::fs::canonicalize(path).map_err(|_| not_usable())?;
                if !self.sqlite_dirs.iter().any(|d| real.starts_with(d)) {
                    return Err(refused(Refusal::FileNotAllowed));
                }
                if !std::fs::metadata(&real).is_ok_and(|m| m.is_file()) {
                    return Err(not_usable());
                }
                let id = FileId::of(&real).map_err(|_| not_usable())?;
                if self.own_files.contains(&id) {
                    return Err(ConnectError::NotUsable {
                        detail: format!("{} is Vigie's own database", real.display()),
                    });
                }
                let opts = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(&real)
                    .create_if_missing(false)
                    .foreign_keys(true)
                    .busy_timeout(self.statement_timeout);
                let c = sqlx::SqliteConnection::connect_with(&opts)
                    .await
                    .map_err(classify)?;
                Ok((Conn::new(Db::Sqlite(c)), Some(id)))
            }
            Location::Network {
                dialect: Dialect::Postgres,
                ..
            } => {
                let opts = sqlx::postgres::PgConnectOptions::from_str(url)
                    .map_err(|_| refused(Refusal::Unreadable))?
                    .options([("statement_timeout", ms.as_str()), ("lock_timeout", &ms)]);
                let c = sqlx::PgConnection::connect_with(&opts)
                    .await
                    .map_err(classify)?;
                Ok((Conn::new(Db::Postgres(c)), None))
            }
            Location::Network { .. } => {
                let opts = sqlx::mysql::MySqlConnectOptions::from_str(
                    &url.replacen("mariadb:", "mysql:", 1),
                )
                .map_err(|_| refused(Refusal::Unreadable))?;
                let mut c = sqlx::MySqlConnection::connect_with(&opts)
                    .await
                    .map_err(classify)?;
                // MariaDB counts in seconds, MySQL in milliseconds; each
                // ignores (refuses) the other's variable.
                let secs = self.statement_timeout.as_secs().max(1);
                for set in [
                    format!("SET SESSION max_statement_time = {secs}"),
                    format!("SET SESSION max_execution_time = {ms}"),
                    format!("SET SESSION innodb_lock_wait_timeout = {secs}"),
                ] {
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(set))
                        .execute(&mut c)
                        .await;
                }
                Ok((Conn::new(Db::MySql(c)), None))
            }
        }
    }

    /// Refuses a Vigie database; returns what the database is.
    async fn identify(
        &self,
        conn: &mut Conn,
        file: Option<FileId>,
    ) -> Result<String, ConnectError> {
        let d = conn.dialect();
        let marker = match d {
            Dialect::Postgres => {
                "SELECT count(*)::text FROM pg_catalog.pg_class WHERE relname = 'vigie_instance'"
            }
            Dialect::MySql => {
                "SELECT CAST(count(*) AS CHAR) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'vigie_instance'"
            }
            Dialect::Sqlite => {
                "SELECT CAST(count(*) AS TEXT) FROM sqlite_master WHERE name = 'vigie_instance'"
            }
        };
        let first = |rows: Vec<Vec<Option<String>>>| -> Vec<String> {
            rows.into_iter()
                .next()
                .unwrap_or_default()
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect()
        };
        let mut sql = Sql::new(d);
        sql.push(marker);
        let n = first(conn.rows(&sql).await.map_err(classify)?);
        if n.first().is_none_or(|n| n != "0") {
            return Err(ConnectError::NotUsable {
                detail: "the database holds Vigie's marker table".into(),
            });
        }
        match (d, file) {
            (Dialect::Sqlite, Some(id)) => Ok(format!("sqlite:{}:{}", id.dev, id.ino)),
            (Dialect::Postgres, _) => {
                let mut sql = Sql::new(d);
                sql.push(
                    "SELECT (SELECT system_identifier::text FROM pg_catalog.pg_control_system()), \
                            (SELECT oid::text FROM pg_catalog.pg_database WHERE datname = current_database())",
                );
                let cluster = match conn.rows(&sql).await {
                    Ok(rows) => first(rows),
                    // Without the right to read the cluster's identifier,
                    // the server's own address and port name it.
                    Err(_) => {
                        let mut sql = Sql::new(d);
                        sql.push(
                            "SELECT coalesce(host(inet_server_addr()), 'socket') || ':' || coalesce(inet_server_port(), 0)::text, \
                                    (SELECT oid::text FROM pg_catalog.pg_database WHERE datname = current_database())",
                        );
                        first(conn.rows(&sql).await.map_err(classify)?)
                    }
                };
                Ok(format!("postgresql:{}", cluster.join(":")))
            }
            _ => {
                let mut sql = Sql::new(d);
                sql.push("SELECT @@hostname, CAST(@@port AS CHAR), @@datadir, DATABASE()");
                let server = first(conn.rows(&sql).await.map_err(classify)?);
                Ok(format!("mysql:{}", server.join(":")))
            }
        }
    }
}

/// A driver error, in Vigie's words; the driver's text kept for the log.
fn classify(e: sqlx::Error) -> ConnectError {
    let detail = e.to_string();
    match &e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => {
            ConnectError::Unreachable { detail }
        }
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL 28000/28P01, MySQL 1044/1045/1698, unknown database.
            if matches!(&*code, "28000" | "28P01" | "1044" | "1045" | "1698") {
                ConnectError::Authentication { detail }
            } else {
                ConnectError::NotUsable { detail }
            }
        }
        _ => ConnectError::NotUsable { detail },
    }
}

/// `%xx` sequences decoded; anything malformed kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf() -> Confinement {
        Confinement {
            hosts: vec![
                HostPattern::parse("db.clients.example:5432").unwrap(),
                HostPattern::parse("*.sidec.example:*").unwrap(),
            ],
            sqlite_dirs: vec![PathBuf::from("/srv/clients")],
            ..Confinement::default()
        }
    }

    #[test]
    fn c27_patterns_are_strict() {
        assert!(HostPattern::parse("*:5432").is_err());
        assert!(HostPattern::parse("db.example").is_err());
        assert!(HostPattern::parse("db.*.example:5432").is_err());
        let p = HostPattern::parse("*.sidec.example:*").unwrap();
        assert!(p.matches("pg.sidec.example", 1));
        assert!(!p.matches("sidec.example", 5432));
        assert!(!p.matches("evil-sidec.example", 5432));
    }

    #[test]
    fn c27_places_outside_the_list_are_refused_before_anything_is_opened() {
        let c = conf();
        assert!(
            c.locate("postgres://u:p@db.clients.example:5432/app")
                .is_ok()
        );
        assert!(c.locate("postgres://u:p@DB.Clients.Example/app").is_ok());
        for bad in [
            "postgres://u@db.clients.example:5433/app",
            "postgres://u@127.0.0.1:5432/vigie",
            "postgres://u@db.clients.example:5432/app?host=/var/run/postgresql",
            "postgres://u@db.clients.example:5432/app?options=-c%20search_path%3Dpg_catalog",
            "postgres://u@db.clients.example:5432/app?sslrootcert=/etc/shadow",
            "postgres:///app",
            "postgres://u@db.clients.example:5432/",
            "mysql://root@localhost:3306/app",
            "mysql://u@x.sidec.example:3306/app?socket=/run/mysqld/mysqld.sock",
            "sqlite:///srv/vigie/vigie.db",
            "sqlite:///srv/clients/../vigie/vigie.db",
            "sqlite:///srv/clients/%2E%2E/vigie/vigie.db",
            "sqlite:///srv/clients/a.db?mode=rwc",
            "sqlite::memory:",
            "sqlite:///srv/clientsX/a.db",
            "redis://db.clients.example:5432/0",
        ] {
            match c.locate(bad) {
                Err(ConnectError::Refused(_)) => {}
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(
            c.locate("sqlite:///srv/clients/./sub/../a.db").unwrap(),
            Location::File(PathBuf::from("/srv/clients/a.db"))
        );
        assert!(c.locate("mariadb://u@x.sidec.example:3307/app").is_ok());
    }
}
