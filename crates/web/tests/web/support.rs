//! A browser that keeps cookies and reads CSRF tokens, over the in-process
//! router, on a fresh database.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use tower::ServiceExt;
use vigie_domain::{
    account::{DisplayName, Email},
    role::{Role, Roles},
    tenant::{TenantName, TenantSlug},
};
use vigie_store::{NewUser, Store, Tenant};
use vigie_store_sql::testing::{TempPostgres, TempSqlite};
use vigie_web::{AppState, Argon2Settings, PasswordHasher, WebSettings};

pub const PASSWORD: &str = "Tournesol-Brume-2026";

pub struct TestApp {
    pub router: Router,
    pub store: Arc<dyn Store>,
    pub hasher: PasswordHasher,
    /// Vigie's own database, as a URL (C27: tenants aim at it).
    pub own_url: String,
    /// Keeps the database alive (and drops it after the test).
    _db: Box<dyn std::any::Any + Send + Sync>,
}

pub fn cheap_hasher() -> PasswordHasher {
    PasswordHasher::new(Argon2Settings {
        memory_kib: 256,
        iterations: 1,
        parallelism: 1,
    })
    .unwrap()
}

/// Where the tests' connected systems may live: the temporary folder
/// (where the tests' own Vigie databases live too, so the marker and the
/// file identity are what keeps them out) and the local servers.
pub fn test_confinement() -> vigie_connect::Confinement {
    use vigie_connect::target::HostPattern;
    vigie_connect::Confinement {
        hosts: vec![
            HostPattern::parse("127.0.0.1:*").unwrap(),
            HostPattern::parse("localhost:*").unwrap(),
        ],
        sqlite_dirs: vec![std::fs::canonicalize(std::env::temp_dir()).unwrap()],
        connect_timeout: std::time::Duration::from_secs(3),
        statement_timeout: std::time::Duration::from_secs(5),
        webhook_hosts: vec![HostPattern::parse("127.0.0.1:*").unwrap()],
        ..Default::default()
    }
}

fn test_settings() -> WebSettings {
    WebSettings {
        confinement: test_confinement(),
        ..WebSettings::default()
    }
}

impl TestApp {
    pub async fn sqlite() -> Self {
        let db = TempSqlite::new().await;
        let store: Arc<dyn Store> = db.store.clone();
        let own = format!("sqlite://{}", db.path().display());
        Self::build(store, Box::new(db), test_settings()).with_own_url(own)
    }

    pub async fn postgres() -> Self {
        let db = TempPostgres::new().await;
        let store: Arc<dyn Store> = db.store.clone();
        let own = db.url.clone();
        Self::build(store, Box::new(db), test_settings()).with_own_url(own)
    }

    /// On PostgreSQL reached through `url` (a proxy the test controls),
    /// with `settings`.
    pub async fn postgres_through(
        rewrite: impl Fn(&str) -> String,
        settings: WebSettings,
    ) -> (Self, String) {
        let db = TempPostgres::new().await;
        let direct = db.url.clone();
        let store = vigie_store_sql::open(&rewrite(&direct)).await.unwrap();
        let app = Self::build(store, Box::new(db), settings).with_own_url(direct.clone());
        (app, direct)
    }

    fn with_own_url(mut self, url: String) -> Self {
        self.own_url = url;
        self
    }

    /// On SQLite, with a handle to close the database mid-test.
    pub async fn sqlite_closable() -> (Self, Arc<TempSqlite>) {
        let db = Arc::new(TempSqlite::new().await);
        let store: Arc<dyn Store> = db.store.clone();
        let app = Self::build(store, Box::new(db.clone()), test_settings());
        (app, db)
    }

    /// On PostgreSQL, with `settings`.
    pub async fn postgres_with(settings: WebSettings) -> Self {
        let db = TempPostgres::new().await;
        let store: Arc<dyn Store> = db.store.clone();
        let own = db.url.clone();
        Self::build(store, Box::new(db), settings).with_own_url(own)
    }

    pub async fn with_settings(settings: WebSettings) -> Self {
        let db = TempSqlite::new().await;
        let store: Arc<dyn Store> = db.store.clone();
        Self::build(store, Box::new(db), settings)
    }

    /// On SQLite, with the store waiting at most `wait` for its write
    /// lock (`database_wait_seconds`); the database file's path.
    pub async fn sqlite_waiting(wait: std::time::Duration) -> (Self, std::path::PathBuf) {
        let db = TempSqlite::new().await;
        let path = db.path();
        let url = format!("sqlite://{}", path.display());
        let store = vigie_store_sql::open_with(&url, vigie_store_sql::PoolOptions { wait })
            .await
            .unwrap();
        (Self::build(store, Box::new(db), test_settings()), path)
    }

    fn build(
        store: Arc<dyn Store>,
        db: Box<dyn std::any::Any + Send + Sync>,
        settings: WebSettings,
    ) -> Self {
        let hasher = cheap_hasher();
        let state = AppState::new(
            store.clone(),
            settings,
            hasher.clone(),
            vigie_store::vault::Vault::new([9; 32]),
        );
        TestApp {
            router: vigie_web::router(state),
            store,
            hasher,
            own_url: String::new(),
            _db: db,
        }
    }

    pub async fn tenant(&self, slug: &str) -> Tenant {
        self.store
            .create_tenant(
                &TenantSlug::parse(slug).unwrap(),
                &TenantName::parse(&format!("Organisation {slug}")).unwrap(),
            )
            .await
            .unwrap()
    }

    /// An account with the test password and roles in one tenant.
    pub async fn person(
        &self,
        email: &str,
        roles: &[(&Tenant, &[Role])],
    ) -> vigie_domain::account::User {
        self.account(email, false, roles).await
    }

    pub async fn account(
        &self,
        email: &str,
        admin: bool,
        roles: &[(&Tenant, &[Role])],
    ) -> vigie_domain::account::User {
        let u = self
            .store
            .create_user(&NewUser {
                email: Email::parse(email).unwrap(),
                // Each person named after their address: a page that shows
                // a name shows whose it is.
                name: DisplayName::parse(&format!("Personne {}", email.split('@').next().unwrap()))
                    .unwrap(),
                password_hash: self.hasher.hash(PASSWORD).await.unwrap(),
                is_provider_admin: admin,
                locale: "fr".into(),
                time_zone: "Europe/Paris".into(),
            })
            .await
            .unwrap();
        for (t, r) in roles {
            self.store
                .set_roles(
                    &vigie_domain::scope::TenantScope::of_provider(t.id),
                    u.id,
                    &Roles::new(r.to_vec()),
                )
                .await
                .unwrap();
        }
        u
    }

    pub fn browser(&self) -> Browser {
        Browser {
            router: self.router.clone(),
            cookies: HashMap::new(),
            ip: "192.0.2.10".into(),
            headers: Vec::new(),
        }
    }

    /// A browser already signed in.
    pub async fn signed_in(&self, email: &str) -> Browser {
        let mut b = self.browser();
        let r = b.sign_in(email, PASSWORD, "").await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email}: {}",
            r.body
        );
        b
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (a PDF or an ODT is not text).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
}

pub struct Browser {
    router: Router,
    pub cookies: HashMap<String, String>,
    pub ip: String,
    pub headers: Vec<(String, String)>,
}

impl Browser {
    async fn send(&mut self, method: Method, path: &str, body: Option<String>) -> Reply {
        self.send_bytes(method, path, body.map(String::into_bytes))
            .await
    }

    async fn send_bytes(&mut self, method: Method, path: &str, body: Option<Vec<u8>>) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let body = match body {
            Some(b) => {
                if !self.headers.iter().any(|(k, _)| k == "content-type") {
                    req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                }
                Body::from(b)
            }
            None => Body::empty(),
        };
        let mut req = req.body(body).unwrap();
        let addr: SocketAddr = format!("{}:40000", self.ip).parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for c in headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(Method::POST, path, Some(body)).await
    }

    /// A cross-site POST as a browser sends it from `origin`: a plain-text
    /// body, the `Origin` header, no cookie.
    pub async fn send_body(&mut self, path: &str, origin: &str, body: &str) -> Reply {
        self.send_typed(path, origin, "text/plain", body).await
    }

    /// A cross-site POST of `content_type` from `origin`, no cookie: a
    /// site's plain form posts `application/x-www-form-urlencoded`.
    pub async fn send_typed(
        &mut self,
        path: &str,
        origin: &str,
        content_type: &str,
        body: &str,
    ) -> Reply {
        let saved = std::mem::take(&mut self.headers);
        self.headers = vec![
            ("origin".into(), origin.into()),
            ("content-type".into(), content_type.into()),
        ];
        let r = self.send(Method::POST, path, Some(body.to_owned())).await;
        self.headers = saved;
        r
    }

    /// A file upload form as a browser sends it (`multipart/form-data`),
    /// with the CSRF token: parts are (name, file name, bytes).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> Reply {
        let token = self.csrf("/sign-in").await;
        let boundary = "----vigieTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let csrf_part: (&str, Option<&str>, &[u8]) = ("csrf", None, token.as_bytes());
        for (name, file, bytes) in std::iter::once(&csrf_part).chain(parts) {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match file {
                Some(f) => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let saved = std::mem::take(&mut self.headers);
        self.headers = vec![(
            "content-type".into(),
            format!("multipart/form-data; boundary={boundary}"),
        )];
        let r = self.send_bytes(Method::POST, path, Some(body)).await;
        self.headers = saved;
        r
    }

    /// The CSRF token the forms of `page` carry.
    pub async fn csrf(&mut self, page: &str) -> String {
        let r = self.get(page).await;
        extract(&r.body, "name=\"csrf\" value=\"", "\"").unwrap_or_default()
    }

    /// Posts a form with the CSRF token the site gave this browser.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf("/sign-in").await;
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str, code: &str) -> Reply {
        self.post(
            "/sign-in",
            &[
                ("email", email),
                ("password", password),
                ("code", code),
                ("next", ""),
            ],
        )
        .await
    }

    /// A JSON request to the API with a bearer token.
    pub async fn api_json(
        &mut self,
        method: &str,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> Reply {
        self.headers = vec![
            ("authorization".into(), format!("Bearer {token}")),
            ("content-type".into(), "application/json".into()),
        ];
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let r = self.send(method, path, Some(body.to_string())).await;
        self.headers.clear();
        r
    }

    /// Raw bytes to the API with a bearer token (an upload).
    pub async fn api_bytes(&mut self, path: &str, token: &str, body: Vec<u8>) -> Reply {
        self.headers = vec![
            ("authorization".into(), format!("Bearer {token}")),
            ("content-type".into(), "application/octet-stream".into()),
        ];
        let r = self.send_bytes(Method::POST, path, Some(body)).await;
        self.headers.clear();
        r
    }

    pub async fn api(&mut self, path: &str, token: &str) -> Reply {
        self.headers = vec![("authorization".into(), format!("Bearer {token}"))];
        let r = self.get(path).await;
        self.headers.clear();
        r
    }
}

/// The text between `start` and the next `end`.
pub fn extract(body: &str, start: &str, end: &str) -> Option<String> {
    let i = body.find(start)? + start.len();
    let j = body[i..].find(end)? + i;
    Some(body[i..j].to_owned())
}

/// The fields a browser would send for the form posting to `action` in
/// `html`, left as it is: hidden and text inputs, ticked boxes, the
/// selected option of each select (the CSRF token left out).
pub fn form_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let form = extract(
        html,
        &format!("<form method=\"post\" action=\"{action}\""),
        "</form>",
    )
    .unwrap_or_default();
    let attr = |tag: &str, name: &str| {
        extract(tag, &format!(" {name}=\""), "\"").map(|v| {
            v.replace("&#39;", "'")
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
    };
    let mut out = Vec::new();
    for chunk in form.split('<').skip(1) {
        let tag = format!(" {}", chunk.split('>').next().unwrap_or_default());
        if chunk.starts_with("input") {
            let Some(name) = attr(&tag, "name") else {
                continue;
            };
            if name == "csrf" {
                continue;
            }
            match attr(&tag, "type").as_deref() {
                Some("checkbox") if tag.contains(" checked") => {
                    out.push((name, attr(&tag, "value").unwrap_or_else(|| "on".into())))
                }
                Some("checkbox") => {}
                _ => out.push((name, attr(&tag, "value").unwrap_or_default())),
            }
        }
    }
    for select in form.split("<select").skip(1) {
        let head = select.split('>').next().unwrap_or_default();
        let Some(name) = attr(&format!(" {head}"), "name") else {
            continue;
        };
        let body = select.split("</select>").next().unwrap_or_default();
        let chosen = body
            .split("<option")
            .skip(1)
            .find(|o| {
                o.split('>')
                    .next()
                    .unwrap_or_default()
                    .contains(" selected")
            })
            .or_else(|| body.split("<option").nth(1))
            .and_then(|o| {
                attr(
                    &format!(" {}", o.split('>').next().unwrap_or_default()),
                    "value",
                )
            })
            .unwrap_or_default();
        out.push((name, chosen));
    }
    out
}

/// Runs a test body on both backends.
#[macro_export]
macro_rules! both {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = TestApp::sqlite().await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $app = TestApp::postgres().await;
                $body
            }
        }
    };
}

/// `both!` with settings of the test's own (`$settings` is evaluated
/// once per backend).
#[macro_export]
macro_rules! both_with {
    ($name:ident, $settings:expr, |$app:ident| $body:block) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let $app = TestApp::with_settings($settings).await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let $app = TestApp::postgres_with($settings).await;
                $body
            }
        }
    };
}

/// The key the test application seals with.
pub fn test_vault() -> vigie_store::vault::Vault {
    vigie_store::vault::Vault::new([9; 32])
}

/// A verified rights request and a connected system in the scope's tenant.
pub async fn rights_objects_of(
    app: &TestApp,
    scope: &vigie_domain::scope::TenantScope,
) -> (vigie_domain::RequestId, vigie_domain::SystemId) {
    use jiff::Timestamp;
    let vault = test_vault();
    let ctx = vigie_service::Ctx {
        store: app.store.as_ref(),
        vault: &vault,
        base_url: "http://test",
        confinement: &crate::support::test_confinement(),
    };
    let input = vigie_service::rights::RequestInput {
        kind: vigie_domain::rights::RequestKind::Erasure,
        name: "Bertrand Secret".into(),
        email: Some(Email::parse("bertrand@secret.fr").unwrap()),
        phone: String::new(),
        details: String::new(),
        channels: vec![],
        rectifications: vec![],
        contact: Default::default(),
    };
    let today = Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let r = vigie_service::rights::record(
        ctx,
        scope,
        "agent",
        &input,
        vigie_domain::rights::Intake::Letter,
        today,
        Timestamp::now(),
    )
    .await
    .unwrap();
    let r = vigie_service::rights::verify(
        ctx,
        &r,
        vigie_domain::rights::Verification::DocumentSeen,
        vigie_service::rights::IdentityCheck::all(&r),
        "agent",
        Timestamp::now(),
    )
    .await
    .unwrap();
    let s = app
        .store
        .create_system(
            scope,
            &vigie_store::NewSystem {
                name: "Logiciel secret B".into(),
                url_sealed: vault
                    .seal(
                        vigie_store::vault::Purpose::Credentials,
                        scope.tenant(),
                        b"sqlite:///nowhere.db",
                    )
                    .unwrap(),
                url_hint: "sqlite:///nowhere.db".into(),
                dataset: String::new(),
                at: Timestamp::now(),
            },
        )
        .await
        .unwrap();
    (r.id, s.id)
}
