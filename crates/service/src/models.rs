//! Model registers (C03): the provider publishes, per software product, the
//! activities that product handles — a snapshot of a register it keeps as
//! the model; a tenant imports them in one step; when the model changes,
//! the tenant sees, per activity and field, what the model changed and
//! what it has itself, and takes what it chooses.

use jiff::Timestamp;
use serde_json::Value;
use vigie_domain::{
    ActivityId, TenantId,
    register::{Activity, ActivityStatus},
    scope::TenantScope,
};
use vigie_store::{ActivityChange, ModelLink, StoreError, StoredActivity, StoredModel};

use crate::{Ctx, Result, ServiceError, invalid, register::diff};

/// Publishes the register of `source` as the model of `product`: a new
/// model, or its next version.
pub async fn publish(
    ctx: Ctx<'_>,
    product: &str,
    source: TenantId,
    by: &str,
    now: Timestamp,
) -> Result<StoredModel> {
    let product = product.trim();
    if product.is_empty() || product.chars().count() > 200 {
        return Err(invalid(
            "product",
            "name the software product (1 to 200 characters)",
        ));
    }
    let activities: Vec<Activity> = ctx
        .store
        .all_activities(&TenantScope::of_system(source))
        .await?
        .into_iter()
        .filter(|a| a.is_current())
        .map(|a| a.body)
        .collect();
    if activities.is_empty() {
        return Err(invalid("source", "the model's register holds no activity"));
    }
    let existing = ctx
        .store
        .models(product, vigie_domain::page::Page::new(Some(1), Some(50)))
        .await?;
    match existing.items.iter().find(|m| m.product == product) {
        Some(m) => Ok(ctx
            .store
            .publish_model(m.id, m.version, &activities, by, now)
            .await?),
        None => Ok(ctx
            .store
            .create_model(product, &activities, by, now)
            .await?),
    }
}

/// Imports a model's activities into a tenant's register (those not yet
/// imported), as drafts that remember their model. Returns how many.
pub async fn import(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    model: i64,
    controller: &str,
    by: &str,
    now: Timestamp,
) -> Result<usize> {
    let m = ctx.store.model(model).await?;
    let linked = ctx.store.linked_activities(scope, model).await?;
    let mut n = 0;
    for a in &m.activities {
        if linked.iter().any(|(_, l)| l.name == a.name) {
            continue;
        }
        let mut body = a.clone();
        body.controller = controller.to_owned();
        // A draft to review: on the public policy only once the client's
        // DPO publishes it.
        body.published = false;
        ctx.store
            .create_linked_activity(
                scope,
                &ActivityChange {
                    status: ActivityStatus::Draft,
                    body,
                    author: by.to_owned(),
                    reason: format!("import du modèle « {} » v{}", m.product, m.version),
                    at: now,
                },
                &ModelLink {
                    model: m.id,
                    version: m.version,
                    name: a.name.clone(),
                },
            )
            .await?;
        n += 1;
    }
    Ok(n)
}

/// One field the model changed since the tenant's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    /// The model's value when the tenant imported or last took it.
    pub before: String,
    /// The model's value now.
    pub model: String,
    /// The tenant's value now.
    pub yours: String,
}

/// What differs for one imported activity, with the three versions
/// whole, for the pages to show each field as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelUpdate {
    pub activity: ActivityId,
    pub name: String,
    pub from: i64,
    pub to: i64,
    pub changes: Vec<FieldChange>,
    /// The model's activity when taken, now, and the tenant's now.
    pub before: Activity,
    pub model: Activity,
    pub yours: Activity,
}

fn field_text(a: &Activity, field: &str) -> String {
    match serde_json::to_value(a)
        .ok()
        .and_then(|v| v.get(field).cloned())
    {
        Some(Value::String(s)) => s,
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// The model's changes since each imported activity's version.
pub async fn updates(ctx: Ctx<'_>, scope: &TenantScope, model: i64) -> Result<Vec<ModelUpdate>> {
    let m = ctx.store.model(model).await?;
    let mut out = Vec::new();
    for (a, link) in ctx.store.linked_activities(scope, model).await? {
        if link.version >= m.version {
            continue;
        }
        let before = ctx.store.model_version(model, link.version).await?;
        let (Some(old), Some(new)) = (
            before.iter().find(|x| x.name == link.name),
            m.activities.iter().find(|x| x.name == link.name),
        ) else {
            continue;
        };
        let changes = diff(old, new)
            .into_iter()
            .map(|(field, before, model)| FieldChange {
                yours: field_text(&a.body, &field),
                field,
                before,
                model,
            })
            .collect();
        out.push(ModelUpdate {
            activity: a.id,
            name: a.body.name.clone(),
            from: link.version,
            to: m.version,
            changes,
            before: old.clone(),
            model: new.clone(),
            yours: a.body,
        });
    }
    Ok(out)
}

/// Takes the chosen fields from the model's current version into the
/// tenant's activity (a new version of it, with the reason), and records
/// that it now follows that version; fields not chosen keep the tenant's
/// values.
pub async fn take(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    model: i64,
    activity: ActivityId,
    fields: &[String],
    by: &str,
    now: Timestamp,
) -> Result<StoredActivity> {
    let m = ctx.store.model(model).await?;
    let (a, link) = ctx
        .store
        .linked_activities(scope, model)
        .await?
        .into_iter()
        .find(|(a, _)| a.id == activity)
        .ok_or(ServiceError::Store(StoreError::NotFound))?;
    let new = m
        .activities
        .iter()
        .find(|x| x.name == link.name)
        .ok_or_else(|| invalid("fields", "the model no longer has this activity"))?;
    let (Ok(Value::Object(mut mine)), Ok(Value::Object(theirs))) =
        (serde_json::to_value(&a.body), serde_json::to_value(new))
    else {
        return Err(invalid("fields", "the activity cannot be read"));
    };
    for f in fields {
        match theirs.get(f) {
            Some(v) => {
                mine.insert(f.clone(), v.clone());
            }
            None => return Err(invalid("fields", format!("unknown field {f}"))),
        }
    }
    let body: Activity = serde_json::from_value(Value::Object(mine))
        .map_err(|e| invalid("fields", e.to_string()))?;
    let reason = if fields.is_empty() {
        format!("modèle « {} » v{} : rien repris", m.product, m.version)
    } else {
        format!(
            "modèle « {} » v{} : {} repris",
            m.product,
            m.version,
            fields.join(", ")
        )
    };
    let saved = crate::register::save(
        ctx, scope, a.id, a.version, body, a.status, by, &reason, now,
    )
    .await?;
    ctx.store.relink(scope, a.id, m.version).await?;
    Ok(saved)
}
