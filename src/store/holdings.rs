//! Live attributes with what filters and writers look at ([`Holding`]): all of them in one
//! pass, or some of them by key (a TAXII page).

use std::collections::HashMap;

use redb::{ReadOnlyTable, ReadableTable};
use uuid::Uuid;

use super::browse::Holding;
use super::records::*;
use super::tables::*;
use super::{Result, Store};

/// What the attributes of one event share, kept while a scan is inside it.
struct EventFacts {
    id: u64,
    source: String,
    tags: Vec<String>,
    /// A list event: its source's last import (its values were seen then).
    list_import: Option<i64>,
    uuid: u128,
    info: String,
    updated: i64,
}

struct Reader {
    events: ReadOnlyTable<u64, &'static [u8]>,
    sources: HashMap<u32, SourceRec>,
    current: Option<EventFacts>,
}

impl Reader {
    /// Call `f` with the holding of attribute `key`, unless it is deleted, vanished or its
    /// event is gone.
    fn visit(&mut self, key: u64, rec: &AttrRec, f: &mut impl FnMut(Holding<'_>)) -> Result<()> {
        if rec.deleted() || rec.vanished().is_some() {
            return Ok(());
        }
        let ev = event_of(key);
        if self.current.as_ref().is_none_or(|c| c.id != ev) {
            let Some(e) = self.events.get(ev)? else {
                return Ok(());
            };
            let e: EventRec = decode("event", e.value())?;
            let src = self.sources.get(&e.source_id);
            self.current = Some(EventFacts {
                id: ev,
                source: src.map(|s| s.name.clone()).unwrap_or_default(),
                tags: e.tags.iter().map(|t| t.name.clone()).collect(),
                list_import: src
                    .filter(|s| s.fixed_event == Some(ev))
                    .map(|s| s.last_import),
                uuid: e.uuid,
                info: e.info,
                updated: e.updated,
            });
        }
        let Some(c) = self.current.as_ref() else {
            return Ok(());
        };
        let extra = rec.extra.as_deref();
        let mut tags: Vec<&str> = c.tags.iter().map(String::as_str).collect();
        tags.extend(
            extra
                .into_iter()
                .flat_map(|x| x.tags.iter().map(|t| t.name.as_str())),
        );
        // A value still listed was seen at the source's last import.
        let seen = match (rec.listed(), c.list_import) {
            ((_, Some(last)), _) => last,
            ((first, None), Some(at)) => at.max(first),
            _ => rec.timestamp,
        };
        f(Holding {
            value: &rec.value,
            type_: rec.type_.type_name(),
            category: rec.category.category_name(),
            comment: &rec.comment,
            tags: &tags,
            source: &c.source,
            to_ids: rec.flags & TO_IDS != 0,
            seen,
            timestamp: rec.timestamp,
            uuid: rec.uuid(c.uuid),
            event: Uuid::from_u128(c.uuid),
            event_info: &c.info,
            // A list value was written when it was added or changed; an event's attributes
            // when the event was.
            stored: if c.list_import.is_some() {
                rec.timestamp
            } else {
                c.updated
            },
            key,
        });
        Ok(())
    }
}

impl Store {
    fn reader(&self, txn: &redb::ReadTransaction) -> Result<Reader> {
        Ok(Reader {
            events: txn.open_table(EVENTS)?,
            sources: self.sources_by_id(txn)?,
            current: None,
        })
    }

    /// Every live attribute with what filters look at: its value, type, tags (the event's,
    /// then its own), source, to_ids, and when it was last changed or listed. One pass.
    pub fn scan_holders(&self, mut f: impl FnMut(Holding<'_>)) -> Result<()> {
        let txn = self.read()?;
        let mut r = self.reader(&txn)?;
        for item in txn.open_table(ATTRIBUTES)?.iter()? {
            let (k, v) = item?;
            let rec: AttrRec = decode("attribute", v.value())?;
            r.visit(k.value(), &rec, &mut f)?;
        }
        Ok(())
    }

    /// The live attributes among `keys`, in the order given (gone ones are skipped).
    pub fn holdings_at(&self, keys: &[u64], mut f: impl FnMut(Holding<'_>)) -> Result<()> {
        let txn = self.read()?;
        let mut r = self.reader(&txn)?;
        let attrs = txn.open_table(ATTRIBUTES)?;
        for &k in keys {
            if let Some(v) = attrs.get(k)? {
                let rec: AttrRec = decode("attribute", v.value())?;
                r.visit(k, &rec, &mut f)?;
            }
        }
        Ok(())
    }
}
