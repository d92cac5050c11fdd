//! Posting webhook deliveries (issue 20): each to the address its endpoint
//! names, only if the provider's `[webhooks] hosts` still allow it, to
//! the addresses the name resolved to (no second resolution that could
//! lead elsewhere), with no redirect followed and one timeout for the
//! whole exchange. Endpoints are tried side by side: a silent one costs
//! its own deliveries a timeout, never another tenant's.

use std::{net::SocketAddr, time::Duration};

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};
use vigie_domain::{jobs::retry_delay, webhook::MAX_ATTEMPTS};
use vigie_service::{
    Ctx,
    webhooks::{self, EndpointUrl},
};
use vigie_store::Delivery;

/// Deliveries claimed at a time, and how long the claim holds (tries of
/// one endpoint follow each other, each bounded by the timeout).
const BATCH: i64 = 50;

/// What one pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub delivered: usize,
    pub retried: usize,
    pub abandoned: usize,
    /// Left untried for the next pass (after their endpoint failed).
    pub waiting: usize,
}

/// Why one try failed, in words a tenant can act on.
struct Failure {
    status: Option<i64>,
    error: String,
}

fn failure(error: impl Into<String>) -> Failure {
    Failure {
        status: None,
        error: error.into(),
    }
}

/// Claims due deliveries and posts them; returns what happened.
pub async fn deliver(
    ctx: Ctx<'_>,
    worker: &str,
    timeout: Duration,
    now: Timestamp,
) -> Result<Pass, String> {
    let lease = SignedDuration::try_from(timeout * u32::try_from(BATCH).unwrap_or(50))
        .unwrap_or(SignedDuration::from_mins(10))
        + SignedDuration::from_secs(30);
    let due = ctx
        .store
        .claim_deliveries(worker, now, now + lease, BATCH)
        .await
        .map_err(|e| e.to_string())?;
    let mut by_endpoint: Vec<(i64, Vec<Delivery>)> = Vec::new();
    for d in due {
        match by_endpoint.iter_mut().find(|(w, _)| *w == d.webhook) {
            Some((_, list)) => list.push(d),
            None => by_endpoint.push((d.webhook, vec![d])),
        }
    }
    let passes = join_all(
        by_endpoint
            .into_iter()
            .map(|(_, list)| endpoint_pass(ctx, worker, timeout, list)),
    )
    .await;
    let mut total = Pass::default();
    for p in passes {
        let p = p?;
        total.delivered += p.delivered;
        total.retried += p.retried;
        total.abandoned += p.abandoned;
        total.waiting += p.waiting;
    }
    Ok(total)
}

/// One endpoint's deliveries, oldest first; after a failure the rest wait
/// for the next pass (the endpoint would likely fail them too).
async fn endpoint_pass(
    ctx: Ctx<'_>,
    worker: &str,
    timeout: Duration,
    list: Vec<Delivery>,
) -> Result<Pass, String> {
    let s = ctx.store;
    let mut pass = Pass::default();
    for (i, d) in list.iter().enumerate() {
        match post(ctx, d, timeout).await {
            Ok(status) => {
                s.mark_delivered(d.id, worker, status, Timestamp::now())
                    .await
                    .map_err(|e| e.to_string())?;
                pass.delivered += 1;
            }
            Err(f) => {
                let tries = u32::try_from(d.attempts).unwrap_or(0) + 1;
                let retry = next_try(tries, Timestamp::now());
                tracing::info!(
                    delivery = d.id,
                    endpoint = d.webhook,
                    "webhook not delivered: {}",
                    f.error
                );
                s.mark_undelivered(d.id, worker, f.status, &f.error, retry)
                    .await
                    .map_err(|e| e.to_string())?;
                if retry.is_some() {
                    pass.retried += 1;
                } else {
                    pass.abandoned += 1;
                }
                for rest in &list[i + 1..] {
                    s.release_delivery(rest.id, worker, Timestamp::now())
                        .await
                        .map_err(|e| e.to_string())?;
                    pass.waiting += 1;
                }
                break;
            }
        }
    }
    Ok(pass)
}

/// When a delivery that failed its `tries`-th try is tried again; `None`
/// once it has had `MAX_ATTEMPTS` (abandoned, sent again only on request).
pub fn next_try(tries: u32, now: Timestamp) -> Option<Timestamp> {
    (tries < MAX_ATTEMPTS).then(|| now + retry_delay(tries.saturating_sub(1)))
}

/// One try: the status when the endpoint answered 2xx.
async fn post(ctx: Ctx<'_>, d: &Delivery, timeout: Duration) -> Result<i64, Failure> {
    let scope = vigie_domain::scope::TenantScope::of_system(d.tenant);
    let hook = ctx
        .store
        .webhook(&scope, d.webhook)
        .await
        .map_err(|e| failure(format!("endpoint not readable: {e}")))?;
    // The allow-list is read again at each try: a host the provider has
    // removed since is not reached.
    let url = EndpointUrl::parse(&hook.url, &ctx.confinement.webhook_hosts)
        .map_err(|e| failure(e.to_string()))?;
    let addrs = resolve(&url, timeout).await?;
    let now = Timestamp::now();
    let secrets = webhooks::secrets_of(ctx, &hook, now).map_err(|e| failure(e.to_string()))?;
    let at = now.as_second();
    let signature = webhooks::signatures(&secrets, &d.event_id, at, &d.payload)
        .map_err(|e| failure(e.to_string()))?;
    // HTTPS on the ring provider, as the rest of Vigie (an error only
    // says one is installed already).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .resolve_to_addrs(url.host(), &addrs)
        .user_agent(concat!("Vigie-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| failure(format!("HTTP client: {e}")))?;
    let answer = client
        .post(url.as_str())
        .header("content-type", "application/json")
        .header("webhook-id", &d.event_id)
        .header("webhook-timestamp", at.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .send()
        .await
        .map_err(|e| {
            failure(if e.is_timeout() {
                format!("no answer within {} s", timeout.as_secs())
            } else if e.is_connect() {
                "the endpoint could not be reached (connection refused or failed)".to_owned()
            } else {
                format!("the exchange failed: {e}")
            })
        })?;
    let status = i64::from(answer.status().as_u16());
    if answer.status().is_success() {
        Ok(status)
    } else {
        Err(Failure {
            status: Some(status),
            error: format!("the endpoint answered {status}"),
        })
    }
}

/// The addresses a name leads to, checked by [`local_refusal`].
async fn resolve(url: &EndpointUrl, timeout: Duration) -> Result<Vec<SocketAddr>, Failure> {
    let host = url.host().trim_start_matches('[').trim_end_matches(']');
    let found = tokio::time::timeout(timeout, tokio::net::lookup_host((host, url.port())))
        .await
        .map_err(|_| failure(format!("{host}: no DNS answer in time")))?
        .map_err(|_| failure(format!("{host}: the name does not resolve")))?
        .collect::<Vec<_>>();
    if found.is_empty() {
        return Err(failure(format!("{host}: the name does not resolve")));
    }
    match local_refusal(host, &found) {
        Some(why) => Err(failure(why)),
        None => Ok(found),
    }
}

/// Why a name's addresses are refused: a name (not a literal address,
/// not `localhost`) that leads to this machine or to a link-local address
/// (cloud metadata). Allowing `*.clients.example` must not let one of its
/// names lead to Vigie's own ports.
fn local_refusal(host: &str, found: &[SocketAddr]) -> Option<String> {
    if host.parse::<std::net::IpAddr>().is_ok() || host == "localhost" {
        return None;
    }
    let local = |a: &SocketAddr| match a.ip() {
        std::net::IpAddr::V4(v) => {
            v.is_loopback() || v.is_link_local() || v.is_unspecified() || v.is_broadcast()
        }
        std::net::IpAddr::V6(v) => {
            v.is_loopback()
                || v.is_unspecified()
                || v.is_unicast_link_local()
                || v.to_ipv4_mapped()
                    .is_some_and(|m| m.is_loopback() || m.is_link_local())
        }
    };
    found
        .iter()
        .any(local)
        .then(|| format!("{host} leads to a local or link-local address: refused"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_is_tried_for_about_a_day_and_a_half_then_abandoned() {
        let t0 = Timestamp::UNIX_EPOCH;
        let mut at = t0;
        let mut tries = 0;
        while let Some(next) = next_try(tries + 1, at) {
            assert!(next > at);
            at = next;
            tries += 1;
        }
        assert_eq!(tries + 1, MAX_ATTEMPTS, "the last try is the 15th");
        let span = at.duration_since(t0).as_hours();
        assert!((30..=48).contains(&span), "{span} h");
        assert_eq!(next_try(1, t0), Some(t0 + SignedDuration::from_secs(30)));
    }

    #[test]
    fn a_name_never_leads_to_this_machine_or_the_cloud_metadata() {
        let at = |a: &str| vec![a.parse::<SocketAddr>().unwrap()];
        for bad in [
            "127.0.0.1:443",
            "169.254.169.254:80",
            "0.0.0.0:80",
            "[::1]:443",
            "[fe80::1]:443",
            "[::ffff:127.0.0.1]:443",
        ] {
            assert!(
                local_refusal("hooks.sidec.example", &at(bad)).is_some(),
                "{bad}"
            );
        }
        assert!(local_refusal("hooks.sidec.example", &at("203.0.113.7:443")).is_none());
        // Written as such, the provider allowed it knowingly.
        assert!(local_refusal("127.0.0.1", &at("127.0.0.1:443")).is_none());
        assert!(local_refusal("localhost", &at("127.0.0.1:443")).is_none());
    }
}
