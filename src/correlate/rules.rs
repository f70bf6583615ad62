//! Which values correlate (MISP.md §4.3–4.5), exclusions, and the derived links.

pub use crate::model::exclusion::excluded;

/// The host of a URL (`http://Host:8080/x` -> `host`), when it has one.
pub fn url_host(url: &str) -> Option<String> {
    // A scheme only counts before the first slash: `a.com/r?u=http://b.com` is about a.com.
    let rest = match url.split_once("://") {
        Some((scheme, r)) if !scheme.contains('/') => r,
        _ => url,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split_once(']')?.0
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host_port
            }
        })
    };
    let host = host.trim_end_matches('.').to_lowercase();
    (!host.is_empty()).then_some(host)
}

/// The registered domain of a host name by the public suffix list (`a.b.example.co.uk` ->
/// `example.co.uk`), when it differs from the host.
pub fn parent_domain(host: &str) -> Option<String> {
    let d = psl::domain_str(host)?;
    (d != host).then(|| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_hosts() {
        assert_eq!(
            url_host("https://Evil.Example.com:8443/a?b").as_deref(),
            Some("evil.example.com")
        );
        assert_eq!(
            url_host("http://user@host.test/x").as_deref(),
            Some("host.test")
        );
        assert_eq!(
            url_host("http://[2001:db8::1]:80/").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(url_host("host.test/path").as_deref(), Some("host.test"));
        assert_eq!(url_host("http:///x"), None);
        assert_eq!(url_host("a.com/r?u=http://b.com").as_deref(), Some("a.com"));
    }

    #[test]
    fn parent_domains() {
        assert_eq!(
            parent_domain("a.b.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(
            parent_domain("www.example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(parent_domain("example.com"), None);
        assert_eq!(parent_domain("co.uk"), None);
    }
}
