//! Cyber-observable objects → facts for [`map_facts`](super::map::map_facts).

use serde_json::{Map, Value};

use super::map::{hash_type, x509_hash_type};

/// Facts of an SCO. `resolve` finds a referenced SCO (`*_ref` → object); the ids it resolved
/// are returned so the caller does not import those again on their own.
pub fn sco_facts<'a>(
    obj: &'a Map<String, Value>,
    resolve: &dyn Fn(&str) -> Option<&'a Map<String, Value>>,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut facts = Vec::new();
    let mut used = Vec::new();
    let str_of = |o: &Map<String, Value>, k: &str| -> Option<String> {
        match o.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let push = |facts: &mut Vec<(String, String)>, k: String, v: Option<String>| {
        if let Some(v) = v {
            facts.push((k, v));
        }
    };
    let t = obj.get("type").and_then(Value::as_str).unwrap_or("");
    let mut follow = |facts: &mut Vec<(String, String)>, prop: &str, r: &str, with_type: bool| {
        if let Some(target) = resolve(r) {
            used.push(r.to_string());
            push(facts, format!("{prop}.value"), str_of(target, "value"));
            if with_type {
                push(facts, format!("{prop}.type"), str_of(target, "type"));
            }
        }
    };
    match t {
        "file" | "x509-certificate" => {
            if let Some(h) = obj.get("hashes").and_then(Value::as_object) {
                // Hashes MISP has no type for are left out rather than failing the whole SCO.
                let known = |k: &str| {
                    if t == "file" {
                        hash_type(k).is_some()
                    } else {
                        x509_hash_type(k).is_some()
                    }
                };
                for (k, v) in h.iter().filter(|(k, _)| known(k)) {
                    push(
                        &mut facts,
                        format!("hashes.{k}"),
                        v.as_str().map(str::to_string),
                    );
                }
            }
            for k in ["name", "serial_number", "issuer", "subject"] {
                if t == "file" && k != "name" || t != "file" && k == "name" {
                    continue;
                }
                push(&mut facts, k.to_string(), str_of(obj, k));
            }
        }
        "network-traffic" => {
            for side in ["dst", "src"] {
                if let Some(r) = obj.get(&format!("{side}_ref")).and_then(Value::as_str) {
                    follow(&mut facts, &format!("{side}_ref"), r, true);
                }
                push(
                    &mut facts,
                    format!("{side}_port"),
                    str_of(obj, &format!("{side}_port")),
                );
            }
        }
        "email-message" => {
            for k in ["from_ref", "sender_ref"] {
                if let Some(r) = obj.get(k).and_then(Value::as_str) {
                    follow(&mut facts, k, r, false);
                }
            }
            for k in ["to_refs", "cc_refs", "bcc_refs"] {
                for r in obj
                    .get(k)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    follow(&mut facts, k, r, false);
                }
            }
            push(&mut facts, "subject".into(), str_of(obj, "subject"));
            push(&mut facts, "message_id".into(), str_of(obj, "message_id"));
        }
        "mutex" => push(&mut facts, "name".into(), str_of(obj, "name")),
        "windows-registry-key" => push(&mut facts, "key".into(), str_of(obj, "key")),
        "autonomous-system" => push(&mut facts, "number".into(), str_of(obj, "number")),
        _ => push(&mut facts, "value".into(), str_of(obj, "value")),
    }
    (facts, used)
}

/// SCO types this importer turns into attributes.
pub fn is_mapped_sco(t: &str) -> bool {
    matches!(
        t,
        "ipv4-addr"
            | "ipv6-addr"
            | "domain-name"
            | "url"
            | "email-addr"
            | "email-message"
            | "file"
            | "x509-certificate"
            | "network-traffic"
            | "mutex"
            | "autonomous-system"
            | "mac-addr"
            | "windows-registry-key"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::stix::map::{attr, map_facts};
    use serde_json::json;

    #[test]
    fn sco_facts_follow_refs() {
        let ip = json!({"type": "ipv4-addr", "value": "5.6.7.8"});
        let ip = ip.as_object().cloned().unwrap_or_default();
        let nt = json!({"type": "network-traffic", "dst_ref": "ipv4-addr--1", "dst_port": 5678, "src_ref": "missing"});
        let nt = nt.as_object().cloned().unwrap_or_default();
        let resolve = |r: &str| if r == "ipv4-addr--1" { Some(&ip) } else { None };
        let (facts, used) = sco_facts(&nt, &resolve);
        assert_eq!(used, ["ipv4-addr--1"]);
        let items = map_facts("network-traffic", &facts).unwrap_or_default();
        assert_eq!(items, [attr("ip-dst|port", "5.6.7.8|5678")]);

        let f = json!({"type": "file", "name": "resume.pdf", "size": 3, "hashes": {"MD5": "aa", "SHA-1": "bb"}});
        let f = f.as_object().cloned().unwrap_or_default();
        let (facts, _) = sco_facts(&f, &|_| None);
        let items = map_facts("file", &facts).unwrap_or_default();
        assert_eq!(
            items,
            [
                attr("filename|md5", "resume.pdf|aa"),
                attr("filename|sha1", "resume.pdf|bb")
            ]
        );
    }
}
