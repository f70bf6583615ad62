//! STIX observable properties → MISP attribute types, after misp-stix's choices
//! (corpus/misp-stix-mapping). Patterns and SCOs both reduce to "facts" (`prop.path`, value)
//! about one object type, so they map through the same table.

use std::net::IpAddr;

use super::pattern::{Comparison, Literal};
use crate::model::types::type_info;

/// One attribute before uuids, times and tags are attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub type_: &'static str,
    pub value: String,
}

/// What one observation or SCO becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Attr(Mapped),
    /// A MISP `x509` object: (object_relation, attribute). MISP has no attribute type for a
    /// certificate's serial number, issuer or subject; its x509 object holds them as text.
    X509(Vec<(&'static str, Mapped)>),
}

pub(super) fn attr(type_: &'static str, value: impl Into<String>) -> Item {
    Item::Attr(Mapped {
        type_,
        value: value.into(),
    })
}

/// `hash-algorithm-ov` key → MISP type; keys are matched case- and dash-insensitively.
pub fn hash_type(key: &str) -> Option<&'static str> {
    let k: String = key
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_uppercase();
    Some(match k.as_str() {
        "MD5" => "md5",
        "SHA1" => "sha1",
        "SHA224" => "sha224",
        "SHA256" => "sha256",
        "SHA384" => "sha384",
        "SHA512" => "sha512",
        "SHA3224" => "sha3-224",
        "SHA3256" => "sha3-256",
        "SHA3384" => "sha3-384",
        "SHA3512" => "sha3-512",
        "SSDEEP" => "ssdeep",
        "TLSH" => "tlsh",
        "IMPHASH" => "imphash",
        _ => return None,
    })
}

pub(super) fn x509_hash_type(key: &str) -> Option<&'static str> {
    match hash_type(key)? {
        "md5" => Some("x509-fingerprint-md5"),
        "sha1" => Some("x509-fingerprint-sha1"),
        "sha256" => Some("x509-fingerprint-sha256"),
        _ => None,
    }
}

fn is_ip(v: &str) -> bool {
    let addr = v.split_once('/').map_or(v, |(a, _)| a);
    addr.parse::<IpAddr>().is_ok()
}

fn is_port(v: &str) -> bool {
    v.parse::<u16>().is_ok()
}

/// Facts from one pattern observation: its comparisons, which must all be about one object type.
pub fn pattern_facts<'a>(group: &[&'a Comparison]) -> Option<(&'a str, Vec<(String, String)>)> {
    let object_type = group.first()?.path.object_type.as_str();
    let mut facts = Vec::with_capacity(group.len());
    for c in group {
        if c.path.object_type != object_type {
            return None;
        }
        let value = match &c.value {
            Literal::Str(s) => s.clone(),
            Literal::Int(n) => n.to_string(),
            Literal::Other => return None,
        };
        facts.push((c.path.props().join("."), value));
    }
    Some((object_type, facts))
}

/// Map facts about one object to items; `None` when any fact has no mapping (the caller then
/// keeps the source as it is rather than importing half of it).
pub fn map_facts(object_type: &str, facts: &[(String, String)]) -> Option<Vec<Item>> {
    if facts.is_empty() || facts.iter().any(|(_, v)| v.trim().is_empty()) {
        return None;
    }
    match object_type {
        "file" => map_file(facts),
        "network-traffic" => map_traffic(facts),
        "x509-certificate" => map_x509(facts),
        _ => facts
            .iter()
            .map(|(p, v)| map_one(object_type, p, v))
            .collect(),
    }
}

fn map_one(object_type: &str, prop: &str, value: &str) -> Option<Item> {
    let t = match (object_type, prop) {
        ("ipv4-addr" | "ipv6-addr", "value") => "ip-dst",
        // misp-stix imports domain-name as `domain` whatever the label count.
        ("domain-name", "value") => "domain",
        ("url", "value") => "url",
        ("email-addr", "value") => "email-src",
        ("email-message", "from_ref.value" | "sender_ref.value") => "email-src",
        ("email-message", "to_refs.value" | "cc_refs.value" | "bcc_refs.value") => "email-dst",
        ("email-message", "subject") => "email-subject",
        ("email-message", "message_id") => "email-message-id",
        ("mutex", "name") => "mutex",
        ("windows-registry-key", "key") => "regkey",
        ("autonomous-system", "number") if value.parse::<u32>().is_ok() => "AS",
        ("mac-addr", "value") => "mac-address",
        _ => return None,
    };
    Some(attr(t, value))
}

fn map_file(facts: &[(String, String)]) -> Option<Vec<Item>> {
    let mut name = None;
    let mut hashes = Vec::new();
    for (p, v) in facts {
        match p.split_once('.') {
            None if p == "name" && name.is_none() => name = Some(v),
            Some(("hashes", key)) => hashes.push((hash_type(key)?, v)),
            _ => return None,
        }
    }
    match name {
        None => Some(
            hashes
                .into_iter()
                .map(|(t, v)| attr(t, v.as_str()))
                .collect(),
        ),
        Some(n) if hashes.is_empty() => Some(vec![attr("filename", n.as_str())]),
        // One `filename|<hash>` per hash: each is a complete detection of the same file.
        Some(n) => hashes
            .into_iter()
            .map(|(t, v)| {
                Some(attr(
                    type_info(&format!("filename|{t}"))?.name,
                    format!("{n}|{v}"),
                ))
            })
            .collect(),
    }
}

/// `dst_ref.value` (+ `dst_ref.type`, + `dst_port`) → ip-dst / ip-dst|port / hostname|port, the
/// same for `src_`; a port alone → `port`.
fn map_traffic(facts: &[(String, String)]) -> Option<Vec<Item>> {
    let mut out = Vec::new();
    for side in ["dst", "src"] {
        let get = |want: String| -> Option<Option<&String>> {
            let mut found = facts.iter().filter(|(p, _)| *p == want).map(|(_, v)| v);
            let first = found.next();
            // The same property twice in one observation is not a simple shape.
            if found.next().is_some() {
                None
            } else {
                Some(first)
            }
        };
        let value = get(format!("{side}_ref.value"))?;
        let ref_type = get(format!("{side}_ref.type"))?;
        let port = get(format!("{side}_port"))?;
        if port.is_some_and(|p| !is_port(p)) {
            return None;
        }
        let host = match (value, ref_type.map(String::as_str)) {
            (None, Some(_)) => return None,
            (None, None) => None,
            (Some(v), Some("ipv4-addr" | "ipv6-addr")) => {
                Some((if side == "dst" { "ip-dst" } else { "ip-src" }, v))
            }
            (Some(v), Some("domain-name")) => Some(("hostname", v)),
            (Some(_), Some(_)) => return None,
            (Some(v), None) if is_ip(v) => {
                Some((if side == "dst" { "ip-dst" } else { "ip-src" }, v))
            }
            (Some(v), None) => Some(("hostname", v)),
        };
        match (host, port) {
            (Some((t, v)), Some(p)) => out.push(attr(
                type_info(&format!("{t}|port"))?.name,
                format!("{v}|{p}"),
            )),
            (Some((t, v)), None) => out.push(attr(t, v.as_str())),
            (None, Some(p)) => out.push(attr("port", p.as_str())),
            (None, None) => {}
        }
    }
    let known = [
        "dst_ref.value",
        "dst_ref.type",
        "dst_port",
        "src_ref.value",
        "src_ref.type",
        "src_port",
    ];
    if facts.iter().any(|(p, _)| !known.contains(&p.as_str())) || out.is_empty() {
        return None;
    }
    Some(out)
}

fn map_x509(facts: &[(String, String)]) -> Option<Vec<Item>> {
    let mut parts = Vec::new();
    for (p, v) in facts {
        let (relation, t) = match p.split_once('.') {
            Some(("hashes", key)) => {
                let t = x509_hash_type(key)?;
                (t, t)
            }
            None if p == "serial_number" => ("serial-number", "text"),
            None if p == "issuer" => ("issuer", "text"),
            None if p == "subject" => ("subject", "text"),
            _ => return None,
        };
        parts.push((
            relation,
            Mapped {
                type_: t,
                value: v.clone(),
            },
        ));
    }
    if parts.iter().all(|(_, m)| m.type_ != "text") {
        return Some(parts.into_iter().map(|(_, m)| Item::Attr(m)).collect());
    }
    Some(vec![Item::X509(parts)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::stix::pattern::{parse, simple_groups};

    /// Map a one-observation pattern to `type=value` strings (`x509{rel=value,…}` for objects).
    fn map(p: &str) -> Option<Vec<String>> {
        let e = parse(p).ok()?;
        let groups = simple_groups(&e)?;
        let mut out = Vec::new();
        for g in groups {
            let (t, facts) = pattern_facts(&g)?;
            for item in map_facts(t, &facts)? {
                out.push(match item {
                    Item::Attr(m) => format!("{}={}", m.type_, m.value),
                    Item::X509(parts) => {
                        let inner: Vec<String> = parts
                            .iter()
                            .map(|(r, m)| format!("{r}={}", m.value))
                            .collect();
                        format!("x509{{{}}}", inner.join(","))
                    }
                });
            }
        }
        Some(out)
    }

    #[test]
    fn single_comparisons() {
        let cases = [
            (
                "[ipv4-addr:value = '198.51.100.0/24']",
                "ip-dst=198.51.100.0/24",
            ),
            ("[ipv6-addr:value = '2001:db8::1']", "ip-dst=2001:db8::1"),
            (
                "[domain-name:value = 'a.b.example.com']",
                "domain=a.b.example.com",
            ),
            ("[url:value = 'http://x/']", "url=http://x/"),
            ("[email-addr:value = 'a@b.c']", "email-src=a@b.c"),
            (
                "[email-message:from_ref.value = 'a@b.c']",
                "email-src=a@b.c",
            ),
            (
                "[email-message:subject = 'Invoice']",
                "email-subject=Invoice",
            ),
            ("[file:hashes.'SHA-256' = 'ab']", "sha256=ab"),
            ("[file:hashes.sha256 = 'ab']", "sha256=ab"),
            ("[file:hashes.'sha-1' = 'ab']", "sha1=ab"),
            ("[file:hashes.SSDEEP = '3:a:b']", "ssdeep=3:a:b"),
            ("[file:hashes.TLSH = 'T1ab']", "tlsh=T1ab"),
            ("[file:hashes.'SHA-512' = 'ab']", "sha512=ab"),
            ("[file:name = 'a.exe']", "filename=a.exe"),
            (
                "[x509-certificate:hashes.'SHA-1' = 'ab']",
                "x509-fingerprint-sha1=ab",
            ),
            (
                "[x509-certificate:hashes.MD5 = 'ab']",
                "x509-fingerprint-md5=ab",
            ),
            (
                "[network-traffic:dst_ref.value = '1.2.3.4']",
                "ip-dst=1.2.3.4",
            ),
            (
                "[network-traffic:src_ref.value = '1.2.3.4']",
                "ip-src=1.2.3.4",
            ),
            ("[network-traffic:dst_port = 443]", "port=443"),
            ("[network-traffic:dst_port = '8443']", "port=8443"),
            ("[mutex:name = 'm']", "mutex=m"),
            (
                "[windows-registry-key:key = 'HKLM\\\\Run']",
                "regkey=HKLM\\Run",
            ),
            ("[autonomous-system:number = 666]", "AS=666"),
            (
                "[mac-addr:value = 'd2:fb:49:24:37:18']",
                "mac-address=d2:fb:49:24:37:18",
            ),
            (
                "[x509-certificate:serial_number = '01:02']",
                "x509{serial-number=01:02}",
            ),
        ];
        for (p, want) in cases {
            assert_eq!(map(p), Some(vec![want.to_string()]), "{p}");
        }
    }

    #[test]
    fn composites() {
        let cases: [(&str, &[&str]); 7] = [
            (
                "[file:name = 'a.exe' AND file:hashes.'SHA-256' = 'ff']",
                &["filename|sha256=a.exe|ff"],
            ),
            (
                "[file:hashes.MD5 = 'aa' AND file:name = 'a.exe' AND file:hashes.'SHA-1' = 'bb']",
                &["filename|md5=a.exe|aa", "filename|sha1=a.exe|bb"],
            ),
            (
                "[network-traffic:dst_ref.value = '1.2.3.4' AND network-traffic:dst_port = 443]",
                &["ip-dst|port=1.2.3.4|443"],
            ),
            (
                "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '5.6.7.8' AND network-traffic:dst_port = '5678']",
                &["ip-dst|port=5.6.7.8|5678"],
            ),
            (
                "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'c2.example' AND network-traffic:dst_port = 80]",
                &["hostname|port=c2.example|80"],
            ),
            (
                "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b']",
                &["x509{issuer=CN=WEBMAIL,serial-number=4c:0b}"],
            ),
            (
                "[domain-name:value = 'a.example' OR ipv4-addr:value = '1.2.3.4']",
                &["domain=a.example", "ip-dst=1.2.3.4"],
            ),
        ];
        for (p, want) in cases {
            assert_eq!(
                map(p),
                Some(want.iter().map(|s| s.to_string()).collect()),
                "{p}"
            );
        }
    }

    #[test]
    fn unmapped_shapes() {
        for p in [
            "[process:command_line = 'x']",
            "[user-account:user_id = 'root']",
            "[file:size = 100]",
            "[file:name = 'a' AND ipv4-addr:value = '1.2.3.4']",
            "[file:name = 'a' AND file:name = 'b']",
            "[file:hashes.FOO = 'x']",
            "[file:name = '  ']",
            "[email-addr:value = 'a@b.c' AND email-addr:display_name = 'A']",
            "[network-traffic:dst_port = 99999]",
            "[network-traffic:dst_ref.type = 'mac-addr' AND network-traffic:dst_ref.value = 'x']",
            "[network-traffic:protocols[*] = 'tcp']",
            "[autonomous-system:number = 'AS1']",
            "[x509-certificate:hashes.'SHA-512' = 'ab']",
        ] {
            assert_eq!(map(p), None, "{p}");
        }
    }
}
