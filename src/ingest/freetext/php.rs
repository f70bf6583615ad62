//! Hand ports of the PHP validators ComplexTypeTool leans on (`FILTER_VALIDATE_IP`,
//! `FILTER_VALIDATE_EMAIL`, `FILTER_VALIDATE_URL` with `parse_url`), so that what counts as an
//! IP, e-mail or URL here is what counts in MISP. Everything works on bytes and never slices a
//! `&str`, so no input can panic.

/// `FILTER_VALIDATE_IP` (IPv4 or IPv6, no flags).
pub(super) fn is_ip(s: &[u8]) -> bool {
    is_ipv4(s) || is_ipv6(s)
}

/// PHP `_php_filter_validate_ipv4`: four decimal octets, no leading zeros (octal is refused).
pub(super) fn is_ipv4(s: &[u8]) -> bool {
    let (mut i, mut n) = (0, 0);
    while i < s.len() {
        if !s[i].is_ascii_digit() {
            return false;
        }
        let leading_zero = s[i] == b'0';
        let mut num = u32::from(s[i] - b'0');
        let mut m = 1;
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            num = num * 10 + u32::from(s[i] - b'0');
            m += 1;
            if num > 255 || m > 3 {
                return false;
            }
            i += 1;
        }
        if leading_zero && (num != 0 || m > 1) {
            return false;
        }
        n += 1;
        if n == 4 {
            return i == s.len();
        }
        if i >= s.len() || s[i] != b'.' {
            return false;
        }
        i += 1;
    }
    false
}

/// PHP `_php_filter_validate_ipv6`: hex groups of 1–4 digits, one `::`, optional IPv4 tail.
pub(super) fn is_ipv6(s: &[u8]) -> bool {
    if !s.contains(&b':') {
        return false;
    }
    let mut len = s.len();
    let mut blocks = 0;
    if let Some(dot) = s.iter().position(|&b| b == b'.') {
        let mut start = dot;
        while start > 0 && s[start - 1] != b':' {
            start -= 1;
        }
        if !is_ipv4(&s[start..]) || start < 2 {
            return false;
        }
        // The `:` before the IPv4 part belongs to it unless it is half of a `::`.
        len = if s[start - 2] != b':' {
            start - 1
        } else {
            start
        };
        blocks = 2;
    }
    let s = &s[..len];
    let mut compressed = false;
    let mut i = 0;
    while i < s.len() {
        if s[i] == b':' {
            i += 1;
            if i >= s.len() {
                return false;
            }
            if s[i] == b':' {
                if compressed {
                    return false;
                }
                compressed = true;
                blocks += 1;
                i += 1;
                if i == s.len() {
                    return blocks <= 8;
                }
            } else if i - 1 == 0 {
                return false;
            }
        }
        let start = i;
        while i < s.len() && s[i].is_ascii_hexdigit() {
            i += 1;
        }
        if i - start < 1 || i - start > 4 {
            return false;
        }
        blocks += 1;
        if blocks > 8 {
            return false;
        }
    }
    (compressed && blocks <= 8) || blocks == 8
}

/// `FILTER_VALIDATE_EMAIL` without the Unicode flag: PHP's (Michael Rushton's) pattern,
/// written out: dot-atom or quoted local part of at most 64 units, `@`, then a dotted domain
/// whose last label starts with a letter (or is `xn--`), or an address literal.
pub(super) fn is_email(s: &[u8]) -> bool {
    if s.len() > 320 {
        return false;
    }
    let Some(at) = s.iter().rposition(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&s[..at], &s[at + 1..]);
    let units = |p: &[u8]| {
        let (mut n, mut i) = (0, 0);
        while i < p.len() {
            match p[i] {
                b'"' => {}
                b'\\' => {
                    n += 1;
                    i += 1;
                }
                _ => n += 1,
            }
            i += 1;
        }
        n
    };
    if units(local) > 64 || units(s) > 254 {
        return false;
    }
    local_part_ok(local) && (domain_name_ok(domain) || domain_literal_ok(domain))
}

fn local_part_ok(s: &[u8]) -> bool {
    let atom = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b);
    let mut i = 0;
    loop {
        if s.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match s.get(i) {
                    None => return false,
                    Some(b'"') => break,
                    Some(b'\\') => match s.get(i + 1) {
                        Some(c) if c.is_ascii() => i += 2,
                        _ => return false,
                    },
                    Some(
                        0x01..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0x21 | 0x23..=0x5B | 0x5D..=0x7F,
                    ) => i += 1,
                    Some(_) => return false,
                }
            }
            i += 1;
        } else {
            let start = i;
            while i < s.len() && atom(s[i]) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
        match s.get(i) {
            None => return true,
            Some(b'.') => i += 1,
            Some(_) => return false,
        }
    }
}

fn domain_name_ok(d: &[u8]) -> bool {
    let labels: Vec<&[u8]> = d.split(|&b| b == b'.').collect();
    if labels.len() < 2 || labels.iter().any(|l| l.len() >= 64) {
        return false;
    }
    // Label body: alnum runs joined by one or more hyphens.
    let body = |l: &[u8]| {
        !l.is_empty()
            && l[0].is_ascii_alphanumeric()
            && l[l.len() - 1].is_ascii_alphanumeric()
            && l.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let (last, rest) = labels.split_last().unwrap_or((&d, &[]));
    let xn = |l: &[u8]| l.len() > 4 && l[..4].eq_ignore_ascii_case(b"xn--") && body(&l[4..]);
    rest.iter().all(|l| body(l) || xn(l))
        && ((body(last) && last[0].is_ascii_alphabetic()) || xn(last))
}

fn domain_literal_ok(d: &[u8]) -> bool {
    let Some(inner) = d.strip_prefix(b"[").and_then(|x| x.strip_suffix(b"]")) else {
        return false;
    };
    match inner.get(..5) {
        Some(p) if p.eq_ignore_ascii_case(b"IPv6:") => is_ipv6(&inner[5..]),
        _ => is_ipv4(inner),
    }
}

/// Characters `FILTER_SANITIZE_URL` keeps; any other character makes `FILTER_VALIDATE_URL` fail.
fn url_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"$-_.+!*'(),{}|\\^~[]`<>#%\";/?:@&=".contains(&b)
}

struct Url<'a> {
    scheme: &'a [u8],
    host: Option<&'a [u8]>,
    user: Option<&'a [u8]>,
    pass: Option<&'a [u8]>,
}

/// PHP `parse_url` (`php_url_parse_ex2`), reduced to what `FILTER_VALIDATE_URL` looks at.
/// Every input PHP parses without a scheme fails validation anyway, so those give `None`
/// as well as PHP's `false`.
fn parse_url(s: &[u8]) -> Option<Url<'_>> {
    let c = s.iter().position(|&b| b == b':')?;
    let scheme = &s[..c];
    if c == 0
        || !scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
    {
        return None;
    }
    let mut u = Url {
        scheme,
        host: None,
        user: None,
        pass: None,
    };
    match s.get(c + 1) {
        None => return Some(u),
        Some(b'/') if s.get(c + 2) == Some(&b'/') => {}
        Some(b'/') => return Some(u),
        Some(_) => {
            // "a.com:80" and "a.com:80/x" are host and port, not scheme and path.
            let digits = s[c + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            let end = c + 1 + digits;
            if (end == s.len() || s[end] == b'/') && digits < 6 {
                return None;
            }
            return Some(u); // "mailto:x", "a:b": scheme and path, no host
        }
    }
    let pos = c + 3;
    if scheme.eq_ignore_ascii_case(b"file") && s.get(pos) == Some(&b'/') {
        return Some(u);
    }
    let (host, user, pass) = authority(s.get(pos..).unwrap_or_default())?;
    u.host = Some(host);
    u.user = user;
    u.pass = pass;
    Some(u)
}

type Authority<'a> = (&'a [u8], Option<&'a [u8]>, Option<&'a [u8]>);

/// The `parse_host` part of `parse_url` on what follows `scheme://`: (host, user, password).
fn authority(rest: &[u8]) -> Option<Authority<'_>> {
    let end = rest
        .iter()
        .position(|b| b"/?#".contains(b))
        .unwrap_or(rest.len());
    let mut auth = &rest[..end];
    let (mut user, mut pass) = (None, None);
    if let Some(at) = auth.iter().rposition(|&b| b == b'@') {
        let userinfo = &auth[..at];
        match userinfo.iter().position(|&b| b == b':') {
            Some(p) => {
                user = Some(&userinfo[..p]);
                pass = Some(&userinfo[p + 1..]);
            }
            None => user = Some(userinfo),
        }
        auth = &auth[at + 1..];
    }
    let ipv6_literal = auth.first() == Some(&b'[') && auth.last() == Some(&b']');
    let mut host = auth;
    if !ipv6_literal && let Some(p) = auth.iter().rposition(|&b| b == b':') {
        let port = &auth[p + 1..];
        if port.len() > 5 || (!port.is_empty() && !port_ok(port)) {
            return None;
        }
        host = &auth[..p];
    }
    if host.is_empty() {
        return None;
    }
    Some((host, user, pass))
}

/// `strtol` on a port: optional sign, at least one digit, trailing junk ignored, 0..=65535.
fn port_ok(p: &[u8]) -> bool {
    let (neg, digits) = match p.first() {
        Some(b'-') => (true, &p[1..]),
        Some(b'+') => (false, &p[1..]),
        _ => (false, p),
    };
    let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    let v: u32 = digits[..n]
        .iter()
        .fold(0, |a, &b| a * 10 + u32::from(b - b'0'));
    n > 0 && !(neg && v != 0) && v <= 65535
}

/// PHP `_php_filter_validate_domain` with `FILTER_FLAG_HOSTNAME`.
fn is_hostname(d: &[u8]) -> bool {
    let d = d.strip_suffix(b".").unwrap_or(d);
    if d.is_empty() || d.len() > 253 {
        return false;
    }
    d.split(|&b| b == b'.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l[0].is_ascii_alphanumeric()
            && l[l.len() - 1].is_ascii_alphanumeric()
            && l.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

fn userinfo_ok(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:".contains(&b) {
            i += 1;
        } else if b == b'%'
            && i + 2 < s.len()
            && s[i + 1].is_ascii_digit()
            && s[i + 2].is_ascii_hexdigit()
        {
            i += 3;
        } else {
            return false;
        }
    }
    true
}

/// `FILTER_VALIDATE_URL`: a scheme; http(s) need a valid host name or `[IPv6]`; other schemes
/// need a host unless they are mailto/news/file.
pub(super) fn is_url(s: &[u8]) -> bool {
    if !s.iter().all(|&b| url_char(b)) {
        return false;
    }
    let Some(u) = parse_url(s) else {
        return false;
    };
    if u.scheme.eq_ignore_ascii_case(b"http") || u.scheme.eq_ignore_ascii_case(b"https") {
        return u.host.is_some_and(|h| http_authority_ok(h, u.user, u.pass));
    }
    if u.host.is_none() && !matches!(u.scheme, b"mailto" | b"news" | b"file") {
        return false;
    }
    u.user.is_none_or(userinfo_ok) && u.pass.is_none_or(userinfo_ok)
}

/// `is_url` of `"http://" + s`, without building the string.
pub(super) fn is_url_with_http_prefix(s: &[u8]) -> bool {
    s.iter().all(|&b| url_char(b))
        && authority(s).is_some_and(|(host, user, pass)| http_authority_ok(host, user, pass))
}

fn http_authority_ok(host: &[u8], user: Option<&[u8]>, pass: Option<&[u8]>) -> bool {
    // PHP accepts a bracketed IPv6 host before it looks at user and password.
    if host.len() >= 2
        && host[0] == b'['
        && host[host.len() - 1] == b']'
        && is_ipv6(&host[1..host.len() - 1])
    {
        return true;
    }
    is_hostname(host) && user.is_none_or(userinfo_ok) && pass.is_none_or(userinfo_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_validation_matches_php() {
        for ok in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "::",
            "::1",
            "2a00:1450:4005:80a::2003",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
        ] {
            assert!(is_ip(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "1.2.3",
            "01.2.3.4",
            "1.2.3.256",
            "1.2.3.4.",
            "fe80:0000:f2cd:7d80:3f37:52c6",
            ":1::",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            "12345::",
            "1.2.3.4:80",
            "",
        ] {
            assert!(!is_ip(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn email_validation_matches_php() {
        for ok in [
            "test@example.com",
            "a.b+c@x-y.example.org",
            "x@xn--p1ai.xn--p1ai",
            "\"q\"@a.bc",
            "x@[1.2.3.4]",
        ] {
            assert!(is_email(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "a@localhost",
            "a..b@x.com",
            ".a@x.com",
            "a@x.1com",
            "a@-x.com",
            "a b@x.com",
            "mailto:a@x.com",
            "a@x_y.com",
        ] {
            assert!(!is_email(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn url_validation_matches_php() {
        for ok in [
            "http://example.com",
            "https://github.com:443/MISP/MISP",
            "http://github.com/MISP/MISP",
            "ftp://x_y.z/a",
            "mailto:a@b.c",
            "http://[::1]/x",
            "http://u:p@h.com/",
            "http://1.2",
        ] {
            assert!(is_url(ok.as_bytes()), "{ok}");
        }
        assert!(is_url_with_http_prefix(b"github.com/MISP/MISP"));
        assert!(is_url_with_http_prefix(b"1.2"));
        assert!(!is_url_with_http_prefix(b"/var/log/x.zip"));
        assert!(!is_url_with_http_prefix(b"C:\\example.txt.zip"));
        for bad in [
            "github.com/MISP/MISP",
            "http:///var/log/x",
            "http://x_y.com/",
            "http://C:\\example.txt",
            "http://a:b.c",
            "a:b",
            "http://ex ample.com",
            "http://-a.com",
            "example.com:80",
        ] {
            assert!(!is_url(bad.as_bytes()), "{bad}");
        }
    }
}
