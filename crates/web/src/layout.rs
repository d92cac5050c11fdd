//! What every page shares: language, navigation, tenant switcher,
//! pagination, dates in the reader's time zone.

use askama::Template;
use jiff::{Timestamp, tz::TimeZone};
use vigie_domain::{
    breach::{CnilClock, hours_and_minutes},
    page::Paged,
    role::{Permission, Role},
};

use crate::{
    auth::{SignedIn, TenantCtx},
    i18n::{Lang, Msgs},
};

pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

pub struct TenantLink {
    pub slug: String,
    pub name: String,
    pub current: bool,
}

/// The frame of a page.
/// A breach whose 72-hour clock runs, shown on every page of its tenant.
pub struct Alert {
    pub href: String,
    pub text: String,
    pub late: bool,
}

/// The clock as a sentence: time left, or how late.
pub fn breach_clock_text(m: &'static Msgs, i: &vigie_store::Incident, now: Timestamp) -> String {
    let left = CnilClock {
        awareness: i.aware_at,
    }
    .left(now);
    if left.is_negative() {
        m.breach_overdue.replace("{late}", &hours_and_minutes(left))
    } else {
        m.breach_left.replace("{left}", &hours_and_minutes(left))
    }
}

pub struct Layout {
    /// Seconds after which the page reloads itself (long work under way).
    pub refresh: Option<u32>,
    pub m: &'static Msgs,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub title: String,
    pub user_name: Option<String>,
    pub tenants: Vec<TenantLink>,
    pub nav: Vec<NavItem>,
    pub admin_nav: Vec<NavItem>,
    pub csrf: String,
    pub flash: Option<String>,
    /// The current path and query, URL-encoded, for the language switch
    /// to come back.
    pub here_encoded: String,
    pub demo: bool,
    /// Breach clocks running in the current tenant (C17).
    pub alerts: Vec<Alert>,
    time_zone: TimeZone,
}

/// A number a page counts things by (templates hand values or references).
pub trait Countable {
    fn amount(&self) -> i64;
}

macro_rules! countable {
    ($($t:ty),*) => {$(
        impl Countable for $t {
            fn amount(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
        impl Countable for &$t {
            fn amount(&self) -> i64 {
                i64::try_from(**self).unwrap_or(i64::MAX)
            }
        }
    )*};
}

countable!(i64, u64, usize, u32, i32);

/// Keeps `current` on the longest of the current items only.
fn only_most_specific(items: &mut [NavItem]) {
    let best = items
        .iter()
        .filter(|i| i.current)
        .map(|i| i.href.len())
        .max();
    for i in items.iter_mut() {
        i.current = i.current && Some(i.href.len()) == best;
    }
}

impl Layout {
    pub fn anonymous(lang: Lang, title: &str, csrf: &str, demo: bool) -> Self {
        Layout {
            m: lang.msgs(),
            lang: lang.code(),
            other_lang: lang.other().code(),
            title: title.to_owned(),
            user_name: None,
            tenants: Vec::new(),
            nav: Vec::new(),
            admin_nav: Vec::new(),
            csrf: csrf.to_owned(),
            flash: None,
            here_encoded: "%2F".into(),
            demo,
            alerts: Vec::new(),
            refresh: None,
            time_zone: paris(),
        }
    }

    pub fn signed_in(me: &SignedIn, current_tenant: Option<&str>, title: &str, demo: bool) -> Self {
        let lang = me.client.lang;
        let m = lang.msgs();
        let path = me.path.split('?').next().unwrap_or_default().to_owned();
        let item = |href: String, label| NavItem {
            current: path == href || (href.len() > 3 && path.starts_with(&format!("{href}/"))),
            href,
            label,
        };
        let mut nav = Vec::new();
        if let Some(slug) = current_tenant
            && let Some(mb) = me
                .memberships
                .iter()
                .find(|m| m.tenant.slug.as_str() == slug)
        {
            let base = format!("/t/{slug}");
            nav.push(item(base.clone(), m.nav_dashboard));
            if mb.roles.allows(Permission::Read) {
                nav.push(item(format!("{base}/registre"), m.nav_register));
                nav.push(item(format!("{base}/modeles"), m.nav_models));
                nav.push(item(format!("{base}/suivi"), m.follow_title));
                nav.push(item(format!("{base}/demandes"), m.nav_requests));
                nav.push(item(format!("{base}/incidents"), m.nav_incidents));
                nav.push(item(format!("{base}/sous-traitants"), m.nav_subprocessors));
                nav.push(item(format!("{base}/audits"), m.nav_audits));
                nav.push(item(format!("{base}/instructions"), m.nav_instructions));
                nav.push(item(format!("{base}/systemes"), m.nav_systems));
                nav.push(item(format!("{base}/conservation"), m.nav_retention));
                nav.push(item(format!("{base}/consentement"), m.nav_consent));
                nav.push(item(format!("{base}/users"), m.nav_users));
            }
            if mb.roles.allows(Permission::ReadTrail) {
                nav.push(item(format!("{base}/trail"), m.nav_trail));
            }
            if mb.roles.allows(Permission::ManageTokens) {
                nav.push(item(format!("{base}/tokens"), m.nav_tokens));
                nav.push(item(format!("{base}/webhooks"), m.nav_webhooks));
            }
        }
        // A shared DPO's organisations on one page.
        if me
            .memberships
            .iter()
            .filter(|x| x.roles.contains(vigie_domain::role::Role::Dpo))
            .count()
            > 1
        {
            nav.push(item("/dpo".into(), m.dpo_title));
        }
        nav.push(item("/account".into(), m.nav_account));
        // One item is the current page: the most specific (the dashboard
        // at /t/x is a prefix of every page of the tenant).
        only_most_specific(&mut nav);
        let admin_nav = if me.user.is_provider_admin {
            let mut admin = vec![item("/admin/tenants".into(), m.nav_tenants)];
            if let Some(own) = &me.provider_inbox {
                admin.push(item(format!("/t/{own}/demandes"), m.nav_provider_requests));
            }
            admin.extend([
                item("/admin/problemes".into(), m.nav_problems),
                item("/admin/sous-traitants".into(), m.nav_subprocessors),
                item(
                    "/admin/registre-sous-traitant".into(),
                    m.nav_processor_register,
                ),
                item("/admin/users".into(), m.nav_all_users),
                item("/admin/trail".into(), m.nav_trail),
                item("/admin/checkpoints".into(), m.nav_checkpoints),
                item("/admin/bases".into(), m.nav_targets),
                item("/admin/jetons".into(), m.nav_provider_tokens),
                item("/admin/sauvegardes".into(), m.nav_backups),
                item("/admin/conservation".into(), m.nav_own_data),
                item("/admin/jobs".into(), m.nav_jobs),
                item("/admin/outbox".into(), m.nav_outbox),
            ]);
            // The provider's requests are the tenant's page: its menu marks it.
            if nav.iter().any(|i| i.current) {
                admin.iter_mut().for_each(|i| i.current = false);
            }
            admin
        } else {
            Vec::new()
        };
        Layout {
            m,
            lang: lang.code(),
            other_lang: lang.other().code(),
            title: title.to_owned(),
            user_name: Some(me.user.name.as_str().to_owned()),
            tenants: me
                .memberships
                .iter()
                .map(|mb| TenantLink {
                    slug: mb.tenant.slug.to_string(),
                    name: mb.tenant.name.as_str().to_owned(),
                    current: Some(mb.tenant.slug.as_str()) == current_tenant,
                })
                .collect(),
            nav,
            admin_nav,
            csrf: me.csrf.clone(),
            flash: None,
            here_encoded: urlencoding::encode(&me.path).into_owned(),
            demo,
            alerts: Vec::new(),
            refresh: None,
            time_zone: TimeZone::get(&me.user.time_zone).unwrap_or_else(|_| paris()),
        }
    }

    pub fn for_tenant(ctx: &TenantCtx, title: &str, demo: bool) -> Self {
        let mut l = Self::signed_in(&ctx.me, Some(ctx.tenant.slug.as_str()), title, demo);
        let now = Timestamp::now();
        l.alerts = ctx
            .clocks
            .iter()
            .map(|i| Alert {
                href: format!("{}/incidents/{}", ctx.base(), i.id),
                text: format!("{} — {}", i.reference, breach_clock_text(l.m, i, now)),
                late: CnilClock {
                    awareness: i.aware_at,
                }
                .left(now)
                .is_negative(),
            })
            .collect();
        l
    }

    /// The language switch comes back to `path` (a public page: the
    /// person stays on their form or request).
    pub fn here(mut self, path: &str) -> Self {
        self.here_encoded = urlencoding::encode(path).into_owned();
        self
    }

    pub fn with_flash(mut self, flash: Option<&'static str>) -> Self {
        self.flash = flash.map(str::to_owned);
        self
    }

    /// An instant in the reader's time zone, in their language's format.
    /// "1 brouillon", "2 brouillons": French counts 0 and 1 as singular,
    /// English only 1.
    pub fn count(&self, n: impl Countable, one: &str, many: &str) -> String {
        let n = n.amount();
        let singular = if self.lang == "fr" {
            n.abs() < 2
        } else {
            n.abs() == 1
        };
        format!("{n} {}", if singular { one } else { many })
    }

    /// A calendar day as the reader's language writes it (a time limit, a
    /// due date): never a time of day it does not have.
    pub fn day(&self, d: jiff::civil::Date) -> String {
        let fmt = if self.lang == "fr" {
            "%d/%m/%Y"
        } else {
            "%Y-%m-%d"
        };
        d.strftime(fmt).to_string()
    }

    /// The day `t` falls on in the reader's time zone.
    pub fn day_of(&self, t: Timestamp) -> String {
        self.day(t.to_zoned(self.time_zone.clone()).date())
    }

    pub fn when(&self, t: Timestamp) -> String {
        let z = t.to_zoned(self.time_zone.clone());
        let fmt = if self.lang == "fr" {
            "%d/%m/%Y %H:%M:%S %Z"
        } else {
            "%Y-%m-%d %H:%M:%S %Z"
        };
        z.strftime(fmt).to_string()
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    pub fn role_label(&self, r: Role) -> &'static str {
        match r {
            Role::Dpo => self.m.role_dpo,
            Role::UserManager => self.m.role_user_manager,
            Role::Agent => self.m.role_agent,
            Role::Auditor => self.m.role_auditor,
        }
    }
}

fn paris() -> TimeZone {
    vigie_domain::time::legal_zone()
}

/// Links to the previous and next pages of a list, keeping its filters.
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `query` holds the list's filters, already URL-encoded, without `page`.
    pub fn new<T>(p: &Paged<T>, path: &str, query: &str) -> Self {
        let link = |n: u32| {
            if query.is_empty() {
                format!("{path}?page={n}")
            } else {
                format!("{path}?{query}&page={n}")
            }
        };
        Pager {
            page: p.page,
            pages: p.pages(),
            total: p.total,
            prev: (p.page > 1).then(|| link(p.page - 1)),
            next: p.has_next().then(|| link(p.page + 1)),
        }
    }
}

/// Builds a query string from filter pairs, skipping empty values.
pub fn query_of(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub l: Layout,
    pub text: String,
    pub back_href: String,
    pub back_label: String,
}

impl ErrorPage {
    pub fn new(lang: Lang, title: &str, text: impl Into<String>) -> Self {
        ErrorPage {
            l: Layout::anonymous(lang, title, "", false),
            text: text.into(),
            back_href: "/".into(),
            back_label: lang.msgs().back_home.into(),
        }
    }

    /// A page that leads back elsewhere than Vigie's home (a tenant's site).
    pub fn back_to(mut self, href: &str, label: &str) -> Self {
        self.back_href = href.into();
        self.back_label = label.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn counts_agree_with_their_noun_in_each_language() {
        let fr = Layout::anonymous(Lang::Fr, "", "", false);
        let en = Layout::anonymous(Lang::En, "", "", false);
        assert_eq!(fr.count(0_i64, "brouillon", "brouillons"), "0 brouillon");
        assert_eq!(fr.count(1_usize, "brouillon", "brouillons"), "1 brouillon");
        let two = 2_i64;
        let by_ref: &i64 = &two; // as a template hands it
        assert_eq!(fr.count(by_ref, "brouillon", "brouillons"), "2 brouillons");
        assert_eq!(en.count(0_u32, "draft", "drafts"), "0 drafts");
        assert_eq!(en.count(1_i32, "draft", "drafts"), "1 draft");
    }

    #[test]
    fn one_menu_item_is_current() {
        let item = |href: &str, current| NavItem {
            href: href.into(),
            label: "",
            current,
        };
        let mut nav = vec![
            item("/t/a", true),
            item("/t/a/registre", true),
            item("/t/a/suivi", false),
        ];
        only_most_specific(&mut nav);
        assert_eq!(
            nav.iter().map(|i| i.current).collect::<Vec<_>>(),
            [false, true, false]
        );
    }
}
