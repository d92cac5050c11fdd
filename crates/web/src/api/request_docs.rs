//! A rights request's documents through the API (C12, C16, issue 18), as
//! the request page hands them to agents: the timeline as CSV, the answer
//! as a letter to post, the documents the person sent, and the files of
//! an access or portability export.

use axum::{
    Json,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_domain::{RequestId, audit::Outcome, role::Permission};

use super::{ApiCtx, ApiError, ApiFailure};
use crate::{
    AppState,
    error::PageError,
    i18n::Lang,
    pages::{document_download, public, requests},
};

/// A page helper's failure, in the API's terms.
fn failure(e: PageError) -> ApiFailure {
    match e {
        PageError::Store(s) => s.into(),
        other => {
            tracing::error!("api: {other}");
            ApiFailure::Internal
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub name: String,
    /// The type read from the bytes when the person sent it.
    pub media_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub added_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportFileOut {
    /// The name to ask for at `/export/{file}`.
    pub name: String,
    pub content_type: String,
    pub size: usize,
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/timeline.csv", tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "Every step of the request, for a spreadsheet (`;`, UTF-8 with BOM)",
                  content((Vec<u8> = "text/csv"))),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn timeline_csv(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.requests.timeline")
        .await?;
    let r = state.store.request(&ctx.scope, RequestId(id)).await?;
    let events = state.store.events(&ctx.scope, r.id).await?;
    let bytes = requests::timeline_csv_bytes(&r, &events).ok_or(ApiFailure::Internal)?;
    ctx.trace(
        &state,
        "api.requests.timeline",
        &format!("request:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(crate::pages::download(
        "text/csv; charset=utf-8",
        format!("demande-{}-historique.csv", r.reference),
        bytes,
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/letter.pdf", tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "The answer as a letter to print and post, in French",
                  content((Vec<u8> = "application/pdf"))),
              (status = 404, body = ApiError),
              (status = 409, description = "The request has no answer yet", body = ApiError)),
    security(("bearer" = [])))]
pub async fn letter(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.requests.letter")
        .await?;
    let r = state.store.request(&ctx.scope, RequestId(id)).await?;
    if r.answer.is_empty() {
        return Err(ApiFailure::Conflict(
            "answer: the request has no answer yet".into(),
        ));
    }
    let frame = super::register_docs::frame(&state, &ctx, Lang::Fr).await?;
    let doc = requests::answer_letter(&frame, &r);
    ctx.trace(
        &state,
        "api.requests.letter",
        &format!("request:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(crate::pages::download(
        "application/pdf",
        format!("reponse-{}.pdf", r.reference),
        crate::print::pdf(&doc),
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/attachments", tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "The documents the person sent (a proof of identity, a mandate)", body = Vec<AttachmentOut>),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn attachments(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AttachmentOut>>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.requests.attachments")
        .await?;
    let r = state.store.request(&ctx.scope, RequestId(id)).await?;
    let all = state.store.request_attachments(&ctx.scope, r.id).await?;
    ctx.trace(
        &state,
        "api.requests.attachments",
        &format!("request:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(
        all.iter()
            .map(|a| AttachmentOut {
                id: a.id,
                name: a.name.clone(),
                media_type: a.kind.media_type().to_owned(),
                size: a.size,
                sha256: a.sha256.clone(),
                added_at: a.added_at.to_string(),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/attachments/{attachment}", tag = "requests",
    params(("id" = i64, Path, description = "Request id"), ("attachment" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The document's bytes, as an attachment (it may be an identity document)",
                  content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"),
                      (Vec<u8> = "application/vnd.oasis.opendocument"), (Vec<u8> = "application/vnd.openxmlformats-officedocument"),
                      (Vec<u8> = "text/plain"))),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn attachment(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.requests.attachment")
        .await?;
    let (meta, bytes) = state
        .store
        .request_attachment(&ctx.scope, RequestId(id), attachment)
        .await?;
    ctx.trace(
        &state,
        "api.requests.attachment",
        &format!("request:{id}/attachment:{attachment}"),
        Outcome::Success,
    )
    .await?;
    Ok(document_download(&meta.name, meta.kind, bytes))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/export", tag = "requests",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "The files of the export (access, portability): JSON of everything, a CSV per table, what Art. 15 adds", body = Vec<ExportFileOut>),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ExportFileOut>>, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.requests.export")
        .await?;
    let r = state.store.request(&ctx.scope, RequestId(id)).await?;
    let (files, _) = public::export_files(&state, &r).await.map_err(failure)?;
    ctx.trace(
        &state,
        "api.requests.export",
        &format!("request:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(
        files
            .iter()
            .map(|f| ExportFileOut {
                name: f.name.clone(),
                content_type: f.content_type.to_owned(),
                size: f.bytes.len(),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/requests/{id}/export/{file}", tag = "requests",
    params(("id" = i64, Path, description = "Request id"), ("file" = String, Path, description = "A name from the export's list")),
    responses((status = 200, description = "One file of the export",
                  content((serde_json::Value = "application/json"), (Vec<u8> = "text/csv"), (Vec<u8> = "text/plain"))),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn export_file(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path((id, file)): Path<(i64, String)>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Write, "api.requests.export_file")
        .await?;
    let r = state.store.request(&ctx.scope, RequestId(id)).await?;
    let (files, _) = public::export_files(&state, &r).await.map_err(failure)?;
    let f = files
        .into_iter()
        .find(|f| f.name == file)
        .ok_or(ApiFailure::NotFound)?;
    ctx.trace(
        &state,
        "api.requests.export_file",
        &format!("request:{id}/{file}"),
        Outcome::Success,
    )
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", f.name),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        f.bytes,
    )
        .into_response())
}
