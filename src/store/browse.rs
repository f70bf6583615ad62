//! What the workbench browses: every distinct value, event title and tag once (for fuzzy
//! search and the indicator list), and quick lookups of one value.

use std::collections::HashSet;

use redb::ReadableTable;
use uuid::Uuid;

use super::records::*;
use super::tables::*;
use super::{Result, SearchHit, Store};

/// What a browse entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Value,
    EventInfo,
    Tag,
}

/// One thing to find: a value (with the type it was first stored as), an event's info, or
/// a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub text: Box<str>,
    pub kind: EntryKind,
    /// Values: their type; event infos: empty.
    pub type_: &'static str,
    /// Event infos: the event.
    pub event: Option<Uuid>,
}

/// One live attribute, as [`Store::scan_holders`] shows it.
pub struct Holding<'a> {
    pub value: &'a str,
    pub type_: &'a str,
    pub category: &'a str,
    pub comment: &'a str,
    /// The event's tags, then the attribute's.
    pub tags: &'a [&'a str],
    pub source: &'a str,
    pub to_ids: bool,
    pub seen: i64,
    pub timestamp: i64,
    pub uuid: Uuid,
    pub event: Uuid,
    pub event_info: &'a str,
    /// When the store last wrote it (its event's update; for a list value, when it was
    /// added or changed): what pushes use to send only what is new.
    pub stored: i64,
    /// The attribute's key in the store (`Store::holdings_at` reads it again).
    pub key: u64,
}

// Matchers take the entries as they are, without a copy of a million strings per query.
impl AsRef<str> for Entry {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl Store {
    /// Every live value once, then every event's info, then every tag. Values longer than
    /// `max_len` are left out (a 1 MiB blob is no search target and would dominate memory).
    pub fn browse_entries(&self, max_len: usize) -> Result<Vec<Entry>> {
        let txn = self.read()?;
        let mut out = Vec::new();
        let mut seen: HashSet<u64> = HashSet::new();
        for item in txn.open_table(ATTRIBUTES)?.iter()? {
            let (_, v) = item?;
            let rec: AttrRec = decode("attribute", v.value())?;
            if rec.deleted() || rec.vanished().is_some() || rec.value.len() > max_len {
                continue;
            }
            if seen.insert(crate::model::hash::value_hash(&rec.value)) {
                out.push(Entry {
                    text: rec.value.as_str().into(),
                    kind: EntryKind::Value,
                    type_: type_static(rec.type_.type_name()),
                    event: None,
                });
            }
        }
        for item in txn.open_table(EVENTS)?.iter()? {
            let (_, v) = item?;
            let rec: EventRec = decode("event", v.value())?;
            out.push(Entry {
                text: rec.info.chars().take(max_len).collect::<String>().into(),
                kind: EntryKind::EventInfo,
                type_: "",
                event: Some(Uuid::from_u128(rec.uuid)),
            });
        }
        for item in txn.open_table(TAGS)?.iter()? {
            let (k, _) = item?;
            out.push(Entry {
                text: k.value().into(),
                kind: EntryKind::Tag,
                type_: "",
                event: None,
            });
        }
        Ok(out)
    }

    /// How many other events share a correlating value with `event` (values over the
    /// correlation limit are not links, as in MISP). None for a list source's event, whose
    /// values are not related to each other. Looks at the first `cap` values.
    pub fn event_links(&self, event: Uuid, cap: usize) -> Result<Option<u64>> {
        let Some((values, _)) = self.event_values(event, cap)? else {
            return Ok(None);
        };
        let limit = self.correlation_limit()?;
        let mut linked: HashSet<Uuid> = HashSet::new();
        let mut done: HashSet<&str> = HashSet::new();
        for h in &values {
            if !done.insert(h.value.as_str()) {
                continue;
            }
            let n = self.value_event_count(&h.value)?;
            if n < 2 || n > limit {
                continue;
            }
            for other in self.value_holders(&h.value)? {
                if other.event != event {
                    linked.insert(other.event);
                }
            }
        }
        Ok(Some(linked.len() as u64))
    }

    /// What the store knows of `value`, from the correlation index only (no scan): None when
    /// no correlating attribute holds it. Cheap enough for every row on screen.
    pub fn lookup_indexed(&self, value: &str) -> Result<Option<SearchHit>> {
        let txn = self.read()?;
        let holders = self.holders(&txn, value)?;
        if holders.is_empty() {
            return Ok(None);
        }
        self.hit_for(&txn, value, &holders).map(Some)
    }

    /// What the store knows of `value`, correlating or not (may scan: for one value at a time).
    pub fn lookup(&self, value: &str) -> Result<Option<SearchHit>> {
        let txn = self.read()?;
        let holders = self.holders_anywhere(&txn, value)?;
        if holders.is_empty() {
            return Ok(None);
        }
        self.hit_for(&txn, value, &holders).map(Some)
    }

    fn hit_for(
        &self,
        txn: &redb::ReadTransaction,
        value: &str,
        holders: &[(u64, AttrRec)],
    ) -> Result<SearchHit> {
        let exclusions: Vec<String> = self.exclusions()?.into_iter().map(|(p, _)| p).collect();
        let limit = if crate::model::exclusion::excluded(&exclusions, value) {
            None
        } else {
            Some(self.correlation_limit()?)
        };
        self.hit(txn, value.to_string(), "exact", holders, limit)
    }
}

/// Type names as `'static` (the MISP table's own strings; an unknown type reads as `other`).
fn type_static(name: &str) -> &'static str {
    crate::model::types::type_info(name).map_or("other", |t| t.name)
}
