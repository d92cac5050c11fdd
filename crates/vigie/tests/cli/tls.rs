//! C29: `vigie serve` speaks HTTPS itself with the provider's certificate,
//! redirects plain HTTP, sends HSTS and Secure cookies, and serves a
//! renewed certificate without a restart.

use std::{
    path::Path,
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};

use rustls::{ClientConfig, RootCertStore, crypto::ring, pki_types::ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;

use crate::{Data, free_port, vigie};

/// A self-signed certificate for `localhost`, written as the two files an
/// ACME client leaves; returns its DER.
fn write_certificate(dir: &Path, name: &str) -> Vec<u8> {
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    // Written aside then renamed, as a renewal does.
    std::fs::write(dir.join("key.tmp"), key.serialize_pem()).unwrap();
    std::fs::write(dir.join("cert.tmp"), cert.pem()).unwrap();
    std::fs::rename(dir.join("key.tmp"), dir.join("key.pem")).unwrap();
    std::fs::rename(dir.join("cert.tmp"), dir.join("cert.pem")).unwrap();
    cert.der().to_vec()
}

/// One HTTPS request trusting only `trusted`: the answer and the
/// certificate the server showed.
async fn https_get(port: u16, trusted: &[u8], path: &str) -> std::io::Result<(String, Vec<u8>)> {
    let mut roots = RootCertStore::empty();
    roots
        .add(trusted.to_vec().into())
        .map_err(std::io::Error::other)?;
    let config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await?;
    let shown = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut buf = Vec::new();
    let _ = tls.read_to_end(&mut buf).await;
    Ok((String::from_utf8_lossy(&buf).into_owned(), shown))
}

fn plain(port: u16, request: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn c29_serve_speaks_https_redirects_http_and_reloads_its_certificate() {
    let d = Data::new("tls");
    let first = write_certificate(&d.0, "Vigie premier");
    let (port, redirect) = (free_port(), free_port());
    let mut child = vigie(&d.0, &["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIE_BASE_URL", format!("https://localhost:{port}"))
        .env("VIGIE_TLS__CERTIFICATE_PATH", d.0.join("cert.pem"))
        .env("VIGIE_TLS__KEY_PATH", d.0.join("key.pem"))
        .env(
            "VIGIE_TLS__REDIRECT_LISTEN",
            format!("127.0.0.1:{redirect}"),
        )
        .env("VIGIE_TLS__RELOAD_SECONDS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    let (health, shown) = loop {
        match rt.block_on(https_get(port, &first, "/healthz")) {
            Ok(answer) => break answer,
            Err(e) if Instant::now() < until => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("no HTTPS answer: {e}"),
        }
    };
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert_eq!(shown, first);
    // The operator's health check speaks HTTPS too, checking the name.
    let check = vigie(
        &d.0,
        &["healthcheck", "--address", &format!("127.0.0.1:{port}")],
    )
    .env("VIGIE_BASE_URL", format!("https://localhost:{port}"))
    .env("VIGIE_TLS__CERTIFICATE_PATH", d.0.join("cert.pem"))
    .env("VIGIE_TLS__KEY_PATH", d.0.join("key.pem"))
    .output()
    .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let lower = health.to_lowercase();
    assert!(
        lower.contains("strict-transport-security: max-age=31536000"),
        "{health}"
    );
    let (page, _) = rt.block_on(https_get(port, &first, "/sign-in")).unwrap();
    let cookies: Vec<&str> = page
        .lines()
        .filter(|l| l.to_lowercase().starts_with("set-cookie:"))
        .collect();
    assert!(!cookies.is_empty(), "{page}");
    assert!(cookies.iter().all(|c| c.contains("Secure")), "{cookies:?}");

    // Plain HTTP: sent to the HTTPS address, path and query kept; the TLS
    // port itself answers no plain request.
    let moved = plain(
        redirect,
        "GET /t/commune-a/registre?q=paie HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(moved.starts_with("HTTP/1.1 308"), "{moved}");
    assert!(
        moved.to_lowercase().contains(&format!(
            "location: https://localhost:{port}/t/commune-a/registre?q=paie"
        )),
        "{moved}"
    );
    let refused = plain(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(!refused.contains("200 OK"), "{refused}");

    // Renewed in place: the next connections get the new certificate.
    let second = write_certificate(&d.0, "Vigie renouvelé");
    assert_ne!(first, second);
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok((answer, shown)) = rt.block_on(https_get(port, &second, "/healthz")) {
            assert_eq!(shown, second);
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            break;
        }
        assert!(
            Instant::now() < until,
            "the renewed certificate is not served"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // A broken renewal keeps the one in use.
    std::fs::write(d.0.join("cert.pem"), "not a certificate").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let (answer, shown) = rt.block_on(https_get(port, &second, "/healthz")).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200") && shown == second,
        "{answer}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn c29_a_wrong_certificate_file_stops_the_start_with_its_name() {
    let d = Data::new("tls-bad");
    std::fs::write(d.0.join("cert.pem"), "garbage").unwrap();
    std::fs::write(d.0.join("key.pem"), "garbage").unwrap();
    let port = free_port();
    let out = vigie(&d.0, &["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIE_BASE_URL", format!("https://localhost:{port}"))
        .env("VIGIE_TLS__CERTIFICATE_PATH", d.0.join("cert.pem"))
        .env("VIGIE_TLS__KEY_PATH", d.0.join("key.pem"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tls.certificate_path") && err.contains("cert.pem"),
        "{err}"
    );
    // Plain HTTP in base_url with TLS on is refused too, and said.
    let out = vigie(&d.0, &["serve"])
        .env("VIGIE_BASE_URL", "http://localhost")
        .env("VIGIE_TLS__CERTIFICATE_PATH", d.0.join("cert.pem"))
        .env("VIGIE_TLS__KEY_PATH", d.0.join("key.pem"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("base_url"));
}
