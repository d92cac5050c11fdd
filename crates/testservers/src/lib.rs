//! The database servers the tests and benchmarks create their databases
//! on (issue 20, item 4). In order: the one named by
//! `VIGIE_TEST_POSTGRES_URL` / `VIGIE_TEST_MYSQL_URL` (CI names them, and
//! a named server that is down fails the tests); else the machine's own
//! on its standard port if it answers; else a **throwaway server** started
//! once per test process from the installed binaries (`initdb`/`pg_ctl`,
//! `mariadb-install-db`/`mariadbd`) in a temporary folder, on a free
//! loopback port, and stopped with its folder removed when the process
//! ends. Without the binaries, the tests fail with the one `apt-get
//! install` line that fixes it. `VIGIE_TEST_SERVERS=throwaway` (with no
//! URL named) takes throwaway servers even where the machine's run.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

/// A server kind the tests need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Postgres,
    MariaDb,
}

impl Server {
    fn env(self) -> &'static str {
        match self {
            Server::Postgres => "VIGIE_TEST_POSTGRES_URL",
            Server::MariaDb => "VIGIE_TEST_MYSQL_URL",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Server::Postgres => 5432,
            Server::MariaDb => 3306,
        }
    }

    fn url(self, port: u16) -> String {
        match self {
            Server::Postgres => format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            Server::MariaDb => format!("mysql://root@127.0.0.1:{port}"),
        }
    }

    fn package(self) -> &'static str {
        match self {
            Server::Postgres => "postgresql",
            Server::MariaDb => "mariadb-server",
        }
    }
}

/// The admin URL of `server` for this test process (see the module).
/// Panics, saying what to install, when no server can be had.
pub fn admin_url(server: Server) -> String {
    if let Ok(url) = std::env::var(server.env()) {
        return url;
    }
    // VIGIE_TEST_SERVERS=throwaway: even where the machine's server runs
    // (to check the throwaway path on a machine that has one).
    let forced = std::env::var("VIGIE_TEST_SERVERS").is_ok_and(|v| v == "throwaway");
    if !forced && answers(server.default_port()) {
        return server.url(server.default_port());
    }
    static PG: OnceLock<Result<String, String>> = OnceLock::new();
    static MY: OnceLock<Result<String, String>> = OnceLock::new();
    let cell = match server {
        Server::Postgres => &PG,
        Server::MariaDb => &MY,
    };
    match cell.get_or_init(|| throwaway(server)) {
        Ok(url) => url.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn answers(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

/// Starts a throwaway `server` and returns its admin URL. The server is
/// stopped and its folder removed when this process ends (a watcher
/// process waits for it). Public so that a test can start one even where
/// the machine's server runs.
pub fn throwaway(server: Server) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!(
        "vigie-{}-{}-{}",
        server.package(),
        std::process::id(),
        free_port()?
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let port = free_port()?;
    let stop = match server {
        Server::Postgres => start_postgres(&dir, port)?,
        Server::MariaDb => start_mariadb(&dir, port)?,
    };
    watch(&dir, &stop)?;
    let until = Instant::now() + Duration::from_secs(60);
    while !answers(port) {
        if Instant::now() > until {
            return Err(format!(
                "the throwaway {} server in {} did not answer on port {port} within a minute",
                server.package(),
                dir.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(server.url(port))
}

/// Where an installed program is: on the PATH, or in one of `also`.
fn find(program: &str, also: &[PathBuf]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(also.iter().cloned())
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn missing(server: Server, program: &str) -> String {
    format!(
        "the tests need a {} server: none is named by {}, none answers on 127.0.0.1:{}, \
         and `{program}` to start a throwaway one is not installed. Fix: \
         apt-get install -y {}",
        server.package(),
        server.env(),
        server.default_port(),
        server.package()
    )
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// PostgreSQL refuses to run as root: the tests' root runs it as the
/// `postgres` account the package creates.
fn as_server_user(program: &Path) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// `initdb` and `pg_ctl start`; returns the shell command that stops it.
fn start_postgres(dir: &Path, port: u16) -> Result<String, String> {
    let versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    let initdb = find("initdb", &versions).ok_or_else(|| missing(Server::Postgres, "initdb"))?;
    let pg_ctl = find("pg_ctl", &versions).ok_or_else(|| missing(Server::Postgres, "pg_ctl"))?;
    let data = dir.join("data");
    if as_server_user(&initdb).get_program() == "runuser" {
        run(
            Command::new("chown").args(["postgres:"]).arg(dir),
            "chown of the throwaway folder",
        )?;
    }
    run(
        as_server_user(&initdb).arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]),
        "initdb",
    )?;
    run(
        as_server_user(&pg_ctl)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
                dir.display()
            ))
            .args(["-w", "start"]),
        "pg_ctl start",
    )?;
    let prefix = if as_server_user(&pg_ctl).get_program() == "runuser" {
        "runuser -u postgres -- "
    } else {
        ""
    };
    Ok(format!(
        "{prefix}{} -D '{}' -m immediate stop",
        pg_ctl.display(),
        data.display()
    ))
}

/// `mariadb-install-db` and `mariadbd` in the background; returns the
/// shell command that stops it.
fn start_mariadb(dir: &Path, port: u16) -> Result<String, String> {
    let install = find("mariadb-install-db", &[])
        .or_else(|| find("mysql_install_db", &[]))
        .ok_or_else(|| missing(Server::MariaDb, "mariadb-install-db"))?;
    let daemon = find("mariadbd", &[PathBuf::from("/usr/sbin")])
        .or_else(|| find("mysqld", &[PathBuf::from("/usr/sbin")]))
        .ok_or_else(|| missing(Server::MariaDb, "mariadbd"))?;
    let data = dir.join("data");
    let user = if Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
    {
        "root".to_owned()
    } else {
        std::env::var("USER").unwrap_or_else(|_| "nobody".into())
    };
    run(
        Command::new(&install)
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--user={user}"))
            .args([
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--no-defaults",
            ]),
        "mariadb-install-db",
    )?;
    let child = Command::new(&daemon)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", dir.join("mysqld.sock").display()))
        .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
        .arg(format!("--port={port}"))
        .arg(format!("--user={user}"))
        .args(["--bind-address=127.0.0.1", "--skip-name-resolve"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(dir.join("server.log"))
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
        )
        .spawn()
        .map_err(|e| format!("mariadbd: {e}"))?;
    Ok(format!("kill -9 {}", child.id()))
}

/// A watcher that stops the server and removes its folder once this
/// process is gone (a test binary has no "after all tests" hook).
fn watch(dir: &Path, stop: &str) -> Result<(), String> {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|e| format!("the watcher of the throwaway server: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 20, item 4: a throwaway server of each kind starts from the
    /// installed binaries and answers (the machine's servers run too; this
    /// starts its own beside them).
    #[test]
    fn throwaway_servers_start_and_answer() {
        for server in [Server::Postgres, Server::MariaDb] {
            let url = throwaway(server).unwrap_or_else(|e| panic!("{e}"));
            let port: u16 = url
                .rsplit(':')
                .next()
                .and_then(|p| p.split('/').next())
                .and_then(|p| p.parse().ok())
                .unwrap();
            assert!(answers(port), "{url}");
            assert_ne!(port, server.default_port());
            // And it runs SQL, through the server's own client.
            let out = match server {
                Server::Postgres => Command::new("psql")
                    .args([url.as_str(), "-Atc", "SELECT 40 + 2"])
                    .output(),
                Server::MariaDb => Command::new("mariadb")
                    .args(["-h", "127.0.0.1", "-P", &port.to_string(), "-u", "root"])
                    .args(["-N", "-e", "SELECT 40 + 2"])
                    .output(),
            }
            .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                "42",
                "{url}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    #[test]
    fn a_named_server_is_used_as_named() {
        // The environment CI sets wins over everything else.
        if let Ok(url) = std::env::var("VIGIE_TEST_POSTGRES_URL") {
            assert_eq!(admin_url(Server::Postgres), url);
        } else {
            assert!(admin_url(Server::Postgres).starts_with("postgres://postgres@127.0.0.1:"));
        }
    }

    #[test]
    fn missing_binaries_say_what_to_install() {
        let m = missing(Server::MariaDb, "mariadbd");
        assert!(m.contains("apt-get install -y mariadb-server"), "{m}");
        assert!(missing(Server::Postgres, "initdb").contains("apt-get install -y postgresql"));
    }
}
