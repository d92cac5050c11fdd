//! The tenant scope: the only way to reach a tenant's data (C27).

use crate::{
    TenantId, UserId,
    role::{Permission, Roles},
};

/// Proof that the caller holds roles in one tenant. The web layer builds it
/// only from an authenticated session or API token whose membership the
/// store returned; every store call on tenant data takes it and filters by
/// its tenant, so another tenant's object is simply not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantScope {
    tenant: TenantId,
    actor: Option<UserId>,
    roles: Roles,
}

impl TenantScope {
    /// Only for the authentication layer, after it has loaded the
    /// membership (or token) from the store.
    pub fn from_verified_membership(tenant: TenantId, actor: Option<UserId>, roles: Roles) -> Self {
        TenantScope {
            tenant,
            actor,
            roles,
        }
    }
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }
    pub fn actor(&self) -> Option<UserId> {
        self.actor
    }
    pub fn roles(&self) -> &Roles {
        &self.roles
    }
    pub fn allows(&self, p: Permission) -> bool {
        self.roles.allows(p)
    }
}
