//! MISP `ComplexTypeTool::__resolveType`: one trimmed token to a type, first match wins
//! (reference/MISP.md §1.4.3). Matchers are hand-written over bytes.

use super::php::{is_email, is_ip, is_ipv6, is_url, is_url_with_http_prefix};
use super::refang::refang_cow;
use super::tlds::{is_link, is_tld};
use super::tokenize::MAX_TOKEN;

/// A resolved token: MISP's `default_type`, the alternatives it offers, the value to store
/// and a comment (`On port 8080`, or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub type_: &'static str,
    pub types: &'static [&'static str],
    pub value: String,
    pub comment: String,
}

const IP: &[&str] = &["ip-dst", "ip-src", "ip-src/ip-dst"];
const IP_PORT: &[&str] = &["ip-dst|port", "ip-src|port", "ip-src|port/ip-dst|port"];
const EMAIL: &[&str] = &[
    "email",
    "email-src",
    "email-dst",
    "target-email",
    "whois-registrant-email",
];
const HOSTNAME: &[&str] = &["hostname", "domain", "url", "filename"];
const DOMAIN: &[&str] = &["domain", "filename"];
const LINK: &[&str] = &["link"];
const URL: &[&str] = &["url"];
const FILENAME: &[&str] = &["filename"];
const REGKEY: &[&str] = &["regkey"];
const VULNERABILITY: &[&str] = &["vulnerability"];
const PHONE: &[&str] = &["phone-number", "prtn", "whois-registrant-phone"];
const AS: &[&str] = &["AS"];
const BTC: &[&str] = &["btc"];
const SSDEEP: &[&str] = &["ssdeep"];
const FILENAME_SSDEEP: &[&str] = &["filename|ssdeep"];

/// `HEX_HASH_TYPES`: (hex length, single types, single types + btc, composite types).
type HashRow = (
    usize,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);
const HEX_HASH_TYPES: [HashRow; 6] = [
    (
        32,
        &[
            "md5",
            "imphash",
            "x509-fingerprint-md5",
            "ja3-fingerprint-md5",
        ],
        &[
            "md5",
            "imphash",
            "x509-fingerprint-md5",
            "ja3-fingerprint-md5",
            "btc",
        ],
        &["filename|md5", "filename|imphash"],
    ),
    (
        40,
        &["sha1", "pehash", "x509-fingerprint-sha1", "cdhash"],
        &["sha1", "pehash", "x509-fingerprint-sha1", "cdhash", "btc"],
        &["filename|sha1", "filename|pehash"],
    ),
    (
        56,
        &["sha224", "sha512/224"],
        &["sha224", "sha512/224", "btc"],
        &["filename|sha224", "filename|sha512/224"],
    ),
    (
        64,
        &[
            "sha256",
            "authentihash",
            "sha512/256",
            "x509-fingerprint-sha256",
        ],
        &[
            "sha256",
            "authentihash",
            "sha512/256",
            "x509-fingerprint-sha256",
            "btc",
        ],
        &[
            "filename|sha256",
            "filename|authentihash",
            "filename|sha512/256",
        ],
    ),
    (96, &["sha384"], &["sha384", "btc"], &["filename|sha384"]),
    (128, &["sha512"], &["sha512", "btc"], &["filename|sha512"]),
];

/// Every default type `resolve` can return (for tests and for callers that pre-size tables).
pub const DEFAULT_TYPES: &[&str] = &[
    "ip-dst",
    "ip-dst|port",
    "email-src",
    "hostname",
    "domain",
    "link",
    "url",
    "filename",
    "regkey",
    "vulnerability",
    "phone-number",
    "AS",
    "btc",
    "ssdeep",
    "filename|ssdeep",
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "filename|md5",
    "filename|sha1",
    "filename|sha224",
    "filename|sha256",
    "filename|sha384",
    "filename|sha512",
];

fn found(types: &'static [&'static str], value: String, comment: String) -> Option<Resolved> {
    Some(Resolved {
        type_: types[0],
        types,
        value,
        comment,
    })
}

/// MISP `__resolveType` on one already-trimmed token; `None` when it is no indicator.
pub fn resolve(raw: &str) -> Option<Resolved> {
    let rb = raw.as_bytes();
    if rb.is_empty() || rb.len() > MAX_TOKEN {
        return None;
    }
    // A clean IP needs none of the work below.
    if is_ip(rb) {
        return found(IP, raw.to_owned(), String::new());
    }
    if let Some(r) = check_hashes(raw) {
        return Some(r);
    }
    let mut refanged = refang_cow(raw);
    // A sloppy defang (`evil[.].com`) refangs to `evil..com`. No indicator has an empty
    // label, so collapse the dots instead of falling through to `filename` as MISP would.
    if matches!(refanged, std::borrow::Cow::Owned(_)) && refanged.contains("..") {
        let mut collapsed = String::with_capacity(refanged.len());
        for c in refanged.chars() {
            if !(c == '.' && collapsed.ends_with('.')) {
                collapsed.push(c);
            }
        }
        refanged = std::borrow::Cow::Owned(collapsed);
    }
    let rf = refanged.as_bytes();
    if rf.contains(&b'@') && is_email(rf) {
        // The one group whose default is not its first alternative.
        let value = refanged.into_owned();
        return Some(Resolved {
            type_: "email-src",
            types: EMAIL,
            value,
            comment: String::new(),
        });
    }

    // `(:[0-9]{2,5})$`: note the port, keep the value without it for IP/domain/URL checks.
    let digits = rf.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let (no_port, port) = match rf.len().checked_sub(digits + 1) {
        Some(colon) if (2..=5).contains(&digits) && rf[colon] == b':' => (
            refanged.get(..colon).unwrap_or_default(),
            refanged.get(colon + 1..),
        ),
        _ => (&*refanged, None),
    };
    let comment = || port.map(|p| format!("On port {p}")).unwrap_or_default();
    let np = no_port.as_bytes();

    // IPs (`__checkForIP`).
    if is_ip(np) {
        return match port {
            Some(p) => found(IP_PORT, format!("{no_port}|{p}"), comment()),
            None => found(IP, no_port.to_owned(), String::new()),
        };
    }
    if is_ipv6(rf) {
        return found(IP, refanged.into_owned(), String::new());
    }
    if let Some(p) = port
        && np.first() == Some(&b'[')
        && let Some(inner) = no_port
            .get(1..no_port.len().saturating_sub(1))
            .filter(|_| np.len() >= 2)
        && is_ipv6(inner.as_bytes())
    {
        return found(IP_PORT, format!("{inner}|{p}"), comment());
    }
    if np.iter().position(|&b| b == b'/').is_some_and(|i| i > 0) {
        let mut parts = no_port.split('/');
        if let (Some(ip), Some(bits), None) = (parts.next(), parts.next(), parts.next())
            && is_ip(ip.as_bytes())
            && is_numeric(bits.as_bytes())
        {
            return found(IP, no_port.to_owned(), comment());
        }
    }

    // Domains, hostnames, URLs, filenames, registry keys (`__checkForDomainOrFilename`).
    if np.contains(&b'.') {
        let labels = np.split(|&b| b == b'.').count();
        let last = np.rsplit(|&b| b == b'.').next().unwrap_or_default();
        if domain_shaped(no_port) && is_tld(last) {
            let types = if labels > 2 { HOSTNAME } else { DOMAIN };
            return found(types, no_port.to_owned(), comment());
        }
        if labels > 1 && (is_url(np) || is_url_with_http_prefix(np)) {
            if is_link(np) {
                return found(LINK, no_port.to_owned(), comment());
            }
            if np.iter().position(|&b| b == b'/').is_some_and(|i| i > 0) {
                return found(URL, no_port.to_owned(), comment());
            }
        }
        if is_filename(rb) {
            return found(FILENAME, raw.to_owned(), String::new());
        }
    }
    if rb.contains(&b'\\') {
        let first = rb.split(|&b| b == b'\\').next().unwrap_or_default();
        let last = rb.rsplit(|&b| b == b'\\').next().unwrap_or_default();
        if last.iter().position(|&b| b == b'.').is_some_and(|i| i > 0) || drive_prefix(first) {
            if is_filename(last) {
                return found(FILENAME, raw.to_owned(), String::new());
            }
        } else if !first.is_empty() && first != b"0" {
            return found(REGKEY, raw.to_owned(), String::new());
        }
    }

    // CVE and phone numbers (`__checkForSimpleRegex`), on the raw token.
    if is_cve(rb) {
        return found(VULNERABILITY, raw.to_ascii_uppercase(), String::new());
    }
    if (rb[0] == b'+' || rb.iter().position(|&b| b == b'-').is_some_and(|i| i > 0))
        && !is_date(rb)
        && is_phone(rb)
    {
        return found(PHONE, raw.to_owned(), String::new());
    }
    if rb.len() > 2 && rb[..2].eq_ignore_ascii_case(b"as") && rb[2..].iter().all(u8::is_ascii_digit)
    {
        return found(AS, raw.to_ascii_uppercase(), String::new());
    }
    if is_btc(rb) {
        return found(BTC, raw.to_owned(), String::new());
    }
    None
}

/// `__checkForHashes`: `filename|hash`, `filename|ssdeep`, bare hex hashes, ssdeep.
fn check_hashes(raw: &str) -> Option<Resolved> {
    let rb = raw.as_bytes();
    if rb.iter().position(|&b| b == b'|').is_some_and(|i| i > 0) {
        let mut parts = rb.split(|&b| b == b'|');
        if let (Some(name), Some(hash), None) = (parts.next(), parts.next(), parts.next())
            && is_filename(name)
        {
            if let Some(row) = hex_hash(hash) {
                return found(row.3, raw.to_owned(), String::new());
            }
            if is_ssdeep(hash) {
                return found(FILENAME_SSDEEP, raw.to_owned(), String::new());
            }
        }
    }
    if let Some(row) = hex_hash(rb) {
        let types = if is_btc(rb) { row.2 } else { row.1 };
        return found(types, raw.to_owned(), String::new());
    }
    if is_ssdeep(rb) {
        return found(SSDEEP, raw.to_owned(), String::new());
    }
    None
}

fn hex_hash(s: &[u8]) -> Option<&'static HashRow> {
    let row = HEX_HASH_TYPES.iter().find(|r| r.0 == s.len())?;
    s.iter().all(u8::is_ascii_hexdigit).then_some(row)
}

/// `^[0-9]+:[0-9a-zA-Z/+]+:[0-9a-zA-Z/+]+$` but not a time `^[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}$`.
fn is_ssdeep(s: &[u8]) -> bool {
    let mut parts = s.split(|&b| b == b':');
    let (Some(a), Some(b), Some(c), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let b64 = |p: &[u8]| {
        !p.is_empty()
            && p.iter()
                .all(|&x| x.is_ascii_alphanumeric() || x == b'/' || x == b'+')
    };
    let short_num = |p: &[u8]| (1..=2).contains(&p.len()) && p.iter().all(u8::is_ascii_digit);
    !a.is_empty()
        && a.iter().all(u8::is_ascii_digit)
        && b64(b)
        && b64(c)
        && !(short_num(a) && short_num(b) && short_num(c))
}

/// `^([-\pL\pN]+\.)+[a-z0-9-]+$` (case-insensitive, Unicode letters in all but the last label).
fn domain_shaped(s: &str) -> bool {
    let Some((head, last)) = s.rsplit_once('.') else {
        return false;
    };
    !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && head
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c == '-' || c.is_alphanumeric()))
}

/// `^.:` — a drive letter (any single byte but newline, then a colon).
fn drive_prefix(s: &[u8]) -> bool {
    s.len() >= 2 && s[1] == b':' && s[0] != b'\n'
}

/// `__resolveFilename`: a drive prefix or a dot after the first character, and a last
/// `.`-segment that is ASCII alphanumeric and not numeric.
fn is_filename(s: &[u8]) -> bool {
    if !(drive_prefix(s) || s.iter().position(|&b| b == b'.').is_some_and(|i| i > 0)) {
        return false;
    }
    let ext = s.rsplit(|&b| b == b'.').next().unwrap_or_default();
    !ext.is_empty() && ext.iter().all(u8::is_ascii_alphanumeric) && !is_numeric(ext)
}

/// PHP `is_numeric`: optional surrounding whitespace, sign, decimal digits with an optional
/// fraction and exponent.
fn is_numeric(s: &[u8]) -> bool {
    let ws = |b: &u8| b" \t\n\r\x0B\x0C".contains(b);
    let start = s.iter().position(|b| !ws(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    let s = &s[start..end.max(start)];
    let mut i = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let int = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    i += int;
    let mut frac = 0;
    if s.get(i) == Some(&b'.') {
        frac = s[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        i += 1 + frac;
    }
    if int + frac == 0 {
        return false;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        j += usize::from(matches!(s.get(j), Some(b'+' | b'-')));
        let exp = s[j.min(s.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if exp == 0 {
            return false;
        }
        i = j + exp;
    }
    i == s.len()
}

/// `^cve-[0-9]{4}-[0-9]{4,9}$`, case-insensitive.
fn is_cve(s: &[u8]) -> bool {
    s.len() >= 13
        && s[..4].eq_ignore_ascii_case(b"cve-")
        && s[4..8].iter().all(u8::is_ascii_digit)
        && s[8] == b'-'
        && (4..=9).contains(&(s.len() - 9))
        && s[9..].iter().all(u8::is_ascii_digit)
}

/// `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`.
fn is_date(s: &[u8]) -> bool {
    s.len() == 10
        && s.iter().enumerate().all(|(i, &b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// `^(\+)?([0-9]{1,3}(\(0\))?)?[0-9\/\-]{5,}[0-9]$`. Digits are in `[0-9/-]`, so without the
/// `(0)` group this is "6+ of `[0-9/-]` ending in a digit"; with it, 1–3 digits, `(0)`, then that.
fn is_phone(s: &[u8]) -> bool {
    let s = s.strip_prefix(b"+").unwrap_or(s);
    let tail = |t: &[u8]| {
        t.len() >= 6
            && t.iter()
                .all(|&b| b.is_ascii_digit() || b == b'/' || b == b'-')
            && t[t.len() - 1].is_ascii_digit()
    };
    if tail(s) {
        return true;
    }
    (1..=3).any(|n| {
        s.len() > n + 3
            && s[..n].iter().all(u8::is_ascii_digit)
            && &s[n..n + 3] == b"(0)"
            && tail(&s[n + 3..])
    })
}

/// MISP's BTC pattern with its precedence quirk, case-insensitive:
/// `^[13][a-km-zA-HJ-NP-Z1-9]{25,34}` (no end anchor; under /i the class is `[A-Za-z1-9]`)
/// or `(bc|tb)1[023456789acdefghjklmnpqrstuvwxyz]{11,71}$` (no start anchor).
fn is_btc(s: &[u8]) -> bool {
    if matches!(s.first(), Some(b'1' | b'3'))
        && s.len() >= 26
        && s[1..26]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() && b != b'0')
    {
        return true;
    }
    let bech = |b: u8| {
        let b = b.to_ascii_lowercase();
        (b.is_ascii_digit() && b != b'1')
            || (b.is_ascii_lowercase() && !matches!(b, b'b' | b'i' | b'o'))
    };
    // The data part runs to the end, so only its start can vary: 11..=71 bytes before the end.
    let trailing = s.iter().rev().take_while(|&&b| bech(b)).count();
    (11..=trailing.min(71)).any(|n| {
        let at = s.len() - n;
        at >= 3
            && s[at - 1] == b'1'
            && (s[at - 3..at - 1].eq_ignore_ascii_case(b"bc")
                || s[at - 3..at - 1].eq_ignore_ascii_case(b"tb"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_type_is_a_misp_type() {
        for t in DEFAULT_TYPES {
            assert!(crate::model::types::type_info(t).is_some(), "{t}");
        }
        for row in HEX_HASH_TYPES {
            for t in row.1.iter().chain(row.2).chain(row.3) {
                assert!(crate::model::types::type_info(t).is_some(), "{t}");
            }
        }
    }

    #[test]
    fn small_matchers() {
        assert!(
            is_numeric(b"32") && is_numeric(b"1e5") && is_numeric(b" -1.5 ") && is_numeric(b".5")
        );
        assert!(
            !is_numeric(b"") && !is_numeric(b"1e") && !is_numeric(b"0x1A") && !is_numeric(b".")
        );
        assert!(
            is_filename(b"a.txt")
                && is_filename(b"C:x.exe")
                && !is_filename(b".bashrc")
                && !is_filename(b"a.1e5")
        );
        assert!(is_phone(b"+44(0)20-7946-0958"));
        assert!(is_phone(b"+420-123-456-789") && !is_phone(b"12-3") && !is_phone(b"555-CALL"));
        assert!(is_ssdeep(b"3:a:b") && !is_ssdeep(b"12:30:45") && !is_ssdeep(b"3:a:b:c"));
        assert!(
            is_cve(b"cve-2021-44228") && is_cve(b"CVE-2019-123456789") && !is_cve(b"CVE-2019-123")
        );
        assert!(
            is_btc(b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") && is_btc(b"xxbc1qqqqqqqqqqqqq")
        );
        assert!(!is_btc(b"bc1qqq") && !is_btc(b"1abc"));
    }
}
