//! The register's history and documents through the API (C04, C06), as
//! its pages give them: every version of an activity, the register's
//! history, and the register (or one activity's sheet) as CSV, JSON, PDF
//! or OpenDocument — the same bytes a person downloads.

use axum::{
    Json,
    extract::{Path, Query, State},
    response::Response,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_domain::{
    ActivityId,
    audit::Outcome,
    register::{Activity, ActivityStatus},
    role::Permission,
};
use vigie_store::{ActivityVersion, StoredActivity};

use super::{ApiCtx, ApiError, ApiFailure, ListParams};
use crate::{
    AppState,
    i18n::Lang,
    pages::{activity_text, download},
};

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionOut {
    pub activity: i64,
    pub version: i64,
    pub name: String,
    pub status: ActivityStatus,
    /// RFC 3339, UTC.
    pub at: String,
    pub author: String,
    /// Why it changed.
    pub reason: String,
    pub activity_body: Activity,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionPage {
    pub items: Vec<VersionOut>,
    pub total: i64,
    pub page: u32,
    pub page_size: u32,
}

/// A document's format and language.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentParams {
    /// `csv`, `json`, `pdf` or `odt` (default `pdf`); one activity's
    /// sheet is `pdf` or `odt`.
    #[param(pattern = "^(csv|json|pdf|odt)?$")]
    pub format: Option<String>,
    /// `fr` (default) or `en`: the words of CSV headers and printed
    /// documents.
    #[param(pattern = "^(fr|en)?$")]
    pub lang: Option<String>,
}

fn version_out(v: &ActivityVersion) -> VersionOut {
    VersionOut {
        activity: v.activity.0,
        version: v.version,
        name: v.name.clone(),
        status: v.status,
        at: v.at.to_string(),
        author: v.author.clone(),
        reason: v.reason.clone(),
        activity_body: v.body.clone(),
    }
}

#[utoipa::path(get, path = "/api/v1/register/{id}/versions", tag = "register",
    params(("id" = i64, Path, description = "Activity id")),
    responses((status = 200, description = "Every version of the activity, newest first", body = Vec<VersionOut>),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn versions(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<Vec<VersionOut>>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.register.versions")
        .await?;
    let all = state.store.versions(&ctx.scope, ActivityId(id)).await?;
    if all.is_empty() {
        return Err(ApiFailure::NotFound);
    }
    ctx.trace(
        &state,
        "api.register.versions",
        &format!("activity:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(all.iter().map(version_out).collect()))
}

#[utoipa::path(get, path = "/api/v1/register/history", tag = "register", params(ListParams),
    responses((status = 200, description = "Every version of every activity, newest first", body = VersionPage)),
    security(("bearer" = [])))]
pub async fn history(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<ListParams>,
) -> Result<Json<VersionPage>, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.register.history")
        .await?;
    let page = state
        .store
        .register_history(ctx.tenant.id, super::page_of(p.page, p.page_size)?)
        .await?;
    ctx.trace(
        &state,
        "api.register.history",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(VersionPage {
        items: page.items.iter().map(version_out).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// The printed frame: the organisation sheet as the cover, the date in
/// Paris time (the API has no reader's time zone).
pub(super) async fn frame(
    state: &AppState,
    ctx: &ApiCtx,
    lang: Lang,
) -> Result<activity_text::PrintFrame, ApiFailure> {
    let sheet = state
        .store
        .organisation_sheet(&ctx.scope)
        .await?
        .map(|s| s.sheet);
    let org = sheet
        .as_ref()
        .map(|s| s.legal_name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ctx.tenant.name.as_str().to_owned());
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC);
    Ok(activity_text::PrintFrame {
        lang: lang.code(),
        m: lang.msgs(),
        org,
        sheet,
        when: Timestamp::now()
            .to_zoned(paris)
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string(),
    })
}

fn lang_of(lang: Option<&str>) -> Result<Lang, ApiFailure> {
    match lang.unwrap_or("") {
        "" | "fr" => Ok(Lang::Fr),
        "en" => Ok(Lang::En),
        _ => Err(ApiFailure::BadRequest("lang: fr or en".into())),
    }
}

/// One activity's sheet: its format and language.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetParams {
    /// `pdf` (default) or `odt`.
    #[param(pattern = "^(pdf|odt)?$")]
    pub format: Option<String>,
    /// `fr` (default) or `en`.
    #[param(pattern = "^(fr|en)?$")]
    pub lang: Option<String>,
}

/// A printed document's format: `pdf` (the default) or `odt`.
fn printed_format(asked: Option<&str>) -> Result<&'static str, ApiFailure> {
    match asked.unwrap_or("") {
        "" | "pdf" => Ok("pdf"),
        "odt" => Ok("odt"),
        _ => Err(ApiFailure::BadRequest("format: pdf or odt".into())),
    }
}

/// A printed document as a download: ODT when `format` says so, else PDF.
fn delivered(
    doc: &crate::print::Document,
    file: &str,
    format: &str,
) -> Result<Response, ApiFailure> {
    Ok(if format == "odt" {
        let bytes = crate::print::odt::write(doc)
            .ok_or_else(|| ApiFailure::Conflict("the document is too large to print".into()))?;
        download(
            "application/vnd.oasis.opendocument.text",
            format!("{file}.odt"),
            bytes,
        )
    } else {
        download(
            "application/pdf",
            format!("{file}.pdf"),
            crate::print::pdf(doc),
        )
    })
}

/// `activities` printed as PDF or ODT under `title`, named `file`.
async fn printed(
    state: &AppState,
    ctx: &ApiCtx,
    lang: Lang,
    activities: &[StoredActivity],
    title: &str,
    file: &str,
    format: &str,
) -> Result<Response, ApiFailure> {
    let frame = frame(state, ctx, lang).await?;
    let dpias = state.store.latest_dpias(&ctx.scope).await?;
    let doc = activity_text::document(&frame, activities, &dpias, title);
    delivered(&doc, file, format)
}

#[utoipa::path(get, path = "/api/v1/register/export", tag = "register", params(DocumentParams),
    responses((status = 200, description = "The register's current activities, as a file to keep or hand over",
                  content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/vnd.oasis.opendocument.text"),
                      (Vec<u8> = "text/csv"), (serde_json::Value = "application/json"))),
              (status = 400, description = "An unknown format or language", body = ApiError)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Query(p): Query<DocumentParams>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.register.export")
        .await?;
    let format = p
        .format
        .as_deref()
        .filter(|f| !f.is_empty())
        .unwrap_or("pdf");
    if !matches!(format, "csv" | "json" | "pdf" | "odt") {
        return Err(ApiFailure::BadRequest(
            "format: csv, json, pdf or odt".into(),
        ));
    }
    let lang = lang_of(p.lang.as_deref())?;
    let all: Vec<StoredActivity> = state
        .store
        .all_activities(&ctx.scope)
        .await?
        .into_iter()
        .filter(StoredActivity::is_current)
        .collect();
    let file = format!("registre-{}", ctx.tenant.slug);
    let answer = match format {
        "csv" => download(
            "text/csv; charset=utf-8",
            format!("{file}.csv"),
            activity_text::csv(lang.code(), lang.msgs(), &all),
        ),
        "json" => {
            let sheet = state
                .store
                .organisation_sheet(&ctx.scope)
                .await?
                .map(|s| s.sheet);
            download(
                "application/json",
                format!("{file}.json"),
                vigie_service::register::json(ctx.tenant.name.as_str(), sheet.as_ref(), &all),
            )
        }
        _ => {
            let title = lang.msgs().print_register_title;
            printed(&state, &ctx, lang, &all, title, &file, format).await?
        }
    };
    ctx.trace(&state, "api.register.export", format, Outcome::Success)
        .await?;
    Ok(answer)
}

#[utoipa::path(get, path = "/api/v1/register/{id}/export", tag = "register",
    params(("id" = i64, Path, description = "Activity id"), SheetParams),
    responses((status = 200, description = "One activity's sheet, printed",
                  content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/vnd.oasis.opendocument.text"))),
              (status = 400, description = "An unknown format or language", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn activity_export(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    Query(p): Query<SheetParams>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.register.export")
        .await?;
    let format = printed_format(p.format.as_deref())?;
    let lang = lang_of(p.lang.as_deref())?;
    let a = state.store.activity(&ctx.scope, ActivityId(id)).await?;
    let file = format!("fiche-{}-{}", ctx.tenant.slug, a.id);
    let title = lang.msgs().print_activity_title;
    let answer = printed(
        &state,
        &ctx,
        lang,
        std::slice::from_ref(&a),
        title,
        &file,
        format,
    )
    .await?;
    ctx.trace(
        &state,
        "api.register.export",
        &format!("activity:{id} {format}"),
        Outcome::Success,
    )
    .await?;
    Ok(answer)
}

#[utoipa::path(get, path = "/api/v1/report/{year}", tag = "register",
    params(("year" = i16, Path, description = "The year reported, 2000 to 2100", minimum = 2000, maximum = 2100), SheetParams),
    responses((status = 200, description = "The DPO's annual report of the year (register, assessments, requests, incidents, follow-up), the year's bounds in Paris time",
                  content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/vnd.oasis.opendocument.text"))),
              (status = 400, description = "A year out of range, an unknown format or language", body = ApiError)),
    security(("bearer" = [])))]
pub async fn annual_report(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(year): Path<i16>,
    Query(p): Query<SheetParams>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.report.export")
        .await?;
    if !(2000..=2100).contains(&year) {
        return Err(ApiFailure::BadRequest("year: from 2000 to 2100".into()));
    }
    let format = printed_format(p.format.as_deref())?;
    let lang = lang_of(p.lang.as_deref())?;
    let frame = frame(&state, &ctx, lang).await?;
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC);
    let doc = crate::pages::report::build(&state, &ctx.scope, paris, &frame, year)
        .await
        .map_err(|e| match e {
            crate::error::PageError::Store(s) => s.into(),
            other => {
                tracing::error!("api: {other}");
                ApiFailure::Internal
            }
        })?;
    let file = format!("rapport-dpo-{}-{year}", ctx.tenant.slug);
    let answer = delivered(&doc, &file, format)?;
    ctx.trace(
        &state,
        "api.report.export",
        &format!("{year} {format}"),
        Outcome::Success,
    )
    .await?;
    Ok(answer)
}

/// Which version of an assessment, printed how.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DpiaDocumentParams {
    /// A version number; the latest when absent.
    #[param(minimum = 1)]
    pub version: Option<i64>,
    /// `pdf` (default) or `odt`.
    #[param(pattern = "^(pdf|odt)?$")]
    pub format: Option<String>,
    /// `fr` (default) or `en`.
    #[param(pattern = "^(fr|en)?$")]
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/register/{id}/dpia/export", tag = "register",
    params(("id" = i64, Path, description = "Activity id"), DpiaDocumentParams),
    responses((status = 200, description = "The activity's impact assessment (AIPD), one version, printed",
                  content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/vnd.oasis.opendocument.text"))),
              (status = 400, description = "An unknown format or language", body = ApiError),
              (status = 404, description = "No such activity, no assessment yet, or no such version", body = ApiError)),
    security(("bearer" = [])))]
pub async fn dpia_export(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    Query(p): Query<DpiaDocumentParams>,
) -> Result<Response, ApiFailure> {
    ctx.require(&state, Permission::Read, "api.dpia.export")
        .await?;
    let format = printed_format(p.format.as_deref())?;
    let lang = lang_of(p.lang.as_deref())?;
    let a = state.store.activity(&ctx.scope, ActivityId(id)).await?;
    let versions = state.store.dpia_versions(&ctx.scope, a.id).await?;
    let v = match p.version {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => versions.iter().max_by_key(|v| v.version),
    }
    .ok_or(ApiFailure::NotFound)?;
    let frame = frame(&state, &ctx, lang).await?;
    let doc = crate::pages::dpia::document(&frame, &a, v);
    let file = format!("aipd-{}-{}-v{}", ctx.tenant.slug, a.id, v.version);
    let answer = delivered(&doc, &file, format)?;
    ctx.trace(
        &state,
        "api.dpia.export",
        &format!("activity:{id}/v{}", v.version),
        Outcome::Success,
    )
    .await?;
    Ok(answer)
}
