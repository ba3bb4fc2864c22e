//! Who is calling: the client's address, taking `X-Forwarded-For` only from configured
//! trusted proxies (anyone can send the header; only a proxy we run may be believed).

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::dev::ServiceRequest;

/// The client address of a request: the peer, or — when the peer is a trusted proxy —
/// the right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn address_of(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    // An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    let peer = peer?.to_canonical();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(chain) = forwarded_for else {
        return Some(peer);
    };
    let mut last = peer;
    for hop in chain.rsplit(',') {
        match hop.trim().parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) if trusted.contains(&ip) => last = ip,
            Ok(ip) => return Some(ip),
            // A malformed entry: stop believing the chain there.
            Err(_) => return Some(last),
        }
    }
    Some(last)
}

fn forwarded(headers: &actix_web::http::header::HeaderMap) -> Option<String> {
    let all: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!all.is_empty()).then(|| all.join(","))
}

/// A client's identity for quotas and view counting: an IPv4 address, or the /64
/// network of an IPv6 one (one host usually holds a whole /64); `unknown` without a
/// peer (as in in-process tests).
fn identity(ip: Option<IpAddr>) -> String {
    match ip {
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(ip) => ip.to_string(),
        None => "unknown".to_string(),
    }
}

/// The client's identity (see [`address_of`]) for a request in a handler.
pub fn address(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let chain = forwarded(req.headers());
    identity(address_of(
        req.peer_addr().map(|a| a.ip()),
        chain.as_deref(),
        trusted,
    ))
}

/// [`address`] for a request still in the middleware chain.
pub fn service_address(req: &ServiceRequest, trusted: &[IpAddr]) -> String {
    let chain = forwarded(req.headers());
    identity(address_of(
        req.peer_addr().map(|a| a.ip()),
        chain.as_deref(),
        trusted,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy, ip("10.0.0.2")];
        // Direct client: the header is ignored.
        assert_eq!(
            address_of(Some(ip("203.0.113.9")), Some("1.2.3.4"), &trusted),
            Some(ip("203.0.113.9"))
        );
        // Through our proxies: the right-most untrusted hop; a spoofed left part is ignored.
        assert_eq!(
            address_of(
                Some(proxy),
                Some("6.6.6.6, 198.51.100.7, 10.0.0.2"),
                &trusted
            ),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(address_of(Some(proxy), None, &trusted), Some(proxy));
        assert_eq!(
            address_of(Some(proxy), Some("garbage, 10.0.0.2"), &trusted),
            Some(ip("10.0.0.2"))
        );
        assert_eq!(address_of(None, Some("1.2.3.4"), &trusted), None);
        // A trusted IPv4 proxy seen through a dual-stack socket is still trusted.
        assert_eq!(
            address_of(Some(ip("::ffff:10.0.0.1")), Some("198.51.100.7"), &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            identity(Some(ip("2001:db8:1:2:3:4:5:6"))),
            "2001:db8:1:2::/64"
        );
    }
}
