//! Value normalisation at ingest, after MISP's `AttributeValidationTool::modifyBeforeValidation`
//! (reference/MISP.md §3.2). Normalised values are what the value index and correlation use;
//! callers keep the original where it differs.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv6Addr};

/// Types whose values are case-insensitive and stored lower-case.
const LOWER: &[&str] = &[
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sha512/224",
    "sha512/256",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "ja3-fingerprint-md5",
    "jarm-fingerprint",
    "hassh-md5",
    "hasshserver-md5",
    "hostname",
    "pehash",
    "authentihash",
    "vhash",
    "imphash",
    "telfhash",
    "tlsh",
    "anonymised",
    "cdhash",
    "email",
    "email-src",
    "email-dst",
    "target-email",
    "whois-registrant-email",
    "dom-hash",
    "onion-address",
    "dns-soa-email",
    "eppn",
];

/// Normalise `value` for attribute type `type_name`. Never fails: a value that does not
/// parse as its type is returned trimmed and otherwise unchanged. Borrows when nothing
/// changes, which is the common case on million-line lists.
pub fn normalize<'a>(type_name: &str, value: &'a str) -> Cow<'a, str> {
    let v = value.trim();
    let lower = |v: &'a str| {
        if v.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
            Cow::Owned(v.to_lowercase())
        } else {
            Cow::Borrowed(v)
        }
    };
    match type_name {
        t if LOWER.contains(&t) => lower(v),
        "domain" => lower(v.trim_matches('.')),
        // Rust accepts only canonical dotted quads, so a parsed IPv4 address is already normal.
        "ip-src" | "ip-dst" if v.parse::<std::net::Ipv4Addr>().is_ok() => Cow::Borrowed(v),
        "url" | "link" | "filename" | "text" | "comment" | "other" => Cow::Borrowed(v),
        _ => Cow::Owned(normalize_owned(type_name, v)),
    }
}

fn normalize_owned(type_name: &str, v: &str) -> String {
    match type_name {
        t if LOWER.contains(&t) => v.to_lowercase(),
        "domain" => v.trim_matches('.').to_lowercase(),
        "ip-src" | "ip-dst" => normalize_ip(v),
        "domain|ip" => match v.split_once('|') {
            Some((d, ip)) => format!(
                "{}|{}",
                d.trim_matches('.').to_lowercase(),
                normalize_ip(ip)
            ),
            None => v.to_lowercase(),
        },
        "ip-src|port" | "ip-dst|port" => normalize_ip_port(v),
        "hostname|port" => {
            let lower = v.to_lowercase();
            match lower.rsplit_once([':', '|']) {
                Some((h, p)) if is_port(p) => format!("{h}|{p}"),
                _ => lower,
            }
        }
        "x509-fingerprint-md5" | "x509-fingerprint-sha1" | "x509-fingerprint-sha256" => {
            v.replace(':', "").to_lowercase()
        }
        "mac-address" | "mac-eui-64" => normalize_mac(v),
        "vulnerability" | "weakness" => v.replace('\u{2013}', "-").to_uppercase(),
        "http-method" | "hex" => v.to_uppercase(),
        "AS" => normalize_as(v),
        "phone-number" | "whois-registrant-phone" | "prtn" => normalize_phone(v),
        t if t.starts_with("filename|") || t == "malware-sample" => match v.split_once('|') {
            Some((f, h)) if t != "filename|ssdeep" => format!("{f}|{}", h.to_lowercase()),
            _ => v.to_string(),
        },
        _ => v.to_string(),
    }
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
}

/// Compress IPv6, strip `/32` and `/128`, normalise the network of a CIDR.
pub fn normalize_ip(v: &str) -> String {
    let v = v.trim();
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return v.to_string();
    };
    let full = if ip.is_ipv4() { "32" } else { "128" };
    match prefix {
        None => ip.to_string(),
        Some(p) if p == full => ip.to_string(),
        Some(p) => format!("{ip}/{p}"),
    }
}

/// Accept MISP's `ip|port` spellings: `v4:p`, `v4|p`, `[v6]:p`, `v6|p`, `v6.p`, `v6 port p`,
/// `v6#p`, and return `ip|port`.
fn normalize_ip_port(v: &str) -> String {
    if let Some((ip, port)) = v.split_once('|') {
        return format!("{}|{}", normalize_ip(ip), port.trim());
    }
    if let Some(rest) = v.strip_prefix('[')
        && let Some((ip, port)) = rest.split_once("]:")
    {
        return format!("{}|{}", normalize_ip(ip), port.trim());
    }
    for sep in [" port ", "#", ".", ":", " "] {
        if let Some((ip, port)) = v.rsplit_once(sep)
            && is_port(port.trim())
            && ip.trim().parse::<IpAddr>().is_ok()
        {
            return format!("{}|{}", normalize_ip(ip), port.trim());
        }
    }
    // `v6p80`: a port glued on with a `p`.
    if let Some((ip, port)) = v.rsplit_once('p')
        && is_port(port)
        && ip.parse::<Ipv6Addr>().is_ok()
    {
        return format!("{}|{port}", normalize_ip(ip));
    }
    v.to_string()
}

fn normalize_mac(v: &str) -> String {
    let hex: String = v.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    if (hex.len() == 12 || hex.len() == 16) && v.len() <= hex.len() * 3 {
        let lower = hex.to_lowercase();
        let pairs: Vec<&str> = (0..lower.len())
            .step_by(2)
            .map(|i| &lower[i..i + 2])
            .collect();
        pairs.join(":")
    } else {
        v.to_lowercase()
    }
}

/// `AS1234` -> `1234`; asdot `1.10` -> `65546`.
fn normalize_as(v: &str) -> String {
    let digits = match v.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("as") => &v[2..],
        _ => v,
    };
    // asdot halves are 16-bit each, so the product cannot overflow.
    if let Some((hi, lo)) = digits.split_once('.')
        && let (Ok(hi), Ok(lo)) = (hi.parse::<u16>(), lo.parse::<u16>())
    {
        return (u32::from(hi) * 65536 + u32::from(lo)).to_string();
    }
    digits.to_string()
}

fn normalize_phone(v: &str) -> String {
    let v = match v.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => v.to_string(),
    };
    let plus = v.starts_with('+');
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return v;
    }
    if plus { format!("+{digits}") } else { digits }
}

#[cfg(test)]
mod tests {
    use super::normalize as n;

    #[test]
    fn hashes_domains_emails_lowercased() {
        assert_eq!(
            n("md5", " D41D8CD98F00B204E9800998ECF8427E "),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(n("domain", "Evil.EXAMPLE.com."), "evil.example.com");
        assert_eq!(n("hostname", "WWW.Example.com"), "www.example.com");
        assert_eq!(n("email-src", "Bad@Example.COM"), "bad@example.com");
        assert_eq!(n("filename|sha1", "Evil.EXE|ABCDEF"), "Evil.EXE|abcdef");
        // ssdeep is base64-ish: case matters.
        assert_eq!(n("ssdeep", "3:Ab:Cd"), "3:Ab:Cd");
        // url is not normalised.
        assert_eq!(n("url", "HTTP://Example.com/A"), "HTTP://Example.com/A");
    }

    #[test]
    fn ips() {
        assert_eq!(
            n("ip-dst", "2001:0db8:0000:0000:0000:0000:0000:0001"),
            "2001:db8::1"
        );
        assert_eq!(n("ip-src", "10.0.0.1/32"), "10.0.0.1");
        assert_eq!(n("ip-src", "2001:db8::1/128"), "2001:db8::1");
        assert_eq!(n("ip-src", "10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(n("ip-dst", "not-an-ip"), "not-an-ip");
        assert_eq!(
            n("domain|ip", "Example.com|2001:db8:0::1"),
            "example.com|2001:db8::1"
        );
    }

    #[test]
    fn ip_ports() {
        assert_eq!(n("ip-dst|port", "1.2.3.4:80"), "1.2.3.4|80");
        assert_eq!(n("ip-dst|port", "1.2.3.4|80"), "1.2.3.4|80");
        assert_eq!(n("ip-dst|port", "[2001:db8::1]:443"), "2001:db8::1|443");
        assert_eq!(n("ip-src|port", "2001:db8::1.443"), "2001:db8::1|443");
        assert_eq!(n("ip-src|port", "2001:db8::1 port 443"), "2001:db8::1|443");
        assert_eq!(n("ip-src|port", "2001:db8::1#443"), "2001:db8::1|443");
        assert_eq!(n("ip-src|port", "2001:db8::1p443"), "2001:db8::1|443");
        assert_eq!(n("hostname|port", "Example.com:8080"), "example.com|8080");
    }

    #[test]
    fn others() {
        assert_eq!(
            n("vulnerability", "cve-2021\u{2013}44228"),
            "CVE-2021-44228"
        );
        assert_eq!(n("AS", "AS1234"), "1234");
        assert_eq!(n("AS", "as1.10"), "65546");
        assert_eq!(n("x509-fingerprint-sha1", "AB:CD:EF"), "abcdef");
        assert_eq!(n("mac-address", "AA-BB-CC-DD-EE-FF"), "aa:bb:cc:dd:ee:ff");
        assert_eq!(n("phone-number", "0044 (20) 1234-5678"), "+442012345678");
        assert_eq!(n("http-method", "post"), "POST");
    }
}
