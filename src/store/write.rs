//! The write side: one [`Writer`] is one write transaction. Index entries are buffered and
//! inserted sorted at commit, which redb loads about twice as fast into half the pages.

use std::collections::HashMap;

use redb::{ReadableTable, WriteTransaction};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{Indicator, ParsedEvent};

use super::index::{self, Changes, Pending};
use super::records::*;
use super::tables::*;
use super::{AuditEntry, Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventOutcome {
    Added,
    Replaced,
    /// Already stored with the same or a newer timestamp (MISP's rule).
    Unchanged,
}

/// What merging a list into its source's fixed event did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ListOutcome {
    pub added: u64,
    pub unchanged: u64,
    pub vanished: u64,
    pub reappeared: u64,
}

pub struct Writer {
    txn: WriteTransaction,
    /// The store's count of commits, bumped when this one lands.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Registers this write as in flight until it commits or aborts.
    _in_flight: super::InFlight,
    /// Index entries to insert at commit.
    pending: Pending,
    changes: Changes,
}

impl Writer {
    pub(super) fn new(
        txn: WriteTransaction,
        generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
        in_flight: super::InFlight,
    ) -> Result<Writer> {
        Ok(Writer {
            txn,
            generation,
            _in_flight: in_flight,
            pending: Pending::default(),
            changes: Changes::default(),
        })
    }

    fn next_counter(&mut self, key: &str) -> Result<u64> {
        let mut meta = self.txn.open_table(META)?;
        let next = meta.get(key)?.map_or(1, |v| v.value());
        let after = next
            .checked_add(1)
            .ok_or_else(|| StoreError::Corrupt(format!("counter {key} exhausted")))?;
        meta.insert(key, after)?;
        Ok(next)
    }

    /// A new event id; ids are the high half of 64-bit child keys.
    fn next_event_id(&mut self) -> Result<u64> {
        let id = self.next_counter(KEY_NEXT_EVENT)?;
        if id > u64::from(u32::MAX) {
            return Err(StoreError::Corrupt(
                "event ids exhausted (2^32 events)".to_string(),
            ));
        }
        Ok(id)
    }

    /// The source named `name`, created on first use.
    pub fn source(&mut self, name: &str, format: &str, now: i64) -> Result<SourceRec> {
        {
            let sources = self.txn.open_table(SOURCES)?;
            if let Some(rec) = sources.get(name)? {
                return decode("source", rec.value());
            }
        }
        let id = u32::try_from(self.next_counter(KEY_NEXT_SOURCE)?)
            .map_err(|_| StoreError::Corrupt("source ids exhausted".to_string()))?;
        let rec = SourceRec {
            id,
            name: name.to_string(),
            format: format.to_string(),
            fixed_event: None,
            created: now,
            last_import: 0,
            imports: 0,
        };
        self.save_source(&rec)?;
        Ok(rec)
    }

    pub fn save_source(&mut self, rec: &SourceRec) -> Result<()> {
        let mut sources = self.txn.open_table(SOURCES)?;
        sources.insert(rec.name.as_str(), encode(rec)?.as_slice())?;
        Ok(())
    }

    /// Add an event, or replace it when the incoming timestamp is newer.
    pub fn put_event(
        &mut self,
        pe: &ParsedEvent,
        source: &SourceRec,
        now: i64,
    ) -> Result<EventOutcome> {
        let uuid = pe.event.uuid.as_u128();
        let existing = {
            let uuids = self.txn.open_table(EVENT_UUIDS)?;
            uuids.get(uuid)?.map(|v| v.value())
        };
        let (event_id, outcome, imported, first_listed) = match existing {
            Some(id) => {
                let old = self.event_rec(id)?;
                if pe.event.timestamp <= old.timestamp {
                    return Ok(EventOutcome::Unchanged);
                }
                let first_listed = self.clear_event(id)?;
                (id, EventOutcome::Replaced, old.imported, first_listed)
            }
            None => (
                self.next_event_id()?,
                EventOutcome::Added,
                now,
                HashMap::new(),
            ),
        };
        for n in [pe.attributes.len(), pe.objects.len(), pe.references.len()] {
            check_seq(n as u64)?;
        }
        let mut rec = EventRec::from_event(&pe.event, source.id, now);
        rec.imported = imported;
        {
            let mut attrs = self.txn.open_table(ATTRIBUTES)?;
            for (seq, a) in pe.attributes.iter().enumerate() {
                let uuid = a
                    .uuid
                    .unwrap_or_else(|| derived_uuid(uuid, seq as u64 + 1, &a.type_, &a.value));
                let key = child_key(event_id, seq as u64);
                // A replaced event keeps when each of its values was first listed.
                let listed = first_listed
                    .get(&(a.type_.clone(), a.value.clone()))
                    .copied()
                    .unwrap_or(now);
                let ar = AttrRec::from_attribute(a, uuid, listed);
                attrs.insert(key, encode(&ar)?.as_slice())?;
                if index::eligible(&a.type_, a.deleted, a.disable_correlation) {
                    link(
                        &mut self.pending,
                        &mut self.changes,
                        &a.type_,
                        &a.value,
                        key,
                    );
                }
            }
            rec.next_attr = pe.attributes.len() as u64;
            rec.attribute_count = pe.attributes.len() as u64;
            rec.deleted_count = pe.attributes.iter().filter(|a| a.deleted).count() as u64;
        }
        {
            let mut objects = self.txn.open_table(OBJECTS)?;
            for (seq, o) in pe.objects.iter().enumerate() {
                objects.insert(
                    child_key(event_id, seq as u64),
                    encode(&ObjectRec::from_object(o))?.as_slice(),
                )?;
            }
            rec.object_count = pe.objects.len() as u64;
            let mut refs = self.txn.open_table(REFERENCES)?;
            for (seq, r) in pe.references.iter().enumerate() {
                refs.insert(
                    child_key(event_id, seq as u64),
                    encode(&RefRec::from_reference(r))?.as_slice(),
                )?;
            }
            rec.reference_count = pe.references.len() as u64;
        }
        self.save_tags(pe)?;
        self.save_event(event_id, &rec)?;
        Ok(outcome)
    }

    fn save_tags(&mut self, pe: &ParsedEvent) -> Result<()> {
        let mut tags = self.txn.open_table(TAGS)?;
        let all = pe
            .event
            .tags
            .iter()
            .chain(pe.attributes.iter().flat_map(|a| a.tags.iter()));
        for t in all {
            if tags.get(t.name.as_str())?.is_none() {
                tags.insert(t.name.as_str(), t.colour.as_deref().unwrap_or(""))?;
            }
        }
        Ok(())
    }

    pub(super) fn event_rec(&self, id: u64) -> Result<EventRec> {
        let events = self.txn.open_table(EVENTS)?;
        let rec = events
            .get(id)?
            .ok_or_else(|| StoreError::Corrupt(format!("event {id} is indexed but missing")))?;
        decode("event", rec.value())
    }

    pub(super) fn save_event(&mut self, id: u64, rec: &EventRec) -> Result<()> {
        self.txn
            .open_table(EVENTS)?
            .insert(id, encode(rec)?.as_slice())?;
        self.txn.open_table(EVENT_UUIDS)?.insert(rec.uuid, id)?;
        Ok(())
    }

    /// Remove an event's attributes (and their index entries), objects and references.
    /// Returns when each (type, value) was first listed, for the replacement to keep.
    fn clear_event(&mut self, id: u64) -> Result<HashMap<(String, String), i64>> {
        // Pending entries may belong to this event (the same uuid twice in one batch).
        self.flush_index()?;
        let range = event_range(id);
        let mut first_listed = HashMap::new();
        {
            let mut attrs = self.txn.open_table(ATTRIBUTES)?;
            let mut gone = Vec::new();
            for item in attrs.range(range.clone())? {
                let (k, v) = item?;
                let rec: AttrRec = decode("attribute", v.value())?;
                gone.push((k.value(), rec));
            }
            for (key, _) in &gone {
                attrs.remove(*key)?;
            }
            drop(attrs);
            for (key, rec) in &gone {
                let t = rec.type_.type_name();
                let indexed = index::eligible(t, rec.deleted(), rec.no_correlation());
                self.unlink(t, &rec.value, *key, indexed)?;
            }
            for (_, rec) in gone {
                let first = rec.listed().0;
                let key = (rec.type_.type_name().to_string(), rec.value);
                let slot = first_listed.entry(key).or_insert(first);
                *slot = (*slot).min(first);
            }
        }
        for def in [OBJECTS, REFERENCES] {
            let mut t = self.txn.open_table(def)?;
            let keys: Vec<u64> = t
                .range(range.clone())?
                .map(|r| r.map(|(k, _)| k.value()))
                .collect::<Result<_, _>>()?;
            for k in keys {
                t.remove(k)?;
            }
        }
        Ok(first_listed)
    }

    /// Merge a list (CSV/freetext) into the source's fixed event, MISP fixed_event +
    /// delta_merge: new values are added, values no longer listed are soft-deleted with the
    /// time they vanished, values listed again come back. `items` must be normalised and
    /// unique by value.
    /// With `correlate` false the values are stored with correlation disabled (MISP's
    /// per-feed `disable_correlation`).
    pub fn merge_list(
        &mut self,
        source: &mut SourceRec,
        items: &[Indicator],
        now: i64,
        correlate: bool,
    ) -> Result<ListOutcome> {
        // Entries queued by an earlier merge in this batch must be in place before this one
        // removes what vanished.
        self.flush_index()?;
        let mut out = ListOutcome::default();
        let (event_id, mut ev) = match source.fixed_event {
            Some(id) => (id, self.event_rec(id)?),
            None => {
                let id = self.next_event_id()?;
                // Random, not derived from the name: a crafted MISP or STIX event must not be
                // able to carry this uuid and replace the list.
                let uuid = Uuid::new_v4();
                let event = crate::model::Event {
                    uuid,
                    info: format!("{} feed", source.name),
                    date: crate::model::time::format_date(now),
                    timestamp: now,
                    analysis: 2,
                    threat_level_id: 4,
                    ..Default::default()
                };
                source.fixed_event = Some(id);
                (id, EventRec::from_event(&event, source.id, now))
            }
        };
        let last_listed = source.last_import;
        // Which incoming values are already in the event (a new event holds none: skip the map,
        // a first import of a million values would pay for it in time and memory).
        let mut by_value: HashMap<&str, usize> = if ev.next_attr == 0 {
            HashMap::new()
        } else {
            items
                .iter()
                .enumerate()
                .map(|(i, it)| (it.value.as_str(), i))
                .collect()
        };
        let mut present = vec![false; items.len()];
        {
            let mut attrs = self.txn.open_table(ATTRIBUTES)?;
            let mut updates = Vec::new();
            let mut gone_keys = Vec::new();
            for item in attrs.range(event_range(event_id))? {
                let (k, v) = item?;
                let mut rec: AttrRec = decode("attribute", v.value())?;
                match by_value.remove(rec.value.as_str()) {
                    Some(i) => {
                        present[i] = true;
                        if rec.vanished().is_some() {
                            rec.set_vanished(None);
                            let t = rec.type_.type_name();
                            if index::eligible(t, false, rec.no_correlation()) {
                                link(
                                    &mut self.pending,
                                    &mut self.changes,
                                    t,
                                    &rec.value,
                                    k.value(),
                                );
                            }
                            updates.push((k.value(), rec));
                            out.reappeared += 1;
                        } else {
                            out.unchanged += 1;
                        }
                    }
                    None if rec.vanished().is_none() => {
                        let indexed =
                            index::eligible(rec.type_.type_name(), false, rec.no_correlation());
                        rec.set_vanished(Some((now, last_listed)));
                        gone_keys.push((
                            k.value(),
                            rec.type_.type_name().to_string(),
                            rec.value.clone(),
                            indexed,
                        ));
                        updates.push((k.value(), rec));
                        out.vanished += 1;
                    }
                    None => {}
                }
            }
            for (k, rec) in updates {
                attrs.insert(k, encode(&rec)?.as_slice())?;
            }
            drop(attrs);
            // Soft-deleted values leave the correlation index (MISP: deleted never correlate).
            for (k, t, v, indexed) in &gone_keys {
                self.unlink(t, v, *k, *indexed)?;
            }
            let mut attrs = self.txn.open_table(ATTRIBUTES)?;
            let mut buf = Vec::with_capacity(256);
            self.pending.reserve(items.len());
            for (i, it) in items.iter().enumerate() {
                if present[i] {
                    continue;
                }
                check_seq(ev.next_attr + 1)?;
                let key = child_key(event_id, ev.next_attr);
                ev.next_attr += 1;
                buf.clear();
                let mut rec = AttrRec::from_indicator(it, now);
                if !correlate {
                    rec.flags |= NO_CORRELATION;
                }
                let bytes = postcard::to_extend(&rec, std::mem::take(&mut buf))
                    .map_err(|e| StoreError::Corrupt(format!("encode: {e}")))?;
                attrs.insert(key, bytes.as_slice())?;
                buf = bytes;
                if index::eligible(it.type_, false, !correlate) {
                    link(
                        &mut self.pending,
                        &mut self.changes,
                        it.type_,
                        &it.value,
                        key,
                    );
                }
                out.added += 1;
            }
        }
        ev.attribute_count += out.added;
        ev.deleted_count = (ev.deleted_count + out.vanished).saturating_sub(out.reappeared);
        if out.added + out.vanished + out.reappeared > 0 {
            ev.timestamp = now;
            ev.updated = now;
        }
        self.save_event(event_id, &ev)?;
        Ok(out)
    }

    /// Make `names` (a feed's default tags, e.g. `tlp:clear`) the tags of the source's list
    /// event: a tag dropped from the feed leaves its values too, which matters for TLP.
    pub fn set_list_event_tags(&mut self, source: &SourceRec, names: &[String]) -> Result<()> {
        let Some(id) = source.fixed_event else {
            return Ok(());
        };
        let mut ev = self.event_rec(id)?;
        let same = ev.tags.len() == names.len()
            && ev
                .tags
                .iter()
                .zip(names)
                .all(|(t, n)| t.name == *n && !t.local);
        if same {
            return Ok(());
        }
        ev.tags = names
            .iter()
            .map(|n| TagRec {
                name: n.clone(),
                local: false,
            })
            .collect();
        let mut tags = self.txn.open_table(TAGS)?;
        for n in names {
            if tags.get(n.as_str())?.is_none() {
                tags.insert(n.as_str(), "")?;
            }
        }
        drop(tags);
        self.save_event(id, &ev)
    }

    pub(super) fn txn(&self) -> &WriteTransaction {
        &self.txn
    }

    pub fn audit(&mut self, entry: &AuditEntry) -> Result<()> {
        let mut log = self.txn.open_table(AUDIT)?;
        let next = log.last()?.map_or(1, |(k, _)| k.value() + 1);
        let json = serde_json::to_vec(entry).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        log.insert(next, json.as_slice())?;
        Ok(())
    }

    fn flush_index(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.pending.flush(&self.txn)
    }

    /// Recompute the correlation indexes from the stored attributes.
    pub fn rebuild_index(&mut self) -> Result<u64> {
        self.flush_index()?;
        index::rebuild(&self.txn)
    }

    /// Remove an attribute's index entries; `was_indexed` says whether it had any, so only
    /// values that really lose links are reported.
    fn unlink(&mut self, type_name: &str, value: &str, key: u64, was_indexed: bool) -> Result<()> {
        index::remove(&self.txn, type_name, value, key)?;
        if was_indexed {
            self.changes.note(false, type_name, value);
        }
        Ok(())
    }

    /// Commit the batch; returns which values gained or lost correlation entries.
    pub fn commit(mut self) -> Result<Changes> {
        self.flush_index()?;
        self.txn.commit()?;
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(self.changes)
    }
}

/// Queue an attribute's index entries and note its values as changed.
fn link(pending: &mut Pending, changes: &mut Changes, type_name: &str, value: &str, key: u64) {
    pending.queue(type_name, value, key);
    changes.note(true, type_name, value);
}

/// Attributes, objects and references of one event are numbered below 2^32.
fn check_seq(n: u64) -> Result<()> {
    if n > u64::from(u32::MAX) {
        return Err(StoreError::Corrupt(format!(
            "{n} children in one event: more than 2^32"
        )));
    }
    Ok(())
}
