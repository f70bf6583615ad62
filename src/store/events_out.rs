//! Whole events read back out (header, attributes, objects, references), one at a time, for
//! the event-shaped exports (MISP event and feed, STIX reports, offline bundles).

use redb::ReadableTable;
use uuid::Uuid;

use crate::model::{Object, ObjectReference, ParsedEvent};

use super::records::*;
use super::tables::*;
use super::{Result, Store};

/// One stored event and the source it came from.
pub struct StoredEvent {
    pub event: ParsedEvent,
    pub source: String,
    /// Whether the event holds a list source's values (CSV/freetext), not a MISP event.
    pub list: bool,
}

impl ObjectRec {
    pub fn to_object(&self) -> Object {
        Object {
            uuid: Uuid::from_u128(self.uuid),
            name: self.name.clone(),
            meta_category: self.meta_category.clone(),
            description: self.description.clone(),
            template_uuid: self.template_uuid.map(Uuid::from_u128),
            template_version: self.template_version.clone(),
            timestamp: self.timestamp,
            comment: self.comment.clone(),
            deleted: self.deleted,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
        }
    }
}

impl RefRec {
    pub fn to_reference(&self) -> ObjectReference {
        ObjectReference {
            uuid: self.uuid.map(Uuid::from_u128),
            timestamp: self.timestamp,
            object_uuid: Uuid::from_u128(self.object_uuid),
            referenced_uuid: Uuid::from_u128(self.referenced_uuid),
            relationship_type: self.relationship_type.clone(),
            comment: self.comment.clone(),
        }
    }
}

impl Store {
    /// Every event in store order, whole, with deleted and vanished attributes left out.
    /// Memory holds one event at a time; `f` returns false to stop.
    pub fn scan_events(&self, mut f: impl FnMut(StoredEvent) -> bool) -> Result<()> {
        let txn = self.read()?;
        let sources = self.sources_by_id(&txn)?;
        let attrs = txn.open_table(ATTRIBUTES)?;
        let objects = txn.open_table(OBJECTS)?;
        let refs = txn.open_table(REFERENCES)?;
        for item in txn.open_table(EVENTS)?.iter()? {
            let (k, v) = item?;
            let id = k.value();
            let rec: EventRec = decode("event", v.value())?;
            let src = sources.get(&rec.source_id);
            let mut ev = ParsedEvent {
                event: rec.to_event(),
                ..ParsedEvent::default()
            };
            for a in attrs.range(event_range(id))? {
                let (_, a) = a?;
                let a: AttrRec = decode("attribute", a.value())?;
                if a.deleted() || a.vanished().is_some() {
                    continue;
                }
                ev.attributes.push(a.to_attribute(rec.uuid));
            }
            for o in objects.range(event_range(id))? {
                let (_, o) = o?;
                let o: ObjectRec = decode("object", o.value())?;
                if !o.deleted {
                    ev.objects.push(o.to_object());
                }
            }
            for r in refs.range(event_range(id))? {
                let (_, r) = r?;
                ev.references
                    .push(decode::<RefRec>("reference", r.value())?.to_reference());
            }
            let keep_going = f(StoredEvent {
                event: ev,
                source: src.map(|s| s.name.clone()).unwrap_or_default(),
                list: src.is_some_and(|s| s.fixed_event == Some(id)),
            });
            if !keep_going {
                break;
            }
        }
        Ok(())
    }
}
