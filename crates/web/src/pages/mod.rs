//! The HTML pages, one module per area.

mod account;
pub(crate) mod activity_text;
pub(crate) mod admin;
mod api_docs;
mod assets;
mod backups;
pub(crate) mod clients;
mod consent;
mod cookies;
mod dataset_guide;
pub(crate) mod dpia;
mod dpo;
mod followup;
pub(crate) use followup::document_download;
pub(crate) use register::download;
mod forms;
mod home;
mod incidents;
mod invitation;
pub mod invite;
mod models;
mod organisation;
mod own_data;
mod partner;
mod problems;
pub(crate) mod public;
mod register;
mod register_form;
pub(crate) mod report;
mod request_form;
pub(crate) mod requests;
pub(crate) mod retention;
mod sign_in;
mod subprocessors;
mod systems;
mod targets;
mod tokens;
mod trail;
mod users;
mod webhooks;

use axum::{
    Router,
    routing::{get, post},
};

use crate::{AppState, error};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/switch", get(home::switch))
        .route("/lang/{code}", get(home::lang))
        .route("/healthz", get(home::health))
        .route("/cookies", get(cookies::page))
        .route("/api", get(api_docs::page))
        .route("/static/{file}", get(assets::file))
        .route("/sign-in", get(sign_in::page).post(sign_in::submit))
        .route("/sign-out", post(sign_in::sign_out))
        .route(
            "/password/forgot",
            get(sign_in::forgot_page).post(sign_in::forgot),
        )
        .route(
            "/password/reset/{token}",
            get(sign_in::reset_page).post(sign_in::reset),
        )
        .route("/account", get(account::page))
        .route("/invitations/{token}", get(invitation::page))
        .route("/invitations/{token}/accept", post(invitation::accept))
        .route("/invitations/{token}/decline", post(invitation::decline))
        .route("/account/preferences", post(account::preferences))
        .route("/account/password", post(account::password))
        .route(
            "/account/totp",
            get(account::totp_setup).post(account::totp_enable),
        )
        .route("/account/totp/disable", post(account::totp_disable))
        .route("/p/{tenant}/droits", get(public::form).post(public::submit))
        .route("/fin-de-contrat/{token}", get(public::reversibility))
        .route(
            "/prestataire/incident",
            get(partner::provider_form).post(partner::provider_submit),
        )
        .route(
            "/prestataire/incident/{token}",
            get(partner::provider_code_form).post(partner::provider_confirm),
        )
        .route(
            "/p/{tenant}/incident",
            get(partner::form).post(partner::submit),
        )
        .route(
            "/p/{tenant}/incident/{token}",
            get(partner::code_form).post(partner::confirm),
        )
        .route(
            "/p/{tenant}/demande/{token}",
            get(public::status).post(public::confirm),
        )
        .route("/p/{tenant}/demande/{token}/reponse", post(public::reply))
        .route("/p/{tenant}/export/{token}", get(public::export_page))
        .route(
            "/p/{tenant}/export/{token}/{file}",
            get(public::export_file),
        )
        .route("/p/{tenant}/confidentialite", get(public::policy))
        .route("/p/{tenant}/site-demo", get(public::demo_site))
        .route("/t/{tenant}", get(home::dashboard))
        .route("/dpo", get(dpo::overview))
        .route(
            "/t/{tenant}/registre",
            get(register::list).post(register::create),
        )
        .route("/t/{tenant}/registre/nouveau", get(register::new_form))
        .route(
            "/t/{tenant}/organisme",
            get(organisation::show).post(organisation::save),
        )
        .route("/t/{tenant}/registre/historique", get(register::history))
        .route("/t/{tenant}/registre/export.csv", get(register::export_csv))
        .route(
            "/t/{tenant}/registre/export.json",
            get(register::export_json),
        )
        .route("/t/{tenant}/registre/export.pdf", get(register::export_pdf))
        .route("/t/{tenant}/registre/export.odt", get(register::export_odt))
        .route(
            "/t/{tenant}/registre/{id}/fiche.pdf",
            get(register::activity_pdf),
        )
        .route(
            "/t/{tenant}/registre/{id}/fiche.odt",
            get(register::activity_odt),
        )
        .route(
            "/t/{tenant}/registre/{id}",
            get(register::show).post(register::save),
        )
        .route("/t/{tenant}/registre/{id}/versions", get(register::compare))
        .route(
            "/t/{tenant}/registre/{id}/aipd",
            get(dpia::show).post(dpia::save),
        )
        .route("/t/{tenant}/registre/{id}/aipd.pdf", get(dpia::pdf))
        .route(
            "/t/{tenant}/suivi",
            get(followup::list).post(followup::create),
        )
        .route("/t/{tenant}/suivi/{id}/cloture", post(followup::close))
        .route("/t/{tenant}/rapport-annuel", get(report::show))
        .route(
            "/t/{tenant}/rapport-annuel/{year}/{format}",
            get(report::print),
        )
        .route(
            "/t/{tenant}/suivi/preuves",
            get(followup::evidence_list).post(followup::evidence_upload),
        )
        .route(
            "/t/{tenant}/suivi/preuves/{id}",
            get(followup::evidence_file),
        )
        .route(
            "/t/{tenant}/suivi/preuves/{id}/supprimer",
            post(followup::evidence_delete),
        )
        .route("/t/{tenant}/registre/{id}/aipd.odt", get(dpia::odt))
        .route(
            "/t/{tenant}/sous-traitants",
            get(subprocessors::tenant_list),
        )
        .route(
            "/t/{tenant}/incidents",
            get(incidents::list).post(incidents::declare),
        )
        .route("/t/{tenant}/incidents/{id}", get(incidents::show))
        .route(
            "/t/{tenant}/incidents/{id}/notification",
            get(incidents::notification),
        )
        .route("/t/{tenant}/incidents/{id}/{action}", post(incidents::act))
        .route(
            "/t/{tenant}/audits",
            get(clients::audits_list).post(clients::audits_create),
        )
        .route(
            "/t/{tenant}/instructions",
            get(clients::instructions_list).post(clients::instructions_create),
        )
        .route(
            "/admin/registre-sous-traitant",
            get(clients::processor_register),
        )
        .route(
            "/admin/modeles",
            get(models::admin_list).post(models::admin_publish),
        )
        .route(
            "/t/{tenant}/conservation",
            get(retention::list).post(retention::create),
        )
        .route("/t/{tenant}/conservation/balayer", post(retention::sweep))
        .route("/t/{tenant}/consentement", get(consent::list))
        .route("/t/{tenant}/consentement/sites", post(consent::create_site))
        .route(
            "/t/{tenant}/consentement/sites/{id}",
            post(consent::new_notice),
        )
        .route("/t/{tenant}/consentement/preuve", get(consent::proof))
        .route("/t/{tenant}/consentement/opposition", post(consent::object))
        .route(
            "/t/{tenant}/consentement/opposition.csv",
            get(consent::suppression_csv),
        )
        .route(
            "/t/{tenant}/conservation/{id}/supprimer",
            post(retention::delete),
        )
        .route(
            "/t/{tenant}/conservation/rapports/{id}/{format}",
            get(retention::report),
        )
        .route("/t/{tenant}/modeles", get(models::tenant_list))
        .route(
            "/t/{tenant}/modeles/{id}/importer",
            post(models::tenant_import),
        )
        .route(
            "/t/{tenant}/modeles/{id}/activites/{activity}",
            post(models::tenant_take),
        )
        .route(
            "/admin/clients/{slug}/audits/{id}",
            post(clients::answer_audit),
        )
        .route(
            "/admin/clients/{slug}/instructions/{id}",
            post(clients::flag_instruction),
        )
        .route(
            "/t/{tenant}/sous-traitants/avis/{notice}/{action}",
            post(subprocessors::tenant_answer),
        )
        .route(
            "/admin/sous-traitants",
            get(subprocessors::admin_list).post(subprocessors::admin_create),
        )
        .route(
            "/admin/sous-traitants/{id}",
            get(subprocessors::admin_show).post(subprocessors::admin_save),
        )
        .route(
            "/admin/sous-traitants/{id}/notifier",
            post(subprocessors::admin_notify),
        )
        .route(
            "/admin/sous-traitants/{id}/avis/{notice}/{tenant}",
            post(subprocessors::admin_resolve),
        )
        .route(
            "/t/{tenant}/demandes",
            get(requests::list).post(requests::record),
        )
        .route("/t/{tenant}/demandes/nouvelle", get(requests::new_form))
        .route(
            "/t/{tenant}/demandes/calendrier",
            post(requests::set_calendar),
        )
        .route("/t/{tenant}/demandes/{id}", get(requests::show))
        .route(
            "/t/{tenant}/demandes/{id}/pieces/{attachment}",
            get(requests::sent_document),
        )
        .route(
            "/t/{tenant}/demandes/{id}/lettre.pdf",
            get(requests::letter),
        )
        .route(
            "/t/{tenant}/demandes/{id}/historique.csv",
            get(requests::timeline_csv),
        )
        .route(
            "/t/{tenant}/demandes/{id}/export/{file}",
            get(requests::export_file),
        )
        .route("/t/{tenant}/demandes/{id}/{action}", post(requests::act))
        .route(
            "/t/{tenant}/systemes",
            get(systems::list).post(systems::create),
        )
        .route(
            "/t/{tenant}/systemes/{id}",
            get(systems::show).post(systems::update),
        )
        .route("/t/{tenant}/systemes/{id}/analyse", post(systems::scan))
        .route("/t/{tenant}/systemes/{id}/copie", post(systems::copy))
        .route(
            "/t/{tenant}/systemes/{id}/analyses/{scan}",
            get(systems::scan_report),
        )
        .route("/t/{tenant}/systemes/{id}/accepter", post(systems::accept))
        .route(
            "/t/{tenant}/systemes/{id}/jeu-de-donnees",
            get(dataset_guide::show).post(dataset_guide::save),
        )
        .route("/t/{tenant}/users", get(users::list).post(users::add))
        .route("/t/{tenant}/users/{id}", get(users::show))
        .route("/t/{tenant}/users/{id}/roles", post(users::set_roles))
        .route("/t/{tenant}/users/{id}/remove", post(users::remove))
        .route("/t/{tenant}/users/{id}/disable", post(users::disable))
        .route("/t/{tenant}/users/{id}/enable", post(users::enable))
        .route("/t/{tenant}/users/{id}/reset", post(users::send_reset))
        .route(
            "/t/{tenant}/invitations/{id}/withdraw",
            post(users::withdraw_invitation),
        )
        .route("/t/{tenant}/trail", get(trail::tenant_page))
        .route("/t/{tenant}/trail/export.csv", get(trail::tenant_csv))
        .route("/t/{tenant}/trail/export.json", get(trail::tenant_json))
        .route("/t/{tenant}/tokens", get(tokens::list).post(tokens::create))
        .route("/t/{tenant}/tokens/{id}/revoke", post(tokens::revoke))
        .route(
            "/t/{tenant}/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route("/t/{tenant}/webhooks/{id}", get(webhooks::show))
        .route("/t/{tenant}/webhooks/{id}/rotate", post(webhooks::rotate))
        .route("/t/{tenant}/webhooks/{id}/{action}", post(webhooks::act))
        .route(
            "/t/{tenant}/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(webhooks::redeliver),
        )
        .route(
            "/admin/tenants",
            get(admin::tenants).post(admin::create_tenant),
        )
        .route("/admin/tenants/{slug}/grant", post(admin::grant))
        .route("/admin/users", get(admin::users))
        .route("/admin/users/{id}/disable", post(admin::disable_user))
        .route("/admin/users/{id}/enable", post(admin::enable_user))
        .route("/admin/users/{id}/reset", post(admin::reset_user))
        .route("/admin/trail", get(trail::instance_page))
        .route("/admin/trail/export.csv", get(trail::instance_csv))
        .route("/admin/trail/export.json", get(trail::instance_json))
        .route("/admin/checkpoints", get(admin::checkpoints))
        .route("/admin/bases", get(targets::list).post(targets::declare))
        .route("/admin/bases/liberer", post(targets::release))
        .route(
            "/admin/problemes",
            get(problems::list).post(problems::declare),
        )
        .route("/admin/problemes/{id}", get(problems::show))
        .route("/admin/problemes/{id}/{action}", post(problems::act))
        .route(
            "/admin/tenants/{slug}/fin-de-contrat",
            post(admin::end_contract),
        )
        .route(
            "/admin/tenants/{slug}/fin-de-contrat/annuler",
            post(admin::cancel_ending),
        )
        .route("/admin/certificats/{id}", get(admin::certificate))
        .route(
            "/admin/tenants/{slug}/reversibilite",
            get(admin::reversibility),
        )
        .route(
            "/admin/tenants/{slug}/notice-hours",
            post(admin::notice_hours),
        )
        .route(
            "/admin/jetons",
            get(tokens::provider_list).post(tokens::provider_create),
        )
        .route("/admin/jetons/{id}/revoke", post(tokens::provider_revoke))
        .route("/admin/jobs", get(admin::jobs))
        .route("/admin/conservation", get(own_data::page))
        .route("/admin/sauvegardes", get(backups::page))
        .route(
            "/admin/conservation/{id}/rapport.json",
            get(own_data::report),
        )
        .route("/admin/outbox", get(admin::outbox))
        .fallback(error::not_found)
}

/// A service failure no form can explain: the store's own, or internal.
fn service_error(e: vigie_service::ServiceError) -> error::PageError {
    match e {
        vigie_service::ServiceError::Store(e) => error::PageError::Store(e),
        e => error::PageError::Internal(e.to_string()),
    }
}
