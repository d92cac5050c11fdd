//! Consent (C35–C37): a tenant declares its websites and their purposes;
//! the banner records each choice, checked against the site it came from;
//! an agent records one given on a form or on paper; the DPO reads a
//! device's proof with its chain checked; objections to solicitation go
//! on a suppression list looked up by keyed hash.

use std::collections::BTreeMap;

use jiff::Timestamp;
use vigie_domain::{
    consent::{
        Category, Choices, ConsentMethod, ConsentRecord, DeviceId, NoticeVersion, Purpose,
        SiteOrigin, holds, normalise,
    },
    rights::Channel,
    role::Permission,
    scope::TenantScope,
    time::legal_date,
};
use vigie_store::{ConsentSite, SiteDraft, StoredConsent, vault};

use crate::{Ctx, Result, ServiceError, invalid};

fn consent_error(e: vigie_domain::consent::ConsentError) -> ServiceError {
    use vigie_domain::consent::ConsentError as E;
    let field = match &e {
        E::Origin(_) => "origin",
        E::Device => "device",
        E::Purposes(_) => "purposes",
        E::NoticeVersion => "notice_version",
    };
    invalid(field, e.to_string())
}

/// A site as its form gives it.
#[derive(Debug, Clone, Default)]
pub struct SiteInput {
    pub name: String,
    pub origin: String,
    pub notice_version: String,
    /// Per optional category, the services behind it (one per line or
    /// comma-separated); a category left out is not used by the site.
    pub services: BTreeMap<Category, String>,
}

impl SiteInput {
    fn check(&self) -> Result<SiteDraft> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(invalid("name", "1 to 200 characters"));
        }
        let mut purposes = vec![Purpose {
            category: Category::Necessary,
            services: vec![],
        }];
        for (c, text) in &self.services {
            let services: Vec<String> = text
                .split([',', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if *c != Category::Necessary && !services.is_empty() {
                if services.iter().any(|s| s.chars().count() > 80) {
                    return Err(invalid(
                        "services",
                        "a service's name is 80 characters at most",
                    ));
                }
                purposes.push(Purpose {
                    category: *c,
                    services,
                });
            }
        }
        Ok(SiteDraft {
            name: name.to_owned(),
            origin: SiteOrigin::parse(&self.origin).map_err(consent_error)?,
            notice_version: NoticeVersion::parse(&self.notice_version).map_err(consent_error)?,
            purposes,
        })
    }
}

fn may_manage(scope: &TenantScope) -> Result<()> {
    crate::require(
        scope,
        Permission::ManageSystems,
        "only the organisation's DPO declares its websites",
    )
}

pub async fn create_site(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    input: &SiteInput,
    now: Timestamp,
) -> Result<ConsentSite> {
    may_manage(scope)?;
    let draft = input.check()?;
    Ok(ctx
        .store
        .create_site(scope, &draft, &crate::random_token()[..24], now)
        .await?)
}

/// A new notice version for a site, its purposes kept: every device is
/// asked again.
pub async fn new_notice(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    id: i64,
    version: &str,
    now: Timestamp,
) -> Result<ConsentSite> {
    let site = ctx.store.site(scope, id).await?;
    if version.trim() == site.notice_version {
        return Err(invalid(
            "notice_version",
            "this is the current version already",
        ));
    }
    let input = SiteInput {
        name: site.name,
        origin: site.origin,
        notice_version: version.to_owned(),
        services: site
            .purposes
            .into_iter()
            .map(|p| (p.category, p.services.join(", ")))
            .collect(),
    };
    update_site(ctx, scope, id, &input, now).await
}

/// A changed notice version or purposes asks every device again.
pub async fn update_site(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    id: i64,
    input: &SiteInput,
    now: Timestamp,
) -> Result<ConsentSite> {
    may_manage(scope)?;
    let draft = input.check()?;
    Ok(ctx.store.update_site(scope, id, &draft, now).await?)
}

/// A choice as the banner sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ChoiceInput {
    pub device: String,
    pub choices: BTreeMap<String, bool>,
    pub notice_version: String,
}

/// Why the banner's call was refused, for the public endpoint to answer.
#[derive(Debug, thiserror::Error)]
pub enum BannerRefusal {
    #[error("no such site")]
    UnknownSite,
    #[error("this site's banner is served to {0} only")]
    WrongOrigin(String),
    #[error("{0}")]
    Invalid(String),
    /// Vigie's database did not answer: nothing was recorded.
    #[error("not recorded: {0}")]
    Unavailable(String),
}

/// The site a banner names.
pub async fn site_of(
    ctx: Ctx<'_>,
    site_key: &str,
) -> std::result::Result<ConsentSite, BannerRefusal> {
    ctx.store.site_by_key(site_key).await.map_err(|e| match e {
        vigie_store::StoreError::NotFound => BannerRefusal::UnknownSite,
        e => BannerRefusal::Unavailable(e.to_string()),
    })
}

impl From<ServiceError> for BannerRefusal {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(s) => BannerRefusal::Unavailable(s.to_string()),
            e => BannerRefusal::Invalid(e.to_string()),
        }
    }
}

/// Another site cannot act for this one: the browser's `Origin` must be
/// the site's.
fn from_own_origin(
    site: &ConsentSite,
    origin: Option<&str>,
) -> std::result::Result<(), BannerRefusal> {
    if origin.map(|o| o.trim_end_matches('/').to_ascii_lowercase()) != Some(site.origin.clone()) {
        return Err(BannerRefusal::WrongOrigin(site.origin.clone()));
    }
    Ok(())
}

/// Checks a choice sent by the banner of `site_key` from `origin` (the
/// browser's `Origin` header: another site cannot record for this one) and
/// makes its record, for the caller to append (one by one, or through the
/// group-committing writer).
pub async fn choice_from_banner(
    ctx: Ctx<'_>,
    site_key: &str,
    origin: Option<&str>,
    input: &ChoiceInput,
    now: Timestamp,
) -> std::result::Result<(TenantScope, ConsentRecord), BannerRefusal> {
    let site = site_of(ctx, site_key).await?;
    choice_for_site(&site, origin, input, now)
}

/// The same, for a site already read (the endpoint keeps them a moment).
pub fn choice_for_site(
    site: &ConsentSite,
    origin: Option<&str>,
    input: &ChoiceInput,
    now: Timestamp,
) -> std::result::Result<(TenantScope, ConsentRecord), BannerRefusal> {
    from_own_origin(site, origin)?;
    if input.notice_version != site.notice_version {
        return Err(BannerRefusal::Invalid(format!(
            "notice_version: the notice is now {}; reload the page",
            site.notice_version
        )));
    }
    prepare(
        site,
        &input.device,
        &input.choices,
        ConsentMethod::Banner,
        now,
    )
    .map_err(BannerRefusal::from)
}

/// Records a choice sent by the banner, appended on its own.
pub async fn record_from_banner(
    ctx: Ctx<'_>,
    site_key: &str,
    origin: Option<&str>,
    input: &ChoiceInput,
    now: Timestamp,
) -> std::result::Result<StoredConsent, BannerRefusal> {
    let (scope, record) = choice_from_banner(ctx, site_key, origin, input, now).await?;
    ctx.store
        .append_consent(&scope, &record)
        .await
        .map_err(|e| BannerRefusal::Unavailable(e.to_string()))
}

/// An agent records a choice given on a form or on paper, for a device or
/// a person's pseudonymous identifier.
pub async fn record_by_agent(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    site_id: i64,
    device: &str,
    choices: &BTreeMap<String, bool>,
    method: ConsentMethod,
    now: Timestamp,
) -> Result<StoredConsent> {
    crate::require(
        scope,
        Permission::Write,
        "recording a choice needs the agent's role",
    )?;
    let site = ctx.store.site(scope, site_id).await?;
    let (scope, record) = prepare(&site, device, choices, method, now)?;
    Ok(ctx.store.append_consent(&scope, &record).await?)
}

/// The record of a choice on `site`, checked; what it amounts to after
/// the device's previous one there is settled when it is appended.
fn prepare(
    site: &ConsentSite,
    device: &str,
    choices: &BTreeMap<String, bool>,
    method: ConsentMethod,
    now: Timestamp,
) -> Result<(TenantScope, ConsentRecord)> {
    let device = DeviceId::parse(device).map_err(consent_error)?;
    let choices = Choices::check(choices, &site.purposes).map_err(consent_error)?;
    let scope = TenantScope::of_system(site.tenant);
    let record = ConsentRecord {
        seq: 0,
        at: now,
        site: site.id,
        device: device.as_str().to_owned(),
        // Set again by the store from the device's previous choice, read
        // under the chain's lock.
        kind: choices.kind(None),
        choices,
        method,
        notice_version: site.notice_version.clone(),
    };
    Ok((scope, record))
}

/// A device's choices on a site that still hold (13 months, same notice);
/// none: the banner asks.
pub async fn current(
    ctx: Ctx<'_>,
    site: &ConsentSite,
    device: &str,
    now: Timestamp,
) -> Result<Option<StoredConsent>> {
    let device = DeviceId::parse(device).map_err(consent_error)?;
    let scope = TenantScope::of_system(site.tenant);
    Ok(ctx
        .store
        .device_consents(&scope, device.as_str())
        .await?
        .into_iter()
        .rev()
        .find(|c| c.record.site == site.id)
        .filter(|c| {
            holds(
                legal_date(c.record.at),
                &c.record.notice_version,
                legal_date(now),
                &site.notice_version,
            )
        }))
}

/// Walks the tenant's whole chain: `Ok(records)` if every hash holds, or
/// the first record that does not.
pub async fn verify_chain(
    ctx: Ctx<'_>,
    scope: &TenantScope,
) -> Result<std::result::Result<i64, i64>> {
    // From the anchor: records purged past their retention leave it.
    let (mut after, mut prev) = ctx.store.consent_anchor(scope).await?;
    let mut n = 0;
    loop {
        let batch = ctx.store.consent_chain(scope, after, 5000).await?;
        if batch.is_empty() {
            return Ok(Ok(n));
        }
        for c in batch {
            if c.record.seq != after + 1 || c.record.chain(&prev) != c.hash {
                return Ok(Err(c.record.seq));
            }
            prev = c.hash;
            after = c.record.seq;
            n += 1;
        }
    }
}

/// A device's proof: every choice it made, and whether the tenant's chain
/// holds (a record changed or removed anywhere breaks it).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Proof {
    pub device: String,
    pub records: Vec<ConsentRecord>,
    pub hashes: Vec<String>,
    pub chain_verified: bool,
}

pub async fn proof(ctx: Ctx<'_>, scope: &TenantScope, device: &str) -> Result<Proof> {
    let device = DeviceId::parse(device).map_err(consent_error)?;
    let records = ctx.store.device_consents(scope, device.as_str()).await?;
    let chain = verify_chain(ctx, scope).await?;
    Ok(Proof {
        device: device.as_str().to_owned(),
        hashes: records.iter().map(|r| r.hash.to_hex()).collect(),
        records: records.into_iter().map(|r| r.record).collect(),
        chain_verified: chain.is_ok(),
    })
}

/// The suppression list's keyed hash of a normalised value.
fn suppression_hash(ctx: Ctx<'_>, scope: &TenantScope, channel: Channel, value: &str) -> String {
    let key = ctx.vault.masking_key(scope.tenant());
    let mut h = blake3::Hasher::new_keyed(&key);
    h.update(b"vigie-suppression-v1\n");
    h.update(channel.as_str().as_bytes());
    h.update(b"\n");
    h.update(value.as_bytes());
    h.finalize().to_hex().to_string()
}

fn normalised(channel: Channel, raw: &str) -> Result<String> {
    normalise(channel, raw).ok_or_else(|| {
        invalid(
            "value",
            match channel {
                Channel::Email => "an email address",
                Channel::Post => "by email, SMS or phone only",
                _ => "a French number: 06 12 34 56 78 or +33 6 12 34 56 78",
            },
        )
    })
}

/// Puts an address or number on the suppression list (C37); false if it
/// was there already.
pub async fn object(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    channel: Channel,
    raw: &str,
    source: &str,
    now: Timestamp,
) -> Result<bool> {
    let value = normalised(channel, raw)?;
    let hash = suppression_hash(ctx, scope, channel, &value);
    let sealed = ctx.vault.seal(
        vault::Purpose::Suppression,
        scope.tenant(),
        value.as_bytes(),
    )?;
    Ok(ctx
        .store
        .add_suppression(scope, channel, &hash, &sealed, source, now)
        .await?)
}

/// An objection sent from a form on one of the tenant's sites (C37), only
/// from that site's origin: the address or number goes on the tenant's
/// list (false if it was there already).
pub async fn object_from_site(
    ctx: Ctx<'_>,
    site: &ConsentSite,
    origin: Option<&str>,
    channel: &str,
    value: &str,
    now: Timestamp,
) -> std::result::Result<bool, BannerRefusal> {
    from_own_origin(site, origin)?;
    let channel = Channel::parse(channel)
        .filter(|c| *c != Channel::Post)
        .ok_or_else(|| BannerRefusal::Invalid("channel: email, sms or phone".into()))?;
    let scope = TenantScope::of_system(site.tenant);
    let source = format!("site:{}", site.name);
    Ok(object(ctx, &scope, channel, value, &source, now).await?)
}

/// Whether an address or number is on the list: compared by keyed hash.
pub async fn is_suppressed(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    channel: Channel,
    raw: &str,
) -> Result<bool> {
    let value = normalised(channel, raw)?;
    let hash = suppression_hash(ctx, scope, channel, &value);
    Ok(ctx.store.is_suppressed(scope, channel, &hash).await?)
}

/// The suppression list for a mailing tool (C37): channel and value (as
/// normalised) per line, CSV, every entry opened from its seal. For the
/// DPO only; the caller traces it.
pub async fn suppression_csv(ctx: Ctx<'_>, scope: &TenantScope) -> Result<Vec<u8>> {
    crate::require(
        scope,
        Permission::ManageSystems,
        "only the organisation's DPO exports the suppression list",
    )?;
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let row = |w: &mut csv::Writer<Vec<u8>>, cells: [&str; 4]| {
        w.write_record(cells.map(vigie_domain::cell::spreadsheet_safe))
            .map_err(|e| invalid("export", e.to_string()))
    };
    row(&mut w, ["channel", "value", "source", "added_at"])?;
    for n in 1.. {
        let page = ctx
            .store
            .suppressions(scope, "", vigie_domain::page::Page::new(Some(n), Some(500)))
            .await?;
        for s in &page.items {
            let value =
                ctx.vault
                    .open(vault::Purpose::Suppression, scope.tenant(), &s.value_sealed)?;
            row(
                &mut w,
                [
                    s.channel.as_str(),
                    &String::from_utf8_lossy(&value),
                    &s.source,
                    &s.created_at.to_string(),
                ],
            )?;
        }
        if !page.has_next() {
            break;
        }
    }
    w.into_inner().map_err(|e| invalid("export", e.to_string()))
}
