//! Sightings (MISP types 0 seen, 1 false positive, 2 expiration), kept per value.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use crate::model::SightingType;
use crate::model::hash::value_hash;

use super::records::{decode, encode};
use super::tables::SIGHTINGS;
use super::{AuditEntry, Result, Store, StoreError, current_user};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SightingRec {
    pub value: String,
    /// 0 seen, 1 false positive, 2 expiration.
    pub kind: u8,
    pub time: i64,
    pub source: String,
}

impl SightingRec {
    pub fn kind(&self) -> SightingType {
        match self.kind {
            1 => SightingType::FalsePositive,
            2 => SightingType::Expiration,
            _ => SightingType::Sighting,
        }
    }
}

impl Store {
    /// Record a sighting of `value`; refused when no correlating attribute holds it.
    pub fn add_sighting(
        &self,
        value: &str,
        kind: SightingType,
        source: &str,
        time: i64,
    ) -> Result<SightingRec> {
        {
            let txn = self.read()?;
            if self.holders_anywhere(&txn, value)?.is_empty() {
                return Err(StoreError::NotFound(format!(
                    "no stored indicator has the value {value}"
                )));
            }
        }
        let rec = SightingRec {
            value: value.to_string(),
            kind: kind as u8,
            time,
            source: source.to_string(),
        };
        let mut w = self.writer()?;
        w.add_sighting(&rec)?;
        let mut counts = serde_json::Map::new();
        counts.insert("sightings".into(), 1.into());
        counts.insert("type".into(), rec.kind.into());
        w.audit(&AuditEntry {
            time,
            user: current_user(),
            action: "sighting".into(),
            source: Some(source.to_string()),
            inputs: vec![value.to_string()],
            counts,
        })?;
        w.commit()?;
        Ok(rec)
    }

    /// Every sighting of `value`, oldest first.
    pub fn sightings(&self, value: &str) -> Result<Vec<SightingRec>> {
        let txn = self.read()?;
        let t = txn.open_table(SIGHTINGS)?;
        let h = value_hash(value);
        let mut out = Vec::new();
        for item in t.range((h, 0u64)..=(h, u64::MAX))? {
            let rec: SightingRec = decode("sighting", item?.1.value())?;
            if rec.value == value {
                out.push(rec);
            }
        }
        Ok(out)
    }
}

impl Store {
    /// Every sighting in the store (exports aggregate them per value).
    pub fn all_sightings(&self) -> Result<Vec<SightingRec>> {
        let txn = self.read()?;
        let t = txn.open_table(SIGHTINGS)?;
        let mut out = Vec::new();
        for item in t.iter()? {
            out.push(decode("sighting", item?.1.value())?);
        }
        Ok(out)
    }
}

impl super::Writer {
    pub fn add_sighting(&mut self, rec: &SightingRec) -> Result<()> {
        let mut t = self.txn().open_table(SIGHTINGS)?;
        let h = value_hash(&rec.value);
        let next = t
            .range((h, 0u64)..=(h, u64::MAX))?
            .next_back()
            .transpose()?
            .map_or(0, |(k, _)| k.value().1 + 1);
        t.insert((h, next), encode(rec)?.as_slice())?;
        Ok(())
    }
}
