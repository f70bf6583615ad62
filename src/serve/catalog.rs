//! A collection's objects in TAXII order (by date added), kept in memory per collection and
//! rebuilt when the store has changed: a page is a binary search and a few hundred point
//! reads, not a scan of the store.
//!
//! An object's date added is when the store wrote its attribute. Store times are whole
//! seconds, so objects of one second get successive microseconds in store order: dates are
//! unique and `added_after` with the last date of a page continues exactly after it.

use serde_json::Value;
use uuid::Uuid;

use crate::export::stix::{identity_id, indicator, indicator_id, preamble};
use crate::export::stix_pattern::pattern;
use crate::export::{Filters, Selector, Verdict};
use crate::store::{Store, StoreError};

/// Keys at the top of the range are the preamble objects (identity, TLP markings).
const PREAMBLE_KEY: u64 = u64::MAX - 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Microseconds since the epoch.
    pub added: i64,
    pub key: u64,
    /// The object's uuid (the id without its type).
    pub id: u128,
}

impl Entry {
    pub fn is_preamble(&self) -> bool {
        self.key >= PREAMBLE_KEY
    }
}

pub struct Catalog {
    pub generation: u64,
    pub entries: Vec<Entry>,
    preamble: Vec<Value>,
}

fn uuid_of(id: &str) -> u128 {
    id.split_once("--")
        .and_then(|(_, u)| Uuid::parse_str(u).ok())
        .map_or(0, |u| u.as_u128())
}

impl Catalog {
    pub fn build(store: &Store, filters: &Filters) -> Result<Catalog, StoreError> {
        let generation = store.generation();
        let lists = crate::correlate::warninglist::Warninglists::builtin();
        let mut sel = Selector::new(store, &lists, filters);
        let mut raw: Vec<(i64, u64, u128)> = Vec::new();
        let mut failed = None;
        store.scan_holders(|h| {
            if failed.is_some() || pattern(h.type_, h.value).is_none() {
                return;
            }
            match sel.judge(&h) {
                Ok(Verdict::Keep) => {
                    raw.push((h.stored, h.key, uuid_of(&indicator_id(h.uuid))));
                }
                Ok(_) => {}
                Err(e) => failed = Some(e),
            }
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        raw.sort_unstable();
        let preamble = preamble();
        let mut entries: Vec<Entry> = preamble
            .iter()
            .enumerate()
            .map(|(i, v)| Entry {
                added: crate::model::time::parse_rfc3339_micros(
                    v["created"].as_str().unwrap_or(""),
                )
                .unwrap_or(0)
                    + i as i64,
                key: PREAMBLE_KEY + i as u64,
                id: uuid_of(v["id"].as_str().unwrap_or("")),
            })
            .collect();
        entries.reserve(raw.len());
        // Store order within a second, strictly increasing: every date is unique even when
        // a million values landed in the same second.
        let mut last = i64::MIN;
        for (stored, key, id) in raw {
            let added = stored.saturating_mul(1_000_000).max(last.saturating_add(1));
            last = added;
            entries.push(Entry { added, key, id });
        }
        entries.sort_unstable();
        Ok(Catalog {
            generation,
            entries,
            preamble,
        })
    }

    /// The STIX objects of `entries`, in order (an attribute gone since the build is left
    /// out), each with its version (`modified`).
    pub fn objects(
        &self,
        store: &Store,
        entries: &[Entry],
    ) -> Result<Vec<(Entry, Value)>, StoreError> {
        let keys: Vec<u64> = entries
            .iter()
            .filter(|e| !e.is_preamble())
            .map(|e| e.key)
            .collect();
        let mut built: std::collections::HashMap<u64, Value> = Default::default();
        let identity = identity_id();
        store.holdings_at(&keys, |h| {
            if let Some((pat, lang)) = pattern(h.type_, h.value) {
                let v = serde_json::to_value(indicator(&h, &identity, pat, lang));
                built.insert(h.key, v.unwrap_or_default());
            }
        })?;
        Ok(entries
            .iter()
            .filter_map(|e| {
                let v = if e.is_preamble() {
                    self.preamble.get((e.key - PREAMBLE_KEY) as usize).cloned()
                } else {
                    built.remove(&e.key)
                };
                v.map(|v| (*e, v))
            })
            .collect())
    }

    /// The object type of an entry, without reading it.
    pub fn type_of(&self, e: &Entry) -> &str {
        if e.is_preamble() {
            self.preamble[(e.key - PREAMBLE_KEY) as usize]["type"]
                .as_str()
                .unwrap_or("")
        } else {
            "indicator"
        }
    }
}

/// `modified` (or `created`) of an object: its version.
pub fn version_of(v: &Value) -> &str {
    v["modified"]
        .as_str()
        .or_else(|| v["created"].as_str())
        .unwrap_or("")
}

/// RFC 3339 with microseconds, as TAXII servers write `date_added`.
pub fn format_added(us: i64) -> String {
    crate::model::time::format_rfc3339_micros(us)
}
