//! Persistence of client audits (C40) and documented instructions (C41).

use async_trait::async_trait;
use jiff::{Timestamp, civil::Date};
use vigie_domain::{
    TenantId,
    audits::{Audit, Instruction},
    page::{Page, Paged},
    scope::TenantScope,
};

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAudit {
    pub id: i64,
    pub tenant: TenantId,
    pub requested_on: Date,
    pub planned_on: Date,
    pub body: Audit,
    pub created_by: String,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInstruction {
    pub id: i64,
    pub tenant: TenantId,
    pub given_on: Date,
    pub body: Instruction,
    pub created_by: String,
    pub updated_at: Timestamp,
}

#[async_trait]
pub trait ClientRecords: Send + Sync {
    #[allow(clippy::too_many_arguments)]
    async fn create_audit(
        &self,
        scope: &TenantScope,
        requested_on: Date,
        planned_on: Date,
        body: &Audit,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredAudit>;
    /// A tenant's audits, newest planned first.
    async fn audits(&self, scope: &TenantScope) -> Result<Vec<StoredAudit>>;
    async fn audit(&self, scope: &TenantScope, id: i64) -> Result<StoredAudit>;
    async fn save_audit(
        &self,
        scope: &TenantScope,
        id: i64,
        body: &Audit,
        at: Timestamp,
    ) -> Result<()>;
    async fn create_instruction(
        &self,
        scope: &TenantScope,
        given_on: Date,
        body: &Instruction,
        by: &str,
        at: Timestamp,
    ) -> Result<StoredInstruction>;
    async fn instructions(
        &self,
        scope: &TenantScope,
        search: &str,
        page: Page,
    ) -> Result<Paged<StoredInstruction>>;
    async fn instruction(&self, scope: &TenantScope, id: i64) -> Result<StoredInstruction>;
    async fn save_instruction(
        &self,
        scope: &TenantScope,
        id: i64,
        body: &Instruction,
        at: Timestamp,
    ) -> Result<()>;
}
