//! `stix21`: one STIX 2.1 bundle, streamed. Per attribute an indicator (pattern per
//! stix_pattern), the observable it is about (deterministic id, once per bundle) and a
//! relationship between them; per event a report naming its indicators; per sighted value a
//! sighting; TLP 2.0 marking definitions and the producing identity up front.
//!
//! SDO ids are derived from the store's uuids (so a re-export updates, not duplicates, what a
//! consumer holds) and shaped as version 4, which the validator expects of SDOs.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::stix_pattern::{observable, pattern};
use super::{Row, Sink};
use crate::model::time::{format_rfc3339, format_rfc3339_millis};
use crate::store::Store;
use crate::store::browse::Holding;

/// (level, marking-definition id), least to most restrictive (OASIS TLP 2.0 objects).
const TLP: [(&str, &str); 5] = [
    ("clear", "94868c89-83c2-464b-929b-a1a8aa3c8487"),
    ("green", "bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
    ("amber", "55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
    ("amber+strict", "939a9414-2ddd-4d32-a0cd-375ea402b003"),
    ("red", "e828b379-4e03-4974-9ac4-e53a884c97c1"),
];
const TLP_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
const ID_NAMESPACE: Uuid = Uuid::from_u128(0x5b1f_2c3d_7e4a_4b6c_9d8e_0f1a_2b3c_4d5e);

/// A stable id for an SDO/SRO of `kind` made from `parts`, shaped as a version-4 uuid.
fn sdo_id(kind: &str, parts: &[&[u8]]) -> String {
    let mut name = kind.as_bytes().to_vec();
    for p in parts {
        name.push(0);
        name.extend_from_slice(p);
    }
    let bytes = *Uuid::new_v5(&ID_NAMESPACE, &name).as_bytes();
    format!(
        "{kind}--{}",
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    )
}

pub fn indicator_id(attribute: Uuid) -> String {
    sdo_id("indicator", &[attribute.as_bytes()])
}

/// An indicator SDO, borrowed from the attribute (serialised without building a map: the
/// export writes a million of them).
#[derive(serde::Serialize)]
pub struct Indicator<'a> {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    pub id: String,
    created_by_ref: &'a str,
    created: String,
    modified: String,
    name: String,
    description: String,
    indicator_types: [&'static str; 1],
    pattern: String,
    pattern_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern_version: Option<&'static str>,
    valid_from: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object_marking_refs: Option<[String; 1]>,
}

/// The indicator SDO for one attribute and its pattern (`pattern(type, value)`).
pub fn indicator<'a>(
    h: &'a Holding,
    identity: &'a str,
    pat: String,
    lang: &'a str,
) -> Indicator<'a> {
    let ts = format_rfc3339_millis(h.timestamp);
    let shown: String = h.value.chars().take(200).collect();
    let description = match (h.event_info.trim(), h.comment.trim()) {
        ("", "") => format!("{} from {}", h.type_, h.source),
        (info, "") => info.to_string(),
        ("", c) => c.to_string(),
        (info, c) => format!("{info}: {c}"),
    };
    Indicator {
        type_: "indicator",
        spec_version: "2.1",
        id: indicator_id(h.uuid),
        created_by_ref: identity,
        created: ts.clone(),
        modified: ts,
        name: format!("{}: {shown}", h.type_),
        description,
        indicator_types: [if h.to_ids {
            "malicious-activity"
        } else {
            "unknown"
        }],
        pattern: pat,
        pattern_type: lang,
        pattern_version: (lang == "stix").then_some("2.1"),
        valid_from: format_rfc3339(h.timestamp),
        labels: label_list(h.tags),
        object_marking_refs: marking(h.tags),
    }
}

#[derive(serde::Serialize)]
struct Relationship<'a> {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    id: String,
    created_by_ref: &'a str,
    created: &'a str,
    modified: &'a str,
    relationship_type: &'static str,
    source_ref: &'a str,
    target_ref: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    object_marking_refs: Option<&'a [String; 1]>,
}

/// The id of the producing identity.
pub fn identity_id() -> String {
    sdo_id("identity", &[b"threatdeck"])
}

/// What every bundle and collection starts with: the producing identity and the TLP 2.0
/// marking definitions the objects refer to.
pub fn preamble() -> Vec<Value> {
    let mut out = vec![json!({
        "type": "identity", "spec_version": "2.1", "id": identity_id(),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "threatdeck", "identity_class": "system",
        "description": "The threatdeck workbench that exported this bundle."
    })];
    for (level, id) in TLP {
        out.push(json!({
            "type": "marking-definition", "spec_version": "2.1",
            "id": format!("marking-definition--{id}"),
            "created": "2022-10-01T00:00:00.000Z",
            "name": format!("TLP:{}", level.to_ascii_uppercase()),
            "extensions": { TLP_EXTENSION: {
                "extension_type": "property-extension", "tlp_2_0": level } }
        }));
    }
    out
}

/// The most restrictive TLP level among tags (`tlp:white` is `clear`).
fn tlp_of<'a>(tags: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    let mut best: Option<usize> = None;
    for t in tags {
        let Some(level) = t
            .to_ascii_lowercase()
            .strip_prefix("tlp:")
            .map(str::to_string)
        else {
            continue;
        };
        let level = if level == "white" {
            "clear".to_string()
        } else {
            level
        };
        if let Some(i) = TLP.iter().position(|(l, _)| *l == level) {
            best = Some(best.map_or(i, |b| b.max(i)));
        }
    }
    best.map(|i| TLP[i].1)
}

fn marking(tags: &[&str]) -> Option<[String; 1]> {
    tlp_of(tags.iter().copied()).map(|id| [format!("marking-definition--{id}")])
}

fn markings(tags: &[&str]) -> Option<Value> {
    marking(tags).map(|m| json!(m))
}

/// Tags other than TLP, each once.
fn label_list<'a>(tags: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for t in tags {
        // `get`: a tag may hold a multi-byte character across byte 4.
        let tlp = t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tlp:"));
        if !tlp && !out.contains(t) {
            out.push(t);
        }
    }
    out
}

fn labels(tags: &[&str]) -> Option<Value> {
    let l = label_list(tags);
    (!l.is_empty()).then(|| json!(l))
}

/// Write one object of the bundle's list.
fn emit(first: &mut bool, out: &mut dyn Write, v: &impl serde::Serialize) -> std::io::Result<()> {
    if !*first {
        out.write_all(b",\n")?;
    }
    *first = false;
    serde_json::to_writer(&mut *out, v).map_err(std::io::Error::from)
}

/// Aggregated "seen" sightings of one value.
struct Seen {
    count: u64,
    first: i64,
    last: i64,
}

/// The report being gathered for the current event.
struct Report {
    event: Uuid,
    refs: Vec<Uuid>,
}

pub struct Stix<'a> {
    store: &'a Store,
    identity: String,
    sightings: HashMap<String, Seen>,
    observables: HashSet<u64>,
    report: Option<Report>,
    first: bool,
    /// Attributes of types STIX has no pattern for.
    pub skipped: u64,
}

impl<'a> Stix<'a> {
    pub fn new(store: &'a Store) -> Result<Self, crate::store::StoreError> {
        let mut sightings: HashMap<String, Seen> = HashMap::new();
        for s in store.all_sightings()? {
            if s.kind != 0 {
                continue;
            }
            let e = sightings.entry(s.value).or_insert(Seen {
                count: 0,
                first: s.time,
                last: s.time,
            });
            e.count += 1;
            e.first = e.first.min(s.time);
            e.last = e.last.max(s.time);
        }
        Ok(Stix {
            store,
            identity: identity_id(),
            sightings,
            observables: HashSet::new(),
            report: None,
            first: true,
            skipped: 0,
        })
    }

    fn flush_report(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        let Some(r) = self.report.take() else {
            return Ok(());
        };
        let summary = self
            .store
            .event_summary(r.event)
            .map_err(std::io::Error::other)?;
        let Some(s) = summary else { return Ok(()) };
        let e = &s.event;
        let tags: Vec<&str> = e.tags.iter().map(|t| t.name.as_str()).collect();
        let published = if e.publish_timestamp > 0 {
            e.publish_timestamp
        } else {
            e.timestamp
        };
        let mut m = Map::new();
        m.insert("type".into(), json!("report"));
        m.insert("spec_version".into(), json!("2.1"));
        m.insert("id".into(), json!(sdo_id("report", &[e.uuid.as_bytes()])));
        m.insert("created_by_ref".into(), json!(self.identity));
        m.insert("created".into(), json!(format_rfc3339_millis(e.timestamp)));
        m.insert("modified".into(), json!(format_rfc3339_millis(e.timestamp)));
        let name = if e.info.trim().is_empty() {
            format!("event {}", e.uuid)
        } else {
            e.info.clone()
        };
        m.insert("name".into(), json!(name));
        m.insert(
            "description".into(),
            json!(format!("Event {} from {}", e.uuid, s.source)),
        );
        m.insert("report_types".into(), json!(["threat-report"]));
        m.insert("published".into(), json!(format_rfc3339(published)));
        if let Some(l) = labels(&tags) {
            m.insert("labels".into(), l);
        }
        if let Some(mk) = markings(&tags) {
            m.insert("object_marking_refs".into(), mk);
        }
        // A list event's report names a million indicators: their ids are written one by
        // one after the other properties, never gathered.
        if !self.first {
            out.write_all(b",\n")?;
        }
        self.first = false;
        let text = Value::Object(m).to_string();
        out.write_all(text.strip_suffix('}').unwrap_or(&text).as_bytes())?;
        out.write_all(b",\"object_refs\":[")?;
        for (i, u) in r.refs.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            write!(out, "\"{}\"", indicator_id(*u))?;
        }
        out.write_all(b"]}")
    }
}

impl Sink for Stix<'_> {
    fn begin(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(
            out,
            "{{\"type\": \"bundle\", \"id\": \"bundle--{}\", \"objects\": [",
            Uuid::new_v4()
        )?;
        for v in preamble() {
            emit(&mut self.first, out, &v)?;
        }
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, row: &Row) -> std::io::Result<()> {
        let h = row.h;
        let Some((pat, lang)) = pattern(h.type_, h.value) else {
            self.skipped += 1;
            return Ok(());
        };
        if self.report.as_ref().is_some_and(|r| r.event != h.event) {
            self.flush_report(out)?;
        }
        let report = self.report.get_or_insert_with(|| Report {
            event: h.event,
            refs: Vec::new(),
        });
        report.refs.push(h.uuid);

        let ind = indicator(h, &self.identity, pat, lang);
        emit(&mut self.first, out, &ind)?;
        let id = &ind.id;

        if let Some(mut obs) = observable(h.type_, h.value) {
            let oid = obs["id"].as_str().unwrap_or_default().to_string();
            if self
                .observables
                .insert(crate::model::hash::value_hash(&oid))
            {
                if let (Some(mk), Value::Object(o)) = (&ind.object_marking_refs, &mut obs) {
                    o.insert("object_marking_refs".into(), json!(mk));
                }
                emit(&mut self.first, out, &obs)?;
            }
            let rel = Relationship {
                type_: "relationship",
                spec_version: "2.1",
                id: sdo_id("relationship", &[h.uuid.as_bytes(), b"observable"]),
                created_by_ref: &self.identity,
                created: &ind.created,
                modified: &ind.created,
                relationship_type: "related-to",
                source_ref: id,
                target_ref: &oid,
                object_marking_refs: ind.object_marking_refs.as_ref(),
            };
            emit(&mut self.first, out, &rel)?;
        }

        // A composite value (`ip|port`) is sighted through its parts.
        let seen = std::iter::once(h.value)
            .chain(h.value.split('|').filter(|_| h.type_.contains('|')))
            .find_map(|v| self.sightings.get(v));
        if let Some(seen) = seen {
            let sighting = json!({
                "type": "sighting", "spec_version": "2.1",
                "id": sdo_id("sighting", &[h.uuid.as_bytes()]),
                "created_by_ref": self.identity,
                "created": format_rfc3339_millis(seen.last),
                "modified": format_rfc3339_millis(seen.last),
                "sighting_of_ref": id,
                "count": seen.count.min(999_999_999),
                "first_seen": format_rfc3339(seen.first),
                "last_seen": format_rfc3339(seen.last),
                "where_sighted_refs": [self.identity]
            });
            emit(&mut self.first, out, &sighting)?;
        }
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        self.flush_report(out)?;
        out.write_all(b"\n]}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_look_like_v4() {
        let a = sdo_id("indicator", &[b"x"]);
        assert_eq!(a, sdo_id("indicator", &[b"x"]));
        assert_ne!(a, sdo_id("indicator", &[b"y"]));
        let u = Uuid::parse_str(a.strip_prefix("indicator--").unwrap()).unwrap();
        assert_eq!(u.get_version_num(), 4);
    }

    #[test]
    fn labels_leave_tlp_out_and_survive_any_text() {
        assert_eq!(
            label_list(&["tlp:red", "TLP:AMBER", "tl€x", "a", "a"]),
            vec!["tl€x", "a"]
        );
    }

    #[test]
    fn the_strictest_tlp_wins() {
        assert_eq!(tlp_of(["tlp:green", "tlp:AMBER"]), Some(TLP[2].1));
        assert_eq!(tlp_of(["tlp:white"]), Some(TLP[0].1));
        assert_eq!(tlp_of(["pap:red"]), None);
    }
}
