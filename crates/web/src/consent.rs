//! The consent banner's public side (C35, C36): its script and stylesheet
//! for a tenant's website, and the endpoint that records each choice —
//! outside the pages' CSRF guard (it is called from the tenant's site),
//! but only from that site's origin, small, and rate-limited per caller.

use std::{
    collections::HashMap,
    sync::Mutex,
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

/// Sites by key, read again after a few seconds: a changed notice version
/// reaches the endpoint within that time.
#[derive(Default)]
pub struct SiteCache(Mutex<HashMap<String, (Instant, vigie_store::ConsentSite)>>);

const SITE_FRESH: Duration = Duration::from_secs(5);

impl SiteCache {
    async fn get(
        &self,
        state: &AppState,
        key: &str,
    ) -> Result<vigie_store::ConsentSite, BannerRefusal> {
        let now = Instant::now();
        if let Ok(m) = self.0.lock()
            && let Some((at, site)) = m.get(key)
            && now.duration_since(*at) < SITE_FRESH
        {
            return Ok(site.clone());
        }
        let site = consent::site_of(state.ctx(), key).await?;
        if let Ok(mut m) = self.0.lock() {
            if m.len() > 10_000 {
                m.clear();
            }
            m.insert(key.to_owned(), (now, site.clone()));
        }
        Ok(site)
    }

    /// Forgets a site changed on this node (other nodes see it within
    /// `SITE_FRESH`).
    pub fn forget(&self, key: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(key);
        }
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/c/{key}/banner.js", get(script))
        .route("/c/{key}/banner.css", get(style))
        .route("/c/{key}/choix", axum::routing::post(record))
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
    let Ok(site) = consent::site_of(state.ctx(), &key).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Ok(tenant) = state.store.tenant(site.tenant).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let en = q.lang == "en";
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
        })
    };
    let cfg = serde_json::json!({
        "site": site.site_key,
        "version": site.notice_version,
        "endpoint": format!("{base}/c/{}/choix", site.site_key),
        "css": format!("{base}/c/{}/banner.css", site.site_key),
        "controller": tenant.name.as_str(),
        "policy": format!("{base}/p/{}/confidentialite", tenant.slug.as_str()),
        "lang": if en { "en" } else { "fr" },
        "purposes": site.purposes,
        "text": text,
    });
    // `</` cannot close anything inside a script, but is escaped anyway.
    let cfg = cfg.to_string().replace("</", "<\\/");
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        SCRIPT.replace("/*CONFIG*/ null", &cfg),
    )
        .into_response()
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

/// Records one choice (C35). The body is JSON sent as `text/plain`, so
/// that the browser sends it without a preflight; the site's origin is
/// the only one allowed to read the answer.
async fn record(
    State(state): State<AppState>,
    Path(key): Path<String>,
    client: Client,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fail = |status: StatusCode, m: String| {
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "error": m }).to_string(),
        )
            .into_response()
    };
    if body.len() > MAX_BODY {
        return fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("at most {MAX_BODY} bytes"),
        );
    }
    if !state.consent_limiter.allow(&key, &client.ip) {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "too many choices; wait a minute".into(),
        );
    }
    let input: ChoiceInput = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => return fail(StatusCode::BAD_REQUEST, format!("not a choice: {e}")),
    };
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    let prepared = match state.consent_sites.get(&state, &key).await {
        Ok(site) => {
            consent::choice_for_site(state.ctx(), &site, origin, &input, Timestamp::now()).await
        }
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
        Ok(c) => {
            let mut res = (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::json!({ "seq": c.record.seq, "kind": c.record.kind.as_str() })
                    .to_string(),
            )
                .into_response();
            if let Some(o) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
                res.headers_mut()
                    .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
            }
            res.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("Origin"));
            res
        }
        Err(e @ BannerRefusal::UnknownSite) => fail(StatusCode::NOT_FOUND, e.to_string()),
        Err(e @ BannerRefusal::WrongOrigin(_)) => fail(StatusCode::FORBIDDEN, e.to_string()),
        Err(e @ BannerRefusal::Invalid(_)) => fail(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e @ BannerRefusal::Unavailable(_)) => {
            fail(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
        }
    }
}
