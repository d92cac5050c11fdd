//! Our own stylesheet, served by the binary (no CDN).

use axum::{
    extract::Path,
    http::header,
    response::{IntoResponse, Response},
};

use crate::error::PageError;

const CSS: &str = include_str!("../../static/vigie.css");

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
        _ => Err(PageError::NOT_FOUND),
    }
}
