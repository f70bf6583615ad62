//! Events read back out (header, objects, references, then attributes one by one) for the
//! event-shaped exports (MISP event and feed, offline bundles).

use redb::ReadableTable;
use uuid::Uuid;

use crate::model::{Attribute, Event, Object, ObjectReference};

use super::records::*;
use super::tables::*;
use super::{Result, Store};

/// What [`Store::scan_event_items`] yields: an event's header with its objects and
/// references (few), then its live attributes one at a time (a list event holds millions),
/// then its end.
pub enum EventItem {
    Start {
        event: Event,
        source: String,
        objects: Vec<Object>,
        references: Vec<ObjectReference>,
    },
    Attribute(Attribute),
    End,
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
    /// Every event in store order, streamed: memory holds one attribute at a time, not one
    /// event. Deleted and vanished attributes and deleted objects are left out. `f` returns
    /// false to stop.
    pub fn scan_event_items(&self, mut f: impl FnMut(EventItem) -> bool) -> Result<()> {
        let txn = self.read()?;
        let sources = self.sources_by_id(&txn)?;
        let attrs = txn.open_table(ATTRIBUTES)?;
        let objects = txn.open_table(OBJECTS)?;
        let refs = txn.open_table(REFERENCES)?;
        for item in txn.open_table(EVENTS)?.iter()? {
            let (k, v) = item?;
            let id = k.value();
            let rec: EventRec = decode("event", v.value())?;
            let mut objs = Vec::new();
            for o in objects.range(event_range(id))? {
                let o: ObjectRec = decode("object", o?.1.value())?;
                if !o.deleted {
                    objs.push(o.to_object());
                }
            }
            let mut references = Vec::new();
            for r in refs.range(event_range(id))? {
                references.push(decode::<RefRec>("reference", r?.1.value())?.to_reference());
            }
            let start = EventItem::Start {
                event: rec.to_event(),
                source: sources
                    .get(&rec.source_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                objects: objs,
                references,
            };
            if !f(start) {
                return Ok(());
            }
            for a in attrs.range(event_range(id))? {
                let a: AttrRec = decode("attribute", a?.1.value())?;
                if a.deleted() || a.vanished().is_some() {
                    continue;
                }
                if !f(EventItem::Attribute(a.to_attribute(rec.uuid))) {
                    return Ok(());
                }
            }
            if !f(EventItem::End) {
                return Ok(());
            }
        }
        Ok(())
    }

    /// One event's live attributes, objects and references, or None if it is not stored.
    #[allow(clippy::type_complexity)]
    pub fn event_parts(
        &self,
        uuid: uuid::Uuid,
    ) -> Result<Option<(Vec<Attribute>, Vec<Object>, Vec<ObjectReference>)>> {
        let txn = self.read()?;
        let Some(id) = event_id(&txn.open_table(EVENT_UUIDS)?, uuid)? else {
            return Ok(None);
        };
        let mut attrs = Vec::new();
        for a in txn.open_table(ATTRIBUTES)?.range(event_range(id))? {
            let a: AttrRec = decode("attribute", a?.1.value())?;
            if !(a.deleted() || a.vanished().is_some()) {
                attrs.push(a.to_attribute(uuid.as_u128()));
            }
        }
        let mut objects = Vec::new();
        for o in txn.open_table(OBJECTS)?.range(event_range(id))? {
            let o: ObjectRec = decode("object", o?.1.value())?;
            if !o.deleted {
                objects.push(o.to_object());
            }
        }
        let mut refs = Vec::new();
        for r in txn.open_table(REFERENCES)?.range(event_range(id))? {
            refs.push(decode::<RefRec>("reference", r?.1.value())?.to_reference());
        }
        Ok(Some((attrs, objects, refs)))
    }
}
