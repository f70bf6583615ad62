//! MISP's own shapes: `misp-event` (restSearch JSON, `{"response":[{"Event":…}]}`) and
//! `misp-feed` (a directory a MISP instance subscribes to: `manifest.json`, one
//! `<uuid>.json` per event, `hashes.csv`). One event is in memory at a time.

use std::collections::HashSet;
use std::io::Write;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Counts, ExportError, Selector, Verdict};
use crate::model::time::format_rfc3339_micros;
use crate::model::{Attribute, Object, ObjectReference, ParsedEvent, Tag};
use crate::store::Store;
use crate::store::browse::Holding;
use crate::store::events_out::StoredEvent;

/// An event cut down to what the filters let out.
pub struct Selected {
    pub event: ParsedEvent,
    pub source: String,
}

/// Walk the store's events, keeping the attributes the selector passes; objects left with
/// no attribute and events left with nothing are dropped. `f` gets each event kept.
pub fn select_events(
    store: &Store,
    sel: &mut Selector,
    mut f: impl FnMut(Selected) -> Result<(), ExportError>,
) -> Result<Counts, ExportError> {
    let mut counts = Counts::default();
    let mut failed: Option<ExportError> = None;
    store.scan_events(|stored| match keep(sel, stored, &mut counts) {
        Ok(Some(ev)) => match f(ev) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        },
        Ok(None) => true,
        Err(e) => {
            failed = Some(e);
            false
        }
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(counts),
    }
}

fn keep(
    sel: &mut Selector,
    stored: StoredEvent,
    counts: &mut Counts,
) -> Result<Option<Selected>, ExportError> {
    let StoredEvent {
        mut event, source, ..
    } = stored;
    let ev_tags: Vec<&str> = event.event.tags.iter().map(|t| t.name.as_str()).collect();
    if sel.withheld(&ev_tags) {
        counts.withheld_tlp += event.attributes.len() as u64;
        return Ok(None);
    }
    let mut kept = Vec::with_capacity(event.attributes.len());
    for a in std::mem::take(&mut event.attributes) {
        let mut tags = ev_tags.clone();
        tags.extend(a.tags.iter().map(|t| t.name.as_str()));
        let uuid = a.uuid.unwrap_or_default();
        let v = sel.judge(&Holding {
            value: &a.value,
            type_: &a.type_,
            category: &a.category,
            comment: &a.comment,
            tags: &tags,
            source: &source,
            to_ids: a.to_ids,
            seen: a.timestamp,
            timestamp: a.timestamp,
            uuid,
            event: event.event.uuid,
            event_info: &event.event.info,
            stored: a.timestamp,
            key: 0,
        })?;
        counts.add(v);
        if v == Verdict::Keep {
            kept.push(a);
        }
    }
    if kept.is_empty() {
        return Ok(None);
    }
    let used: HashSet<Uuid> = kept.iter().filter_map(|a| a.object_uuid).collect();
    event.objects.retain(|o| used.contains(&o.uuid));
    let present: HashSet<Uuid> = kept
        .iter()
        .filter_map(|a| a.uuid)
        .chain(event.objects.iter().map(|o| o.uuid))
        .collect();
    event
        .references
        .retain(|r| present.contains(&r.object_uuid) && present.contains(&r.referenced_uuid));
    event.attributes = kept;
    Ok(Some(Selected { event, source }))
}

fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .filter(|t| !t.local)
            .map(|t| json!({ "name": t.name }))
            .collect(),
    )
}

fn attribute_json(a: &Attribute) -> Value {
    let mut m = Map::new();
    m.insert("uuid".into(), json!(a.uuid.unwrap_or_default()));
    m.insert("type".into(), json!(a.type_));
    m.insert("category".into(), json!(a.category));
    m.insert("value".into(), json!(a.value));
    m.insert("to_ids".into(), json!(a.to_ids));
    m.insert("comment".into(), json!(a.comment));
    m.insert("timestamp".into(), json!(a.timestamp.to_string()));
    m.insert("distribution".into(), json!(a.distribution.to_string()));
    m.insert("deleted".into(), json!(false));
    m.insert("disable_correlation".into(), json!(a.disable_correlation));
    if let Some(t) = a.first_seen {
        m.insert("first_seen".into(), json!(format_rfc3339_micros(t)));
    }
    if let Some(t) = a.last_seen {
        m.insert("last_seen".into(), json!(format_rfc3339_micros(t)));
    }
    if let Some(r) = &a.object_relation {
        m.insert("object_relation".into(), json!(r));
    }
    if a.tags.iter().any(|t| !t.local) {
        m.insert("Tag".into(), tags_json(&a.tags));
    }
    Value::Object(m)
}

fn reference_json(r: &ObjectReference) -> Value {
    let mut m = Map::new();
    if let Some(u) = r.uuid {
        m.insert("uuid".into(), json!(u));
    }
    m.insert("timestamp".into(), json!(r.timestamp.to_string()));
    m.insert("object_uuid".into(), json!(r.object_uuid));
    m.insert("referenced_uuid".into(), json!(r.referenced_uuid));
    m.insert("relationship_type".into(), json!(r.relationship_type));
    m.insert("comment".into(), json!(r.comment));
    Value::Object(m)
}

fn object_json(o: &Object, ev: &ParsedEvent) -> Value {
    let mut m = Map::new();
    m.insert("uuid".into(), json!(o.uuid));
    m.insert("name".into(), json!(o.name));
    m.insert("meta-category".into(), json!(o.meta_category));
    m.insert("description".into(), json!(o.description));
    if let Some(t) = o.template_uuid {
        m.insert("template_uuid".into(), json!(t));
    }
    m.insert("template_version".into(), json!(o.template_version));
    m.insert("timestamp".into(), json!(o.timestamp.to_string()));
    m.insert("comment".into(), json!(o.comment));
    m.insert("deleted".into(), json!(false));
    if let Some(t) = o.first_seen {
        m.insert("first_seen".into(), json!(format_rfc3339_micros(t)));
    }
    if let Some(t) = o.last_seen {
        m.insert("last_seen".into(), json!(format_rfc3339_micros(t)));
    }
    let attrs: Vec<Value> = ev
        .attributes
        .iter()
        .filter(|a| a.object_uuid == Some(o.uuid))
        .map(attribute_json)
        .collect();
    m.insert("Attribute".into(), Value::Array(attrs));
    let refs: Vec<Value> = ev
        .references
        .iter()
        .filter(|r| r.object_uuid == o.uuid)
        .map(reference_json)
        .collect();
    if !refs.is_empty() {
        m.insert("ObjectReference".into(), Value::Array(refs));
    }
    Value::Object(m)
}

fn orgc_json(ev: &ParsedEvent) -> Option<Value> {
    ev.event.orgc.as_ref().map(|o| {
        let mut m = Map::new();
        m.insert("name".into(), json!(o.name));
        if let Some(u) = o.uuid {
            m.insert("uuid".into(), json!(u));
        }
        Value::Object(m)
    })
}

/// `{"Event": {…}}` as MISP writes it (numbers as strings where MISP quotes them).
pub fn event_json(ev: &ParsedEvent) -> Value {
    let e = &ev.event;
    let mut m = Map::new();
    m.insert("uuid".into(), json!(e.uuid));
    m.insert("info".into(), json!(e.info));
    m.insert("date".into(), json!(e.date));
    m.insert("timestamp".into(), json!(e.timestamp.to_string()));
    m.insert(
        "publish_timestamp".into(),
        json!(e.publish_timestamp.to_string()),
    );
    m.insert("published".into(), json!(e.published));
    m.insert("analysis".into(), json!(e.analysis.to_string()));
    m.insert(
        "threat_level_id".into(),
        json!(e.threat_level_id.to_string()),
    );
    m.insert("distribution".into(), json!(e.distribution.to_string()));
    if let Some(u) = e.extends_uuid {
        m.insert("extends_uuid".into(), json!(u));
    }
    if let Some(o) = orgc_json(ev) {
        m.insert("Orgc".into(), o);
    }
    m.insert("Tag".into(), tags_json(&e.tags));
    let attrs: Vec<Value> = ev
        .attributes
        .iter()
        .filter(|a| a.object_uuid.is_none())
        .map(attribute_json)
        .collect();
    m.insert("Attribute".into(), Value::Array(attrs));
    let objects: Vec<Value> = ev.objects.iter().map(|o| object_json(o, ev)).collect();
    m.insert("Object".into(), Value::Array(objects));
    json!({ "Event": Value::Object(m) })
}

/// The feed manifest's entry for an event.
pub fn manifest_entry(ev: &ParsedEvent) -> Value {
    let e = &ev.event;
    let mut m = Map::new();
    if let Some(o) = orgc_json(ev) {
        m.insert("Orgc".into(), o);
    }
    m.insert("Tag".into(), tags_json(&e.tags));
    m.insert("info".into(), json!(e.info));
    m.insert("date".into(), json!(e.date));
    m.insert("analysis".into(), json!(e.analysis));
    m.insert("threat_level_id".into(), json!(e.threat_level_id));
    m.insert("timestamp".into(), json!(e.timestamp));
    Value::Object(m)
}

/// `md5(value),event_uuid` lines for hashes.csv; composite values are hashed per part
/// (MISP's and PyMISP's rule).
pub fn hash_lines(ev: &ParsedEvent, out: &mut dyn Write) -> std::io::Result<()> {
    use md5::{Digest, Md5};
    for a in &ev.attributes {
        let composite = a.type_.contains('|') || a.type_ == "malware-sample";
        let parts: Vec<&str> = if composite {
            a.value.split('|').collect()
        } else {
            vec![a.value.as_str()]
        };
        for p in parts {
            let p = if a.type_ == "datetime" {
                python_datetime(p).unwrap_or_else(|| p.to_string())
            } else {
                p.to_string()
            };
            let d = Md5::digest(p.as_bytes());
            let mut hex = String::with_capacity(32);
            for b in d {
                hex.push_str(&format!("{b:02x}"));
            }
            writeln!(out, "{hex},{}", ev.event.uuid)?;
        }
    }
    Ok(())
}

/// MISP and PyMISP load `datetime` values as Python datetimes and hash `str()` of them:
/// `2021-05-10T00:00:00Z` is hashed as `2021-05-10 00:00:00+00:00`.
fn python_datetime(v: &str) -> Option<String> {
    let (date, rest) = v.split_at_checked(10)?;
    let rest = rest.strip_prefix(['T', ' '])?;
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    if hms.len() != 8 || !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 6 {
        return None;
    }
    let micros = format!("{frac:0<6}");
    let frac = if micros.bytes().all(|b| b == b'0') {
        String::new()
    } else {
        format!(".{micros}")
    };
    let offset = match offset {
        "" => String::new(),
        "Z" | "z" => "+00:00".to_string(),
        o if o.len() == 5 && o.is_ascii() => format!("{}:{}", &o[..3], &o[3..]),
        o => o.to_string(),
    };
    Some(format!("{date} {hms}{frac}{offset}"))
}

/// `misp-event`: every selected event in one restSearch-shaped document.
pub fn write_events(
    store: &Store,
    sel: &mut Selector,
    out: &mut dyn Write,
) -> Result<Counts, ExportError> {
    out.write_all(b"{\"response\": [")?;
    let mut first = true;
    let counts = select_events(store, sel, |s| {
        if !first {
            out.write_all(b",\n")?;
        }
        first = false;
        serde_json::to_writer(&mut *out, &event_json(&s.event)).map_err(std::io::Error::from)?;
        Ok(())
    })?;
    out.write_all(b"]}\n")?;
    out.flush()?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::python_datetime;

    #[test]
    fn datetimes_hash_as_python_prints_them() {
        let f = |s| python_datetime(s).unwrap();
        assert_eq!(f("2021-05-10T00:00:00+00:00"), "2021-05-10 00:00:00+00:00");
        assert_eq!(f("2021-05-10T00:00:00Z"), "2021-05-10 00:00:00+00:00");
        assert_eq!(
            f("2021-05-10T01:02:03.5+0200"),
            "2021-05-10 01:02:03.500000+02:00"
        );
        assert_eq!(f("2021-05-10 01:02:03.000"), "2021-05-10 01:02:03");
        assert_eq!(python_datetime("yesterday"), None);
        // Hostile text never panics.
        assert!(python_datetime("2021-05-10T00:00:00+€0").is_some());
        assert_eq!(python_datetime("2021-05-1€T00:00:00"), None);
    }
}
