//! The cookies Vigie sets, and why each is strictly necessary (ePrivacy
//! art. 5.3, CNIL guidelines): none needs consent, none tracks anyone.

use askama::Template;
use axum::{Extension, extract::State, response::Response};

use super::forms::render;
use crate::{
    AppState,
    client::{CSRF_COOKIE, Client, LANG_COOKIE, SESSION_COOKIE},
    csrf::CsrfToken,
    error::PageError,
    layout::Layout,
};

pub struct CookieRow {
    pub name: &'static str,
    pub purpose: &'static str,
    pub lifetime: String,
}

#[derive(Template)]
#[template(path = "cookies.html")]
struct CookiesPage {
    l: Layout,
    rows: Vec<CookieRow>,
}

pub async fn page(
    State(state): State<AppState>,
    client: Client,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, PageError> {
    let m = client.lang.msgs();
    let s = &state.settings;
    let rows = vec![
        CookieRow {
            name: SESSION_COOKIE,
            purpose: m.cookie_session,
            lifetime: m
                .cookie_session_lifetime
                .replace("{idle}", &s.session_idle.as_mins().to_string())
                .replace("{max}", &s.session_max.as_hours().to_string()),
        },
        CookieRow {
            name: CSRF_COOKIE,
            purpose: m.cookie_csrf,
            lifetime: m.cookie_browser_session.to_owned(),
        },
        CookieRow {
            name: LANG_COOKIE,
            purpose: m.cookie_lang,
            lifetime: m.cookie_one_year.to_owned(),
        },
    ];
    render(CookiesPage {
        l: Layout::anonymous(client.lang, m.cookies_title, &csrf.0, s.demo),
        rows,
    })
}
