//! Assemble events: one per report/grouping, one for what no report names, then relationships.

mod content;
mod relations;

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::attrs::{self, Origin, Out};
use super::map::map_facts;
use super::markings::Markings;
use super::sco::{is_mapped_sco, sco_facts};
use super::{Obj, Warnings};
use crate::model::time::{format_date, now};
use crate::model::{Org, ParsedEvent, Tag};

pub struct BundleInfo {
    pub uuid: Uuid,
    pub label: String,
}

/// SDO type → MISP galaxy a cluster of it is tagged with. MISP has no native campaign galaxy;
/// misp-stix uses `stix-2.1-campaign` for external STIX campaigns.
fn galaxy(t: &str) -> Option<&'static str> {
    Some(match t {
        "threat-actor" => "threat-actor",
        "attack-pattern" => "mitre-attack-pattern",
        "intrusion-set" => "mitre-intrusion-set",
        "malware" => "mitre-malware",
        "tool" => "mitre-tool",
        "campaign" => "stix-2.1-campaign",
        _ => return None,
    })
}

fn galaxy_tag(obj: &Obj) -> Option<Tag> {
    let g = if obj.type_ == "vulnerability" {
        "branded-vulnerability"
    } else {
        galaxy(obj.type_)?
    };
    let name = obj.str("name")?.trim().replace('"', "'");
    Some(Tag::named(format!("misp-galaxy:{g}=\"{name}\"")))
}

/// One event being filled.
#[derive(Default)]
struct Ev {
    pe: ParsedEvent,
    /// STIX uuids this event represents (for placing relationships).
    members: HashSet<Uuid>,
    /// Relationship uuids its container lists.
    listed: HashSet<Uuid>,
    /// Per attribute: the STIX object it came from.
    origin: Vec<Uuid>,
    attr_uuids: HashSet<Option<Uuid>>,
    /// Uuids of `pe.objects`, to import an object named twice once.
    object_uuids: HashSet<Uuid>,
    /// Observables to map once all are known: (SCO, observed-data it came through).
    scos: Vec<(usize, Option<usize>)>,
    missing_refs: usize,
}

struct Ctx<'a, 'w> {
    objs: &'a [Obj<'a>],
    by_id: HashMap<&'a str, usize>,
    markings: Markings,
    orgs: HashMap<&'a str, Org>,
    w: &'w mut Warnings,
    unmapped_scos: usize,
}

pub fn build(objs: &[Obj], bundle: &BundleInfo, w: &mut Warnings) -> Vec<ParsedEvent> {
    let mut markings = Markings::new();
    let mut orgs = HashMap::new();
    let mut by_id = HashMap::new();
    for (i, o) in objs.iter().enumerate() {
        by_id.insert(o.id, i);
        match o.type_ {
            "marking-definition" => {
                if let Some(msg) = markings.learn(o.id, o.map) {
                    w.push(msg);
                }
            }
            "identity" => {
                let name = o.str("name").unwrap_or(o.id).to_string();
                orgs.insert(
                    o.id,
                    Org {
                        name,
                        uuid: Some(o.uuid),
                    },
                );
            }
            _ => {}
        }
    }
    let mut cx = Ctx {
        objs,
        by_id,
        markings,
        orgs,
        w,
        unmapped_scos: 0,
    };
    let mut events = Vec::new();
    let mut claimed: HashSet<usize> = HashSet::new();
    for (i, o) in objs.iter().enumerate() {
        if matches!(o.type_, "report" | "grouping") {
            events.push(cx.container(i, &mut claimed));
        }
    }
    if let Some(ev) = cx.orphans(&claimed, bundle) {
        events.push(ev);
    }
    cx.relationships(&mut events, bundle.uuid);
    cx.summary();
    events.into_iter().map(|e| e.pe).collect()
}

impl<'a> Ctx<'a, '_> {
    fn obj(&self, id: &str) -> Option<(usize, &'a Obj<'a>)> {
        let objs = self.objs;
        self.by_id
            .get(id)
            .and_then(|&i| objs.get(i).map(|o| (i, o)))
    }

    /// A report or grouping and everything its object_refs name.
    fn container(&mut self, i: usize, claimed: &mut HashSet<usize>) -> Ev {
        let objs = self.objs;
        let o = &objs[i];
        let mut ev = Ev::default();
        ev.members.insert(o.uuid);
        let date_key = if o.type_ == "report" {
            "published"
        } else {
            "created"
        };
        let e = &mut ev.pe.event;
        e.uuid = o.uuid;
        e.info = o
            .str("name")
            .map_or_else(|| format!("STIX {} {}", o.type_, o.id), str::to_string);
        e.timestamp = o
            .secs("modified")
            .or_else(|| o.secs("created"))
            .unwrap_or(0);
        e.date = o.secs(date_key).map(format_date).unwrap_or_default();
        e.orgc = o
            .str("created_by_ref")
            .and_then(|r| self.orgs.get(r))
            .cloned();
        let mut origin = Origin::default();
        attrs::labels(o, &mut origin);
        e.tags = origin.tags;
        e.tags.extend(self.markings.tags(o.map));
        for r in o.refs("object_refs") {
            match self.obj(r) {
                Some((j, _)) => {
                    self.claim(j, claimed);
                    self.add(&mut ev, j);
                }
                None => ev.missing_refs += 1,
            }
        }
        if ev.missing_refs > 0 {
            self.w.push(format!(
                "{}: field object_refs: {} ids not in the bundle",
                o.id, ev.missing_refs
            ));
        }
        self.finish(ev)
    }

    /// Mark `j` and what it brings along (observed-data's SCOs, SCOs' referenced SCOs).
    fn claim(&self, j: usize, claimed: &mut HashSet<usize>) {
        let mut todo = vec![j];
        while let Some(k) = todo.pop() {
            if !claimed.insert(k) {
                continue;
            }
            let o = &self.objs[k];
            let refs = o
                .refs("object_refs")
                .chain(o.refs("to_refs"))
                .chain(o.refs("cc_refs"))
                .chain(o.refs("bcc_refs"));
            let single = ["dst_ref", "src_ref", "from_ref", "sender_ref"]
                .into_iter()
                .filter_map(|k| o.str(k));
            todo.extend(
                refs.chain(single)
                    .filter_map(|r| self.obj(r))
                    .map(|(i, _)| i),
            );
        }
    }

    /// Indicators, observed-data, SCOs and vulnerabilities no container named.
    fn orphans(&mut self, claimed: &HashSet<usize>, bundle: &BundleInfo) -> Option<Ev> {
        // SCOs an observed-data names arrive through it.
        let via_observed: HashSet<usize> = self
            .objs
            .iter()
            .filter(|o| o.type_ == "observed-data")
            .flat_map(|o| o.refs("object_refs"))
            .filter_map(|r| self.obj(r).map(|(i, _)| i))
            .collect();
        let roots: Vec<usize> = (0..self.objs.len())
            .filter(|i| !claimed.contains(i))
            .filter(|&i| {
                let t = self.objs[i].type_;
                matches!(t, "indicator" | "observed-data" | "vulnerability")
                    || (is_mapped_sco(t) && !via_observed.contains(&i))
            })
            .collect();
        if roots.is_empty() {
            return None;
        }
        let mut ev = Ev::default();
        for &i in &roots {
            self.add(&mut ev, i);
        }
        // Threat context nobody's report holds still describes these indicators.
        for (i, o) in self.objs.iter().enumerate() {
            if !claimed.contains(&i) && galaxy(o.type_).is_some() {
                ev.members.insert(o.uuid);
                ev.pe.event.tags.extend(galaxy_tag(o));
            }
        }
        let root_objs = roots.iter().map(|&i| &self.objs[i]);
        // SCOs carry no time: then the bundle's newest object dates the event.
        let newest_of = |o: &Obj| o.secs("modified").or_else(|| o.secs("created"));
        let newest = root_objs
            .clone()
            .filter_map(newest_of)
            .max()
            .or_else(|| self.objs.iter().filter_map(newest_of).max());
        let creators: HashSet<&str> = root_objs.filter_map(|o| o.str("created_by_ref")).collect();
        let e = &mut ev.pe.event;
        e.uuid = bundle.uuid;
        e.info = bundle.label.clone();
        if self.orgs.len() == 1
            && let Some(org) = self.orgs.values().next()
        {
            e.info = format!("{} from {}", bundle.label, org.name);
        }
        // Without any timestamp, 0: a re-import of the same bundle then changes nothing
        // (events are replaced only by newer timestamps). The date still says when.
        e.timestamp = newest.unwrap_or(0);
        e.date = format_date(newest.unwrap_or_else(now));
        if creators.len() == 1 {
            e.orgc = creators
                .iter()
                .next()
                .and_then(|r| self.orgs.get(r))
                .cloned();
        }
        Some(self.finish(ev))
    }

    /// Map the collected SCOs; those another SCO of the event already covers (the address of a
    /// network-traffic, the sender of an email) are not repeated on their own.
    fn finish(&mut self, mut ev: Ev) -> Ev {
        let objs = self.objs;
        let scos = std::mem::take(&mut ev.scos);
        let mut mapped = Vec::new();
        let mut used: HashSet<String> = HashSet::new();
        let resolve = |r: &str| self.by_id.get(r).and_then(|&j| objs.get(j)).map(|s| s.map);
        for &(i, od) in &scos {
            let o = &objs[i];
            ev.members.insert(o.uuid);
            let (facts, refs) = sco_facts(o.map, &resolve);
            match map_facts(o.type_, &facts) {
                Some(items) => {
                    used.extend(refs);
                    mapped.push((i, od, items));
                }
                None => mapped.push((i, od, Vec::new())),
            }
        }
        self.unmapped_scos += mapped.iter().filter(|m| m.2.is_empty()).count();
        for (i, od, items) in mapped {
            let o = &objs[i];
            if used.contains(o.id) {
                continue;
            }
            let origin = self.sco_origin(o, od.map(|j| &self.objs[j]));
            push_out(&mut ev, attrs::from_items(&origin, items), o.uuid);
        }
        let e = &mut ev.pe.event;
        if e.timestamp == 0 {
            e.timestamp = ev
                .pe
                .attributes
                .iter()
                .map(|a| a.timestamp)
                .max()
                .filter(|t| *t > 0)
                .unwrap_or_else(now);
        }
        if e.date.is_empty() {
            e.date = format_date(e.timestamp);
        }
        e.threat_level_id = 4;
        let ts = e.timestamp;
        for a in ev.pe.attributes.iter_mut().filter(|a| a.timestamp == 0) {
            a.timestamp = ts;
        }
        for o in ev.pe.objects.iter_mut().filter(|o| o.timestamp == 0) {
            o.timestamp = ts;
        }
        dedup_tags(&mut ev.pe.event.tags);
        ev
    }
}

fn push_out(ev: &mut Ev, out: Out, from: Uuid) {
    for a in out.attributes {
        // An object named twice (directly and through observed-data) is imported once.
        if !ev.attr_uuids.insert(a.uuid) {
            continue;
        }
        ev.pe.attributes.push(a);
        ev.origin.push(from);
    }
    for o in out.objects {
        if ev.object_uuids.insert(o.uuid) {
            ev.pe.objects.push(o);
        }
    }
}

fn dedup_tags(tags: &mut Vec<Tag>) {
    let mut seen = HashSet::new();
    tags.retain(|t| seen.insert(t.name.clone()));
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::{Ev, Out, push_out};
    use crate::model::Object;

    /// 200,000 objects, 1,000 distinct uuids: each imported once, in first-seen order.
    #[test]
    fn many_duplicate_objects_are_pushed_once() {
        let mut ev = Ev::default();
        let objects = (0..200_000u128)
            .map(|i| Object {
                uuid: Uuid::from_u128(i % 1000 + 1),
                name: format!("o{i}"),
                ..Object::default()
            })
            .collect();
        push_out(
            &mut ev,
            Out {
                attributes: Vec::new(),
                objects,
            },
            Uuid::nil(),
        );
        let again = (0..1000u128)
            .map(|i| Object {
                uuid: Uuid::from_u128(i + 1),
                ..Object::default()
            })
            .collect();
        push_out(
            &mut ev,
            Out {
                attributes: Vec::new(),
                objects: again,
            },
            Uuid::nil(),
        );
        assert_eq!(ev.pe.objects.len(), 1000);
        assert_eq!(ev.pe.objects[42].name, "o42");
    }
}
