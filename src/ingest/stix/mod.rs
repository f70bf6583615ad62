//! STIX 2.1 (and 2.0) bundles → MISP events (STANDARDS.md §1; type choices after misp-stix).
//!
//! Input: a bundle, a TAXII envelope (`{"objects": [...]}`), a bare array of objects or a single
//! object; a UTF-8 BOM is ignored. Invalid JSON is an error with its line; so is a top level
//! that is none of these. Everything below that is forgiving: an object without a usable
//! `type` or `id` (or whose id's uuid part does not parse) is skipped with a warning naming it,
//! because a feed with one bad object should still deliver the rest.
//!
//! Output:
//! - each `report` / `grouping` is an event holding what its `object_refs` name (an object
//!   named by several is copied into each);
//! - indicators, observables and observed-data no report names go to one event for the bundle;
//! - indicators become attributes with `to_ids`; a pattern that is not a simple comparison (or
//!   OR of them, or one AND-ed observation MISP has a composite type for) is kept whole as a
//!   `stix2-pattern` attribute, and a pattern that does not parse or exceeds 64 KiB likewise,
//!   with a warning — nothing is dropped;
//! - SCOs become attributes without `to_ids`;
//! - malware, threat actors, intrusion sets, campaigns, attack patterns and tools become
//!   galaxy tags; CVE vulnerabilities become `vulnerability` attributes;
//! - TLP markings (1.0 and 2.0) become `tlp:` tags; statement markings are ignored;
//! - relationships become object references.

mod attrs;
mod build;
mod map;
mod markings;
mod pattern;
mod sco;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde_json::{Map, Value};
use uuid::Uuid;

use super::ParseError;
use crate::model::ParsedEvent;
use crate::model::time::parse_rfc3339_micros;

/// What a STIX input yields: events, and what the user should know about what was skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StixImport {
    pub events: Vec<ParsedEvent>,
    pub warnings: Vec<String>,
}

/// Parse a STIX 2.x bundle, TAXII envelope or array of objects.
pub fn parse(bytes: &[u8]) -> Result<StixImport, ParseError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let root: Value = serde_json::from_slice(bytes).map_err(|e| ParseError::json(&e))?;
    let (items, bundle_id, spec_version) = top_level(&root)?;
    let mut w = Warnings::default();
    let objs = collect(items, &mut w);
    if spec_version == Some("2.0")
        || objs
            .iter()
            .any(|o| o.is_sdo() && !o.map.contains_key("spec_version"))
    {
        w.push("STIX 2.0 bundle: imported as 2.1; labels read as tags, observed-data `objects` expanded");
    }
    let bundle_uuid = bundle_id.and_then(|id| match split_id(id) {
        Some((_, u)) => Some(u),
        None => {
            w.push(format!(
                "bundle: field id: {id:?} is not type--uuid; event uuid derived from the content"
            ));
            None
        }
    });
    let bundle = build::BundleInfo {
        // Without a bundle id the same bytes must give the same event on re-import.
        uuid: bundle_uuid.unwrap_or_else(|| Uuid::new_v5(&namespace(), bytes)),
        label: match bundle_id {
            Some(id) => format!("STIX bundle {id}"),
            None => "STIX objects".to_string(),
        },
    };
    let events = build::build(&objs, &bundle, &mut w);
    if events.is_empty() {
        w.push("no reports, groupings, indicators or observables: nothing imported");
    }
    Ok(StixImport {
        events,
        warnings: w.finish(),
    })
}

/// Namespace for uuids this importer derives (UUIDv5 of a fixed name).
fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"threatdeck:ingest:stix")
}

type TopLevel<'a> = (&'a [Value], Option<&'a str>, Option<&'a str>);

/// The objects and, for a bundle, its id and spec_version.
fn top_level(root: &Value) -> Result<TopLevel<'_>, ParseError> {
    let obj = match root {
        Value::Array(items) => return Ok((items, None, None)),
        Value::Object(o) => o,
        _ => {
            return Err(ParseError::new(
                "not a STIX bundle: expected a JSON object or array",
            ));
        }
    };
    let t = obj.get("type").and_then(Value::as_str);
    let objects = match obj.get("objects") {
        Some(Value::Array(a)) => Some(a.as_slice()),
        Some(Value::Null) | None => None,
        Some(_) => {
            return Err(ParseError::new("expected an array of STIX objects").with_field("objects"));
        }
    };
    match (t, objects) {
        (Some("bundle"), objects) => Ok((
            objects.unwrap_or(&[]),
            obj.get("id").and_then(Value::as_str),
            obj.get("spec_version").and_then(Value::as_str),
        )),
        // TAXII 2.1 envelope.
        (None, Some(objects)) => Ok((objects, None, None)),
        // A single object.
        (Some(_), None) if obj.contains_key("id") => Ok((std::slice::from_ref(root), None, None)),
        _ => Err(ParseError::new(
            "not a STIX bundle, TAXII envelope or STIX object",
        )),
    }
}

/// One STIX object with a usable type and id.
#[derive(Debug)]
pub(crate) struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub type_: &'a str,
    pub id: &'a str,
    pub uuid: Uuid,
}

impl<'a> Obj<'a> {
    pub fn str(&self, key: &str) -> Option<&'a str> {
        self.map
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    }

    /// A timestamp property in microseconds.
    pub fn micros(&self, key: &str) -> Option<i64> {
        self.str(key).and_then(parse_rfc3339_micros)
    }

    /// A timestamp property in seconds.
    pub fn secs(&self, key: &str) -> Option<i64> {
        self.micros(key).map(|us| us.div_euclid(1_000_000))
    }

    /// Reference lists (`object_refs`, ...): the strings in them.
    pub fn refs(&self, key: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        self.map
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// SDOs and SROs: the objects that carry spec_version in 2.1 and did not in 2.0.
    fn is_sdo(&self) -> bool {
        matches!(
            self.type_,
            "attack-pattern"
                | "campaign"
                | "course-of-action"
                | "grouping"
                | "identity"
                | "indicator"
                | "infrastructure"
                | "intrusion-set"
                | "location"
                | "malware"
                | "note"
                | "observed-data"
                | "opinion"
                | "report"
                | "threat-actor"
                | "tool"
                | "vulnerability"
                | "relationship"
                | "sighting"
        )
    }
}

/// `type--uuid` → (type, uuid).
pub(crate) fn split_id(id: &str) -> Option<(&str, Uuid)> {
    let (t, u) = id.rsplit_once("--")?;
    if t.is_empty() {
        return None;
    }
    Uuid::parse_str(u).ok().map(|u| (t, u))
}

/// Objects with a type and a parseable id; of several versions of one id, the newest `modified`.
fn collect<'a>(items: &'a [Value], w: &mut Warnings) -> Vec<Obj<'a>> {
    let mut out: Vec<Obj<'a>> = Vec::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut revoked = 0;
    // Object numbers (1-based) per reason, so a file of non-STIX records gives one line each.
    let mut no_object = Vec::new();
    let mut no_type = Vec::new();
    let mut no_id = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let Some(map) = item.as_object() else {
            no_object.push(n);
            continue;
        };
        let Some(type_) = map
            .get("type")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        else {
            no_type.push(n);
            continue;
        };
        let Some(id) = map.get("id").and_then(Value::as_str) else {
            no_id.push(n);
            continue;
        };
        let Some((_, uuid)) = split_id(id) else {
            w.push(format!(
                "object {n} ({type_}): field id: {id:?} is not type--uuid; skipped"
            ));
            continue;
        };
        if map.get("revoked").and_then(Value::as_bool) == Some(true) {
            revoked += 1;
            continue;
        }
        let obj = Obj {
            map,
            type_,
            id,
            uuid,
        };
        match by_id.get(id) {
            Some(&j) => {
                if obj.micros("modified") >= out[j].micros("modified") {
                    out[j] = obj;
                }
            }
            None => {
                by_id.insert(id, out.len());
                out.push(obj);
            }
        }
    }
    for (list, what) in [
        (no_object, "not a JSON object"),
        (no_type, "field type: missing"),
        (no_id, "field id: missing"),
    ] {
        if !list.is_empty() {
            w.push(format!("{} {what}; skipped", numbered(&list)));
        }
    }
    if revoked > 0 {
        w.push(format!("{revoked} revoked objects skipped"));
    }
    out
}

/// "object 3" or "objects 1, 2, 3, 4, 5 … (81 in all)".
fn numbered(list: &[usize]) -> String {
    match list {
        [n] => format!("object {n}:"),
        _ => {
            let shown: Vec<String> = list.iter().take(5).map(usize::to_string).collect();
            let more = if list.len() > 5 {
                format!(" … ({} in all)", list.len())
            } else {
                String::new()
            };
            format!("objects {}{more}:", shown.join(", "))
        }
    }
}

/// Warnings, capped so a broken feed cannot flood the caller.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    list: Vec<String>,
    more: usize,
}

const MAX_WARNINGS: usize = 100;

impl Warnings {
    pub fn push(&mut self, msg: impl Into<String>) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(msg.into());
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.list.push(format!("… and {} more warnings", self.more));
        }
        self.list
    }
}
