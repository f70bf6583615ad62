//! Objects → the attributes, tags and members of the event they are put in.

use std::collections::HashSet;

use serde_json::Value;
use uuid::Uuid;

use super::{Ctx, Ev, dedup_tags, galaxy, galaxy_tag, push_out};
use crate::ingest::stix::Obj;
use crate::ingest::stix::attrs::{self, Origin};
use crate::ingest::stix::map::{Item, Mapped, map_facts};
use crate::ingest::stix::sco::{is_mapped_sco, sco_facts};

impl Ctx<'_, '_> {
    /// Put object `i` into the event.
    pub(super) fn add(&mut self, ev: &mut Ev, i: usize) {
        let objs = self.objs;
        let o = &objs[i];
        ev.members.insert(o.uuid);
        match o.type_ {
            "indicator" => {
                let mut origin = self.origin(o, true);
                origin.comment = attrs::comment(o);
                origin.first_seen = o.micros("valid_from");
                origin.last_seen = o.micros("valid_until");
                if let (Some(f), Some(l)) = (origin.first_seen, origin.last_seen)
                    && l < f
                {
                    self.w.push(format!(
                        "{}: valid_until before valid_from; last_seen left empty",
                        o.id
                    ));
                    origin.last_seen = None;
                }
                let out = attrs::indicator(o, &origin, self.w);
                push_out(ev, out, o.uuid);
            }
            "observed-data" => {
                for r in o.refs("object_refs") {
                    match self.obj(r) {
                        Some((j, s)) if is_mapped_sco(s.type_) => ev.scos.push((j, Some(i))),
                        Some(_) => {}
                        None => ev.missing_refs += 1,
                    }
                }
                if let Some(embedded) = o.map.get("objects").and_then(Value::as_object) {
                    self.embedded(ev, o, embedded);
                }
            }
            "vulnerability" => match attrs::cve_of(o) {
                Some(cve) => {
                    let mut origin = self.origin(o, false);
                    origin.comment = o.str("description").unwrap_or("").to_string();
                    let item = Item::Attr(Mapped {
                        type_: "vulnerability",
                        value: cve,
                    });
                    push_out(ev, attrs::from_items(&origin, vec![item]), o.uuid);
                }
                None => ev.pe.event.tags.extend(galaxy_tag(o)),
            },
            t if is_mapped_sco(t) => ev.scos.push((i, None)),
            t if galaxy(t).is_some() => ev.pe.event.tags.extend(galaxy_tag(o)),
            "relationship" => {
                ev.listed.insert(o.uuid);
            }
            _ => {}
        }
    }

    /// Shared attribute context of an object: uuid, modified, labels and TLP tags.
    pub(super) fn origin(&self, o: &Obj, to_ids: bool) -> Origin {
        let mut origin = Origin {
            uuid: o.uuid,
            to_ids,
            ..Origin::default()
        };
        origin.timestamp = o
            .secs("modified")
            .or_else(|| o.secs("created"))
            .unwrap_or(0);
        attrs::labels(o, &mut origin);
        origin.tags.extend(self.markings.tags(o.map));
        origin
    }

    /// An observable seen through observed-data `od` (if any).
    pub(super) fn sco_origin(&self, sco: &Obj, od: Option<&Obj>) -> Origin {
        let mut origin = Origin {
            uuid: sco.uuid,
            ..Origin::default()
        };
        origin.tags = self.markings.tags(sco.map);
        if let Some(od) = od {
            origin.timestamp = od.secs("modified").unwrap_or(0);
            origin.first_seen = od.micros("first_observed");
            origin.last_seen = od.micros("last_observed");
            origin.tags.extend(self.markings.tags(od.map));
        }
        dedup_tags(&mut origin.tags);
        origin
    }

    /// STIX 2.0 observed-data: SCOs inline, keyed "0", "1", …, with refs to those keys.
    pub(super) fn embedded(
        &mut self,
        ev: &mut Ev,
        od: &Obj,
        objects: &serde_json::Map<String, Value>,
    ) {
        let resolve = |k: &str| objects.get(k).and_then(Value::as_object);
        let mut mapped = Vec::new();
        let mut used = HashSet::new();
        for (key, v) in objects {
            let Some(m) = v.as_object() else { continue };
            let t = m.get("type").and_then(Value::as_str).unwrap_or("");
            if !is_mapped_sco(t) {
                continue;
            }
            let (facts, refs) = sco_facts(m, &resolve);
            match map_facts(t, &facts) {
                Some(items) => {
                    used.extend(refs);
                    mapped.push((key, items));
                }
                None => self.unmapped_scos += 1,
            }
        }
        for (key, items) in mapped
            .into_iter()
            .filter(|(k, _)| !used.contains(k.as_str()))
        {
            let origin = Origin {
                uuid: Uuid::new_v5(&od.uuid, key.as_bytes()),
                ..self.sco_origin(od, Some(od))
            };
            push_out(ev, attrs::from_items(&origin, items), od.uuid);
        }
    }
}
