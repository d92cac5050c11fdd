//! Who is signed in, and in which tenant they act (C25, C27).

use std::collections::HashMap;

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};
use jiff::{SignedDuration, Timestamp};
use vigie_domain::{
    account::User,
    audit::{Actor, Outcome},
    role::{Permission, Role, Roles},
    scope::TenantScope,
};
use vigie_store::{Membership, NewSession, StoreError, Tenant};

use crate::{
    AppState,
    client::{Client, SESSION_COOKIE, client_of, cookie},
    csrf::CsrfToken,
    error::PageError,
    secrets::{random_token, token_hash},
};

/// A signed-in person, from a valid, unexpired session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub session_hash: String,
    /// The tenant last switched to.
    pub session_tenant: Option<vigie_domain::TenantId>,
    pub memberships: Vec<Membership>,
    pub client: Client,
    pub csrf: String,
    /// The path asked for, to build links back to it.
    pub path: String,
    /// For a provider administrator, the provider's own organisation,
    /// whose requests they handle (C14).
    pub provider_inbox: Option<vigie_domain::tenant::TenantSlug>,
}

impl SignedIn {
    /// The organisations where this person is the DPO, each with the
    /// scope their membership gives (a shared DPO's many clients).
    pub fn dpo_scopes(&self) -> Vec<(&vigie_store::Tenant, TenantScope)> {
        self.memberships
            .iter()
            .filter(|m| m.roles.contains(vigie_domain::role::Role::Dpo))
            .map(|m| {
                (
                    &m.tenant,
                    TenantScope::from_verified_membership(
                        m.tenant.id,
                        Some(self.user.id),
                        m.roles.clone(),
                    ),
                )
            })
            .collect()
    }

    pub fn actor(&self) -> Actor {
        Actor::person(&self.user)
    }

    /// Records an access by this person.
    pub async fn trace(
        &self,
        state: &AppState,
        tenant: Option<&Tenant>,
        action: &str,
        object: &str,
    ) -> Result<(), StoreError> {
        state
            .trace(
                self.actor(),
                tenant.map(|t| t.id),
                &self.client,
                action,
                object,
                Outcome::Success,
            )
            .await
    }
}

fn path_and_query(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let path = path_and_query(parts);
        let sign_in = || PageError::SignIn { next: path.clone() };
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(sign_in)?;
        let hash = token_hash(&token);
        let session = match state.store.session(&hash).await {
            Ok(s) => s,
            Err(StoreError::NotFound) => return Err(sign_in()),
            Err(e) => return Err(e.into()),
        };
        let now = Timestamp::now();
        let s = &state.settings;
        if now.duration_since(session.last_seen) > s.session_idle
            || now.duration_since(session.created_at) > s.session_max
        {
            state.store.delete_session(&hash).await?;
            return Err(sign_in());
        }
        let user = state.store.user(session.user).await?;
        if user.disabled {
            state.store.delete_session(&hash).await?;
            return Err(sign_in());
        }
        // One write a minute is enough to keep an active session alive.
        if now.duration_since(session.last_seen) > SignedDuration::from_mins(1) {
            state.store.touch_session(&hash, now).await?;
        }
        let memberships = state.store.memberships(user.id).await?;
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        Ok(SignedIn {
            provider_inbox: s.provider_tenant.clone().filter(|_| user.is_provider_admin),
            user,
            session_hash: hash,
            session_tenant: session.tenant,
            memberships,
            client: client_of(parts),
            csrf,
            path,
        })
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, PageError> {
        match <SignedIn as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(me) => Ok(Some(me)),
            Err(PageError::SignIn { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A signed-in person acting in one tenant where they hold roles. Any other
/// tenant's pages answer 404, exactly as a tenant that does not exist.
#[derive(Debug, Clone)]
pub struct TenantCtx {
    pub me: SignedIn,
    pub tenant: Tenant,
    pub scope: TenantScope,
    /// Breaches whose 72-hour clock runs: every page of the tenant shows
    /// them (C17).
    pub clocks: Vec<vigie_store::Incident>,
}

impl TenantCtx {
    /// Records an access to this tenant's data.
    pub async fn trace(
        &self,
        state: &AppState,
        action: &str,
        object: &str,
    ) -> Result<(), StoreError> {
        self.me
            .trace(state, Some(&self.tenant), action, object)
            .await
    }

    /// The tenant's base path.
    pub fn base(&self) -> String {
        format!("/t/{}", self.tenant.slug)
    }
}

impl FromRequestParts<AppState> for TenantCtx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let mut me = SignedIn::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::NOT_FOUND)?;
        let slug = params.get("tenant").ok_or(PageError::NOT_FOUND)?;
        let (tenant, roles) = match me
            .memberships
            .iter()
            .find(|m| m.tenant.slug.as_str() == slug)
        {
            Some(m) => (m.tenant.clone(), m.roles.clone()),
            None => {
                let (tenant, roles) = provider_inbox(state, &me, slug)
                    .await?
                    .ok_or(PageError::NOT_FOUND)?;
                // Its pages show the tenant's menu as to a member.
                me.memberships.push(Membership {
                    tenant: tenant.clone(),
                    roles: roles.clone(),
                });
                (tenant, roles)
            }
        };
        let scope = TenantScope::from_verified_membership(tenant.id, Some(me.user.id), roles);
        let clocks = state.store.running_clocks(Some(&scope)).await?;
        Ok(TenantCtx {
            me,
            tenant,
            scope,
            clocks,
        })
    }
}

/// The provider's own organisation, for one of its administrators who holds
/// no role there: they handle the requests it receives as an agent (C14,
/// issue 18) — nobody else, and no other tenant.
async fn provider_inbox(
    state: &AppState,
    me: &SignedIn,
    slug: &str,
) -> Result<Option<(Tenant, Roles)>, PageError> {
    let Some(own) = me
        .provider_inbox
        .as_ref()
        .filter(|own| own.as_str() == slug)
    else {
        return Ok(None);
    };
    match state.store.tenant_by_slug(own).await {
        Ok(t) => Ok(Some((t, Roles::new(vec![Role::Agent])))),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A provider administrator.
#[derive(Debug, Clone)]
pub struct ProviderAdmin(pub SignedIn);

impl FromRequestParts<AppState> for ProviderAdmin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let me = SignedIn::from_request_parts(parts, state).await?;
        if !me.user.is_provider_admin {
            return Err(PageError::FORBIDDEN);
        }
        Ok(ProviderAdmin(me))
    }
}

/// Opens a new session for a person who just proved who they are. The
/// token is always new (no session fixation); the old one, if any, is gone.
pub async fn open_session(
    state: &AppState,
    user: &User,
    client: &Client,
    old_token: Option<&str>,
) -> Result<String, StoreError> {
    if let Some(old) = old_token {
        state.store.delete_session(&token_hash(old)).await?;
    }
    let token = random_token();
    state
        .store
        .create_session(&NewSession {
            token_hash: token_hash(&token),
            user: user.id,
            created_at: Timestamp::now(),
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
        })
        .await?;
    if let Some(first) = state.store.memberships(user.id).await?.first() {
        state
            .store
            .set_session_tenant(&token_hash(&token), Some(first.tenant.id))
            .await?;
    }
    Ok(token)
}

/// Checks the permission, and records a refusal in the trail.
pub async fn require_traced(
    state: &AppState,
    ctx: &TenantCtx,
    p: Permission,
    action: &str,
) -> Result<(), PageError> {
    if ctx.scope.allows(p) {
        return Ok(());
    }
    state
        .trace(
            ctx.me.actor(),
            Some(ctx.tenant.id),
            &ctx.me.client,
            action,
            "",
            Outcome::Denied,
        )
        .await?;
    Err(PageError::FORBIDDEN)
}
