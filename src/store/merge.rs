//! Merging what another threatdeck sent (offline bundles): each thing once, so the same
//! bundle imported twice changes nothing.

use redb::ReadableTable;

use super::feeds::{FEEDS, FeedRec};
use std::collections::HashSet;

use super::records::{decode, encode};
use super::tables::{EXCLUSIONS, OVERRIDES, SIGHTINGS};
use super::{Result, SightingRec, Store, Writer};
use crate::bundle::Annotation;
use crate::model::hash::value_hash;

impl Writer {
    /// Add each sighting unless the same one (value, type, time, source) is there already;
    /// (added, known). The store's sightings of a value are read once per value.
    pub fn add_sightings_once(&mut self, recs: Vec<SightingRec>) -> Result<(u64, u64)> {
        let mut by_value: std::collections::BTreeMap<String, Vec<SightingRec>> = Default::default();
        for r in recs {
            by_value.entry(r.value.clone()).or_default().push(r);
        }
        let (mut added, mut known) = (0, 0);
        let mut t = self.txn().open_table(SIGHTINGS)?;
        for (value, recs) in by_value {
            let h = value_hash(&value);
            let mut have: HashSet<(u8, i64, String)> = HashSet::new();
            let mut next = 0u64;
            for item in t.range((h, 0u64)..=(h, u64::MAX))? {
                let (k, v) = item?;
                next = next.max(k.value().1 + 1);
                let s: SightingRec = decode("sighting", v.value())?;
                if s.value == value {
                    have.insert((s.kind, s.time, s.source));
                }
            }
            for r in recs {
                if have.insert((r.kind, r.time, r.source.clone())) {
                    t.insert((h, next), encode(&r)?.as_slice())?;
                    next += 1;
                    added += 1;
                } else {
                    known += 1;
                }
            }
        }
        Ok((added, known))
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
