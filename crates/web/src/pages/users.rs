//! A tenant's people and their roles, kept by its user manager (C26).
//! Only the scope's tenant is reachable: anyone else answers 404 (C27).

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use jiff::Timestamp;
use serde::Deserialize;
use vigie_domain::{
    UserId,
    account::{DisplayName, Email},
    role::{Permission, Roles},
};
use vigie_store::Member;

use super::{
    forms::{
        ListQuery, RoleBoxes, RoleChoice, flash_text, render, render_status, role_choices,
        roles_text, see_other,
    },
    invite::{Added, add_to_tenant, send_password_link},
};
use crate::{
    AppState,
    auth::{TenantCtx, require_traced},
    error::PageError,
    layout::{Layout, Pager, query_of},
};

pub struct MemberRow {
    pub href: String,
    pub name: String,
    pub email: String,
    pub roles: String,
    pub disabled: bool,
}

#[derive(Default)]
pub struct AddForm {
    pub email: String,
    pub name: String,
    pub email_error: Option<&'static str>,
    pub name_error: Option<&'static str>,
    pub roles_error: Option<&'static str>,
}

/// An invitation not yet accepted, as the tenant sees it.
pub struct InvitationRow {
    pub withdraw: String,
    pub email: String,
    pub roles: String,
    pub invited_by: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    q: String,
    rows: Vec<MemberRow>,
    invitations: Vec<InvitationRow>,
    pager: Pager,
    can_manage: bool,
    form: AddForm,
    choices: Vec<RoleChoice>,
    action: String,
}

async fn list_page(
    state: &AppState,
    ctx: &TenantCtx,
    q: &ListQuery,
    form: AddForm,
    chosen: &Roles,
) -> Result<UsersPage, PageError> {
    let l = Layout::for_tenant(
        ctx,
        ctx.me.client.lang.msgs().users_title,
        state.settings.demo,
    )
    .with_flash(flash_text(ctx.me.client.lang.msgs(), q.flash.as_deref()));
    let page = state.store.members(&ctx.scope, &q.q, q.page()).await?;
    let base = format!("{}/users", ctx.base());
    let rows = page
        .items
        .iter()
        .map(|mb| MemberRow {
            href: format!("{base}/{}", mb.user.id),
            name: mb.user.name.as_str().into(),
            email: mb.user.email.to_string(),
            roles: roles_text(&l, &mb.roles),
            disabled: mb.user.disabled,
        })
        .collect();
    let invitations = if ctx.scope.allows(Permission::ManageUsers) {
        state
            .store
            .invitations(&ctx.scope, Timestamp::now())
            .await?
            .into_iter()
            .map(|i| InvitationRow {
                withdraw: format!("{}/invitations/{}/withdraw", ctx.base(), i.id),
                email: i.email.to_string(),
                roles: roles_text(&l, &i.roles),
                invited_by: i.invited_by,
                expires: l.when(i.expires_at),
            })
            .collect()
    } else {
        Vec::new()
    };
    ctx.trace(state, "users.list", &format!("tenant:{}", ctx.tenant.id))
        .await?;
    Ok(UsersPage {
        invitations,
        choices: role_choices(l.m, chosen),
        pager: Pager::new(&page, &base, &query_of(&[("q", &q.q)])),
        l,
        q: q.q.clone(),
        rows,
        can_manage: ctx.scope.allows(Permission::ManageUsers),
        form,
        action: base,
    })
}

pub async fn list(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "users.list").await?;
    render(list_page(&state, &ctx, &q, AddForm::default(), &Roles::default()).await?)
}

#[derive(Deserialize)]
pub struct AddInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(flatten)]
    roles: RoleBoxes,
}

pub async fn add(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Form(f): Form<AddInput>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageUsers, "user.create").await?;
    let m = ctx.me.client.lang.msgs();
    let email = Email::parse(&f.email);
    let name = DisplayName::parse(&f.name);
    let roles = f.roles.roles();
    if email.is_err() || name.is_err() || roles.is_empty() {
        let form = AddForm {
            email: f.email.clone(),
            name: f.name.clone(),
            email_error: email.as_ref().err().map(|_| m.email_invalid),
            name_error: name.as_ref().err().map(|_| m.name_invalid),
            roles_error: roles.is_empty().then_some(m.roles_required),
        };
        let page = list_page(&state, &ctx, &ListQuery::default(), form, &roles).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, page);
    }
    let (Ok(email), Ok(name)) = (email, name) else {
        return Err(PageError::Internal("unreachable form state".into()));
    };
    let inviter = ctx.me.user.name.as_str().to_owned();
    let added = add_to_tenant(
        &state,
        &ctx.scope,
        &ctx.tenant,
        (&email, &name, &roles),
        &inviter,
    )
    .await?;
    let (action, object, flash) = match added {
        Added::Created(user) => ("user.create", format!("user:{}", user.id), "user_added"),
        Added::Invited => ("user.invite", format!("email:{email}"), "user_invited"),
        Added::AlreadyMember(id) => {
            return Ok(see_other(
                &format!("{}/users/{id}", ctx.base()),
                "user_already_member",
            ));
        }
    };
    ctx.trace(&state, action, &object).await?;
    Ok(see_other(&format!("{}/users", ctx.base()), flash))
}

pub async fn withdraw_invitation(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(
        &state,
        &ctx,
        Permission::ManageUsers,
        "user.invitation_withdraw",
    )
    .await?;
    state.store.withdraw_invitation(&ctx.scope, id).await?;
    ctx.trace(
        &state,
        "user.invitation_withdraw",
        &format!("invitation:{id}"),
    )
    .await?;
    Ok(see_other(
        &format!("{}/users", ctx.base()),
        "invitation_withdrawn",
    ))
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    l: Layout,
    member: Member,
    base: String,
    choices: Vec<RoleChoice>,
    can_manage: bool,
    can_disable: bool,
    roles_error: Option<&'static str>,
}

async fn load_member(state: &AppState, ctx: &TenantCtx, id: UserId) -> Result<Member, PageError> {
    Ok(state.store.member(&ctx.scope, id).await?)
}

async fn user_page(
    state: &AppState,
    ctx: &TenantCtx,
    member: Member,
    flash: Option<&str>,
    roles_error: Option<&'static str>,
) -> Result<UserPage, PageError> {
    let m = ctx.me.client.lang.msgs();
    let l = Layout::for_tenant(ctx, member.user.name.as_str(), state.settings.demo)
        .with_flash(flash_text(m, flash));
    Ok(UserPage {
        base: format!("{}/users/{}", ctx.base(), member.user.id),
        choices: role_choices(m, &member.roles),
        can_manage: ctx.scope.allows(Permission::ManageUsers),
        can_disable: super::invite::only_here(state, &member).await?,
        roles_error,
        member,
        l,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::Read, "user.read").await?;
    let member = load_member(&state, &ctx, UserId(id)).await?;
    ctx.trace(&state, "user.read", &format!("user:{id}"))
        .await?;
    render(user_page(&state, &ctx, member, q.flash.as_deref(), None).await?)
}

pub async fn set_roles(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
    Form(f): Form<RoleBoxes>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageUsers, "user.roles").await?;
    let mut member = load_member(&state, &ctx, UserId(id)).await?;
    let roles = f.roles();
    let m = ctx.me.client.lang.msgs();
    // Nobody changes their own roles: a user manager would grant itself
    // DPO (issue 12); another manager or the provider does it.
    let error = if member.user.id == ctx.me.user.id {
        Some(m.roles_not_own)
    } else if roles.is_empty() {
        Some(m.roles_required)
    } else {
        None
    };
    if let Some(error) = error {
        member.roles = roles;
        let page = user_page(&state, &ctx, member, None, Some(error)).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, page);
    }
    state
        .store
        .set_roles(&ctx.scope, member.user.id, &roles)
        .await?;
    ctx.trace(&state, "user.roles", &format!("user:{id}"))
        .await?;
    Ok(see_other(
        &format!("{}/users/{id}", ctx.base()),
        "roles_saved",
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageUsers, "user.remove").await?;
    let member = load_member(&state, &ctx, UserId(id)).await?;
    if let Some(refused) = not_own(&state, &ctx, &member).await? {
        return Ok(refused);
    }
    state
        .store
        .set_roles(&ctx.scope, member.user.id, &Roles::default())
        .await?;
    ctx.trace(&state, "user.remove", &format!("user:{id}"))
        .await?;
    Ok(see_other(&format!("{}/users", ctx.base()), "user_removed"))
}

async fn set_disabled(
    state: &AppState,
    ctx: &TenantCtx,
    id: i64,
    disabled: bool,
) -> Result<Response, PageError> {
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    require_traced(state, ctx, Permission::ManageUsers, action).await?;
    let member = load_member(state, ctx, UserId(id)).await?;
    if !super::invite::only_here(state, &member).await? {
        return Err(PageError::FORBIDDEN);
    }
    if disabled && let Some(refused) = not_own(state, ctx, &member).await? {
        return Ok(refused);
    }
    state.store.set_disabled(member.user.id, disabled).await?;
    ctx.trace(state, action, &format!("user:{id}")).await?;
    let flash = if disabled {
        "user_disabled"
    } else {
        "user_enabled"
    };
    Ok(see_other(&format!("{}/users/{id}", ctx.base()), flash))
}

/// Nobody removes or disables their own account: a tenant's last user
/// manager would lock it out, and a script's token would stop mid-run.
async fn not_own(
    state: &AppState,
    ctx: &TenantCtx,
    member: &vigie_store::Member,
) -> Result<Option<Response>, PageError> {
    if member.user.id != ctx.me.user.id {
        return Ok(None);
    }
    let m = ctx.me.client.lang.msgs();
    let page = user_page(state, ctx, member.clone(), None, Some(m.account_not_own)).await?;
    Ok(Some(render_status(StatusCode::CONFLICT, page)?))
}

pub async fn disable(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    set_disabled(&state, &ctx, id, true).await
}

pub async fn enable(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    set_disabled(&state, &ctx, id, false).await
}

pub async fn send_reset(
    State(state): State<AppState>,
    ctx: TenantCtx,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    require_traced(&state, &ctx, Permission::ManageUsers, "user.reset_link").await?;
    let member = load_member(&state, &ctx, UserId(id)).await?;
    send_password_link(&state, &member.user, None).await?;
    ctx.trace(&state, "user.reset_link", &format!("user:{id}"))
        .await?;
    Ok(see_other(
        &format!("{}/users/{id}", ctx.base()),
        "reset_sent",
    ))
}
