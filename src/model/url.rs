//! Hosts of URL-like values, for warninglist hostname matching and URL -> host links.

/// The host a hostname list is matched against: MISP takes the part after `//` and before
/// the first `/`; we also drop `?`/`#`, userinfo (`user@`), a port and trailing dots, so URLs,
/// `host:port` and e-mail-like `user@host` values all reduce to their host.
pub fn host(value: &str) -> String {
    let v = value.trim();
    // Only a scheme before any `/` counts, so `a.com/r?u=http://b.com` stays on a.com.
    let scheme_end = v.find("://").filter(|&i| {
        v[..i]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    });
    let v = match scheme_end {
        Some(i) => &v[i + 3..],
        None => v.strip_prefix("//").unwrap_or(v),
    };
    let v = v.split(['/', '?', '#']).next().unwrap_or_default();
    let v = v.rsplit_once('@').map_or(v, |(_, h)| h);
    let v = if let Some(rest) = v.strip_prefix('[') {
        rest.split_once(']').map_or(rest, |(h, _)| h)
    } else if v.matches(':').count() == 1 {
        v.split_once(':').map_or(v, |(h, _)| h)
    } else {
        v
    };
    v.trim_end_matches('.').to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::host;

    #[test]
    fn hosts() {
        assert_eq!(
            host("https://Evil.Example.com:8443/a?b"),
            "evil.example.com"
        );
        assert_eq!(host("http://user@host.test/x"), "host.test");
        assert_eq!(host("http://[2001:db8::1]:80/"), "2001:db8::1");
        assert_eq!(host("a.com/r?u=http://b.com"), "a.com");
        assert_eq!(host("http:///x"), "");
    }
}
