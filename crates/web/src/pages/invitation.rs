//! An invitation to join a tenant, answered by the invited person, signed
//! in as themselves (issue 12): nobody is pulled into a tenant.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::Response,
};
use jiff::Timestamp;

use super::forms::{render, roles_text, see_other};
use crate::{AppState, auth::SignedIn, error::PageError, layout::Layout, secrets::token_hash};

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    l: Layout,
    text: String,
    action: String,
}

pub async fn page(
    State(state): State<AppState>,
    me: SignedIn,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let m = me.client.lang.msgs();
    // Someone else's, used or expired: 404, whoever asks.
    let i = state
        .store
        .invitation(&token_hash(&token), me.user.id, Timestamp::now())
        .await?;
    let l = Layout::signed_in(&me, None, m.invitation_title, state.settings.demo);
    let text = m
        .invitation_text
        .replace("{who}", &i.invited_by)
        .replace("{org}", i.tenant.name.as_str())
        .replace("{roles}", &roles_text(&l, &i.roles));
    me.trace(
        &state,
        Some(&i.tenant),
        "invitation.read",
        &format!("invitation:{}", i.id),
    )
    .await?;
    render(InvitationPage {
        l,
        text,
        action: format!("/invitations/{token}"),
    })
}

pub async fn accept(
    State(state): State<AppState>,
    me: SignedIn,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let i = state
        .store
        .accept_invitation(&token_hash(&token), me.user.id, Timestamp::now())
        .await?;
    me.trace(
        &state,
        Some(&i.tenant),
        "invitation.accept",
        &format!("user:{}", me.user.id),
    )
    .await?;
    Ok(see_other(
        &format!("/t/{}", i.tenant.slug.as_str()),
        "invitation_accepted",
    ))
}

pub async fn decline(
    State(state): State<AppState>,
    me: SignedIn,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let hash = token_hash(&token);
    let i = state
        .store
        .invitation(&hash, me.user.id, Timestamp::now())
        .await?;
    state.store.decline_invitation(&hash, me.user.id).await?;
    me.trace(
        &state,
        Some(&i.tenant),
        "invitation.decline",
        &format!("user:{}", me.user.id),
    )
    .await?;
    Ok(see_other("/", "invitation_declined"))
}
