//! The caller's address behind a reverse proxy (issue 12): only a proxy
//! the provider lists is believed about who it forwards for; anyone else's
//! `X-Forwarded-For` or `Forwarded` is ignored. Sign-in delays, the public
//! form's limit and the trail then see people, not the proxy.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::HeaderMap,
    middleware::Next,
    response::Response,
};

use crate::AppState;

/// The address the request comes from, once proxies are accounted for.
#[derive(Debug, Clone, Copy)]
pub struct CallerIp(pub IpAddr);

/// The addresses the proxies say they forwarded for, nearest last.
fn forwarded_chain(h: &HeaderMap) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for v in h
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for element in v.split(',') {
            for pair in element.split(';') {
                if let Some((k, val)) = pair.trim().split_once('=')
                    && k.trim().eq_ignore_ascii_case("for")
                {
                    let val = val.trim().trim_matches('"');
                    // `for="[2001:db8::1]:4711"` or `for=192.0.2.1:80`.
                    let host = val
                        .strip_prefix('[')
                        .and_then(|x| x.split_once(']').map(|(a, _)| a))
                        .unwrap_or_else(|| val.split(':').next().unwrap_or(val));
                    if let Ok(ip) = host.parse() {
                        out.push(ip);
                    }
                }
            }
        }
    }
    if out.is_empty() {
        for v in h
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            out.extend(v.split(',').filter_map(|x| x.trim().parse::<IpAddr>().ok()));
        }
    }
    out
}

/// The caller: the peer, unless it is a trusted proxy; then the nearest
/// address in the chain that is not a trusted proxy itself.
pub fn caller(peer: IpAddr, h: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let chain = forwarded_chain(h);
    chain
        .iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .or(chain.first())
        .copied()
        .unwrap_or(peer)
}

pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let ip = caller(peer, req.headers(), &state.settings.trusted_proxies);
        req.extensions_mut().insert(CallerIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn c25_c28_only_a_listed_proxy_is_believed() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let xff = h(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(
            caller(stranger, &xff, &[proxy]),
            stranger,
            "spoofed header ignored"
        );
        assert_eq!(
            caller(proxy, &xff, &[proxy]),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        // A client that forges an entry: the nearest untrusted one wins.
        let forged = h(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7")]);
        assert_eq!(
            caller(proxy, &forged, &[proxy]),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        let rfc = h(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")]);
        assert_eq!(
            caller(proxy, &rfc, &[proxy]),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(caller(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
