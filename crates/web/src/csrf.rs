//! Protection of every state-changing form against cross-site requests.
//!
//! The token a form must carry is derived from the session cookie (keyed
//! BLAKE3), or, before sign-in, is a random `vigie_csrf` cookie (double
//! submit). The check runs here, for every non-GET request outside the
//! API, so no form can forget it. The API takes bearer tokens, not cookies.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    AppState,
    client::{CSRF_COOKIE, SESSION_COOKIE, cookie, set_cookie},
    error::ErrorKind,
    secrets::{random_token, same},
};

/// The token the current page's forms carry.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Forms larger than this are refused before parsing.
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// A file upload form (an evidence document, issue 17) may be larger: the
/// largest document kept and room for the other fields.
const MAX_UPLOAD_BYTES: usize = vigie_domain::followup::EVIDENCE_MAX_BYTES + 64 * 1024;

/// A person's reply may carry two documents of the largest size.
const MAX_REPLY_BYTES: usize = 2 * vigie_domain::followup::EVIDENCE_MAX_BYTES + 64 * 1024;

fn derive(session_token: &str) -> String {
    hex::encode(blake3::derive_key(
        "vigie 2026-11 csrf token from session cookie",
        session_token.as_bytes(),
    ))
}

fn expected(h: &HeaderMap) -> Option<String> {
    match cookie(h, SESSION_COOKIE) {
        Some(s) if !s.is_empty() => Some(derive(&s)),
        _ => cookie(h, CSRF_COOKIE).filter(|c| !c.is_empty()),
    }
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    std::str::from_utf8(body)
        .ok()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| {
            urlencoding::decode(&v.replace('+', " "))
                .ok()
                .map(|c| c.into_owned())
        })
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    if parts.uri.path().starts_with("/api/") {
        return next.run(Request::from_parts(parts, body)).await;
    }
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let (token, fresh) = match expected(&parts.headers) {
            Some(t) => (t, false),
            None => (random_token(), true),
        };
        parts.extensions.insert(CsrfToken(token.clone()));
        let mut res = next.run(Request::from_parts(parts, body)).await;
        if fresh
            && let Ok(v) =
                set_cookie(CSRF_COOKIE, &token, state.settings.secure_cookies, None).parse()
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        return res;
    }
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::multipart::boundary);
    // The larger limit only where a document is uploaded: any other POST
    // is refused past 1 MiB before it is read further.
    let path = parts.uri.path();
    let limit = match multipart {
        Some(_) if path.ends_with("/suivi/preuves") => MAX_UPLOAD_BYTES,
        // The person's reply to a question, with documents (issue 18).
        Some(_) if path.starts_with("/p/") && path.ends_with("/reponse") => MAX_REPLY_BYTES,
        _ => MAX_FORM_BYTES,
    };
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Extension(ErrorKind::TooLarge),
        )
            .into_response();
    };
    let given = match &multipart {
        Some(b) => crate::multipart::parts(&bytes, b)
            .and_then(|p| crate::multipart::text(&p, "csrf"))
            .unwrap_or_default(),
        None => form_field(&bytes, "csrf").unwrap_or_default(),
    };
    match expected(&parts.headers) {
        Some(e) if same(&e, &given) => {
            parts.extensions.insert(CsrfToken(e));
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => (StatusCode::FORBIDDEN, axum::Extension(ErrorKind::Csrf)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_form_field() {
        assert_eq!(
            form_field(b"a=1&csrf=ab%2Bc&b=2", "csrf").as_deref(),
            Some("ab+c")
        );
        assert_eq!(form_field(b"a=1", "csrf"), None);
        assert_ne!(derive("s1"), derive("s2"));
    }
}
