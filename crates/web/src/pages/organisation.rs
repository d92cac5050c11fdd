//! The organisation sheet in the pages (issue 17): the controller, its
//! representative, the DPO with the CNIL's designation number and the
//! référent, typed once and used by every activity, export and the public
//! policy.

use std::collections::BTreeMap;

use askama::Template;
use axum::{Form, extract::State, http::StatusCode, response::Response};
use jiff::Timestamp;
use vigie_domain::{
    organisation::{OrganisationSheet, SheetProblem},
    role::Permission,
};
use vigie_service::register;

use super::forms::{FieldErrors, Typed, field_errors, render, render_status, see_other};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    layout::Layout,
};

#[derive(Template)]
#[template(path = "organisation.html")]
struct SheetPage {
    l: Layout,
    action: String,
    typed: Typed,
    errors: FieldErrors,
    can_write: bool,
    updated: String,
    /// (legend, [(field, label)]) in the sheet's order.
    groups: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
}

/// The form's fields are the sheet's own names: the sheet as pairs, and
/// back (a field not sent is empty).
fn pairs_of(s: &OrganisationSheet) -> Vec<(String, String)> {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
            .collect(),
        _ => Vec::new(),
    }
}

fn sheet_of(pairs: &[(String, String)]) -> OrganisationSheet {
    let m: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .filter(|(k, _)| k != "csrf")
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::from_value(serde_json::Value::Object(m)).unwrap_or_default()
}

async fn page(
    state: &AppState,
    ctx: &TenantCtx,
    typed: Option<Typed>,
    errors: BTreeMap<&'static str, String>,
) -> Result<SheetPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, m.org_title, state.settings.demo);
    let stored = state.store.organisation_sheet(&ctx.scope).await?;
    let updated = stored
        .as_ref()
        .map(|s| format!("{} — {}", l.when(s.updated_at), s.updated_by))
        .unwrap_or_default();
    let typed = typed.unwrap_or_else(|| {
        let sheet = stored
            .map(|s| s.sheet)
            .unwrap_or_else(|| OrganisationSheet {
                legal_name: ctx.tenant.name.as_str().to_owned(),
                ..OrganisationSheet::default()
            });
        Typed::of(&pairs_of(&sheet))
    });
    let groups = vec![
        (
            m.org_controller,
            vec![
                ("legal_name", m.org_legal_name),
                ("address", m.org_address),
                ("siren", m.org_siren),
                ("representative", m.org_representative),
                ("representative_title", m.org_representative_title),
            ],
        ),
        (
            m.org_dpo,
            vec![
                ("dpo_name", m.org_dpo_name),
                ("dpo_contact", m.org_dpo_contact),
                ("dpo_designation", m.org_dpo_designation),
            ],
        ),
        (
            m.org_referent,
            vec![
                ("referent_name", m.org_referent_name),
                ("referent_contact", m.org_referent_contact),
            ],
        ),
    ];
    Ok(SheetPage {
        groups,
        action: format!("{}/organisme", ctx.base()),
        can_write: ctx.scope.allows(Permission::Write),
        typed,
        errors: FieldErrors(errors),
        updated,
        l,
    })
}

pub async fn show(State(state): State<AppState>, ctx: TenantCtx) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "organisation.read").await?;
    let p = page(&state, &ctx, None, BTreeMap::new()).await?;
    ctx.trace(
        &state,
        "organisation.read",
        &format!("tenant:{}", ctx.tenant.id),
    )
    .await?;
    render(p)
}

pub async fn save(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Write, "organisation.save").await?;
    let m = ctx.me.client.lang.msgs();
    let sheet = sheet_of(&pairs);
    // Every wrong field said beside it (the service refuses the same).
    let problems = sheet.clone().normalised().problems();
    if !problems.is_empty() {
        let errors = problems
            .iter()
            .map(|p| {
                let text = match p {
                    SheetProblem::LegalName => m.org_err_legal_name,
                    SheetProblem::Siren => m.org_err_siren,
                    SheetProblem::TooLong(_) => m.org_err_too_long,
                    SheetProblem::DpoContact => m.org_err_dpo_contact,
                };
                (p.field(), text.to_owned())
            })
            .collect();
        let p = page(&state, &ctx, Some(Typed::of(&pairs)), errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, p);
    }
    let by = ctx.me.user.name.as_str().to_owned();
    match register::save_sheet(state.ctx(), &ctx.scope, sheet, &by, Timestamp::now()).await {
        Ok(_) => {
            ctx.trace(
                &state,
                "organisation.save",
                &format!("tenant:{}", ctx.tenant.id),
            )
            .await?;
            Ok(see_other(&format!("{}/organisme", ctx.base()), "saved"))
        }
        Err(e) => {
            let errors = field_errors(m, e)?;
            let p = page(&state, &ctx, Some(Typed::of(&pairs)), errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, p)
        }
    }
}
