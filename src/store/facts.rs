//! What scoring needs to know about each attribute holding a value, and analyst overrides.

use redb::ReadableTable;
use serde::Serialize;

use super::records::*;
use super::tables::*;
use super::{AuditEntry, Result, Store, current_user};

/// One holder of a value, as the scorer sees it (unix seconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreFacts {
    pub source: String,
    #[serde(rename = "type")]
    pub type_: String,
    /// Event tags first, then attribute tags (attribute tags override, as in MISP).
    pub tags: Vec<String>,
    pub timestamp: i64,
    pub last_seen: Option<i64>,
    /// The confidence of the feed the source is (0..100), when it set one.
    pub confidence: Option<f64>,
}

impl Store {
    /// Scoring facts for every correlating attribute holding `value`.
    pub fn score_facts(&self, value: &str) -> Result<Vec<ScoreFacts>> {
        let txn = self.read()?;
        let holders = self.holders_anywhere(&txn, value)?;
        let events = txn.open_table(EVENTS)?;
        let sources = self.sources_by_id(&txn)?;
        let feeds = txn.open_table(super::feeds::FEEDS)?;
        let mut confidence = std::collections::HashMap::new();
        let mut out = Vec::with_capacity(holders.len());
        for (key, rec) in holders {
            let Some(e) = events.get(event_of(key))? else {
                continue;
            };
            let ev: EventRec = decode("event", e.value())?;
            let attr = rec.to_attribute(ev.uuid);
            let mut tags: Vec<String> = ev.tags.iter().map(|t| t.name.clone()).collect();
            tags.extend(attr.tags.into_iter().map(|t| t.name));
            let source = sources
                .get(&ev.source_id)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let conf = match confidence.get(&source) {
                Some(c) => *c,
                None => {
                    let c = match feeds.get(source.as_str())? {
                        Some(v) => {
                            super::feeds::decode::<super::feeds::FeedRec>("feed", v.value())?
                                .confidence
                                .map(f64::from)
                        }
                        None => None,
                    };
                    confidence.insert(source.clone(), c);
                    c
                }
            };
            out.push(ScoreFacts {
                source,
                confidence: conf,
                type_: attr.type_,
                tags,
                timestamp: attr.timestamp,
                last_seen: attr.last_seen.map(|us| us.div_euclid(1_000_000)),
            });
        }
        Ok(out)
    }

    pub fn score_override(&self, value: &str) -> Result<Option<f64>> {
        let txn = self.read()?;
        let t = txn.open_table(OVERRIDES)?;
        Ok(t.get(value)?.map(|v| f64::from_bits(v.value())))
    }

    /// Set (`Some`) or clear (`None`) an analyst's score for `value`.
    pub fn set_score_override(&self, value: &str, score: Option<f64>) -> Result<()> {
        // Scores live on 0..100; NaN would poison every combination it meets.
        let score = score.map(|s| if s.is_nan() { 0.0 } else { s.clamp(0.0, 100.0) });
        let mut w = self.writer()?;
        {
            let mut t = w.txn().open_table(OVERRIDES)?;
            match score {
                Some(s) => t.insert(value, s.to_bits())?,
                None => t.remove(value)?,
            };
        }
        let mut counts = serde_json::Map::new();
        if let Some(s) = score {
            counts.insert("score".into(), s.into());
        }
        w.audit(&AuditEntry {
            time: crate::model::time::now(),
            user: current_user(),
            action: if score.is_some() {
                "score-override"
            } else {
                "score-clear"
            }
            .into(),
            source: None,
            inputs: vec![value.to_string()],
            counts,
        })?;
        w.commit().map(|_| ())
    }
}
