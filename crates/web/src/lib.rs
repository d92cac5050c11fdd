//! Vigie's web layer: HTML pages (French by default, English on request),
//! the JSON API under `/api/v1` and its OpenAPI document.
//!
//! Handlers never write SQL: they call the store traits, and reach a
//! tenant's data only through the [`TenantScope`] that authentication gives.
//!
//! [`TenantScope`]: vigie_domain::scope::TenantScope

pub mod api;
mod auth;
mod client;
mod consent;
mod csrf;
mod error;
pub mod i18n;
mod input;
pub mod labels;
mod layout;
pub mod mfa;
mod multipart;
mod pages;
mod pdf;
mod print;
mod request_list;
pub use pages::invite;
mod intent;
pub mod password;
pub mod proxy;
mod secrets;
mod trace;

use std::sync::Arc;

use axum::{Router, middleware};
use jiff::SignedDuration;
use vigie_store::Store;

pub use password::{Argon2Settings, PasswordHasher};

/// What the web layer needs from the configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// How people reach this instance, for links in emails
    /// (`https://vigie.example.fr`).
    pub base_url: String,
    /// Marks cookies `Secure`: on when the instance is served over TLS.
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: SignedDuration,
    /// … and after this long in any case.
    pub session_max: SignedDuration,
    /// Public key that signs trail checkpoints, shown to auditors.
    pub trail_public_key: String,
    /// Shown in the page header in the demo.
    pub demo: bool,
    /// Where tenants' connected systems may live (C27).
    pub confinement: vigie_connect::Confinement,
    /// A request still unanswered after this (a frozen database link)
    /// answers 503.
    pub request_timeout: std::time::Duration,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The provider's own organisation: its administrators handle the
    /// requests it receives as agents (C14, issue 18).
    pub provider_tenant: Option<vigie_domain::tenant::TenantSlug>,
    /// The provider's crisis escalation thresholds (C19).
    pub escalation: vigie_domain::breach::EscalationRules,
    /// What the backup configuration sets (C33), for its page.
    pub backups: BackupPlan,
}

/// The backup configuration as its supervision page tells it.
#[derive(Debug, Clone, Default)]
pub struct BackupPlan {
    /// Recipients and targets are set.
    pub configured: bool,
    /// An identity opens backups for the restore test.
    pub restore_test: bool,
    pub targets: Vec<String>,
    pub keep: String,
    pub max_age_hours: i64,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            base_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            session_idle: SignedDuration::from_mins(30),
            session_max: SignedDuration::from_hours(12),
            trail_public_key: String::new(),
            demo: false,
            confinement: vigie_connect::Confinement::default(),
            request_timeout: std::time::Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            escalation: vigie_domain::breach::EscalationRules::default(),
            provider_tenant: None,
            backups: BackupPlan::default(),
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    /// Appends to the access trail in group commits.
    pub trail: vigie_store::appender::Appender,
    pub settings: WebSettings,
    pub hasher: PasswordHasher,
    /// Seals connected systems' credentials; opens access exports.
    pub vault: vigie_store::vault::Vault,
    /// Choices each caller may send to a consent banner's endpoint.
    pub consent_limiter: consent::Limiter,
    /// Appends the banners' choices in group commits.
    pub consent_writer: vigie_store::consent_writer::ConsentWriter,
    /// The banners' sites, kept a few seconds.
    pub consent_sites: consent::SiteCache,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Needs a Tokio runtime: it starts the trail's writer task.
    pub fn new(
        store: Arc<dyn Store>,
        settings: WebSettings,
        hasher: PasswordHasher,
        vault: vigie_store::vault::Vault,
    ) -> Self {
        AppState(Arc::new(Inner {
            trail: vigie_store::appender::Appender::start(store.clone()),
            consent_writer: vigie_store::consent_writer::ConsentWriter::start(store.clone()),
            store,
            settings,
            hasher,
            vault,
            consent_limiter: consent::Limiter::default(),
            consent_sites: consent::SiteCache::default(),
        }))
    }

    /// What the use cases of `vigie-service` need.
    pub fn ctx(&self) -> vigie_service::Ctx<'_> {
        vigie_service::Ctx {
            store: self.store.as_ref(),
            vault: &self.vault,
            base_url: &self.settings.base_url,
            confinement: &self.settings.confinement,
        }
    }
}

/// The whole application: pages, static files and the API.
pub fn router(state: AppState) -> Router {
    let html = pages::routes()
        .layer(middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(middleware::from_fn(error::render_error_pages));
    Router::new()
        .merge(html)
        .merge(consent::routes())
        .nest("/api/v1", api::routes())
        .layer(middleware::from_fn(input::refuse_nul))
        .layer(middleware::from_fn_with_state(state.clone(), intent::note))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::answer_within,
        ))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            proxy::resolve,
        ))
        .with_state(state)
}

/// Headers every response carries: no framing, no sniffing, no referrer
/// leaking reset links, scripts and styles only from this origin.
async fn security_headers(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
