//! The correlation indexes, kept in the same write transaction as the attributes:
//! `VALUES` (value hash -> attribute), `IPS` (address -> attribute) and `CIDRS` (network ->
//! attribute). Only attributes that correlate are indexed: not deleted, correlation not
//! disabled, not a MISP non-correlating type (MISP.md §4.3).

use redb::{ReadableTable, Table, WriteTransaction};

use crate::model::hash::value_hash;
use crate::model::ip::{cidr_key, ip_key, ip_part};
use crate::model::types;

use super::Result;
use super::records::{AttrRec, decode};
use super::tables::*;

/// Values longer than this are stored but not indexed: nobody pivots on a 2 KB blob.
pub const MAX_INDEXED_VALUE: usize = 1024;

/// The values an attribute is indexed under: composite types by part (MISP correlates
/// value1 and value2 separately, and never the port of `*|port`).
pub fn index_values<'a>(type_name: &str, value: &'a str) -> impl Iterator<Item = &'a str> {
    let (first, second) = if types::is_composite(type_name) {
        match value.split_once('|') {
            Some((a, _)) if types::is_port_composite(type_name) => (a, None),
            Some((a, b)) => (a, Some(b)),
            None => (value, None),
        }
    } else {
        (value, None)
    };
    [Some(first), second]
        .into_iter()
        .flatten()
        .filter(|v| !v.is_empty() && v.len() <= MAX_INDEXED_VALUE)
}

/// Whether an attribute takes part in correlation at all.
pub fn eligible(type_name: &str, deleted: bool, no_correlation: bool) -> bool {
    !deleted && !no_correlation && types::correlates(type_name)
}

/// Most values a batch reports by name; the totals count them all.
pub const MAX_CHANGED_VALUES: usize = 10_000;

/// Which values gained or lost correlation entries in one committed batch, so views can
/// refresh only what changed (the totals are exact, the lists capped).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    pub linked: Vec<String>,
    pub unlinked: Vec<String>,
    pub linked_total: u64,
    pub unlinked_total: u64,
    #[serde(skip)]
    seen: std::collections::HashSet<(bool, String)>,
}

impl Changes {
    /// Note the indexed values of an attribute as gained (`linked`) or lost.
    pub fn note(&mut self, linked: bool, type_name: &str, value: &str) {
        for v in index_values(type_name, value) {
            if linked {
                self.linked_total += 1;
            } else {
                self.unlinked_total += 1;
            }
            let list = if linked {
                &mut self.linked
            } else {
                &mut self.unlinked
            };
            if list.len() < MAX_CHANGED_VALUES && self.seen.insert((linked, v.to_string())) {
                list.push(v.to_string());
            }
        }
    }
}

/// Index entries waiting for the end of the batch, inserted sorted (redb loads sorted keys
/// about twice as fast, into half the pages).
#[derive(Default)]
pub struct Pending {
    values: Vec<u128>,
    ips: Vec<(u128, u64)>,
    cidrs: Vec<(u8, u128, u64)>,
}

impl Pending {
    pub fn reserve(&mut self, n: usize) {
        self.values.reserve(n);
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.ips.is_empty() && self.cidrs.is_empty()
    }

    /// Queue the entries of attribute `key` (the caller checked [`eligible`]).
    pub fn queue(&mut self, type_name: &str, value: &str, key: u64) {
        for v in index_values(type_name, value) {
            self.values.push(index_key(value_hash(v), key));
        }
        if let Some(ip) = ip_part(type_name, value) {
            match (ip_key(ip), cidr_key(ip)) {
                (Some(k), _) => self.ips.push((k, key)),
                (None, Some((len, net))) => self.cidrs.push((len, net, key)),
                _ => {}
            }
        }
    }

    pub fn flush(&mut self, txn: &WriteTransaction) -> Result<()> {
        let mut values = std::mem::take(&mut self.values);
        values.sort_unstable();
        let mut t: Table<u128, ()> = txn.open_table(VALUES)?;
        for k in values {
            t.insert(k, ())?;
        }
        let mut ips = std::mem::take(&mut self.ips);
        ips.sort_unstable();
        let mut t = txn.open_table(IPS)?;
        for k in ips {
            t.insert(k, ())?;
        }
        let mut cidrs = std::mem::take(&mut self.cidrs);
        cidrs.sort_unstable();
        let mut t = txn.open_table(CIDRS)?;
        for k in cidrs {
            t.insert(k, ())?;
        }
        Ok(())
    }
}

/// Remove the entries of attribute `key` (absent entries are fine).
pub fn remove(txn: &WriteTransaction, type_name: &str, value: &str, key: u64) -> Result<()> {
    let mut values = txn.open_table(VALUES)?;
    for v in index_values(type_name, value) {
        values.remove(index_key(value_hash(v), key))?;
    }
    if let Some(ip) = ip_part(type_name, value) {
        if let Some(k) = ip_key(ip) {
            txn.open_table(IPS)?.remove((k, key))?;
        } else if let Some((len, net)) = cidr_key(ip) {
            txn.open_table(CIDRS)?.remove((len, net, key))?;
        }
    }
    Ok(())
}

/// Recompute every index from the stored attributes.
pub fn rebuild(txn: &WriteTransaction) -> Result<u64> {
    txn.delete_table(VALUES)?;
    txn.delete_table(IPS)?;
    txn.delete_table(CIDRS)?;
    let mut pending = Pending::default();
    let mut n = 0;
    {
        let attrs = txn.open_table(ATTRIBUTES)?;
        for item in attrs.iter()? {
            let (k, v) = item?;
            let rec: AttrRec = decode("attribute", v.value())?;
            let t = rec.type_.type_name();
            if eligible(t, rec.deleted(), rec.no_correlation()) {
                pending.queue(t, &rec.value, k.value());
                n += 1;
            }
        }
    }
    pending.flush(txn)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_halves_and_ports() {
        let v: Vec<&str> = index_values("domain|ip", "a.example|1.2.3.4").collect();
        assert_eq!(v, ["a.example", "1.2.3.4"]);
        let v: Vec<&str> = index_values("ip-dst|port", "1.2.3.4|443").collect();
        assert_eq!(v, ["1.2.3.4"]);
        assert_eq!(index_values("url", &"x".repeat(2000)).count(), 0);
    }

    #[test]
    fn eligibility() {
        assert!(eligible("ip-dst", false, false));
        assert!(!eligible("ip-dst", true, false));
        assert!(!eligible("ip-dst", false, true));
        assert!(!eligible("comment", false, false));
    }
}
