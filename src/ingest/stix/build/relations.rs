//! Relationships → object references; the closing summary of what was not imported.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use super::{Ctx, Ev, galaxy, galaxy_tag};
use crate::ingest::stix::sco::is_mapped_sco;
use crate::ingest::stix::split_id;
use crate::model::ObjectReference;

impl Ctx<'_, '_> {
    /// Relationships become object references on every event holding their source (or listing
    /// them); failing that, on events holding the target; failing that, on the bundle's event.
    pub(super) fn relationships(&mut self, events: &mut [Ev], bundle_uuid: Uuid) {
        let mut homeless = 0;
        let objs = self.objs;
        // Attribute positions per source STIX object, per event.
        let by_origin: Vec<HashMap<Uuid, Vec<usize>>> = events
            .iter()
            .map(|ev| {
                let mut m: HashMap<Uuid, Vec<usize>> = HashMap::new();
                for (k, u) in ev.origin.iter().enumerate() {
                    m.entry(*u).or_default().push(k);
                }
                m
            })
            .collect();
        for o in objs.iter().filter(|o| o.type_ == "relationship") {
            let ends = (
                o.str("source_ref").and_then(split_id),
                o.str("target_ref").and_then(split_id),
            );
            let ((_, src), (_, dst)) = match ends {
                (Some(s), Some(t)) => (s, t),
                _ => {
                    self.w.push(format!(
                        "{}: field source_ref/target_ref: missing or not type--uuid; skipped",
                        o.id
                    ));
                    continue;
                }
            };
            let mut homes: Vec<usize> = (0..events.len())
                .filter(|&k| events[k].listed.contains(&o.uuid) || events[k].members.contains(&src))
                .collect();
            if homes.is_empty() {
                homes = (0..events.len())
                    .filter(|&k| events[k].members.contains(&dst))
                    .collect();
            }
            if homes.is_empty() {
                homes = (0..events.len())
                    .filter(|&k| events[k].pe.event.uuid == bundle_uuid)
                    .collect();
            }
            if homes.is_empty() {
                homeless += 1;
            }
            let reference = ObjectReference {
                uuid: Some(o.uuid),
                timestamp: o
                    .secs("modified")
                    .or_else(|| o.secs("created"))
                    .unwrap_or(0),
                object_uuid: src,
                referenced_uuid: dst,
                relationship_type: o
                    .str("relationship_type")
                    .unwrap_or("related-to")
                    .to_string(),
                comment: o.str("description").unwrap_or("").to_string(),
            };
            let tag = (reference.relationship_type == "indicates")
                .then(|| {
                    o.str("target_ref")
                        .and_then(|r| self.obj(r))
                        .and_then(|(_, t)| galaxy_tag(t))
                })
                .flatten();
            for k in homes {
                let ev = &mut events[k];
                // What an indicator indicates is also a galaxy on its attributes (as in MISP).
                if let Some(tag) = &tag {
                    for &n in by_origin[k].get(&src).into_iter().flatten() {
                        if let Some(a) = ev.pe.attributes.get_mut(n)
                            && !a.tags.contains(tag)
                        {
                            a.tags.push(tag.clone());
                        }
                    }
                }
                ev.pe.references.push(reference.clone());
            }
        }
        if homeless > 0 {
            self.w.push(format!(
                "{homeless} relationships between objects no event holds were not kept"
            ));
        }
    }

    /// One line on what had no mapping.
    pub(super) fn summary(&mut self) {
        let mut ignored: BTreeMap<&str, usize> = BTreeMap::new();
        for o in self.objs {
            let handled = matches!(
                o.type_,
                "indicator"
                    | "observed-data"
                    | "report"
                    | "grouping"
                    | "identity"
                    | "marking-definition"
                    | "relationship"
                    | "vulnerability"
            ) || is_mapped_sco(o.type_)
                || galaxy(o.type_).is_some();
            if !handled {
                *ignored.entry(o.type_).or_default() += 1;
            }
        }
        if !ignored.is_empty() {
            let list: Vec<String> = ignored.iter().map(|(t, n)| format!("{n} {t}")).collect();
            self.w.push(format!(
                "not imported (no MISP mapping): {}",
                list.join(", ")
            ));
        }
        if self.unmapped_scos > 0 {
            self.w.push(format!(
                "{} observables had no property MISP has a type for",
                self.unmapped_scos
            ));
        }
    }
}
