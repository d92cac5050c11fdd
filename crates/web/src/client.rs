//! Who is on the other end: address, user agent, language, cookies.

use std::net::SocketAddr;

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};

use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "vigie_session";
pub const LANG_COOKIE: &str = "vigie_lang";
pub const CSRF_COOKIE: &str = "vigie_csrf";

/// The caller as the access trail records it.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
    pub lang: Lang,
    /// The note of a state-changing request, taken by its first record.
    pub intent: crate::intent::IntentSlot,
    /// The page asked for (a GET; "/" otherwise), for the language switch
    /// to come back to it.
    pub here: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(client_of(parts))
    }
}

pub fn client_of(parts: &Parts) -> Client {
    let ip = match parts.extensions.get::<crate::proxy::CallerIp>() {
        Some(c) => c.0.to_string(),
        None => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
    };
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    Client {
        ip,
        user_agent,
        lang: lang_of(&parts.headers),
        here: if parts.method == axum::http::Method::GET {
            parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
        } else {
            "/".to_owned()
        },
        intent: parts
            .extensions
            .get::<crate::intent::IntentSlot>()
            .cloned()
            .unwrap_or_default(),
    }
}

/// The language cookie, else the browser's preference, else French.
pub fn lang_of(h: &HeaderMap) -> Lang {
    cookie(h, LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .or_else(|| {
            h.get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// One cookie's value.
pub fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The language preference cookie: kept a year, strictly necessary.
pub fn lang_cookie(code: &str, secure: bool) -> String {
    set_cookie(LANG_COOKIE, code, secure, Some(31_536_000))
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure over TLS; a
/// session cookie (no expiry) unless `max_age` is given.
pub fn set_cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    c
}
