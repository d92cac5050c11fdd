//! Webhooks (issue 20): a tenant's endpoints, told when a scan or a
//! rights request's execution ends; how an event is queued once, and how
//! it is signed.
//!
//! An event is queued after the work's outcome is written, by the job that
//! wrote it, under an id made of what the outcome is (a scan's final
//! state and instant, a request's tasks' last change): a job killed in
//! between is taken again, finds the work done, and queues the same id,
//! which the store keeps once per endpoint. Deliveries are at least once:
//! the receiver drops a repeat by the `webhook-id` header.
//!
//! The signature follows the Standard Webhooks scheme, so that the
//! receivers' existing libraries check it: `webhook-signature: v1,<base64
//! of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, the key being the
//! bytes after `whsec_` in the secret, base64-decoded.

use base64::{Engine, engine::general_purpose::STANDARD as B64};
use hmac::{Hmac, Mac};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use sha2::Sha256;
use vigie_domain::{
    scope::TenantScope,
    webhook::{EventKind, Subscriptions},
};
use vigie_store::{NewWebhook, TaskState, Webhook, vault::Purpose};

use crate::{Ctx, Result, invalid};

/// What every secret starts with.
pub const SECRET_PREFIX: &str = "whsec_";

/// An endpoint's address: `https://` (or `http://`), a host and port the
/// provider allows, a path; no user or password, no fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl {
    url: url::Url,
}

impl EndpointUrl {
    pub fn parse(text: &str, allowed: &[vigie_connect::target::HostPattern]) -> Result<Self> {
        let text = text.trim();
        if text.len() > 2000 {
            return Err(invalid("url", "2,000 characters at most"));
        }
        let url =
            url::Url::parse(text).map_err(|e| invalid("url", format!("not an address: {e}")))?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(invalid("url", "an https:// (or http://) address"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "url",
                "no user or password in the address: the signature proves the sender",
            ));
        }
        if url.fragment().is_some() {
            return Err(invalid("url", "no #fragment in the address"));
        }
        let host = url
            .host_str()
            .ok_or_else(|| invalid("url", "the address names no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| invalid("url", "the address names no port"))?;
        if !allowed.iter().any(|p| p.matches(&host, port)) {
            return Err(invalid(
                "url",
                format!(
                    "{host}:{port} is not among the places the provider allows webhooks to go ([webhooks] hosts)"
                ),
            ));
        }
        Ok(EndpointUrl { url })
    }

    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }
}

/// A new endpoint's secret: shown once, sealed at rest.
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    // An OS without randomness cannot run Vigie safely at all.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut b).expect("the operating system must provide randomness");
    format!("{SECRET_PREFIX}{}", B64.encode(b))
}

/// `v1,<base64>` for a body sent with `id` at `timestamp` (Unix seconds).
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String> {
    let key = secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|k| B64.decode(k).ok())
        .ok_or_else(|| invalid("secret", "not a webhook secret"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|_| invalid("secret", "not a webhook secret"))?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// Records an endpoint; gives it back with its secret, the only time the
/// secret is shown.
pub async fn create(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    url: &str,
    description: &str,
    events: &[&str],
    by: &str,
    now: Timestamp,
) -> Result<(Webhook, String)> {
    let url = EndpointUrl::parse(url, &ctx.confinement.webhook_hosts)?;
    let description = description.trim();
    if description.chars().count() > 200 {
        return Err(invalid("description", "200 characters at most"));
    }
    if description.chars().any(char::is_control) {
        return Err(invalid("description", "no control character"));
    }
    let events = Subscriptions::parse(events.iter().copied()).map_err(|e| invalid("events", e))?;
    let secret = new_secret();
    let sealed = ctx
        .vault
        .seal(Purpose::WebhookSecret, scope.tenant(), secret.as_bytes())?;
    let hook = ctx
        .store
        .create_webhook(
            scope,
            &NewWebhook {
                url: url.as_str().to_owned(),
                description: description.to_owned(),
                events,
                secret_sealed: sealed,
            },
            by,
            now,
        )
        .await?;
    Ok((hook, secret))
}

/// How long a rotated secret keeps signing beside the new one: a day for
/// the receiver to switch without refusing a call.
pub const ROTATION_OVERLAP: SignedDuration = SignedDuration::from_hours(24);

/// Gives the endpoint a new secret, shown this once; the one it replaces
/// keeps signing beside it until the overlap ends (`ROTATION_OVERLAP`).
pub async fn rotate(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    id: i64,
    now: Timestamp,
) -> Result<(String, Timestamp)> {
    ctx.store.webhook(scope, id).await?;
    let secret = new_secret();
    let sealed = ctx
        .vault
        .seal(Purpose::WebhookSecret, scope.tenant(), secret.as_bytes())?;
    let until = now + ROTATION_OVERLAP;
    ctx.store
        .rotate_webhook_secret(scope, id, &sealed, until)
        .await?;
    Ok((secret, until))
}

/// The secrets that sign a call at `now`: the endpoint's, and the one it
/// replaced while the overlap lasts.
pub fn secrets_of(ctx: Ctx<'_>, hook: &Webhook, now: Timestamp) -> Result<Vec<String>> {
    let open = |sealed: &[u8]| -> Result<String> {
        let plain = ctx
            .vault
            .open(Purpose::WebhookSecret, hook.tenant, sealed)?;
        String::from_utf8(plain).map_err(|_| invalid("secret", "not a webhook secret"))
    };
    let mut all = vec![open(&hook.secret_sealed)?];
    if let (Some(previous), Some(until)) = (&hook.previous_secret_sealed, hook.previous_until)
        && now < until
    {
        all.push(open(previous)?);
    }
    Ok(all)
}

/// The `webhook-signature` header: one `v1,…` per secret, space-separated
/// (a receiver accepts the call when one of them checks).
pub fn signatures(secrets: &[String], id: &str, timestamp: i64, body: &str) -> Result<String> {
    let each = secrets
        .iter()
        .map(|s| signature(s, id, timestamp, body))
        .collect::<Result<Vec<_>>>()?;
    Ok(each.join(" "))
}

/// The body every endpoint receives for one event: fixed when queued, so
/// that each try signs the same bytes.
fn body(kind: EventKind, id: &str, tenant: &str, at: Timestamp, data: serde_json::Value) -> String {
    json!({
        "type": kind.as_str(),
        "id": id,
        "timestamp": at.to_string(),
        "tenant": tenant,
        "data": data,
    })
    .to_string()
}

/// Queues the event for every active endpoint of the tenant that asked for
/// it; returns how many were new (a repeat queues nothing).
async fn announce(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    kind: EventKind,
    id: &str,
    data: serde_json::Value,
    now: Timestamp,
) -> Result<usize> {
    let hooks = ctx.store.active_webhooks(scope).await?;
    let hooks: Vec<_> = hooks.iter().filter(|h| h.events.includes(kind)).collect();
    if hooks.is_empty() {
        return Ok(0);
    }
    let tenant = ctx.store.tenant(scope.tenant()).await?;
    let payload = body(kind, id, tenant.slug.as_str(), now, data);
    let mut queued = 0;
    for h in hooks {
        if ctx
            .store
            .queue_delivery(scope, h.id, id, kind, &payload, now)
            .await?
        {
            queued += 1;
        }
    }
    Ok(queued)
}

/// After a scan's job: when the scan has ended (done or failed), tells the
/// endpoints once for that ending.
pub async fn scan_ended(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    scan: i64,
    now: Timestamp,
) -> Result<usize> {
    let s = ctx.store.scan(scope, scan).await?;
    let Some(finished) = s
        .finished_at
        .filter(|_| matches!(s.state.as_str(), "done" | "failed"))
    else {
        return Ok(0);
    };
    let id = format!("scan_{}_{}_{}", s.id, s.state, finished.as_microsecond());
    let data = json!({
        "scan": s.id,
        "system": s.system.0,
        "state": s.state,
        "finished_at": finished.to_string(),
        "message": s.message,
        "url": format!("{}/api/v1/systems/{}/scans/{}", ctx.base_url.trim_end_matches('/'), s.system.0, s.id),
    });
    announce(ctx, scope, EventKind::ScanFinished, &id, data, now).await
}

/// After a rights task's job: when no task of its request is queued,
/// running or applying any more, tells the endpoints once for that state
/// of the tasks (a retry that ends again is a new event).
pub async fn execution_ended(ctx: Ctx<'_>, task: i64, now: Timestamp) -> Result<usize> {
    let t = ctx.store.task(task).await?;
    let scope = TenantScope::of_system(t.tenant);
    let tasks = ctx.store.tasks(&scope, t.request).await?;
    let settled = |s: TaskState| matches!(s, TaskState::Done | TaskState::Failed | TaskState::Held);
    if tasks.is_empty() || !tasks.iter().all(|x| settled(x.state)) {
        return Ok(0);
    }
    let r = ctx.store.request(&scope, t.request).await?;
    let last = tasks.iter().map(|x| x.updated_at).max().unwrap_or(now);
    let id = format!("execution_{}_{}", r.id.0, last.as_microsecond());
    let data = json!({
        "request": r.id.0,
        "reference": r.reference,
        "status": r.status.as_str(),
        "tasks": tasks.iter().map(|x| json!({
            "id": x.id,
            "system": x.system.0,
            "system_name": x.system_name,
            "state": x.state.as_str(),
            "found": x.found,
            "changed": x.changed,
        })).collect::<Vec<_>>(),
        "url": format!("{}/api/v1/requests/{}", ctx.base_url.trim_end_matches('/'), r.id.0),
    });
    announce(ctx, &scope, EventKind::ExecutionFinished, &id, data, now).await
}

/// After a masked copy's job: when the copy has ended (done or failed),
/// tells the endpoints once.
pub async fn copy_ended(
    ctx: Ctx<'_>,
    scope: &TenantScope,
    copy: i64,
    now: Timestamp,
) -> Result<usize> {
    let c = ctx.store.copy(scope, copy).await?;
    if !matches!(c.state.as_str(), "done" | "failed") {
        return Ok(0);
    }
    let id = format!("copy_{}_{}", c.id, c.state);
    let data = json!({
        "copy": c.id,
        "system": c.system.0,
        "state": c.state,
        "rows_copied": c.rows_copied,
        "target": c.target_hint,
        "error": c.error,
        "url": format!("{}/api/v1/systems/{}/copies/{}", ctx.base_url.trim_end_matches('/'), c.system.0, c.id),
    });
    announce(ctx, scope, EventKind::CopyFinished, &id, data, now).await
}

/// Queues a test event for one endpoint (active or not: a paused endpoint
/// is tried when resumed).
pub async fn ping(ctx: Ctx<'_>, scope: &TenantScope, hook: i64, now: Timestamp) -> Result<String> {
    let h = ctx.store.webhook(scope, hook).await?;
    let tenant = ctx.store.tenant(scope.tenant()).await?;
    let id = format!("ping_{}", &crate::random_token()[..24]);
    let payload = body(
        EventKind::Ping,
        &id,
        tenant.slug.as_str(),
        now,
        json!({ "webhook": h.id }),
    );
    ctx.store
        .queue_delivery(scope, h.id, &id, EventKind::Ping, &payload, now)
        .await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_connect::target::HostPattern;

    fn allowed() -> Vec<HostPattern> {
        vec![
            HostPattern::parse("hooks.sidec.example:443").unwrap(),
            HostPattern::parse("127.0.0.1:*").unwrap(),
        ]
    }

    #[test]
    fn endpoint_urls_go_only_where_the_provider_allows() {
        let ok = EndpointUrl::parse("https://hooks.sidec.example/vigie", &allowed()).unwrap();
        assert_eq!(ok.port(), 443);
        assert!(EndpointUrl::parse("http://127.0.0.1:9/x", &allowed()).is_ok());
        for bad in [
            "https://hooks.sidec.example:8443/vigie",
            "https://evil.example/",
            "https://user:pw@hooks.sidec.example/",
            "https://hooks.sidec.example/#x",
            "ftp://hooks.sidec.example/",
            "http://169.254.169.254/latest/meta-data/",
            "http://localhost:8080/api/v1/me",
            "not a url",
        ] {
            assert!(EndpointUrl::parse(bad, &allowed()).is_err(), "{bad}");
        }
        assert!(EndpointUrl::parse("https://hooks.sidec.example/", &[]).is_err());
    }

    #[test]
    fn the_signature_is_the_standard_one() {
        // The Standard Webhooks specification's own example.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, id, 1614265330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(signature("nope", id, 1, body).is_err());
        // Two secrets (a rotation's overlap): both signatures, the new
        // one first, space-separated as the specification has them.
        let other = "whsec_dGhlIHJlcGxhY2VkIHNlY3JldCBvZiB0aGlzIHRlc3Q=";
        let both =
            signatures(&[secret.to_owned(), other.to_owned()], id, 1614265330, body).unwrap();
        assert_eq!(
            both,
            format!(
                "{} {}",
                signature(secret, id, 1614265330, body).unwrap(),
                signature(other, id, 1614265330, body).unwrap()
            )
        );
        assert_ne!(
            signature(secret, id, 1614265330, body).unwrap(),
            signature(other, id, 1614265330, body).unwrap()
        );
        let fresh = new_secret();
        assert!(fresh.starts_with(SECRET_PREFIX) && fresh.len() > 40);
        assert_ne!(fresh, new_secret());
    }
}
