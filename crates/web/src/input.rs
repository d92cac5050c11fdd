//! Text the databases cannot store, refused at the edge: a NUL character
//! (PostgreSQL refuses it in text, SQLite would keep it) in a query
//! parameter, a form field or a JSON string answers 422 naming the field,
//! the same on both backends, before any handler runs.

use axum::{
    Json,
    body::Body,
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};

use crate::{api::ApiError, client::lang_of, layout::ErrorPage};

/// Bodies larger than this are refused anyway by the extractors (axum's
/// default limit); reading them here would only cost memory.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The first field of a query string or form body holding a NUL.
fn nul_in_form(bytes: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(bytes)
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', "\u{fffd}"))
}

/// The path of the first JSON string (or key) holding a NUL.
fn nul_in_json(bytes: &[u8]) -> Option<String> {
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(path.to_owned()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, x)| walk(x, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.contains('\0') {
                    Some(here.replace('\0', "\u{fffd}"))
                } else {
                    walk(x, &here)
                }
            }),
            _ => None,
        }
    }
    // A body that is not JSON is the extractor's to refuse.
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&v, "")
}

fn refuse(api: bool, lang: crate::i18n::Lang, field: &str) -> Response {
    let m = lang.msgs();
    if api {
        let message = format!(
            "{}: contains a NUL character, which cannot be stored",
            if field.is_empty() { "body" } else { field }
        );
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ApiError {
                code: "invalid_character",
                message,
            }),
        )
            .into_response();
    }
    let text = m.invalid_character.replace("{field}", field);
    let page = ErrorPage::new(lang, m.error_title, text.clone());
    match askama::Template::render(&page) {
        Ok(body) => (StatusCode::UNPROCESSABLE_ENTITY, Html(body)).into_response(),
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, text).into_response(),
    }
}

pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = lang_of(req.headers());
    if let Some(field) = req.uri().query().and_then(|q| nul_in_form(q.as_bytes())) {
        return refuse(api, lang, &field);
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form = kind.starts_with("application/x-www-form-urlencoded");
    let json = kind.starts_with("application/json");
    if !form && !json {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let found = if form {
        nul_in_form(&bytes)
    } else {
        nul_in_json(&bytes)
    };
    if let Some(field) = found {
        return refuse(api, lang, &field);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_and_named() {
        assert_eq!(
            nul_in_form(b"name=Ana&email=a%00b%40x.fr").as_deref(),
            Some("email")
        );
        assert_eq!(nul_in_form(b"name=Ana&email=ab%40x.fr"), None);
        assert_eq!(
            nul_in_json(br#"{"a":{"b":["ok","x\u0000y"]}}"#).as_deref(),
            Some("a.b[1]")
        );
        assert_eq!(nul_in_json(br#"{"a":"\u00e9"}"#), None);
        assert_eq!(nul_in_json(b"not json"), None);
    }
}
