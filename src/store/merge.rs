//! Merging what another threatdeck sent (offline bundles): each thing once, so the same
//! bundle imported twice changes nothing.

use redb::ReadableTable;

use super::feeds::{FEEDS, FeedRec};
use super::records::decode;
use super::tables::{EXCLUSIONS, OVERRIDES, SIGHTINGS};
use super::{Result, SightingRec, Store, Writer};
use crate::bundle::Annotation;
use crate::model::hash::value_hash;

impl Writer {
    /// Add a sighting unless the same one (value, type, time, source) is there already.
    pub fn add_sighting_once(&mut self, rec: &SightingRec) -> Result<bool> {
        let h = value_hash(&rec.value);
        let known = {
            let t = self.txn().open_table(SIGHTINGS)?;
            let mut known = false;
            for item in t.range((h, 0u64)..=(h, u64::MAX))? {
                if decode::<SightingRec>("sighting", item?.1.value())? == *rec {
                    known = true;
                    break;
                }
            }
            known
        };
        if !known {
            self.add_sighting(rec)?;
        }
        Ok(!known)
    }

    /// Apply an annotation; false when the store already says the same.
    pub fn annotate(&mut self, a: &Annotation) -> Result<bool> {
        match a {
            Annotation::ScoreOverride { value, score } => {
                let score = if score.is_nan() {
                    0.0
                } else {
                    score.clamp(0.0, 100.0)
                };
                let mut t = self.txn().open_table(OVERRIDES)?;
                let same = t.get(value.as_str())?.map(|v| v.value()) == Some(score.to_bits());
                if !same {
                    t.insert(value.as_str(), score.to_bits())?;
                }
                Ok(!same)
            }
            Annotation::Exclusion { pattern, comment } => {
                let mut t = self.txn().open_table(EXCLUSIONS)?;
                let known = t.get(pattern.as_str())?.is_some();
                if !known {
                    t.insert(pattern.as_str(), comment.as_str())?;
                }
                Ok(!known)
            }
        }
    }

    /// Add a feed definition unless one with its name exists (local settings win).
    pub fn add_feed_if_absent(&mut self, feed: &FeedRec) -> Result<bool> {
        let mut t = self.txn().open_table(FEEDS)?;
        if t.get(feed.name.as_str())?.is_some() {
            return Ok(false);
        }
        t.insert(feed.name.as_str(), super::feeds::encode(feed)?.as_slice())?;
        Ok(true)
    }
}

impl Store {
    /// Every analyst score override: (value, score).
    pub fn score_overrides(&self) -> Result<Vec<(String, f64)>> {
        let txn = self.read()?;
        let mut out = Vec::new();
        for item in txn.open_table(OVERRIDES)?.iter()? {
            let (k, v) = item?;
            out.push((k.value().to_string(), f64::from_bits(v.value())));
        }
        Ok(out)
    }
}
