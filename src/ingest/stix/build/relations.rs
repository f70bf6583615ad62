//! Relationships → object references; the closing summary of what was not imported.

use std::collections::{BTreeMap, HashMap, HashSet};

use uuid::Uuid;

use super::{Ctx, Ev, galaxy, galaxy_tag};
use crate::ingest::stix::sco::is_mapped_sco;
use crate::ingest::stix::split_id;
use crate::model::ObjectReference;

/// Most object references (and galaxy tags they add) one bundle yields; beyond, dropped with a
/// warning.
const MAX_LINKS: usize = 1_000_000;

/// The union of two ascending lists of event positions, ascending and without repeats.
fn merge_sorted(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x <= y => {
                i += 1;
                if x == y {
                    j += 1;
                }
                x
            }
            (Some(_), Some(&y)) | (None, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => break,
        };
        out.push(next);
    }
    out
}

impl Ctx<'_, '_> {
    /// Relationships become object references on the events holding both their ends and on
    /// those listing them; failing that, on the first event holding their source; failing
    /// that, on the first holding their target; failing that, on the bundle's event.
    ///
    /// Placing a reference only where both ends are keeps the output linear in the input: an
    /// object named by many reports is the source of many relationships. `MAX_LINKS` bounds
    /// what remains (the same pair of objects held together by many events).
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
        // Events (ascending) holding each STIX object, and listing each relationship.
        let mut holders: HashMap<Uuid, Vec<usize>> = HashMap::new();
        let mut listers: HashMap<Uuid, Vec<usize>> = HashMap::new();
        for (k, ev) in events.iter().enumerate() {
            for u in &ev.members {
                holders.entry(*u).or_default().push(k);
            }
            for u in &ev.listed {
                listers.entry(*u).or_default().push(k);
            }
        }
        let bundle_events: Vec<usize> = (0..events.len())
            .filter(|&k| events[k].pe.event.uuid == bundle_uuid)
            .collect();
        // Events holding both ends, per (source, target): many relationships share a pair.
        let mut both_memo: HashMap<(Uuid, Uuid), Vec<usize>> = HashMap::new();
        // Galaxy tag names per (event, attribute) already on it, filled on first use.
        let mut attr_tags: HashMap<(usize, usize), HashSet<String>> = HashMap::new();
        // (event, source, galaxy tag) already spread over the source's attributes there.
        let mut tagged: HashSet<(usize, Uuid, String)> = HashSet::new();
        // Relationships cut short by the limit on references.
        let (mut refs_left, mut refs_dropped) = (MAX_LINKS, 0usize);
        let (mut tags_left, mut tags_dropped) = (MAX_LINKS, 0usize);
        let none: &[usize] = &[];
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
            if refs_left == 0 {
                refs_dropped += 1;
                continue;
            }
            let of_src = holders.get(&src).map_or(none, Vec::as_slice);
            let of_dst = holders.get(&dst).map_or(none, Vec::as_slice);
            let listing = listers.get(&o.uuid).map_or(none, Vec::as_slice);
            let both = both_memo.entry((src, dst)).or_insert_with(|| {
                // Walk the shorter list, look the other end up in each event's member set.
                let (short, other) = if of_src.len() <= of_dst.len() {
                    (of_src, dst)
                } else {
                    (of_dst, src)
                };
                short
                    .iter()
                    .copied()
                    .filter(|&k| events[k].members.contains(&other))
                    .collect()
            });
            let mut homes = merge_sorted(listing, both);
            if homes.is_empty() {
                homes.extend(of_src.first().or(of_dst.first()).copied());
            }
            if homes.is_empty() {
                homes.clone_from(&bundle_events);
            }
            if homes.is_empty() {
                homeless += 1;
                continue;
            }
            if homes.len() > refs_left {
                refs_dropped += 1;
                homes.truncate(refs_left);
            }
            refs_left -= homes.len();
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
                if let Some(tag) = &tag
                    && tagged.insert((k, src, tag.name.clone()))
                {
                    let attrs = by_origin[k].get(&src).map_or(none, Vec::as_slice);
                    for (i, &n) in attrs.iter().enumerate() {
                        if tags_left == 0 {
                            tags_dropped += attrs.len() - i;
                            break;
                        }
                        let Some(a) = ev.pe.attributes.get_mut(n) else {
                            continue;
                        };
                        let seen = attr_tags
                            .entry((k, n))
                            .or_insert_with(|| a.tags.iter().map(|t| t.name.clone()).collect());
                        if seen.contains(&tag.name) {
                            continue;
                        }
                        tags_left -= 1;
                        seen.insert(tag.name.clone());
                        a.tags.push(tag.clone());
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
        if refs_dropped > 0 {
            self.w.push(format!(
                "{refs_dropped} relationships were not (wholly) kept: over the limit of {MAX_LINKS} object references per bundle"
            ));
        }
        if tags_dropped > 0 {
            self.w.push(format!(
                "{tags_dropped} galaxy tags from relationships over the limit of {MAX_LINKS} per bundle were not kept"
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::merge_sorted;
    use crate::ingest::stix::parse;

    const IND: &str = "indicator--33fe3b22-0201-47cf-85d0-97c02164528d";

    /// Uuids are distinct across kinds: a report's is not a target's.
    fn id(kind: &str, n: usize) -> String {
        let n = n + match kind {
            "report" => 1 << 32,
            "relationship" => 2 << 32,
            _ => 0,
        };
        format!("{kind}--00000000-0000-4000-8000-{n:012x}")
    }

    #[test]
    fn merge_sorted_is_an_ascending_union() {
        assert_eq!(merge_sorted(&[1, 3, 5], &[0, 3, 6]), [0, 1, 3, 5, 6]);
        assert_eq!(merge_sorted(&[], &[2]), [2]);
        assert_eq!(merge_sorted(&[4], &[]), [4]);
    }

    /// One indicator named by 300 reports, source of 3,000 relationships: each relationship
    /// yields a reference in one event, not in all 300.
    #[test]
    fn relationships_from_an_object_in_many_reports_stay_linear() {
        const REPORTS: usize = 300;
        const RELS: usize = 3_000;
        let target = |n: usize| match n % 3 {
            0 => id("ipv4-addr", n),
            1 => id("indicator", n),
            _ => id("malware", n),
        };
        let mut objects: Vec<Value> = vec![json!({"type": "indicator", "spec_version": "2.1",
            "id": IND, "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-02T00:00:00.000Z",
            "pattern": "[domain-name:value = 'evil.example']", "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z"})];
        for r in 0..REPORTS {
            // The first report also names the first ten targets: those relationships go there.
            let mut refs = vec![IND.to_string()];
            if r == 0 {
                refs.extend((0..10).map(target));
            }
            objects.push(
                json!({"type": "report", "spec_version": "2.1", "id": id("report", r),
                "created": "2024-03-01T00:00:00.000Z", "modified": "2024-03-01T00:00:00.000Z",
                "name": format!("r{r}"), "published": "2024-03-01T00:00:00Z", "object_refs": refs}),
            );
        }
        for n in 0..RELS {
            objects.push(match n % 3 {
                0 => json!({"type": "ipv4-addr", "spec_version": "2.1", "id": target(n),
                    "value": format!("10.{}.{}.{}", n >> 16, (n >> 8) & 255, n & 255)}),
                1 => json!({"type": "indicator", "spec_version": "2.1", "id": target(n),
                    "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-02T00:00:00.000Z",
                    "pattern": format!("[domain-name:value = 'd{n}.example']"), "pattern_type": "stix",
                    "valid_from": "2024-01-01T00:00:00Z"}),
                _ => json!({"type": "malware", "spec_version": "2.1", "id": target(n),
                    "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                    "name": format!("m{n}"), "is_family": true}),
            });
            let kind = if n % 3 == 2 {
                "indicates"
            } else {
                "related-to"
            };
            objects.push(json!({"type": "relationship", "spec_version": "2.1",
                "id": id("relationship", n), "created": "2024-01-01T00:00:00.000Z",
                "modified": "2024-01-01T00:00:00.000Z", "relationship_type": kind,
                "source_ref": IND, "target_ref": target(n)}));
        }
        let bundle = json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
            "objects": objects});
        let r = match parse(bundle.to_string().as_bytes()) {
            Ok(r) => r,
            Err(e) => panic!("parse failed: {e}"),
        };
        // 300 reports and the event of what no report names.
        assert_eq!(r.events.len(), REPORTS + 1);
        let total: usize = r.events.iter().map(|e| e.references.len()).sum();
        assert!(total <= 2 * RELS, "{total} references");
        // Every relationship is kept exactly once, on the first report (which holds its source).
        assert_eq!(total, RELS);
        assert_eq!(r.events[0].references.len(), RELS);
        // The galaxies the indicator indicates tag its attribute in that event only.
        let galaxies = |e: &crate::model::ParsedEvent| {
            e.attributes
                .iter()
                .flat_map(|a| &a.tags)
                .filter(|t| t.is_galaxy())
                .count()
        };
        assert_eq!(galaxies(&r.events[0]), RELS / 3);
        assert_eq!(r.events[1..].iter().map(galaxies).sum::<usize>(), 0);
        assert!(
            !r.warnings
                .iter()
                .any(|w| w.contains("not kept") || w.contains("limit")),
            "{:?}",
            r.warnings
        );
    }
}
