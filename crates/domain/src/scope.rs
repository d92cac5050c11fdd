//! The tenant scope: the only way to reach a tenant's data (C27).

use crate::{
    TenantId, UserId,
    role::{Permission, Role, Roles},
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
    /// The provider itself acting in a client's tenant: its command line,
    /// its administrators' pages, the demo. Every role, no member.
    pub fn of_provider(tenant: TenantId) -> Self {
        TenantScope {
            tenant,
            actor: None,
            roles: Roles::new(Role::ALL.to_vec()),
        }
    }
    /// Vigie's own work on a tenant's records: a job on the tenant its
    /// row names, a notice to the tenant's members. Every role, no member.
    pub fn of_system(tenant: TenantId) -> Self {
        Self::of_provider(tenant)
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Where each way of making a scope may be written (C27, issue 12):
    /// a membership or token the store returned (the web's sign-in
    /// layers), the provider's own tools, and Vigie's work on a record or
    /// job whose own row names the tenant. Tests and the store's
    /// conformance suite make scopes freely; production code elsewhere
    /// cannot, and this test says where it tried.
    const ALLOWED: &[(&str, &[&str])] = &[
        (
            "from_verified_membership(",
            &["web/src/auth.rs", "web/src/api.rs"],
        ),
        (
            "of_provider(",
            &[
                "vigie/src/demo.rs",
                // The provider's command line (`vigie retention`).
                "vigie/src/main.rs",
                "web/src/pages/admin.rs",
                "web/src/pages/clients.rs",
                "web/src/pages/invite.rs",
                // The provider's API (a provider token): its own inbox, and
                // a client named by its short name, read from the store.
                "web/src/api/provider_requests.rs",
                "web/src/api/provider_clients.rs",
            ],
        ),
        (
            "of_system(",
            &[
                "service/src/",
                "vigie/src/jobs.rs",
                // A webhook delivery: its own row names the tenant.
                "vigie/src/hooks.rs",
                // A person's link: its token names the request and tenant.
                "web/src/pages/public.rs",
            ],
        ),
    ];

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn c27_scopes_are_made_only_where_a_tenant_is_proven() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for c in std::fs::read_dir(&crates).unwrap().flatten() {
            let src = c.path().join("src");
            if src.is_dir() {
                sources(&src, &mut files);
            }
        }
        assert!(files.len() > 50, "the workspace's sources are read");
        let mut wrong = Vec::new();
        for f in &files {
            let name = f.to_string_lossy().replace('\\', "/");
            if name.ends_with("domain/src/scope.rs") || name.contains("store/src/conformance") {
                continue;
            }
            let text = std::fs::read_to_string(f).unwrap();
            for (call, places) in ALLOWED {
                if text.contains(&format!("TenantScope::{call}"))
                    && !places.iter().any(|p| name.contains(p))
                {
                    wrong.push(format!("{name}: TenantScope::{call}"));
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "scopes made where no tenant is proven: {wrong:#?}"
        );
    }
}
