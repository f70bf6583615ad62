//! MISP attribute -> STIX 2.1 pattern and observable (reference/STANDARDS.md §1.3, §1.8).
//! One indicator per value: misp-stix and most consumers map those back to plain attributes.

use serde_json::{Map, Value, json};
use uuid::Uuid;

/// STIX's namespace for deterministic SCO ids.
const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// A string literal inside a pattern: only `\\` and `\'` are legal escapes.
pub fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn hash_key(type_: &str) -> Option<&'static str> {
    Some(match type_ {
        "md5" | "x509-fingerprint-md5" => "MD5",
        "sha1" | "x509-fingerprint-sha1" => "'SHA-1'",
        "sha256" | "x509-fingerprint-sha256" => "'SHA-256'",
        "sha512" => "'SHA-512'",
        "sha3-256" => "'SHA3-256'",
        "sha3-512" => "'SHA3-512'",
        "ssdeep" => "SSDEEP",
        "tlsh" => "TLSH",
        _ => return None,
    })
}

fn ip_type(v: &str) -> &'static str {
    if v.contains(':') {
        "ipv6-addr"
    } else {
        "ipv4-addr"
    }
}

fn as_number(v: &str) -> Option<u64> {
    v.trim_start_matches(['A', 'S', 'a', 's']).parse().ok()
}

/// The pattern and its language for one attribute, or None when STIX has no way to say it.
pub fn pattern(type_: &str, value: &str) -> Option<(String, &'static str)> {
    let stix = |p: String| Some((p, "stix"));
    match type_ {
        "snort" => return Some((value.to_string(), "snort")),
        "yara" => return Some((value.to_string(), "yara")),
        "sigma" => return Some((value.to_string(), "sigma")),
        _ => {}
    }
    if let Some(k) = hash_key(type_) {
        let obj = if type_.starts_with("x509") {
            "x509-certificate"
        } else {
            "file"
        };
        return stix(format!("[{obj}:hashes.{k} = {}]", lit(value)));
    }
    if let Some((name, hash)) = type_.strip_prefix("filename|").and_then(|h| {
        let (n, v) = value.split_once('|')?;
        Some(((n, v), hash_key(h)?))
    }) {
        return stix(format!(
            "[file:name = {} AND file:hashes.{hash} = {}]",
            lit(name.0),
            lit(name.1)
        ));
    }
    match type_ {
        "ip-src" | "ip-dst" => stix(format!("[{}:value = {}]", ip_type(value), lit(value))),
        "ip-src|port" | "ip-dst|port" | "hostname|port" => {
            let (host, port) = value.rsplit_once('|')?;
            let port: u16 = port.parse().ok()?;
            let side = if type_.starts_with("ip-src") {
                "src"
            } else {
                "dst"
            };
            let kind = if type_ == "hostname|port" {
                "domain-name"
            } else {
                ip_type(host)
            };
            stix(format!(
                "[network-traffic:{side}_ref.type = {} AND network-traffic:{side}_ref.value = {} AND network-traffic:{side}_port = {port}]",
                lit(kind),
                lit(host)
            ))
        }
        "domain" | "hostname" => stix(format!("[domain-name:value = {}]", lit(value))),
        "domain|ip" => {
            let (d, ip) = value.split_once('|')?;
            stix(format!(
                "[domain-name:value = {} AND domain-name:resolves_to_refs[*].value = {}]",
                lit(d),
                lit(ip)
            ))
        }
        "url" | "uri" | "link" => stix(format!("[url:value = {}]", lit(value))),
        "email" | "email-dst" => stix(format!("[email-addr:value = {}]", lit(value))),
        "email-src" => stix(format!("[email-message:from_ref.value = {}]", lit(value))),
        "email-subject" => stix(format!("[email-message:subject = {}]", lit(value))),
        "filename" => stix(format!("[file:name = {}]", lit(value))),
        "AS" => stix(format!(
            "[autonomous-system:number = {}]",
            as_number(value)?
        )),
        "mac-address" => stix(format!("[mac-addr:value = {}]", lit(value))),
        "mutex" => stix(format!("[mutex:name = {}]", lit(value))),
        "regkey" => stix(format!("[windows-registry-key:key = {}]", lit(value))),
        "user-agent" => stix(format!(
            "[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {}]",
            lit(value)
        )),
        _ => None,
    }
}

/// The url SCO's value must be an RFC 3986 URI; feeds carry malformed ones, which stay
/// patterns only.
fn is_uri(v: &str) -> bool {
    let Some((scheme, _)) = v.split_once(':') else {
        return false;
    };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c))
}

/// `type--uuid5(namespace, JCS(contributing properties))`.
fn sco_id(type_: &str, contrib: &Value) -> String {
    // serde_json's maps are sorted and compact: JCS for these string and integer values.
    let canon = serde_json::to_string(contrib).unwrap_or_default();
    format!(
        "{type_}--{}",
        Uuid::new_v5(&SCO_NAMESPACE, canon.as_bytes())
    )
}

/// The cyber observable a simple value is, with its deterministic id.
pub fn observable(type_: &str, value: &str) -> Option<Value> {
    let (kind, props): (&str, Value) = match type_ {
        "ip-src" | "ip-dst" => (ip_type(value), json!({ "value": value })),
        "domain" | "hostname" => ("domain-name", json!({ "value": value })),
        "url" | "uri" | "link" if is_uri(value) => ("url", json!({ "value": value })),
        "url" | "uri" | "link" => return None,
        "email" | "email-src" | "email-dst" => ("email-addr", json!({ "value": value })),
        "filename" => ("file", json!({ "name": value })),
        "AS" => ("autonomous-system", json!({ "number": as_number(value)? })),
        "mac-address" => ("mac-addr", json!({ "value": value })),
        "mutex" => ("mutex", json!({ "name": value })),
        "regkey" => ("windows-registry-key", json!({ "key": value })),
        t => {
            let k = hash_key(t)?.trim_matches('\'');
            let kind = if t.starts_with("x509") {
                "x509-certificate"
            } else {
                "file"
            };
            (kind, json!({ "hashes": { k: value } }))
        }
    };
    let id = sco_id(kind, &props);
    let mut m = Map::new();
    m.insert("type".into(), json!(kind));
    m.insert("spec_version".into(), json!("2.1"));
    m.insert("id".into(), json!(id));
    if let Value::Object(p) = props {
        m.extend(p);
    }
    Some(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sco_ids_match_the_stix2_library() {
        // Vectors from reference/STANDARDS.md §1.8, computed with stix2 3.0.2.
        let id = |t, v| {
            observable(t, v).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(
            id("ip-dst", "198.51.100.7"),
            "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"
        );
        assert_eq!(
            id("ip-src", "198.51.100.0/24"),
            "ipv4-addr--1ea47840-aa39-5aa8-b4a2-cd203eb6662a"
        );
        assert_eq!(
            id("ip-dst", "2001:db8::1"),
            "ipv6-addr--6469e3a9-b053-5e34-a025-9396ae051d26"
        );
        assert_eq!(
            id("domain", "example.com"),
            "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
        );
        assert_eq!(
            id("url", "http://example.com/evil.exe"),
            "url--892fd3de-de5c-530e-bad2-d89b9d0f3f78"
        );
        assert_eq!(
            id("email-src", "bad@example.com"),
            "email-addr--8453ab81-f2cb-56fb-8edc-36024381c6fd"
        );
        assert_eq!(
            id(
                "sha256",
                "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"
            ),
            "file--02c74237-f6bc-5e2e-bcbe-e9bf3d69ac64"
        );
        assert!(observable("url", r"http://x/a\b").is_none());
        assert!(observable("url", "no scheme").is_none());
        assert_eq!(
            id("filename", "a.exe"),
            "file--c10ebc4d-e065-5ec7-93e4-fa1fd2bae072"
        );
        assert_eq!(
            id(
                "x509-fingerprint-sha1",
                "aabbccddeeff00112233445566778899aabbccdd"
            ),
            "x509-certificate--c0e0979f-194f-5081-97c3-ac816603350b"
        );
        assert_eq!(
            id("AS", "AS14061"),
            "autonomous-system--9852e575-70f1-5cd7-8331-2ea0d352d1b1"
        );
        assert_eq!(
            id("mac-address", "00:11:22:33:44:55"),
            "mac-addr--56c46416-7118-5199-a206-1d701ab3f69f"
        );
    }

    #[test]
    fn patterns_quote_and_escape() {
        let p = |t, v| pattern(t, v).unwrap().0;
        assert_eq!(
            p("ip-dst", "198.51.100.7"),
            "[ipv4-addr:value = '198.51.100.7']"
        );
        assert_eq!(p("sha256", "ab"), "[file:hashes.'SHA-256' = 'ab']");
        assert_eq!(p("md5", "ab"), "[file:hashes.MD5 = 'ab']");
        assert_eq!(
            p("url", r"http://x/it's\a"),
            r"[url:value = 'http://x/it\'s\\a']"
        );
        assert_eq!(
            p("ip-dst|port", "198.51.100.7|443"),
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]"
        );
        assert_eq!(
            p("filename|sha1", "a.exe|ff"),
            "[file:name = 'a.exe' AND file:hashes.'SHA-1' = 'ff']"
        );
        assert_eq!(pattern("yara", "rule x {}").unwrap().1, "yara");
        assert!(pattern("comment", "hello").is_none());
        assert!(pattern("ip-dst|port", "1.2.3.4|http").is_none());
    }
}
