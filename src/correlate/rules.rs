//! Which values correlate (MISP.md §4.3–4.5), exclusions, and the derived links.

pub use crate::model::exclusion::excluded;

/// The host of a URL (`http://Host:8080/x` -> `host`), when it has one.
pub fn url_host(url: &str) -> Option<String> {
    let host = crate::model::url::host(url);
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
