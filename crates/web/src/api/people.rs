//! Adding people to the tenant and changing what they may do, through the
//! API, as a user manager does on the pages (C25, C26): an address new to
//! Vigie gets an account and a link to choose a password, an existing
//! account is only invited; nobody changes their own roles; only an
//! account of this tenant alone is disabled here.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::{
    UserId,
    account::{DisplayName, Email},
    audit::Outcome,
    role::{Permission, Role, Roles},
};
use vigie_store::Member;

use super::{ApiCtx, ApiError, ApiFailure, ApiJson, MemberOut, member_out};
use crate::{
    AppState,
    pages::invite::{Added, add_to_tenant, only_here},
};

/// A person to add, with their roles here.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PersonIn {
    #[schema(format = Email)]
    pub email: String,
    /// 1 to 200 characters, no control character.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000\\u0085][^\\u0000]*$")]
    pub name: String,
    /// At least one.
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddedOut {
    /// `created` (a new account, sent a link to choose its password),
    /// `invited` (an existing account, sent an invitation to accept) or
    /// `already_member` (nothing changed: change its roles instead).
    pub outcome: String,
    /// The member, when created or already one (an invited account is not
    /// shown before it accepts).
    pub member: Option<MemberOut>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RolesIn {
    /// At least one.
    #[schema(min_items = 1)]
    pub roles: Vec<Role>,
}

impl PersonIn {
    /// The person as the domain takes them, or the field at fault.
    pub(super) fn parsed(&self) -> Result<(Email, DisplayName, Roles), ApiFailure> {
        let email = Email::parse(&self.email)
            .map_err(|_| ApiFailure::BadRequest("email: an email address".into()))?;
        let name = DisplayName::parse(&self.name).map_err(|_| {
            ApiFailure::BadRequest("name: 1 to 200 characters, no control character".into())
        })?;
        Ok((email, name, roles_of(&self.roles)?))
    }
}

fn roles_of(roles: &[Role]) -> Result<Roles, ApiFailure> {
    if roles.is_empty() {
        return Err(ApiFailure::BadRequest("roles: at least one".into()));
    }
    Ok(Roles::new(roles.to_vec()))
}

async fn member(state: &AppState, ctx: &ApiCtx, id: i64) -> Result<Member, ApiFailure> {
    Ok(state.store.member(&ctx.scope, UserId(id)).await?)
}

#[utoipa::path(post, path = "/api/v1/members", tag = "members", request_body = PersonIn,
    responses((status = 201, description = "Created or invited", body = AddedOut),
              (status = 200, description = "Already a member: nothing changed", body = AddedOut),
              (status = 400, description = "A field is wrong: named in the message", body = ApiError)),
    security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    ctx: ApiCtx,
    ApiJson(input): ApiJson<PersonIn>,
) -> Result<(StatusCode, Json<AddedOut>), ApiFailure> {
    ctx.require(&state, Permission::ManageUsers, "api.members.add")
        .await?;
    let (email, name, roles) = input.parsed()?;
    let by = ctx.actor().label;
    let added = add_to_tenant(
        &state,
        &ctx.scope,
        &ctx.tenant,
        (&email, &name, &roles),
        &by,
    )
    .await?;
    let (status, outcome, id, object) = match added {
        Added::Created(u) => (
            StatusCode::CREATED,
            "created",
            Some(u.id),
            format!("user:{}", u.id),
        ),
        Added::Invited => (
            StatusCode::CREATED,
            "invited",
            None,
            format!("email:{email}"),
        ),
        Added::AlreadyMember(id) => (
            StatusCode::OK,
            "already_member",
            Some(id),
            format!("user:{id}"),
        ),
    };
    ctx.trace(&state, "api.members.add", &object, Outcome::Success)
        .await?;
    let member = match id {
        Some(id) => Some(member_out(&member(&state, &ctx, id.0).await?)),
        None => None,
    };
    Ok((
        status,
        Json(AddedOut {
            outcome: outcome.into(),
            member,
        }),
    ))
}

#[utoipa::path(put, path = "/api/v1/members/{id}/roles", tag = "members", request_body = RolesIn,
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, description = "The roles here, replaced", body = MemberOut),
              (status = 404, description = "No such person in this tenant", body = ApiError),
              (status = 409, description = "The token's own account: nobody changes their own roles", body = ApiError)),
    security(("bearer" = [])))]
pub async fn set_roles(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RolesIn>,
) -> Result<Json<MemberOut>, ApiFailure> {
    ctx.require(&state, Permission::ManageUsers, "api.members.roles")
        .await?;
    let m = member(&state, &ctx, id).await?;
    let roles = roles_of(&input.roles)?;
    // A user manager would grant itself DPO (issue 12): another manager or
    // the provider does it.
    if acts_for(&ctx, &m) {
        return Err(ApiFailure::Conflict(
            "roles: nobody changes their own roles".into(),
        ));
    }
    state.store.set_roles(&ctx.scope, m.user.id, &roles).await?;
    ctx.trace(
        &state,
        "api.members.roles",
        &format!("user:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(Json(member_out(&member(&state, &ctx, id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/members/{id}", tag = "members",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 204, description = "No longer a member here (the account stays)"),
              (status = 404, description = "No such person in this tenant", body = ApiError),
              (status = 409, description = "The account this token acts for", body = ApiError)),
    security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    ctx.require(&state, Permission::ManageUsers, "api.members.remove")
        .await?;
    let m = member(&state, &ctx, id).await?;
    not_own(&ctx, &m)?;
    state
        .store
        .set_roles(&ctx.scope, m.user.id, &Roles::default())
        .await?;
    ctx.trace(
        &state,
        "api.members.remove",
        &format!("user:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The token acts for this member's account.
fn acts_for(ctx: &ApiCtx, m: &Member) -> bool {
    ctx.token.created_by == Some(m.user.id)
}

/// Nobody removes or disables the account the token acts for: a tenant's
/// last user manager would lock it out, and the token would stop mid-run.
fn not_own(ctx: &ApiCtx, m: &Member) -> Result<(), ApiFailure> {
    if acts_for(ctx, m) {
        return Err(ApiFailure::Conflict(
            "id: the account this token acts for; another manager or the provider removes or disables it".into(),
        ));
    }
    Ok(())
}

async fn set_disabled(
    state: &AppState,
    ctx: &ApiCtx,
    id: i64,
    disabled: bool,
) -> Result<Json<MemberOut>, ApiFailure> {
    let action = if disabled {
        "api.members.disable"
    } else {
        "api.members.enable"
    };
    ctx.require(state, Permission::ManageUsers, action).await?;
    let m = member(state, ctx, id).await?;
    if disabled {
        not_own(ctx, &m)?;
    }
    if !only_here(state, &m).await? {
        ctx.trace(state, action, &format!("user:{id}"), Outcome::Denied)
            .await?;
        return Err(ApiFailure::Forbidden);
    }
    state.store.set_disabled(m.user.id, disabled).await?;
    ctx.trace(state, action, &format!("user:{id}"), Outcome::Success)
        .await?;
    Ok(Json(member_out(&member(state, ctx, id).await?)))
}

#[utoipa::path(post, path = "/api/v1/members/{id}/disable", tag = "members",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, description = "Disabled: its sessions and tokens stop", body = MemberOut),
              (status = 403, description = "The account belongs to another tenant too, or to the provider", body = ApiError),
              (status = 404, body = ApiError),
              (status = 409, description = "The account this token acts for", body = ApiError)),
    security(("bearer" = [])))]
pub async fn disable(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<MemberOut>, ApiFailure> {
    set_disabled(&state, &ctx, id, true).await
}

#[utoipa::path(post, path = "/api/v1/members/{id}/enable", tag = "members",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 200, description = "Enabled again", body = MemberOut),
              (status = 403, description = "The account belongs to another tenant too, or to the provider", body = ApiError),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn enable(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<Json<MemberOut>, ApiFailure> {
    set_disabled(&state, &ctx, id, false).await
}

#[utoipa::path(post, path = "/api/v1/members/{id}/password-reset", tag = "members",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 202, description = "A link to choose a new password is mailed to the person (valid one hour, used once)"),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn password_reset(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    ctx.require(&state, Permission::ManageUsers, "api.members.reset_link")
        .await?;
    let m = member(&state, &ctx, id).await?;
    crate::pages::invite::send_password_link(&state, &m.user, None).await?;
    ctx.trace(
        &state,
        "api.members.reset_link",
        &format!("user:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// An invitation waiting for its person to accept it.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOut {
    pub id: i64,
    pub email: String,
    pub roles: Vec<Role>,
    pub invited_by: String,
    pub expires_at: String,
}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "members",
    responses((status = 200, description = "The invitations not yet accepted, declined, withdrawn or expired", body = Vec<InvitationOut>)),
    security(("bearer" = [])))]
pub async fn invitations(
    State(state): State<AppState>,
    ctx: ApiCtx,
) -> Result<Json<Vec<InvitationOut>>, ApiFailure> {
    ctx.require(&state, Permission::ManageUsers, "api.invitations.list")
        .await?;
    let all = state
        .store
        .invitations(&ctx.scope, jiff::Timestamp::now())
        .await?;
    ctx.trace(
        &state,
        "api.invitations.list",
        &format!("tenant:{}", ctx.tenant.id),
        Outcome::Success,
    )
    .await?;
    Ok(Json(
        all.iter()
            .map(|i| InvitationOut {
                id: i.id,
                email: i.email.to_string(),
                roles: i.roles.iter().collect(),
                invited_by: i.invited_by.clone(),
                expires_at: i.expires_at.to_string(),
            })
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "members",
    params(("id" = i64, Path, description = "Invitation id")),
    responses((status = 204, description = "Withdrawn: its link no longer works"),
              (status = 404, body = ApiError)),
    security(("bearer" = [])))]
pub async fn withdraw_invitation(
    State(state): State<AppState>,
    ctx: ApiCtx,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiFailure> {
    ctx.require(&state, Permission::ManageUsers, "api.invitations.withdraw")
        .await?;
    state.store.withdraw_invitation(&ctx.scope, id).await?;
    ctx.trace(
        &state,
        "api.invitations.withdraw",
        &format!("invitation:{id}"),
        Outcome::Success,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
