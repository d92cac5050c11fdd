//! The consent banner's public side (C35, C36): its script and stylesheet
//! for a tenant's website, and the endpoint that records each choice —
//! outside the pages' CSRF guard (it is called from the tenant's site),
//! but only from that site's origin, small, and rate-limited per caller.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_domain::consent::Category;
use vigie_service::consent::{self, BannerRefusal, ChoiceInput};

use crate::{AppState, client::Client};

const SCRIPT: &str = include_str!("../static/banner.js");
const STYLE: &str = include_str!("../static/banner.css");
/// A choice is a few hundred bytes; anything bigger is not one.
const MAX_BODY: usize = 4096;
/// Choices one caller may send to one site per minute.
const PER_MINUTE: u32 = 30;

/// Values by key kept a few seconds: a changed site (a new notice
/// version) reaches the endpoint and the banner within that time, and a
/// site at its peak costs no read per visitor.
pub struct Fresh<V>(Mutex<HashMap<String, (Instant, Arc<V>)>>);

impl<V> Default for Fresh<V> {
    fn default() -> Self {
        Fresh(Mutex::new(HashMap::new()))
    }
}

const SITE_FRESH: Duration = Duration::from_secs(5);

impl<V> Fresh<V> {
    async fn get<E, F>(&self, key: &str, make: F) -> Result<Arc<V>, E>
    where
        F: Future<Output = Result<V, E>>,
    {
        let now = Instant::now();
        if let Ok(m) = self.0.lock()
            && let Some((at, v)) = m.get(key)
            && now.duration_since(*at) < SITE_FRESH
        {
            return Ok(v.clone());
        }
        let v = Arc::new(make.await?);
        if let Ok(mut m) = self.0.lock() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(key.to_owned(), (now, v.clone()));
        }
        Ok(v)
    }

    fn forget_where(&self, f: impl Fn(&str) -> bool) {
        if let Ok(mut m) = self.0.lock() {
            m.retain(|k, _| !f(k));
        }
    }
}

/// What the public side keeps of each site: the site, and its banner per
/// language.
#[derive(Default)]
pub struct SiteCache {
    sites: Fresh<vigie_store::ConsentSite>,
    scripts: Fresh<String>,
}

impl SiteCache {
    /// The site of a banner key, kept `SITE_FRESH`.
    async fn site(
        &self,
        state: &AppState,
        key: &str,
    ) -> Result<Arc<vigie_store::ConsentSite>, BannerRefusal> {
        self.sites
            .get(key, consent::site_of(state.ctx(), key))
            .await
    }

    /// Forgets a site changed on this node (other nodes see it within
    /// `SITE_FRESH`).
    pub fn forget(&self, key: &str) {
        self.sites.forget_where(|k| k == key);
        self.scripts
            .forget_where(|k| k.split_once('|').is_some_and(|(site, _)| site == key));
    }
}

/// Counts calls per (site, caller) in one-minute windows.
#[derive(Default)]
pub struct Limiter(Mutex<HashMap<(String, String), (Instant, u32)>>);

impl Limiter {
    /// Whether one more call is allowed now.
    fn allow(&self, site: &str, caller: &str) -> bool {
        let Ok(mut m) = self.0.lock() else {
            return false;
        };
        let now = Instant::now();
        if m.len() > 100_000 {
            m.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let slot = m
            .entry((site.to_owned(), caller.to_owned()))
            .or_insert((now, 0));
        if now.duration_since(slot.0) >= Duration::from_secs(60) {
            *slot = (now, 0);
        }
        slot.1 += 1;
        slot.1 <= PER_MINUTE
    }
}

/// The tags a site puts in its pages' `<head>`: the stylesheet first, so
/// the banner never shows unstyled and loads in parallel with the page,
/// then the script, run once the page is parsed.
pub fn snippet(base: &str, key: &str) -> String {
    let base = base.trim_end_matches('/');
    format!(
        "<link rel=\"stylesheet\" href=\"{base}/c/{key}/banner.css\">\
         <script src=\"{base}/c/{key}/banner.js\" defer></script>"
    )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/c/{key}/banner.js", get(script))
        .route("/c/{key}/banner.css", get(style))
        .route("/c/{key}/choix", axum::routing::post(record))
        .route("/c/{key}/opposition", axum::routing::post(opposition))
}

#[derive(Deserialize)]
pub struct BannerQuery {
    #[serde(default)]
    lang: String,
}

fn purpose_text(en: bool, c: Category) -> &'static str {
    match (c, en) {
        (Category::Necessary, false) => "Strictement nécessaires (toujours actifs)",
        (Category::Necessary, true) => "Strictly necessary (always on)",
        (Category::Performance, false) => "Mesure d'audience",
        (Category::Performance, true) => "Audience measurement",
        (Category::Functional, false) => "Fonctionnalités",
        (Category::Functional, true) => "Features",
        (Category::Advertising, false) => "Publicité",
        (Category::Advertising, true) => "Advertising",
        (Category::ThirdParty, false) => "Contenus de tiers (vidéos, cartes…)",
        (Category::ThirdParty, true) => "Third-party content (videos, maps…)",
    }
}

/// The banner for one site, its configuration written in.
async fn script(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(q): Query<BannerQuery>,
) -> Response {
    let en = q.lang == "en";
    let cache_key = format!("{key}|{}", if en { "en" } else { "fr" });
    let made = state
        .consent_sites
        .scripts
        .get(&cache_key, banner_script(&state, &key, en))
        .await;
    match made {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            body.as_str().to_owned(),
        )
            .into_response(),
        Err(status) => status.into_response(),
    }
}

async fn banner_script(state: &AppState, key: &str, en: bool) -> Result<String, StatusCode> {
    let site = consent::site_of(state.ctx(), key)
        .await
        .map_err(|e| match e {
            BannerRefusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::NOT_FOUND,
        })?;
    let tenant = state.store.tenant(site.tenant).await.map_err(|e| match e {
        vigie_store::StoreError::NotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    })?;
    let base = state.settings.base_url.trim_end_matches('/');
    let purposes: serde_json::Map<String, serde_json::Value> = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), purpose_text(en, *c).into()))
        .collect();
    let text = if en {
        serde_json::json!({
            "title": "Your choices on this site",
            "intro": "{controller} uses cookies and similar trackers on this site. Only the strictly necessary ones work without your consent; choose for the others, purpose by purpose.",
            "consequences": "Refusing changes nothing you can do on the site; some videos or measurements simply stay off.",
            "withdraw": "Your choice holds 13 months on this site only; you can change it at any time with the « Cookie settings » link.",
            "policy": "Privacy and cookie policy",
            "accept": "Accept all", "refuse": "Refuse all", "save": "Save my choices",
            "manage": "Cookie settings", "purposes": purposes,
            "opposed": "Your objection to solicitation is recorded.",
            "not_opposed": "Your objection could not be recorded:",
        })
    } else {
        serde_json::json!({
            "title": "Vos choix sur ce site",
            "intro": "{controller} utilise des cookies et traceurs sur ce site. Seuls ceux strictement nécessaires fonctionnent sans votre accord ; choisissez pour les autres, finalité par finalité.",
            "consequences": "Refuser ne change rien à ce que vous pouvez faire sur le site ; certaines vidéos ou mesures restent simplement désactivées.",
            "withdraw": "Votre choix vaut 13 mois pour ce site seulement ; vous pouvez le modifier à tout moment avec le lien « Gérer les cookies ».",
            "policy": "Politique de confidentialité et cookies",
            "accept": "Tout accepter", "refuse": "Tout refuser", "save": "Enregistrer mes choix",
            "manage": "Gérer les cookies", "purposes": purposes,
            "opposed": "Votre opposition à la prospection est enregistrée.",
            "not_opposed": "Votre opposition n'a pas pu être enregistrée :",
        })
    };
    let cfg = serde_json::json!({
        "site": site.site_key,
        "version": site.notice_version,
        "endpoint": format!("{base}/c/{}/choix", site.site_key),
        "css": format!("{base}/c/{}/banner.css", site.site_key),
        "opposition": format!("{base}/c/{}/opposition", site.site_key),
        "controller": tenant.name.as_str(),
        "policy": format!("{base}/p/{}/confidentialite", tenant.slug.as_str()),
        "lang": if en { "en" } else { "fr" },
        "purposes": site.purposes,
        "text": text,
    });
    // `</` cannot close anything inside a script, but is escaped anyway.
    let cfg = cfg.to_string().replace("</", "<\\/");
    Ok(SCRIPT.replace("/*CONFIG*/ null", &cfg))
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

/// What a site's form objecting to solicitation sends (C37).
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct OppositionInput {
    /// `email`, `sms` or `phone`.
    #[serde(default)]
    channel: String,
    /// The address or number (a French number for SMS and phone).
    #[serde(default)]
    value: String,
    /// `fr` (default) or `en`: the language of the page answered to a
    /// plain form.
    #[serde(default)]
    lang: String,
}

/// A visitor's choice, as the banner sends it (C35).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct BannerChoice {
    /// The device's random identifier, kept by the banner (16–64 letters,
    /// digits or dashes).
    device: String,
    /// Per optional purpose of the site, given or not.
    choices: std::collections::BTreeMap<String, bool>,
    /// The notice version the banner showed: a choice on an older one is
    /// refused (the visitor is asked again).
    notice_version: String,
}

impl From<BannerChoice> for ChoiceInput {
    fn from(b: BannerChoice) -> Self {
        ChoiceInput {
            device: b.device,
            choices: b.choices,
            notice_version: b.notice_version,
        }
    }
}

/// An objection from a form on the tenant's site (C37). A plain form
/// (no JavaScript) posts here and gets a page leading back to the site;
/// the banner's script posts JSON as `text/plain` and gets JSON.
#[utoipa::path(post, path = "/c/{key}/opposition", tag = "consent (public, per site)",
    params(("key" = String, Path, description = "The site's public key")),
    request_body(content = OppositionInput, content_type = "text/plain",
        description = "JSON sent as text/plain (no preflight), or the same fields as application/x-www-form-urlencoded from a plain form"),
    responses((status = 201, description = "On the tenant's suppression list (JSON call)"),
              (status = 200, description = "On the list: a page leading back to the site (plain form)"),
              (status = 400, description = "Not an objection: channel or value wrong", body = PublicError),
              (status = 403, description = "Not from the site's origin", body = PublicError),
              (status = 404, description = "No such site", body = PublicError),
              (status = 413, body = PublicError), (status = 429, body = PublicError)))]
pub async fn opposition(
    State(state): State<AppState>,
    Path(key): Path<String>,
    client: Client,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let plain_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let input: Result<OppositionInput, String> = if plain_form {
        serde_urlencoded::from_bytes(&body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    };
    let lang = match input.as_ref().map(|i| i.lang.as_str()) {
        Ok("en") => crate::i18n::Lang::En,
        Ok("fr") => crate::i18n::Lang::Fr,
        _ => client.lang,
    };
    let outcome = if body.len() > MAX_BODY {
        Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_BODY} bytes"),
        ))
    } else if !state
        .consent_limiter
        .allow(&format!("{key}|opposition"), &client.ip)
    {
        Err((
            StatusCode::TOO_MANY_REQUESTS,
            "too many calls; wait a minute".into(),
        ))
    } else {
        match input {
            Err(e) => Err((StatusCode::BAD_REQUEST, format!("not an objection: {e}"))),
            Ok(i) => {
                let site = state.consent_sites.site(&state, &key).await;
                let done = match site {
                    Ok(site) => {
                        consent::object_from_site(
                            state.ctx(),
                            &site,
                            origin,
                            &i.channel,
                            &i.value,
                            Timestamp::now(),
                        )
                        .await
                    }
                    Err(e) => Err(e),
                };
                done.map(|_| ())
                    .map_err(|e| (refusal_status(&e), e.to_string()))
            }
        }
    };
    if !plain_form {
        return match outcome {
            Ok(()) => with_cors(
                (
                    StatusCode::CREATED,
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"recorded":true}"#,
                )
                    .into_response(),
                origin,
            ),
            Err((status, m)) => json_error(status, m),
        };
    }
    let m = lang.msgs();
    // Back to the site the form was on; never to a place the caller names.
    let site_origin = state
        .consent_sites
        .site(&state, &key)
        .await
        .map(|s| s.origin.clone())
        .unwrap_or_else(|_| "/".into());
    let (status, page) = match outcome {
        Ok(()) => (
            StatusCode::OK,
            crate::layout::ErrorPage::new(lang, m.consent_opposed, m.consent_opposed_text),
        ),
        Err((status, e)) => (
            status,
            crate::layout::ErrorPage::new(lang, m.consent_not_opposed, e),
        ),
    };
    match askama::Template::render(&page.back_to(&site_origin, m.consent_back_to_site)) {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => (status, m.consent_not_opposed).into_response(),
    }
}

/// Records one choice (C35). The body is JSON sent as `text/plain`, so
/// that the browser sends it without a preflight; the site's origin is
/// the only one allowed to read the answer.
#[utoipa::path(post, path = "/c/{key}/choix", tag = "consent (public, per site)",
    params(("key" = String, Path, description = "The site's public key")),
    request_body(content = BannerChoice, content_type = "text/plain",
        description = "JSON sent as text/plain, so that browsers send it without a preflight; at most 4 KiB, 30 a minute per caller, only from the site's declared origin"),
    responses((status = 201, description = "Recorded and chained: its place and what it amounts to (`accept_all`, `refuse_all`, `partial`, `withdraw`)", body = Object),
              (status = 400, description = "Not a choice, a purpose the site does not use, or an older notice version", body = PublicError),
              (status = 403, description = "Not from the site's origin", body = PublicError),
              (status = 404, description = "No such site", body = PublicError),
              (status = 413, body = PublicError), (status = 429, body = PublicError),
              (status = 503, description = "Not recorded: Vigie's database did not answer", body = PublicError)))]
pub async fn record(
    State(state): State<AppState>,
    Path(key): Path<String>,
    client: Client,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if body.len() > MAX_BODY {
        return json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_BODY} bytes"),
        );
    }
    if !state.consent_limiter.allow(&key, &client.ip) {
        return json_error(
            StatusCode::TOO_MANY_REQUESTS,
            "too many choices; wait a minute".into(),
        );
    }
    let input: ChoiceInput = match serde_json::from_slice::<BannerChoice>(&body) {
        Ok(i) => i.into(),
        Err(e) => return json_error(StatusCode::BAD_REQUEST, format!("not a choice: {e}")),
    };
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let site = state.consent_sites.site(&state, &key).await;
    let prepared = match site {
        Ok(site) => consent::choice_for_site(&site, origin, &input, Timestamp::now()),
        Err(e) => Err(e),
    };
    let recorded = match prepared {
        Ok((scope, record)) => state
            .consent_writer
            .append(scope, record)
            .await
            .map_err(|e| BannerRefusal::Unavailable(e.to_string())),
        Err(e) => Err(e),
    };
    match recorded {
        Ok(c) => with_cors(
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({ "seq": c.record.seq, "kind": c.record.kind.as_str() })
                    .to_string(),
            )
                .into_response(),
            origin,
        ),
        Err(e) => json_error(refusal_status(&e), e.to_string()),
    }
}

/// A refusal of the public endpoints, said for the site's developer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PublicError {
    error: String,
}

fn json_error(status: StatusCode, error: String) -> Response {
    (status, axum::Json(PublicError { error })).into_response()
}

fn refusal_status(e: &BannerRefusal) -> StatusCode {
    match e {
        BannerRefusal::UnknownSite => StatusCode::NOT_FOUND,
        BannerRefusal::WrongOrigin(_) => StatusCode::FORBIDDEN,
        BannerRefusal::Invalid(_) => StatusCode::BAD_REQUEST,
        BannerRefusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// Only the site's own origin may read the answer (the refusal reached it
/// before any write otherwise).
fn with_cors(mut res: Response, origin: Option<&str>) -> Response {
    if let Some(o) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        res.headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
    }
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Origin"));
    res
}
