//! HTTPS served by Vigie itself (C29): rustls with the certificate chain
//! and key files the provider names, read again when they change (an ACME
//! client renews them in place, no restart), handshakes done apart from the
//! accept loop (a slow client holds nobody else), HSTS on every answer,
//! and a plain-HTTP listener that only redirects to the HTTPS address.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, RwLock},
    time::{Duration, SystemTime},
};

use anyhow::{Context, Result, bail};
use axum::{
    Router,
    extract::{OriginalUri, Request},
    http::{HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use rustls::{
    ServerConfig,
    crypto::ring,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::mpsc,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};

/// Longest a client may take to finish its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// The certificate and key files.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// When each file last changed: a renewal changes one or both.
    fn stamp(&self) -> Option<(SystemTime, SystemTime)> {
        let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        Some((m(&self.cert)?, m(&self.key)?))
    }

    /// Reads and checks both files: a chain, a key of a supported kind,
    /// and the key the chain's first certificate was issued for.
    fn load(&self) -> Result<CertifiedKey> {
        let chain = CertificateDer::pem_file_iter(&self.cert)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .with_context(|| format!("tls.certificate_path {}", self.cert.display()))?;
        if chain.is_empty() {
            bail!(
                "tls.certificate_path {}: no certificate in the file",
                self.cert.display()
            );
        }
        let key = PrivateKeyDer::from_pem_file(&self.key)
            .with_context(|| format!("tls.key_path {}", self.key.display()))?;
        let signer = ring::sign::any_supported_type(&key)
            .with_context(|| format!("tls.key_path {}", self.key.display()))?;
        let certified = CertifiedKey::new(chain, signer);
        certified.keys_match().with_context(|| {
            format!(
                "tls.key_path {} is not the key of {}",
                self.key.display(),
                self.cert.display()
            )
        })?;
        Ok(certified)
    }
}

/// The certificate now served; swapped when the files change.
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.0.read().ok().map(|k| Arc::clone(&k))
    }
}

/// Connections whose handshake is done, as `axum::serve` takes them.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accept loop ended with the runtime: nothing more comes.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Listens on `addr` with the certificate of `files`, checked now (a bad
/// file stops the start with its name) and every `reload` after.
pub async fn bind(addr: SocketAddr, files: TlsFiles, reload: Duration) -> Result<TlsListener> {
    let current = Arc::new(Current(RwLock::new(Arc::new(files.load()?))));
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(current.clone());
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let tcp = TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = tcp.local_addr()?;
    let (tx, ready) = mpsc::channel(64);
    tokio::spawn(accept_loop(tcp, acceptor, tx));
    tokio::spawn(reload_loop(files, current, reload));
    Ok(TlsListener { ready, local })
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    loop {
        let (stream, peer) = match tcp.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors, mostly: wait rather than spin.
                tracing::warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = tx.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!("TLS handshake with {peer}: {e}"),
                Err(_) => tracing::debug!("TLS handshake with {peer} timed out"),
            }
        });
    }
}

/// Serves the renewed certificate from the next connection on; a file
/// caught half-written, or a wrong pair, keeps the one in use (and says
/// so) until the files are right.
async fn reload_loop(files: TlsFiles, current: Arc<Current>, every: Duration) {
    let mut seen = files.stamp();
    loop {
        tokio::time::sleep(every).await;
        let stamp = files.stamp();
        if stamp == seen {
            continue;
        }
        match files.load() {
            Ok(key) => {
                if let Ok(mut c) = current.0.write() {
                    *c = Arc::new(key);
                }
                seen = stamp;
                tracing::info!("TLS certificate reloaded from {}", files.cert.display());
            }
            Err(e) => tracing::warn!("TLS certificate not reloaded: {e:#}"),
        }
    }
}

/// Adds `Strict-Transport-Security` to every answer sent over HTTPS.
pub fn with_hsts(app: Router, max_age: u64) -> Router {
    let value = HeaderValue::from_str(&format!("max-age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("max-age=31536000"));
    app.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let value = value.clone();
            async move {
                let mut res = next.run(req).await;
                res.headers_mut()
                    .insert(header::STRICT_TRANSPORT_SECURITY, value);
                res
            }
        },
    ))
}

/// The plain-HTTP side: every request is sent, method and body kept (308),
/// to the same path at `base_url`.
pub fn redirect_app(base_url: &str) -> Router {
    let base = base_url.trim_end_matches('/').to_owned();
    Router::new().fallback(move |OriginalUri(uri): OriginalUri| {
        let base = base.clone();
        async move {
            let path = uri.path_and_query().map_or("/", |p| p.as_str());
            let res: Response = Redirect::permanent(&format!("{base}{path}")).into_response();
            res
        }
    })
}

/// Opens a TLS connection to this instance's own HTTPS address (for
/// `vigie healthcheck`): trusting the certificates of its own chain file,
/// under the name in `base_url` — so that a health check tests the
/// certificate people are served, not only the port.
pub async fn connect_self(
    address: &str,
    files: &TlsFiles,
    base_url: &str,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("tls.certificate_path {}", files.cert.display()))?
    {
        roots.add(cert?)?;
    }
    let host = url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .context("base_url has no host")?;
    let name = rustls::pki_types::ServerName::try_from(host)?;
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(address)
        .await
        .with_context(|| format!("connecting to {address}"))?;
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .with_context(|| format!("TLS with {address}"))
}
