//! MISP's own shapes: `misp-event` (restSearch JSON, `{"response":[{"Event":…}]}`) and
//! `misp-feed` (a directory a MISP instance subscribes to: `manifest.json`, one
//! `<uuid>.json` per event, `hashes.csv`). One event is in memory at a time.

use std::io::Write;

use serde_json::{Map, Value, json};
use uuid::Uuid;

pub use super::misp_select::{EventSink, select_events};
use super::{Counts, ExportError, Selector};
use crate::model::time::format_rfc3339_micros;
use crate::model::{Attribute, Event, Object, ObjectReference, Tag};
use crate::store::Store;

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

fn object_json(o: &Object, attrs: &[Attribute], refs: &[ObjectReference]) -> Value {
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
    m.insert(
        "Attribute".into(),
        Value::Array(attrs.iter().map(attribute_json).collect()),
    );
    let refs: Vec<Value> = refs
        .iter()
        .filter(|r| r.object_uuid == o.uuid)
        .map(reference_json)
        .collect();
    if !refs.is_empty() {
        m.insert("ObjectReference".into(), Value::Array(refs));
    }
    Value::Object(m)
}

fn orgc_json(e: &Event) -> Option<Value> {
    e.orgc.as_ref().map(|o| {
        let mut m = Map::new();
        m.insert("name".into(), json!(o.name));
        if let Some(u) = o.uuid {
            m.insert("uuid".into(), json!(u));
        }
        Value::Object(m)
    })
}

/// An event's own fields as MISP writes them (numbers as strings where MISP quotes them).
fn header(e: &Event) -> Map<String, Value> {
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
    if let Some(o) = orgc_json(e) {
        m.insert("Orgc".into(), o);
    }
    m.insert("Tag".into(), tags_json(&e.tags));
    m
}

/// One event written as it streams: `{"Event": {…, "Attribute": [`, attributes one by one,
/// then objects and the close. The opening is held back until something is kept, so an
/// event the filters emptied leaves no trace.
pub struct LazyEvent {
    prefix: String,
    open: bool,
    first: bool,
}

impl LazyEvent {
    /// `lead` goes before the event (a separator, or a bundle line's `{"source": …,`).
    pub fn new(e: &Event, lead: &str) -> LazyEvent {
        let head = Value::Object(header(e)).to_string();
        let head = head.strip_suffix('}').unwrap_or(&head);
        let comma = if head.len() > 1 { "," } else { "" };
        LazyEvent {
            prefix: format!("{lead}{{\"Event\":{head}{comma}\"Attribute\":["),
            open: false,
            first: true,
        }
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    fn open(&mut self, out: &mut dyn Write) -> std::io::Result<()> {
        if !self.open {
            out.write_all(self.prefix.as_bytes())?;
            self.open = true;
        }
        Ok(())
    }

    pub fn attribute(&mut self, out: &mut dyn Write, a: &Attribute) -> std::io::Result<()> {
        self.open(out)?;
        if !self.first {
            out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut *out, &attribute_json(a)).map_err(std::io::Error::from)
    }

    /// Close the event with its objects; false (and nothing written) when it holds nothing.
    pub fn finish(
        &mut self,
        out: &mut dyn Write,
        objects: &[(Object, Vec<Attribute>)],
        refs: &[ObjectReference],
        tail: &str,
    ) -> std::io::Result<bool> {
        if !self.open && objects.is_empty() {
            return Ok(false);
        }
        self.open(out)?;
        let objs: Vec<Value> = objects
            .iter()
            .map(|(o, attrs)| {
                let mine: Vec<ObjectReference> = refs
                    .iter()
                    .filter(|r| r.object_uuid == o.uuid)
                    .cloned()
                    .collect();
                object_json(o, attrs, &mine)
            })
            .collect();
        // The event's own brace; `tail` closes the `{"Event": …` around it.
        write!(out, "],\"Object\":{}}}{tail}", Value::Array(objs))?;
        Ok(true)
    }
}

/// The feed manifest's entry for an event.
pub fn manifest_entry(e: &Event) -> Value {
    let mut m = Map::new();
    if let Some(o) = orgc_json(e) {
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

/// `md5(value),event_uuid` lines of one attribute for hashes.csv; composite values are
/// hashed per part (MISP's and PyMISP's rule).
pub fn hash_lines(event: Uuid, a: &Attribute, out: &mut dyn Write) -> std::io::Result<()> {
    use md5::{Digest, Md5};
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
        writeln!(out, "{},{event}", super::hex(&d))?;
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

/// `misp-event`: every selected event in one restSearch-shaped document, streamed.
pub fn write_events(
    store: &Store,
    sel: &mut Selector,
    out: &mut dyn Write,
) -> Result<Counts, ExportError> {
    struct Doc<'w> {
        out: &'w mut dyn Write,
        current: Option<LazyEvent>,
        written: u64,
    }
    impl EventSink for Doc<'_> {
        fn start(&mut self, e: &Event, _: &str) -> Result<(), ExportError> {
            let lead = if self.written > 0 { ",\n" } else { "" };
            self.current = Some(LazyEvent::new(e, lead));
            Ok(())
        }
        fn attribute(&mut self, a: &Attribute) -> Result<(), ExportError> {
            if let Some(ev) = self.current.as_mut() {
                ev.attribute(self.out, a)?;
            }
            Ok(())
        }
        fn end(
            &mut self,
            objects: &[(Object, Vec<Attribute>)],
            refs: &[ObjectReference],
            _: bool,
        ) -> Result<(), ExportError> {
            if let Some(mut ev) = self.current.take()
                && ev.finish(self.out, objects, refs, "}")?
            {
                self.written += 1;
            }
            Ok(())
        }
    }
    out.write_all(b"{\"response\": [")?;
    let mut doc = Doc {
        out,
        current: None,
        written: 0,
    };
    let counts = select_events(store, sel, &mut doc)?;
    let out = doc.out;
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
