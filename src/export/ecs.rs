//! `ecs`: NDJSON, one Elastic Common Schema indicator document per attribute
//! (`threat.indicator.*`, `event.kind: enrichment`), ready for `_bulk` or a file input.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::{Row, Sink};
use crate::store::browse::Holding;

pub const ECS_VERSION: &str = "8.11.0";

/// ECS's indicator type (STIX SCO names) and the field holding the value.
fn mapping(type_: &str) -> Option<(&'static str, &'static str)> {
    Some(match type_ {
        "ip-src" | "ip-dst" => ("ipv4-addr", "ip"),
        "domain" | "hostname" => ("domain-name", "url.domain"),
        "url" | "uri" => ("url", "url.full"),
        "email" | "email-src" | "email-dst" => ("email-addr", "email.address"),
        "md5" => ("file", "file.hash.md5"),
        "sha1" => ("file", "file.hash.sha1"),
        "sha256" => ("file", "file.hash.sha256"),
        "sha512" => ("file", "file.hash.sha512"),
        "ssdeep" => ("file", "file.hash.ssdeep"),
        "tlsh" => ("file", "file.hash.tlsh"),
        "filename" => ("file", "file.name"),
        "regkey" => ("windows-registry-key", "registry.key"),
        "mutex" => ("mutex", "description"),
        "AS" => ("autonomous-system", "as.number"),
        _ => return None,
    })
}

/// Put `value` at a dotted `path` inside `obj`.
fn put(obj: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            obj.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let child = obj
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = child {
                put(m, rest, value);
            }
        }
    }
}

/// The TLP level from tags, as ECS spells it.
fn tlp(tags: &[&str]) -> Option<String> {
    tags.iter().find_map(|t| {
        let l = t.to_ascii_lowercase();
        l.strip_prefix("tlp:").map(|x| x.to_ascii_uppercase())
    })
}

#[derive(Default)]
pub struct Ecs {
    /// Attributes of types ECS has no indicator field for.
    pub skipped: u64,
}

impl Sink for Ecs {
    fn begin(&mut self, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, row: &Row) -> std::io::Result<()> {
        let Some(doc) = document(row.h) else {
            self.skipped += 1;
            return Ok(());
        };
        serde_json::to_writer(&mut *out, &doc)?;
        out.write_all(b"\n")
    }

    fn end(&mut self, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}

/// The ECS document for one attribute; None for types ECS has no indicator field for.
pub fn document(h: &Holding) -> Option<Value> {
    let (kind, field) = mapping(h.type_)?;
    let mut ind = Map::new();
    let kind = if kind == "ipv4-addr" && h.value.contains(':') {
        "ipv6-addr"
    } else {
        kind
    };
    // The `ip` field takes one address; a network goes in the description instead.
    let (field, value) = if field == "ip" && h.value.contains('/') {
        ("description", Value::String(h.value.to_string()))
    } else if field == "as.number" {
        let n = h
            .value
            .trim_start_matches(['A', 'S', 'a', 's'])
            .parse::<u64>()
            .ok();
        (field, json!(n?))
    } else {
        (field, Value::String(h.value.to_string()))
    };
    put(&mut ind, field, value);
    put(&mut ind, "type", json!(kind));
    put(&mut ind, "id", json!(h.uuid.to_string()));
    put(&mut ind, "provider", json!(h.source));
    put(&mut ind, "name", json!(h.value));
    if !h.comment.is_empty() && field != "description" {
        put(&mut ind, "description", json!(h.comment));
    }
    put(
        &mut ind,
        "modified_at",
        json!(crate::model::time::format_rfc3339(h.timestamp)),
    );
    put(
        &mut ind,
        "last_seen",
        json!(crate::model::time::format_rfc3339(h.seen)),
    );
    if let Some(t) = tlp(h.tags) {
        put(&mut ind, "marking.tlp", json!(t));
        put(&mut ind, "marking.tlp_version", json!("2.0"));
    }
    let doc = json!({
        "@timestamp": crate::model::time::format_rfc3339(h.timestamp),
        "ecs": {"version": ECS_VERSION},
        "event": {"kind": "enrichment", "category": ["threat"], "type": ["indicator"]},
        "threat": {
            "indicator": Value::Object(ind),
            "feed": {"name": h.source, "description": h.event_info},
        },
        "tags": h.tags,
    });
    Some(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_nest() {
        let mut m = Map::new();
        put(&mut m, "file.hash.sha256", json!("ab"));
        put(&mut m, "file.name", json!("x.exe"));
        assert_eq!(
            Value::Object(m),
            json!({"file": {"hash": {"sha256": "ab"}, "name": "x.exe"}})
        );
        assert_eq!(tlp(&["feed:x", "TLP:Amber"]).as_deref(), Some("AMBER"));
        assert_eq!(mapping("domain").unwrap().1, "url.domain");
        assert!(mapping("text").is_none());
    }
}
