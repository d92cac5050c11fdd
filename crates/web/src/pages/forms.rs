//! Helpers shared by form handlers: rendering, redirects, flash messages.

use askama::Template;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use vigie_domain::{
    page::Page,
    role::{Role, Roles},
};

use crate::{error::PageError, i18n::Msgs};

pub fn render(t: impl Template) -> Result<Response, PageError> {
    Ok(Html(t.render()?).into_response())
}

pub fn render_status(
    status: axum::http::StatusCode,
    t: impl Template,
) -> Result<Response, PageError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// After a successful POST: back to a page, with a message key.
pub fn see_other(to: &str, flash: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{to}{sep}flash={flash}")).into_response()
}

/// The messages a redirect may carry, by key.
pub fn flash_text(m: &'static Msgs, key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "user_added" => m.user_added,
        "user_granted_existing" => m.user_granted_existing,
        "user_invited" => m.user_invited,
        "user_already_member" => m.user_already_member,
        "invitation_withdrawn" => m.invitation_withdrawn,
        "invitation_accepted" => m.invitation_accepted,
        "invitation_declined" => m.invitation_declined,
        "roles_saved" => m.user_roles_saved,
        "user_removed" => m.user_removed,
        "user_disabled" => m.user_disabled_done,
        "user_enabled" => m.user_enabled_done,
        "reset_sent" => m.user_reset_sent,
        "reset_done" => m.reset_done,
        "saved" => m.saved,
        "deleted" => m.deleted,
        "password_changed" => m.password_changed,
        "tenant_created" => m.tenant_created,
        "no_tenant" => m.no_tenant,
        "recorded" => m.request_recorded,
        "done" => m.request_done,
        "forwarded" => m.request_forwarded,
        "forwarded_nobody" => m.request_forwarded_nobody,
        "system_saved" => m.system_saved,
        "scan_queued" => m.scan_queued,
        "scan_accepted" => m.scan_accepted,
        "notified" => m.sp_notified,
        "sweep_queued" => m.retention_sweep_queued,
        "copy_queued" => m.copy_queued_flash,
        "webhook_pinged" => m.webhook_pinged,
        "webhook_redelivered" => m.webhook_redelivered,
        _ => return None,
    })
}

/// `?flash=…` of a page a form redirects to.
#[derive(Debug, Default, Deserialize)]
pub struct FlashQuery {
    pub flash: Option<String>,
}

/// `?q=…&page=…&flash=…` of list pages.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
    pub flash: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> Page {
        Page::new(self.page, self.page_size)
    }
}

/// Role checkboxes of a form (`role_dpo=on`…): distinct names so that
/// the form decodes without JavaScript or repeated keys.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RoleBoxes {
    pub role_dpo: Option<String>,
    pub role_user_manager: Option<String>,
    pub role_agent: Option<String>,
    pub role_auditor: Option<String>,
}

impl RoleBoxes {
    pub fn roles(&self) -> Roles {
        let mut v = Vec::new();
        for (set, r) in [
            (&self.role_dpo, Role::Dpo),
            (&self.role_user_manager, Role::UserManager),
            (&self.role_agent, Role::Agent),
            (&self.role_auditor, Role::Auditor),
        ] {
            if set.is_some() {
                v.push(r);
            }
        }
        Roles::new(v)
    }
}

/// A role checkbox as a template shows it.
pub struct RoleChoice {
    pub name: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub fn role_choices(m: &'static Msgs, roles: &Roles) -> Vec<RoleChoice> {
    [
        (Role::Dpo, "role_dpo", m.role_dpo),
        (Role::UserManager, "role_user_manager", m.role_user_manager),
        (Role::Agent, "role_agent", m.role_agent),
        (Role::Auditor, "role_auditor", m.role_auditor),
    ]
    .into_iter()
    .map(|(r, name, label)| RoleChoice {
        name,
        label,
        checked: roles.contains(r),
    })
    .collect()
}

/// Roles as a readable list.
pub fn roles_text(l: &crate::layout::Layout, roles: &Roles) -> String {
    roles
        .iter()
        .map(|r| l.role_label(r))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A safe place to go after sign-in: only a path of this site. Browsers
/// drop tabs and line breaks from a URL and read `\` as `/`, so
/// `/<tab>/evil.example` would leave the site: any control character,
/// space or backslash sends home instead (issue 12).
pub fn local_path(next: &str) -> &str {
    let odd = next
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if !odd && next.starts_with('/') && !next.starts_with("//") {
        next
    } else {
        "/"
    }
}

/// The first value of a field in urlencoded pairs (forms with checkbox
/// groups repeat their keys, so they are read as pairs).
pub fn field(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(key, _)| key == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Whether a checkbox was ticked.
pub fn ticked(pairs: &[(String, String)], k: &str) -> bool {
    pairs.iter().any(|(key, _)| key == k)
}

/// A refusal of processors linked to the registry, in the reader's words.
pub fn link_refusal(m: &'static Msgs, r: &vigie_domain::register::LinkRefusal) -> String {
    use vigie_domain::register::LinkRefusal;
    match r {
        LinkRefusal::NotServing(_) => m.act_link_not_serving.to_owned(),
        LinkRefusal::UnrecordedTransfer {
            name,
            country,
            site,
        } => m
            .act_link_transfer
            .replace("{name}", name)
            .replace("{country}", country)
            .replace("{site}", site),
    }
}

/// A use case's refusal, on its field; other failures become the error
/// page.
pub fn field_errors(
    m: &'static Msgs,
    e: vigie_service::ServiceError,
) -> Result<std::collections::BTreeMap<&'static str, String>, crate::error::PageError> {
    use vigie_domain::{audits::AuditRefusal, subprocessor::TransferRefusal};
    use vigie_service::ServiceError;
    use vigie_store::StoreError;
    match e {
        ServiceError::Transfer(TransferRefusal::NoSafeguard { country }) => Ok([(
            "safeguard",
            m.guard_no_safeguard.replace("{country}", &country),
        )]
        .into()),
        ServiceError::Transfer(TransferRefusal::DerogationForRegularTransfer { country }) => {
            Ok([(
                "safeguard",
                m.guard_derogation.replace("{country}", &country),
            )]
            .into())
        }
        ServiceError::Audit(AuditRefusal::NoticeTooShort { earliest }) => Ok([(
            "planned_on",
            m.audit_notice_too_short
                .replace("{date}", &earliest.to_string()),
        )]
        .into()),
        ServiceError::Audit(AuditRefusal::OnePerYear { last, next }) => Ok([(
            "planned_on",
            m.audit_one_per_year
                .replace("{last}", &last.to_string())
                .replace("{next}", &next.to_string()),
        )]
        .into()),
        ServiceError::Link(r) => Ok([(r.field(), link_refusal(m, &r))].into()),
        ServiceError::Invalid { field, message } => Ok([(field, message)].into()),
        ServiceError::Fields(all) => Ok(all.into_iter().collect()),
        ServiceError::Store(StoreError::Conflict(m)) => Ok([("state", m)].into()),
        ServiceError::Store(e) => Err(e.into()),
        e => Err(crate::error::PageError::Internal(e.to_string())),
    }
}

/// Errors of a form, by field, for the template (`errors.field("name")`).
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub std::collections::BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What was typed in a form, by field, to redraw it (`typed.get("name")`).
#[derive(Debug, Default, Clone)]
pub struct Typed(pub std::collections::BTreeMap<String, String>);

impl Typed {
    pub fn of(pairs: &[(String, String)]) -> Self {
        Typed(pairs.iter().cloned().collect())
    }
    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(local_path("/t/a"), "/t/a");
        assert_eq!(local_path("//evil.example"), "/");
        assert_eq!(local_path("https://evil.example"), "/");
        assert_eq!(local_path("/\\evil.example"), "/");
        // Issue 12: what browsers drop or turn into a slash.
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/x\\..\\/evil",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
        assert_eq!(local_path("/t/a/registre?q=x"), "/t/a/registre?q=x");
    }
}
