//! Persistence of consent (C35–C37): a tenant's sites, its chained record
//! of choices, and its suppression list.

use async_trait::async_trait;
use jiff::Timestamp;
use vigie_domain::{
    TenantId,
    audit::ChainHash,
    consent::{ConsentRecord, Purpose},
    page::{Page, Paged},
    rights::Channel,
    scope::TenantScope,
};

use crate::Result;

/// A website of a tenant that shows Vigie's banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentSite {
    pub id: i64,
    pub tenant: TenantId,
    pub name: String,
    pub origin: String,
    /// The public key of its banner and record endpoint.
    pub site_key: String,
    pub notice_version: String,
    pub purposes: Vec<Purpose>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A site as its form gives it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDraft {
    pub name: String,
    pub origin: vigie_domain::consent::SiteOrigin,
    pub notice_version: vigie_domain::consent::NoticeVersion,
    pub purposes: Vec<Purpose>,
}

/// A recorded choice with its place in the tenant's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConsent {
    pub record: ConsentRecord,
    pub hash: ChainHash,
}

/// An address or number its owner does not want solicited on (C37).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub id: i64,
    pub channel: Channel,
    /// Keyed hash of the normalised value: what lookups compare.
    pub value_hash: String,
    /// The value, sealed with the instance's key (for the export).
    pub value_sealed: Vec<u8>,
    /// Where it came from: `request:REF`, `agent:NAME`, `site:NAME`.
    pub source: String,
    pub created_at: Timestamp,
}

#[async_trait]
pub trait Consents: Send + Sync {
    /// `Conflict` if the tenant already declared that origin.
    async fn create_site(
        &self,
        scope: &TenantScope,
        draft: &SiteDraft,
        site_key: &str,
        at: Timestamp,
    ) -> Result<ConsentSite>;
    /// A new notice version or purposes: every device is asked again.
    async fn update_site(
        &self,
        scope: &TenantScope,
        id: i64,
        draft: &SiteDraft,
        at: Timestamp,
    ) -> Result<ConsentSite>;
    async fn sites(&self, scope: &TenantScope) -> Result<Vec<ConsentSite>>;
    async fn site(&self, scope: &TenantScope, id: i64) -> Result<ConsentSite>;
    /// The site a banner names (public: no tenant known yet).
    async fn site_by_key(&self, site_key: &str) -> Result<ConsentSite>;
    /// Appends choices to the tenant's chain, in order (their `seq` given
    /// here, their hashes computed here), in one transaction: a group
    /// commit costs one, however many visitors chose at once. Each
    /// record's `kind` is set here from the device's previous choice on
    /// the same site (`Choices::kind`), read under the chain's lock.
    /// `NotFound` if a site is not the tenant's.
    async fn append_consents(
        &self,
        scope: &TenantScope,
        records: &[ConsentRecord],
    ) -> Result<Vec<StoredConsent>>;
    /// Appends one choice.
    async fn append_consent(
        &self,
        scope: &TenantScope,
        record: &ConsentRecord,
    ) -> Result<StoredConsent> {
        self.append_consents(scope, std::slice::from_ref(record))
            .await?
            .pop()
            .ok_or_else(|| crate::StoreError::Other("no record appended".into()))
    }
    /// Newest first; `device` empty for all.
    async fn consents(
        &self,
        scope: &TenantScope,
        device: &str,
        page: Page,
    ) -> Result<Paged<StoredConsent>>;
    /// Every choice of one device, oldest first (its proof).
    async fn device_consents(
        &self,
        scope: &TenantScope,
        device: &str,
    ) -> Result<Vec<StoredConsent>>;
    /// Where the tenant's chain starts: the place and hash of the last
    /// record purged (0 and the genesis hash before any purge).
    async fn consent_anchor(&self, scope: &TenantScope) -> Result<(i64, ChainHash)>;
    /// The chain from `after` (exclusive), oldest first, at most `limit`.
    async fn consent_chain(
        &self,
        scope: &TenantScope,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredConsent>>;
    /// False if it was on the list already.
    async fn add_suppression(
        &self,
        scope: &TenantScope,
        channel: Channel,
        value_hash: &str,
        value_sealed: &[u8],
        source: &str,
        at: Timestamp,
    ) -> Result<bool>;
    async fn is_suppressed(
        &self,
        scope: &TenantScope,
        channel: Channel,
        value_hash: &str,
    ) -> Result<bool>;
    /// Newest first, searched in the source.
    async fn suppressions(
        &self,
        scope: &TenantScope,
        search: &str,
        page: Page,
    ) -> Result<Paged<Suppression>>;
}
