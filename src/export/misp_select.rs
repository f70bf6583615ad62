//! Event-shaped selection, streamed: each event's header, then its attributes one at a
//! time as the filters pass them, then its objects (with their kept attributes) and the
//! references between what was kept. A list event of a million values never sits in
//! memory whole.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::{Counts, ExportError, Selector, Verdict};
use crate::model::{Attribute, Event, Object, ObjectReference};
use crate::store::Store;
use crate::store::browse::Holding;
use crate::store::events_out::EventItem;

/// Receives the selected parts of each event as they stream by.
pub trait EventSink {
    /// An event begins; whether it keeps anything is not known yet.
    fn start(&mut self, event: &Event, source: &str) -> Result<(), ExportError>;
    /// A kept attribute outside any object.
    fn attribute(&mut self, a: &Attribute) -> Result<(), ExportError>;
    /// The event ends: its objects that kept an attribute, with those attributes, and the
    /// references between kept things; `partial` when the filters left something out.
    fn end(
        &mut self,
        objects: &[(Object, Vec<Attribute>)],
        refs: &[ObjectReference],
        partial: bool,
    ) -> Result<(), ExportError>;
}

/// One event's state while its attributes stream by.
struct Current {
    event: Event,
    source: String,
    tags: Vec<String>,
    /// TLP holds the whole event back.
    withheld: bool,
    objects: Vec<Object>,
    refs: Vec<ObjectReference>,
    object_attrs: HashMap<Uuid, Vec<Attribute>>,
    /// Kept attribute uuids, tracked only when references need them.
    kept: HashSet<Uuid>,
    /// An attribute was left out.
    dropped: bool,
    refs_total: usize,
}

pub fn select_events(
    store: &Store,
    sel: &mut Selector,
    sink: &mut dyn EventSink,
) -> Result<Counts, ExportError> {
    let mut counts = Counts::default();
    let mut failed: Option<ExportError> = None;
    let mut cur: Option<Current> = None;
    store.scan_event_items(|item| {
        let step = match item {
            EventItem::Start {
                event,
                source,
                objects,
                references,
            } => {
                let tags: Vec<String> = event.tags.iter().map(|t| t.name.clone()).collect();
                let refs: Vec<&str> = tags.iter().map(String::as_str).collect();
                let withheld = sel.withheld(&refs);
                let r = if withheld {
                    Ok(())
                } else {
                    sink.start(&event, &source)
                };
                cur = Some(Current {
                    event,
                    source,
                    tags,
                    withheld,
                    objects,
                    refs: references,
                    object_attrs: HashMap::new(),
                    kept: HashSet::new(),
                    dropped: false,
                    refs_total: 0,
                });
                r
            }
            EventItem::Attribute(a) => match cur.as_mut() {
                Some(c) => attribute(c, a, sel, sink, &mut counts),
                None => Ok(()),
            },
            EventItem::End => match cur.take() {
                Some(c) if !c.withheld => end(c, sink),
                _ => Ok(()),
            },
        };
        match step {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(counts),
    }
}

fn attribute(
    c: &mut Current,
    a: Attribute,
    sel: &mut Selector,
    sink: &mut dyn EventSink,
    counts: &mut Counts,
) -> Result<(), ExportError> {
    if c.withheld {
        counts.withheld_tlp += 1;
        return Ok(());
    }
    let mut tags: Vec<&str> = c.tags.iter().map(String::as_str).collect();
    tags.extend(a.tags.iter().map(|t| t.name.as_str()));
    let v = sel.judge(&Holding {
        value: &a.value,
        type_: &a.type_,
        category: &a.category,
        comment: &a.comment,
        tags: &tags,
        source: &c.source,
        to_ids: a.to_ids,
        seen: a.timestamp,
        timestamp: a.timestamp,
        uuid: a.uuid.unwrap_or_default(),
        event: c.event.uuid,
        event_info: &c.event.info,
        stored: a.timestamp,
        key: 0,
    })?;
    counts.add(v);
    if v != Verdict::Keep {
        c.dropped = true;
        return Ok(());
    }
    if !c.refs.is_empty()
        && let Some(u) = a.uuid
    {
        c.kept.insert(u);
    }
    match a.object_uuid {
        Some(o) if c.objects.iter().any(|x| x.uuid == o) => {
            c.object_attrs.entry(o).or_default().push(a);
            Ok(())
        }
        _ => sink.attribute(&a),
    }
}

fn end(mut c: Current, sink: &mut dyn EventSink) -> Result<(), ExportError> {
    let objects: Vec<(Object, Vec<Attribute>)> = std::mem::take(&mut c.objects)
        .into_iter()
        .filter_map(|o| c.object_attrs.remove(&o.uuid).map(|attrs| (o, attrs)))
        .collect();
    let present: HashSet<Uuid> = c
        .kept
        .iter()
        .copied()
        .chain(objects.iter().map(|(o, _)| o.uuid))
        .collect();
    c.refs_total = c.refs.len();
    let refs: Vec<ObjectReference> = std::mem::take(&mut c.refs)
        .into_iter()
        .filter(|r| present.contains(&r.object_uuid) && present.contains(&r.referenced_uuid))
        .collect();
    let partial = c.dropped || refs.len() < c.refs_total;
    sink.end(&objects, &refs, partial)
}
