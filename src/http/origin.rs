//! Where the bridge says it lives: the `scheme://host` of `meta.location` and `Location`.
//!
//! `Host`, `Forwarded` (RFC 7239) and `X-Forwarded-Host`/`-Proto` are whatever the client wrote,
//! and what they name is sent back in every resource, so they are held to three rules:
//! - a configured `public_url` wins over every header (the surest setting behind a balancer);
//! - forwarded headers count only when the peer is a configured trusted proxy;
//! - whatever is used must be a scheme of `http`/`https` and a host of RFC 3986 `reg-name` or IP
//!   literal characters with an optional port; anything else (`javascript://…`,
//!   `"><script>`) is ignored in favour of the address the request arrived on.

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::HttpRequest;
use ipnet::IpNet;

/// How the bridge finds its own origin.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    /// `https://scim.example.com`, without a trailing slash.
    pub public_url: Option<String>,
    /// Peers whose `Forwarded` / `X-Forwarded-*` headers are honoured.
    pub trusted_proxies: Vec<IpNet>,
}

impl Origins {
    /// `scheme://host[:port]` for this request.
    pub fn origin(&self, req: &HttpRequest) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let trusted = req.peer_addr().is_some_and(|peer| self.trusts(peer.ip()));
        if trusted {
            let info = req.connection_info();
            if let (Some(scheme), Some(host)) = (scheme(info.scheme()), valid_host(info.host())) {
                return format!("{scheme}://{host}");
            }
        }
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .and_then(valid_host)
            .map(str::to_string)
            .unwrap_or_else(|| req.app_config().host().to_string());
        format!("http://{host}")
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.trusted_proxies.iter().any(|net| net.contains(&ip))
    }
}

fn scheme(s: &str) -> Option<&'static str> {
    if s.eq_ignore_ascii_case("https") {
        Some("https")
    } else if s.eq_ignore_ascii_case("http") {
        Some("http")
    } else {
        None
    }
}

/// `host[:port]` when it is one: a registered name (letters, digits, `-`, `.`, `_`), an IPv4
/// address, or a bracketed IPv6 literal, and a numeric port (RFC 3986 §3.2.2, §3.2.3).
pub fn valid_host(s: &str) -> Option<&str> {
    if s.is_empty() || s.len() > 255 {
        return None;
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<std::net::Ipv6Addr>().ok()?;
        match after {
            "" => (s, None),
            p => (s, Some(p.strip_prefix(':')?)),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let name_ok = host.starts_with('[')
        || (!host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')));
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (name_ok && port_ok).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_names_addresses_and_ports_only() {
        for ok in [
            "scim.example.com",
            "scim.example.com:8443",
            "127.0.0.1:8080",
            "[::1]:8080",
            "[2001:db8::1]",
            "my_host",
        ] {
            assert_eq!(valid_host(ok), Some(ok), "{ok} was refused");
        }
        for bad in [
            "",
            "\"><script>alert(1)</script>",
            "javascript://x",
            "evil.com/path",
            "a b",
            "host:port",
            "host:",
            "[::1",
            "[nonsense]:80",
            "user@host",
            "host:123456",
        ] {
            assert_eq!(valid_host(bad), None, "{bad} was accepted");
        }
    }

    #[test]
    fn only_http_and_https_are_schemes() {
        assert_eq!(scheme("HTTPS"), Some("https"));
        assert_eq!(scheme("http"), Some("http"));
        assert_eq!(scheme("javascript"), None);
    }
}
