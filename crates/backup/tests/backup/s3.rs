//! A real S3 server on loopback for the tests: s3s-fs (crates.io), which
//! `.ci/run` installs into a cache; its path in `VIGIE_TEST_S3_SERVER`.
//! Missing, the tests fail: nothing is skipped.

use std::{path::Path, process::Stdio};

use vigie_backup::target::TargetConfig;

pub struct Server {
    child: tokio::process::Child,
    port: u16,
}

const KEY: &str = "vigie-test";
const SECRET: &str = "vigie-test-secret";

impl Server {
    pub async fn start(root: &Path) -> Server {
        let bin = std::env::var("VIGIE_TEST_S3_SERVER").unwrap_or_else(|_| {
            format!(
                "{}/.cache/vigie-ci/s3s-fs/bin/s3s-fs",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        // The bucket is a folder of the root.
        std::fs::create_dir_all(root.join("vigie")).unwrap();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = tokio::process::Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", KEY, "--secret-key", SECRET])
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the S3 server {bin} is required (bash .ci/run installs it): {e}")
            });
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Server { child, port };
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the S3 server did not start on port {port}");
    }

    pub fn target(&self) -> TargetConfig {
        TargetConfig::S3 {
            name: "s3".into(),
            endpoint: format!("http://127.0.0.1:{}", self.port),
            bucket: "vigie".into(),
            region: "us-east-1".into(),
            access_key_id: KEY.into(),
            secret_access_key: SECRET.into(),
            prefix: "prod".into(),
            allow_http: true,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
