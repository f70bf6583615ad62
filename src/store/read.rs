//! The read side: short read transactions that copy out what the caller needs.

use std::collections::HashMap;

use redb::{ReadableTable, ReadableTableMetadata};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{Attribute, Event, Source};

use super::index::index_values;
use super::records::*;
use super::tables::*;
use super::{Result, Store};
use crate::model::hash::value_hash;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub events: u64,
    /// Stored attributes, object attributes and soft-deleted ones included.
    pub attributes: u64,
    pub deleted_attributes: u64,
    /// Distinct values in the correlation index.
    pub values: u64,
    /// Values held by attributes of two or more events (excluded values not counted).
    pub correlated_values: u64,
    /// Of those, values in more events than the correlation limit (flagged, not linked).
    pub over_correlated_values: u64,
    /// Configured feeds (the feed catalog is a later issue; sources below are what was imported).
    pub feeds: u64,
    pub sources: u64,
    pub objects: u64,
    pub tags: u64,
    pub audit_entries: u64,
    pub store_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventSummary {
    #[serde(flatten)]
    pub event: Event,
    pub source: String,
    pub attribute_count: u64,
    pub object_count: u64,
}

impl Store {
    pub fn stats(&self) -> Result<Stats> {
        let txn = self.read()?;
        let mut s = Stats {
            events: txn.open_table(EVENTS)?.len()?,
            attributes: txn.open_table(ATTRIBUTES)?.len()?,
            sources: txn.open_table(SOURCES)?.len()?,
            feeds: txn.open_table(super::feeds::FEEDS)?.len()?,
            objects: txn.open_table(OBJECTS)?.len()?,
            tags: txn.open_table(TAGS)?.len()?,
            audit_entries: txn.open_table(AUDIT)?.len()?,
            store_bytes: std::fs::metadata(self.path()).map(|m| m.len()).unwrap_or(0),
            ..Stats::default()
        };
        // One pass over the sorted index, grouped by value: distinct values, those held by
        // two or more events (unless excluded), and hubs over the correlation limit.
        let exclusions: Vec<String> = self.exclusions()?.into_iter().map(|(p, _)| p).collect();
        let limit = self.correlation_limit()?;
        let attrs = txn.open_table(ATTRIBUTES)?;
        let values = txn.open_table(VALUES)?;
        // (hash, first attribute key, events seen, last event)
        let mut group: Option<(u64, u64, u64, u64)> = None;
        let close = |g: Option<(u64, u64, u64, u64)>, s: &mut Stats| -> Result<()> {
            let Some((hash, first_key, events, _)) = g else {
                return Ok(());
            };
            s.values += 1;
            if events < 2 {
                return Ok(());
            }
            if !exclusions.is_empty()
                && let Some(a) = attrs.get(first_key)?
            {
                let rec: AttrRec = decode("attribute", a.value())?;
                let excluded = index_values(rec.type_.type_name(), &rec.value).any(|v| {
                    value_hash(v) == hash && crate::model::exclusion::excluded(&exclusions, v)
                });
                if excluded {
                    return Ok(());
                }
            }
            s.correlated_values += 1;
            s.over_correlated_values += u64::from(events > limit);
            Ok(())
        };
        for item in values.iter()? {
            let (hash, key) = split_index_key(item?.0.value());
            let ev = event_of(key);
            match &mut group {
                Some((h, _, events, last)) if *h == hash => {
                    if *last != ev {
                        *events += 1;
                        *last = ev;
                    }
                }
                _ => {
                    close(group.take(), &mut s)?;
                    group = Some((hash, key, 1, ev));
                }
            }
        }
        close(group.take(), &mut s)?;
        for item in txn.open_table(EVENTS)?.iter()? {
            let (_, v) = item?;
            s.deleted_attributes += decode::<EventRec>("event", v.value())?.deleted_count;
        }
        Ok(s)
    }

    /// Attribute keys and records whose indexed value is exactly `value` (hash, then verified).
    pub(super) fn holders(
        &self,
        txn: &redb::ReadTransaction,
        value: &str,
    ) -> Result<Vec<(u64, AttrRec)>> {
        let values = txn.open_table(VALUES)?;
        let attrs = txn.open_table(ATTRIBUTES)?;
        let mut out = Vec::new();
        for item in values.range(hash_range(value_hash(value)))? {
            let (k, _) = item?;
            let (_, key) = split_index_key(k.value());
            if let Some(a) = attrs.get(key)? {
                let rec: AttrRec = decode("attribute", a.value())?;
                if index_values(rec.type_.type_name(), &rec.value).any(|v| v == value) {
                    out.push((key, rec));
                }
            }
        }
        Ok(out)
    }

    /// Live attributes holding `value`, correlating or not: the index first, and only when
    /// it has none (a value of a non-correlating type, or with correlation disabled) a scan.
    pub(super) fn holders_anywhere(
        &self,
        txn: &redb::ReadTransaction,
        value: &str,
    ) -> Result<Vec<(u64, AttrRec)>> {
        let found = self.holders(txn, value)?;
        if !found.is_empty() {
            return Ok(found);
        }
        let attrs = txn.open_table(ATTRIBUTES)?;
        let mut out = Vec::new();
        for item in attrs.iter()? {
            let (k, v) = item?;
            let rec: AttrRec = decode("attribute", v.value())?;
            if !rec.deleted() && index_values(rec.type_.type_name(), &rec.value).any(|x| x == value)
            {
                out.push((k.value(), rec));
            }
        }
        Ok(out)
    }

    pub(super) fn sources_by_id(
        &self,
        txn: &redb::ReadTransaction,
    ) -> Result<HashMap<u32, SourceRec>> {
        let t = txn.open_table(SOURCES)?;
        let mut out = HashMap::new();
        for item in t.iter()? {
            let (_, v) = item?;
            let rec: SourceRec = decode("source", v.value())?;
            out.insert(rec.id, rec);
        }
        Ok(out)
    }

    pub fn sources(&self) -> Result<Vec<Source>> {
        let txn = self.read()?;
        let t = txn.open_table(SOURCES)?;
        let events = txn.open_table(EVENTS)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (_, v) = item?;
            let rec: SourceRec = decode("source", v.value())?;
            let fixed_event = match rec.fixed_event {
                Some(id) => match events.get(id)? {
                    Some(e) => Some(Uuid::from_u128(
                        decode::<EventRec>("event", e.value())?.uuid,
                    )),
                    None => None,
                },
                None => None,
            };
            out.push(Source {
                name: rec.name,
                format: rec.format,
                fixed_event,
                created: rec.created,
                last_import: rec.last_import,
            });
        }
        Ok(out)
    }

    /// Every event, in store order.
    pub fn events(&self) -> Result<Vec<EventSummary>> {
        let txn = self.read()?;
        let sources = self.sources_by_id(&txn)?;
        let t = txn.open_table(EVENTS)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (_, v) = item?;
            let rec: EventRec = decode("event", v.value())?;
            out.push(EventSummary {
                event: rec.to_event(),
                source: sources
                    .get(&rec.source_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                attribute_count: rec.attribute_count,
                object_count: rec.object_count,
            });
        }
        Ok(out)
    }

    /// One event's summary, by uuid.
    pub fn event_summary(&self, uuid: Uuid) -> Result<Option<EventSummary>> {
        let txn = self.read()?;
        let Some(id) = event_id(&txn.open_table(EVENT_UUIDS)?, uuid)? else {
            return Ok(None);
        };
        let events = txn.open_table(EVENTS)?;
        let Some(v) = events.get(id)? else {
            return Ok(None);
        };
        let rec: EventRec = decode("event", v.value())?;
        let source = self
            .sources_by_id(&txn)?
            .get(&rec.source_id)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        Ok(Some(EventSummary {
            event: rec.to_event(),
            source,
            attribute_count: rec.attribute_count,
            object_count: rec.object_count,
        }))
    }

    /// The timestamp of a stored event, for add-or-replace decisions before downloading it.
    pub fn event_timestamp(&self, uuid: Uuid) -> Result<Option<i64>> {
        let txn = self.read()?;
        let Some(id) = event_id(&txn.open_table(EVENT_UUIDS)?, uuid)? else {
            return Ok(None);
        };
        let ev = txn
            .open_table(EVENTS)?
            .get(id)?
            .map(|e| decode::<EventRec>("event", e.value()))
            .transpose()?;
        Ok(ev.map(|e| e.timestamp))
    }

    /// The attributes of one event (object attributes included), or None if unknown.
    pub fn event_attributes(&self, uuid: Uuid) -> Result<Option<Vec<Attribute>>> {
        let txn = self.read()?;
        let Some(id) = event_id(&txn.open_table(EVENT_UUIDS)?, uuid)? else {
            return Ok(None);
        };
        let event_uuid = uuid.as_u128();
        let attrs = txn.open_table(ATTRIBUTES)?;
        let mut out = Vec::new();
        for item in attrs.range(event_range(id))? {
            let (_, v) = item?;
            out.push(decode::<AttrRec>("attribute", v.value())?.to_attribute(event_uuid));
        }
        Ok(Some(out))
    }
}
