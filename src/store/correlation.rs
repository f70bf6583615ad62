//! Correlation settings and the lookups the correlation layer builds on: holders of a value,
//! CIDR containment both ways, an event's values. All short read transactions.

use redb::ReadableTable;
use serde::Serialize;
use uuid::Uuid;

use crate::model::ip::{V4_MIN_LEN, cidr_key, ip_key, is_v4_mapped, mask, range};

use super::records::*;
use super::tables::*;
use super::{AuditEntry, Result, Store, current_user};

const KEY_CORRELATION_LIMIT: &str = "correlation_limit";

/// The keys of `VALUES`, `IPS` and `CIDRS`, in order.
pub type IndexSnapshot = (Vec<u128>, Vec<(u128, u64)>, Vec<(u8, u128, u64)>);

/// MISP's code default: a value in more events than this is flagged, not linked pairwise.
pub const DEFAULT_CORRELATION_LIMIT: u64 = 20;

/// One attribute holding a value, with what a pivot shows of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Holder {
    pub key: u64,
    pub event: Uuid,
    pub event_info: String,
    pub source: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub value: String,
}

impl Store {
    pub fn correlation_limit(&self) -> Result<u64> {
        let txn = self.read()?;
        let meta = txn.open_table(META)?;
        Ok(meta
            .get(KEY_CORRELATION_LIMIT)?
            .map_or(DEFAULT_CORRELATION_LIMIT, |v| v.value()))
    }

    pub fn set_correlation_limit(&self, limit: u64) -> Result<()> {
        let txn = self.db().begin_write()?;
        txn.open_table(META)?.insert(KEY_CORRELATION_LIMIT, limit)?;
        txn.commit()?;
        Ok(())
    }

    /// Exclusion patterns (MISP `%` wildcards) and their comments.
    pub fn exclusions(&self) -> Result<Vec<(String, String)>> {
        let txn = self.read()?;
        let t = txn.open_table(EXCLUSIONS)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            let (k, v) = item?;
            out.push((k.value().to_string(), v.value().to_string()));
        }
        Ok(out)
    }

    /// Add (`comment` Some) or remove (None) an exclusion; true when something changed.
    pub fn set_exclusion(&self, pattern: &str, comment: Option<&str>) -> Result<bool> {
        let txn = self.db().begin_write()?;
        let changed = {
            let mut t = txn.open_table(EXCLUSIONS)?;
            match comment {
                Some(c) => t.insert(pattern, c)?.is_none(),
                None => t.remove(pattern)?.is_some(),
            }
        };
        txn.commit()?;
        Ok(changed)
    }

    /// Correlating attributes holding exactly `value`, with their events and sources.
    pub fn value_holders(&self, value: &str) -> Result<Vec<Holder>> {
        let txn = self.read()?;
        let keys: Vec<u64> = self
            .holders(&txn, value)?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        self.describe(&txn, &keys)
    }

    /// Whether any correlating attribute holds exactly `value`; stops at the first.
    pub fn holds(&self, value: &str) -> Result<bool> {
        Ok(self.first_holder(value)?.is_some())
    }

    /// The type of the first correlating attribute holding `value`, reading one record.
    pub fn value_type(&self, value: &str) -> Result<Option<String>> {
        Ok(self
            .first_holder(value)?
            .map(|r| r.type_.type_name().to_string()))
    }

    fn first_holder(&self, value: &str) -> Result<Option<AttrRec>> {
        let txn = self.read()?;
        let values = txn.open_table(VALUES)?;
        let attrs = txn.open_table(ATTRIBUTES)?;
        for item in values.range(hash_range(crate::model::hash::value_hash(value)))? {
            let (_, key) = split_index_key(item?.0.value());
            if let Some(a) = attrs.get(key)? {
                let rec: AttrRec = decode("attribute", a.value())?;
                if super::index::index_values(rec.type_.type_name(), &rec.value).any(|v| v == value)
                {
                    return Ok(Some(rec));
                }
            }
        }
        Ok(None)
    }

    /// How many events hold `value`, from index keys alone (no record is read): cheap even
    /// for a hub held by a million attributes. Counts by hash, so a 64-bit collision would
    /// add to it; [`Store::value_holders`] verifies values.
    pub fn value_event_count(&self, value: &str) -> Result<u64> {
        let txn = self.read()?;
        let values = txn.open_table(VALUES)?;
        let mut n = 0;
        let mut last = None;
        for item in values.range(hash_range(crate::model::hash::value_hash(value)))? {
            let (_, key) = split_index_key(item?.0.value());
            let ev = event_of(key);
            if last != Some(ev) {
                n += 1;
                last = Some(ev);
            }
        }
        Ok(n)
    }

    /// Correlating attributes whose CIDR contains the address `ip` (one range lookup per
    /// prefix length in use, never a scan), at most `cap`, and how many there are in all.
    /// IPv4 addresses only meet IPv4 networks: an IPv6 `::/0` does not hold every IPv4 host.
    pub fn cidrs_containing(&self, ip: &str, cap: usize) -> Result<(Vec<Holder>, u64)> {
        let Some(k) = ip_key(ip) else {
            return Ok((Vec::new(), 0));
        };
        let min_len = if is_v4_mapped(k) { V4_MIN_LEN } else { 0 };
        let txn = self.read()?;
        let cidrs = txn.open_table(CIDRS)?;
        let mut keys = Vec::new();
        let mut total = 0u64;
        // Walk the prefix lengths in use, jumping from one to the next.
        let mut len = min_len;
        while let Some(first) = cidrs.range((len, 0u128, 0u64)..)?.next() {
            let (l, _, _) = first?.0.value();
            let net = k & mask(l);
            for item in cidrs.range((l, net, 0u64)..=(l, net, u64::MAX))? {
                total += 1;
                if keys.len() < cap {
                    keys.push(item?.0.value().2);
                }
            }
            match l.checked_add(1) {
                Some(next) => len = next,
                None => break,
            }
        }
        drop(cidrs);
        Ok((self.describe(&txn, &keys)?, total))
    }

    /// Correlating attributes whose address lies inside `cidr`, at most `cap`, and how many
    /// there are in all (counted from index keys).
    pub fn ips_in(&self, cidr: &str, cap: usize) -> Result<(Vec<Holder>, u64)> {
        let Some((len, net)) = cidr_key(cidr) else {
            return Ok((Vec::new(), 0));
        };
        let (lo, hi) = range(len, net);
        let txn = self.read()?;
        let ips = txn.open_table(IPS)?;
        let mut keys = Vec::new();
        let mut total = 0u64;
        // An IPv6 network wide enough to cover ::ffff:0:0/96 must not swallow IPv4 hosts.
        let skip_v4 = len < V4_MIN_LEN;
        for item in ips.range((lo, 0u64)..=(hi, u64::MAX))? {
            let (addr, key) = item?.0.value();
            if skip_v4 && is_v4_mapped(addr) {
                continue;
            }
            total += 1;
            if keys.len() < cap {
                keys.push(key);
            }
        }
        drop(ips);
        Ok((self.describe(&txn, &keys)?, total))
    }

    /// Up to `cap` correlating values of one event, and about how many it holds in all (its
    /// live attribute count). For a list source's fixed event, `None`: the values of one
    /// list are not related to each other, and a list can hold millions.
    pub fn event_values(&self, event: Uuid, cap: usize) -> Result<Option<(Vec<Holder>, u64)>> {
        let txn = self.read()?;
        let Some(id) = event_id(&txn.open_table(EVENT_UUIDS)?, event)? else {
            return Ok(Some((Vec::new(), 0)));
        };
        if self
            .sources_by_id(&txn)?
            .values()
            .any(|s| s.fixed_event == Some(id))
        {
            return Ok(None);
        }
        let total = match txn.open_table(EVENTS)?.get(id)? {
            Some(e) => {
                let ev: EventRec = decode("event", e.value())?;
                ev.attribute_count.saturating_sub(ev.deleted_count)
            }
            None => 0,
        };
        let attrs = txn.open_table(ATTRIBUTES)?;
        let mut keys = Vec::new();
        for item in attrs.range(event_range(id))? {
            if keys.len() >= cap {
                break;
            }
            let (k, v) = item?;
            let rec: AttrRec = decode("attribute", v.value())?;
            if super::index::eligible(rec.type_.type_name(), rec.deleted(), rec.no_correlation()) {
                keys.push(k.value());
            }
        }
        drop(attrs);
        Ok(Some((self.describe(&txn, &keys)?, total)))
    }

    fn describe(&self, txn: &redb::ReadTransaction, keys: &[u64]) -> Result<Vec<Holder>> {
        let attrs = txn.open_table(ATTRIBUTES)?;
        let events = txn.open_table(EVENTS)?;
        let sources = self.sources_by_id(txn)?;
        let mut out = Vec::with_capacity(keys.len());
        let mut cache: std::collections::HashMap<u64, EventRec> = Default::default();
        for &key in keys {
            let Some(a) = attrs.get(key)? else { continue };
            let rec: AttrRec = decode("attribute", a.value())?;
            let eid = event_of(key);
            let ev = match cache.entry(eid) {
                std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let Some(e) = events.get(eid)? else { continue };
                    slot.insert(decode("event", e.value())?)
                }
            };
            out.push(Holder {
                key,
                event: Uuid::from_u128(ev.uuid),
                event_info: ev.info.clone(),
                source: sources
                    .get(&ev.source_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                type_: rec.type_.type_name().to_string(),
                value: rec.value,
            });
        }
        Ok(out)
    }

    /// Recompute the correlation indexes from the stored attributes (`correlate --rebuild`).
    /// Returns the number of attributes indexed.
    pub fn rebuild_correlations(&mut self) -> Result<u64> {
        let mut w = self.writer()?;
        let n = w.rebuild_index()?;
        let mut counts = serde_json::Map::new();
        counts.insert("attributes_indexed".into(), n.into());
        w.audit(&AuditEntry {
            time: crate::model::time::now(),
            user: current_user(),
            action: "correlate-rebuild".into(),
            source: None,
            inputs: Vec::new(),
            counts,
        })?;
        w.commit()?;
        Ok(n)
    }

    /// Index tables as sorted key lists, for comparing incremental and rebuilt indexes.
    pub fn index_snapshot(&self) -> Result<IndexSnapshot> {
        let txn = self.read()?;
        let mut values = Vec::new();
        for item in txn.open_table(VALUES)?.iter()? {
            values.push(item?.0.value());
        }
        let mut ips = Vec::new();
        for item in txn.open_table(IPS)?.iter()? {
            ips.push(item?.0.value());
        }
        let mut cidrs = Vec::new();
        for item in txn.open_table(CIDRS)?.iter()? {
            cidrs.push(item?.0.value());
        }
        Ok((values, ips, cidrs))
    }
}

/// Values shared between sources (MISP's compareFeeds): per source, how many of its values
/// other sources also hold; per pair, how many values they share.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Overlap {
    pub sources: Vec<SourceCoverage>,
    pub pairs: Vec<PairOverlap>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceCoverage {
    pub source: String,
    pub values: u64,
    /// Of those, held by at least one other source.
    pub shared: u64,
    /// `shared / values`, 0..1.
    pub coverage: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairOverlap {
    pub a: String,
    pub b: String,
    pub shared: u64,
}

impl Store {
    /// One pass over the value index, grouped by value hash (a 64-bit hash: two different
    /// values colliding would count as one; at millions of values that is ~1e-7 likely).
    pub fn source_overlap(&self) -> Result<Overlap> {
        use std::collections::{BTreeMap, BTreeSet, HashMap};
        let txn = self.read()?;
        let sources = self.sources_by_id(&txn)?;
        let mut event_source: HashMap<u64, u32> = HashMap::new();
        for item in txn.open_table(EVENTS)?.iter()? {
            let (k, v) = item?;
            event_source.insert(k.value(), decode::<EventRec>("event", v.value())?.source_id);
        }
        let mut values: HashMap<u32, u64> = HashMap::new();
        let mut shared: HashMap<u32, u64> = HashMap::new();
        let mut pairs: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        let mut group: BTreeSet<u32> = BTreeSet::new();
        let mut current: Option<u64> = None;
        let mut close = |group: &mut BTreeSet<u32>| {
            for &s in group.iter() {
                *values.entry(s).or_default() += 1;
                if group.len() > 1 {
                    *shared.entry(s).or_default() += 1;
                }
            }
            let g: Vec<u32> = group.iter().copied().collect();
            for (i, &a) in g.iter().enumerate() {
                for &b in &g[i + 1..] {
                    *pairs.entry((a, b)).or_default() += 1;
                }
            }
            group.clear();
        };
        for item in txn.open_table(VALUES)?.iter()? {
            let (hash, key) = split_index_key(item?.0.value());
            if current != Some(hash) {
                close(&mut group);
                current = Some(hash);
            }
            if let Some(&s) = event_source.get(&event_of(key)) {
                group.insert(s);
            }
        }
        close(&mut group);
        let name = |id: &u32| sources.get(id).map(|s| s.name.clone()).unwrap_or_default();
        let mut out = Overlap::default();
        let mut ids: Vec<&u32> = sources.keys().collect();
        ids.sort();
        for id in ids {
            let v = values.get(id).copied().unwrap_or(0);
            let s = shared.get(id).copied().unwrap_or(0);
            out.sources.push(SourceCoverage {
                source: name(id),
                values: v,
                shared: s,
                coverage: if v == 0 { 0.0 } else { s as f64 / v as f64 },
            });
        }
        out.pairs = pairs
            .into_iter()
            .map(|((a, b), n)| PairOverlap {
                a: name(&a),
                b: name(&b),
                shared: n,
            })
            .collect();
        out.pairs
            .sort_by(|x, y| y.shared.cmp(&x.shared).then(x.a.cmp(&y.a)));
        Ok(out)
    }
}
