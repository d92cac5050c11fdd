//! Roles within a tenant (C26) and what each may do.

use serde::{Deserialize, Serialize};

/// A role a person holds in one tenant. The provider administrator is not a
/// tenant role: it is a flag of the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// "Délégué à la protection des données".
    Dpo,
    /// "Gestionnaire des utilisateurs": creates the tenant's accounts.
    UserManager,
    /// "Agent": handles requests and incidents day to day.
    Agent,
    /// "Auditeur": reads everything, the access trail included, changes nothing.
    Auditor,
}

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read the tenant's data.
    Read,
    /// Change the tenant's compliance data.
    Write,
    /// Create, disable and set roles of the tenant's accounts.
    ManageUsers,
    /// Browse and export the access trail.
    ReadTrail,
    /// Create and revoke API tokens.
    ManageTokens,
    /// Connect an application database, change its URL or dataset (C27):
    /// what Vigie may read and change there is the DPO's decision.
    ManageSystems,
    /// Qualify a breach, notify the CNIL, decide on informing the people
    /// (C17–C20): the DPO's. Declaring one needs only `Read`.
    HandleBreaches,
}

impl Permission {
    pub const ALL: [Permission; 7] = [
        Permission::Read,
        Permission::Write,
        Permission::ManageUsers,
        Permission::ReadTrail,
        Permission::ManageTokens,
        Permission::ManageSystems,
        Permission::HandleBreaches,
    ];
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Dpo, Role::UserManager, Role::Agent, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Dpo => "dpo",
            Role::UserManager => "user_manager",
            Role::Agent => "agent",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Dpo => matches!(
                p,
                Read | Write | ReadTrail | ManageTokens | ManageSystems | HandleBreaches
            ),
            Role::UserManager => matches!(p, Read | ManageUsers),
            Role::Agent => matches!(p, Read | Write),
            Role::Auditor => matches!(p, Read | ReadTrail),
        }
    }
}

/// The set of roles a person holds in one tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles(Vec<Role>);

impl Roles {
    pub fn new(mut roles: Vec<Role>) -> Self {
        roles.sort();
        roles.dedup();
        Self(roles)
    }
    pub fn allows(&self, p: Permission) -> bool {
        self.0.iter().any(|r| r.allows(p))
    }
    pub fn contains(&self, r: Role) -> bool {
        self.0.contains(&r)
    }
    /// Whether these roles allow everything `r` does: a token of role `r`
    /// made by their holder carries no more than they hold.
    pub fn covers(&self, r: Role) -> bool {
        Permission::ALL
            .into_iter()
            .all(|p| !r.allows(p) || self.allows(p))
    }
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Stored as a comma-separated list.
    pub fn to_db(&self) -> String {
        self.0
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
    pub fn from_db(s: &str) -> Self {
        Self::new(s.split(',').filter_map(Role::parse).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auditor_is_read_only_c26() {
        assert!(Role::Auditor.allows(Permission::ReadTrail));
        assert!(!Role::Auditor.allows(Permission::Write));
        assert!(!Role::Auditor.allows(Permission::ManageUsers));
        assert!(Role::UserManager.allows(Permission::ManageUsers));
        assert!(!Role::Agent.allows(Permission::ManageUsers));
    }

    #[test]
    fn c27_only_the_dpo_connects_systems() {
        for r in Role::ALL {
            assert_eq!(r.allows(Permission::ManageSystems), r == Role::Dpo, "{r:?}");
        }
    }

    #[test]
    fn roles_round_trip() {
        let r = Roles::new(vec![Role::Agent, Role::Dpo, Role::Agent]);
        assert_eq!(r.to_db(), "dpo,agent");
        assert_eq!(Roles::from_db("dpo,agent,bogus"), r);
    }
}
