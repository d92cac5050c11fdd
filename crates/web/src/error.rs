//! Errors of page handlers, and the middleware that turns them into pages
//! in the visitor's language.

use axum::{
    Extension,
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use vigie_store::StoreError;

use crate::{client::lang_of, layout::ErrorPage};

/// What went wrong, carried in the response's extensions to the renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Forbidden,
    Csrf,
    /// A form over 1 MiB, or an upload over the largest document kept.
    TooLarge,
    Unavailable,
    Internal,
}

impl ErrorKind {
    fn status(self) -> StatusCode {
        match self {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Forbidden | ErrorKind::Csrf => StatusCode::FORBIDDEN,
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("{0:?}")]
    Kind(ErrorKind),
    #[error("sign-in required")]
    SignIn { next: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Render(#[from] askama::Error),
    #[error("{0}")]
    Internal(String),
}

impl PageError {
    pub const NOT_FOUND: PageError = PageError::Kind(ErrorKind::NotFound);
    pub const FORBIDDEN: PageError = PageError::Kind(ErrorKind::Forbidden);
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let kind = match self {
            PageError::Kind(k) => k,
            PageError::SignIn { next } => {
                let to = format!("/sign-in?next={}", urlencoding::encode(&next));
                return Redirect::to(&to).into_response();
            }
            PageError::Store(StoreError::NotFound) => ErrorKind::NotFound,
            PageError::Store(StoreError::Unavailable(e)) => {
                tracing::warn!("database unavailable: {e}");
                ErrorKind::Unavailable
            }
            other => {
                tracing::error!("page error: {other}");
                ErrorKind::Internal
            }
        };
        (kind.status(), Extension(kind)).into_response()
    }
}

/// Renders the body of error responses in the visitor's language.
pub async fn render_error_pages(req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    let res = next.run(req).await;
    let Some(kind) = res.extensions().get::<ErrorKind>().copied() else {
        return res;
    };
    let m = lang.msgs();
    let (title, text) = match kind {
        ErrorKind::NotFound => (m.not_found_title, m.not_found_text),
        ErrorKind::Forbidden => (m.forbidden_title, m.forbidden_text),
        ErrorKind::Csrf => (m.forbidden_title, m.csrf_text),
        ErrorKind::TooLarge => (m.too_large_title, m.too_large_text),
        ErrorKind::Unavailable => (m.error_title, m.unavailable_text),
        ErrorKind::Internal => (m.error_title, m.error_text),
    };
    let page = ErrorPage::new(lang, title, text);
    match askama::Template::render(&page) {
        Ok(body) => (kind.status(), Html(body)).into_response(),
        Err(_) => (kind.status(), text).into_response(),
    }
}

/// Unknown pages.
pub async fn not_found() -> PageError {
    PageError::NOT_FOUND
}

/// Answers 503 when a request is still unanswered after the configured
/// time — a database link that froze, not a slow page — so that the
/// person is told and the connection is freed.
pub async fn answer_within(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let lang = lang_of(req.headers());
    let path = req.uri().path().to_owned();
    match tokio::time::timeout(state.settings.request_timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(
                "{path}: no answer within {} s, 503",
                state.settings.request_timeout.as_secs()
            );
            unavailable(api, lang)
        }
    }
}

/// 503 outside a handler: JSON for the API, a page otherwise.
pub fn unavailable(api: bool, lang: crate::i18n::Lang) -> Response {
    if api {
        return crate::api::unavailable();
    }
    let m = lang.msgs();
    let page = ErrorPage::new(lang, m.error_title, m.unavailable_text);
    let status = StatusCode::SERVICE_UNAVAILABLE;
    match askama::Template::render(&page) {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (status, m.unavailable_text).into_response(),
    }
}
