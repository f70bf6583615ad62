//! `search`: exact, prefix and substring matches over every stored value, with who holds
//! each value and since when. One scan of the attributes (the workbench keeps its own
//! in-memory matcher for interactive search); soft-deleted values are found too, so a value a
//! source stopped listing still shows its history.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use redb::ReadableTable;
use serde::Serialize;
use uuid::Uuid;

use super::index::{self, index_values};
use super::records::*;
use super::tables::*;
use super::{Result, Store};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub value: String,
    /// The type of the first attribute holding the value.
    #[serde(rename = "type")]
    pub type_: String,
    /// Every type the value is held as.
    pub types: Vec<String>,
    pub events: Vec<Uuid>,
    pub sources: Vec<String>,
    /// When each source first and last listed the value.
    pub seen: Vec<SeenBy>,
    /// Events (and list sources, which are one event each) that hold the value and correlate:
    /// 0 unless two or more do.
    pub correlations: u64,
    /// Held by more events than the correlation limit: flagged, not linked pairwise.
    pub over_correlated: bool,
    /// Warninglists the value is on (filled by the correlation layer).
    pub warninglists: Vec<String>,
    /// Combined decay score across sources, 0..100 (filled by the correlation layer).
    pub score: Option<f64>,
    pub attributes: u64,
    /// How the query matched: exact, prefix or substring.
    pub matched: &'static str,
}

/// One source's history of a value (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeenBy {
    pub source: String,
    pub first_seen: i64,
    pub last_seen: i64,
    /// False once the source stopped listing it (a list import found it gone).
    pub listed: bool,
}

/// How a stored value matches the (lower-cased) query: 0 exact, 1 prefix, 2 substring.
fn rank(value: &str, lower_query: &str) -> Option<u8> {
    let folded = if value
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        Cow::Owned(value.to_lowercase())
    } else {
        Cow::Borrowed(value)
    };
    if *folded == *lower_query {
        Some(0)
    } else if folded.starts_with(lower_query) {
        Some(1)
    } else if folded.contains(lower_query) {
        Some(2)
    } else {
        None
    }
}

impl Store {
    /// The `limit` best matches: exact first, then prefix, then substring, each by value.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let lower = query.trim().to_lowercase();
        if lower.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let txn = self.read()?;
        let attrs = txn.open_table(ATTRIBUTES)?;
        // Pass 1: the best `limit` (rank, value) pairs, bounded in memory.
        let mut best: BTreeSet<(u8, String)> = BTreeSet::new();
        for item in attrs.iter()? {
            let (_, v) = item?;
            let rec: AttrRec = decode("attribute", v.value())?;
            for val in index_values(rec.type_.type_name(), &rec.value) {
                let Some(r) = rank(val, &lower) else { continue };
                if best.len() < limit || best.last().is_some_and(|l| (r, val) < (l.0, l.1.as_str()))
                {
                    best.insert((r, val.to_string()));
                    if best.len() > limit {
                        best.pop_last();
                    }
                }
            }
        }
        // Pass 2: every holder of the chosen values.
        let mut holders: HashMap<&str, Vec<(u64, AttrRec)>> =
            best.iter().map(|(_, v)| (v.as_str(), Vec::new())).collect();
        for item in attrs.iter()? {
            let (k, v) = item?;
            let rec: AttrRec = decode("attribute", v.value())?;
            let hit: Vec<String> = index_values(rec.type_.type_name(), &rec.value)
                .filter(|val| holders.contains_key(val))
                .map(str::to_string)
                .collect();
            for val in hit {
                if let Some(h) = holders.get_mut(val.as_str()) {
                    h.push((k.value(), rec.clone()));
                }
            }
        }
        drop(attrs);
        let limit_events = self.correlation_limit()?;
        let exclusions: Vec<String> = self.exclusions()?.into_iter().map(|(p, _)| p).collect();
        best.iter()
            .map(|(r, v)| {
                let how = ["exact", "prefix", "substring"][usize::from(*r).min(2)];
                let h = holders.get(v.as_str()).map_or(&[][..], Vec::as_slice);
                let limit = if crate::model::exclusion::excluded(&exclusions, v) {
                    None
                } else {
                    Some(limit_events)
                };
                self.hit(&txn, v.clone(), how, h, limit)
            })
            .collect()
    }

    pub(super) fn hit(
        &self,
        txn: &redb::ReadTransaction,
        value: String,
        how: &'static str,
        holders: &[(u64, AttrRec)],
        // None: the value is excluded from correlation.
        limit: Option<u64>,
    ) -> Result<SearchHit> {
        let events = txn.open_table(EVENTS)?;
        let mut types: Vec<String> = Vec::new();
        let mut event_ids = BTreeSet::new();
        let mut correlating = BTreeSet::new();
        for (key, rec) in holders {
            event_ids.insert(event_of(*key));
            if index::eligible(rec.type_.type_name(), rec.deleted(), rec.no_correlation()) {
                correlating.insert(event_of(*key));
            }
            let t = rec.type_.type_name();
            if !types.iter().any(|x| x == t) {
                types.push(t.to_string());
            }
        }
        let sources = self.sources_by_id(txn)?;
        let mut uuids = Vec::new();
        let mut event_sources = HashMap::new();
        for id in event_ids {
            if let Some(e) = events.get(id)? {
                let rec: EventRec = decode("event", e.value())?;
                uuids.push(Uuid::from_u128(rec.uuid));
                event_sources.insert(id, rec.source_id);
            }
        }
        // Per source: earliest first listing, latest last listing, still listed anywhere.
        let mut seen: BTreeMap<&str, SeenBy> = BTreeMap::new();
        for (key, rec) in holders {
            let Some(src) = event_sources
                .get(&event_of(*key))
                .and_then(|id| sources.get(id))
            else {
                continue;
            };
            let (first, last) = rec.listed();
            let listed = last.is_none();
            let last = last.unwrap_or(src.last_import.max(first));
            let e = seen.entry(src.name.as_str()).or_insert_with(|| SeenBy {
                source: src.name.clone(),
                first_seen: first,
                last_seen: last,
                listed,
            });
            e.first_seen = e.first_seen.min(first);
            e.last_seen = e.last_seen.max(last);
            e.listed |= listed;
        }
        let seen: Vec<SeenBy> = seen.into_values().collect();
        Ok(SearchHit {
            value,
            type_: types.first().cloned().unwrap_or_default(),
            types,
            events: uuids,
            sources: seen.iter().map(|s| s.source.clone()).collect(),
            seen,
            correlations: match limit {
                Some(_) if correlating.len() >= 2 => correlating.len() as u64,
                _ => 0,
            },
            over_correlated: limit.is_some_and(|l| correlating.len() as u64 > l),
            warninglists: Vec::new(),
            score: None,
            attributes: holders.len() as u64,
            matched: how,
        })
    }
}
