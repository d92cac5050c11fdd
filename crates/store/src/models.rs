//! Model registers (C03): per software product, the activities and data
//! it handles, published by the provider in versions; tenants import them
//! and their activities remember which model version they came from.

use async_trait::async_trait;
use jiff::Timestamp;
use vigie_domain::{
    ActivityId,
    page::{Page, Paged},
    register::Activity,
    scope::TenantScope,
};

use crate::{ActivityChange, Result, StoredActivity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredModel {
    pub id: i64,
    pub product: String,
    pub version: i64,
    pub activities: Vec<Activity>,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// Where an imported activity came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelLink {
    pub model: i64,
    pub version: i64,
    /// The activity's name in the model.
    pub name: String,
}

#[async_trait]
pub trait Models: Send + Sync {
    async fn create_model(
        &self,
        product: &str,
        activities: &[Activity],
        by: &str,
        at: Timestamp,
    ) -> Result<StoredModel>;
    /// Publishes a new version; `Conflict` if it is no longer `expected`.
    async fn publish_model(
        &self,
        id: i64,
        expected: i64,
        activities: &[Activity],
        by: &str,
        at: Timestamp,
    ) -> Result<StoredModel>;
    async fn model(&self, id: i64) -> Result<StoredModel>;
    /// The activities of one published version.
    async fn model_version(&self, id: i64, version: i64) -> Result<Vec<Activity>>;
    async fn models(&self, search: &str, page: Page) -> Result<Paged<StoredModel>>;
    /// Creates an activity that remembers its model.
    async fn create_linked_activity(
        &self,
        scope: &TenantScope,
        c: &ActivityChange,
        link: &ModelLink,
    ) -> Result<StoredActivity>;
    /// The tenant's activities imported from a model, with their link.
    async fn linked_activities(
        &self,
        scope: &TenantScope,
        model: i64,
    ) -> Result<Vec<(StoredActivity, ModelLink)>>;
    /// Records that an activity now follows a later model version.
    async fn relink(&self, scope: &TenantScope, id: ActivityId, version: i64) -> Result<()>;
}
