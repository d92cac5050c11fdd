//! Our own stylesheet, served by the binary (no CDN).

use axum::{
    extract::Path,
    http::header,
    response::{IntoResponse, Response},
};

use crate::error::PageError;

const CSS: &str = include_str!("../../static/vigie.css");
/// The demo site's stand-in for an audience-measurement script (C36).
const DEMO_TRACKER: &str = include_str!("../../static/demo-tracker.js");

pub async fn file(Path(name): Path<String>) -> Result<Response, PageError> {
    match name.as_str() {
        "vigie.css" => Ok((
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            CSS,
        )
            .into_response()),
        "demo-tracker.js" => Ok((
            [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
            DEMO_TRACKER,
        )
            .into_response()),
        _ => Err(PageError::NOT_FOUND),
    }
}
